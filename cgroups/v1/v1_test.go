package v1

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name       string
		h          Hierarchy
		own, inner string
		want       string
	}{
		{"absolute", Hierarchy{Mountpoint: "/sys/fs/cgroup/memory", Root: "/"}, "/x", "/brig/c", "/sys/fs/cgroup/memory/brig/c"},
		{"relative", Hierarchy{Mountpoint: "/sys/fs/cgroup/memory", Root: "/"}, "/process_api/1", "c", "/sys/fs/cgroup/memory/process_api/1/c"},
		{"relative in cgroupns/bind mount", Hierarchy{Mountpoint: "/sys/fs/cgroup/cpu", Root: "/docker/abc"}, "/docker/abc/sub", "c", "/sys/fs/cgroup/cpu/sub/c"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(tt.h, tt.own, tt.inner)
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := resolve(Hierarchy{Mountpoint: "/m", Root: "/"}, "", "rel"); err == nil {
		t.Fatal("relative path without own cgroup: want error")
	}
}

func TestNewFake(t *testing.T) {
	m, err := New(Config{
		Path: "c",
		Hierarchies: []Hierarchy{
			{Mountpoint: "/cg/cpu,cpuacct", Root: "/", Controllers: []string{"cpu", "cpuacct"}},
			{Mountpoint: "/cg/systemd", Root: "/", Controllers: []string{"name=systemd"}},
		},
		Unified:    &Hierarchy{Mountpoint: "/cg/unified", Root: "/"},
		OwnCgroups: map[string]string{"cpu": "/a", "cpuacct": "/a", "name=systemd": "/s", "": "/u"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cpu": "/cg/cpu,cpuacct/a/c", "cpuacct": "/cg/cpu,cpuacct/a/c", "name=systemd": "/cg/systemd/s/c", "": "/cg/unified/u/c"}
	got := m.Paths()
	if len(got) != len(want) {
		t.Fatalf("paths %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %q, want %q", k, got[k], v)
		}
	}
	if _, err := m.path("memory"); err == nil || err.Error() != "cgroup v1 memory: controller is not mounted (no memory hierarchy on this host)" {
		t.Fatalf("missing controller error: %v", err)
	}
}

// fakeHierarchies makes one directory per controller with the given
// (empty) control files, and a manager on them.
func fakeManager(t *testing.T, files map[string][]string) (*Manager, string) {
	t.Helper()
	base := t.TempDir()
	var hs []Hierarchy
	for ctl, fs := range files {
		dir := filepath.Join(base, ctl, "ctr")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		hs = append(hs, Hierarchy{Mountpoint: filepath.Join(base, ctl), Root: "/", Controllers: []string{ctl}})
	}
	m, err := New(Config{Path: "/ctr", Hierarchies: hs})
	if err != nil {
		t.Fatal(err)
	}
	return m, base
}

func TestUpdateWritesFiles(t *testing.T) {
	files := map[string][]string{
		"memory":   {"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness", "memory.oom_control"},
		"cpu":      {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle"},
		"cpuset":   {"cpuset.cpus", "cpuset.mems"},
		"pids":     {"pids.max"},
		"blkio":    {"blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.write_iops_device"},
		"hugetlb":  {"hugetlb.1GB.limit_in_bytes"},
		"net_cls":  {"net_cls.classid"},
		"net_prio": {"net_prio.ifpriomap"},
		"rdma":     {"rdma.max"},
	}
	tests := []struct {
		name string
		res  specs.LinuxResources
		want map[string]string // "ctl/file" -> content
		err  string
	}{
		{
			name: "memory without memsw",
			//lint:ignore SA1019 memory.kernel is deprecated but still part of the spec: it is accepted and ignored with a debug line, as runc does
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Reservation: i64(1 << 19), Swappiness: u64(10), DisableOOMKiller: boolp(true), Kernel: i64(5)}},
			want: map[string]string{"memory/memory.limit_in_bytes": "1048576", "memory/memory.soft_limit_in_bytes": "524288", "memory/memory.swappiness": "10", "memory/memory.oom_control": "1"},
		},
		{
			name: "swap without swap accounting",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Swap: i64(2 << 20)}},
			err:  "cgroup v1 memory: memory.swap 2097152 requested but memory.memsw.limit_in_bytes does not exist",
		},
		{
			name: "bad swappiness",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}},
			err:  "cgroup v1 memory: invalid memory.swappiness 101 (want 0-100)",
		},
		{
			name: "cpu",
			res:  specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(20000), Period: u64(50000), Burst: u64(100), RealtimePeriod: u64(1000000), RealtimeRuntime: i64(950000), Idle: i64(1), Cpus: "1", Mems: "0"}},
			want: map[string]string{"cpu/cpu.cfs_quota_us": "20000", "cpu/cpu.cfs_period_us": "50000", "cpu/cpu.cfs_burst_us": "100", "cpu/cpu.rt_period_us": "1000000", "cpu/cpu.rt_runtime_us": "950000", "cpu/cpu.idle": "1", "cpuset/cpuset.cpus": "1", "cpuset/cpuset.mems": "0"},
		},
		{
			name: "pids",
			res:  specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}},
			want: map[string]string{"pids/pids.max": "max"},
		},
		{
			name: "blkio bfq",
			res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
				Weight:                  u16(300),
				WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(200)}},
				ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 10}},
			}},
			want: map[string]string{"blkio/blkio.bfq.weight": "300", "blkio/blkio.bfq.weight_device": "8:0 200", "blkio/blkio.throttle.write_iops_device": "8:0 10"},
		},
		{
			name: "hugetlb",
			res:  specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1 << 30}}},
			want: map[string]string{"hugetlb/hugetlb.1GB.limit_in_bytes": "1073741824"},
		},
		{
			name: "hugetlb unknown size",
			res:  specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}},
			err:  "cgroup v1 hugetlb: open hugetlb.3MB.limit_in_bytes: no such file or directory",
		},
		{
			name: "network",
			res:  specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(0x100001), Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}}}},
			want: map[string]string{"net_cls/net_cls.classid": "1048577", "net_prio/net_prio.ifpriomap": "eth0 5"},
		},
		{
			name: "rdma",
			res:  specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx4_0": {HcaObjects: u32(7)}}},
			want: map[string]string{"rdma/rdma.max": "mlx4_0 hca_object=7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, base := fakeManager(t, files)
			err := m.Update(&tt.res)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want prefix %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				ctl, file, _ := strings.Cut(k, "/")
				b, _ := os.ReadFile(filepath.Join(base, ctl, "ctr", file))
				if string(b) != want {
					t.Errorf("%s = %q, want %q", k, b, want)
				}
			}
		})
	}
}

func TestUnavailableController(t *testing.T) {
	m, _ := fakeManager(t, map[string][]string{"cpu": {"cpu.shares"}})
	err := m.Update(&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}})
	if err == nil || err.Error() != "cgroup v1 net_cls: controller is not mounted (no net_cls hierarchy on this host)" {
		t.Fatalf("err = %v", err)
	}
	if _, err := m.UnifiedDirFD(); err == nil {
		t.Fatal("UnifiedDirFD on v1: want error")
	}
}

func TestDiscoverHost(t *testing.T) {
	hs, uni, err := Discover()
	if err != nil {
		t.Skip(err)
	}
	for _, h := range hs {
		t.Logf("%s %v (root %s)", h.Mountpoint, h.Controllers, h.Root)
	}
	if uni != nil {
		t.Logf("unified: %s", uni.Mountpoint)
	}
}
