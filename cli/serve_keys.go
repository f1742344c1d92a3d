package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/sshd"
)

// keysCommand edits the desk's authorized-keys file (serve's
// --authorized-keys): which key logs in as which user. The desk reads the
// file at every login, so a change takes effect at the next one.
func (a *app) keysCommand(o *serveOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Who may log in to the SSH desk, with which key",
		Long: `Edit the SSH desk's authorized-keys file (--authorized-keys). Each line is
an OpenSSH public key followed by the one user it logs in as; a key may
have several lines, one per user. The desk reads the file at every login:
changes need no restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "add USER PUBKEYFILE",
		Short: "Let the key in PUBKEYFILE (a .pub file, or - for standard input) log in as USER",
		Example: `  reviewq serve keys add alice alice_id_ed25519.pub
  ssh-add -L | head -1 | reviewq serve keys add alice -`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error { return a.keysAdd(o.authorizedKeys, args[0], args[1]) },
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List each user, key type and fingerprint; warn about lines that let nobody in",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.keysList(o.authorizedKeys) },
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "remove USER [FINGERPRINT]",
		Short: "Stop USER logging in: with every key, or only the one with FINGERPRINT (SHA256:…)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			fp := ""
			if len(args) == 2 {
				fp = args[1]
			}
			return a.keysRemove(o.authorizedKeys, args[0], fp)
		},
	})
	return cmd
}

func (a *app) keysAdd(path, user, from string) error {
	var data []byte
	var err error
	if from == "-" {
		data, err = io.ReadAll(io.LimitReader(a.stdin, 1<<20))
	} else {
		data, err = os.ReadFile(from)
	}
	if err != nil {
		return usageError{err}
	}
	key, err := sshd.ParsePublicKey(data)
	if err != nil {
		return userErrorf("%s: %v", from, err)
	}
	b, added, err := sshd.AddKeyBinding(path, user, key)
	if err != nil {
		return usageError{err}
	}
	if a.json {
		return a.printJSON(struct {
			sshd.KeyBinding
			Added bool `json:"added"`
		}{b, added})
	}
	if !added {
		fmt.Fprintf(a.stdout, "%s already logs in with %s %s (line %d of %s); nothing changed\n", b.User, b.Type, b.Fingerprint, b.Line, path)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s logs in with %s %s (line %d of %s), from the next login on\n", b.User, b.Type, b.Fingerprint, b.Line, path)
	return nil
}

func (a *app) keysList(path string) error {
	bound, skipped, err := sshd.ReadKeyBindings(path)
	if errors.Is(err, fs.ErrNotExist) {
		return userErrorf("no authorized-keys file %s yet: reviewq serve keys add USER KEY.pub creates it", path)
	}
	if err != nil {
		return usageError{err}
	}
	for _, s := range skipped {
		fmt.Fprintf(a.stderr, "reviewq: warning: %s line %d lets nobody in: %s\n", path, s.Line, s.Reason)
	}
	if a.json {
		type skip struct {
			Line   int    `json:"line"`
			Reason string `json:"reason"`
		}
		out := struct {
			Keys    []sshd.KeyBinding `json:"keys"`
			Skipped []skip            `json:"skipped"`
		}{Keys: bound, Skipped: []skip{}}
		if out.Keys == nil {
			out.Keys = []sshd.KeyBinding{}
		}
		for _, s := range skipped {
			out.Skipped = append(out.Skipped, skip{s.Line, s.Reason})
		}
		return a.printJSON(out)
	}
	if len(bound) == 0 {
		fmt.Fprintf(a.stdout, "no key logs anyone in yet: reviewq serve keys add USER KEY.pub\n")
		return nil
	}
	a.table("USER\tTYPE\tFINGERPRINT\tLINE", func(tw *tabwriter.Writer) {
		for _, b := range bound {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", b.User, b.Type, b.Fingerprint, b.Line)
		}
	})
	return nil
}

func (a *app) keysRemove(path, user, fingerprint string) error {
	removed, err := sshd.RemoveKeyBindings(path, user, fingerprint)
	if err != nil {
		return usageError{err}
	}
	if a.json {
		return a.printJSON(struct {
			Removed []sshd.KeyBinding `json:"removed"`
		}{removed})
	}
	for _, b := range removed {
		fmt.Fprintf(a.stdout, "removed line %d: %s no longer logs in with %s %s\n", b.Line, b.User, b.Type, b.Fingerprint)
	}
	fmt.Fprintln(a.stdout, "sessions already open stay open until they end")
	return nil
}
