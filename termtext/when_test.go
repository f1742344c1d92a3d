package termtext

import (
	"strings"
	"testing"
	"time"

	"github.com/reviewq/reviewq/queue"
)

func TestParseWhen(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	// 10:30 in Berlin on a Monday.
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"10m", now.Add(10 * time.Minute)},
		{" in 1h30m ", now.Add(90 * time.Minute)},
		{"3d", now.Add(72 * time.Hour)},
		{"14:00", time.Date(2026, 11, 23, 14, 0, 0, 0, berlin)},
		{"tomorrow 09:00", time.Date(2026, 11, 24, 9, 0, 0, 0, berlin)},
		{"Tomorrow", time.Date(2026, 11, 24, 9, 0, 0, 0, berlin)},
		{"2026-11-24 08:15", time.Date(2026, 11, 24, 8, 15, 0, 0, berlin)},
		{"2026-11-24T08:15:00Z", time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC)},
	} {
		got, err := ParseWhen(c.in, now, berlin)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"09:00", "2026-11-23 09:00:00 CET is in the past: for that time tomorrow, write tomorrow 09:00"},
		{"soon", "2026-11-30 09:00"}, // the example date is one to come
		{"-5m", "is in the past"},
		{"2026-11-22", "is in the past"},
		{"soon", `"soon" is not a time or a duration`},
		{"tomorrow 25:00", "write tomorrow 09:00"},
		{"", "no time given"},
	} {
		if _, err := ParseWhen(c.in, now, berlin); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseWhen(%q): %v, want an error saying %q", c.in, err, c.want)
		}
	}
}

func TestWaitState(t *testing.T) {
	now := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		w    queue.Wait
		want string
	}{
		{queue.Wait{Kind: queue.WaitSnoozed, By: "alice", Until: now.Add(time.Hour)}, "snoozed · alice · until 14:00"},
		{queue.Wait{Kind: queue.WaitSnoozed, By: "alice", Until: now.Add(20 * time.Hour)}, "snoozed · alice · until Tue 09:00"},
		{queue.Wait{Kind: queue.WaitBackoff, By: "bob", Until: now.Add(time.Minute)}, "waiting · retry in 1m"},
		{queue.Wait{Kind: queue.WaitBackoff, By: "bob", Until: now.Add(-time.Second)}, "waiting · retry due"},
		{queue.Wait{Kind: queue.WaitScheduled, Until: now.Add(10 * time.Minute)}, "scheduled · in 10m"},
		{queue.Wait{Kind: queue.WaitScheduled, Until: now.Add(90 * time.Second)}, "scheduled · in 1m30s"},
	} {
		if got := WaitState(c.w, now, time.UTC); got != c.want {
			t.Errorf("WaitState(%+v) = %q, want %q", c.w, got, c.want)
		}
	}
}
