package tui

import "github.com/reviewq/reviewq/queue"

// Messages shared by the root and several screens. Each screen's own
// results (ClaimedMsg, PendingLoadedMsg…) live beside that screen's commands.

// ErrMsg is a failed server call: Op says which action, so the screen can
// say "ack failed: server unreachable" where the user is looking.
type ErrMsg struct {
	Op  string
	Err error
}

// StatsLoadedMsg refreshes the header.
type StatsLoadedMsg struct {
	Stats queue.Stats
	Err   error // the connection state: nil is connected
}

// statsTickMsg asks the root to refresh the header.
type statsTickMsg struct{}

// SwitchScreenMsg asks the root to show another screen (1-based).
type SwitchScreenMsg struct{ Screen int }

// VisibleMsg tells a screen it was brought to the front or sent behind
// another; only the two screens concerned receive it.
type VisibleMsg struct{ Visible bool }

// StatusMsg is a one-line note for the footer's status line.
type StatusMsg struct {
	Text  string
	Error bool
}
