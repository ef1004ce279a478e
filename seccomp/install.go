package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Install loads the filter into the kernel for the calling thread (all
// threads with SECCOMP_FILTER_FLAG_TSYNC). It is a single seccomp(2) call;
// no_new_privs must already be set or the caller must have CAP_SYS_ADMIN.
// Call it with runtime.LockOSThread held and execve from the same thread.
//
// When the program uses SCMP_ACT_NOTIFY it returns the listener fd
// (O_CLOEXEC, owned by the caller); otherwise it returns -1.
func (p *Program) Install() (int, error) {
	insns, err := p.Instructions()
	if err != nil {
		return -1, err
	}
	if len(insns) > bpfMaxInsns {
		return -1, fmt.Errorf("seccomp: filter has %d instructions, the kernel allows %d", len(insns), bpfMaxInsns)
	}
	fprog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		uintptr(p.Flags), uintptr(unsafe.Pointer(&fprog)))
	if errno == unix.ENOSYS && p.Flags == 0 {
		// Kernels before 3.17 only have the prctl interface.
		_, _, errno = unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_SECCOMP,
			unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0, 0)
		r = 0
	}
	runtime.KeepAlive(insns)
	switch {
	case errno == unix.EACCES:
		return -1, errors.New("seccomp: loading filter: permission denied (no_new_privs not set and no CAP_SYS_ADMIN)")
	case errno == unix.ESRCH && p.Flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0:
		return -1, errors.New("seccomp: loading filter: SECCOMP_FILTER_FLAG_TSYNC: another thread has a diverging filter")
	case errno != 0:
		return -1, fmt.Errorf("seccomp: loading filter (flags %#x): %w", p.Flags, errno)
	}
	if p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		return int(r), nil
	}
	// Plain TSYNC reports a thread it could not synchronise as a positive
	// return value, not as an error.
	if r != 0 {
		return -1, fmt.Errorf("seccomp: loading filter: SECCOMP_FILTER_FLAG_TSYNC failed for thread %d", r)
	}
	return -1, nil
}
