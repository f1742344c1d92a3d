package tui

import "time"

// IdleWarningMsg tells a session that it will be closed for inactivity in
// Left; the SSH desk sends it ahead of --idle-timeout. Left <= 0 withdraws
// the warning (a key was pressed).
type IdleWarningMsg struct{ Left time.Duration }
