package cli

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/config"
	"github.com/reviewq/reviewq/tui"
)

// runConsole opens the console on the configured server, or on the
// embedded one with samples when nothing is configured or running locally.
func (a *app) runConsole(cmd *cobra.Command, _ []string) error {
	keys, err := a.keymap()
	if err != nil {
		return userErrorf("%s: %v", a.cfg.file.Path, err)
	}
	picking := a.cfg.choose
	before := a.opts
	var failed error
	for {
		if picking {
			picked, err := a.pickProfile(cmd, failed)
			if err != nil || !picked {
				return err
			}
		}
		s, err := a.connectConsole(cmd)
		if err == nil {
			defer s.Close()
			return a.runProgram(cmd, s, keys)
		}
		if !picking {
			return err
		}
		// The picker stays open until a profile connects: one that cannot
		// (a server down, a password command that fails) is named with
		// its error under the list, and the user picks again or quits.
		failed = err
		a.opts = before
		for flag := range a.cfg.fromProfile {
			cmd.Flags().Lookup(flag).Changed = false
		}
		a.cfg.choose = true
	}
}

// connectConsole connects with the chosen profile's settings.
func (a *app) connectConsole(cmd *cobra.Command) (*session, error) {
	if err := a.prepare(cmd.Context()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.opts.timeout+2*time.Second)
	defer cancel()
	return a.opts.connect(ctx, true)
}

// runProgram runs the console on s until the user quits.
func (a *app) runProgram(cmd *cobra.Command, s *session, keys tui.Keymap) error {
	cfg := s.client.Config()
	p := tea.NewProgram(tui.New(tui.Deps{
		Queue: s.client, Server: s.server, Embedded: s.embedded,
		Stream: cfg.Stream, Group: cfg.Group, Consumer: cfg.Consumer,
		ReclaimAfter: cfg.ReclaimAfter, Timeout: cfg.Timeout, ReadOnly: a.opts.readOnly,
		Profile: a.cfg.choice.Name, ThemeOptions: a.cfg.file.Styles(), Keymap: keys,
		Context: cmd.Context(), Location: loc, Now: cfg.Now,
	}), tea.WithContext(cmd.Context()))
	_, err := p.Run()
	return consoleExit(err)
}

// pickProfile asks which of the settings file's profiles to open, and
// applies it; false when the user quit instead. failed is why the last
// one picked did not open, shown under the list with the cursor on it.
func (a *app) pickProfile(cmd *cobra.Command, failed error) (bool, error) {
	f := a.cfg.file
	choices := make([]tui.ProfileChoice, 0, len(f.Names()))
	for _, name := range f.Names() {
		choices = append(choices, tui.ProfileChoice{Name: name, Server: f.Profiles[name].Server()})
	}
	picker := tui.NewPicker(f.Path, choices, f.Styles())
	if failed != nil {
		picker.Failed(a.cfg.choice.Name, failed.Error())
	}
	if _, err := tea.NewProgram(picker, tea.WithContext(cmd.Context())).Run(); err != nil {
		return false, consoleExit(err)
	}
	name, ok := picker.Picked()
	if !ok {
		return false, nil
	}
	a.cfg.choice, a.cfg.choose = config.Choice{Name: name, From: "picked"}, false
	return true, a.applyProfile(cmd.Flags())
}

// consoleExit is how the console's end reads to the shell: closed by a
// signal (SIGTERM cancels the context, which Bubble Tea reports wrapped in
// ErrProgramKilled) or interrupted is a normal end, exit 0 with nothing
// said; anything else is an error.
func consoleExit(err error) error {
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}
