package libcontainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// StateError is a command applied to a container in the wrong state.
type StateError struct {
	ID     string
	Status Status
	Op     string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("cannot %s container %q: it is %s", e.Op, e.ID, e.Status)
}

// Start makes a created container's init exec the user process.
func (c *Container) Start() error {
	if st := c.status(); st != Created {
		return &StateError{ID: c.p.ID, Status: st, Op: "start"}
	}
	if err := c.signalStart(); err != nil {
		return err
	}
	if s := c.Spec(); s != nil && s.Hooks != nil && len(s.Hooks.Poststart) > 0 {
		// runtime.md (v1.3.0) step 9: a failed poststart hook is an error
		// and stops the container.
		st := hookState(c.p.ID, c.p.Bundle, c.p.Annotations, c.p.Pid, Running)
		if err := runHooks("poststart", s.Hooks.Poststart, st); err != nil {
			c.signalInit(unix.SIGKILL)
			return fmt.Errorf("start: %w", err)
		}
	}
	return nil
}

// signalStart wakes the init through the exec fifo and waits until it has
// exec'd the process (its end of the fifo closes) or reported why it could
// not (startContainer hooks, execve).
func (c *Container) signalStart() error {
	fifoPath := filepath.Join(c.dir, fifoName)
	// Our reader first: if the init fails right after taking the byte, its
	// message must still find the pipe open.
	r, err := os.OpenFile(fifoPath, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("start: open exec fifo: %w", err)
	}
	defer r.Close()
	w, err := os.OpenFile(fifoPath, os.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("start: open exec fifo: %w", err)
	}
	_, err = w.Write([]byte{0})
	w.Close()
	if err != nil {
		return fmt.Errorf("start: signal init: %w", err)
	}
	if err := os.Remove(fifoPath); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	// One byte pending (TIOCINQ, FIONREAD on Linux) is ours, not yet
	// taken; an error message is longer.
	rfd := int(r.Fd())
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := unix.IoctlGetInt(rfd, unix.TIOCINQ)
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		if n != 1 {
			break
		}
		if !c.p.initAlive() {
			// It may have taken the byte, exec'd and already exited.
			if n, err := unix.IoctlGetInt(rfd, unix.TIOCINQ); err == nil && n != 1 {
				break
			}
			return fmt.Errorf("start: container %q: init exited before it could start", c.p.ID)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("start: container %q: init did not respond", c.p.ID)
		}
		time.Sleep(50 * time.Microsecond)
	}
	if err := unix.SetNonblock(rfd, false); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	msg, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if len(msg) > 1 && msg[0] == 'E' {
		return fmt.Errorf("start: %s", msg[1:])
	}
	return nil
}

// Kill sends sig to the init, or with all to every process of the container.
func (c *Container) Kill(sig unix.Signal, all bool) error {
	st := c.status()
	if st == Stopped || st == Creating {
		return &StateError{ID: c.p.ID, Status: st, Op: "kill"}
	}
	if all {
		if m := c.cgroup(); m != nil {
			return m.Signal(sig)
		}
	}
	if err := c.signalInit(sig); err != nil {
		return fmt.Errorf("kill container %q: %w", c.p.ID, err)
	}
	return nil
}

// Delete removes a container. A created container is deleted too, as runc,
// crun and youki do (engines delete containers whose start never came);
// runtime.md's "MUST generate an error" for a non-stopped container is kept
// for running and paused ones unless force is set.
func (c *Container) Delete(force bool) error {
	st := c.status()
	switch st {
	case Running, Paused:
		if !force {
			return &StateError{ID: c.p.ID, Status: st, Op: "delete"}
		}
	}
	t := newPhaseTimer("delete " + c.p.ID)
	defer t.done()
	if st != Stopped {
		if err := c.stopInit(); err != nil {
			return err
		}
		t.mark("kill init")
	}
	err := c.destroy(t)
	return err
}

// stopInit kills the init (and with it the pid namespace) and waits for it.
func (c *Container) stopInit() error {
	if m := c.cgroup(); m != nil {
		// A frozen init cannot die; kill every process of the cgroup in case
		// the container shares the host's pid namespace.
		if err := m.Signal(unix.SIGKILL); err != nil {
			logrus.Debugf("kill cgroup: %v", err)
		}
		m.Thaw()
	}
	if err := c.signalInit(unix.SIGKILL); err != nil && !errors.Is(err, errNotRunning) && err != unix.ESRCH {
		return fmt.Errorf("kill init: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.p.initAlive() {
		if time.Now().After(deadline) {
			return fmt.Errorf("container %q: init (pid %d) did not die after SIGKILL", c.p.ID, c.p.Pid)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// destroy removes the cgroup and the state dir.
func (c *Container) destroy(t *phaseTimer) error {
	// The config lives in the state dir: read it before removing that.
	s := c.Spec()
	if m := c.cgroup(); m != nil {
		if err := m.Destroy(); err != nil {
			return fmt.Errorf("delete container %q: %w", c.p.ID, err)
		}
	}
	t.mark("cgroup destroy")
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("delete container %q: %w", c.p.ID, err)
	}
	t.mark("state dir")
	if s != nil && s.Hooks != nil {
		warnHooks("poststop", s.Hooks.Poststop, hookState(c.p.ID, c.p.Bundle, c.p.Annotations, 0, Stopped))
	}
	return nil
}
