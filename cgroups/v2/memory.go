package v2

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func memoryNeeded(m *specs.LinuxMemory) bool {
	return m != nil && (m.Limit != nil || m.Reservation != nil || m.Swap != nil || m.Swappiness != nil ||
		//lint:ignore SA1019 memory.kernel is deprecated but still part of the spec: it is accepted and ignored with a debug line, as runc does
		m.DisableOOMKiller != nil || m.Kernel != nil || m.KernelTCP != nil)
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// setMemory: limit -> memory.max, reservation -> memory.low,
// swap -> memory.swap.max = swap - limit (SwapToV2).
func setMemory(dir string, m *specs.LinuxMemory, update bool) error {
	limit, swap := val(m.Limit), val(m.Swap)
	swapV2, err := SwapToV2(swap, limit)
	if err != nil {
		return err
	}
	if update && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && limit > 0 {
		// v2 would not refuse the limit but OOM-kill; the spec says reject.
		usage, err := fsutil.ReadUint(dir, "memory.current")
		if err != nil {
			return err
		}
		if usage >= uint64(limit) {
			return fmt.Errorf("rejecting memory limit %d: below or equal to current usage %d (checkBeforeUpdate)", limit, usage)
		}
	}
	swapStr := numToStr(swapV2)
	if swapStr == "" && swapV2 == 0 && swap > 0 {
		swapStr = "0" // swap == limit: no swap at all
	}
	// swap before memory.max, like runc: both orders are accepted by v2.
	if swapStr != "" {
		if err := fsutil.Write(dir, "memory.swap.max", swapStr); err != nil {
			// Without swap accounting, "unlimited" and "none" are already true.
			if !(errors.Is(err, os.ErrNotExist) && (swapStr == "max" || swapStr == "0")) {
				return err
			}
		}
	}
	if s := numToStr(limit); s != "" {
		if err := fsutil.Write(dir, "memory.max", s); err != nil {
			return err
		}
	}
	if s := numToStr(val(m.Reservation)); s != "" {
		if err := fsutil.Write(dir, "memory.low", s); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		logrus.Debug("cgroup v2 memory: memory.swappiness has no cgroup v2 equivalent; ignored")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		logrus.Debug("cgroup v2 memory: disableOOMKiller has no cgroup v2 equivalent; ignored")
	}
	//lint:ignore SA1019 memory.kernel is deprecated but still part of the spec: it is accepted and ignored with a debug line, as runc does
	if m.Kernel != nil || m.KernelTCP != nil {
		logrus.Debug("cgroup v2 memory: linux.resources.memory.kernel/kernelTCP are deprecated and ignored")
	}
	return nil
}
