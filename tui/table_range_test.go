package tui

import "testing"

// A marked range orders its ends as the stream does; ends that are not
// IDs mark nothing (they used to read as 0-0 and mark half the stream).
func TestTableRangeOrdersIDs(t *testing.T) {
	var tb table
	tb.setRange("9-0", "3-0")
	for id, want := range map[string]bool{"3-0": true, "5-0": true, "9-0": true, "10-0": false, "2-9": false, "not an ID": false} {
		if got := tb.inRange(id); got != want {
			t.Errorf("range 3-0 … 9-0: inRange(%q) = %v", id, got)
		}
	}
	tb.setRange("9-0", "yesterday")
	for _, id := range []string{"0-0", "5-0", "9-0", "yesterday"} {
		if tb.inRange(id) {
			t.Errorf("range 9-0 … yesterday: %q is in it", id)
		}
	}
}
