// Command screenshots makes the pictures of the README and docs/ from the
// real console (`make screenshots`): it runs reviewq in tmux on the
// embedded default's scene (embedded.SeedScene: fixed sample data on a
// clock that stands still, chosen by REVIEWQ_SCREENSHOT_CLOCK), presses
// the keys a reviewer would, captures each screen with its colours
// (tmux capture-pane -e), turns the capture into HTML (html.go) and has
// headless Chromium draw it as a PNG the size of the terminal's grid.
// The SSH desk is photographed the same way through ssh to a `reviewq
// serve --allow-anonymous` on loopback.
//
// It needs tmux, chromium, ssh and the fonts named in fonts; it is not
// part of make test.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

const (
	cols, rows = 100, 30
	// sceneClock is the scene's now (see cli's sceneClockEnv).
	sceneClock = "2026-11-23T10:30:00Z"
	// settle is how long a screen must stay unchanged before it is
	// captured: longer than a status note lives (about five seconds), so
	// that a picture never catches one half way.
	settle = 6 * time.Second
)

// fonts are what the pages are drawn in: DejaVu Sans Mono
// (fonts-dejavu-core) for the grid, IPAGothic (fonts-ipafont-gothic) for
// the Japanese sample.
var fonts = []string{"DejaVu Sans Mono", "IPAGothic"}

// step is one thing a reviewer does, and optionally the picture of what
// the screen shows then.
type step struct {
	keys []string // tmux send-keys key names, in order
	text string   // then typed as it is
	want string   // on the screen before it counts as done
	shot string   // the picture's name under -out, without .png; "" takes none
}

// console is the tour of the console's screens.
var console = []step{
	{want: "new messages waiting"},
	{keys: []string{"c"}, want: "RECLAIMED", shot: "review"},
	{keys: []string{"3"}, want: "Pending  page", shot: "pending"},
	{keys: []string{"4"}, want: "scheduled · in 2m", shot: "stream"},
	{keys: []string{"5"}, want: "Dead letters  ", shot: "dead-letters"},
	{keys: []string{"6"}, want: "median held", shot: "activity"},
	{keys: []string{"1", "?"}, want: "shift+tab prev screen", shot: "help"},
	// ? again closes the help (an escape followed at once by n would
	// read as alt+n)
	{keys: []string{"?", "n"}, want: "Send later"},
	{text: "Grace Hopper", want: "Grace Hopper"},
	{keys: []string{"Tab"}, text: "grace@example.org", want: "grace@example.org"},
	{keys: []string{"Tab"}, text: "Found a moth in relay 70 of panel F. Removed it; the build is green again.", want: "green again", shot: "compose"},
}

// desk is a reviewer's session at the SSH desk, in the light theme (a
// desk's sessions each draw in their own terminal's colours).
var desk = []step{
	{want: "new messages waiting"},
	{keys: []string{"c"}, want: "RECLAIMED", shot: "ssh-desk"},
}

func main() {
	out := flag.String("out", "docs/img", "where the PNGs go")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := preflight(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "reviewq-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "reviewq")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}
	t, err := newTmux(tmp)
	if err != nil {
		return err
	}
	defer t.close()
	shots := shooter{t: t, tmp: tmp, out: out}

	env, err := consoleEnv(tmp, "dark")
	if err != nil {
		return err
	}
	consoleCmd := append([]string{"env", "-i"}, env...)
	consoleCmd = append(consoleCmd, bin, "--embedded", "--consumer", "alice")
	if err := shots.tour("console", consoleCmd, console, darkTerminal); err != nil {
		return err
	}
	// The console's embedded server listens at the scene's fixed address:
	// it must be gone before the desk's starts there.
	if _, err := t.cmd("kill-session", "-t", "console"); err != nil {
		return err
	}
	if env, err = consoleEnv(tmp, "light"); err != nil {
		return err
	}
	return shots.deskTour(bin, env)
}

// consoleEnv is the whole environment reviewq (and ssh) run in: the
// scene's clock, a settings file with the theme (whatever tmux says of its
// background; and no settings file of the user's), UTC, and a truecolor
// terminal (a TERM of tmux's own would have colorprofile ask tmux, and
// the desk draw in 256 colours).
func consoleEnv(dir, theme string) ([]string, error) {
	conf := filepath.Join(dir, "config-"+theme+".yaml")
	if err := os.WriteFile(conf, []byte("theme: "+theme+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm-256color", "COLORTERM=truecolor",
		"TZ=UTC", "LANG=C.UTF-8", "REVIEWQ_CONFIG=" + conf, "REVIEWQ_SCREENSHOT_CLOCK=" + sceneClock,
	}, nil
}

// preflight finds the tools and fonts, or says how to install them.
func preflight() error {
	var missing []string
	for _, bin := range []string{"tmux", "chromium", "ssh", "ssh-keygen", "fc-list"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found (apt-get install -y tmux chromium openssh-client fontconfig)", strings.Join(missing, ", "))
	}
	have, err := exec.Command("fc-list", ":", "family").Output()
	if err != nil {
		return fmt.Errorf("fc-list: %w", err)
	}
	for _, f := range fonts {
		if !bytes.Contains(have, []byte(f)) {
			return fmt.Errorf("font %q not installed (apt-get install -y fonts-dejavu-core fonts-ipafont-gothic)", f)
		}
	}
	return nil
}

type shooter struct {
	t        *tmux
	tmp, out string
}

// tour runs argv in a new tmux session and takes its steps; the pictures
// are drawn on term.
func (s shooter) tour(session string, argv []string, steps []step, term terminal) error {
	if err := s.t.start(session, argv); err != nil {
		return err
	}
	for _, st := range steps {
		for _, k := range st.keys {
			if _, err := s.t.cmd("send-keys", "-t", session, k); err != nil {
				return err
			}
		}
		if st.text != "" {
			if _, err := s.t.cmd("send-keys", "-t", session, "-l", st.text); err != nil {
				return err
			}
		}
		screen, err := s.t.waitFor(session, st.want)
		if err != nil {
			return fmt.Errorf("%s, waiting for %q: %w", session, st.want, err)
		}
		if st.shot == "" {
			continue
		}
		if err := s.picture(st.shot, screen, term); err != nil {
			return fmt.Errorf("%s: %w", st.shot, err)
		}
		fmt.Println("screenshots:", filepath.Join(s.out, st.shot+".png"))
	}
	return nil
}

// deskTour starts a demo desk on a free loopback port and visits it with
// ssh as dan, one of the scene's reviewers.
func (s shooter) deskTour(bin string, env []string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(s.tmp, "serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--allow-anonymous", "--embedded",
		"--ssh", addr, "--host-key", filepath.Join(s.tmp, "host_ed25519"))
	serve.Env, serve.Stdout, serve.Stderr = env, logf, logf
	serve.Cancel = func() error { return serve.Process.Signal(os.Interrupt) }
	serve.WaitDelay = 15 * time.Second
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() { cancel(); _ = serve.Wait() }()
	if err := waitListening(addr, 30*time.Second); err != nil {
		log, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("reviewq serve: %w\n%s", err, log)
	}
	// The desk lets any key in as any name; ssh wants one to offer.
	key := filepath.Join(s.tmp, "id_ed25519")
	if b, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		return fmt.Errorf("ssh-keygen: %v: %s", err, b)
	}
	host, port, _ := net.SplitHostPort(addr)
	ssh := append([]string{"env", "-i"}, env...)
	ssh = append(ssh, "ssh", "-F", "/dev/null", "-p", port, "-i", key, "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "SetEnv=TZ=UTC COLORTERM=truecolor", "-t", "dan@"+host)
	return s.tour("desk", ssh, desk, lightTerminal)
}

// picture turns a capture into out/name.png, drawn on term.
func (s shooter) picture(name, capture string, term terminal) error {
	g, err := grid(capture, cols, rows)
	if err != nil {
		return err
	}
	html := filepath.Join(s.tmp, name+".html")
	if err := os.WriteFile(html, []byte(page(g, term)), 0o600); err != nil {
		return err
	}
	raw := filepath.Join(s.tmp, name+".png")
	w, h := pixelSize(cols, rows)
	profile, err := os.MkdirTemp(s.tmp, "chromium-")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir="+profile,
		"--screenshot="+raw, fmt.Sprintf("--window-size=%d,%d", w, h), "file://"+html)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("chromium: %v\n%s", err, b)
	}
	return recompress(raw, filepath.Join(s.out, name+".png"), w, h)
}

// recompress checks Chromium's PNG is the grid's size and writes it
// again, smaller.
func recompress(from, to string, w, h int) error {
	f, err := os.Open(from)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("chromium's picture: %w", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return fmt.Errorf("chromium drew %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(to, buf.Bytes(), 0o644)
}

// tmux is a tmux server of our own (its own socket and settings), so
// that nobody's sessions or tmux.conf come into the pictures.
type tmux struct{ socket, conf string }

func newTmux(dir string) (*tmux, error) {
	t := &tmux{socket: filepath.Join(dir, "tmux.sock"), conf: filepath.Join(dir, "tmux.conf")}
	// No status line: the pane is the whole window. remain-on-exit keeps
	// a console that died on screen, to be read in the error.
	conf := "set -g status off\nset -g remain-on-exit on\n"
	return t, os.WriteFile(t.conf, []byte(conf), 0o600)
}

func (t *tmux) cmd(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-u", "-S", t.socket, "-f", t.conf}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("tmux %s: %v: %s", args[0], err, out)
	}
	return string(out), nil
}

func (t *tmux) start(session string, argv []string) error {
	_, err := t.cmd(append([]string{"new-session", "-d", "-s", session, "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), "--"}, argv...)...)
	return err
}

func (t *tmux) close() { _, _ = t.cmd("kill-server") }

// waitFor polls the session's screen until want is on it and it has not
// changed for settle; it returns the screen with its colours.
func (t *tmux) waitFor(session, want string) (string, error) {
	deadline := time.Now().Add(time.Minute)
	var last string
	var since time.Time
	for time.Now().Before(deadline) {
		screen, err := t.cmd("capture-pane", "-p", "-e", "-N", "-t", session)
		if err != nil {
			return "", err
		}
		if screen != last {
			last, since = screen, time.Now()
		} else if strings.Contains(ansi.Strip(screen), want) && time.Since(since) >= settle {
			return screen, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return "", errors.New("not on the screen within a minute; it shows:\n" + ansi.Strip(last))
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after %s", addr, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
