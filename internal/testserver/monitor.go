package testserver

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// Monitored is one command a client sent, as MONITOR reports it.
type Monitored struct {
	Client string // the client's address
	Name   string // the command's name, upper case: "EVALSHA"
	Line   string // the whole line MONITOR wrote
}

func (m Monitored) String() string { return m.Line }

// Monitor watches the server with MONITOR while f runs and returns the
// commands clients sent meanwhile, in order; not those that scripts sent
// (MONITOR shows them as the "lua" client). A marker before and after f
// (ECHO, from a connection of its own and left out) bounds what f sent.
func (s *Server) Monitor(t testing.TB, f func()) []Monitored {
	t.Helper()
	mon, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if _, err := mon.Write(Encode("MONITOR")); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(mon)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	if !lines.Scan() || lines.Text() != "+OK" {
		t.Fatalf("MONITOR: %q %v", lines.Text(), lines.Err())
	}
	const start, end = "monitor-start-f9c1", "monitor-end-f9c1"
	marker := func(word string) {
		if _, err := s.Command("ECHO", word); err != nil {
			t.Fatal(err)
		}
	}
	marker(start)
	f()
	marker(end)

	var out []Monitored
	started := false
	_ = mon.SetReadDeadline(time.Now().Add(10 * time.Second))
	for lines.Scan() {
		l := strings.TrimPrefix(lines.Text(), "+")
		switch {
		case strings.Contains(l, `"`+start+`"`):
			started = true
		case strings.Contains(l, `"`+end+`"`):
			return out
		case started:
			if m, ok := parseMonitorLine(l); ok && m.Client != "lua" {
				out = append(out, m)
			}
		}
	}
	t.Fatalf("MONITOR ended before the end marker: %v", lines.Err())
	return nil
}

// parseMonitorLine reads `1764009314.892001 [0 127.0.0.1:50000] "XADD" …`.
func parseMonitorLine(l string) (Monitored, bool) {
	open, close := strings.IndexByte(l, '['), strings.IndexByte(l, ']')
	if open < 0 || close < open {
		return Monitored{}, false
	}
	client := l[open+1 : close]
	if _, addr, ok := strings.Cut(client, " "); ok {
		client = addr
	}
	rest := strings.TrimSpace(l[close+1:])
	name, _, _ := strings.Cut(strings.TrimPrefix(rest, `"`), `"`)
	return Monitored{Client: client, Name: strings.ToUpper(name), Line: l}, true
}
