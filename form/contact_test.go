package form

import (
	"errors"
	"strings"
	"testing"
)

func TestTrimmed(t *testing.T) {
	got := Contact{Name: " a\t", Email: "\nb@c.co ", Message: "  hi\n there \n"}.Trimmed()
	want := Contact{Name: "a", Email: "b@c.co", Message: "hi\n there"}
	if got != want {
		t.Errorf("Trimmed = %+v, want %+v", got, want)
	}
}

func TestValidate(t *testing.T) {
	ok := Contact{Name: "Ana", Email: "ana@example.org", Message: "Hello"}
	with := func(f func(*Contact)) Contact { c := ok; f(&c); return c }

	tests := []struct {
		name  string
		c     Contact
		field string // "" when valid
		msg   string
	}{
		{"valid", ok, "", ""},
		{"valid surrounding space", Contact{" Ana ", " ana@example.org\n", "\tHello "}, "", ""},
		{"empty name", with(func(c *Contact) { c.Name = "" }), FieldName, "required"},
		{"blank name", with(func(c *Contact) { c.Name = " \t\n " }), FieldName, "required"},
		{"empty email", with(func(c *Contact) { c.Email = "" }), FieldEmail, "required"},
		{"blank email", with(func(c *Contact) { c.Email = "   " }), FieldEmail, "required"},
		{"empty message", with(func(c *Contact) { c.Message = "" }), FieldMessage, "required"},
		{"blank message", with(func(c *Contact) { c.Message = "\n\n  " }), FieldMessage, "required"},
		{"all empty reports name first", Contact{}, FieldName, "required"},

		{"name 200", with(func(c *Contact) { c.Name = strings.Repeat("a", 200) }), "", ""},
		{"name 201", with(func(c *Contact) { c.Name = strings.Repeat("a", 201) }), FieldName, "too long (201 characters, at most 200)"},
		{"name 200 multibyte", with(func(c *Contact) { c.Name = strings.Repeat("é", 200) }), "", ""},
		{"name 200 CJK", with(func(c *Contact) { c.Name = strings.Repeat("日", 200) }), "", ""},
		{"name 201 multibyte", with(func(c *Contact) { c.Name = strings.Repeat("日", 201) }), FieldName, "too long (201 characters, at most 200)"},
		{"name 200 plus spaces", with(func(c *Contact) { c.Name = "  " + strings.Repeat("a", 200) + "  " }), "", ""},
		{"message 10000", with(func(c *Contact) { c.Message = strings.Repeat("ü", 10000) }), "", ""},
		{"message 10001", with(func(c *Contact) { c.Message = strings.Repeat("ü", 10001) }), FieldMessage, "too long (10001 characters, at most 10000)"},
		{"email 320", with(func(c *Contact) { c.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 251) + ".org" }), "", ""},
		{"email 321", with(func(c *Contact) { c.Email = strings.Repeat("a", 65) + "@" + strings.Repeat("b", 251) + ".org" }), FieldEmail, "too long (321 characters, at most 320)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.c)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v (%T), want *ValidationError", err, err)
			}
			if ve.Field != tt.field || ve.Msg != tt.msg {
				t.Errorf("Validate = %q/%q, want %q/%q", ve.Field, ve.Msg, tt.field, tt.msg)
			}
			if want := tt.field + ": " + tt.msg; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	valid := []string{
		"a@b.co",
		"first.last+tag@sub.example.org",
		"o'brien@example.ie",
		"user_name-1@xn--bcher-kva.example",
		"  a@b.co  ",
		"a@b.co\n", // trimmed first, like every field
	}
	invalid := []string{
		"a@b",
		"@b.co",
		"a@",
		"a b@c.co",
		"a@b c.co",
		"Bob <b@c.co>",
		"<b@c.co>",
		"b@c.co (Bob)",
		`"a b"@c.co`,
		"a@@b.co",
		"a@b@c.co",
		"a@b.co\nx",
		"a\n@b.co",
		"a@b.co\x00",
		"a@.b.co",
		"a@b.co.",
		"a@b..co",
		".a@b.co",
		"a..b@c.co",
		"a@b.co,c@d.co",
		"plainaddress",
	}
	for _, s := range valid {
		if err := ValidateEmail(s); err != nil {
			t.Errorf("ValidateEmail(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range invalid {
		err := ValidateEmail(s)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != FieldEmail || ve.Msg != "not a valid address" {
			t.Errorf("ValidateEmail(%q) = %v, want %q", s, err, "email: not a valid address")
		}
	}
}

func TestValidateAll(t *testing.T) {
	if errs := ValidateAll(Contact{Name: "a", Email: "a@b.co", Message: "m"}); errs != nil {
		t.Fatalf("ValidateAll(valid) = %v, want nil", errs)
	}
	errs := ValidateAll(Contact{Name: "", Email: "nope", Message: strings.Repeat("x", MaxMessage+1)})
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	want := []string{
		"name: required",
		"email: not a valid address",
		"message: too long (10001 characters, at most 10000)",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("ValidateAll =\n%q\nwant\n%q", got, want)
	}
}

func TestFieldValidatorsReturnUntypedNil(t *testing.T) {
	for _, err := range []error{ValidateName("a"), ValidateEmail("a@b.co"), ValidateMessage("m")} {
		if err != nil {
			t.Errorf("got %#v, want untyped nil", err)
		}
	}
}

// The allocation-free check accepts only what the full check accepts.
func TestPlainAddress(t *testing.T) {
	for _, s := range []string{
		"a@b.co", "first.last+tag@sub.example.org", "o'brien@example.ie", "user_name-1@xn--bcher-kva.example",
		"a@b", "@b.co", "a@", "a@b..co", ".a@b.co", "a.@b.co", "a@.b.co", "a@b.co.", "a..b@c.co", "a@b@c.co",
		"{x}|~@b-.c", "a@-b.c", "a@b_c.d", "A@B.CO", "a/b=c?d@e.f", "é@b.co", "a@b.c1", "a@1.2",
	} {
		if plainAddress(s) && !parsedAddress(s) {
			t.Errorf("plainAddress(%q) is true, parsedAddress false", s)
		}
	}
	for _, s := range []string{"a@b.co", "first.last+tag@sub.example.org", "ada@example.org"} {
		if !plainAddress(s) {
			t.Errorf("plainAddress(%q) = false, want the fast path", s)
		}
	}
	if n := testing.AllocsPerRun(100, func() { validAddress("ada.lovelace@example.org") }); n != 0 {
		t.Errorf("validAddress allocates %v times", n)
	}
}

func FuzzPlainAddress(f *testing.F) {
	for _, s := range []string{"a@b.co", "x.y+z@q-r.s", "a@b", "!#$%&'*+-/=?^_`{|}~@a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainAddress(s) && !parsedAddress(s) {
			t.Errorf("plainAddress(%q) is true, parsedAddress false", s)
		}
	})
}
