package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/reviewq/reviewq/config"
	"github.com/reviewq/reviewq/tui"
)

// profileFlags maps each profile setting (its name in the settings file)
// to the flag it stands for: a profile sets a flag the command line did
// not. A command without the flag has no use for the setting. A new
// setting is a field in config.Profile and a line here.
//
// retention is serve's flag (--retention): for the commands without it,
// the setting is read, checked and shown by reviewq config show, and sets
// nothing.
var profileFlags = []struct{ setting, flag string }{
	{"url", "url"},
	{"tls", "tls"},
	{"tls.ca", "ca-file"},
	{"tls.insecure", "insecure"},
	{"stream", "stream"},
	{"group", "group"},
	{"consumer", "consumer"},
	{"deadStream", "dead-stream"},
	{"reclaimAfter", "reclaim-after"},
	{"maxDeliveries", "max-deliveries"},
	{"maxLen", "maxlen"},
	{"timeout", "timeout"},
	{"embedded", "embedded"},
	{"readOnly", "read-only"},
	{"retryBackoff", "retry-backoff"},
	{"retryBackoffMax", "retry-backoff-max"},
	{"waitReplicas", "wait-replicas"},
	{"retention", "retention"},
}

// serverSettings are the profile's settings that belong to its server: a
// --url on the command line names another server, and then none of them
// applies (nor the profile's endpoint or password).
var serverSettings = map[string]bool{"url": true, "tls": true, "tls.ca": true, "tls.insecure": true}

// precedence is the order in which settings win, as config show says it.
const precedence = "a flag beats the profile, the profile beats the environment ($VALKEY_URL, $VALKEY_ENDPOINT), which beats the defaults"

// checkKeys checks the keys section against the console's key table:
// an unknown action, an action left without a key, two actions on one key
// on one screen.
var checkKeys config.KeyCheck = func(overrides map[string][]string) error {
	_, err := tui.NewKeymap(overrides)
	return err
}

// keymap is the console's keys with the settings file's overrides, which
// loading the file has already checked.
func (a *app) keymap() (tui.Keymap, error) {
	if a.cfg.file == nil || len(a.cfg.file.Keys) == 0 {
		return tui.DefaultKeymap(), nil
	}
	return tui.NewKeymap(a.cfg.file.Keys)
}

// settings is what the settings file says for one invocation.
type settings struct {
	loc    config.Location
	file   *config.File
	choice config.Choice
	// choose: the file has several profiles and nothing chose one; the
	// console asks, anything else that connects stops.
	choose bool
	// fromProfile are the flags the profile set.
	fromProfile map[string]bool
	// serverByFlag: --url named the server, not the profile.
	serverByFlag bool
}

// profile is the chosen profile; the zero Profile when none is.
func (s *settings) profile() config.Profile {
	if s.file == nil || s.choice.Name == "" {
		return config.Profile{}
	}
	return s.file.Profiles[s.choice.Name]
}

// usesSettings tells whether cmd reads the settings file before it runs:
// not the commands that check or find it, nor help and completion, which
// must work while the file is wrong.
func usesSettings(cmd *cobra.Command) bool {
	if cmd.Annotations[noSettings] != "" {
		return false
	}
	for c := cmd; c != nil; c = c.Parent() {
		switch c.Name() {
		case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return false
		}
	}
	return true
}

// noSettings is the annotation of a command that runs without reading
// the settings file.
const noSettings = "reviewq/no-settings"

// loadSettings reads the settings file, chooses the profile and lets it
// set the flags the command line did not: a flag beats the profile, the
// profile beats the environment and the defaults.
func (a *app) loadSettings(cmd *cobra.Command, _ []string) error {
	if !usesSettings(cmd) {
		return nil
	}
	s := &a.cfg
	s.loc = config.Locate()
	f, err := config.Load(s.loc.Path, checkKeys)
	if err != nil {
		return usageError{err}
	}
	s.file = f
	if s.choice, err = f.Choose(a.profileFlag); err != nil {
		return usageError{err}
	}
	if s.choice.Name == "" {
		s.choose = len(f.Names()) > 1
		return nil
	}
	return a.applyProfile(cmd.Flags())
}

// applyProfile sets, from the chosen profile, each flag the command line
// did not set.
func (a *app) applyProfile(fs *pflag.FlagSet) error {
	s := &a.cfg
	p := s.profile()
	s.fromProfile = map[string]bool{}
	s.serverByFlag = fs.Changed("url")
	values := p.Settings()
	for _, m := range profileFlags {
		v, ok := values[m.setting]
		if !ok || s.serverByFlag && serverSettings[m.setting] {
			continue
		}
		f := fs.Lookup(m.flag)
		if f == nil || f.Changed {
			continue
		}
		if err := fs.Set(m.flag, v); err != nil {
			return userErrorf("profile %s: %s: %v", s.choice.Name, m.setting, err)
		}
		s.fromProfile[m.flag] = true
	}
	if !s.serverByFlag {
		a.opts.endpoint = p.Endpoint
	}
	return nil
}

// prepare readies what a command is about to connect with: a profile
// is chosen, and the profile's password is fetched. A password command
// may ask for a passphrase, so this comes before any connection's
// deadline.
func (a *app) prepare(ctx context.Context) error {
	s := &a.cfg
	if s.choose {
		return userErrorf("%s has several profiles (%s): choose one with --profile NAME or $%s, or set defaultProfile",
			s.file.Path, strings.Join(s.file.Names(), ", "), config.EnvProfile)
	}
	p := s.profile()
	if s.serverByFlag || a.opts.embedded || !p.HasServer() {
		return nil // the password belongs to the profile's server only
	}
	pw, err := p.ResolvePassword(ctx)
	if err != nil {
		return userErrorf("profile %s: %v", s.choice.Name, err)
	}
	if pw == "" {
		return nil
	}
	withPassword, err := p.WithPassword(pw)
	if err != nil {
		return userErrorf("profile %s: %v", s.choice.Name, err)
	}
	a.opts.url, a.opts.endpoint = withPassword, ""
	return nil
}

// readsOnly are the scriptable commands a read-only profile (or
// --read-only) lets run: they do not change the queue. Any other command
// that connects is refused, so a new command is safe until it is listed.
var readsOnly = map[string]bool{
	"reviewq pending": true, "reviewq range": true, "reviewq stats": true,
	"reviewq dead list": true, "reviewq search": true,
}

// refuseWrites stops a command that would change the queue when the
// settings say read-only.
func (a *app) refuseWrites(cmd *cobra.Command) error {
	if !a.opts.readOnly || readsOnly[cmd.CommandPath()] {
		return nil
	}
	who := "--read-only"
	if a.cfg.fromProfile["read-only"] {
		who = "profile " + a.cfg.choice.Name + " is read-only"
	}
	return userErrorf("%s changes the queue: %s (--read-only=false overrides)", strings.TrimPrefix(cmd.CommandPath(), "reviewq "), who)
}

// completeProfiles offers the settings file's profile names for
// --profile, each with its server.
func completeProfiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	f, err := config.Load(config.Locate().Path, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, name := range f.Names() {
		out = append(out, cobra.CompletionWithDesc(name, f.Profiles[name].Server()))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// flagAnywhere finds a flag on any of root's commands, for config show:
// a setting may belong to a command other than the one running.
func flagAnywhere(root *cobra.Command, name string) *pflag.Flag {
	if f := root.PersistentFlags().Lookup(name); f != nil {
		return f
	}
	for _, c := range root.Commands() {
		if f := c.Flags().Lookup(name); f != nil {
			return f
		}
		if f := flagAnywhere(c, name); f != nil {
			return f
		}
	}
	return nil
}

func describeChoice(c config.Choice) string {
	if c.Name == "" {
		return "none"
	}
	return fmt.Sprintf("%s (%s)", c.Name, c.From)
}
