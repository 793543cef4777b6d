package localrun

import "syscall"

// sysProcAttr puts a server in its own process group and has the kernel kill
// it if we die without stopping it (SIGKILL, a crashed test binary).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
