package spec

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capNames is indexed by capability number (linux/capability.h). The
// kernel numbering is ABI, so a static table is safe; newer kernels only
// append.
var capNames = [...]string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// CapabilityNames returns every capability name brig knows, ordered by
// capability number (index i is capability i).
func CapabilityNames() []string {
	out := make([]string, len(capNames))
	copy(out, capNames[:])
	return out
}

// CapabilityValue maps a name such as "CAP_KILL" to its number. Names are
// matched exactly (upper case, with the CAP_ prefix), as runc does.
func CapabilityValue(name string) (int, bool) {
	for i, n := range capNames {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

// CapabilityName maps a capability number to its name.
func CapabilityName(v int) (string, bool) {
	if v < 0 || v >= len(capNames) {
		return "", false
	}
	return capNames[v], true
}

// LastCap returns the highest capability number the running kernel
// supports, from /proc/sys/kernel/cap_last_cap.
func LastCap() (int, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("read cap_last_cap: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("parse cap_last_cap: %w", err)
	}
	return n, nil
}

// KernelCapabilityNames returns the names of the capabilities the running
// kernel supports (numbers 0..LastCap that brig has a name for).
func KernelCapabilityNames() ([]string, error) {
	last, err := LastCap()
	if err != nil {
		return nil, err
	}
	if last >= len(capNames) {
		last = len(capNames) - 1
	}
	if last < 0 {
		return []string{}, nil
	}
	return CapabilityNames()[:last+1], nil
}
