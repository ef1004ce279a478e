package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountAttrs maps per-mount MS_* flags to mount_setattr/fsmount attributes.
var mountAttrs = []struct {
	ms   uintptr
	attr uint64
}{
	{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
	{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
	{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
	{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// fsmountAttrs are the attributes fsmount(2) itself accepts; the others
// (nosymfollow) need a mount_setattr afterwards.
const fsmountAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
	unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME

// sbOptions are superblock flags that the new mount API takes as fsconfig keys.
var sbOptions = []struct {
	ms  uintptr
	key string
}{
	{unix.MS_SYNCHRONOUS, "sync"},
	{unix.MS_DIRSYNC, "dirsync"},
	{unix.MS_LAZYTIME, "lazytime"},
	{unix.MS_MANDLOCK, "mand"},
}

// attrs turns parsed options into (set, clear) attributes for the top mount.
func attrs(o spec.MountOptions) (set, clr uint64) {
	for _, a := range mountAttrs {
		if o.Flags&a.ms != 0 {
			set |= a.attr
		} else if o.ClearFlags&a.ms != 0 {
			clr |= a.attr
		}
	}
	switch {
	case o.Flags&unix.MS_NOATIME != 0:
		set, clr = set|unix.MOUNT_ATTR_NOATIME, clr|unix.MOUNT_ATTR__ATIME
	case o.Flags&unix.MS_STRICTATIME != 0:
		set, clr = set|unix.MOUNT_ATTR_STRICTATIME, clr|unix.MOUNT_ATTR__ATIME
	case o.Flags&unix.MS_RELATIME != 0:
		clr |= unix.MOUNT_ATTR__ATIME // relatime is the zero value of the atime field
	}
	return set, clr
}

func isBind(m *specs.Mount, o spec.MountOptions) bool {
	return o.Bind || m.Type == "bind"
}

// allowedProcMounts are the only files a mount may cover below /proc: the
// ones lxcfs provides (CVE-2019-19921: a volume over /proc/self/attr or
// /proc/sys would redirect the runtime's own procfs writes).
var allowedProcMounts = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true,
	"/proc/stat": true, "/proc/swaps": true, "/proc/uptime": true,
	"/proc/loadavg": true, "/proc/slabinfo": true, "/proc/net/dev": true,
	"/proc/sys/kernel/ns_last_pid": true,
}

// DetachedMount builds mount m (a bind, or a new filesystem) as a detached
// mount with its attributes, idmapped to the user namespace userns. The
// parent builds idmapped mounts this way: inside a container's user
// namespace the init lacks the privilege over the mapping's namespace and
// over the source filesystem that mount_setattr(MOUNT_ATTR_IDMAP) needs.
func DetachedMount(bundle string, m *specs.Mount, userns int) (int, error) {
	dest := cleanDest(m.Destination)
	o, err := spec.ParseMountOptions(m.Options)
	if err != nil {
		return -1, fmt.Errorf("mount %s: %w", dest, err)
	}
	c := &Config{Bundle: bundle}
	var tree int
	if isBind(m, o) {
		tree, err = bindTree(c, m, o)
	} else {
		tree, err = fsTree(m, o)
	}
	if err == nil {
		if err = idmapTree(tree, userns, o); err != nil {
			unix.Close(tree)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("mount %s (%s): %w", dest, mountKind(m, o), err)
	}
	return tree, nil
}

// mountOne makes one mount of config.json; prebuilt > 0 is the mount
// already built by the parent (DetachedMount).
func mountOne(root *os.File, c *Config, m *specs.Mount, prebuilt int) error {
	dest := cleanDest(m.Destination)
	o, err := spec.ParseMountOptions(m.Options)
	if err != nil {
		return fmt.Errorf("mount %s: %w", dest, err)
	}
	if strings.HasPrefix(dest, "/proc/") && !(m.Type == "proc" || allowedProcMounts[dest]) {
		return fmt.Errorf("mount %s: mounts under /proc are limited to procfs and %d lxcfs files", dest, len(allowedProcMounts))
	}
	if m.Type == "cgroup" || m.Type == "cgroup2" {
		return mountCgroup(root, c, dest, o)
	}
	var tree int
	switch {
	case prebuilt > 0:
		tree = prebuilt
	case isBind(m, o):
		tree, err = bindTree(c, m, o)
	default:
		tree, err = fsTree(m, o)
		if err != nil && m.Type == "sysfs" && c.UserNS && errors.Is(err, unix.EPERM) {
			// A new sysfs needs the network namespace's owner, which a
			// user namespace joined to a host-owned netns is not: bind the
			// host's /sys instead, as runc does.
			ro := o
			ro.Bind, ro.Rec = true, true
			tree, err = bindTree(c, &specs.Mount{Source: "/sys", Type: "bind"}, ro)
		}
	}
	if err != nil {
		return fmt.Errorf("mount %s (%s): %w", dest, mountKind(m, o), err)
	}
	defer unix.Close(tree)
	if o.TmpCopyUp {
		if err := tmpCopyUp(root, tree, dest, m); err != nil {
			return fmt.Errorf("mount %s (%s): tmpcopyup: %w", dest, mountKind(m, o), err)
		}
	}
	if prebuilt <= 0 && (o.IDMap || o.RIDMap) {
		return fmt.Errorf("mount %s: idmap: no user namespace for the mapping", dest)
	}
	if err := attach(root, tree, dest, m.Type, o); err != nil {
		return fmt.Errorf("mount %s (%s): %w", dest, mountKind(m, o), err)
	}
	return nil
}

func mountKind(m *specs.Mount, o spec.MountOptions) string {
	if isBind(m, o) {
		return "bind " + m.Source
	}
	return m.Type
}

// bindTree clones the source's mount (recursively for rbind) into a
// detached tree with the requested attributes.
func bindTree(c *Config, m *specs.Mount, o spec.MountOptions) (int, error) {
	src := m.Source
	if !filepath.IsAbs(src) {
		src = filepath.Join(c.Bundle, src)
	}
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if o.Rec {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, src, flags)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", src, err)
	}
	set, clr := attrs(o)
	if set != 0 || clr != 0 {
		// Like mount(8)'s remount step: these apply to the top mount only.
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: set, Attr_clr: clr}); err != nil {
			unix.Close(tree)
			return -1, fmt.Errorf("set mount attributes: %w", err)
		}
	}
	return tree, nil
}

// fsTree makes a new filesystem instance as a detached mount.
func fsTree(m *specs.Mount, o spec.MountOptions) (int, error) {
	if m.Type == "" {
		return -1, fmt.Errorf("type: required for a non-bind mount")
	}
	fs, err := unix.Fsopen(m.Type, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fs)
	if m.Source != "" {
		if err := unix.FsconfigSetString(fs, "source", m.Source); err != nil {
			return -1, fmt.Errorf("source %q: %w", m.Source, err)
		}
	}
	for _, sb := range sbOptions {
		if o.Flags&sb.ms != 0 {
			if err := unix.FsconfigSetFlag(fs, sb.key); err != nil {
				return -1, fmt.Errorf("option %s: %w", sb.key, err)
			}
		}
	}
	for _, d := range o.Data {
		k, v, hasVal := strings.Cut(d, "=")
		if hasVal {
			err = unix.FsconfigSetString(fs, k, v)
		} else {
			err = unix.FsconfigSetFlag(fs, k)
		}
		if err != nil {
			return -1, fmt.Errorf("option %s: %w", d, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("create %s superblock: %w", m.Type, err)
	}
	set, _ := attrs(o)
	tree, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, int(set&fsmountAttrs))
	if err != nil {
		return -1, fmt.Errorf("fsmount: %w", err)
	}
	if rest := set &^ fsmountAttrs; rest != 0 {
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: rest}); err != nil {
			unix.Close(tree)
			return -1, fmt.Errorf("set mount attributes: %w", err)
		}
	}
	return tree, nil
}

// attach creates the mount point inside root and moves tree onto it, then
// applies recursive attributes and propagation.
func attach(root *os.File, tree int, dest, fstype string, o spec.MountOptions) error {
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil {
		return err
	}
	// procfs and sysfs must land on a real directory of the rootfs.
	noSymlinks := fstype == "proc" || fstype == "sysfs"
	target, err := mountPoint(root, dest, st.Mode&unix.S_IFMT != unix.S_IFDIR, noSymlinks)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.MoveMount(tree, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	if o.RecAttrSet != 0 || o.RecAttrClr != 0 {
		attr := unix.MountAttr{Attr_set: o.RecAttrSet, Attr_clr: o.RecAttrClr}
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("recursive mount attributes: %w", err)
		}
	}
	for _, p := range o.PropagationFlags {
		flags := uint(unix.AT_EMPTY_PATH)
		if p&unix.MS_REC != 0 {
			flags |= unix.AT_RECURSIVE
		}
		attr := unix.MountAttr{Propagation: uint64(p &^ unix.MS_REC)}
		if err := unix.MountSetattr(tree, "", flags, &attr); err != nil {
			return fmt.Errorf("propagation: %w", err)
		}
	}
	return nil
}

// idmapTree makes a detached mount idmapped: for bind mounts (recursively
// with ridmap or rbind) and for any filesystem the kernel allows it on.
func idmapTree(tree, userns int, o spec.MountOptions) error {
	if userns <= 0 {
		return fmt.Errorf("idmap: uidMappings and gidMappings are required")
	}
	flags := uint(unix.AT_EMPTY_PATH)
	if o.RIDMap || (o.Rec && !o.IDMap) {
		flags |= unix.AT_RECURSIVE
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns)}
	if err := unix.MountSetattr(tree, "", flags, &attr); err != nil {
		return fmt.Errorf("idmap: %w", err)
	}
	return nil
}

// tmpCopyUp fills a new tmpfs with what the image has at dest.
func tmpCopyUp(root *os.File, tree int, dest string, m *specs.Mount) error {
	if m.Type != "tmpfs" {
		return fmt.Errorf("only for tmpfs mounts")
	}
	src, err := openInRoot(root, strings.TrimPrefix(dest, "/"), 0)
	if err != nil {
		if err == unix.ENOENT {
			return nil // nothing to copy
		}
		return err
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	return copyUp(int(src.Fd()), tree)
}
