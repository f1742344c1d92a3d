package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/reviewq/reviewq/internal/testserver"
)

// settingsFile writes a settings file for the test, mode 0600, and
// points $REVIEWQ_CONFIG at it.
func settingsFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REVIEWQ_CONFIG", path)
	return path
}

// bare runs reviewq with only the given arguments: the settings file
// and the environment say the rest.
func bare(args ...string) result {
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// show is config show --json's settings, by name: value and source.
func show(t *testing.T, args ...string) map[string][2]string {
	t.Helper()
	r := bare(append([]string{"config", "show", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("config show: %+v", r)
	}
	var out struct {
		Settings []settingRow `json:"settings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	m := map[string][2]string{}
	for _, s := range out.Settings {
		m[s.Setting] = [2]string{s.Value, s.Source}
	}
	return m
}

func TestAFlagBeatsTheProfileWhichBeatsTheEnvironmentWhichBeatsTheDefaults(t *testing.T) {
	settingsFile(t, `defaultProfile: local
profiles:
  local:
    url: redis://127.0.0.1:1
    consumer: alice
    reclaimAfter: 90s
    waitReplicas: 2
`)
	t.Setenv("VALKEY_URL", "redis://127.0.0.1:2")
	got := show(t, "--consumer", "carol")
	for name, want := range map[string][2]string{
		"server":       {"redis://127.0.0.1:1", "profile local"},
		"consumer":     {"carol", "--consumer"},
		"reclaimAfter": {"1m30s", "profile local"},
		"stream":       {"contact-messages", "default"},
		"password":     {"(none)", "default"},
		"waitReplicas": {"2", "profile local"},
		"retention":    {"(none)", "default"}, // serve's flag: no value is shown as none, not as a blank
	} {
		if got[name] != want {
			t.Errorf("%s: %v, want %v", name, got[name], want)
		}
	}
	if got := show(t, "--url", "redis://127.0.0.1:3")["server"]; got != [2]string{"redis://127.0.0.1:3", "--url"} {
		t.Errorf("--url: %v", got)
	}
	settingsFile(t, "")
	if got := show(t)["server"]; got != [2]string{"redis://127.0.0.1:2", "$VALKEY_URL"} {
		t.Errorf("no profile: %v", got)
	}
}

func TestAProfileConnectsWhereItSays(t *testing.T) {
	st := stream(t)
	settingsFile(t, fmt.Sprintf(`profiles:
  here:
    url: redis://%s
    stream: %s
    consumer: bob
  nowhere:
    url: redis://127.0.0.1:1
    timeout: 1s
`, srv.Addr, st))
	// The environment names a server that is not there: the chosen
	// profile wins.
	t.Setenv("VALKEY_URL", "redis://127.0.0.1:1")
	if r := bare("--profile", "here", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "hi"); r.code != 0 {
		t.Fatalf("add through the profile: %+v", r)
	}
	t.Setenv("REVIEWQ_PROFILE", "here")
	r := bare("claim", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"name":"Ada"`) {
		t.Fatalf("claim through $REVIEWQ_PROFILE: %+v", r)
	}
	r = bare("pending", "--json")
	if !strings.Contains(r.stdout, `"consumer":"bob"`) {
		t.Errorf("the profile's consumer holds it: %+v", r)
	}
	// A flag beats the profile: its server, with the profile's other
	// settings.
	r = bare("--profile", "nowhere", "--url", "redis://"+srv.Addr, "--stream", st, "stats", "--json")
	if r.code != 0 {
		t.Errorf("--url over the profile's: %+v", r)
	}
}

func TestSeveralProfilesAndNoneChosen(t *testing.T) {
	path := settingsFile(t, "profiles:\n  staging: {endpoint: 127.0.0.1:1}\n  prod: {endpoint: 127.0.0.1:2}\n")
	r := bare("stats")
	want := fmt.Sprintf("reviewq: %s has several profiles (staging, prod): choose one with --profile NAME or $REVIEWQ_PROFILE, or set defaultProfile\n", path)
	if r.code != 1 || r.stderr != want {
		t.Errorf("got %+v\nwant %q", r, want)
	}
	r = bare("--profile", "qa", "stats")
	if r.code != 1 || !strings.Contains(r.stderr, `--profile "qa": `+path+" has no such profile (it has staging, prod)") {
		t.Errorf("an unknown profile: %+v", r)
	}
	// What does not connect still runs.
	if r := bare("config", "show"); r.code != 0 || !strings.Contains(r.stdout, "none chosen among staging, prod") {
		t.Errorf("config show: %+v", r)
	}
}

func TestABadFileStopsEveryCommandButThoseThatLookAtIt(t *testing.T) {
	path := settingsFile(t, "profiles:\n  prod:\n    reclaimAfter: 90\n")
	r := bare("stats")
	want := "reviewq: " + path + `:3:19: profiles.prod.reclaimAfter: "90" is not a duration (write 90s, 2m or 1h30m)` + "\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("got %+v\nwant %q", r, want)
	}
	if r := bare("config", "path"); r.code != 0 || r.stdout != path+"\n" {
		t.Errorf("config path: %+v", r)
	}
	for _, args := range [][]string{{"completion", "bash"}, {"help", "config"}, {"config"}, {"--help"}} {
		if r := bare(args...); r.code != 0 || r.stderr != "" {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if r := bare("config", "check"); r.code != 1 || r.stderr != strings.TrimPrefix(want, "reviewq: ") {
		t.Errorf("config check: %+v", r)
	}
}

func TestConfigPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	t.Setenv("REVIEWQ_CONFIG", path)
	r := bare("config", "path")
	if r.code != 0 || r.stdout != path+"\n" || !strings.Contains(r.stderr, "(from $REVIEWQ_CONFIG) no file there") {
		t.Errorf("%+v", r)
	}
	r = bare("config", "path", "--json")
	if m := decode(t, r.stdout); m["path"] != path || m["exists"] != false || m["from"] != "$REVIEWQ_CONFIG" {
		t.Errorf("--json: %v", m)
	}
	settingsFile(t, "")
	if r := bare("config", "path"); !strings.Contains(r.stderr, "the file is there") {
		t.Errorf("%+v", r)
	}
}

func TestConfigCheck(t *testing.T) {
	path := settingsFile(t, "defaultProfile: local\nprofiles:\n  local: {url: 'redis://127.0.0.1:6379'}\n  prod: {endpoint: 'q:6379'}\n")
	r := bare("config", "check")
	if r.code != 0 || r.stdout != path+": ok (2 profiles: local, prod; default local)\n" || r.stderr != "" {
		t.Errorf("a good file: %+v", r)
	}
	path = settingsFile(t, "theme: grey\ndefaultProfile: nope\nprofiles:\n  prod:\n    timeout: 0s\n")
	r = bare("config", "check")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != 1 || len(lines) != 3 || !strings.HasPrefix(lines[0], path+":1:8: theme:") ||
		!strings.HasPrefix(lines[1], path+":2:17: defaultProfile:") || !strings.HasPrefix(lines[2], path+":5:14: profiles.prod.timeout:") {
		t.Errorf("three problems, one line each: %+v", r)
	}
	r = bare("config", "check", "--json")
	var out struct {
		OK       bool `json:"ok"`
		Problems []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 || out.OK || len(out.Problems) != 3 || out.Problems[1].Line != 2 {
		t.Errorf("--json: %+v, %v", r, err)
	}
	t.Setenv("REVIEWQ_CONFIG", filepath.Join(t.TempDir(), "none.yaml"))
	if r := bare("config", "check"); r.code != 0 || !strings.Contains(r.stdout, "no file there") {
		t.Errorf("no file: %+v", r)
	}
}

func TestConfigCheckWarnsOfAPasswordOthersCanRead(t *testing.T) {
	path := settingsFile(t, "profiles:\n  prod:\n    endpoint: q:6379\n    password: hunter2\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	r := bare("config", "check")
	if r.code != 0 || !strings.HasPrefix(r.stderr, path+":4:5: warning: profiles.prod.password: a password is written in this file") ||
		strings.Contains(r.stderr+r.stdout, "hunter2") {
		t.Errorf("%+v", r)
	}
	os.Chmod(path, 0o600)
	if r := bare("config", "check"); r.stderr != "" {
		t.Errorf("mode 0600: %+v", r)
	}
}

// The console's own key table checks the keys section, and each problem
// is on the line of the action it names.
func TestConfigCheckReportsKeysOnTheirLine(t *testing.T) {
	path := settingsFile(t, "theme: dark\nkeys:\n  claim: [c, space]\n  clam: [x]\n")
	if r := bare("config", "check"); r.code != 1 || r.stderr != path+":4:3: keys: no action named \"clam\" (reviewq config keys lists them)\n" {
		t.Errorf("an unknown action: %+v", r)
	}
	path = settingsFile(t, "keys:\n  ack: [a]\n  release: [c]\n")
	if r := bare("config", "check"); r.code != 1 || r.stderr != path+":3:3: keys: \"c\" would press both claim and release on Review\n" {
		t.Errorf("a clash: %+v", r)
	}
	// Every other command stops on it too.
	if r := bare("stats"); r.code != 1 || !strings.Contains(r.stderr, ":3:3: keys: \"c\" would press both claim and release") {
		t.Errorf("stats: %+v", r)
	}
}

// config keys lists every action by name with its keys, as the file
// remaps them.
func TestConfigKeysListsActionsAsRemapped(t *testing.T) {
	settingsFile(t, "keys:\n  claim: [c, space]\n  ack-and-claim: [Z]\n")
	r := bare("config", "keys")
	if r.code != 0 {
		t.Fatalf("config keys: %+v", r)
	}
	for _, want := range []string{"ack-and-claim    Z (remapped)", "claim            c space (remapped)", "ack              a ", "quit             q "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config keys lacks %q:\n%s", want, r.stdout)
		}
	}
	r = bare("config", "keys", "--json")
	var rows []actionRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 0 {
		t.Fatalf("config keys --json: %v %+v", err, r)
	}
	byName := map[string]actionRow{}
	for _, row := range rows {
		byName[row.Action] = row
	}
	if got := byName["ack-and-claim"]; !slices.Equal(got.Keys, []string{"Z"}) || !got.Remapped {
		t.Errorf("ack-and-claim: %+v", got)
	}
	if got := byName["ack"]; !slices.Equal(got.Keys, []string{"a"}) || got.Remapped || !slices.Contains(got.Where, "Review") {
		t.Errorf("ack: %+v", got)
	}
}

func TestConfigShowNeverPrintsASecret(t *testing.T) {
	settingsFile(t, `profiles:
  file: {endpoint: 'q:6379', password: hunter2-file}
  inurl: {url: 'rediss://bob:hunter2-url@q:6379'}
  env: {endpoint: 'q:6379', passwordEnv: REVIEWQ_TEST_SECRET}
  cmd: {endpoint: 'q:6379', passwordCommand: 'echo hunter2-cmd'}
`)
	t.Setenv("REVIEWQ_TEST_SECRET", "hunter2-env")
	for profile, want := range map[string]string{
		"file": "(set in file)", "inurl": "(set in file)", "env": "(from $REVIEWQ_TEST_SECRET)", "cmd": "(from command)",
	} {
		for _, args := range [][]string{{"config", "show", "--profile", profile}, {"config", "show", "--json", "--profile", profile}} {
			r := bare(args...)
			if r.code != 0 || strings.Contains(r.stdout+r.stderr, "hunter2") || !strings.Contains(r.stdout, want) {
				t.Errorf("%v: %+v", args, r)
			}
		}
	}
	t.Setenv("VALKEY_URL", "redis://:hunter2-env-url@q:6379")
	settingsFile(t, "")
	if r := bare("config", "show"); strings.Contains(r.stdout, "hunter2") || !strings.Contains(r.stdout, "(in the url)") {
		t.Errorf("$VALKEY_URL: %+v", r)
	}
}

func TestAProfilesPasswordReachesTheServer(t *testing.T) {
	locked := testserver.StartT(t, "--requirepass", "s3cret")
	settingsFile(t, fmt.Sprintf(`profiles:
  env: {endpoint: '%[1]s', passwordEnv: REVIEWQ_TEST_PW}
  cmd: {endpoint: '%[1]s', passwordCommand: 'printf "s3cret\nnot this line\n"'}
  file: {url: 'redis://%[1]s', password: s3cret}
  wrong: {endpoint: '%[1]s', password: nope}
  failing: {endpoint: '%[1]s', passwordCommand: 'echo pass: reviewq is not in the password store >&2; exit 1'}
  unset: {endpoint: '%[1]s', passwordEnv: REVIEWQ_TEST_UNSET}
`, locked.Addr))
	t.Setenv("REVIEWQ_TEST_PW", "s3cret")
	for _, p := range []string{"env", "cmd", "file"} {
		if r := bare("--profile", p, "stats", "--json"); r.code != 0 {
			t.Errorf("%s: %+v", p, r)
		}
	}
	if r := bare("--profile", "wrong", "stats"); r.code == 0 || strings.Contains(r.stderr, "nope") {
		t.Errorf("a wrong password: %+v", r)
	}
	r := bare("--profile", "failing", "stats")
	if r.code != 1 || r.stderr != "reviewq: profile failing: passwordCommand \"echo pass: reviewq is not in the password store >&2; exit 1\" failed: exit status 1: pass: reviewq is not in the password store\n" {
		t.Errorf("a failing command: %+v", r)
	}
	if r := bare("--profile", "unset", "stats"); r.code != 1 || r.stderr != "reviewq: profile unset: passwordEnv: $REVIEWQ_TEST_UNSET is not set\n" {
		t.Errorf("an unset variable: %+v", r)
	}
	// The password belongs to the profile's server: --url names another,
	// and gets none.
	if r := bare("--profile", "file", "--url", "redis://"+srv.Addr, "--stream", stream(t), "stats"); r.code != 0 {
		t.Errorf("--url over a profile with a password: %+v", r)
	}
}

func TestAReadOnlyProfileDoesNotChangeTheQueue(t *testing.T) {
	settingsFile(t, fmt.Sprintf("profiles:\n  prod: {url: 'redis://%s', stream: '%s', readOnly: true}\n", srv.Addr, stream(t)))
	r := bare("--profile", "prod", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "hi")
	if r.code != 1 || r.stderr != "reviewq: add changes the queue: profile prod is read-only (--read-only=false overrides)\n" {
		t.Errorf("add: %+v", r)
	}
	if r := bare("--profile", "prod", "dead", "delete", "1-0"); r.code != 1 || !strings.Contains(r.stderr, "dead delete changes the queue") {
		t.Errorf("dead delete: %+v", r)
	}
	for _, args := range [][]string{{"stats"}, {"pending"}, {"range"}, {"dead", "list"}, {"search", "x"}} {
		if r := bare(append([]string{"--profile", "prod"}, args...)...); r.code != 0 {
			t.Errorf("%v reads only: %+v", args, r)
		}
	}
	if r := bare("--profile", "prod", "--read-only=false", "add", "--name", "Ada", "--email", "ada@example.org", "--message", "hi"); r.code != 0 {
		t.Errorf("--read-only=false: %+v", r)
	}
	if r := bare("--read-only", "--url", "redis://"+srv.Addr, "claim"); r.code != 1 || !strings.Contains(r.stderr, "claim changes the queue: --read-only") {
		t.Errorf("--read-only: %+v", r)
	}
}

// serve has a --read-only of its own; a read-only profile sets it.
func TestAProfileSetsServesFlags(t *testing.T) {
	settingsFile(t, "profiles:\n  desk: {embedded: true, readOnly: true, timeout: 3s}\n")
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	root := a.rootCommand()
	serve, _, err := root.Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.ParseFlags([]string{"--allow-anonymous"}); err != nil {
		t.Fatal(err)
	}
	if err := a.loadSettings(serve, nil); err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"read-only": "true", "embedded": "true", "timeout": "3s", "allow-anonymous": "true"} {
		if got := serve.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s: %s, want %s", flag, got, want)
		}
	}
	if a.cfg.choice.Name != "desk" {
		t.Errorf("profile %+v", a.cfg.choice)
	}
}

// Every setting maps to a flag some command has, but those whose flags
// other changes bring; one of those whose flag has come fails, so the
// list only shrinks.
func TestEveryProfileSettingHasItsFlag(t *testing.T) {
	comingWithOtherChanges := []string{}
	root := (&app{}).rootCommand()
	for _, m := range profileFlags {
		has := flagAnywhere(root, m.flag) != nil
		switch coming := slices.Contains(comingWithOtherChanges, m.flag); {
		case !has && !coming:
			t.Errorf("%s: no command has --%s", m.setting, m.flag)
		case has && coming:
			t.Errorf("%s: --%s has come: take it off comingWithOtherChanges", m.setting, m.flag)
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := bare("completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "reviewq") || len(r.stdout) < 1000 {
			t.Errorf("%s: exit %d, %d bytes: %s", shell, r.code, len(r.stdout), r.stderr)
		}
	}
	settingsFile(t, "profiles:\n  local: {url: 'redis://127.0.0.1:6379'}\n  prod: {url: 'rediss://bob:hunter2@q.example.com:6380'}\n")
	r := bare(cobra.ShellCompRequestCmd, "stats", "--profile", "")
	if r.code != 0 || !strings.Contains(r.stdout, "local\tredis://127.0.0.1:6379\n") ||
		!strings.Contains(r.stdout, "prod\trediss://bob:xxxxx@q.example.com:6380\n") || strings.Contains(r.stdout, "hunter2") {
		t.Errorf("--profile completes the names: %+v", r)
	}
	if r := bare("--help"); !strings.Contains(r.stdout, "completion") {
		t.Errorf("help does not list completion: %s", r.stdout)
	}
}
