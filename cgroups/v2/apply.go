package v2

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// set applies every section of r. update is false for Create (the device
// program is always attached, with the default devices) and true for
// Update (only when r lists device rules).
func (m *Manager) set(r *specs.LinuxResources, update bool) error {
	if r == nil {
		r = &specs.LinuxResources{}
	}
	steps := []struct {
		ctl  string
		need bool
		fn   func() error
	}{
		{"cpuset", r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != ""), func() error { return setCpuset(m.dir, r.CPU) }},
		{"memory", memoryNeeded(r.Memory), func() error { return setMemory(m.dir, r.Memory, update) }},
		{"cpu", cpuNeeded(r.CPU), func() error { return setCPU(m.dir, r.CPU) }},
		{"pids", r.Pids != nil && r.Pids.Limit != nil, func() error { return setPids(m.dir, r.Pids) }},
		{"io", ioNeeded(r.BlockIO), func() error { return setIO(m.dir, r.BlockIO) }},
		{"hugetlb", len(r.HugepageLimits) > 0, func() error { return setHugetlb(m.dir, r.HugepageLimits) }},
		{"rdma", len(r.Rdma) > 0, func() error { return setRdma(m.dir, r.Rdma) }},
	}
	var avail map[string]bool
	for _, s := range steps {
		if !s.need {
			continue
		}
		if avail == nil {
			var err error
			if avail, err = m.controllers(); err != nil {
				return err
			}
		}
		if !avail[s.ctl] {
			return fmt.Errorf("cgroup v2 %s: controller not available in %s (missing from cgroup.controllers: not enabled in the parent's cgroup.subtree_control)", s.ctl, m.dir)
		}
		if err := s.fn(); err != nil {
			return fmt.Errorf("cgroup v2 %s: %w", s.ctl, err)
		}
	}
	if r.Network != nil {
		logrus.Debug("cgroup v2: linux.resources.network (net_cls/net_prio) has no cgroup v2 equivalent; ignored")
	}
	if !update || len(r.Devices) > 0 {
		if err := m.setDevices(r.Devices); err != nil {
			return err
		}
	}
	// unified last: it is the escape hatch and overrides the translations.
	return m.setUnified(r.Unified)
}
