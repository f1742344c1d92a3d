package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func pubFile(k gossh.Signer, comment string) []byte {
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
	if comment != "" {
		line += " " + comment
	}
	return []byte(line + "\n")
}

func TestAddKeyBindingAppendsALineTheDeskReads(t *testing.T) {
	alice := newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	key, err := ParsePublicKey(pubFile(alice, "alice@laptop"))
	if err != nil {
		t.Fatal(err)
	}

	b, added, err := AddKeyBinding(path, "alice", key)
	if err != nil || !added {
		t.Fatalf("add to a missing file: added=%v err=%v", added, err)
	}
	if b.User != "alice" || b.Type != gossh.KeyAlgoED25519 || b.Fingerprint != gossh.FingerprintSHA256(alice.PublicKey()) || b.Line != 1 {
		t.Fatalf("added %+v", b)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("a new file's mode: %v %v", st.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if want := authorizedLine(alice, "alice"); string(data) != want {
		t.Fatalf("file:\n%q\nwant\n%q", data, want)
	}

	// The same binding again adds nothing; a second user for the same key
	// adds a line, after a last line that had no newline.
	if _, added, err := AddKeyBinding(path, "alice", key); err != nil || added {
		t.Fatalf("the same binding again: added=%v err=%v", added, err)
	}
	if err := os.WriteFile(path, []byte("# reviewers\n"+strings.TrimSuffix(string(data), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if b, added, err := AddKeyBinding(path, "triage", key); err != nil || !added || b.Line != 3 {
		t.Fatalf("a second user: %+v added=%v err=%v", b, added, err)
	}
	data, _ = os.ReadFile(path)
	if want := "# reviewers\n" + authorizedLine(alice, "alice") + authorizedLine(alice, "triage"); string(data) != want {
		t.Fatalf("file:\n%q\nwant\n%q", data, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Fatalf("the file's mode changed to %v", st.Mode())
	}
	bound, skipped, err := ReadKeyBindings(path)
	if err != nil || len(bound) != 2 || len(skipped) != 0 || bound[0].User != "alice" || bound[1].User != "triage" {
		t.Fatalf("read back: %+v %v %v", bound, skipped, err)
	}
}

func TestAddKeyBindingRefusesBadKeysAndNames(t *testing.T) {
	alice := newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	key, err := ParsePublicKey(pubFile(alice, ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"", "two words", "tab\tname", strings.Repeat("x", 65), "evil\x1b[2J"} {
		if _, _, err := AddKeyBinding(path, user, key); err == nil || !strings.Contains(err.Error(), "not a user name") {
			t.Errorf("user %q: %v", user, err)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a refused add wrote the file")
	}

	priv, _ := os.ReadFile(writePrivateKey(t))
	for name, data := range map[string][]byte{
		"private key":  priv,
		"not a key":    []byte("hello\n"),
		"empty":        nil,
		"options":      append([]byte(`command="ls" `), pubFile(alice, "x")...),
		"two keys":     append(pubFile(alice, "a"), pubFile(newKey(t), "b")...),
		"only comment": []byte("# nothing\n"),
	} {
		if _, err := ParsePublicKey(data); err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "private key" && !strings.Contains(err.Error(), "private key") {
			t.Errorf("private key: %v", err)
		}
	}
}

func writePrivateKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if _, _, err := loadOrCreateHostKey(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRemoveKeyBindingsLeavesEveryOtherLineAsItWas(t *testing.T) {
	alice, alice2, bob := newKey(t), newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	content := "# the desk\n" + authorizedLine(alice, "alice") + "\n" + authorizedLine(bob, "bob") +
		"not a key, kept\n" + authorizedLine(alice2, "alice") + authorizedLine(alice, "triage")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	fp := gossh.FingerprintSHA256(alice2.PublicKey())
	removed, err := RemoveKeyBindings(path, "alice", strings.TrimPrefix(fp, "SHA256:"))
	if err != nil || len(removed) != 1 || removed[0].Fingerprint != fp || removed[0].Line != 6 {
		t.Fatalf("remove alice's second key: %+v %v", removed, err)
	}
	removed, err = RemoveKeyBindings(path, "alice", "")
	if err != nil || len(removed) != 1 || removed[0].Line != 2 {
		t.Fatalf("remove alice: %+v %v", removed, err)
	}
	data, _ := os.ReadFile(path)
	if want := "# the desk\n\n" + authorizedLine(bob, "bob") + "not a key, kept\n" + authorizedLine(alice, "triage"); string(data) != want {
		t.Fatalf("file:\n%q\nwant\n%q", data, want)
	}
	if _, err := RemoveKeyBindings(path, "alice", ""); err == nil || !strings.Contains(err.Error(), `no key logs in as "alice"`) {
		t.Fatalf("removing what is not there: %v", err)
	}
	if _, err := RemoveKeyBindings(path, "bob", fp); err == nil || !strings.Contains(err.Error(), fp) {
		t.Fatalf("removing bob's line by another key's fingerprint: %v", err)
	}
	if _, err := RemoveKeyBindings(path, "Triage", ""); err == nil {
		t.Fatal("user names matched without regard to case")
	}
}
