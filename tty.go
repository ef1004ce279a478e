package main

import (
	"fmt"
	"io"
	"net"
	"os"

	"github.com/brigrt/brig/libcontainer"
	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// ttyRelay connects the user's terminal to a container's pty when `run`
// is used in the foreground with process.terminal and no console socket.
type ttyRelay struct {
	ours, theirs *os.File // the socketpair that carries the pty master
	master       *os.File
	current      console.Console
}

func newTTYRelay() (*ttyRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socketpair: %w", err)
	}
	return &ttyRelay{ours: os.NewFile(uintptr(fds[0]), "console-ours"), theirs: os.NewFile(uintptr(fds[1]), "console-theirs")}, nil
}

// start receives the master and copies between it and our stdio; the
// caller's terminal is put in raw mode until close.
func (t *ttyRelay) start() error {
	t.theirs.Close()
	fc, err := net.FileConn(t.ours)
	if err != nil {
		return err
	}
	defer fc.Close()
	t.master, err = libcontainer.RecvFd(fc.(*net.UnixConn))
	if err != nil {
		return fmt.Errorf("receive pty master: %w", err)
	}
	if cur, err := console.ConsoleFromFile(os.Stdin); err == nil {
		t.current = cur
		if err := cur.SetRaw(); err != nil {
			return fmt.Errorf("set terminal raw: %w", err)
		}
		t.resize()
	}
	go io.Copy(t.master, os.Stdin)
	go io.Copy(os.Stdout, t.master)
	return nil
}

func (t *ttyRelay) resize() {
	if t.current == nil || t.master == nil {
		return
	}
	if ws, err := t.current.Size(); err == nil {
		unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: ws.Height, Col: ws.Width})
	}
}

func (t *ttyRelay) close() {
	if t.current != nil {
		t.current.Reset()
	}
	if t.master != nil {
		t.master.Close()
	}
	t.ours.Close()
	t.theirs.Close()
}
