package cli

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/tui"
)

// runConsole opens the console on the configured server, or on the
// embedded one with samples when nothing is configured or running locally.
func (a *app) runConsole(cmd *cobra.Command, _ []string) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), a.opts.timeout+2*time.Second)
	s, err := a.opts.connect(ctx, true)
	cancel()
	if err != nil {
		return err
	}
	defer s.Close()
	cfg := s.client.Config()
	p := tea.NewProgram(tui.New(tui.Deps{
		Queue: s.client, Server: s.server, Embedded: s.embedded,
		Stream: cfg.Stream, Group: cfg.Group, Consumer: cfg.Consumer,
		ReclaimAfter: cfg.ReclaimAfter, Timeout: cfg.Timeout,
		Context: cmd.Context(), Location: loc,
	}), tea.WithContext(cmd.Context()))
	_, err = p.Run()
	return consoleExit(err)
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
