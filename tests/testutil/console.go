package testutil

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ConsoleSocket listens on a unix socket for `create --console-socket`.
// Receive returns the pty master the runtime sends over it (SCM_RIGHTS).
type ConsoleSocket struct {
	Path string
	ln   *net.UnixListener
}

// NewConsoleSocket creates the socket in a short-named temp dir (unix socket
// paths are limited to 108 bytes).
func NewConsoleSocket(t testing.TB) *ConsoleSocket {
	t.Helper()
	dir, err := os.MkdirTemp(TempBase(), "cs-")
	if err != nil {
		t.Fatalf("console socket dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatalf("listen %s: %v", path, err)
	}
	t.Cleanup(func() { ln.Close() })
	return &ConsoleSocket{Path: path, ln: ln}
}

// Receive accepts one connection and returns the fd sent over it.
func (c *ConsoleSocket) Receive(timeout time.Duration) (*os.File, error) {
	if err := c.ln.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	conn, err := c.ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept on console socket: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("read console socket: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, extra := range fds[1:] {
			unix.Close(extra)
		}
		if len(fds) > 0 {
			// Non-blocking, so that os.File uses the poller and read
			// deadlines work.
			if err := unix.SetNonblock(fds[0], true); err != nil {
				unix.Close(fds[0])
				return nil, fmt.Errorf("set pty master non-blocking: %w", err)
			}
			return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
		}
	}
	return nil, fmt.Errorf("no fd received on the console socket (message %q)", buf[:n])
}
