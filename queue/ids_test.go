package queue

import (
	"errors"
	"testing"
)

// CompareIDs is the one ID order: a bare millisecond is its first ID, and
// what is not an ID is an error, never a zero ID.
func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"5-1", "5-1", 0}, {"5", "5-0", 0}, {"0-0", "0", 0},
		{"5-1", "5-2", -1}, {"9-0", "10-0", -1}, {"5-" + max64, "6-0", -1},
		{max64 + "-" + max64, "0-0", 1}, {"10-0", "9-" + max64, 1},
	} {
		if got, err := CompareIDs(c.a, c.b); err != nil || got != c.want {
			t.Errorf("CompareIDs(%s, %s) = %d %v, want %d", c.a, c.b, got, err, c.want)
		}
	}
	for _, c := range [][2]string{{"yesterday", "5-0"}, {"5-0", ""}, {"5-x", "5-0"}, {"5-0", "18446744073709551616-0"}} {
		if _, err := CompareIDs(c[0], c[1]); !errors.Is(err, ErrInvalidID) {
			t.Errorf("CompareIDs(%q, %q): %v, want ErrInvalidID", c[0], c[1], err)
		}
	}
}
