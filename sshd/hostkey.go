package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey reads the host key, or creates an ed25519 one (0600)
// when the file does not exist, so clients see the same host key on every
// start. wish.WithHostKeyPath would do this too, but its key generator
// also chmods the key's directory to 0700, here the working directory.
func loadOrCreateHostKey(path string) (signer gossh.Signer, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("sshd: no host key file given")
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		signer, err = gossh.ParsePrivateKey(data)
		if err != nil {
			return nil, false, fmt.Errorf("sshd: host key %s: %w", path, err)
		}
		return signer, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("sshd: host key: %w", err)
	}

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("sshd: generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "reviewq host key")
	if err != nil {
		return nil, false, fmt.Errorf("sshd: generate host key: %w", err)
	}
	// O_EXCL: two servers started at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("sshd: create host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("sshd: write host key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("sshd: write host key: %w", err)
	}
	signer, err = gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, false, fmt.Errorf("sshd: host key: %w", err)
	}
	return signer, true, nil
}
