package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// app carries the parsed flags and where output goes, for one invocation.
type app struct {
	opts   options
	json   bool
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	profileFlag string   // --profile
	cfg         settings // what the settings file says
}

// Execute runs reviewq with the process's arguments and returns the exit
// code.
func Execute(ctx context.Context) int {
	return Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Run runs reviewq with the given arguments and streams; tests call it.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var told reportedError
	if err != nil && !errors.As(err, &told) {
		fmt.Fprintln(stderr, "reviewq:", oneLine(err))
	}
	return ExitCode(err)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "reviewq",
		Short: "A terminal console for a contact-message queue in a Valkey stream",
		Long: `reviewq works a contact-message queue kept in a Valkey stream, side by side
with the web example "Message Queue with AWS ElastiCache and Next.js".

Without a subcommand it opens the console. With no server configured and
nothing listening on localhost:6379 it starts an embedded in-memory server
with sample messages (nothing is kept after exit).

Settings and named profiles live in a file: reviewq config path says where,
reviewq config show what they come to. A flag beats the profile, the
profile beats the environment, which beats the defaults.

reviewq completion bash|zsh|fish|powershell writes a completion script,
which also completes --profile with the file's profile names.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runConsole,
		// Every command reads the settings file first (but those that
		// check it, and completion).
		PersistentPreRunE: a.loadSettings,
	}
	a.opts.register(root.PersistentFlags())
	root.PersistentFlags().BoolVar(&a.json, "json", false, "machine-readable output (the web example's JSON shapes)")
	root.PersistentFlags().StringVar(&a.profileFlag, "profile", "", "the settings file's profile to use (default $REVIEWQ_PROFILE, else its defaultProfile)")
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles) // the flag exists: no error
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		a.addCommand(), a.claimCommand(), a.ackCommand(), a.releaseCommand(), a.snoozeCommand(), a.rejectCommand(),
		a.pendingCommand(), a.rangeCommand(), a.statsCommand(), a.deadCommand(), a.serveCommand(),
		a.replayCommand(), a.searchCommand(), a.trimCommand(), a.configCommand(),
	)
	return root
}

// withClient connects for a scriptable command (never the embedded server)
// and runs f.
func (a *app) withClient(cmd *cobra.Command, f func(s *session) error) error {
	if err := a.refuseWrites(cmd); err != nil {
		return err
	}
	if err := a.prepare(cmd.Context()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.opts.timeout)
	defer cancel()
	s, err := a.opts.connect(ctx, false)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(s)
}

// withDialedClient is withClient without creating the group first: for
// claim, which finds a missing group itself (see dial).
func (a *app) withDialedClient(cmd *cobra.Command, f func(s *session) error) error {
	if err := a.refuseWrites(cmd); err != nil {
		return err
	}
	if err := a.prepare(cmd.Context()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), a.opts.timeout)
	defer cancel()
	s, err := a.opts.dial(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(s)
}
