package v1

import (
	"errors"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func cpuNeeded(c *specs.LinuxCPU) bool {
	return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil)
}

// setCPU writes the cpu controller knobs (cpuset.* are in cpuset.go).
func setCPU(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		want := *c.Shares
		if err := fsutil.Write(dir, "cpu.shares", strconv.FormatUint(want, 10)); err != nil {
			return err
		}
		// The kernel clamps silently (2..262144); report it like runc.
		got, err := fsutil.ReadUint(dir, "cpu.shares")
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("cpu.shares %d is out of range: the kernel set %d (allowed 2-262144)", want, got)
		}
	}
	// Period first; a smaller period can be refused (EINVAL) while the old
	// quota/new period ratio exceeds the parent's: then retry after the quota.
	period := ""
	if c.Period != nil && *c.Period != 0 {
		period = strconv.FormatUint(*c.Period, 10)
		if err := fsutil.Write(dir, "cpu.cfs_period_us", period); err != nil {
			if !errors.Is(err, unix.EINVAL) || c.Quota == nil || *c.Quota == 0 {
				return err
			}
		} else {
			period = ""
		}
	}
	if c.Quota != nil && *c.Quota != 0 {
		if err := fsutil.Write(dir, "cpu.cfs_quota_us", strconv.FormatInt(*c.Quota, 10)); err != nil {
			return err
		}
		if period != "" {
			if err := fsutil.Write(dir, "cpu.cfs_period_us", period); err != nil {
				return err
			}
		}
	}
	if c.Burst != nil {
		if err := fsutil.Write(dir, "cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return err
		}
	}
	// Realtime: period before runtime (runtime <= period).
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		if err := fsutil.Write(dir, "cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10)); err != nil {
			return err
		}
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		if err := fsutil.Write(dir, "cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10)); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := fsutil.Write(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	return nil
}
