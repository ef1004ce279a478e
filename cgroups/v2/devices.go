package v2

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/devices"
)

// setDevices attaches the device eBPF program built from the spec rules
// (deny all, spec rules, default devices) to the cgroup directory,
// replacing the one attached before.
func (m *Manager) setDevices(spec []specs.LinuxDeviceCgroup) error {
	rules, err := devices.Build(spec)
	if err != nil {
		return fmt.Errorf("cgroup v2 devices: %w", err)
	}
	insts, err := devices.Program(rules)
	if err != nil {
		return fmt.Errorf("cgroup v2 devices: %w", err)
	}
	fd, err := unix.Open(m.dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cgroup v2 devices: open %s: %w", m.dir, err)
	}
	defer unix.Close(fd)
	if err := devices.Attach(fd, insts); err != nil {
		if m.rootless && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)) {
			// A rootless container's user namespace already denies devices.
			logrus.Debugf("rootless: no device filter: %v", err)
			return nil
		}
		return fmt.Errorf("cgroup v2 devices: %w", err)
	}
	return nil
}
