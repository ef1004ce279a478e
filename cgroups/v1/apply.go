package v1

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// set applies every section of r. update is false for Create (device rules
// always applied, including the defaults) and true for Update (device rules
// only when r lists some).
func (m *Manager) set(r *specs.LinuxResources, update bool) error {
	if r == nil {
		r = &specs.LinuxResources{}
	}
	if len(r.Unified) > 0 {
		return errors.New("cgroup v1: linux.resources.unified is only supported on cgroup v2 hosts")
	}
	steps := []struct {
		ctl  string
		need bool
		fn   func(dir string) error
	}{
		// cpuset before anything else, as runc: other writes don't depend
		// on it, but a process entering an empty cpuset fails.
		{"cpuset", r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != ""), func(d string) error { return setCpuset(d, r.CPU) }},
		{"memory", memoryNeeded(r.Memory), func(d string) error { return setMemory(d, r.Memory, update) }},
		{"cpu", cpuNeeded(r.CPU), func(d string) error { return setCPU(d, r.CPU) }},
		{"pids", r.Pids != nil && r.Pids.Limit != nil, func(d string) error { return setPids(d, r.Pids) }},
		{"blkio", blkioNeeded(r.BlockIO), func(d string) error { return setBlkio(d, r.BlockIO) }},
		{"hugetlb", len(r.HugepageLimits) > 0, func(d string) error { return setHugetlb(d, r.HugepageLimits) }},
		{"net_cls", r.Network != nil && r.Network.ClassID != nil, func(d string) error { return setNetCls(d, r.Network) }},
		{"net_prio", r.Network != nil && len(r.Network.Priorities) > 0, func(d string) error { return setNetPrio(d, r.Network) }},
		{"rdma", len(r.Rdma) > 0, func(d string) error { return setRdma(d, r.Rdma) }},
	}
	for _, s := range steps {
		if !s.need {
			continue
		}
		dir, err := m.path(s.ctl)
		if err != nil {
			return err
		}
		if err := s.fn(dir); err != nil {
			return fmt.Errorf("cgroup v1 %s: %w", s.ctl, err)
		}
	}
	if !update || len(r.Devices) > 0 {
		if err := m.setDevices(r.Devices); err != nil {
			return err
		}
	}
	return nil
}
