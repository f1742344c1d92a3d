package deskload

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/reviewq/reviewq/internal/testserver"
	"github.com/reviewq/reviewq/queue"
)

// BenchmarkDesk is the desk with many reviewers at once (make bench-ssh):
// a real `reviewq serve` in its own process over a real redis-server, and
// N SSH sessions with a terminal from this process. For each N it reports
//
//   - the key-to-first-output time (p50, p90, p99) while every session
//     presses a screen key about once a second;
//   - the serve process's CPU while the N sessions sit idle, as a share of
//     one core, and the output they got meanwhile (none, ideally);
//   - the serve process's RSS per session, after the sessions opened and
//     again after the key presses (every screen drawn and loaded).
//
// Environment: DESKLOAD_SIZES (default "50,200,500"), DESKLOAD_TERM
// (default "120x40"), DESKLOAD_IDLE (idle measurement, default 20s),
// DESKLOAD_KEYS (key phase, default 30s), DESKLOAD_PROFILE (a directory:
// CPU profiles of the idle and key phases, a heap profile and the server's
// log are saved there), DESKLOAD_SERVE_ENV (variables
// for the serve process, e.g. "GOGC=50"), DESKLOAD_MAX_SIZE (serve's
// --max-size, e.g. "200x60" with DESKLOAD_TERM=200x60; serve's default
// when unset), DESKLOAD_BIN (a reviewq binary to serve with instead of one
// built from this tree).
//
// DESKLOAD_MODE=burst measures bursts instead (sizes default to "500"):
// DESKLOAD_BURSTS times (default 10), DESKLOAD_BURST_GAP apart (default
// 3s), every session presses the same screen key at one moment (the next
// of 3, 4, 5, 1 each time), and each session's key-to-first-output and
// key-to-output-complete times (its last byte after the key: the frame
// fully arrived) are pooled over the bursts; with the serve process's CPU
// time over the bursts divided by the keys pressed. DESKLOAD_PROFILE saves
// a CPU profile of the bursts.
func BenchmarkDesk(b *testing.B) {
	if os.Getenv("DESKLOAD_MODE") == "burst" {
		benchmarkBursts(b)
		return
	}
	sizes := envInts(b, "DESKLOAD_SIZES", []int{50, 200, 500})
	width, height := envSize(b, "DESKLOAD_TERM", 120, 40)
	idleFor := envDuration(b, "DESKLOAD_IDLE", 20*time.Second)
	keysFor := envDuration(b, "DESKLOAD_KEYS", 30*time.Second)
	profileDir := os.Getenv("DESKLOAD_PROFILE")
	maxSize := os.Getenv("DESKLOAD_MAX_SIZE")

	bin, dir, addr, stream, key := deskSetup(b)

	var rows []string
	for _, n := range sizes {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			for range b.N {
				row := runDesk(b, deskRun{
					bin: bin, dir: dir, redis: addr, stream: stream, key: key,
					n: n, width: width, height: height, idleFor: idleFor, keysFor: keysFor,
					profileDir: profileDir, maxSize: maxSize,
				})
				rows = append(rows, row)
			}
		})
	}
	load, _ := os.ReadFile("/proc/loadavg")
	if maxSize == "" {
		maxSize = "serve's default"
	}
	fmt.Printf("\ndesk at %d×%d (--max-size %s), %d cores, load average before the last run: %s", width, height, maxSize, runtime.NumCPU(), load)
	fmt.Println("| sessions | key→output p50 | p90 | p99 | missed | idle CPU (of one core) | idle output | RSS/session open | RSS/session after keys | live heap+stacks/session |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

type deskRun struct {
	bin, dir, redis, stream string
	key                     gossh.Signer
	n, width, height        int
	idleFor, keysFor        time.Duration
	profileDir              string
	maxSize                 string // serve's --max-size; its default when empty

	bursts   int           // burst mode (runBursts): how many
	burstGap time.Duration // and how far apart
}

// served is a running `reviewq serve` with n sessions open on it.
type served struct {
	pid        int
	pprofAddr  string
	rssBase    int64
	liveBase   int64
	desk       *Desk
	opened     time.Duration
	stop       func()
	loadBefore string
}

// screenKeys switch between screens that draw nothing on their own while
// nobody types (Compose would take the digits as text): every key changes
// the screen, so every key draws.
var screenKeys = []string{"3", "4", "5", "1"}

func serveDesk(b *testing.B, r deskRun) *served {
	b.Helper()
	loadBefore, _ := os.ReadFile("/proc/loadavg")
	addr := freeAddr(b)
	args := []string{"serve", "--allow-anonymous", "--ssh", addr,
		"--url", "redis://" + r.redis, "--stream", r.stream,
		"--host-key", filepath.Join(r.dir, "host_ed25519"),
		"--max-sessions", strconv.Itoa(r.n + 10), "--idle-timeout", "0"}
	if r.maxSize != "" {
		args = append(args, "--max-size", r.maxSize)
	}
	// The profiler also gives the live heap (runtime.MemStats after a
	// collection), next to the RSS.
	pprofAddr := freeAddr(b)
	args = append(args, "--pprof", pprofAddr)
	cmd := exec.Command(r.bin, args...)
	logDir := r.dir
	if r.profileDir != "" {
		logDir = r.profileDir // kept with the profiles
	}
	logf, err := os.Create(filepath.Join(logDir, fmt.Sprintf("serve-%d.log", r.n)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf
	if extra := os.Getenv("DESKLOAD_SERVE_ENV"); extra != "" {
		cmd.Env = append(os.Environ(), strings.Fields(extra)...)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	pid := cmd.Process.Pid
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	b.Cleanup(stop)
	waitListening(b, addr)
	time.Sleep(time.Second)
	rssBase := must(RSS(pid))
	liveBase := liveMemory(b, pprofAddr)

	ctx := b.Context()
	start := time.Now()
	desk, err := OpenDesk(ctx, addr, r.key, r.n, r.width, r.height, 8)
	if err != nil {
		b.Fatalf("opening %d sessions: %v", r.n, err)
	}
	b.Cleanup(desk.Close)
	opened := time.Since(start)
	time.Sleep(5 * time.Second) // first frames, first page loads, first stats
	return &served{pid: pid, pprofAddr: pprofAddr, rssBase: rssBase, liveBase: liveBase,
		desk: desk, opened: opened, stop: stop, loadBefore: strings.TrimSpace(string(loadBefore))}
}

func runDesk(b *testing.B, r deskRun) string {
	b.Helper()
	sv := serveDesk(b, r)
	pid, pprofAddr, rssBase, liveBase, desk, opened, stop := sv.pid, sv.pprofAddr, sv.rssBase, sv.liveBase, sv.desk, sv.opened, sv.stop
	loadBefore := sv.loadBefore
	rssOpen := must(RSS(pid))

	profile(b, pprofAddr, r.profileDir, fmt.Sprintf("idle-%d.cpu.pprof", r.n), "profile?seconds="+strconv.Itoa(int(r.idleFor.Seconds())))
	bytesBefore := desk.Bytes()
	idle := must(CPUShare(pid, r.idleFor))
	idleOut := desk.Bytes() - bytesBefore

	profile(b, pprofAddr, r.profileDir, fmt.Sprintf("keys-%d.cpu.pprof", r.n), "profile?seconds="+strconv.Itoa(int(r.keysFor.Seconds())))
	cpuBefore, driverBefore := must(CPUTime(pid)), must(CPUTime(os.Getpid()))
	res := desk.PressKeys(b.Context(), screenKeys, time.Second, r.keysFor)
	keysCPU := float64(must(CPUTime(pid))-cpuBefore) / float64(r.keysFor)
	driverCPU := float64(must(CPUTime(os.Getpid()))-driverBefore) / float64(r.keysFor)
	rssKeys := must(RSS(pid))
	profile(b, pprofAddr, r.profileDir, fmt.Sprintf("heap-%d.pprof", r.n), "heap?gc=1")
	profile(b, pprofAddr, r.profileDir, fmt.Sprintf("goroutines-%d.txt", r.n), "goroutine?debug=1") // counts by stack
	live := liveMemory(b, pprofAddr)

	perSession := func(rss int64) float64 { return float64(rss-rssBase) / float64(r.n) / (1 << 20) }
	livePerSession := float64(live-liveBase) / float64(r.n) / (1 << 20)
	p50, p90, p99 := res.Percentile(50), res.Percentile(90), res.Percentile(99)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p90), "p90-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(100*idle, "idle-cpu-%")
	b.ReportMetric(perSession(rssOpen), "rss-MiB/session-open")
	b.ReportMetric(perSession(rssKeys), "rss-MiB/session-keys")
	b.ReportMetric(livePerSession, "live-MiB/session")
	b.Logf("%d sessions opened in %s; base RSS %.1f MiB; %d keys timed, %d missed, %d not sent; CPU while pressing keys %.0f%% of a core (the load driver: %.0f%%); idle output %d bytes; load before: %s",
		r.n, opened.Round(time.Millisecond), float64(rssBase)/(1<<20), len(res.Latencies), res.Missed, res.Errors, 100*keysCPU, 100*driverCPU, idleOut, loadBefore)
	desk.Close()
	stop()
	return fmt.Sprintf("| %d | %.0f ms | %.0f ms | %.0f ms | %d | %.1f%% | %d B | %.2f MiB | %.2f MiB | %.2f MiB |",
		r.n, ms(p50), ms(p90), ms(p99), res.Missed, 100*idle, idleOut, perSession(rssOpen), perSession(rssKeys), livePerSession)
}

// seed puts messages on the stream and a few in dead letters, and leaves
// nothing pending: the Pending screen, which redraws its idle times every
// second while it shows entries, stays still between keys.
func seed(b *testing.B, addr, stream string) {
	b.Helper()
	ctx := context.Background()
	vk, err := queue.Dial(ctx, queue.ServerOptions{Endpoint: addr})
	if err != nil {
		b.Fatal(err)
	}
	defer vk.Close()
	c, err := queue.New(vk, queue.Config{Stream: stream, Consumer: "seed"})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.EnsureGroup(ctx); err != nil {
		b.Fatal(err)
	}
	for i := range 300 {
		if _, err := c.AddContact(ctx, fmt.Sprintf("Sender %d", i), fmt.Sprintf("sender%d@example.org", i),
			strings.Repeat(fmt.Sprintf("Message %d asks about an order that has not arrived. ", i), 4)); err != nil {
			b.Fatal(err)
		}
	}
	for range 20 {
		res, err := c.Claim(ctx)
		if err != nil || res.Message == nil {
			b.Fatalf("claim: %v %v", res, err)
		}
		if _, err := c.Reject(ctx, res.Message.ID, "spam"); err != nil {
			b.Fatal(err)
		}
	}
}

func clientKey(b *testing.B) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// profile fetches a profile from the server's --pprof while the caller
// goes on measuring; the file is written when it arrives.
func profile(b *testing.B, pprofAddr, dir, name, what string) {
	if dir == "" {
		return
	}
	fetch := func() {
		resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/" + what)
		if err != nil {
			b.Logf("profile %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Logf("profile %s: %v", name, err)
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
	}
	if !strings.HasPrefix(what, "profile") {
		fetch()
		return
	}
	go fetch()
	time.Sleep(100 * time.Millisecond) // started before the measurement
}

// liveMemory is the server's live heap after a collection, plus its
// goroutine stacks, from runtime.MemStats as the profiler shows them.
func liveMemory(b *testing.B, pprofAddr string) int64 {
	get := func(what string) string {
		resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/" + what)
		if err != nil {
			b.Fatalf("profiler: %v", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatalf("profiler: %v", err)
		}
		return string(body)
	}
	get("heap?gc=1") // collects first
	var heap, stack int64
	for line := range strings.SplitSeq(get("heap?debug=1"), "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			heap, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "# Stack = "); ok { // in use / from the system
			stack, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	if heap == 0 {
		b.Fatal("profiler: no HeapAlloc in the heap profile")
	}
	return heap + stack
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(b *testing.B, addr string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("reviewq serve did not listen on %s", addr)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func envInts(b *testing.B, name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want numbers like 50,200,500", name, v)
		}
		out = append(out, n)
	}
	return out
}

func envSize(b *testing.B, name string, w, h int) (int, int) {
	v := os.Getenv(name)
	if v == "" {
		return w, h
	}
	ws, hs, ok := strings.Cut(v, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil {
		b.Fatalf("%s=%q: want WIDTHxHEIGHT like 120x40", name, v)
	}
	return w, h
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// deskSetup is what both modes run on: the reviewq binary (built here
// unless DESKLOAD_BIN names one) in a temporary directory, a server of its
// own with a seeded stream, and the load driver's SSH key.
func deskSetup(b *testing.B) (bin, dir, addr, stream string, key gossh.Signer) {
	b.Helper()
	dir = b.TempDir()
	bin = os.Getenv("DESKLOAD_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "reviewq")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/reviewq/reviewq").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	srv := testserver.StartT(b)
	stream = fmt.Sprintf("deskload:%d", time.Now().UnixNano())
	seed(b, srv.Addr, stream)
	return bin, dir, srv.Addr, stream, clientKey(b)
}

// benchmarkBursts is BenchmarkDesk with DESKLOAD_MODE=burst.
func benchmarkBursts(b *testing.B) {
	sizes := envInts(b, "DESKLOAD_SIZES", []int{500})
	width, height := envSize(b, "DESKLOAD_TERM", 120, 40)
	bursts := envInts(b, "DESKLOAD_BURSTS", []int{10})[0]
	gap := envDuration(b, "DESKLOAD_BURST_GAP", 3*time.Second)
	profileDir := os.Getenv("DESKLOAD_PROFILE")
	maxSize := os.Getenv("DESKLOAD_MAX_SIZE")

	bin, dir, addr, stream, key := deskSetup(b)

	var rows []string
	for _, n := range sizes {
		b.Run(fmt.Sprintf("burst/sessions=%d", n), func(b *testing.B) {
			for range b.N {
				rows = append(rows, runBursts(b, deskRun{
					bin: bin, dir: dir, redis: addr, stream: stream, key: key,
					n: n, width: width, height: height, profileDir: profileDir, maxSize: maxSize,
					bursts: bursts, burstGap: gap,
				}))
			}
		})
	}
	if maxSize == "" {
		maxSize = "serve's default"
	}
	fmt.Printf("\ndesk bursts at %d×%d (--max-size %s), %d cores, %d bursts %s apart\n", width, height, maxSize, runtime.NumCPU(), bursts, gap)
	fmt.Println("| sessions | keys | spread of a burst's keys (max) | key→first output p50 | p90 | p99 | key→output complete p50 | p90 | p99 | missed | serve CPU per key | load before |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

// runBursts opens r.n sessions and has them all press a screen key at once,
// r.bursts times, r.burstGap apart.
func runBursts(b *testing.B, r deskRun) string {
	b.Helper()
	sv := serveDesk(b, r)
	defer sv.stop()
	defer sv.desk.Close()
	profile(b, sv.pprofAddr, r.profileDir, fmt.Sprintf("burst-%d.cpu.pprof", r.n),
		"profile?seconds="+strconv.Itoa(int((time.Duration(r.bursts)*r.burstGap).Seconds())))
	var first, complete, p99s, cpus []time.Duration
	var bytesPerKey []int64
	var spread time.Duration
	var missed, errs int
	cpuBefore, driverBefore := must(CPUTime(sv.pid)), must(CPUTime(os.Getpid()))
	for i := range r.bursts {
		before, bytesBefore := must(CPUTime(sv.pid)), sv.desk.Bytes()
		res := sv.desk.PressBurst(b.Context(), screenKeys[i%len(screenKeys)], r.burstGap)
		first = append(first, res.First...)
		complete = append(complete, res.Complete...)
		p99s = append(p99s, PercentileOf(res.First, 99))
		cpus = append(cpus, (must(CPUTime(sv.pid))-before)/time.Duration(r.n))
		bytesPerKey = append(bytesPerKey, (sv.desk.Bytes()-bytesBefore)/int64(r.n))
		spread = max(spread, res.Spread)
		missed += res.Missed
		errs += res.Errors
	}
	cpu := must(CPUTime(sv.pid)) - cpuBefore
	driver := must(CPUTime(os.Getpid())) - driverBefore
	keys := r.bursts * r.n
	perKey := cpu / time.Duration(keys)
	slices.Sort(first)
	slices.Sort(complete)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	p := func(d []time.Duration, q float64) float64 { return ms(PercentileOf(d, q)) }
	b.ReportMetric(p(first, 50), "first-p50-ms")
	b.ReportMetric(p(first, 90), "first-p90-ms")
	b.ReportMetric(p(first, 99), "first-p99-ms")
	b.ReportMetric(p(complete, 50), "complete-p50-ms")
	b.ReportMetric(p(complete, 90), "complete-p90-ms")
	b.ReportMetric(p(complete, 99), "complete-p99-ms")
	b.ReportMetric(float64(perKey)/float64(time.Microsecond), "cpu-us/key")
	b.Logf("%d sessions opened in %s; %d bursts, %d keys, %d missed, %d not sent; each burst's first-output p99: %v, its serve CPU a key: %v, its output a key: %v bytes; serve CPU %s (%s a key), the load driver's %s; load before: %s",
		r.n, sv.opened.Round(time.Millisecond), r.bursts, keys, missed, errs, roundAll(p99s), cpus, bytesPerKey, cpu, perKey, driver, sv.loadBefore)
	return fmt.Sprintf("| %d | %d | %.1f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %d | %.2f ms | %s |",
		r.n, keys, ms(spread), p(first, 50), p(first, 90), p(first, 99), p(complete, 50), p(complete, 90), p(complete, 99),
		missed, float64(perKey)/float64(time.Millisecond), sv.loadBefore)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
