package v1

import (
	"errors"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

const (
	memLimit = "memory.limit_in_bytes"
	memswLim = "memory.memsw.limit_in_bytes"
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

// setMemory follows runc's fs/memory.go: 0 means "not set", -1 unlimited;
// memory+swap (memsw) and memory are written in the order the kernel
// accepts (memsw >= memory at every step).
func setMemory(dir string, m *specs.LinuxMemory, update bool) error {
	limit, swap := val(m.Limit), val(m.Swap)
	haveMemsw := fsutil.Exists(dir, memswLim)
	if limit == -1 && swap == 0 && haveMemsw {
		swap = -1 // unlimited memory means unlimited memory+swap too
	}
	if update && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && limit > 0 {
		usage, err := fsutil.ReadUint(dir, "memory.usage_in_bytes")
		if err != nil {
			return err
		}
		if usage >= uint64(limit) {
			return fmt.Errorf("rejecting memory limit %d: below or equal to current usage %d (checkBeforeUpdate)", limit, usage)
		}
	}
	if swap != 0 && !haveMemsw {
		if swap != -1 {
			return fmt.Errorf("memory.swap %d requested but %s does not exist (kernel without swap accounting)", swap, memswLim)
		}
		swap = 0
	}
	swapFirst := false
	if limit != 0 && swap != 0 {
		cur, err := fsutil.ReadUint(dir, memLimit)
		if err != nil {
			return err
		}
		swapFirst = swap == -1 || cur < uint64(swap)
	}
	writeLimit := func() error {
		if limit == 0 {
			return nil
		}
		err := fsutil.Write(dir, memLimit, strconv.FormatInt(limit, 10))
		if errors.Is(err, unix.EBUSY) {
			usage, _ := fsutil.ReadUint(dir, "memory.usage_in_bytes")
			return fmt.Errorf("%w (memory limit %d is below the current usage %d)", err, limit, usage)
		}
		return err
	}
	writeSwap := func() error {
		if swap == 0 {
			return nil
		}
		return fsutil.Write(dir, memswLim, strconv.FormatInt(swap, 10))
	}
	order := []func() error{writeLimit, writeSwap}
	if swapFirst {
		order = []func() error{writeSwap, writeLimit}
	}
	for _, f := range order {
		if err := f(); err != nil {
			return err
		}
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		if err := fsutil.Write(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(*m.Reservation, 10)); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("invalid memory.swappiness %d (want 0-100)", *m.Swappiness)
		}
		if err := fsutil.Write(dir, "memory.swappiness", strconv.FormatUint(*m.Swappiness, 10)); err != nil {
			return err
		}
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		if err := fsutil.Write(dir, "memory.oom_control", "1"); err != nil {
			return err
		}
	}
	//lint:ignore SA1019 memory.kernel is deprecated but still part of the spec: it is accepted and ignored with a debug line, as runc does
	if m.Kernel != nil || m.KernelTCP != nil {
		logrus.Debug("cgroup v1 memory: linux.resources.memory.kernel/kernelTCP are deprecated and ignored")
	}
	return nil
}
