package v2

import (
	"errors"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func cpuNeeded(c *specs.LinuxCPU) bool {
	return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil)
}

// CPUMax renders cpu.max from quota/period as runc: "max" unless quota > 0,
// then the period if given. ok is false when neither is set.
func CPUMax(quota int64, period uint64) (s string, ok bool) {
	if quota == 0 && period == 0 {
		return "", false
	}
	s = "max"
	if quota > 0 {
		s = strconv.FormatInt(quota, 10)
	}
	if period != 0 {
		s += " " + strconv.FormatUint(period, 10)
	}
	return s, true
}

func setCPU(dir string, c *specs.LinuxCPU) error {
	if (c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0) || (c.RealtimePeriod != nil && *c.RealtimePeriod != 0) {
		return errors.New("realtimeRuntime/realtimePeriod are not supported on cgroup v2")
	}
	if c.Idle != nil {
		if err := fsutil.Write(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	if c.Shares != nil {
		if w := CPUSharesToWeight(*c.Shares); w != 0 {
			if err := fsutil.Write(dir, "cpu.weight", strconv.FormatUint(w, 10)); err != nil {
				return err
			}
		}
	}
	// Burst first; a larger burst can be refused (EINVAL) against the old
	// quota: then retry once cpu.max is written (runc does the same).
	burst := ""
	if c.Burst != nil {
		burst = strconv.FormatUint(*c.Burst, 10)
		if err := fsutil.Write(dir, "cpu.max.burst", burst); err != nil {
			if !errors.Is(err, unix.EINVAL) || c.Quota == nil || *c.Quota == 0 {
				return err
			}
		} else {
			burst = ""
		}
	}
	var quota int64
	var period uint64
	if c.Quota != nil {
		quota = *c.Quota
	}
	if c.Period != nil {
		period = *c.Period
	}
	if s, ok := CPUMax(quota, period); ok {
		if err := fsutil.Write(dir, "cpu.max", s); err != nil {
			return err
		}
	}
	if burst != "" {
		if err := fsutil.Write(dir, "cpu.max.burst", burst); err != nil {
			return err
		}
	}
	return nil
}

func setCpuset(dir string, c *specs.LinuxCPU) error {
	if c.Cpus != "" {
		if err := fsutil.Write(dir, "cpuset.cpus", c.Cpus); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := fsutil.Write(dir, "cpuset.mems", c.Mems); err != nil {
			return err
		}
	}
	return nil
}
