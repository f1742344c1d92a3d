package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/config"
	"github.com/reviewq/reviewq/termtext"
	"github.com/reviewq/reviewq/tui"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Where the settings file is, what it comes to, and whether it is right",
		Long: fmt.Sprintf(`The settings file is $%s, else $XDG_CONFIG_HOME/reviewq/config.yaml
(~/.config/reviewq/config.yaml). It holds named profiles (every setting the
flags have, the password from an environment variable or a command), the
profile to use by default, key overrides and the theme; its schema is
docs/config.schema.json.

--profile NAME or $%s chooses a profile; %s.`, config.EnvFile, config.EnvProfile, precedence),
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noSettings: "yes"},
	}
	path := &cobra.Command{
		Use:         "path",
		Short:       "Print where the settings file is looked for, and say whether it is there",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noSettings: "yes"},
		RunE:        func(*cobra.Command, []string) error { return a.configPath() },
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the settings in effect and where each comes from (never a password)",
		Example: `  reviewq config show
  reviewq config show --profile prod
  reviewq config show --profile prod --stream other --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.configShow(cmd) },
	}
	check := &cobra.Command{
		Use:         "check",
		Short:       "Check the settings file: every problem, one line each with its line number; exit 1 if any",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noSettings: "yes"},
		RunE:        func(*cobra.Command, []string) error { return a.configCheck() },
	}
	keys := &cobra.Command{
		Use:   "keys",
		Short: "List every action of the console by its stable name, with its keys (as the settings file remaps them)",
		Long: `Every action of the console by the stable name a settings file remaps it
by, with its keys (the settings file's, where it gives some), the screens
it works on, and what it does:

  keys:
    claim: [c, space]
    ack-and-claim: [A]`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.configKeys() },
	}
	cmd.AddCommand(path, show, check, keys)
	return cmd
}

// actionRow is one line of config keys.
type actionRow struct {
	Action   string   `json:"action"`
	Keys     []string `json:"keys"`
	Where    []string `json:"where"`
	Does     string   `json:"does"`
	Remapped bool     `json:"remapped"`
}

func (a *app) configKeys() error {
	km, err := a.keymap()
	if err != nil {
		return userErrorf("%s: %v", a.cfg.file.Path, err)
	}
	var over map[string][]string
	if a.cfg.file != nil {
		over = a.cfg.file.Keys
	}
	var rows []actionRow
	for _, info := range tui.Actions(km) {
		_, remapped := over[info.Name]
		rows = append(rows, actionRow{Action: info.Name, Keys: info.Keys, Where: info.Where, Does: info.Desc, Remapped: remapped})
	}
	if a.json {
		return a.printJSON(rows)
	}
	a.table("ACTION\tKEYS\tWHERE\tDOES", func(tw *tabwriter.Writer) {
		for _, r := range rows {
			keys := strings.Join(r.Keys, " ")
			if r.Remapped {
				keys += " (remapped)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Action, keys, strings.Join(r.Where, ", "), r.Does)
		}
	})
	return nil
}

func (a *app) configPath() error {
	loc := config.Locate()
	_, err := os.Stat(loc.Path)
	exists := err == nil
	if a.json {
		return a.printJSON(map[string]any{"path": loc.Path, "from": loc.From, "exists": exists})
	}
	fmt.Fprintln(a.stdout, loc.Path)
	switch {
	case exists:
		fmt.Fprintf(a.stderr, "reviewq: (from %s) the file is there\n", loc.From)
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(a.stderr, "reviewq: (from %s) no file there: reviewq runs on flags, the environment and its defaults\n", loc.From)
	default:
		fmt.Fprintf(a.stderr, "reviewq: (from %s) %v\n", loc.From, err)
	}
	return nil
}

// settingRow is one line of config show.
type settingRow struct {
	Setting string `json:"setting"`
	Value   string `json:"value"`
	Source  string `json:"source"`
}

func (a *app) configShow(cmd *cobra.Command) error {
	s := &a.cfg
	rows := a.effective(cmd)
	if a.json {
		var profile any
		if s.choice.Name != "" {
			profile = map[string]string{"name": s.choice.Name, "from": s.choice.From}
		}
		return a.printJSON(map[string]any{
			"file":       map[string]any{"path": s.file.Path, "from": s.loc.From, "exists": s.file.Exists},
			"profile":    profile,
			"profiles":   s.file.Names(),
			"precedence": precedence,
			"settings":   rows,
		})
	}
	file := s.file.Path + " (from " + s.loc.From + ")"
	if !s.file.Exists {
		file += ", not there"
	}
	profile := describeChoice(s.choice)
	if s.choose {
		profile = fmt.Sprintf("none chosen among %s (--profile NAME)", strings.Join(s.file.Names(), ", "))
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", file)
	fmt.Fprintf(tw, "profile\t%s\n", profile)
	fmt.Fprintf(tw, "order\t%s\n\n", precedence)
	fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Setting, termtext.Line(r.Value, 80), r.Source)
	}
	return tw.Flush()
}

// effective is every setting in effect for cmd, and where it comes from:
// a flag, the profile, the environment or the default. No password is
// ever in it, only where it comes from.
func (a *app) effective(cmd *cobra.Command) []settingRow {
	s := &a.cfg
	p := s.profile()
	fromProfile := "profile " + s.choice.Name
	so, _ := a.opts.serverOptions()
	server := settingRow{Setting: "server"}
	switch {
	case a.opts.embedded:
		server.Value, server.Source = "embedded", sourceOf(cmd, s, "embedded")
	case so.URL != "":
		server.Value, server.Source = redactURL(so.URL), sourceOf(cmd, s, "url")
		if server.Source == "default" {
			server.Source = "$VALKEY_URL"
		}
	case a.opts.endpoint != "":
		server.Value, server.Source = so.Endpoint, fromProfile
	case os.Getenv("VALKEY_ENDPOINT") != "":
		server.Value, server.Source = so.Endpoint, "$VALKEY_ENDPOINT"
	default:
		server.Value, server.Source = "localhost:6379, or the embedded server when nothing listens there", "default"
	}
	rows := []settingRow{server}

	password := settingRow{Setting: "password", Value: "(none)", Source: server.Source}
	switch {
	case !s.serverByFlag && p.HasServer() && p.PasswordSource() != "":
		password.Value, password.Source = p.PasswordSource(), fromProfile
	case urlPassword(so.URL):
		password.Value = "(in the url)"
	default:
		password.Source = "default"
	}
	rows = append(rows, password)

	values := p.Settings()
	for _, m := range profileFlags {
		if m.setting == "url" || m.setting == "tls" && so.URL != "" {
			continue // the server's row says it: a URL's scheme says TLS
		}
		v, inProfile := values[m.setting]
		inProfile = inProfile && !(s.serverByFlag && serverSettings[m.setting])
		if f := cmd.Flags().Lookup(m.flag); f != nil {
			value := f.Value.String()
			switch {
			case m.flag == "dead-stream" && value == "":
				value = "<stream>:dead"
			case value == "":
				value = "(none)"
			}
			rows = append(rows, settingRow{m.setting, value, sourceOf(cmd, s, m.flag)})
			continue
		}
		// Another command's flag, or one not there yet: what the
		// profile says, else that flag's default.
		switch f := flagAnywhere(cmd.Root(), m.flag); {
		case inProfile:
			rows = append(rows, settingRow{m.setting, v, fromProfile})
		case f != nil && f.DefValue == "":
			rows = append(rows, settingRow{m.setting, "(none)", "default"})
		case f != nil:
			rows = append(rows, settingRow{m.setting, f.DefValue, "default"})
		}
	}

	theme := settingRow{Setting: "theme", Value: "auto", Source: "default"}
	if t := s.file.Theme; t.Mode != "" || len(t.Colors) > 0 {
		theme.Source = "file"
		if t.Mode != "" {
			theme.Value = t.Mode
		}
		var colors []string
		for name, c := range t.Colors {
			colors = append(colors, name+" "+c)
		}
		slices.Sort(colors)
		if len(colors) > 0 {
			theme.Value += "; colors: " + strings.Join(colors, ", ")
		}
	}
	rows = append(rows, theme)
	actions := make([]string, 0, len(s.file.Keys))
	for action := range s.file.Keys {
		actions = append(actions, action)
	}
	slices.Sort(actions)
	for _, action := range actions {
		rows = append(rows, settingRow{"keys." + action, strings.Join(s.file.Keys[action], ", "), "file"})
	}
	return rows
}

// sourceOf says who set the flag: the command line, the profile, or
// nobody (the default).
func sourceOf(cmd *cobra.Command, s *settings, flag string) string {
	switch {
	case s.fromProfile[flag]:
		return "profile " + s.choice.Name
	case cmd.Flags().Changed(flag):
		return "--" + flag
	}
	return "default"
}

// redactURL is a server URL without its password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return u.Redacted()
}

func urlPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

func (a *app) configCheck() error {
	loc := config.Locate()
	f, err := config.Load(loc.Path, checkKeys)
	var problems config.Problems
	if err != nil && !errors.As(err, &problems) {
		return usageError{err} // unreadable
	}
	var warnings []config.Problem
	if f != nil {
		warnings = f.Warnings
	}
	if a.json {
		out := map[string]any{"path": loc.Path, "exists": f == nil || f.Exists, "ok": len(problems) == 0,
			"problems": problemsJSON(problems), "warnings": problemsJSON(warnings)}
		if err := a.printJSON(out); err != nil {
			return err
		}
		if len(problems) > 0 {
			return reportedError{problems}
		}
		return nil
	}
	for _, w := range warnings {
		w.Msg = "warning: " + w.Msg
		fmt.Fprintln(a.stderr, w.Error())
	}
	for _, p := range problems {
		fmt.Fprintln(a.stderr, p.Error())
	}
	switch {
	case len(problems) > 0:
		return reportedError{problems}
	case !f.Exists:
		fmt.Fprintf(a.stdout, "%s: no file there (from %s); nothing to check\n", loc.Path, loc.From)
	default:
		names := f.Names()
		summary := fmt.Sprintf("%d profiles", len(names))
		if len(names) == 1 {
			summary = "1 profile"
		}
		if len(names) > 0 {
			summary += ": " + strings.Join(names, ", ")
		}
		if f.DefaultProfile != "" {
			summary += "; default " + f.DefaultProfile
		}
		fmt.Fprintf(a.stdout, "%s: ok (%s)\n", loc.Path, summary)
	}
	return nil
}

type problemJSON struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func problemsJSON(ps []config.Problem) []problemJSON {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{p.Line, p.Column, p.Msg}
	}
	return out
}
