package testserver

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel stop the server when the test process ends
// without stopping it (a test binary killed at its -timeout, or by ctrl+c),
// so no server outlives its tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
