package termtext

import (
	"strconv"
	"strings"
)

// Thousands writes n with a comma every three digits: 1,234,567, -1,234.
// The sign is taken off the text, not the number: math.MinInt64 has no
// positive counterpart to negate into.
func Thousands(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	head := len(digits) % 3
	if head == 0 {
		head = 3
	}
	var b strings.Builder
	b.WriteString(sign)
	b.WriteString(digits[:head])
	for i := head; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Plural is n, in thousands, and the noun that agrees with it: "1 entry",
// "0 entries", "1,200 entries".
func Plural(n int64, one, many string) string {
	if n == 1 {
		return Thousands(n) + " " + one
	}
	return Thousands(n) + " " + many
}
