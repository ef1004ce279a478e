package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// TestCgroupResources: every linux.resources section set at create time is
// read back from inside the container, from its own cgroup files (mounted
// at /sys/fs/cgroup through the cgroup namespace). The same table runs on
// the hybrid v1 host and in the cgroup v2 VM (tests/vm/test-cgroup2.sh);
// each case says what each version must show. A resource this host cannot
// apply (blkio weight without CFQ/BFQ, hugetlb only on the unified mount,
// no rdma controller) must instead fail with an error naming it.
func TestCgroupResources(t *testing.T) {
	t.Parallel()
	v2 := cgV2()
	// pick returns the v1 or the v2 value for this host.
	pick := func(v1, v2val map[string]string) map[string]string {
		if v2 {
			return v2val
		}
		return v1
	}
	res := func(fn func(r *specs.LinuxResources)) testutil.SpecOpt {
		return testutil.WithSpec(func(s *specs.Spec) {
			if s.Linux.Resources == nil {
				s.Linux.Resources = &specs.LinuxResources{}
			}
			fn(s.Linux.Resources)
		})
	}
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	u16 := func(v uint16) *uint16 { return &v }
	u32 := func(v uint32) *uint32 { return &v }
	throttle := func(rate uint64) []specs.LinuxThrottleDevice {
		return []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 7, Minor: 0}, Rate: rate}}
	}

	cases := []surfaceCase{
		{
			name: "memory",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.Memory = &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(32 << 20), Swap: i64(128 << 20)}
				if !v2 {
					r.Memory.Swappiness = u64(10)
				}
			})},
			script: cgReadScript("memory/memory.limit_in_bytes", "memory/memory.soft_limit_in_bytes",
				"memory/memory.memsw.limit_in_bytes", "memory/memory.swappiness",
				"memory.max", "memory.low", "memory.swap.max"),
			check: cgExpect(pick(map[string]string{
				"memory.limit_in_bytes":       "67108864",
				"memory.soft_limit_in_bytes":  "33554432",
				"memory.memsw.limit_in_bytes": "134217728",
				"memory.swappiness":           "10",
			}, map[string]string{
				"memory.max":      "67108864",
				"memory.low":      "33554432",
				"memory.swap.max": "67108864", // v2 swap excludes memory: 128M - 64M
			})),
		},
		{
			name: "memory-unlimited-swap",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.Memory = &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(-1)}
			})},
			script: cgReadScript("memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "memory.max", "memory.swap.max"),
			check: cgExpect(pick(map[string]string{
				"memory.limit_in_bytes":       "67108864",
				"memory.memsw.limit_in_bytes": "9223372036854771712",
			}, map[string]string{"memory.max": "67108864", "memory.swap.max": "max"})),
		},
		{
			name: "cpu-shares-quota-burst",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.CPU = &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Burst: u64(20000)}
			})},
			script: cgReadScript("cpu*/cpu.shares", "cpu*/cpu.cfs_quota_us", "cpu*/cpu.cfs_period_us", "cpu*/cpu.cfs_burst_us",
				"cpu.weight", "cpu.max", "cpu.max.burst"),
			check: cgExpect(pick(map[string]string{
				"cpu.shares":        "512",
				"cpu.cfs_quota_us":  "50000",
				"cpu.cfs_period_us": "100000",
				"cpu.cfs_burst_us":  "20000",
			}, map[string]string{
				"cpu.weight":    "20", // 1 + (512-2)*9999/262142, as runc and crun
				"cpu.max":       "50000 100000",
				"cpu.max.burst": "20000",
			})),
			brigOnly: "runc 1.1 ignores linux.resources.cpu.burst",
		},
		{
			name:     "cpu-idle",
			opts:     []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.CPU = &specs.LinuxCPU{Idle: i64(1)} })},
			script:   cgReadScript("cpu*/cpu.idle", "cpu.idle"),
			check:    cgExpect(map[string]string{"cpu.idle": "1"}),
			brigOnly: "runc 1.1 ignores linux.resources.cpu.idle",
		},
		{
			name: "cpuset",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.CPU = &specs.LinuxCPU{Cpus: "0", Mems: "0"}
			})},
			script: cgReadScript("cpuset*/cpuset.cpus", "cpuset*/cpuset.mems", "cpuset.cpus", "cpuset.mems") +
				`; grep Cpus_allowed_list /proc/self/status | tr -d '\t' | tr : =`,
			check: cgExpect(map[string]string{"cpuset.cpus": "0", "cpuset.mems": "0", "Cpus_allowed_list": "0"}),
		},
		{
			name:   "pids",
			opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: i64(42)} })},
			script: cgReadScript("pids/pids.max", "pids.max"),
			check:  cgExpect(map[string]string{"pids.max": "42"}),
		},
		{
			// The init joins late under a small pids limit: its own Go
			// threads would not fit (runc runs under pids.max 1 too).
			name: "pids-1",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: i64(1)} }),
				testutil.WithArgs("true")},
		},
		{
			name: "blkio-throttle",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.BlockIO = &specs.LinuxBlockIO{
					ThrottleReadBpsDevice: throttle(1 << 20), ThrottleWriteBpsDevice: throttle(2 << 20),
					ThrottleReadIOPSDevice: throttle(100), ThrottleWriteIOPSDevice: throttle(200),
				}
			})},
			setup:  needBlockDevice("7:0"),
			script: cgReadScript("blkio/blkio.throttle.read_bps_device", "blkio/blkio.throttle.write_bps_device", "blkio/blkio.throttle.read_iops_device", "blkio/blkio.throttle.write_iops_device", "io.max"),
			check: cgExpect(pick(map[string]string{
				"blkio.throttle.read_bps_device":   "7:0 1048576",
				"blkio.throttle.write_bps_device":  "7:0 2097152",
				"blkio.throttle.read_iops_device":  "7:0 100",
				"blkio.throttle.write_iops_device": "7:0 200",
			}, map[string]string{"io.max": "7:0 rbps=1048576 wbps=2097152 riops=100 wiops=200"})),
		},
		{
			// A loop device exists on both hosts (the VM loads the module).
			// Rules apply in order after the spec's deny-all: loop0 allowed
			// rw then denied w; loop1 never allowed; the defaults (/dev/null,
			// /dev/zero, ...) come last, as runc appends them.
			name: "devices",
			opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
				s.Linux.Devices = append(s.Linux.Devices,
					specs.LinuxDevice{Path: "/dev/loop0", Type: "b", Major: 7, Minor: 0},
					specs.LinuxDevice{Path: "/dev/loop1", Type: "b", Major: 7, Minor: 1})
				s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
					specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: i64(7), Minor: i64(0), Access: "rw"},
					specs.LinuxDeviceCgroup{Allow: false, Type: "b", Major: i64(7), Minor: i64(0), Access: "w"})
			})},
			setup: needBlockDevice("7:0"),
			script: `t() { k=$1; shift; if "$@" 2>/dev/shm/e; then echo "$k=ok"; else echo "$k=$(tail -n1 /dev/shm/e | sed 's/.*: //')"; fi; }
t read-loop0 dd if=/dev/loop0 of=/dev/null count=0
t write-loop0 dd if=/dev/zero of=/dev/loop0 count=0
t read-loop1 dd if=/dev/loop1 of=/dev/null count=0
t default-zero-null dd if=/dev/zero of=/dev/null count=1`,
			check: cgExpect(map[string]string{
				"read-loop0":        "ok",
				"write-loop0":       "Operation not permitted",
				"read-loop1":        "Operation not permitted",
				"default-zero-null": "ok",
			}),
		},
		{
			// An unknown RDMA device: the kernel refuses it on v2, and v1
			// has no rdma hierarchy here; either way the error names rdma.
			name: "rdma-unknown-device",
			opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
				r.Rdma = map[string]specs.LinuxRdma{"brigtest0": {HcaHandles: u32(7)}}
			})},
			script: "true",
			errs:   []string{"rdma"},
		},
	}

	if v2 {
		cases = append(cases,
			surfaceCase{
				name: "io-weight",
				opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
					r.BlockIO = &specs.LinuxBlockIO{Weight: u16(500)}
				})},
				script: cgReadScript("io.weight", "io.bfq.weight"),
				check: func(t *testing.T, out string, _ surfaceVariant) {
					got := cgParse(out)
					// BFQ takes the v1 value; iocost's io.weight the converted 1 + (500-10)*9999/990
					if got["io.bfq.weight"] != "default 500" && got["io.weight"] != "default 4950" {
						t.Errorf("io weight: %q, want io.bfq.weight 500 or io.weight 4950", out)
					}
				},
			},
			surfaceCase{
				name: "hugetlb",
				opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
					r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
				})},
				script: cgReadScript("hugetlb.2MB.max", "hugetlb.2MB.rsvd.max"),
				check:  cgExpect(map[string]string{"hugetlb.2MB.max": "4194304", "hugetlb.2MB.rsvd.max": "4194304"}),
			},
			surfaceCase{
				name: "unified",
				opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
					r.Unified = map[string]string{"memory.high": "67108864", "pids.max": "17"}
				})},
				script: cgReadScript("memory.high", "pids.max"),
				check:  cgExpect(map[string]string{"memory.high": "67108864", "pids.max": "17"}),
			},
			surfaceCase{
				name:   "unified-unknown-controller",
				opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Unified = map[string]string{"nosuch.max": "1"} })},
				script: "true",
				errs:   []string{"nosuch"},
			},
			surfaceCase{
				// net_cls/net_prio have no v2 equivalent: ignored, as runc.
				name:   "network-ignored",
				opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Network = &specs.LinuxNetwork{ClassID: u32(0x100001)} })},
				script: "echo ran=yes",
				check:  cgExpect(map[string]string{"ran": "yes"}),
			},
			surfaceCase{
				// tests/vm/test-cgroup2.sh adds a soft-RoCE device (rxe0).
				name: "rdma",
				setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
					devs, _ := os.ReadDir("/sys/class/infiniband")
					if len(devs) == 0 {
						t.Skip("no RDMA device on this host (the cgroup v2 VM adds rxe0 over dummy0)")
					}
					dev := devs[0].Name()
					hca, obj := uint32(2), uint32(3)
					b.Mutate(res(func(r *specs.LinuxResources) {
						r.Rdma = map[string]specs.LinuxRdma{dev: {HcaHandles: &hca, HcaObjects: &obj}}
					}))
					b.Mutate(testutil.WithShell(cgReadScript("rdma.max") + "; echo dev=" + dev))
					return nil
				},
				check: func(t *testing.T, out string, _ surfaceVariant) {
					got := cgParse(out)
					if want := got["dev"] + " hca_handle=2 hca_object=3"; got["rdma.max"] != want {
						t.Errorf("rdma.max = %q in the container, want %q", got["rdma.max"], want)
					}
				},
			},
		)
	} else {
		cases = append(cases,
			surfaceCase{
				name:   "blkio-weight-unavailable",
				opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.BlockIO = &specs.LinuxBlockIO{Weight: u16(500)} })},
				script: "true",
				errs:   []string{"blkio.weight", "blkio.bfq.weight"},
			},
			surfaceCase{
				name: "hugetlb-unavailable",
				opts: []testutil.SpecOpt{res(func(r *specs.LinuxResources) {
					r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
				})},
				script: "true",
				errs:   []string{"hugetlb"},
			},
			surfaceCase{
				// net_cls and net_prio are not mounted on this host.
				name:   "network-unavailable",
				opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Network = &specs.LinuxNetwork{ClassID: u32(0x100001)} })},
				script: "true",
				errs:   []string{"net_cls"},
			},
			surfaceCase{
				name:   "unified-on-v1",
				opts:   []testutil.SpecOpt{res(func(r *specs.LinuxResources) { r.Unified = map[string]string{"memory.high": "1"} })},
				script: "true",
				errs:   []string{"unified"},
			},
		)
	}
	runSurfaceCases(t, cases)
}

// cgReadScript prints "<file>=<content>" for the first match of each glob
// below /sys/fs/cgroup (missing files print nothing; multi-line content is
// joined with ";").
func cgReadScript(globs ...string) string {
	return `for g in ` + strings.Join(globs, " ") + `; do
	for f in /sys/fs/cgroup/$g; do
		[ -e "$f" ] && echo "${f##*/}=$(tr '\n' ';' <"$f" | sed 's/;$//')"
		break
	done
done`
}

func cgParse(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// cgExpect checks that the container printed every key with its value.
func cgExpect(want map[string]string) func(t *testing.T, out string, _ surfaceVariant) {
	return func(t *testing.T, out string, _ surfaceVariant) {
		t.Helper()
		got := cgParse(out)
		for k, v := range want {
			if g, ok := got[k]; !ok {
				t.Errorf("%s: not seen in the container (output %q)", k, out)
			} else if g != v {
				t.Errorf("%s = %q in the container, want %q", k, g, v)
			}
		}
	}
}

// needBlockDevice skips a case when the host has no block device maj:min
// (the cgroup v2 VM loads the loop module for these cases).
func needBlockDevice(dev string) func(t *testing.T, _ *testutil.Bundle, _ surfaceVariant) []string {
	return func(t *testing.T, _ *testutil.Bundle, _ surfaceVariant) []string {
		if _, err := os.Stat("/sys/dev/block/" + dev); err != nil {
			t.Skipf("no block device %s on this host (load the loop module): %v", dev, err)
		}
		return nil
	}
}
