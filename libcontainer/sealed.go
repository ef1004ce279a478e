package libcontainer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// sealedSelf returns a read-only handle to brig's own binary for the init to
// exec (CVE-2019-5736): the process that runs inside the container's
// namespaces must not have the host's writable file as /proc/<pid>/exe.
//
// The preferred handle comes from a detached, read-only overlayfs whose
// lower layer is the binary's directory: it costs one mount context and no
// copy, the page cache is shared with the real file, nothing appears in any
// mount table, and every write through it fails with EROFS. Where overlayfs
// is unavailable, a sealed memfd copy is the fallback.
func sealedSelf() (*os.File, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	f, oerr := overlaySelf(self)
	if oerr == nil {
		return f, nil
	}
	f, merr := memfdSelf(self)
	if merr != nil {
		return nil, fmt.Errorf("seal own binary: overlay: %v; memfd: %w", oerr, merr)
	}
	return f, nil
}

func overlaySelf(self string) (*os.File, error) {
	dir, name := filepath.Split(self)
	// A read-only overlay needs two lower layers; an empty directory made
	// next to the state is the second (it is left for the next create).
	empty := filepath.Join(os.TempDir(), ".brig-empty")
	if err := os.Mkdir(empty, 0o500); err != nil && !os.IsExist(err) {
		return nil, err
	}
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	if err := unix.FsconfigSetString(fsfd, "lowerdir", dir+":"+empty); err != nil {
		return nil, fmt.Errorf("overlay lowerdir: %w", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, fmt.Errorf("overlay create: %w", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return nil, fmt.Errorf("fsmount overlay: %w", err)
	}
	defer unix.Close(mfd)
	fd, err := unix.Openat(mfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s in overlay: %w", name, err)
	}
	return os.NewFile(uintptr(fd), self), nil
}

func memfdSelf(self string) (*os.File, error) {
	src, err := os.Open(self)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("brig", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mf := os.NewFile(uintptr(fd), "brig-memfd")
	if _, err := io.Copy(mf, src); err != nil {
		mf.Close()
		return nil, err
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		mf.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return mf, nil
}
