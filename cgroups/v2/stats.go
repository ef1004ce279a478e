package v2

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brigrt/brig/cgroups/internal/common"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
	"github.com/brigrt/brig/cgroups/stats"
)

// Stats reads the statistics of every enabled controller; cpu.stat is core
// and always present.
func (m *Manager) Stats() (*stats.Stats, error) {
	st := &stats.Stats{}
	avail, err := m.controllers()
	if err != nil {
		return nil, err
	}
	readers := []struct {
		ctl string
		fn  func(dir string, st *stats.Stats) error
	}{
		{"cpu", cpuStats},
		{"memory", memoryStats},
		{"pids", common.PidsStats},
		{"io", ioStats},
		{"hugetlb", hugetlbStats},
	}
	for _, r := range readers {
		if r.ctl != "cpu" && !avail[r.ctl] {
			continue
		}
		if err := r.fn(m.dir, st); err != nil {
			return nil, fmt.Errorf("cgroup v2 %s: %w", r.ctl, err)
		}
	}
	return st, nil
}

func cpuStats(dir string, st *stats.Stats) error {
	kv, err := fsutil.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	st.CPU.Usage.Total = kv["usage_usec"] * 1000
	st.CPU.Usage.User = kv["user_usec"] * 1000
	st.CPU.Usage.Kernel = kv["system_usec"] * 1000
	st.CPU.Throttling = stats.Throttling{
		Periods:          kv["nr_periods"],
		ThrottledPeriods: kv["nr_throttled"],
		ThrottledTime:    kv["throttled_usec"] * 1000,
	}
	return nil
}

func readOpt(dir, file string) (uint64, error) {
	if !fsutil.Exists(dir, file) {
		return 0, nil
	}
	return fsutil.ReadUint(dir, file)
}

func memoryStats(dir string, st *stats.Stats) error {
	raw, err := fsutil.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	st.Memory.Raw = raw
	st.Memory.Cache = raw["file"]
	u := &st.Memory.Usage
	if u.Usage, err = fsutil.ReadUint(dir, "memory.current"); err != nil {
		return err
	}
	if u.Limit, err = fsutil.ReadUint(dir, "memory.max"); err != nil {
		return err
	}
	if u.Max, err = readOpt(dir, "memory.peak"); err != nil { // 5.19+
		return err
	}
	ev, err := fsutil.ReadKeyValues(dir, "memory.events")
	if err != nil {
		return err
	}
	u.Failcnt = ev["max"]
	st.Memory.EventCount = stats.MemoryEventCount{
		Low: ev["low"], High: ev["high"], Max: ev["max"], OOM: ev["oom"], OOMKill: ev["oom_kill"],
	}
	// v1 reports swap as memory+swap; do the same for compatibility (runc).
	if fsutil.Exists(dir, "memory.swap.current") {
		s := &st.Memory.Swap
		if s.Usage, err = fsutil.ReadUint(dir, "memory.swap.current"); err != nil {
			return err
		}
		if s.Limit, err = fsutil.ReadUint(dir, "memory.swap.max"); err != nil {
			return err
		}
		if s.Max, err = readOpt(dir, "memory.swap.peak"); err != nil {
			return err
		}
		s.Usage += u.Usage
		if s.Limit != ^uint64(0) && u.Limit != ^uint64(0) {
			s.Limit += u.Limit
		}
	}
	return nil
}

// ioStats maps io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") to the
// v1-shaped byte and operation counters.
func ioStats(dir string, st *stats.Stats) error {
	s, err := fsutil.Read(dir, "io.stat")
	if err != nil {
		return err
	}
	st.Blkio.IoServiceBytesRecursive, st.Blkio.IoServicedRecursive = ParseIOStat(s)
	return nil
}

// ParseIOStat parses io.stat into (bytes, operations) entries.
func ParseIOStat(s string) (bytes, ios []stats.BlkioEntry) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		mm := strings.SplitN(f[0], ":", 2)
		if len(mm) != 2 {
			continue
		}
		major, err1 := strconv.ParseUint(mm[0], 10, 64)
		minor, err2 := strconv.ParseUint(mm[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			e := stats.BlkioEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes":
				e.Op = "Read"
				bytes = append(bytes, e)
			case "wbytes":
				e.Op = "Write"
				bytes = append(bytes, e)
			case "rios":
				e.Op = "Read"
				ios = append(ios, e)
			case "wios":
				e.Op = "Write"
				ios = append(ios, e)
			}
		}
	}
	return bytes, ios
}

func hugetlbStats(dir string, st *stats.Stats) error {
	matches, err := filepath.Glob(filepath.Join(dir, "hugetlb.*.current"))
	if err != nil {
		return err
	}
	for _, p := range matches {
		size := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "hugetlb."), ".current")
		if strings.Contains(size, ".") { // hugetlb.2MB.rsvd.current
			continue
		}
		var h stats.Hugetlb
		if h.Usage, err = fsutil.ReadUint(dir, "hugetlb."+size+".current"); err != nil {
			return err
		}
		ev, err := fsutil.ReadKeyValues(dir, "hugetlb."+size+".events")
		if err != nil && !fsutil.IsNotExist(err) {
			return err
		}
		h.Failcnt = ev["max"]
		if st.Hugetlb == nil {
			st.Hugetlb = map[string]stats.Hugetlb{}
		}
		st.Hugetlb[size] = h
	}
	return nil
}
