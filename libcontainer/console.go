package libcontainer

import (
	"fmt"
	"net"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setupConsole runs in the init after pivot_root when process.terminal is
// set: it allocates a pty from the container's own devpts instance, makes
// the peer the init's controlling terminal and stdio, binds the peer over
// /dev/console, and sends the master to the console socket (SCM_RIGHTS),
// which is what containerd and conmon wait for.
func setupConsole(consoleFd int, size *specs.Box, devConsole bool) error {
	root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	// The container's own devpts instance (mounted by brig), reached with
	// no symlink in the path; then checked to be the ptmx device.
	how := unix.OpenHow{Flags: unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS}
	master, err := unix.Openat2(int(root.Fd()), "dev/pts/ptmx", &how)
	if err != nil {
		return fmt.Errorf("process.terminal: open /dev/pts/ptmx: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(master, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 5 || unix.Minor(st.Rdev) != 2 {
		unix.Close(master)
		return fmt.Errorf("process.terminal: /dev/pts/ptmx is not the ptmx device")
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("process.terminal: unlock pty: %w", err)
	}
	// TIOCGPTPEER opens the peer without a path, so a swapped /dev/pts/N
	// cannot hand us another file.
	r1, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if e != 0 {
		return fmt.Errorf("process.terminal: open pty peer: %w", e)
	}
	peer := int(r1)
	defer unix.Close(peer)
	if size != nil {
		ws := unix.Winsize{Row: uint16(size.Height), Col: uint16(size.Width)}
		if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &ws); err != nil {
			return fmt.Errorf("process.consoleSize: %w", err)
		}
	}
	if devConsole {
		if err := bindConsole(root, peer); err != nil {
			return err
		}
	}
	if err := sendFd(consoleFd, "/dev/ptmx", master); err != nil {
		return fmt.Errorf("--console-socket: send pty master: %w", err)
	}
	unix.Close(consoleFd)
	if err := unix.IoctlSetInt(peer, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("process.terminal: set controlling terminal: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(peer, fd, 0); err != nil {
			return fmt.Errorf("process.terminal: %w", err)
		}
	}
	return nil
}

// bindConsole bind-mounts the pty peer over /dev/console (created as an
// empty file in the container's /dev, never following a symlink there).
func bindConsole(root *os.File, peer int) error {
	dev, err := openInRootFile(root, "dev")
	if err != nil {
		return fmt.Errorf("/dev/console: %w", err)
	}
	defer dev.Close()
	if err := unix.Unlinkat(int(dev.Fd()), "console", 0); err != nil && err != unix.ENOENT {
		return fmt.Errorf("/dev/console: %w", err)
	}
	fd, err := unix.Openat(int(dev.Fd()), "console", unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o600)
	if err != nil {
		return fmt.Errorf("/dev/console: %w", err)
	}
	unix.Close(fd)
	target, err := openInRootFile(root, "dev/console")
	if err != nil {
		return fmt.Errorf("/dev/console: %w", err)
	}
	defer target.Close()
	tree, err := unix.OpenTree(peer, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("/dev/console: clone pty: %w", err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("/dev/console: bind pty: %w", err)
	}
	return nil
}

// openInRootFile opens rel below root with no symlink anywhere in the path.
func openInRootFile(root *os.File, rel string) (*os.File, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(int(root.Fd()), rel, &how)
	if err != nil {
		return nil, fmt.Errorf("/%s: %w", rel, err)
	}
	return os.NewFile(uintptr(fd), "/"+rel), nil
}

// sendFd sends fd with name as payload over a unix socket (runc's format).
func sendFd(sock int, name string, fd int) error {
	return unix.Sendmsg(sock, []byte(name), unix.UnixRights(fd), nil, 0)
}

// RecvFd receives one fd sent with sendFd.
func RecvFd(conn *net.UnixConn) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, err
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("expected one control message, got %d", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		return nil, err
	}
	if len(fds) != 1 {
		return nil, fmt.Errorf("expected one fd, got %d", len(fds))
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}
