package v2

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

const freezeTimeout = 10 * time.Second

// Freeze writes 1 to cgroup.freeze and waits for cgroup.events to report
// "frozen 1" (the write only starts freezing).
func (m *Manager) Freeze() error {
	if err := m.writeFreeze("1"); err != nil {
		return err
	}
	deadline := time.Now().Add(freezeTimeout)
	for {
		frozen, err := m.Frozen()
		if err != nil {
			return err
		}
		if frozen {
			return nil
		}
		if time.Now().After(deadline) {
			_ = m.writeFreeze("0")
			return fmt.Errorf("cgroup v2 freezer: not frozen after %v", freezeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Thaw writes 0 to cgroup.freeze. The cgroup stays frozen if an ancestor is.
func (m *Manager) Thaw() error { return m.writeFreeze("0") }

func (m *Manager) writeFreeze(v string) error {
	if !fsutil.Exists(m.dir, "cgroup.freeze") {
		if !fsutil.Exists(m.dir, "cgroup.procs") {
			return fmt.Errorf("cgroup v2 freezer: cgroup %s does not exist", m.dir)
		}
		return fmt.Errorf("cgroup v2 freezer: cgroup.freeze not supported by this kernel (needs 5.2+)")
	}
	if err := fsutil.Write(m.dir, "cgroup.freeze", v); err != nil {
		return fmt.Errorf("cgroup v2 freezer: %w", err)
	}
	return nil
}

// Frozen reports whether the cgroup and every descendant cgroup show
// "frozen 1" in cgroup.events. Descendants are checked too because newer
// kernels may report an ancestor frozen before all its sub-cgroups are.
// A missing cgroup is not frozen.
func (m *Manager) Frozen() (bool, error) {
	frozen := true
	err := filepath.WalkDir(m.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		kv, err := fsutil.ReadKeyValues(p, "cgroup.events")
		if err != nil {
			return err
		}
		if kv["frozen"] != 1 {
			frozen = false
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		if fsutil.IsNotExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("cgroup v2 freezer: %w", err)
	}
	return frozen, nil
}
