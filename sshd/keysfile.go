package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// The authorized-keys file keeps the OpenSSH format, and the comment at the
// end of each line names the one user that key logs in as:
//
//	ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice
//
// A key may appear on several lines, one per user it logs in as. The same
// parser serves the desk (which logs what it skips) and `reviewq serve keys`
// (which shows it), so both read the file the same way.

// KeyBinding is one line of the authorized-keys file that lets a key in as
// a user.
type KeyBinding struct {
	User        string `json:"user"`
	Type        string `json:"type"`        // ssh-ed25519, ecdsa-sha2-nistp256…
	Fingerprint string `json:"fingerprint"` // SHA256:…
	Line        int    `json:"line"`

	key gossh.PublicKey
}

// SkippedLine is a line of the authorized-keys file that lets nobody in,
// and why.
type SkippedLine struct {
	Line   int
	Reason string
}

func (s SkippedLine) String() string { return fmt.Sprintf("line %d: %s", s.Line, s.Reason) }

// parseKeyBindings reads every line; blank lines and # comments are
// neither bindings nor skipped.
func parseKeyBindings(data []byte) (bound []KeyBinding, skipped []SkippedLine) {
	for n, line := range bytes.Split(data, []byte("\n")) {
		b, reason, ok := parseKeyLine(line)
		switch {
		case ok:
			b.Line = n + 1
			bound = append(bound, b)
		case reason != "":
			skipped = append(skipped, SkippedLine{Line: n + 1, Reason: reason})
		}
	}
	return bound, skipped
}

// parseKeyLine parses one line. A line with options (from=, command=,
// restrict…) is refused: the desk does not enforce them, and a key meant to
// be restricted must not get in unrestricted.
func parseKeyLine(line []byte) (b KeyBinding, skipReason string, ok bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return b, "", false
	}
	key, comment, options, _, err := gossh.ParseAuthorizedKey(line)
	switch {
	case err != nil:
		return b, "not a public key (" + err.Error() + ")", false
	case len(options) > 0:
		return b, fmt.Sprintf("has options (%s): reviewq does not enforce them", strings.Join(options, ",")), false
	case comment == "":
		return b, "no user name after the key: end the line with the user it logs in as", false
	case !validUser(comment):
		return b, fmt.Sprintf("%q is not a user name (1 to %d bytes, printable, no spaces): end the line with the user it logs in as", sanitizeUser(comment), maxUserBytes), false
	}
	return KeyBinding{User: comment, Type: key.Type(), Fingerprint: gossh.FingerprintSHA256(key), key: key}, "", true
}

// ReadKeyBindings lists who may log in with which key, and the lines that
// let nobody in.
func ReadKeyBindings(path string) ([]KeyBinding, []SkippedLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	bound, skipped := parseKeyBindings(data)
	return bound, skipped, nil
}

// ParsePublicKey reads the one public key in data, as found in a .pub file
// or an authorized_keys line (its comment is ignored). It refuses a private
// key, a line with options and a file of several keys, each with the reason.
func ParsePublicKey(data []byte) (gossh.PublicKey, error) {
	if bytes.Contains(data, []byte("PRIVATE KEY")) {
		return nil, errors.New("this is a private key: give the public half (the .pub file), and keep the private key where it is")
	}
	var key gossh.PublicKey
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if key != nil {
			return nil, errors.New("more than one key: give one public key")
		}
		k, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("not an OpenSSH public key: %w", err)
		}
		if len(options) > 0 {
			return nil, fmt.Errorf("the key has options (%s), which reviewq does not enforce: give the bare public key", strings.Join(options, ","))
		}
		key = k
	}
	if key == nil {
		return nil, errors.New("no public key in it")
	}
	return key, nil
}

// AddKeyBinding appends a line that lets key in as user, creating the file
// (0600) when it does not exist. It adds nothing when that exact binding is
// already there (added false).
func AddKeyBinding(path, user string, key gossh.PublicKey) (b KeyBinding, added bool, err error) {
	if !validUser(user) {
		return b, false, fmt.Errorf("%q is not a user name: 1 to %d bytes, printable, no spaces", sanitizeUser(user), maxUserBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return b, false, err
	}
	bound, _ := parseKeyBindings(data)
	for _, have := range bound {
		if have.User == user && bytes.Equal(have.key.Marshal(), key.Marshal()) {
			return have, false, nil
		}
	}
	line := bytes.TrimSpace(gossh.MarshalAuthorizedKey(key))
	var out bytes.Buffer
	out.Write(data)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		out.WriteByte('\n')
	}
	out.Write(line)
	out.WriteString(" " + user + "\n")
	if err := replaceFile(path, out.Bytes()); err != nil {
		return b, false, err
	}
	return KeyBinding{User: user, Type: key.Type(), Fingerprint: gossh.FingerprintSHA256(key),
		Line: bytes.Count(out.Bytes(), []byte("\n")), key: key}, true, nil
}

// RemoveKeyBindings removes the lines that let user in, only the one key's
// when fingerprint is given ("SHA256:…", the prefix optional). Every other
// line stays as it was. It fails when no line matched.
func RemoveKeyBindings(path, user, fingerprint string) ([]KeyBinding, error) {
	if fingerprint != "" && !strings.HasPrefix(fingerprint, "SHA256:") {
		fingerprint = "SHA256:" + fingerprint
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var removed []KeyBinding
	var out bytes.Buffer
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		b, _, ok := parseKeyLine(line)
		if ok && b.User == user && (fingerprint == "" || b.Fingerprint == fingerprint) {
			b.Line = n + 1
			removed = append(removed, b)
			continue
		}
		out.Write(line)
	}
	if len(removed) == 0 {
		if fingerprint != "" {
			return nil, fmt.Errorf("no key %s logs in as %q in %s", fingerprint, sanitizeUser(user), path)
		}
		return nil, fmt.Errorf("no key logs in as %q in %s", sanitizeUser(user), path)
	}
	return removed, replaceFile(path, out.Bytes())
}

// replaceFile writes data to a new file beside path and renames it over
// path, so the desk, which reads the file at every login, never reads half
// of it. The file keeps its mode (0600 when new).
func replaceFile(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // replace the file a link points to, not the link
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
