package libcontainer

import (
	"fmt"

	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// capSets is the process's five capability sets as bitmasks.
type capSets struct {
	bounding, effective, permitted, inheritable, ambient uint64
}

func capMask(field string, names []string) (uint64, error) {
	var m uint64
	for _, n := range names {
		v, ok := spec.CapabilityValue(n)
		if !ok {
			return 0, fmt.Errorf("process.capabilities.%s: unknown capability %q", field, n)
		}
		m |= 1 << uint(v)
	}
	return m, nil
}

func parseCaps(c *specs.LinuxCapabilities) (capSets, error) {
	var s capSets
	if c == nil {
		return s, nil
	}
	var err error
	for _, f := range []struct {
		name  string
		names []string
		dst   *uint64
	}{
		{"bounding", c.Bounding, &s.bounding},
		{"effective", c.Effective, &s.effective},
		{"permitted", c.Permitted, &s.permitted},
		{"inheritable", c.Inheritable, &s.inheritable},
		{"ambient", c.Ambient, &s.ambient},
	} {
		if *f.dst, err = capMask(f.name, f.names); err != nil {
			return s, err
		}
	}
	return s, nil
}

// dropBounding removes every capability not in the bounding set. It works
// on the calling thread only, which is the thread that will execve.
func dropBounding(s capSets, last int) error {
	for c := 0; c <= last; c++ {
		if s.bounding&(1<<uint(c)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			name, _ := spec.CapabilityName(c)
			return fmt.Errorf("drop %s from the bounding set: %w", name, err)
		}
	}
	return nil
}

// applyCaps sets the effective, permitted and inheritable sets, then the
// ambient set (which the kernel only accepts for permitted+inheritable caps).
func applyCaps(s capSets, last int) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := 0; i < 2; i++ {
		data[i].Effective = uint32(s.effective >> (32 * i))
		data[i].Permitted = uint32(s.permitted >> (32 * i))
		data[i].Inheritable = uint32(s.inheritable >> (32 * i))
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	// The kernel raises an ambient capability only if it is permitted and
	// inheritable. `runc spec` configs list ambient caps without
	// inheritable ones, and runc skips those: so do we.
	raisable := s.ambient & s.permitted & s.inheritable
	for c := 0; c <= last; c++ {
		if raisable&(1<<uint(c)) == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			name, _ := spec.CapabilityName(c)
			return fmt.Errorf("process.capabilities.ambient: raise %s: %w", name, err)
		}
	}
	return nil
}
