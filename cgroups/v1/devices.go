package v1

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/brigrt/brig/cgroups/devices"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// setDevices writes "a" to devices.deny, then the spec rules in order, then
// the default allowed devices (devices.Build). Without a devices hierarchy
// this is an error (a container would see every host device), except for
// rootless containers, whose user namespace already denies device access.
func (m *Manager) setDevices(spec []specs.LinuxDeviceCgroup) error {
	rules, err := devices.Build(spec)
	if err != nil {
		return fmt.Errorf("cgroup v1 devices: %w", err)
	}
	dir, err := m.path("devices")
	if err != nil {
		if m.rootless {
			logrus.Debugf("rootless: not applying device rules: %v", err)
			return nil
		}
		return err
	}
	for _, w := range devices.V1Writes(rules) {
		if err := fsutil.Write(dir, w.File, w.Value); err != nil {
			if m.rootless {
				logrus.Debugf("rootless: not applying device rules: %v", err)
				return nil
			}
			return fmt.Errorf("cgroup v1 devices: %w (rule %q)", err, w.Value)
		}
	}
	return nil
}
