package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKeys is the authorized-keys file (see keysfile.go): which key
// logs in as which user. It is read at every login, like OpenSSH's, so an
// edit takes effect at the next login without a restart; it is parsed
// again, and what it skips logged again, only when its content changed.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	raw   []byte              // the content last parsed
	users map[string][]string // by the key's wire form: the users it logs in as
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
	return a, nil
}

// bound reports whether key logs in as user, and the users it does log in
// as (for the log when it does not). The match is exact: `Intern` is not
// `intern`. A file that became unreadable refuses everyone: deleting it
// is a way to lock the desk.
func (a *authorizedKeys) bound(user string, key gossh.PublicKey) (ok bool, boundTo []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		a.log.Warn("authorized keys unreadable; refusing every key", "file", a.path, "err", err)
		a.raw, a.users = nil, nil
		return false, nil
	}
	users := a.users[string(key.Marshal())]
	return slices.Contains(users, user), users
}

// has reports whether any key logs in as user.
func (a *authorizedKeys) has(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, users := range a.users {
		if slices.Contains(users, user) {
			return true
		}
	}
	return false
}

// usersLike lists the users some key logs in as whose names equal user
// but for case.
func (a *authorizedKeys) usersLike(user string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var like []string
	for _, users := range a.users {
		for _, u := range users {
			if u != user && strings.EqualFold(u, user) && !slices.Contains(like, u) {
				like = append(like, u)
			}
		}
	}
	return like
}

// refresh reads the file and parses it when its content changed.
func (a *authorizedKeys) refresh() error {
	data, err := os.ReadFile(a.path)
	if err != nil {
		return err
	}
	if a.users != nil && bytes.Equal(data, a.raw) {
		return nil
	}
	bound, skipped := parseKeyBindings(data)
	for _, s := range skipped {
		a.log.Warn("skipped a line of the authorized-keys file", "file", a.path, "line", s.Line, "reason", s.Reason)
	}
	users := map[string][]string{}
	var names []string
	for _, b := range bound {
		k := string(b.key.Marshal())
		if !slices.Contains(users[k], b.User) {
			users[k] = append(users[k], b.User)
		}
		if !slices.Contains(names, b.User) {
			names = append(names, b.User)
		}
	}
	a.raw, a.users = data, users
	if len(bound) == 0 {
		a.log.Warn("no key in the authorized-keys file logs anyone in: nobody can log in until one is added (reviewq serve keys add USER KEY.pub)", "file", a.path)
	} else {
		a.log.Info("authorized keys", "file", a.path, "keys", len(users), "users", names)
	}
	return nil
}
