// Package deskload drives an SSH desk the way a room of reviewers would:
// it opens many sessions with a terminal, presses keys in them, and times
// how long each key takes to bring the first byte of output back. It is the
// client half of the desk benchmark (make bench-ssh); the server half is a
// real `reviewq serve` in a process of its own, so its CPU time and memory
// can be read apart from the driver's.
package deskload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Session is one SSH session with a terminal on the desk.
type Session struct {
	User   string
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.Writer

	ready chan struct{} // closed once the console has drawn its footer
	ended chan struct{} // closed when the session's output ends

	// Written by the output reader, read by the driver.
	bytes atomic.Int64

	mu        sync.Mutex
	pressedAt time.Time // the pending key's time; zero when none waits
	latencies []time.Duration
	missed    int // keys that brought no output before the next one

	// A burst's key (PressBurst): when it was pressed, and the first and
	// last output that came after it.
	burstAt, burstFirst, burstLast time.Time
}

// readyMark is on the console's first frame, in its footer ("q quit").
const readyMark = "quit"

// Open logs in as user on addr with key and asks for a width×height
// terminal and a shell.
func Open(addr, user string, key gossh.Signer, width, height int, timeout time.Duration) (*Session, error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("ssh %s@%s: %w", user, addr, err)
	}
	sess, err := c.NewSession()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	s := &Session{User: user, client: c, sess: sess, ready: make(chan struct{}), ended: make(chan struct{})}
	out, err := sess.StdoutPipe()
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.stdin, err = sess.StdinPipe(); err != nil {
		s.Close()
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", height, width, gossh.TerminalModes{}); err != nil {
		s.Close()
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		s.Close()
		return nil, err
	}
	go s.read(out)
	select {
	case <-s.ready:
		return s, nil
	case <-s.ended:
		s.Close()
		return nil, fmt.Errorf("%s: the session ended before the console was drawn", user)
	case <-time.After(timeout):
		s.Close()
		return nil, fmt.Errorf("%s: the console was not drawn within %s", user, timeout)
	}
}

// read takes the session's output as it comes: it notes the time of the
// first bytes after each key and otherwise throws the output away.
func (s *Session) read(out io.Reader) {
	defer close(s.ended)
	buf := make([]byte, 32<<10)
	var head strings.Builder // the output until the console is ready
	for {
		n, err := out.Read(buf)
		if n > 0 {
			now := time.Now()
			s.bytes.Add(int64(n))
			s.mu.Lock()
			if !s.pressedAt.IsZero() {
				s.latencies = append(s.latencies, now.Sub(s.pressedAt))
				s.pressedAt = time.Time{}
			}
			if !s.burstAt.IsZero() {
				if s.burstFirst.IsZero() {
					s.burstFirst = now
				}
				s.burstLast = now
			}
			s.mu.Unlock()
			select {
			case <-s.ready:
			default:
				head.Write(buf[:n])
				if strings.Contains(head.String(), readyMark) {
					head.Reset()
					close(s.ready)
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// Press types key and starts the clock for its output. A key before it
// that brought nothing back is counted as missed.
func (s *Session) Press(key string) error {
	s.mu.Lock()
	if !s.pressedAt.IsZero() {
		s.missed++
	}
	s.pressedAt = time.Now()
	s.mu.Unlock()
	_, err := s.stdin.Write([]byte(key))
	return err
}

// Bytes is how much output the session has read.
func (s *Session) Bytes() int64 { return s.bytes.Load() }

// Close ends the session and its connection.
func (s *Session) Close() {
	if s.sess != nil {
		_ = s.sess.Close()
	}
	_ = s.client.Close()
}

// Desk is N sessions on one desk.
type Desk struct {
	Sessions []*Session
}

// OpenDesk opens n sessions as user0…user(n-1), at most parallel at a time
// (a desk takes logins one handshake at a time per core).
func OpenDesk(ctx context.Context, addr string, key gossh.Signer, n, width, height, parallel int) (*Desk, error) {
	d := &Desk{Sessions: make([]*Session, n)}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s, err := Open(addr, fmt.Sprintf("user%03d", i), key, width, height, 60*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			d.Sessions[i] = s
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close ends every session.
func (d *Desk) Close() {
	var wg sync.WaitGroup
	for _, s := range d.Sessions {
		if s != nil {
			wg.Go(s.Close)
		}
	}
	wg.Wait()
}

// Bytes is the output every session has read.
func (d *Desk) Bytes() int64 {
	var n int64
	for _, s := range d.Sessions {
		n += s.Bytes()
	}
	return n
}

// Result is what a run of key presses measured.
type Result struct {
	Latencies []time.Duration // key to first output byte, sorted
	Missed    int             // keys that brought no output at all
	Errors    int             // keys that could not be sent
}

// Percentile is the p-th percentile (0–100) of the latencies.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies)-1) * p / 100)
	return r.Latencies[i]
}

// PressKeys makes every session press the next of keys about once every
// interval, each at its own random phase, for the given duration, and
// collects the key-to-first-output times. Keys follow each other in a cycle
// so every one changes the screen (and so draws something).
func (d *Desk) PressKeys(ctx context.Context, keys []string, interval, duration time.Duration) Result {
	for _, s := range d.Sessions {
		s.mu.Lock()
		s.latencies, s.missed, s.pressedAt = s.latencies[:0], 0, time.Time{}
		s.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var errs atomic.Int64
	var wg sync.WaitGroup
	for _, s := range d.Sessions {
		wg.Go(func() {
			t := time.NewTimer(rand.N(interval))
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if err := s.Press(keys[i%len(keys)]); err != nil {
					errs.Add(1)
				}
				// ±10% so the sessions do not fall into step.
				t.Reset(interval + time.Duration(rand.Int64N(int64(interval)/5)) - interval/10)
			}
		})
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // the last keys' output
	var r Result
	for _, s := range d.Sessions {
		s.mu.Lock()
		r.Latencies = append(r.Latencies, s.latencies...)
		r.Missed += s.missed
		if !s.pressedAt.IsZero() {
			r.Missed++
		}
		s.pressedAt = time.Time{}
		s.mu.Unlock()
	}
	r.Errors = int(errs.Load())
	slices.Sort(r.Latencies)
	return r
}

// BurstResult is what one burst measured: every session pressed the same
// key at (nearly) the same moment.
type BurstResult struct {
	Key string
	// Spread is the time from the first session's key to the last's.
	Spread time.Duration
	// First is each session's key-to-first-output time, Complete its
	// key-to-last-output time (the frame fully arrived: the desk sends
	// nothing else while it sits still); both sorted.
	First, Complete []time.Duration
	Missed          int // sessions that got no output after the key
	Errors          int // keys that could not be sent
}

// PressBurst makes every session press key at the same moment (they wait
// at one gate, then each writes its key), waits settle for the output, and
// times each session's first and last output after its key.
func (d *Desk) PressBurst(ctx context.Context, key string, settle time.Duration) BurstResult {
	for _, s := range d.Sessions {
		s.mu.Lock()
		s.burstAt, s.burstFirst, s.burstLast = time.Time{}, time.Time{}, time.Time{}
		s.mu.Unlock()
	}
	gate := make(chan struct{})
	var errs atomic.Int64
	var ready, wg sync.WaitGroup
	for _, s := range d.Sessions {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			<-gate
			s.mu.Lock()
			s.burstAt = time.Now()
			s.mu.Unlock()
			if _, err := s.stdin.Write([]byte(key)); err != nil {
				errs.Add(1)
			}
		})
	}
	ready.Wait()
	time.Sleep(10 * time.Millisecond) // every goroutine at the gate
	close(gate)
	wg.Wait()
	select {
	case <-ctx.Done():
	case <-time.After(settle):
	}
	r := BurstResult{Key: key, Errors: int(errs.Load())}
	var first, last time.Time
	for _, s := range d.Sessions {
		s.mu.Lock()
		at, f, l := s.burstAt, s.burstFirst, s.burstLast
		s.burstAt = time.Time{}
		s.mu.Unlock()
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
		if f.IsZero() {
			r.Missed++
			continue
		}
		r.First = append(r.First, f.Sub(at))
		r.Complete = append(r.Complete, l.Sub(at))
	}
	r.Spread = last.Sub(first)
	slices.Sort(r.First)
	slices.Sort(r.Complete)
	return r
}

// PercentileOf is the p-th percentile (0–100) of sorted durations.
func PercentileOf(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p/100)]
}
