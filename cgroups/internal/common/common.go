// Package common holds what the cgroup v1 and v2 managers do alike.
package common

import (
	"github.com/brigrt/brig/cgroups/internal/fsutil"
	"github.com/brigrt/brig/cgroups/stats"
	"golang.org/x/sys/unix"
)

// Freezer is the part of a manager SignalAll needs.
type Freezer interface {
	Frozen() (bool, error)
	Freeze() error
	Thaw() error
	Pids() ([]int, error)
}

// SignalAll sends sig to every process of m; with canFreeze the cgroup is
// frozen meanwhile (unless it already was) so no process can fork between
// listing and signalling.
func SignalAll(m Freezer, canFreeze bool, sig unix.Signal) (retErr error) {
	if canFreeze {
		wasFrozen, err := m.Frozen()
		if err != nil {
			return err
		}
		if !wasFrozen {
			if err := m.Freeze(); err != nil {
				return err
			}
			defer func() {
				if err := m.Thaw(); err != nil && retErr == nil {
					retErr = err
				}
			}()
		}
	}
	pids, err := m.Pids()
	if err != nil {
		return err
	}
	return fsutil.SignalAll(pids, sig)
}

// PidsStats reads pids.current and pids.max (the same files on v1 and v2).
func PidsStats(dir string, st *stats.Stats) error {
	cur, err := fsutil.ReadUint(dir, "pids.current")
	if err != nil {
		return err
	}
	max, err := fsutil.ReadUint(dir, "pids.max")
	if err != nil {
		return err
	}
	if max == ^uint64(0) {
		max = 0 // runc reports unlimited as 0
	}
	st.Pids = stats.Pids{Current: cur, Limit: max}
	return nil
}
