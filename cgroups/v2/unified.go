package v2

import (
	"fmt"
	"sort"
	"strings"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// ValidateUnifiedKey checks a linux.resources.unified key: a plain file
// name of the cgroup directory, "<controller>.<knob>".
func ValidateUnifiedKey(key string) (controller string, err error) {
	if key == "" || key == "." || key == ".." || strings.ContainsAny(key, "/\x00") {
		return "", fmt.Errorf("linux.resources.unified: invalid key %q (must be a file name in the cgroup directory)", key)
	}
	ctl, _, ok := strings.Cut(key, ".")
	if !ok || ctl == "" {
		return "", fmt.Errorf("linux.resources.unified: invalid key %q (want <controller>.<file>)", key)
	}
	return ctl, nil
}

// setUnified writes the unified map in key order after checking each key's
// controller is enabled for the cgroup ("cgroup." files are core).
func (m *Manager) setUnified(u map[string]string) error {
	if len(u) == 0 {
		return nil
	}
	avail, err := m.controllers()
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ctl, err := ValidateUnifiedKey(k)
		if err != nil {
			return fmt.Errorf("cgroup v2: %w", err)
		}
		if ctl != "cgroup" && !avail[ctl] {
			return fmt.Errorf("cgroup v2 %s: linux.resources.unified[%q]: controller not available in %s", ctl, k, m.dir)
		}
		if err := fsutil.Write(m.dir, k, u[k]); err != nil {
			return fmt.Errorf("cgroup v2 %s: linux.resources.unified[%q]: %w", ctl, k, err)
		}
	}
	return nil
}
