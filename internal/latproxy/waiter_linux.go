package latproxy

import (
	"syscall"
	"time"
)

// sleepMargin is how long before a chunk is due the writer stops sleeping
// and spins on the clock instead. A Go timer cannot serve: with nothing
// else to run, the runtime waits for timers in epoll with a timeout in
// whole milliseconds, so a 250 µs sleep took 1.08 ms here. nanosleep uses
// the kernel's high-resolution timer, which woke 60–100 µs late on this
// machine (the default 50 µs timer slack plus the wake-up), so the margin
// covers that and the spin makes the rest exact to about a microsecond
// while burning only the margin's CPU, not the whole delay's.
const sleepMargin = 120 * time.Microsecond

// sleep blocks the calling thread for about d; waking early (a signal) is
// fine, waitUntil sleeps again.
func sleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil)
}
