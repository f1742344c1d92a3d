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
	if !a.cfg.choose {
		return a.openConsole(cmd)
	}
	// The picker stays open until a profile connects: one that cannot (a
	// server down, a password command that fails) is named with its error
	// under the list, and the user picks again or quits.
	before := a.opts
	var failed error
	for {
		picked, err := a.pickProfile(cmd, failed)
		if err != nil || !picked {
			return err
		}
		err = a.openConsole(cmd)
		if !errors.Is(err, errNotOpened) {
			return err
		}
		failed = errors.Unwrap(err)
		a.opts = before
		for flag := range a.cfg.fromProfile {
			cmd.Flags().Lookup(flag).Changed = false
		}
		a.cfg.choose = true
	}
}

// errNotOpened wraps what kept the console from opening on the chosen
// profile, before anything was drawn.
var errNotOpened = errors.New("the console did not open")

type notOpened struct{ err error }

func (e notOpened) Error() string        { return e.err.Error() }
func (e notOpened) Unwrap() error        { return e.err }
func (e notOpened) Is(target error) bool { return target == errNotOpened }

// openConsole connects with the chosen settings and runs the console.
func (a *app) openConsole(cmd *cobra.Command) error {
	if err := a.prepare(cmd.Context()); err != nil {
		return notOpened{err}
	}
	keys, err := a.keymap()
	if err != nil {
		return userErrorf("%s: %v", a.cfg.file.Path, err)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.opts.timeout+2*time.Second)
	s, err := a.opts.connect(ctx, true)
	cancel()
	if err != nil {
		return notOpened{err}
	}
	defer s.Close()
	cfg := s.client.Config()
	p := tea.NewProgram(tui.New(tui.Deps{
		Queue: s.client, Server: s.server, Embedded: s.embedded,
		Stream: cfg.Stream, Group: cfg.Group, Consumer: cfg.Consumer,
		ReclaimAfter: cfg.ReclaimAfter, Timeout: cfg.Timeout, ReadOnly: a.opts.readOnly,
		Profile: a.cfg.choice.Name, ThemeOptions: a.cfg.file.Styles(), Keymap: keys,
		Context: cmd.Context(), Location: loc, Now: cfg.Now,
	}), tea.WithContext(cmd.Context()))
	_, err = p.Run()
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
