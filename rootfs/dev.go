package rootfs

import (
	"fmt"
	"os"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultDevices are the ones config-linux.md says every container has.
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0},
}

var devSymlinks = [][2]string{
	{"/proc/self/fd", "fd"},
	{"/proc/self/fd/0", "stdin"},
	{"/proc/self/fd/1", "stdout"},
	{"/proc/self/fd/2", "stderr"},
}

// openDevNull opens the container's /dev/null (after pivot_root) and checks
// that it really is the null device (char 1:3), so that masking can never
// bind something else, such as a symlink to a procfs file swapped in by the
// image (CVE-2025-31133 class).
func openDevNull(root *os.File) (int, error) {
	f, err := openInRoot(root, "dev/null", unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return -1, fmt.Errorf("open /dev/null: %w", err)
	}
	fd := int(f.Fd())
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return -1, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		f.Close()
		return -1, fmt.Errorf("/dev/null is not the null device (mode %o, rdev %d:%d)", st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	fd, err = unix.Dup(fd)
	f.Close()
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}

// setupDev creates device nodes and the standard symlinks in the
// container's /dev, all relative to a descriptor of /dev that was checked
// to be a real directory of the rootfs (not a symlink to the host).
// When /dev is bound from elsewhere it is left as it is, as runc does.
func setupDev(root *os.File, devices []specs.LinuxDevice, devBind, userNS bool) error {
	if devBind {
		return nil
	}
	if h, err := mkdirAllInRoot(root, "dev"); err == nil {
		h.Close()
	}
	dev, err := openInRoot(root, "dev", unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return fmt.Errorf("rootfs /dev: %w", err)
	}
	defer dev.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(dev.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("rootfs /dev is not a directory")
	}
	all := mergeDevices(devices)
	for i := range all {
		if err := makeDevice(root, &all[i], userNS); err != nil {
			return err
		}
	}
	for _, l := range devSymlinks {
		if err := unix.Symlinkat(l[0], int(dev.Fd()), l[1]); err != nil && err != unix.EEXIST {
			return fmt.Errorf("symlink /dev/%s: %w", l[1], err)
		}
	}
	// /dev/ptmx must be the one of the container's devpts instance.
	if err := unix.Unlinkat(int(dev.Fd()), "ptmx", 0); err != nil && err != unix.ENOENT {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	if err := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx"); err != nil {
		return fmt.Errorf("symlink /dev/ptmx: %w", err)
	}
	var kc unix.Stat_t
	if unix.Stat("/proc/kcore", &kc) == nil {
		if err := unix.Symlinkat("/proc/kcore", int(dev.Fd()), "core"); err != nil && err != unix.EEXIST {
			return fmt.Errorf("symlink /dev/core: %w", err)
		}
	}
	return nil
}

// mergeDevices is the defaults plus linux.devices, a configured device
// replacing a default one with the same path.
func mergeDevices(devices []specs.LinuxDevice) []specs.LinuxDevice {
	seen := map[string]bool{}
	for _, d := range devices {
		seen[path.Clean(d.Path)] = true
	}
	out := append([]specs.LinuxDevice(nil), devices...)
	for _, d := range defaultDevices {
		if !seen[d.Path] {
			out = append(out, d)
		}
	}
	return out
}

var devTypes = map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}

func makeDevice(root *os.File, d *specs.LinuxDevice, userNS bool) error {
	rel := strings.TrimPrefix(path.Clean("/"+d.Path), "/")
	dir, base := path.Split(rel)
	parent, err := mkdirAllInRoot(root, dir)
	if err != nil {
		return fmt.Errorf("linux.devices %s: %w", d.Path, err)
	}
	defer parent.Close()
	pfd := int(parent.Fd())
	if userNS {
		// mknod is not allowed in a user namespace: bind the host's node.
		fd, err := unix.Openat(pfd, base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644)
		if err == nil {
			unix.Close(fd)
		} else if err != unix.EEXIST {
			return fmt.Errorf("linux.devices %s: %w", d.Path, err)
		}
		tree, err := unix.OpenTree(unix.AT_FDCWD, d.Path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			return fmt.Errorf("linux.devices %s: bind from host: %w", d.Path, err)
		}
		defer unix.Close(tree)
		target, err := openInRoot(root, rel, unix.RESOLVE_NO_SYMLINKS)
		if err != nil {
			return fmt.Errorf("linux.devices %s: %w", d.Path, err)
		}
		defer target.Close()
		if err := unix.MoveMount(tree, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return fmt.Errorf("linux.devices %s: bind from host: %w", d.Path, err)
		}
		return nil
	}
	t, ok := devTypes[d.Type]
	if !ok {
		return fmt.Errorf("linux.devices %s: unknown type %q", d.Path, d.Type)
	}
	mode := uint32(0o666)
	if d.FileMode != nil {
		mode = uint32(*d.FileMode) & 0o7777
	}
	dev := int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
	if err := unix.Mknodat(pfd, base, t|mode, dev); err != nil {
		if err != unix.EEXIST {
			return fmt.Errorf("linux.devices %s: mknod: %w", d.Path, err)
		}
		// Replace whatever the image had there (it may be a symlink).
		if err := unix.Unlinkat(pfd, base, 0); err != nil {
			return fmt.Errorf("linux.devices %s: %w", d.Path, err)
		}
		if err := unix.Mknodat(pfd, base, t|mode, dev); err != nil {
			return fmt.Errorf("linux.devices %s: mknod: %w", d.Path, err)
		}
	}
	uid, gid := -1, -1
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if uid >= 0 || gid >= 0 {
		if err := unix.Fchownat(pfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("linux.devices %s: chown: %w", d.Path, err)
		}
	}
	return nil
}
