package v1

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brigrt/brig/cgroups/internal/common"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
	"github.com/brigrt/brig/cgroups/stats"
)

// clockTicks is USER_HZ, the unit of cpuacct.stat; 100 on every Linux ABI
// Go supports.
const clockTicks = 100

// Stats reads every mounted controller's statistics; missing controllers
// leave their section zero, unreadable files are errors.
func (m *Manager) Stats() (*stats.Stats, error) {
	st := &stats.Stats{}
	readers := []struct {
		ctl string
		fn  func(dir string, st *stats.Stats) error
	}{
		{"memory", memoryStats},
		{"cpuacct", cpuacctStats},
		{"cpu", cpuStats},
		{"pids", common.PidsStats},
		{"blkio", blkioStats},
		{"hugetlb", hugetlbStats},
	}
	for _, r := range readers {
		dir, ok := m.paths[r.ctl]
		if !ok {
			continue
		}
		if err := r.fn(dir, st); err != nil {
			return nil, fmt.Errorf("cgroup v1 %s: %w", r.ctl, err)
		}
	}
	return st, nil
}

func memoryEntry(dir, prefix string) (stats.MemoryEntry, error) {
	var e stats.MemoryEntry
	if !fsutil.Exists(dir, prefix+".usage_in_bytes") {
		return e, nil // memsw/kmem not compiled in
	}
	for _, f := range []struct {
		name string
		dst  *uint64
	}{
		{".usage_in_bytes", &e.Usage},
		{".max_usage_in_bytes", &e.Max},
		{".failcnt", &e.Failcnt},
		{".limit_in_bytes", &e.Limit},
	} {
		v, err := fsutil.ReadUint(dir, prefix+f.name)
		if err != nil {
			return e, err
		}
		*f.dst = v
	}
	return e, nil
}

func memoryStats(dir string, st *stats.Stats) error {
	raw, err := fsutil.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	st.Memory.Raw = raw
	st.Memory.Cache = raw["total_cache"]
	for _, e := range []struct {
		prefix string
		dst    *stats.MemoryEntry
	}{
		{"memory", &st.Memory.Usage},
		{"memory.memsw", &st.Memory.Swap},
		{"memory.kmem", &st.Memory.Kernel},
		{"memory.kmem.tcp", &st.Memory.KernelTCP},
	} {
		if *e.dst, err = memoryEntry(dir, e.prefix); err != nil {
			return err
		}
	}
	oom, err := fsutil.ReadKeyValues(dir, "memory.oom_control")
	if err != nil {
		return err
	}
	st.Memory.EventCount.OOMKill = oom["oom_kill"]
	st.Memory.EventCount.Max = st.Memory.Usage.Failcnt
	return nil
}

func cpuacctStats(dir string, st *stats.Stats) error {
	total, err := fsutil.ReadUint(dir, "cpuacct.usage")
	if err != nil {
		return err
	}
	st.CPU.Usage.Total = total
	kv, err := fsutil.ReadKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	const nsPerTick = 1e9 / clockTicks
	st.CPU.Usage.User = kv["user"] * nsPerTick
	st.CPU.Usage.Kernel = kv["system"] * nsPerTick
	for _, f := range []struct {
		name string
		dst  *[]uint64
	}{
		{"cpuacct.usage_percpu", &st.CPU.Usage.Percpu},
		{"cpuacct.usage_percpu_sys", &st.CPU.Usage.PercpuKernel},
		{"cpuacct.usage_percpu_user", &st.CPU.Usage.PercpuUser},
	} {
		if !fsutil.Exists(dir, f.name) {
			continue
		}
		s, err := fsutil.Read(dir, f.name)
		if err != nil {
			return err
		}
		for _, w := range strings.Fields(s) {
			v, err := strconv.ParseUint(w, 10, 64)
			if err != nil {
				return fmt.Errorf("parse %s: %w", f.name, err)
			}
			*f.dst = append(*f.dst, v)
		}
	}
	return nil
}

func cpuStats(dir string, st *stats.Stats) error {
	kv, err := fsutil.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	st.CPU.Throttling = stats.Throttling{
		Periods:          kv["nr_periods"],
		ThrottledPeriods: kv["nr_throttled"],
		ThrottledTime:    kv["throttled_time"],
	}
	return nil
}

// blkioStats reads the throttle counters (always present; the CFQ/BFQ ones
// are often not).
func blkioStats(dir string, st *stats.Stats) error {
	for _, f := range []struct {
		name string
		dst  *[]stats.BlkioEntry
	}{
		{"blkio.throttle.io_service_bytes_recursive", &st.Blkio.IoServiceBytesRecursive},
		{"blkio.throttle.io_serviced_recursive", &st.Blkio.IoServicedRecursive},
	} {
		entries, err := readBlkioFile(dir, f.name)
		if err != nil {
			return err
		}
		*f.dst = entries
	}
	return nil
}

// readBlkioFile parses "maj:min Op value" lines ("Total value" is skipped).
func readBlkioFile(dir, file string) ([]stats.BlkioEntry, error) {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	defer f.Close()
	var out []stats.BlkioEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		mm := strings.SplitN(fields[0], ":", 2)
		if len(mm) != 2 {
			continue
		}
		major, err1 := strconv.ParseUint(mm[0], 10, 64)
		minor, err2 := strconv.ParseUint(mm[1], 10, 64)
		v, err3 := strconv.ParseUint(fields[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("parse %s: bad line %q", file, sc.Text())
		}
		out = append(out, stats.BlkioEntry{Major: major, Minor: minor, Op: fields[1], Value: v})
	}
	return out, sc.Err()
}

func hugetlbStats(dir string, st *stats.Stats) error {
	matches, err := filepath.Glob(filepath.Join(dir, "hugetlb.*.usage_in_bytes"))
	if err != nil {
		return err
	}
	for _, p := range matches {
		size := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "hugetlb."), ".usage_in_bytes")
		if strings.Contains(size, ".") { // hugetlb.2MB.rsvd.usage_in_bytes
			continue
		}
		var h stats.Hugetlb
		var err error
		if h.Usage, err = fsutil.ReadUint(dir, "hugetlb."+size+".usage_in_bytes"); err != nil {
			return err
		}
		if h.Max, err = fsutil.ReadUint(dir, "hugetlb."+size+".max_usage_in_bytes"); err != nil {
			return err
		}
		if h.Failcnt, err = fsutil.ReadUint(dir, "hugetlb."+size+".failcnt"); err != nil {
			return err
		}
		if st.Hugetlb == nil {
			st.Hugetlb = map[string]stats.Hugetlb{}
		}
		st.Hugetlb[size] = h
	}
	return nil
}
