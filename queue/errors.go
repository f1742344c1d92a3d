package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Sentinel errors. Every error a Client returns wraps exactly one of these (or
// none, for programming errors), so a screen can show one plain line and a
// script can decide its exit code with errors.Is.
var (
	ErrUnreachable = errors.New("server unreachable")
	ErrAuth        = errors.New("authentication failed")
	ErrTLS         = errors.New("TLS handshake failed")
	ErrTimeout     = errors.New("server did not answer in time")
	ErrWrongType   = errors.New("key holds another type than a stream")
	ErrNoGroup     = errors.New("consumer group does not exist")
	ErrNotPending  = errors.New("not pending in the group")
	ErrNotFound    = errors.New("no such entry")
	ErrNotHeld     = errors.New("held by another consumer")
	// ErrLost says a message someone held is gone from the server itself:
	// the group or the entry vanished (a server restarted without
	// persistence, a FLUSHALL, a deletion). Nobody else took it; the cause
	// says which. The group has been created again, so claiming goes on.
	ErrLost      = errors.New("the server no longer has this message")
	ErrInvalidID = errors.New("not a stream ID")
	ErrEmpty     = errors.New("nothing left to redrive: the entry's content was lost")
	ErrServer    = errors.New("server error")
	// ErrBadReply says the server answered with something reviewq does
	// not read: a reply of another shape, type or tag than the command or
	// script gives (a script of another version, a proxy in between). The
	// cause says which part.
	ErrBadReply = errors.New("unexpected reply from the server")
	// ErrNotReplicated says an add reached the primary but fewer replicas
	// than Config.WaitReplicas confirmed it in time: the entry is there
	// (ReplicationError.ID) but a failover now could lose it. Retrying
	// with the same idempotency key adds nothing twice.
	ErrNotReplicated = errors.New("not yet on the replicas asked for")
)

// ReplicationError is the cause of ErrNotReplicated.
type ReplicationError struct {
	ID        string // the entry, on the primary
	Want      int64  // Config.WaitReplicas
	Confirmed int64  // replicas that confirmed it within Waited
	// Connected is how many replicas the primary has; -1 when it could
	// not be told.
	Connected int64
	Waited    time.Duration
	Cause     error // WAIT itself failed; nil when it answered
}

func (e *ReplicationError) Error() string {
	s := fmt.Sprintf("%s is on the primary but not yet on %s", e.ID, count(e.Want, "replica"))
	switch {
	case e.Cause != nil:
		return s + ": WAIT failed: " + oneLine(e.Cause.Error())
	case e.Connected == 0:
		return s + ": no replica is connected to the primary"
	case e.Connected > 0 && e.Connected < e.Want:
		return s + fmt.Sprintf(": only %s connected to the primary", count(e.Connected, "replica is", "replicas are"))
	}
	return s + fmt.Sprintf(" (%d confirmed within %s)", e.Confirmed, e.Waited)
}

// count writes "1 replica" or "2 replicas"; plural, when given, is the
// plural form.
func count(n int64, one string, plural ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(plural) > 0 {
		return fmt.Sprintf("%d %s", n, plural[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// Error is what every Client method returns on failure: the operation, the
// kind of failure (a sentinel above) and the underlying cause.
type Error struct {
	Op    string // "claim", "ack 1-0", …
	Kind  error  // one of the sentinels
	Cause error  // what the server or the network said; may be nil
}

func (e *Error) Error() string {
	if e.Cause == nil || e.Cause.Error() == e.Kind.Error() {
		return fmt.Sprintf("%s: %v", e.Op, e.Kind)
	}
	return fmt.Sprintf("%s: %v (%s)", e.Op, e.Kind, oneLine(e.Cause.Error()))
}

// Unwrap lets errors.Is match both the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// IsServerSide reports whether err is the server's or the network's fault
// rather than the caller's (exit code 2 rather than 1 in the commands).
func IsServerSide(err error) bool {
	for _, k := range []error{ErrUnreachable, ErrAuth, ErrTLS, ErrTimeout, ErrServer, ErrBadReply, ErrNotReplicated} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// Causes behind ErrLost.
var (
	errGroupGone   = errors.New("the consumer group was gone: the server restarted empty or was flushed; the group has been created again")
	errEntryGone   = errors.New("it is neither pending nor in the stream: the server restarted empty or was flushed, or the entry was deleted")
	errDeletedHeld = errors.New("it was deleted from the stream while held")
)

// isNoGroup reports whether err, classified or raw, means the group (or its
// stream) does not exist.
func isNoGroup(err error) bool {
	return err != nil && errors.Is(wrap("", err), ErrNoGroup)
}

func opError(op string, kind error, cause error) error {
	return &Error{Op: op, Kind: kind, Cause: cause}
}

// wrap classifies an error from valkey-go or the network into one of the
// sentinels. Already classified errors pass through.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var qe *Error
	if errors.As(err, &qe) {
		return err
	}
	return &Error{Op: op, Kind: classify(err), Cause: err}
}

func classify(err error) error {
	msg := err.Error()
	var verr *valkey.ValkeyError
	if errors.As(err, &verr) || strings.Contains(msg, "ERR Error running script") {
		switch {
		case strings.Contains(msg, "WRONGTYPE"):
			return ErrWrongType
		case strings.Contains(msg, "NOGROUP"),
			// XINFO on a missing key: the stream, and so the group, is gone.
			strings.Contains(msg, "no such key"):
			return ErrNoGroup
		case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "NOAUTH"),
			strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
			return ErrAuth
		case strings.Contains(msg, "Invalid stream ID"), strings.Contains(msg, "invalid stream ID"):
			return ErrInvalidID
		}
		return ErrServer
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, context.Canceled):
		return ErrTimeout
	case isTLSError(err):
		return ErrTLS
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "NOAUTH"):
		return ErrAuth
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed),
		errors.Is(err, valkey.ErrClosing), errors.Is(err, valkey.ErrNoAddr):
		return ErrUnreachable
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		if nerr.Timeout() {
			return ErrTimeout
		}
		return ErrUnreachable
	}
	var operr *net.OpError
	if errors.As(err, &operr) || strings.Contains(msg, "EOF") {
		return ErrUnreachable
	}
	return ErrServer
}

func isTLSError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		recordHeader     tls.RecordHeaderError
		alert            tls.AlertError
		verify           *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &recordHeader) ||
		errors.As(err, &alert) || errors.As(err, &verify) ||
		strings.Contains(err.Error(), "tls: ")
}

// oneLine keeps a server message to one line so it fits a status bar.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}
