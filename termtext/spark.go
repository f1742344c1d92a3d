package termtext

import (
	"fmt"
	"strings"
	"time"
)

// sparkBars are a sparkline's eight levels, lowest first.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws counts as one bar each, ▁ to █ scaled to top (the
// largest count when top is 0 or less); a blank is zero, so a quiet minute
// and a slow one look different.
func Sparkline(counts []int64, top int64) string {
	if top <= 0 {
		for _, n := range counts {
			top = max(top, n)
		}
	}
	var b strings.Builder
	b.Grow(len(counts) * 3)
	for _, n := range counts {
		if n <= 0 || top <= 0 {
			b.WriteByte(' ')
			continue
		}
		level := int(min((n*8+top-1)/top, 8)) - 1 // 0 (▁) … 7 (█, the largest)
		b.WriteRune(sparkBars[level])
	}
	return b.String()
}

// AgoShort writes a duration in its largest whole unit, for a cell of a
// list where the exact figure matters less than the width: 12s, 4m, 2h, 3d.
func AgoShort(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(max(d, 0).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
