package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writePub writes k's public half as ssh-keygen does, comment and all.
func writePub(t *testing.T, dir, name string, k gossh.Signer) string {
	t.Helper()
	path := filepath.Join(dir, name)
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey()))) + " someone@laptop\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeKeysAddListRemove(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "authorized_keys")
	alice, bob := newSigner(t), newSigner(t)
	alicePub, bobPub := writePub(t, dir, "alice.pub", alice), writePub(t, dir, "bob.pub", bob)
	afp, bfp := gossh.FingerprintSHA256(alice.PublicKey()), gossh.FingerprintSHA256(bob.PublicKey())

	r := run(t, "", "serve", "keys", "add", "alice", alicePub, "--authorized-keys", file)
	if r.code != 0 || !strings.Contains(r.stdout, "alice logs in with ssh-ed25519 "+afp+" (line 1 of "+file+")") {
		t.Fatalf("add alice: %+v", r)
	}
	// The flag before the subcommand works too; the key from standard input.
	pub, _ := os.ReadFile(bobPub)
	if r := run(t, string(pub), "serve", "--authorized-keys", file, "keys", "add", "bob", "-"); r.code != 0 {
		t.Fatalf("add bob from stdin: %+v", r)
	}
	if r := run(t, "", "serve", "keys", "add", "triage", alicePub, "--authorized-keys", file); r.code != 0 {
		t.Fatalf("add alice's key as triage: %+v", r)
	}
	if r := run(t, "", "serve", "keys", "add", "alice", alicePub, "--authorized-keys", file); r.code != 0 || !strings.Contains(r.stdout, "nothing changed") {
		t.Fatalf("add alice again: %+v", r)
	}

	r = run(t, "", "serve", "keys", "list", "--authorized-keys", file)
	want := regexp.MustCompile(`(?m)^USER\s+TYPE\s+FINGERPRINT\s+LINE\nalice\s+ssh-ed25519\s+` + regexp.QuoteMeta(afp) + `\s+1\nbob\s+ssh-ed25519\s+` +
		regexp.QuoteMeta(bfp) + `\s+2\ntriage\s+ssh-ed25519\s+` + regexp.QuoteMeta(afp) + `\s+3\n$`)
	if r.code != 0 || !want.MatchString(r.stdout) || r.stderr != "" {
		t.Fatalf("list: %+v", r)
	}

	r = run(t, "", "--json", "serve", "keys", "list", "--authorized-keys", file)
	var listed struct {
		Keys []struct{ User, Type, Fingerprint string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed.Keys) != 3 || listed.Keys[1].User != "bob" || listed.Keys[1].Fingerprint != bfp {
		t.Fatalf("list --json: %+v (%v)", r, err)
	}

	r = run(t, "", "serve", "keys", "remove", "alice", afp, "--authorized-keys", file)
	if r.code != 0 || !strings.Contains(r.stdout, "removed line 1: alice no longer logs in with ssh-ed25519 "+afp) {
		t.Fatalf("remove alice: %+v", r)
	}
	if r := run(t, "", "serve", "keys", "remove", "alice", "--authorized-keys", file); r.code != 1 || !strings.Contains(r.stderr, `no key logs in as "alice"`) {
		t.Fatalf("remove alice again: %+v", r)
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), " alice\n") || !strings.Contains(string(data), " triage\n") || !strings.Contains(string(data), " bob\n") {
		t.Fatalf("file after removing alice:\n%s", data)
	}
}

func TestServeKeysRefusesBadKeysAndNames(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "authorized_keys")
	pub := writePub(t, dir, "alice.pub", newSigner(t))
	priv := filepath.Join(dir, "id_ed25519")
	block, _ := gossh.MarshalPrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)), "")
	if err := os.WriteFile(priv, append([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), block.Bytes...), 0o600); err != nil {
		t.Fatal(err)
	}
	notKey := filepath.Join(dir, "notes.txt")
	os.WriteFile(notKey, []byte("hello\n"), 0o600)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"two words", pub}, "not a user name"},
		{[]string{"alice", priv}, "private key"},
		{[]string{"alice", notKey}, "not an OpenSSH public key"},
		{[]string{"alice", filepath.Join(dir, "missing.pub")}, "no such file"},
	} {
		r := run(t, "", append([]string{"serve", "keys", "add", "--authorized-keys", file}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("keys add %v: %+v, want a one-line error with %q", c.args, r, c.want)
		}
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a refused add wrote the file")
	}
	if r := run(t, "", "serve", "keys", "list", "--authorized-keys", file); r.code != 1 || !strings.Contains(r.stderr, "reviewq serve keys add USER KEY.pub creates it") {
		t.Fatalf("list without a file: %+v", r)
	}

	// Lines that let nobody in are shown as warnings.
	os.WriteFile(file, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"), 0o600)
	if r := run(t, "", "serve", "keys", "list", "--authorized-keys", file); r.code != 0 || !strings.Contains(r.stderr, "line 1 lets nobody in: no user name after the key") {
		t.Fatalf("list with a line without a user: %+v", r)
	}
}

// TestServeKeysAddLetsTheKeyInAsThatUserOnly writes the file with the
// command and logs in to a running desk with it.
func TestServeKeysAddLetsTheKeyInAsThatUserOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "authorized_keys")
	alice := newSigner(t)
	if r := run(t, "", "serve", "keys", "add", "alice", writePub(t, dir, "alice.pub", alice), "--authorized-keys", file); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	d := startServe(t, stream(t), "--ssh", "127.0.0.1:0", "--authorized-keys", file, "--host-key", filepath.Join(dir, "host"))
	addr := listenAddr(t, d.stderr)
	login := func(user string) error {
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(alice)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := login("alice"); err != nil {
		t.Fatalf("alice with her key: %v", err)
	}
	if err := login("bob"); err == nil {
		t.Fatal("alice's key logged in as bob")
	}
	d.stop(t)
}

var servingAt = regexp.MustCompile(`serving the console over SSH" addr=(\S+)`)

func listenAddr(t *testing.T, stderr *lockedBuffer) string {
	t.Helper()
	var addr string
	waitUntil(t, "the server to listen", func() bool {
		if m := servingAt.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	return addr
}
