package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Listener is a connection to a seccomp agent's socket (linux.seccomp.
// listenerPath). It uses raw syscalls on a blocking socket, not the Go
// netpoller, so everything happens on the calling (locked) thread.
type Listener struct {
	fd int
}

// DialListener connects to the agent. The init should dial before Install
// so that only sendmsg and close run under the new filter.
func DialListener(path string) (*Listener, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("seccomp listener %s: socket: %w", path, err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("seccomp listener %s: connect: %w", path, err)
	}
	return &Listener{fd: fd}, nil
}

// Send passes the seccomp listener fd with the container process state and
// closes the connection (the spec allows exactly one state per
// connection). state.Fds is set to ["seccompFd"] and state.Version
// defaults to specs.Version; the caller sets Pid, Metadata
// (Program.ListenerMetadata) and State. seccompFd stays open; it is
// O_CLOEXEC.
func (l *Listener) Send(seccompFd int, state specs.ContainerProcessState) error {
	defer l.Close()
	if seccompFd < 0 {
		return errors.New("seccomp listener: no seccomp fd")
	}
	state.Fds = []string{"seccompFd"}
	if state.Version == "" {
		state.Version = specs.Version
	}
	msg, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("seccomp listener: encoding state: %w", err)
	}
	oob := unix.UnixRights(seccompFd)
	// The fd goes with the first sendmsg only; a stream socket may take
	// the payload in pieces.
	for len(msg) > 0 {
		n, err := unix.SendmsgN(l.fd, msg, oob, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("seccomp listener: sendmsg: %w", err)
		}
		msg, oob = msg[n:], nil
	}
	return nil
}

// Close closes the connection; Send does it already.
func (l *Listener) Close() error {
	if l.fd < 0 {
		return nil
	}
	err := unix.Close(l.fd)
	l.fd = -1
	return err
}

// SendNotifyFd dials listenerPath and sends fd with state (see Send).
func SendNotifyFd(listenerPath string, fd int, state specs.ContainerProcessState) error {
	l, err := DialListener(listenerPath)
	if err != nil {
		return err
	}
	return l.Send(fd, state)
}

// ListenerFromFd wraps an already connected listener socket: the runtime
// connects in its own mount namespace and hands the socket to the init,
// which cannot resolve the runtime's listenerPath after pivot_root.
func ListenerFromFd(fd int) *Listener { return &Listener{fd: fd} }

// File returns the connection as an *os.File (for passing it to a child);
// the Listener must not be used afterwards.
func (l *Listener) File() *os.File {
	f := os.NewFile(uintptr(l.fd), "seccomp-listener")
	l.fd = -1
	return f
}
