// Package form holds the contact message a support person composes: the
// Contact value, its validation rules, and the huh form that edits it.
//
// The rules are the web example's (every field trimmed and required, name at
// most 200 characters, email at most 320, message at most 10,000) plus an
// address check on the email. form knows nothing of Valkey.
package form

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits, counted in runes after trimming.
const (
	MaxName    = 200
	MaxEmail   = 320
	MaxMessage = 10000
)

// Field names as they appear in errors and as huh field keys.
const (
	FieldName    = "name"
	FieldEmail   = "email"
	FieldMessage = "message"
)

// Contact is one contact message as added to the stream.
type Contact struct {
	Name, Email, Message string
}

// Trimmed returns c with surrounding white space removed from every field.
func (c Contact) Trimmed() Contact {
	return Contact{
		Name:    strings.TrimSpace(c.Name),
		Email:   strings.TrimSpace(c.Email),
		Message: strings.TrimSpace(c.Message),
	}
}

// ValidationError reports one field that breaks a rule.
type ValidationError struct {
	Field string // FieldName, FieldEmail or FieldMessage
	Msg   string // e.g. "required", "not a valid address"
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks c against every rule and returns the first failure, in
// field order, as a *ValidationError, or nil.
func Validate(c Contact) error {
	if errs := ValidateAll(c); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// ValidateAll returns one *ValidationError per failing field, in field order
// (name, email, message), so a caller can report every problem at once.
// It returns nil when c is valid.
func ValidateAll(c Contact) []error {
	var errs []error
	for _, err := range []error{
		ValidateName(c.Name),
		ValidateEmail(c.Email),
		ValidateMessage(c.Message),
	} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// ValidateName checks a name: trimmed, required, at most MaxName runes.
func ValidateName(s string) error {
	return checkText(FieldName, s, MaxName)
}

// ValidateMessage checks a message: trimmed, required, at most MaxMessage runes.
func ValidateMessage(s string) error {
	return checkText(FieldMessage, s, MaxMessage)
}

// ValidateEmail checks an address: trimmed, required, at most MaxEmail runes,
// and a bare addr-spec (no display name, no angle brackets, no comments)
// with exactly one "@", a non-empty local part and a dotted domain.
func ValidateEmail(s string) error {
	if err := checkText(FieldEmail, s, MaxEmail); err != nil {
		return err
	}
	if !validAddress(strings.TrimSpace(s)) {
		return &ValidationError{Field: FieldEmail, Msg: "not a valid address"}
	}
	return nil
}

// checkText applies the rules shared by every field. It returns a nil error
// interface (not a typed nil) when s is fine.
func checkText(field, s string, limit int) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return &ValidationError{Field: field, Msg: "required"}
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return &ValidationError{
			Field: field,
			Msg:   fmt.Sprintf("too long (%d characters, at most %d)", n, limit),
		}
	}
	return nil
}

// validAddress reports whether s is a plain, already trimmed address.
func validAddress(s string) bool {
	if plainAddress(s) {
		return true
	}
	return parsedAddress(s)
}

// plainAddress reports, without allocating, whether s is an address of the
// common shape: ASCII, a local part of dot-separated runs of RFC 5322's
// atext, "@", and a domain of two or more dot-separated runs of letters,
// digits and hyphens. Every such s passes parsedAddress (TestPlainAddress
// and FuzzPlainAddress check that); false sends s there.
func plainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	dots := 0
	for part, allowed := range [2]func(byte) bool{atext, domainText} {
		run := s[:at]
		if part == 1 {
			run = s[at+1:]
		}
		prev := byte('.')
		for i := 0; i < len(run); i++ {
			b := run[i]
			if b == '.' {
				if prev == '.' {
					return false
				}
				dots += part
			} else if !allowed(b) {
				return false
			}
			prev = b
		}
		if prev == '.' {
			return false
		}
	}
	return dots > 0
}

// atext is RFC 5322's atext in ASCII: what a dot-atom's runs are made of.
func atext(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", b) >= 0
}

func domainText(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-'
}

// parsedAddress is validAddress's full check, with net/mail.
func parsedAddress(s string) bool {
	if strings.Count(s, "@") != 1 || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	local, domain, _ := strings.Cut(s, "@")
	return local != "" && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
