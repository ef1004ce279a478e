package v2

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/stats"
)

func TestCPUSharesToWeight(t *testing.T) {
	for _, tt := range []struct{ in, want uint64 }{
		{0, 0}, {2, 1}, {1024, 39}, {512, 20}, {262144, 10000}, {1, 1},
	} {
		if got := CPUSharesToWeight(tt.in); got != tt.want {
			t.Errorf("shares %d -> %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestBlkioWeightToIOWeight(t *testing.T) {
	for _, tt := range []struct{ in, want uint64 }{{0, 0}, {10, 1}, {500, 4950}, {1000, 10000}} {
		if got := BlkioWeightToIOWeight(tt.in); got != tt.want {
			t.Errorf("weight %d -> %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSwapToV2(t *testing.T) {
	for _, tt := range []struct {
		swap, limit, want int64
		err               bool
	}{
		{0, 0, 0, false},
		{0, -1, -1, false},     // unlimited memory, swap unset: unlimited swap
		{-1, 100, -1, false},   // unlimited swap
		{0, 100, 0, false},     // swap unset
		{300, 100, 200, false}, // memory+swap 300 -> swap 200
		{100, 100, 0, false},   // no swap
		{50, 100, 0, true},     // swap < limit
		{100, 0, 0, true},      // swap without limit
		{100, -1, 0, true},     // swap with unlimited memory
	} {
		got, err := SwapToV2(tt.swap, tt.limit)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("SwapToV2(%d, %d) = %d, %v; want %d, err %v", tt.swap, tt.limit, got, err, tt.want, tt.err)
		}
	}
}

func TestCPUMax(t *testing.T) {
	for _, tt := range []struct {
		quota  int64
		period uint64
		want   string
		ok     bool
	}{
		{0, 0, "", false},
		{50000, 0, "50000", true},
		{50000, 100000, "50000 100000", true},
		{-1, 0, "max", true},
		{-1, 200000, "max 200000", true},
		{0, 200000, "max 200000", true},
	} {
		got, ok := CPUMax(tt.quota, tt.period)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CPUMax(%d, %d) = %q, %v", tt.quota, tt.period, got, ok)
		}
	}
}

func TestIOMaxLines(t *testing.T) {
	dev := func(maj, min int64, rate uint64) specs.LinuxThrottleDevice {
		return specs.LinuxThrottleDevice{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: maj, Minor: min}, Rate: rate}
	}
	got := IOMaxLines(&specs.LinuxBlockIO{
		ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{dev(8, 0, 1048576)},
		ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{dev(8, 0, 0)},
		ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{dev(8, 16, 100)},
		ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{dev(8, 16, 200)},
	})
	want := []string{"8:0 rbps=1048576", "8:0 wbps=max", "8:16 riops=100", "8:16 wiops=200"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestValidateUnifiedKey(t *testing.T) {
	for _, tt := range []struct {
		key, ctl string
		err      bool
	}{
		{"memory.high", "memory", false},
		{"cgroup.max.depth", "cgroup", false},
		{"io.bfq.weight", "io", false},
		{"../memory.max", "", true},
		{"a/b.c", "", true},
		{"nodot", "", true},
		{"", "", true},
		{".hidden", "", true},
	} {
		ctl, err := ValidateUnifiedKey(tt.key)
		if (err != nil) != tt.err || ctl != tt.ctl {
			t.Errorf("%q: %q, %v", tt.key, ctl, err)
		}
	}
}

func TestParseIOStat(t *testing.T) {
	b, ios := ParseIOStat("8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=5\n")
	e := func(maj, min uint64, op string, v uint64) stats.BlkioEntry {
		return stats.BlkioEntry{Major: maj, Minor: min, Op: op, Value: v}
	}
	wantB := []stats.BlkioEntry{e(8, 0, "Read", 10), e(8, 0, "Write", 20), e(253, 1, "Read", 5)}
	wantI := []stats.BlkioEntry{e(8, 0, "Read", 1), e(8, 0, "Write", 2)}
	if !reflect.DeepEqual(b, wantB) || !reflect.DeepEqual(ios, wantI) {
		t.Fatalf("bytes %v ios %v", b, ios)
	}
}

// fakeCgroup makes a directory that looks like a cgroup v2 dir: the control
// files exist (empty) so the manager's writes (no O_CREAT) land in them.
func fakeCgroup(t *testing.T, controllers string, files ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ctr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files = append(files, "cgroup.procs")
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(controllers+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }

var allFiles = []string{
	"memory.max", "memory.low", "memory.swap.max", "memory.current",
	"cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems",
	"pids.max", "io.weight", "io.max", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "rdma.max", "memory.high",
}

func TestUpdateWritesFiles(t *testing.T) {
	tests := []struct {
		name  string
		files []string // nil: allFiles
		res   specs.LinuxResources
		want  map[string]string
		err   string
	}{
		{
			name: "memory with swap",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(300 << 20), Reservation: i64(50 << 20)}},
			want: map[string]string{"memory.max": "104857600", "memory.swap.max": "209715200", "memory.low": "52428800"},
		},
		{
			name: "memory unlimited",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			want: map[string]string{"memory.max": "max", "memory.swap.max": "max"},
		},
		{
			name: "swap equal to limit disables swap",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Swap: i64(1 << 20)}},
			want: map[string]string{"memory.max": "1048576", "memory.swap.max": "0"},
		},
		{
			name:  "no swap accounting: max is fine",
			files: []string{"memory.max"},
			res:   specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			want:  map[string]string{"memory.max": "max"},
		},
		{
			name:  "no swap accounting: a swap limit is an error",
			files: []string{"memory.max"},
			res:   specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Swap: i64(2 << 20)}},
			err:   "cgroup v2 memory: open memory.swap.max: no such file or directory",
		},
		{
			name: "swap below limit",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(2 << 20), Swap: i64(1 << 20)}},
			err:  "cgroup v2 memory: memory.swap 1048576 (memory+swap) must be >= memory.limit 2097152",
		},
		{
			name: "cpu",
			res:  specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Burst: u64(1000), Idle: i64(0), Cpus: "0-1", Mems: "0"}},
			want: map[string]string{"cpu.weight": "39", "cpu.max": "50000 100000", "cpu.max.burst": "1000", "cpu.idle": "0", "cpuset.cpus": "0-1", "cpuset.mems": "0"},
		},
		{
			name: "cpu realtime is v1 only",
			res:  specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1000)}},
			err:  "cgroup v2 cpu: realtimeRuntime/realtimePeriod are not supported on cgroup v2",
		},
		{
			name: "pids zero is a limit",
			res:  specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}},
			want: map[string]string{"pids.max": "0"},
		},
		{
			name: "pids unlimited",
			res:  specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}},
			want: map[string]string{"pids.max": "max"},
		},
		{
			name: "io weight without bfq",
			res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500), ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
				{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 42}}}},
			want: map[string]string{"io.weight": "4950", "io.max": "8:0 rbps=42"},
		},
		{
			name:  "io weight with bfq",
			files: append([]string{"io.bfq.weight"}, allFiles...),
			res:   specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}},
			want:  map[string]string{"io.bfq.weight": "500", "io.weight": ""},
		},
		{
			name: "hugetlb with rsvd",
			res:  specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}},
			want: map[string]string{"hugetlb.2MB.max": "4194304", "hugetlb.2MB.rsvd.max": "4194304"},
		},
		{
			name: "rdma",
			res:  specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx5_0": {HcaHandles: u32(3), HcaObjects: u32(100)}}},
			want: map[string]string{"rdma.max": "mlx5_0 hca_handle=3 hca_object=100"},
		},
		{
			name: "unified overrides",
			res:  specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1000)}, Unified: map[string]string{"memory.max": "2000", "memory.high": "1500"}},
			want: map[string]string{"memory.max": "2000", "memory.high": "1500"},
		},
		{
			name: "unified bad key",
			res:  specs.LinuxResources{Unified: map[string]string{"../x.y": "1"}},
			err:  `cgroup v2: linux.resources.unified: invalid key "../x.y" (must be a file name in the cgroup directory)`,
		},
		{
			name: "unified controller not enabled",
			res:  specs.LinuxResources{Unified: map[string]string{"misc.max": "1"}},
			err:  `cgroup v2 misc: linux.resources.unified["misc.max"]: controller not available in `,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := tt.files
			if files == nil {
				files = allFiles
			}
			dir := fakeCgroup(t, "cpuset cpu io memory hugetlb pids rdma", files...)
			m := &Manager{root: filepath.Dir(dir), dir: dir}
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
			for f, want := range tt.want {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				if got := string(b); got != want {
					t.Errorf("%s = %q, want %q", f, got, want)
				}
			}
		})
	}
}

func TestMissingControllerError(t *testing.T) {
	dir := fakeCgroup(t, "cpu", allFiles...)
	m := &Manager{dir: dir}
	err := m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1)}})
	if err == nil || !strings.HasPrefix(err.Error(), "cgroup v2 memory: controller not available in "+dir) {
		t.Fatalf("err = %v", err)
	}
}

func TestCheckBeforeUpdate(t *testing.T) {
	dir := fakeCgroup(t, "memory", allFiles...)
	if err := os.WriteFile(filepath.Join(dir, "memory.current"), []byte("5000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &Manager{dir: dir}
	err := m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), CheckBeforeUpdate: boolp(true)}})
	if err == nil || err.Error() != "cgroup v2 memory: rejecting memory limit 4096: below or equal to current usage 5000 (checkBeforeUpdate)" {
		t.Fatalf("err = %v", err)
	}
	if err := m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(8192), CheckBeforeUpdate: boolp(true)}}); err != nil {
		t.Fatal(err)
	}
}

func TestNewPaths(t *testing.T) {
	for _, tt := range []struct {
		path, own, want string
	}{
		{"/brig/web", "/user.slice/session-1.scope", "/sys/fs/cgroup/brig/web"},
		{"web", "/user.slice/session-1.scope", "/sys/fs/cgroup/user.slice/web"},
		{"web", "/", "/sys/fs/cgroup/web"},
	} {
		m, err := New(Config{Path: tt.path, OwnCgroup: tt.own})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Paths()[""]; got != tt.want {
			t.Errorf("New(%q, own %q) = %q, want %q", tt.path, tt.own, got, tt.want)
		}
	}
}

func TestEnableControllers(t *testing.T) {
	dir := t.TempDir()
	write := func(f, s string) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cgroup.controllers", "cpuset cpu io memory pids\n")
	write("cgroup.subtree_control", "")
	enableControllers(dir)
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if string(b) != "+cpuset +cpu +io +memory +pids" {
		t.Fatalf("subtree_control = %q", b)
	}
}
