// Package rootfs prepares a container's root filesystem inside the init:
// the mounts of config.json, /dev, pivot_root, then masked and read-only
// paths. Every path inside the rootfs is resolved relative to a descriptor
// of the rootfs (openat2 RESOLVE_IN_ROOT via filepath-securejoin), and every
// mount is attached to a descriptor (move_mount), never to a path string
// that could be re-resolved after an image's symlink redirected it.
package rootfs

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Config is what Setup needs from the init's bootstrap message.
type Config struct {
	Spec        *specs.Spec
	Rootfs      string            // host path of the rootfs
	Bundle      string            // relative bind sources are relative to it
	NoPivot     bool              // MS_MOVE + chroot, for ramfs roots
	CgroupPaths map[string]string // the container's cgroup dirs, for cgroup mounts
	UserNS      bool              // devices are bind-mounted, not made
	// MountFds: mount index -> a detached mount the parent built for it
	// (idmapped mounts, see DetachedMount).
	MountFds map[int]int
}

// Setup runs in the init, in the container's new mount namespace, before
// any process of the container exists: it makes the mounts and /dev. Then
// the createContainer hooks run, then Pivot.
func Setup(c *Config) error {
	s := c.Spec
	if err := prepareRoot(c); err != nil {
		return err
	}
	root, err := os.OpenFile(c.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("rootfs %s: %w", c.Rootfs, err)
	}
	defer root.Close()
	if err := refuseSymlink(root, "proc"); err != nil {
		return err
	}
	if err := refuseSymlink(root, "sys"); err != nil {
		return err
	}
	devBind := false
	for i := range s.Mounts {
		m := &s.Mounts[i]
		if err := mountOne(root, c, m, c.MountFds[i]); err != nil {
			return err
		}
		if cleanDest(m.Destination) == "/dev" && (m.Type == "bind" || hasBindOption(m.Options)) {
			devBind = true
		}
	}
	var devices []specs.LinuxDevice
	if s.Linux != nil {
		devices = s.Linux.Devices
	}
	return setupDev(root, devices, devBind, c.UserNS)
}

// Pivot makes the rootfs the process's "/" (pivot_root, or MS_MOVE and
// chroot with NoPivot). On return the working directory is "/".
func Pivot(c *Config) error {
	root, err := os.OpenFile(c.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("rootfs %s: %w", c.Rootfs, err)
	}
	defer root.Close()
	if err := enterRoot(root, c.NoPivot); err != nil {
		return err
	}
	if c.Spec.Linux != nil {
		return rootPropagation(c.Spec.Linux.RootfsPropagation)
	}
	return nil
}

// Finalize runs after pivot_root: read-only paths, masked paths, then the
// read-only root.
func Finalize(s *specs.Spec) error {
	root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	if s.Linux != nil {
		for _, p := range s.Linux.ReadonlyPaths {
			if err := readonlyPath(root, p); err != nil {
				return err
			}
		}
	}
	if s.Linux != nil && len(s.Linux.MaskedPaths) > 0 {
		devNull, err := openDevNull(root)
		if err != nil {
			return fmt.Errorf("linux.maskedPaths: %w", err)
		}
		defer unix.Close(devNull)
		for _, p := range s.Linux.MaskedPaths {
			if err := maskPath(root, p, devNull); err != nil {
				return err
			}
		}
	}
	if s.Root != nil && s.Root.Readonly {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(int(root.Fd()), "", unix.AT_EMPTY_PATH, &attr); err != nil {
			return fmt.Errorf("root.readonly: remount / read-only: %w", err)
		}
	}
	return nil
}

func hasBindOption(opts []string) bool {
	for _, o := range opts {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}
