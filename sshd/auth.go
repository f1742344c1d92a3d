package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKeys is an OpenSSH authorized_keys file, read again on the
// next attempt after it changes (by modification time and size), so adding
// or removing a key needs no restart.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	modTime time.Time
	size    int64
	keys    map[string]bool // by the key's wire form
}

// loadAuthorizedKeys reads the file once, so a missing or unreadable file
// stops the server at start rather than refusing everyone silently.
func loadAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	if path == "" {
		return nil, errors.New("sshd: no authorized-keys file given (or allow anonymous access explicitly)")
	}
	a := &authorizedKeys{path: path, log: log}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		return nil, fmt.Errorf("sshd: authorized keys: %w", err)
	}
	if len(a.keys) == 0 {
		log.Warn("no keys in the authorized-keys file yet: nobody can log in until one is added", "file", path)
	} else {
		log.Info("authorized keys", "file", path, "keys", len(a.keys))
	}
	return a, nil
}

// allowed reports whether key is listed. A file that became unreadable
// refuses everyone: deleting it is a way to lock the desk.
func (a *authorizedKeys) allowed(key gossh.PublicKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		a.log.Warn("authorized keys unreadable; refusing every key", "file", a.path, "err", err)
		a.keys, a.modTime, a.size = nil, time.Time{}, 0
		return false
	}
	return a.keys[string(key.Marshal())]
}

// refresh re-parses the file when its modification time or size changed.
func (a *authorizedKeys) refresh() error {
	st, err := os.Stat(a.path)
	if err != nil {
		return err
	}
	if a.keys != nil && st.ModTime().Equal(a.modTime) && st.Size() == a.size {
		return nil
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return err
	}
	a.keys = a.parse(data)
	a.modTime, a.size = st.ModTime(), st.Size()
	return nil
}

// parse reads one key per line. A line that does not parse, or that has
// options (from=, command=, restrict…), is skipped with a warning: options
// are not enforced here, and a key meant to be restricted must not get in
// unrestricted.
func (a *authorizedKeys) parse(data []byte) map[string]bool {
	keys := map[string]bool{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		switch {
		case err != nil:
			a.log.Warn("skipped a line of the authorized-keys file", "file", a.path, "line", n+1, "err", err)
		case len(options) > 0:
			a.log.Warn("skipped a key with options: reviewq does not enforce them", "file", a.path, "line", n+1, "options", options)
		default:
			keys[string(key.Marshal())] = true
		}
	}
	return keys
}
