package v2

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

	"github.com/brigrt/brig/cgroups/devices"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// These tests use a real cgroup2 hierarchy: /sys/fs/cgroup on a unified host
// or /sys/fs/cgroup/unified on a hybrid one (no controllers there, but the
// core files — procs, freeze, kill, events — and device eBPF programs work).
// Everything happens below a fresh /brig-test-v2-<pid>-<test> directory used
// as the manager's Root, so no host cgroup.subtree_control is touched.

func cgroup2Mount(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return p
		}
	}
	t.Skip("no cgroup2 mount")
	return ""
}

func testRoot(t *testing.T) string {
	t.Helper()
	mnt := cgroup2Mount(t)
	root := filepath.Join(mnt, fmt.Sprintf("brig-test-v2-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_")))
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pids, _ := fsutil.ReadProcsRecursive(root); len(pids) > 0 {
			t.Errorf("leftover processes: %v", pids)
			_ = fsutil.Write(root, "cgroup.kill", "1")
			_ = fsutil.WaitEmpty(root, 5*time.Second)
		}
		if err := fsutil.RemoveTree(root, 5*time.Second); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return root
}

// runIn runs a shell script directly inside the cgroup (clone3 CLONE_INTO_CGROUP).
func runIn(t *testing.T, m *Manager, script string) string {
	t.Helper()
	fd, err := m.UnifiedDirFD()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func TestHostDevicesFilter(t *testing.T) {
	root := testRoot(t)
	m, err := New(Config{Root: root, Path: "/c1", Resources: &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer m.Destroy()
	script := `echo x > /dev/null && echo null-ok; dd if=/dev/kmsg of=/dev/null count=0 2>/dev/null && echo kmsg-ok || echo kmsg-denied`
	if out := runIn(t, m, script); !strings.Contains(out, "null-ok") || !strings.Contains(out, "kmsg-denied") {
		t.Fatalf("default policy: output %q", out)
	}
	one := int64(1)
	eleven := int64(11)
	if err := m.Update(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: &one, Minor: &eleven, Access: "r"},
	}}); err != nil {
		t.Fatal(err)
	}
	if out := runIn(t, m, script); !strings.Contains(out, "kmsg-ok") {
		t.Fatalf("after allowing 1:11: output %q", out)
	}
	fd, err := unix.Open(m.Dir(), unix.O_DIRECTORY|unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if n, err := devices.AttachedCount(fd); err != nil || n != 1 {
		t.Fatalf("attached programs = %d, %v; want 1 (old one replaced)", n, err)
	}
}

func TestHostLifecycle(t *testing.T) {
	root := testRoot(t)
	m, err := New(Config{Root: root, Path: "/a/b"})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths()[""]; got != root+"/a/b" {
		t.Fatalf("Paths = %q", got)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	fd, err := m.UnifiedDirFD()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "100")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// a second process joins through Enter, in a child cgroup (nested containers)
	cmd2 := exec.Command("sleep", "100")
	if err := cmd2.Start(); err != nil {
		t.Fatal(err)
	}
	waited2 := make(chan struct{})
	go func() { _ = cmd2.Wait(); close(waited2) }()
	t.Cleanup(func() { _ = cmd2.Process.Kill(); <-waited2 })
	child, err := New(Config{Root: root, Path: "/a/b/nested"})
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Create(); err != nil {
		t.Fatal(err)
	}
	if err := child.Enter(cmd2.Process.Pid); err != nil {
		t.Fatal(err)
	}
	pids, err := m.Pids()
	if err != nil || len(pids) != 2 {
		t.Fatalf("Pids = %v, %v", pids, err)
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || !f {
		t.Fatalf("Frozen = %v, %v", f, err)
	}
	if f, err := child.Frozen(); err != nil || !f {
		t.Fatalf("child Frozen = %v, %v (ancestor frozen)", f, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || f {
		t.Fatalf("Frozen after thaw = %v, %v", f, err)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.CPU.Usage.Total == 0 {
		t.Errorf("cpu usage 0: %+v", st.CPU)
	}

	if err := m.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("sleep: %v", err)
	}

	loaded, err := Load(m.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Destroy(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited2:
	case <-time.After(5 * time.Second):
		t.Fatal("nested sleep survived Destroy")
	}
	if _, err := os.Stat(m.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dir still there: %v", err)
	}
	if err := loaded.Destroy(); err != nil {
		t.Fatalf("second Destroy: %v", err)
	}
}

func TestHostMissingController(t *testing.T) {
	root := testRoot(t)
	avail, _ := fsutil.Read(root, "cgroup.controllers")
	if strings.Contains(avail, "pids") {
		t.Skip("pids is available here")
	}
	limit := int64(5)
	m, err := New(Config{Root: root, Path: "/x/y", Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Create()
	if err == nil || !strings.HasPrefix(err.Error(), "cgroup v2 pids: controller not available in ") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "x")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("failed Create left directories behind")
	}
	m, _ = New(Config{Root: root, Path: "/x", Resources: &specs.LinuxResources{Unified: map[string]string{"pids.max": "5"}}})
	if err := m.Create(); err == nil || !strings.Contains(err.Error(), `cgroup v2 pids: linux.resources.unified["pids.max"]: controller not available`) {
		t.Fatalf("unified: err = %v", err)
	}
}
