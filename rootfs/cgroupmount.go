package rootfs

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/brigrt/brig/spec"
	"golang.org/x/sys/unix"
)

// mountCgroup shows the container only its own cgroup: on cgroup v2 the
// container's cgroup directory is bound at dest; on v1 a tmpfs at dest
// holds one bind per hierarchy. Binding (rather than mounting a new
// cgroupfs) works before the init has entered its cgroup namespace, and
// never exposes the host's hierarchy.
func mountCgroup(root *os.File, c *Config, dest string, o spec.MountOptions) error {
	set, _ := attrs(o)
	if dir, ok := c.CgroupPaths[""]; ok && len(c.CgroupPaths) == 1 {
		return bindHostDir(root, dir, dest, set)
	}
	tmpfs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("mount %s (cgroup): %w", dest, err)
	}
	defer unix.Close(tmpfs)
	if err := unix.FsconfigSetString(tmpfs, "mode", "755"); err != nil {
		return fmt.Errorf("mount %s (cgroup): %w", dest, err)
	}
	if err := unix.FsconfigCreate(tmpfs); err != nil {
		return fmt.Errorf("mount %s (cgroup): %w", dest, err)
	}
	tree, err := unix.Fsmount(tmpfs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return fmt.Errorf("mount %s (cgroup): %w", dest, err)
	}
	defer unix.Close(tree)
	if err := attach(root, tree, dest, "tmpfs", spec.MountOptions{}); err != nil {
		return fmt.Errorf("mount %s (cgroup): %w", dest, err)
	}
	keys := make([]string, 0, len(c.CgroupPaths))
	for k := range c.CgroupPaths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	done := map[string]bool{}
	for _, k := range keys {
		dir := c.CgroupPaths[k]
		name := hierarchyName(dir, k)
		if name == "" || done[name] {
			continue
		}
		done[name] = true
		if err := bindHostDir(root, dir, path.Join(dest, name), set); err != nil {
			return err
		}
	}
	if set&unix.MOUNT_ATTR_RDONLY != 0 {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr); err != nil {
			return fmt.Errorf("mount %s (cgroup): read-only: %w", dest, err)
		}
	}
	return nil
}

// hierarchyName is the directory a v1 hierarchy is mounted at below
// /sys/fs/cgroup ("cpu,cpuacct", "memory", "systemd", "unified").
func hierarchyName(dir, key string) string {
	if rest, ok := strings.CutPrefix(dir, "/sys/fs/cgroup/"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			return rest[:i]
		}
		return rest
	}
	return strings.TrimPrefix(key, "name=")
}

func bindHostDir(root *os.File, hostDir, dest string, set uint64) error {
	tree, err := unix.OpenTree(unix.AT_FDCWD, hostDir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("mount %s (cgroup %s): %w", dest, hostDir, err)
	}
	defer unix.Close(tree)
	if set != 0 {
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: set}); err != nil {
			return fmt.Errorf("mount %s (cgroup %s): %w", dest, hostDir, err)
		}
	}
	if err := attach(root, tree, dest, "bind", spec.MountOptions{}); err != nil {
		return fmt.Errorf("mount %s (cgroup %s): %w", dest, hostDir, err)
	}
	return nil
}
