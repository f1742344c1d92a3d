package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On the desk the key is the identity: the authorized-keys line names the
// user a key logs in as, and no other name gets in with it.

func TestAKeyLogsInOnlyAsTheUserItsLineNames(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	d := startDesk(t, Config{}, as(alice, "alice"), as(bob, "bob"))

	if c, err := dial(d.addr, "bob", keyAuth(alice)); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("alice's key as bob: %v", err)
	}
	if c, err := dial(d.addr, "Bob", keyAuth(bob)); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("bob's key as Bob: %v", err)
	}
	log := d.log.String()
	if !strings.Contains(log, `msg="refused key" user=bob`) || !strings.Contains(log, `reason="the key logs in as alice only"`) ||
		!strings.Contains(log, `msg="refused key" user=Bob`) || !strings.Contains(log, `reason="the key logs in as bob only"`) {
		t.Fatalf("the log does not say which user each refused key logs in as:\n%s", log)
	}

	// Each key still opens its own user's console.
	openTerm(t, d.addr, "alice", keyAuth(alice)).waitFor("q quit")
	openTerm(t, d.addr, "bob", keyAuth(bob)).waitFor("q quit")
}

func TestAKeyBoundToTwoNamesOpensBoth(t *testing.T) {
	shared := newKey(t)
	d := startDesk(t, Config{ConsumerPrefix: "desk:"}, as(shared, "alice", "triage"))
	d.add(t, "for-alice", "for-triage")

	ta := openTerm(t, d.addr, "alice", keyAuth(shared))
	ta.waitFor("desk:alice")
	ta.waitFor("q quit")
	ta.press("c")
	ta.waitFor("for-alice")
	tt := openTerm(t, d.addr, "triage", keyAuth(shared))
	tt.waitFor("desk:triage")
	tt.waitFor("q quit")
	tt.press("c")
	tt.waitFor("for-triage")
	if a, b := d.pending(t, "desk:alice"), d.pending(t, "desk:triage"); len(a) != 1 || len(b) != 1 {
		t.Fatalf("pending: alice %v, triage %v; want one each", a, b)
	}
	if c, err := dial(d.addr, "bob", keyAuth(shared)); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("the shared key as a third name: %v", err)
	}
}

func TestAnEditOfTheKeysFileTakesEffectAtTheNextLogin(t *testing.T) {
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeAuthorized(t, path, as(key, "bob"))
	d := startDesk(t, Config{AuthorizedKeys: path})

	c, err := dial(d.addr, "bob", keyAuth(key))
	if err != nil {
		t.Fatalf("bob before the edit: %v", err)
	}
	c.Close()

	// The same size, written in place at once: neither the size nor,
	// within the file system's clock tick, the modification time changes.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), " bob\n", " ann\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := dial(d.addr, "bob", keyAuth(key)); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("bob after his line was given to ann: %v", err)
	}
	c, err = dial(d.addr, "ann", keyAuth(key))
	if err != nil {
		t.Fatalf("ann after the edit, without a restart: %v", err)
	}
	c.Close()
}

func TestReadOnlyUsersAreMatchedExactly(t *testing.T) {
	key := newKey(t)
	d := startDesk(t, Config{ReadOnlyUsers: []string{"intern"}}, as(key, "intern", "Intern2"))

	ro := openTerm(t, d.addr, "intern", keyAuth(key))
	ro.waitFor("q quit")
	// A frame is written top down: the header's READ-ONLY comes before the
	// footer's "q quit" in the first frame.
	if s := ro.screen(); !strings.Contains(s[:strings.Index(s, "q quit")], "READ-ONLY") {
		t.Fatalf("intern's console reached its footer without READ-ONLY in the header:\n%s", s)
	}
	if c, err := dial(d.addr, "Intern", keyAuth(key)); !refused(err) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Intern, whom no line names, with intern's key: %v", err)
	}
	full := openTerm(t, d.addr, "Intern2", keyAuth(key))
	full.waitFor("q quit") // the header above it is drawn: READ-ONLY would be there, as for intern
	if strings.Contains(full.screen(), "READ-ONLY") {
		t.Fatal("a user not on the read-only list got a read-only console")
	}
}

func TestReadOnlyNamesThatDifferOnlyInCaseAreWarnedAbout(t *testing.T) {
	key := newKey(t)
	d := startDesk(t, Config{ReadOnlyUsers: []string{"intern", "ghost"}}, as(key, "Intern"))
	log := d.log.String()
	if !strings.Contains(log, "differs only in case") || !strings.Contains(log, "read_only_user=intern authorized_users=[Intern]") {
		t.Fatalf("no warning that intern is not Intern:\n%s", log)
	}
	if !strings.Contains(log, `"no key in the authorized-keys file logs in as this read-only user" read_only_user=ghost`) {
		t.Fatalf("no warning about a read-only user nobody logs in as:\n%s", log)
	}
}
