package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"github.com/reviewq/reviewq/styles"
)

// The issue's own example.
const example = `defaultProfile: local
profiles:
  local:
    url: redis://127.0.0.1:6379
    consumer: alice
  prod:
    url: rediss://queue.example.com:6379
    passwordEnv: REVIEWQ_PROD_PASSWORD   # or passwordCommand: "pass show reviewq"
    stream: contact-messages
    group: contact-processors
    readOnly: true
    tls: {ca: /etc/ssl/queue-ca.pem}
keys:
  claim: [c, space]
  ack-and-claim: [A]
theme: auto
`

func write(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, body string) *File {
	t.Helper()
	f, err := Load(write(t, body, 0o600), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(EnvFile, "")
	xdg.Reload()
	t.Cleanup(xdg.Reload) // after Setenv's own cleanup has put the variable back
	if got := Locate(); got.Path != filepath.Join(dir, "reviewq", "config.yaml") || got.From != "$XDG_CONFIG_HOME" {
		t.Errorf("without $REVIEWQ_CONFIG: %+v", got)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	xdg.Reload()
	home, _ := os.UserHomeDir()
	if got := Locate(); got.From != "the XDG default" || !strings.HasPrefix(got.Path, home) {
		t.Errorf("without $XDG_CONFIG_HOME: %+v", got)
	}
	t.Setenv(EnvFile, "/elsewhere/reviewq.yaml")
	if got := Locate(); got.Path != "/elsewhere/reviewq.yaml" || got.From != "$REVIEWQ_CONFIG" {
		t.Errorf("with $REVIEWQ_CONFIG: %+v", got)
	}
}

func TestLoadTheIssuesExample(t *testing.T) {
	f := load(t, example)
	if !f.Exists || f.DefaultProfile != "local" || !slices.Equal(f.Names(), []string{"local", "prod"}) {
		t.Fatalf("file %+v, names %v", f, f.Names())
	}
	prod := f.Profiles["prod"]
	want := map[string]string{
		"url": "rediss://queue.example.com:6379", "stream": "contact-messages", "group": "contact-processors",
		"readOnly": "true", "tls": "true", "tls.ca": "/etc/ssl/queue-ca.pem",
	}
	if got := prod.Settings(); !equalMaps(got, want) {
		t.Errorf("prod's settings %v, want %v", got, want)
	}
	if got := prod.PasswordSource(); got != "(from $REVIEWQ_PROD_PASSWORD)" {
		t.Errorf("password source %q", got)
	}
	if !slices.Equal(f.Keys["claim"], []string{"c", "space"}) || !slices.Equal(f.Keys["ack-and-claim"], []string{"A"}) {
		t.Errorf("keys %v", f.Keys)
	}
	if f.Styles().Mode != styles.Auto || len(f.Warnings) != 0 {
		t.Errorf("theme %+v, warnings %v", f.Styles(), f.Warnings)
	}
}

func TestProfileSettingsAreWrittenAsFlagsTakeThem(t *testing.T) {
	f := load(t, `profiles:
  p:
    endpoint: queue.internal:6380
    reclaimAfter: 90s
    timeout: 1m30s
    maxDeliveries: 0
    maxLen: 10000
    readOnly: false
    embedded: false
    waitReplicas: 1
    retryBackoff: 2s
    retryBackoffMax: 5m
    retention: 168h
    password: hunter2
`)
	want := map[string]string{
		"endpoint": "queue.internal:6380", "reclaimAfter": "1m30s", "timeout": "1m30s", "maxDeliveries": "0",
		"maxLen": "10000", "readOnly": "false", "embedded": "false", "waitReplicas": "1",
		"retryBackoff": "2s", "retryBackoffMax": "5m0s", "retention": "168h0m0s",
	}
	if got := f.Profiles["p"].Settings(); !equalMaps(got, want) {
		t.Errorf("settings %v, want %v (and never the password)", got, want)
	}
}

func TestNoFileIsNoSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	f, err := Load(path, nil)
	if err != nil || f.Exists || len(f.Names()) != 0 || f.Path != path {
		t.Fatalf("%+v, %v", f, err)
	}
	if c, err := f.Choose(""); err != nil || c.Name != "" {
		t.Errorf("nothing to choose from: %+v, %v", c, err)
	}
	_, err = f.Choose("prod")
	if err == nil || !strings.Contains(err.Error(), "no settings file at "+path) {
		t.Errorf("--profile without a file: %v", err)
	}
}

func TestEmptyFilesAreNoSettings(t *testing.T) {
	for _, body := range []string{"", "\n", "# nothing yet\n", "---\n"} {
		if f := load(t, body); !f.Exists || len(f.Names()) != 0 {
			t.Errorf("%q: %+v", body, f)
		}
	}
}

func TestChoose(t *testing.T) {
	f := load(t, example)
	t.Setenv(EnvProfile, "")
	for _, c := range []struct {
		flag, env string
		want      Choice
	}{
		{"prod", "local", Choice{"prod", "--profile"}},
		{"", "prod", Choice{"prod", "$REVIEWQ_PROFILE"}},
		{"", "", Choice{"local", "defaultProfile"}},
	} {
		t.Setenv(EnvProfile, c.env)
		if got, err := f.Choose(c.flag); err != nil || got != c.want {
			t.Errorf("flag %q, env %q: %+v, %v; want %+v", c.flag, c.env, got, err, c.want)
		}
	}
	t.Setenv(EnvProfile, "")
	_, err := f.Choose("staging")
	if err == nil || !strings.Contains(err.Error(), `--profile "staging"`) || !strings.Contains(err.Error(), "it has local, prod") {
		t.Errorf("an unknown name: %v", err)
	}
	t.Setenv(EnvProfile, "qa")
	if _, err := f.Choose(""); err == nil || !strings.Contains(err.Error(), `$REVIEWQ_PROFILE "qa"`) {
		t.Errorf("an unknown name from the environment: %v", err)
	}
	t.Setenv(EnvProfile, "")

	several := load(t, "profiles:\n  b: {endpoint: b:6379}\n  a: {endpoint: a:6379}\n")
	if c, err := several.Choose(""); err != nil || c.Name != "" {
		t.Errorf("several and none chosen: %+v, %v", c, err)
	}
	if !slices.Equal(several.Names(), []string{"b", "a"}) {
		t.Errorf("names %v: want the file's order", several.Names())
	}
	only := load(t, "profiles:\n  solo: {endpoint: b:6379}\n")
	if c, err := only.Choose(""); err != nil || c != (Choice{"solo", "the only profile"}) {
		t.Errorf("the only profile: %+v, %v", c, err)
	}
}

// Every problem is one line: the file, the line and column, the setting
// and what is wrong with it.
func TestProblemsSayWhereAndWhat(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       string // after "FILE:"
	}{
		{"unknown top-level key", "profile: x\n", `1:1: profile: no setting named "profile" (did you mean profiles?)`},
		{"unknown profile setting", "profiles:\n  prod:\n    urll: redis://x\n", `3:5: profiles.prod.urll: no setting named "urll" (did you mean url?)`},
		{"client certificates are not supported", "profiles:\n  prod:\n    url: rediss://x\n    tls: {ca: x, cert: y}\n", `4:18: profiles.prod.tls.cert: no setting named "cert"`},
		{"bad duration", "profiles:\n  prod:\n    reclaimAfter: 90\n", `3:19: profiles.prod.reclaimAfter: "90" is not a duration (write 90s, 2m or 1h30m)`},
		{"bad duration word", "profiles:\n  prod:\n    timeout: soon\n", `3:14: profiles.prod.timeout: "soon" is not a duration`},
		{"zero timeout", "profiles:\n  prod:\n    timeout: 0s\n", `3:14: profiles.prod.timeout: must be longer than 0s`},
		{"negative backoff", "profiles:\n  prod:\n    retryBackoff: -1s\n", `3:19: profiles.prod.retryBackoff: cannot be negative (0 turns it off)`},
		{"not a number", "profiles:\n  prod:\n    maxDeliveries: many\n", `3:20: profiles.prod.maxDeliveries: want a whole number, not "many"`},
		{"negative number", "profiles:\n  prod:\n    maxLen: -5\n", `3:13: profiles.prod.maxLen: cannot be negative`},
		{"not a bool", "profiles:\n  prod:\n    readOnly: sure\n", `3:15: profiles.prod.readOnly: want true or false, not "sure"`},
		{"unknown default profile", "defaultProfile: prd\nprofiles:\n  prod: {endpoint: x:1}\n", `1:17: defaultProfile: no profile named "prd" (profiles: prod)`},
		{"bad profile name", "profiles:\n  my prod: {endpoint: x:1}\n", `2:3: profiles.my prod: "my prod" is not a profile name`},
		{"bad URL", "profiles:\n  prod:\n    url: http://queue.example.com\n", `3:10: profiles.prod.url: not a server URL`},
		{"url and endpoint", "profiles:\n  prod:\n    url: redis://a:1\n    endpoint: b:2\n", `4:5: profiles.prod.endpoint: give url or endpoint, not both`},
		{"URL in endpoint", "profiles:\n  prod:\n    endpoint: redis://a:1\n", `3:15: profiles.prod.endpoint: an endpoint is host:port; a URL goes in url`},
		{"tls with a plain url", "profiles:\n  prod:\n    url: redis://a:1\n    tls: {ca: /ca.pem}\n", `4:5: profiles.prod.tls: TLS with a url is said by its scheme`},
		{"two passwords", "profiles:\n  prod:\n    endpoint: a:1\n    passwordEnv: PW\n    passwordCommand: pass show x\n", `5:5: profiles.prod.passwordCommand: give the password one way: passwordEnv and passwordCommand each give one`},
		{"bad variable name", "profiles:\n  prod:\n    endpoint: a:1\n    passwordEnv: $PW\n", `4:18: profiles.prod.passwordEnv: "$PW" is not an environment variable's name`},
		{"password without a server", "profiles:\n  prod:\n    passwordEnv: PW\n", `3:5: profiles.prod.passwordEnv: a password needs the profile's server`},
		{"embedded and a url", "profiles:\n  demo:\n    url: redis://a:1\n    embedded: true\n", `4:5: profiles.demo.embedded: the embedded server is its own server`},
		{"bad theme", "theme: solarized\n", `1:8: theme: "solarized" is not a theme: dark, light or auto`},
		{"bad theme mode", "theme:\n  mode: dim\n", `2:9: theme.mode: "dim" is not a theme: dark, light or auto`},
		{"unknown colour", "theme:\n  colors: {acent: '#fff'}\n", `2:12: theme.colors.acent: no colour named "acent" (colours: foreground, subtle, accent,`},
		{"bad colour", "theme:\n  colors:\n    accent: purple\n", `3:13: theme.colors.accent: "purple" is not a colour: write #RRGGBB, #RGB or an ANSI number 0-255`},
		{"unknown theme key", "theme: {mode: dark, colours: {}}\n", `1:21: theme.colours: no setting named "colours" (did you mean colors?)`},
		{"a key not in a list", "keys:\n  claim: c\n", `2:10: keys.claim: want a list such as [c, space], not a text`},
		{"an action without keys", "keys:\n  claim: []\n", `2:3: keys.claim: no key given: write a list such as [c, space]`},
		{"an empty key", "keys:\n  claim: [c, '']\n", `2:3: keys.claim[1]: an empty key`},
		{"profiles as a list", "profiles: [a, b]\n", `1:11: profiles: want a mapping, not a list`},
		{"duplicate key", "profiles:\n  prod:\n    url: redis://a:1\n    url: redis://b:1\n", `4:5: mapping key "url" already defined at [3:5]`},
		{"syntax", "defaultProfile: [x\n", `1:17: sequence end token ']' not found`},
		{"two documents", "defaultProfile: a\n---\ntheme: dark\n", `2:1: one document only: a second one starts here`},
		{"not a mapping", "just text\n", `1:1: the file is a mapping of defaultProfile, profiles, keys and theme, not "just text"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.body, 0o600)
			_, err := Load(path, nil)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %v", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+":"+c.want) || strings.Contains(msg, "\n") {
				t.Errorf("got  %s\nwant %s:%s…", msg, path, c.want)
			}
		})
	}
}

func TestEveryProblemIsReportedInTheFilesOrder(t *testing.T) {
	path := write(t, `theme: grey
profiles:
  prod:
    timeout: forever
`, 0o600)
	// A decoding error stops the decoder: the rest is checked once it
	// reads.
	_, err := Load(path, nil)
	if ps := err.(Problems); len(ps) != 1 || ps[0].Line != 4 {
		t.Fatalf("%v", err)
	}
	path = write(t, `theme: grey
defaultProfile: nope
profiles:
  prod:
    timeout: 0s
    maxLen: -1
`, 0o600)
	_, err = Load(path, nil)
	ps := err.(Problems)
	var lines []int
	for _, p := range ps {
		lines = append(lines, p.Line)
	}
	if !slices.Equal(lines, []int{1, 2, 5, 6}) {
		t.Errorf("lines %v, want 1, 2, 5, 6: %v", lines, ps)
	}
	if !strings.HasSuffix(err.Error(), "(and 3 more: reviewq config check lists them)") {
		t.Errorf("the one-line error: %v", err)
	}
}

// fakeKeyCheck stands for the console's key table: it knows a few
// actions, and that claim and next both live on the review screen.
func fakeKeyCheck(overrides map[string][]string) error {
	known := map[string][]string{"claim": {"c"}, "ack": {"a"}, "ack-and-claim": {"A"}, "next": {"n"}}
	var names []string
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := known[name]; !ok {
			return fmt.Errorf("keys: no action named %q", name)
		}
		known[name] = overrides[name]
	}
	byKey := map[string]string{}
	for _, name := range []string{"ack", "ack-and-claim", "claim", "next"} {
		for _, k := range known[name] {
			if other, ok := byKey[k]; ok {
				return fmt.Errorf("keys: %s and %s are both on %s on the review screen", other, name, k)
			}
			byKey[k] = name
		}
	}
	return nil
}

func TestKeyCheckIsPlacedOnTheActionsLine(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       string
	}{
		{"unknown action", "keys:\n  claim: [c]\n  clam: [x]\n", `3:3: keys: no action named "clam"`},
		{"a clash with a default", "keys:\n  ack-and-claim: [A]\n  next: [a]\n", `3:3: keys: ack and next are both on a on the review screen`},
		{"a clash between two overrides: the later line", "keys:\n  next: [x]\n  claim: [x]\n", `3:3: keys: claim and next are both on x`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.body, 0o600)
			_, err := Load(path, fakeKeyCheck)
			if err == nil || !strings.HasPrefix(err.Error(), path+":"+c.want) {
				t.Errorf("got  %v\nwant %s:%s…", err, path, c.want)
			}
		})
	}
	if _, err := Load(write(t, "keys:\n  claim: [c, space]\n  ack-and-claim: [A]\n", 0o600), fakeKeyCheck); err != nil {
		t.Errorf("good keys: %v", err)
	}
	// Without a key table, the names are not checked.
	if _, err := Load(write(t, "keys:\n  clam: [x]\n", 0o600), nil); err != nil {
		t.Errorf("no key table: %v", err)
	}
}

func TestKeyCheckWhoseErrorNamesNoActionIsPlacedOnKeys(t *testing.T) {
	path := write(t, "theme: dark\nkeys:\n  claim: [c]\n", 0o600)
	_, err := Load(path, func(map[string][]string) error { return errors.New("keys: something is off") })
	if err == nil || !strings.HasPrefix(err.Error(), path+":2:1: keys: something is off") {
		t.Errorf("%v", err)
	}
}

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		msg, action string
		want        bool
	}{
		{`no action named "ack"`, "ack", true},
		{"ack-and-claim and next are on x", "ack", false},
		{"ack-and-claim and next are on x", "ack-and-claim", true},
		{"next, ack", "ack", true},
		{"backack", "ack", false},
	} {
		if got := mentions(c.msg, c.action); got != c.want {
			t.Errorf("mentions(%q, %q) = %v", c.msg, c.action, got)
		}
	}
}

func TestAPasswordInAFileOthersCanReadIsAWarning(t *testing.T) {
	body := "profiles:\n  prod:\n    endpoint: a:1\n    password: hunter2\n"
	for _, c := range []struct {
		mode    os.FileMode
		warning bool
	}{{0o644, true}, {0o640, true}, {0o600, false}, {0o400, false}} {
		path := write(t, body, c.mode)
		f, err := Load(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(f.Warnings) == 1; got != c.warning {
			t.Errorf("mode %04o: warnings %v", c.mode, f.Warnings)
			continue
		}
		if c.warning {
			w := f.Warnings[0].Error()
			if !strings.HasPrefix(w, path+":4:5: profiles.prod.password: a password is written in this file") || !strings.Contains(w, "chmod 600 "+path) || strings.Contains(w, "hunter2") {
				t.Errorf("warning %q", w)
			}
		}
	}
	path := write(t, "profiles:\n  prod:\n    url: redis://:hunter2@a:1\n", 0o644)
	if f, err := Load(path, nil); err != nil || len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Error(), "profiles.prod.url") {
		t.Errorf("a password in the url: %v, %v", f, err)
	}
}

func TestPasswordSources(t *testing.T) {
	for _, c := range []struct {
		p    Profile
		want string
	}{
		{Profile{Endpoint: "a:1", PasswordEnv: "PW"}, "(from $PW)"},
		{Profile{Endpoint: "a:1", PasswordCommand: "pass show x"}, "(from command)"},
		{Profile{Endpoint: "a:1", Password: "hunter2"}, "(set in file)"},
		{Profile{URL: "redis://:hunter2@a:1"}, "(set in file)"},
		{Profile{URL: "redis://a:1"}, ""},
	} {
		if got := c.p.PasswordSource(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	if got := (Profile{URL: "redis://bob:hunter2@a:1"}).Server(); strings.Contains(got, "hunter2") {
		t.Errorf("Server shows the password: %s", got)
	}
}

func TestResolvePassword(t *testing.T) {
	ctx := context.Background()
	t.Setenv("REVIEWQ_TEST_PW", "from-env")
	if pw, err := (Profile{PasswordEnv: "REVIEWQ_TEST_PW"}).ResolvePassword(ctx); pw != "from-env" || err != nil {
		t.Errorf("env: %q, %v", pw, err)
	}
	if _, err := (Profile{PasswordEnv: "REVIEWQ_TEST_UNSET"}).ResolvePassword(ctx); err == nil || err.Error() != "passwordEnv: $REVIEWQ_TEST_UNSET is not set" {
		t.Errorf("unset env: %v", err)
	}
	if pw, err := (Profile{PasswordCommand: "printf 'two words\\nsecond line\\n'"}).ResolvePassword(ctx); pw != "two words" || err != nil {
		t.Errorf("command: %q, %v", pw, err)
	}
	_, err := (Profile{PasswordCommand: "echo no such entry >&2; echo l''eaked; exit 3"}).ResolvePassword(ctx)
	if err == nil || !strings.Contains(err.Error(), "exit status 3: no such entry") || strings.Contains(err.Error(), "leaked") || strings.Contains(err.Error(), "\n") {
		t.Errorf("failing command: %v", err)
	}
	if _, err := (Profile{PasswordCommand: "true"}).ResolvePassword(ctx); err == nil || !strings.Contains(err.Error(), "printed no password") {
		t.Errorf("silent command: %v", err)
	}
	// A command that never answers is stopped at the deadline.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := (Profile{PasswordCommand: "exec sleep 60"}).ResolvePassword(short); err == nil || !strings.Contains(err.Error(), "gave no password within") {
		t.Errorf("hanging command: %v", err)
	}
	if pw, err := (Profile{Password: "hunter2"}).ResolvePassword(ctx); pw != "hunter2" || err != nil {
		t.Errorf("in the file: %q, %v", pw, err)
	}
}

func TestWithPassword(t *testing.T) {
	for _, c := range []struct {
		p    Profile
		want string
	}{
		{Profile{URL: "rediss://bob@queue:6380/2"}, "rediss://bob:p%40ss@queue:6380/2"},
		{Profile{Endpoint: "queue:6380"}, "redis://:p%40ss@queue:6380"},
		{Profile{Endpoint: "queue:6380", TLS: &TLS{CA: "/ca.pem"}}, "rediss://:p%40ss@queue:6380"},
	} {
		if got, err := c.p.WithPassword("p@ss"); got != c.want || err != nil {
			t.Errorf("%+v: %q, %v; want %q", c.p, got, err, c.want)
		}
	}
}

func TestStyles(t *testing.T) {
	f := load(t, "theme:\n  mode: light\n  colors: {accent: '#7D56F4', error: '196'}\n")
	o := f.Styles()
	if o.Mode != styles.Light || len(o.Colors) != 2 || o.Colors["accent"] == nil || o.Colors["error"] == nil {
		t.Errorf("%+v", o)
	}
	if o := load(t, "theme: dark\n").Styles(); o.Mode != styles.Dark || o.Colors != nil {
		t.Errorf("short form: %+v", o)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
