package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/brigrt/brig/spec"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// prepareRoot stops mount events from leaking back to the host, then makes
// the rootfs a mount point of its own (pivot_root needs one).
func prepareRoot(c *Config) error {
	prop := ""
	if c.Spec.Linux != nil {
		prop = c.Spec.Linux.RootfsPropagation
	}
	flags := uintptr(unix.MS_SLAVE | unix.MS_REC) // runc's default
	if prop != "" {
		var ok bool
		if flags, ok = spec.PropagationFlag(prop); !ok {
			return fmt.Errorf("linux.rootfsPropagation: unknown value %q", prop)
		}
	}
	// Nothing mounted from here on may propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / rslave: %w", err)
	}
	// pivot_root refuses a shared parent mount: make the mount that holds
	// the rootfs private (in this namespace only), then bind the rootfs
	// onto itself. The bind keeps the propagation chosen above, so with
	// rslave the host's later mounts under the rootfs still reach it.
	parent, err := mountOf(c.Rootfs)
	if err != nil {
		return err
	}
	if strings.Contains(parent.Optional, "shared:") {
		if err := unix.Mount("", parent.Mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make %s (parent of the rootfs) private: %w", parent.Mountpoint, err)
		}
	}
	if err := unix.Mount(c.Rootfs, c.Rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s: %w", c.Rootfs, err)
	}
	// rootfsPropagation is the propagation of the container's root mount.
	// Shared and unbindable wait until after pivot_root (rootPropagation):
	// the host must not see the container's mounts being made, and the
	// bind above needed a bindable source.
	if prop != "" && flags&(unix.MS_SHARED|unix.MS_UNBINDABLE) == 0 {
		if err := unix.Mount("", c.Rootfs, "", flags, ""); err != nil {
			return fmt.Errorf("linux.rootfsPropagation %s: %w", prop, err)
		}
	}
	return nil
}

// mountOf returns the (topmost) mount that contains path.
func mountOf(path string) (*mountinfo.Info, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.ParentsFilter(path))
	if err != nil || len(mounts) == 0 {
		return nil, fmt.Errorf("find the mount of %s: %v", path, err)
	}
	best := mounts[0]
	for _, m := range mounts[1:] {
		// Longest mount point; among equals the last one listed is on top.
		if len(m.Mountpoint) >= len(best.Mountpoint) {
			best = m
		}
	}
	return best, nil
}

// rootPropagation applies what prepareRoot had to postpone: shared (the
// host must not see the container's mounts before pivot_root) and
// unbindable (the rootfs bind needs a bindable source).
func rootPropagation(prop string) error {
	flags, _ := spec.PropagationFlag(prop)
	if flags&(unix.MS_SHARED|unix.MS_UNBINDABLE) == 0 {
		return nil
	}
	if err := unix.Mount("", "/", "", flags, ""); err != nil {
		return fmt.Errorf("linux.rootfsPropagation %s: %w", prop, err)
	}
	return nil
}

// refuseSymlink fails if root/name is a symlink: procfs and sysfs writes
// must never be redirected (CVE-2019-16884 class).
func refuseSymlink(root *os.File, name string) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(root.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rootfs /%s: %w", name, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return fmt.Errorf("rootfs /%s is a symlink: refusing to mount over it", name)
	}
	return nil
}

// enterRoot makes root the process's "/" with pivot_root, and detaches the
// old root so no host path stays reachable; noPivot uses MS_MOVE + chroot
// for roots on ramfs/initramfs, where pivot_root is impossible.
func enterRoot(root *os.File, noPivot bool) error {
	oldRoot, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer oldRoot.Close()
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return fmt.Errorf("enter rootfs: %w", err)
	}
	if noPivot {
		if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move rootfs to /: %w", err)
		}
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot: %w", err)
		}
		return unix.Chdir("/")
	}
	// pivot_root(".", ".") stacks the old root on top of the new one; the
	// detach below removes it without needing a directory for it.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	// Events from the old root must not reach the host's mounts. "." is
	// the new root here; step onto the old one, stacked above it.
	if err := unix.Fchdir(int(oldRoot.Fd())); err != nil {
		return fmt.Errorf("enter old root: %w", err)
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return unix.Chdir("/")
}

func cleanDest(p string) string { return path.Clean("/" + p) }
