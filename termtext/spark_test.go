package termtext

import (
	"testing"
	"time"
)

func TestSparkline(t *testing.T) {
	for _, c := range []struct {
		counts []int64
		top    int64
		want   string
	}{
		{[]int64{0, 1, 2, 3, 4, 5, 6, 7, 8}, 0, " ▁▂▃▄▅▆▇█"},
		{[]int64{0, 1, 16}, 0, " ▁█"},
		{[]int64{1, 2}, 8, "▁▂"},  // a shared scale: small counts stay small
		{[]int64{9}, 8, "█"},      // over the scale: the top bar, not a panic
		{[]int64{0, 0}, 0, "  "},  // nothing at all
		{[]int64{-3, 2}, 0, " █"}, // nonsense counts are zero
	} {
		if got := Sparkline(c.counts, c.top); got != c.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", c.counts, c.top, got, c.want)
		}
	}
}

func TestAgoShort(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 12 * time.Second: "12s", 4*time.Minute + 59*time.Second: "4m",
		2*time.Hour + 5*time.Minute: "2h", 47 * time.Hour: "47h", 72 * time.Hour: "3d",
	} {
		if got := AgoShort(d); got != want {
			t.Errorf("AgoShort(%v) = %q, want %q", d, got, want)
		}
	}
}
