package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/reviewq/reviewq/queue"
	"github.com/reviewq/reviewq/termtext"
)

// retention is serve --retention's housekeeping: every few minutes the
// desk trims what reviewq trim --yes would, under the stream's trim lock,
// so that of several desks on one stream one at a time does it, and logs
// what it removed.
type retention struct {
	client      *queue.Client
	messages    time.Duration // --retention; 0 leaves the messages alone
	deadLetters time.Duration // --dead-retention; 0 leaves them alone
	every       time.Duration // from the end of one run to the start of the next
	lockTTL     time.Duration // renewed every third of it while a run goes on
	holder      string        // this desk, in the lock and the logs
	timeout     time.Duration // for the lock's release when the desk stops
	log         *slog.Logger
	now         func() time.Time
}

// Housekeeping's pace: often enough that a desk never holds much more than
// its retention, rarely enough to cost nothing.
const (
	retentionEvery   = 5 * time.Minute
	retentionLockTTL = time.Minute
)

// ageText writes a retention for the logs: 720h as 30d, 0 as "kept".
func ageText(d time.Duration) string {
	switch {
	case d == 0:
		return "kept"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return shortDuration(d)
}

// deskName names this desk in the trim lock: host and process.
func deskName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "desk"
	}
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// run trims at once, then every r.every until ctx ends.
func (r *retention) run(ctx context.Context) {
	r.log.Info("retention on: trimming every "+shortDuration(r.every), "messagesOlderThan", ageText(r.messages), "deadLettersOlderThan", ageText(r.deadLetters))
	for {
		r.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.every):
		}
	}
}

// once is one run: the lock taken (or left to the desk that has it), the
// trim, the lock released, and a line in the log.
func (r *retention) once(ctx context.Context) {
	lock, other, err := r.client.LockTrim(ctx, r.holder, r.lockTTL)
	switch {
	case err != nil:
		r.log.Warn("retention: cannot take the trim lock", "err", oneLine(err))
		return
	case lock == nil:
		holder, _, _ := strings.Cut(other, "/")
		r.log.Info("retention: another desk is trimming; next try later", "holder", holder)
		return
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.Background(), r.timeout)
		defer cancel()
		if err := lock.Release(rctx); err != nil {
			r.log.Warn("retention: cannot release the trim lock (it expires by itself)", "err", oneLine(err))
		}
	}()
	now := r.now()
	var q queue.TrimQuery
	if r.messages > 0 {
		q.Before = now.Add(-r.messages)
	}
	if r.deadLetters > 0 {
		q.DeadBefore = now.Add(-r.deadLetters)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	renewed, lost := time.Now(), false
	res, err := r.client.Trim(runCtx, q, func(queue.TrimProgress) {
		if time.Since(renewed) < r.lockTTL/3 {
			return
		}
		held, err := lock.Renew(runCtx)
		if err != nil || !held {
			lost = true
			stop()
			return
		}
		renewed = time.Now()
	})
	attrs := []any{"removed", res.Removed, "deadLettersRemoved", res.DeadRemoved}
	if !q.Before.IsZero() {
		attrs = append(attrs, "before", termtext.Time(q.Before, loc), "keptUndelivered", res.Kept.Undelivered,
			"keptPending", res.Kept.Pending, "keptReleased", res.Kept.Released, "keptWaiting", res.Kept.Waiting)
	}
	if !q.DeadBefore.IsZero() {
		attrs = append(attrs, "deadLettersBefore", termtext.Time(q.DeadBefore, loc))
	}
	switch {
	case lost:
		r.log.Warn("retention: lost the trim lock; stopped", attrs...)
	case err != nil && ctx.Err() != nil:
		r.log.Info("retention: stopped with the desk", attrs...)
	case err != nil:
		r.log.Warn("retention: trim failed", append(attrs, "err", oneLine(err))...)
	case res.Removed > 0 || res.DeadRemoved > 0:
		r.log.Info("retention: trimmed", attrs...)
	default:
		r.log.Debug("retention: nothing to trim", attrs...)
	}
}
