// Package config is reviewq's settings file: where it is, what it may
// say (profiles of connection and queue settings, key overrides, a
// theme), and every way it can be wrong, each told with its line.
//
// It knows nothing of flags or screens: the command line maps a
// profile's settings onto its flags, and the console's key table checks
// the key overrides through the KeyCheck it is handed.
package config

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"github.com/goccy/go-yaml/ast"

	"github.com/reviewq/reviewq/styles"
)

// The environment variables that choose the file and the profile.
const (
	EnvFile    = "REVIEWQ_CONFIG"
	EnvProfile = "REVIEWQ_PROFILE"
)

// Location is where the settings file is looked for, and why there.
type Location struct {
	Path string
	// From is "$REVIEWQ_CONFIG" when that variable names the file, else
	// "$XDG_CONFIG_HOME", else "the XDG default" (~/.config on Linux).
	From string
}

// Locate is where the settings file is: $REVIEWQ_CONFIG, else
// $XDG_CONFIG_HOME/reviewq/config.yaml.
func Locate() Location {
	if p := os.Getenv(EnvFile); p != "" {
		return Location{Path: p, From: "$" + EnvFile}
	}
	from := "$XDG_CONFIG_HOME"
	if os.Getenv("XDG_CONFIG_HOME") == "" {
		from = "the XDG default"
	}
	return Location{Path: filepath.Join(xdg.ConfigHome, "reviewq", "config.yaml"), From: from}
}

// File is a settings file as read. The zero File (no file) has no
// profiles, no key overrides and the auto theme.
type File struct {
	DefaultProfile string              `yaml:"defaultProfile"`
	Profiles       map[string]Profile  `yaml:"profiles"`
	Keys           map[string][]string `yaml:"keys"`
	Theme          Theme               `yaml:"theme"`

	// Path is where it was read from; Exists is false when nothing was
	// there.
	Path   string `yaml:"-"`
	Exists bool   `yaml:"-"`
	// Warnings are what is not wrong but unwise: a password in a file
	// others can read.
	Warnings []Problem `yaml:"-"`

	names []string // the profiles, in the file's order
}

// Profile is one server and queue to work on: every setting the flags
// have, plus where the password comes from. Unset fields leave the flag's
// default; pointers tell a zero that was written from one that was not.
//
// A new setting is a field here, with its name in the file as the yaml
// tag, and a line in the command line's mapping of settings to flags;
// the JSON schema (docs/config.schema.json) names it too.
type Profile struct {
	URL      string `yaml:"url"`
	Endpoint string `yaml:"endpoint"`
	TLS      *TLS   `yaml:"tls"`

	PasswordEnv     string `yaml:"passwordEnv"`
	PasswordCommand string `yaml:"passwordCommand"`
	Password        string `yaml:"password"`

	Stream        string    `yaml:"stream"`
	Group         string    `yaml:"group"`
	DeadStream    string    `yaml:"deadStream"`
	Consumer      string    `yaml:"consumer"`
	ReadOnly      *bool     `yaml:"readOnly"`
	ReclaimAfter  *Duration `yaml:"reclaimAfter"`
	MaxDeliveries *int      `yaml:"maxDeliveries"`
	MaxLen        *int64    `yaml:"maxLen"`
	Timeout       *Duration `yaml:"timeout"`
	Embedded      *bool     `yaml:"embedded"`

	RetryBackoff    *Duration `yaml:"retryBackoff"`
	RetryBackoffMax *Duration `yaml:"retryBackoffMax"`
	WaitReplicas    *int      `yaml:"waitReplicas"`
	Retention       *Duration `yaml:"retention"`
}

// TLS is a profile's TLS settings. With an endpoint, writing a tls block
// turns TLS on; with a url, the scheme does (rediss://, valkeys://).
type TLS struct {
	CA       string `yaml:"ca"`
	Insecure *bool  `yaml:"insecure"`
}

// Theme is the theme's mode (dark, light or auto) and colour overrides.
// The file writes either the mode alone (theme: light) or both (theme:
// {mode: light, colors: {accent: "#7D56F4"}}).
type Theme struct {
	Mode   string            `yaml:"mode"`
	Colors map[string]string `yaml:"colors"`
}

// UnmarshalYAML reads the short form, a mode alone, or the long one.
func (t *Theme) UnmarshalYAML(unmarshal func(any) error) error {
	var v any
	if err := unmarshal(&v); err != nil {
		return err
	}
	if mode, ok := v.(string); ok {
		t.Mode = mode
		return nil
	}
	type long Theme // without this method, and decoded as strictly
	return unmarshal((*long)(t))
}

// Duration is a duration written as Go writes them: 90s, 2m, 1h30m.
type Duration time.Duration

// UnmarshalYAML reads the duration, or says where it is not one.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s, ok := scalar(node)
	if ok {
		if v, err := time.ParseDuration(s); err == nil {
			*d = Duration(v)
			return nil
		}
	}
	return &nodeError{node: node, msg: fmt.Sprintf("%s is not a duration (write 90s, 2m or 1h30m)", describe(node))}
}

func (d Duration) String() string { return time.Duration(d).String() }

// Names is the profiles' names, in the file's order.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Styles is the theme the file chooses, for styles.Build.
func (f *File) Styles() styles.Options {
	var o styles.Options
	switch f.Theme.Mode {
	case "dark":
		o.Mode = styles.Dark
	case "light":
		o.Mode = styles.Light
	}
	for name, v := range f.Theme.Colors {
		if c, err := styles.ParseColor(v); err == nil { // checked when loaded
			if o.Colors == nil {
				o.Colors = map[string]color.Color{}
			}
			o.Colors[name] = c
		}
	}
	return o
}

// Choice is the profile chosen, and what chose it.
type Choice struct {
	Name string // "" when none is chosen
	// From is "--profile", "$REVIEWQ_PROFILE", "defaultProfile" or
	// "the only profile".
	From string
}

// Choose picks the profile named by the --profile flag (flag), else by
// $REVIEWQ_PROFILE, else the file's defaultProfile, else the file's only
// profile. With several profiles and none of these, nothing is chosen.
// A name the file does not have is an error that lists those it has.
func (f *File) Choose(flag string) (Choice, error) {
	var c Choice
	switch {
	case flag != "":
		c = Choice{flag, "--profile"}
	case os.Getenv(EnvProfile) != "":
		c = Choice{os.Getenv(EnvProfile), "$" + EnvProfile}
	case f.DefaultProfile != "":
		c = Choice{f.DefaultProfile, "defaultProfile"}
	case len(f.names) == 1:
		return Choice{f.names[0], "the only profile"}, nil
	default:
		return Choice{}, nil
	}
	if _, ok := f.Profiles[c.Name]; !ok {
		return Choice{}, f.unknownProfile(c)
	}
	return c, nil
}

func (f *File) unknownProfile(c Choice) error {
	switch {
	case !f.Exists:
		return fmt.Errorf("%s %q: there is no settings file at %s (reviewq config path)", c.From, c.Name, f.Path)
	case len(f.names) == 0:
		return fmt.Errorf("%s %q: %s has no profiles", c.From, c.Name, f.Path)
	}
	return fmt.Errorf("%s %q: %s has no such profile (it has %s)", c.From, c.Name, f.Path, strings.Join(f.names, ", "))
}

// Settings is every setting the profile writes, by its name in the file
// ("reclaimAfter", "tls.ca"), each written as its flag takes it. A tls
// block sets "tls" to true. Where the password comes from is not a
// setting: see PasswordSource.
func (p Profile) Settings() map[string]string {
	out := map[string]string{}
	settings(reflect.ValueOf(p), "", out)
	for _, secret := range []string{"passwordEnv", "passwordCommand", "password"} {
		delete(out, secret)
	}
	return out
}

func settings(v reflect.Value, prefix string, out map[string]string) {
	t := v.Type()
	for i := range t.NumField() {
		name := prefix + t.Field(i).Tag.Get("yaml")
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		switch val := f.Interface().(type) {
		case TLS:
			out[name] = "true"
			settings(f, name+".", out)
		case Duration:
			out[name] = val.String()
		case string:
			if val != "" {
				out[name] = val
			}
		default:
			out[name] = fmt.Sprint(val)
		}
	}
}

// HasServer tells whether the profile says which server: a url, an
// endpoint, or the embedded one.
func (p Profile) HasServer() bool {
	return p.URL != "" || p.Endpoint != "" || (p.Embedded != nil && *p.Embedded)
}

// Server is the profile's server as shown to people: no password.
func (p Profile) Server() string {
	switch {
	case p.Embedded != nil && *p.Embedded:
		return "embedded"
	case p.URL != "":
		u, err := url.Parse(p.URL)
		if err != nil {
			return "(invalid url)"
		}
		return u.Redacted()
	}
	return p.Endpoint
}

// PasswordSource says where the password comes from without saying it:
// "(from $NAME)", "(from command)", "(set in file)", or "" for none.
func (p Profile) PasswordSource() string {
	switch {
	case p.PasswordEnv != "":
		return "(from $" + p.PasswordEnv + ")"
	case p.PasswordCommand != "":
		return "(from command)"
	case p.Password != "" || urlHasPassword(p.URL):
		return "(set in file)"
	}
	return ""
}

// PasswordCommandTimeout bounds a passwordCommand: long enough to type a
// passphrase into a pinentry, not forever.
const PasswordCommandTimeout = 30 * time.Second

// ResolvePassword is the profile's password from its environment
// variable, its command or the file; "" when it has none, or when its
// url carries it already.
func (p Profile) ResolvePassword(ctx context.Context) (string, error) {
	switch {
	case p.PasswordEnv != "":
		pw, ok := os.LookupEnv(p.PasswordEnv)
		if !ok || pw == "" {
			return "", fmt.Errorf("passwordEnv: $%s is not set", p.PasswordEnv)
		}
		return pw, nil
	case p.PasswordCommand != "":
		return runPasswordCommand(ctx, p.PasswordCommand)
	}
	return p.Password, nil
}

// runPasswordCommand runs command in the shell, with a deadline, and
// takes the first line of what it prints. Its errors go to the caller,
// first line only, never what it printed on standard output.
func runPasswordCommand(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, PasswordCommandTimeout)
	defer cancel()
	shell, flag := "/bin/sh", "-c"
	if runtime.GOOS == "windows" {
		shell, flag = "cmd", "/C"
	}
	cmd := exec.CommandContext(ctx, shell, flag, command)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second // a child that keeps the pipes open does not hold us
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", fmt.Errorf("passwordCommand %q gave no password within %s", command, PasswordCommandTimeout)
	case err != nil:
		if why := firstLine(stderr.String()); why != "" {
			return "", fmt.Errorf("passwordCommand %q failed: %v: %s", command, err, why)
		}
		return "", fmt.Errorf("passwordCommand %q failed: %v", command, err)
	}
	pw := firstLine(stdout.String())
	if pw == "" {
		return "", fmt.Errorf("passwordCommand %q printed no password", command)
	}
	return pw, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}

// WithPassword is the profile's server as a URL that carries password
// (a url, or an endpoint written as one), for a client that takes the
// password in the URL.
func (p Profile) WithPassword(password string) (string, error) {
	raw := p.URL
	if raw == "" {
		scheme := "redis"
		if p.TLS != nil {
			scheme = "rediss"
		}
		raw = scheme + "://" + p.Endpoint
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}

func urlHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// scalar is the text of a scalar node, unquoted.
func scalar(node ast.Node) (string, bool) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.LiteralNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// describe is how a problem quotes a value: a scalar as written, other
// nodes by their kind.
func describe(node ast.Node) string {
	if s, ok := scalar(node); ok {
		return strconv.Quote(s)
	}
	if node == nil {
		return "nothing"
	}
	return "a " + node.Type().YAMLName()
}

// nodeError is a problem a decoder found at a node.
type nodeError struct {
	node ast.Node
	msg  string
}

func (e *nodeError) Error() string { return e.msg }
