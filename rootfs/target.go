package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// resolveFlags scope every lookup to the rootfs: ".." and absolute symlinks
// stop at its root, and magic links (/proc/self/...) are never followed.
const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// openInRoot opens rel (relative to root, symlinks resolved inside it) as
// an O_PATH descriptor.
func openInRoot(root *os.File, rel string, extra uint64) (*os.File, error) {
	return openat2InRoot(root, rel, unix.O_PATH|unix.O_CLOEXEC, resolveFlags|extra)
}

func openat2InRoot(root *os.File, rel string, flags, resolve uint64) (*os.File, error) {
	how := unix.OpenHow{Flags: flags, Resolve: resolve}
	for {
		fd, err := unix.Openat2(int(root.Fd()), rel, &how)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue // a concurrent rename on the host; retry as the kernel asks
		}
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(fd), "/"+rel), nil
	}
}

// mkdirAllInRoot returns a descriptor of the directory rel inside root,
// creating it and its parents if missing. An existing directory costs one
// openat2 (the common case: /proc, /sys, /dev and its children exist in
// most images); pathrs's MkdirAllHandle, which walks and verifies each
// component, handles the rest with the same errors.
func mkdirAllInRoot(root *os.File, rel string) (*os.File, error) {
	if f, err := openat2InRoot(root, rel, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, resolveFlags); err == nil {
		return f, nil
	}
	return pathrs.MkdirAllHandle(root, rel, 0o755)
}

// mountPoint returns a descriptor of dest inside root, creating it (a file
// when file is set, directories otherwise, parents always) if missing.
func mountPoint(root *os.File, dest string, file, noSymlinks bool) (*os.File, error) {
	rel := strings.TrimPrefix(path.Clean("/"+dest), "/")
	if rel == "" {
		return nil, errors.New("destination: cannot mount over the rootfs itself")
	}
	if file {
		dir, base := path.Split(rel)
		parent, err := mkdirAllInRoot(root, dir)
		if err != nil {
			return nil, fmt.Errorf("create parent of %s: %w", dest, err)
		}
		fd, err := unix.Openat(int(parent.Fd()), base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644)
		parent.Close()
		if err == nil {
			unix.Close(fd)
		} else if err != unix.EEXIST {
			return nil, fmt.Errorf("create mount point %s: %w", dest, err)
		}
	} else {
		h, err := mkdirAllInRoot(root, rel)
		if err != nil {
			return nil, fmt.Errorf("create mount point %s: %w", dest, err)
		}
		if !noSymlinks {
			return h, nil
		}
		h.Close()
	}
	var extra uint64
	if noSymlinks {
		extra = unix.RESOLVE_NO_SYMLINKS
	}
	f, err := openInRoot(root, rel, extra)
	if err != nil {
		if err == unix.ELOOP {
			return nil, fmt.Errorf("mount point %s: a component is a symlink", dest)
		}
		return nil, fmt.Errorf("mount point %s: %w", dest, err)
	}
	return f, nil
}
