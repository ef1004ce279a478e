package v1

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// These tests run on the real host as root, under /brig-test-<pid> in every
// hierarchy, and remove it afterwards.

func hostOrSkip(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil || st.Type == unix.CGROUP2_SUPER_MAGIC {
		t.Skip("needs a cgroup v1 host")
	}
}

// testBase returns "/brig-test-<pid>-<name>" and registers its removal in
// every hierarchy (killing leftovers first).
func testBase(t *testing.T) string {
	t.Helper()
	base := fmt.Sprintf("/brig-test-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_"))
	t.Cleanup(func() {
		hs, uni, err := Discover()
		if err != nil {
			t.Error(err)
			return
		}
		if uni != nil {
			hs = append(hs, *uni)
		}
		for _, h := range hs {
			dir := filepath.Join(h.Mountpoint, base)
			if pids, _ := fsutil.ReadProcsRecursive(dir); len(pids) > 0 {
				t.Errorf("leftover processes in %s: %v", dir, pids)
				_ = fsutil.SignalAll(pids, unix.SIGKILL)
				if filepath.Base(h.Mountpoint) == "freezer" {
					_ = fsutil.Write(dir, "freezer.state", "THAWED")
				}
				_ = fsutil.WaitEmpty(dir, 5*time.Second)
			}
			if err := fsutil.RemoveTree(dir, 5*time.Second); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return base
}

func startSleep(t *testing.T) *proc {
	t.Helper()
	return startCmd(t, exec.Command("sleep", "100"))
}

// proc is a started command whose Wait runs in the background; done yields
// the Wait error once.
type proc struct {
	*exec.Cmd
	done chan error
}

// startWorker starts a shell that, once released with a line on stdin (after
// it was moved into the cgroup), burns some CPU and memory, then sleeps.
func startWorker(t *testing.T) (*proc, func()) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `read x; i=0; s=""; while [ $i -lt 30000 ]; do i=$((i+1)); s="$s."; done; echo done; exec sleep 100`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := startCmd(t, cmd)
	return p, func() {
		if _, err := in.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 5)
		if _, err := out.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
}

func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{Cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

func readFile(t *testing.T, dir, file string) string {
	t.Helper()
	s, err := fsutil.Read(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func boolp(v bool) *bool   { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }

func TestHostLifecycle(t *testing.T) {
	hostOrSkip(t)
	base := testBase(t)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(128 << 20), Reservation: i64(32 << 20)},
		CPU:    &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(10)},
		BlockIO: &specs.LinuxBlockIO{
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 7, Minor: 0}, Rate: 1 << 20}},
		},
	}
	m, err := New(Config{Path: base + "/c1", Resources: res})
	if err != nil {
		t.Fatal(err)
	}
	paths := m.Paths()
	for _, ctl := range []string{"memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio", "name=systemd"} {
		if want := "/" + filepath.Join("sys/fs/cgroup", strings.TrimPrefix(ctl, "name="), base, "c1"); paths[ctl] != want {
			t.Errorf("path[%s] = %q, want %q", ctl, paths[ctl], want)
		}
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ctl, file, want string }{
		{"memory", "memory.limit_in_bytes", "67108864"},
		{"memory", "memory.memsw.limit_in_bytes", "134217728"},
		{"memory", "memory.soft_limit_in_bytes", "33554432"},
		{"cpu", "cpu.shares", "512"},
		{"cpu", "cpu.cfs_quota_us", "50000"},
		{"cpu", "cpu.cfs_period_us", "100000"},
		{"cpuset", "cpuset.cpus", "0"},
		{"pids", "pids.max", "10"},
		{"blkio", "blkio.throttle.read_bps_device", "7:0 1048576"},
	} {
		if got := readFile(t, paths[c.ctl], c.file); got != c.want {
			t.Errorf("%s = %q, want %q", c.file, got, c.want)
		}
	}
	// the parent cpuset got cpus/mems copied down
	if got := readFile(t, filepath.Dir(paths["cpuset"]), "cpuset.mems"); got == "" {
		t.Error("parent cpuset.mems is empty")
	}
	devs := readFile(t, paths["devices"], "devices.list")
	if strings.Contains(devs, "a *:* rwm") || !strings.Contains(devs, "c 1:3 rwm") || !strings.Contains(devs, "c 136:* rwm") {
		t.Errorf("devices.list:\n%s", devs)
	}

	cmd, release := startWorker(t)
	pid := cmd.Process.Pid
	if err := m.Enter(pid); err != nil {
		t.Fatal(err)
	}
	release()
	pcg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for _, want := range []string{"memory:" + base + "/c1", "pids:" + base + "/c1", "0::" + base + "/c1"} {
		if !strings.Contains(string(pcg), want+"\n") {
			t.Errorf("/proc/%d/cgroup lacks %q:\n%s", pid, want, pcg)
		}
	}
	pids, err := m.Pids()
	if err != nil || len(pids) != 1 || pids[0] != pid {
		t.Fatalf("Pids = %v, %v; want [%d]", pids, err, pid)
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || !f {
		t.Fatalf("Frozen = %v, %v after Freeze", f, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || f {
		t.Fatalf("Frozen = %v, %v after Thaw", f, err)
	}

	if err := m.Update(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(32 << 20), Swap: i64(32 << 20), CheckBeforeUpdate: boolp(true)},
		Pids:   &specs.LinuxPids{Limit: i64(20)},
	}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, paths["memory"], "memory.memsw.limit_in_bytes"); got != "33554432" {
		t.Errorf("memsw after update = %s", got)
	}
	// raise again: memsw must be written before the limit
	if err := m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(256 << 20), Swap: i64(512 << 20)}}); err != nil {
		t.Fatal(err)
	}
	// checkBeforeUpdate rejects a limit below the usage
	err = m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), CheckBeforeUpdate: boolp(true)}})
	if err == nil || !strings.Contains(err.Error(), "cgroup v1 memory: rejecting memory limit 4096") {
		t.Errorf("checkBeforeUpdate: err = %v", err)
	}

	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Usage.Limit != 256<<20 || st.Pids.Current != 1 || st.Pids.Limit != 20 || st.CPU.Usage.Total == 0 || st.Memory.Usage.Usage == 0 {
		t.Errorf("stats: mem %+v pids %+v cpu %+v", st.Memory.Usage, st.Pids, st.CPU.Usage)
	}

	if err := m.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	werr := <-cmd.done
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("sleep ended with %v, want SIGTERM", werr)
	}

	// Destroy kills what is left, paused or not, and removes the dirs.
	cmd2 := startSleep(t)
	if err := m.Enter(cmd2.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	// Load from the saved paths, as "brig delete" would.
	m2, err := Load(m.Paths())
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cmd2.done:
	case <-time.After(5 * time.Second):
		t.Fatal("sleep survived Destroy")
	}
	for ctl, dir := range paths {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s dir %s still exists", ctl, dir)
		}
	}
	if err := m2.Destroy(); err != nil {
		t.Fatalf("second Destroy: %v", err)
	}
	if f, err := m2.Frozen(); err != nil || f {
		t.Fatalf("Frozen on destroyed = %v, %v", f, err)
	}
}

func TestHostCreateErrorsCleanUp(t *testing.T) {
	hostOrSkip(t)
	base := testBase(t)
	tests := []struct {
		name    string
		res     *specs.LinuxResources
		wantErr string
	}{
		{"cpuset", &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "99"}}, "cgroup v1 cpuset: write cpuset.cpus: numerical result out of range"},
		{"shares", &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1 << 20)}}, "cgroup v1 cpu: cpu.shares 1048576 is out of range: the kernel set 262144"},
		{"hugetlb", &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 21}}}, "cgroup v1 hugetlb: controller is not mounted"},
		{"unified", &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}, "cgroup v1: linux.resources.unified is only supported on cgroup v2"},
		{"device", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x"}}}, "cgroup v1 devices: linux.resources.devices[0].type"},
		{"blkio weight", &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, "cgroup v1 blkio: blockIO weights requested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(Config{Path: base + "/x/y", Resources: tt.res})
			if err != nil {
				t.Fatal(err)
			}
			err = m.Create()
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
			}
			for ctl, dir := range m.Paths() {
				// base/x/y and base/x were created by this Create; base too
				// on the first subtest. None may survive.
				if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s: %s left behind", ctl, filepath.Dir(dir))
				}
			}
		})
	}
}

func TestHostRelativePath(t *testing.T) {
	hostOrSkip(t)
	own, err := fsutil.OwnCgroups()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Path: "brig-rel-test"})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Paths()
	if want := filepath.Join("/sys/fs/cgroup/memory", own["memory"], "brig-rel-test"); p["memory"] != want {
		t.Errorf("memory path %q, want %q", p["memory"], want)
	}
	if want := filepath.Join("/sys/fs/cgroup/unified", own[""], "brig-rel-test"); p[""] != want {
		t.Errorf("unified path %q, want %q", p[""], want)
	}
}

func TestHostSignalKillPaused(t *testing.T) {
	hostOrSkip(t)
	base := testBase(t)
	m, err := New(Config{Path: base + "/c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	p := startSleep(t)
	if err := m.Enter(p.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	// a non-fatal signal keeps the container paused
	if err := m.Signal(unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if f, _ := m.Frozen(); !f {
		t.Fatal("SIGCONT thawed the container")
	}
	if err := m.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("paused sleep survived SIGKILL")
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}
