//go:build !linux

package latproxy

import "time"

// sleepMargin: without nanosleep at hand the Go timer is the sleep, and it
// may wake a millisecond or more late, so the writer spins the last two.
const sleepMargin = 2 * time.Millisecond

func sleep(d time.Duration) { time.Sleep(d) }
