package v1

import (
	"fmt"
	"time"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

const freezeTimeout = 10 * time.Second

// Freeze writes FROZEN and waits for freezer.state to report FROZEN. A
// freeze can stall in FREEZING (a task in an uninterruptible sleep); like
// runc, it is retried by thawing and freezing again now and then.
func (m *Manager) Freeze() error {
	dir, err := m.path("freezer")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(freezeTimeout)
	for i := 0; ; i++ {
		if i%50 == 49 {
			_ = fsutil.Write(dir, "freezer.state", "THAWED")
			time.Sleep(10 * time.Millisecond)
		}
		if err := fsutil.Write(dir, "freezer.state", "FROZEN"); err != nil {
			return fmt.Errorf("cgroup v1 freezer: %w", err)
		}
		state, err := fsutil.Read(dir, "freezer.state")
		if err != nil {
			return fmt.Errorf("cgroup v1 freezer: %w", err)
		}
		if state == "FROZEN" {
			return nil
		}
		if time.Now().After(deadline) {
			_ = fsutil.Write(dir, "freezer.state", "THAWED")
			return fmt.Errorf("cgroup v1 freezer: still %s after %v", state, freezeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Thaw writes THAWED and waits until the state says so.
func (m *Manager) Thaw() error {
	dir, err := m.path("freezer")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(freezeTimeout)
	for {
		if err := fsutil.Write(dir, "freezer.state", "THAWED"); err != nil {
			return fmt.Errorf("cgroup v1 freezer: %w", err)
		}
		state, err := fsutil.Read(dir, "freezer.state")
		if err != nil {
			return fmt.Errorf("cgroup v1 freezer: %w", err)
		}
		if state == "THAWED" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup v1 freezer: still %s after %v", state, freezeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Frozen reports whether the cgroup is fully frozen. A cgroup that is only
// frozen because an ancestor is (self_freezing 0) counts as frozen too.
func (m *Manager) Frozen() (bool, error) {
	dir, err := m.path("freezer")
	if err != nil {
		return false, err
	}
	state, err := fsutil.Read(dir, "freezer.state")
	if err != nil {
		if fsutil.IsNotExist(err) {
			return false, nil // destroyed cgroup: not frozen
		}
		return false, fmt.Errorf("cgroup v1 freezer: %w", err)
	}
	return state == "FROZEN", nil
}
