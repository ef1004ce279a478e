package cgroups

import (
	"golang.org/x/sys/unix"
)

// HostMode is the cgroup layout of the host.
type HostMode int

const (
	Legacy  HostMode = iota // v1 hierarchies only
	Hybrid                  // v1 hierarchies + controller-less cgroup2 at /sys/fs/cgroup/unified
	Unified                 // cgroup2 at /sys/fs/cgroup
)

func (m HostMode) String() string {
	return [...]string{"legacy", "hybrid", "unified"}[m]
}

// Mode detects the host layout with statfs (as runc does): /sys/fs/cgroup
// being cgroup2 means unified; /sys/fs/cgroup/unified being cgroup2 means
// hybrid. It is cheap, so it is not cached (no global state).
func Mode() HostMode {
	if isCgroup2("/sys/fs/cgroup") {
		return Unified
	}
	if isCgroup2("/sys/fs/cgroup/unified") {
		return Hybrid
	}
	return Legacy
}

// IsCgroup2UnifiedMode reports whether the host uses cgroup v2 only.
func IsCgroup2UnifiedMode() bool { return Mode() == Unified }

func isCgroup2(path string) bool {
	var st unix.Statfs_t
	for {
		err := unix.Statfs(path, &st)
		if err == unix.EINTR {
			continue
		}
		return err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
	}
}
