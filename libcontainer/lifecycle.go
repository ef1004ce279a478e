package libcontainer

import (
	"errors"
	"fmt"
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
	fifoPath := filepath.Join(c.dir, fifoName)
	// Non-blocking: the init holds the fifo open, and if it has died the
	// open fails with ENXIO instead of hanging.
	f, err := os.OpenFile(fifoPath, os.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("start: open exec fifo: %w", err)
	}
	_, err = f.Write([]byte{0})
	f.Close()
	if err != nil {
		return fmt.Errorf("start: signal init: %w", err)
	}
	if err := os.Remove(fifoPath); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if s := c.Spec(); s != nil && s.Hooks != nil {
		h := s.Hooks
		warnHooks("poststart", h.Poststart, hookState(c.p.ID, c.p.Bundle, c.p.Annotations, c.p.Pid, Running))
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
