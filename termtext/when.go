package termtext

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reviewq/reviewq/queue"
)

// ParseWhen reads when something should happen, as a person types it: a
// duration from now ("10m", "1h30m", "in 2h", "3d"), a clock time today
// ("14:00"), "tomorrow" with a clock time ("tomorrow 09:00"; alone, 09:00),
// or a date and time in the forms ParseTime reads. Clock times and dates
// without a zone are read in loc (nil: the local zone), the zone times are
// shown in. A time that is not after now is an error: it says so, rather
// than guessing another day.
func ParseWhen(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	in := strings.ToLower(strings.Join(strings.Fields(s), " "))
	in = strings.TrimPrefix(in, "in ")
	// The forms, with a date to come as the example of a date: one in the
	// past would read as the mistake it warns against.
	forms := "10m, 2h, 14:00, tomorrow 09:00 or " + now.In(loc).AddDate(0, 0, 7).Format("2006-01-02") + " 09:00"
	var t time.Time
	clockToday := false
	switch {
	case in == "":
		return time.Time{}, fmt.Errorf("no time given: use %s", forms)
	case isDays(in):
		n, _ := strconv.Atoi(strings.TrimSuffix(in, "d"))
		t = now.Add(time.Duration(n) * 24 * time.Hour)
	case isDuration(in):
		d, _ := time.ParseDuration(in)
		t = now.Add(d)
	case in == "tomorrow" || strings.HasPrefix(in, "tomorrow "):
		clock := strings.TrimSpace(strings.TrimPrefix(in, "tomorrow"))
		if clock == "" {
			clock = "09:00"
		}
		h, m, ok := parseClock(clock)
		if !ok {
			return time.Time{}, fmt.Errorf("%q: write tomorrow 09:00", s)
		}
		day := now.In(loc).AddDate(0, 0, 1)
		t = time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
	default:
		if h, m, ok := parseClock(in); ok {
			day := now.In(loc)
			t = time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
			clockToday = true
			break
		}
		var err error
		if t, err = ParseTime(s, loc); err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time or a duration: use %s", strings.TrimSpace(s), forms)
		}
	}
	if !t.After(now) {
		if clockToday {
			return time.Time{}, fmt.Errorf("%s is in the past: for that time tomorrow, write tomorrow %s", Time(t, loc), in)
		}
		return time.Time{}, fmt.Errorf("%s is in the past", Time(t, loc))
	}
	return t, nil
}

func isDays(s string) bool {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	return strings.HasSuffix(s, "d") && err == nil && n > 0 && n <= 3650
}

func isDuration(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil
}

// parseClock reads "14:00" or "9:30".
func parseClock(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(s, ":")
	if !found || len(ms) != 2 || len(hs) < 1 || len(hs) > 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// Span writes a duration short, as in "retry in 1m": 45s, 1m, 1m30s, 2h,
// 2h05m, 3d; a negative one as 0s.
func Span(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour && d%time.Minute == 0:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour && d%time.Hour < time.Minute:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// Clock writes t for "until 14:00": the time of day when t is today in loc,
// with the weekday within the week ahead ("Tue 09:00"), else the date too
// ("2026-12-24 09:00").
func Clock(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	t, now = t.In(loc), now.In(loc)
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return t.Format("15:04")
	case t.After(now) && t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// WaitState says how a message waits, as Stream, Pending and range show
// it: "snoozed · alice · until 14:00", "waiting · retry in 1m",
// "scheduled · in 10m"; "due" once its time has come (it is added to the
// stream by the next claim, or within seconds by reviewq serve or a
// console).
func WaitState(w queue.Wait, now time.Time, loc *time.Location) string {
	left := w.Until.Sub(now)
	in := "in " + Span(left)
	if left <= 0 {
		in = "due"
	}
	switch w.Kind {
	case queue.WaitSnoozed:
		return "snoozed · " + Line(w.By, 20) + " · until " + Clock(w.Until, now, loc)
	case queue.WaitBackoff:
		if left <= 0 {
			return "waiting · retry due"
		}
		return "waiting · retry " + in
	}
	return string(w.Kind) + " · " + in
}
