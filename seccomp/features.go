package seccomp

import (
	"unsafe"

	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"
)

// Features reports what Compile and Install support on this host: the
// actions the kernel has (SECCOMP_GET_ACTION_AVAIL), all operators, the
// architectures both libseccomp and the -ENOSYS stub know, and the flags
// the kernel accepts.
func Features() *features.Seccomp {
	enabled := true
	f := &features.Seccomp{Enabled: &enabled}
	for _, a := range actions {
		if actionAvailable(a.ret) {
			f.Actions = append(f.Actions, string(a.name))
		}
	}
	for _, o := range operators {
		f.Operators = append(f.Operators, string(o.name))
	}
	for _, a := range archs {
		if archUsable(a) {
			f.Archs = append(f.Archs, string(a.name))
		}
	}
	f.KnownFlags = []string{}
	f.SupportedFlags = []string{}
	for _, fl := range knownFlags {
		f.KnownFlags = append(f.KnownFlags, string(fl.name))
		if flagSupported(fl.bit) {
			f.SupportedFlags = append(f.SupportedFlags, string(fl.name))
		}
	}
	return f
}

// actionAvailable asks the kernel whether it knows a SECCOMP_RET_* action.
func actionAvailable(ret uint32) bool {
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0,
		uintptr(unsafe.Pointer(&ret)))
	return errno == 0
}

// flagSupported probes a SECCOMP_SET_MODE_FILTER flag without loading
// anything: the kernel checks the flags before it reads the (NULL) program,
// so EFAULT means "flag known", EINVAL "unknown".
func flagSupported(bit uint) bool {
	flags := bit
	// These are only valid together with a listener.
	if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV || bit == unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	if bit == unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH {
		flags |= unix.SECCOMP_FILTER_FLAG_TSYNC
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), 0)
	return errno == unix.EFAULT
}
