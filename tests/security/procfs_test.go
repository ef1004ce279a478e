package security

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// CVE-2019-16884, CVE-2019-19921, CVE-2023-27561, CVE-2025-52881 class:
// the image or a volume replaces procfs (a symlink, a tmpfs, fake files, a
// volume over /proc/sys or /proc/self/attr, a symlink smuggling a volume
// below /proc) so that the runtime's procfs writes (sysctls,
// oom_score_adj, LSM attributes) land elsewhere. They must reach the real
// procfs, which the test checks from the host, or create must fail.

// TestProcSysSymlinks: /proc or /sys of the image is a symlink to a host
// directory: refused, or procfs/sysfs mounted on the container's own
// directory; the host directory untouched.
func TestProcSysSymlinks(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"proc", "sys"} {
		for _, tc := range []struct {
			name             string
			relative, mirror bool
		}{{"absolute", false, false}, {"absolute-target-in-image", false, true}, {"relative", true, false}} {
			t.Run(dir+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := testutil.NewRuntime(t)
				c := newCanary(t)
				b := testutil.NewBundle(t, testutil.WithShell(`[ "$(stat -f -c %T /proc)" = proc ] && [ "$(stat -f -c %T /sys)" = sysfs ] && echo ok`))
				if tc.mirror {
					c.Mirror(t, b.Rootfs)
				}
				p := filepath.Join(b.Rootfs, dir)
				if err := os.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
				target := c.Dir
				if tc.relative {
					target = relTo("/", c.Dir)
				}
				symlink(t, target, p)
				id := r.NewID()
				runHostile(t, r, b, id)
				c.Check(t)
				r.CheckNoLeaks(id, b)
			})
		}
	}
}

const (
	wantOOM      = 423
	wantMsgmax   = "12345"
	wantForward  = "1"
	fakeSysValue = "fake\n"
)

// fakeProcSys writes a fake /proc/sys tree (the values the runtime's
// writes would replace) in dir.
func fakeProcSys(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"net/ipv4/ip_forward", "kernel/msgmax"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fakeSysValue), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// nsenterRead reads a file in pid's namespaces (flag: -n, -i) with the
// host's cat: /proc/sys/net and /proc/sys/kernel/msg* show the reader's
// namespaces.
func nsenterRead(t *testing.T, pid int, flag, file string) string {
	t.Helper()
	out, err := exec.Command("nsenter", "-t", fmt.Sprint(pid), flag, "cat", file).CombinedOutput()
	if err != nil {
		t.Fatalf("nsenter %s cat %s: %v: %s", flag, file, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestProcfsWriteRedirection: with each hostile layout the container is
// created with linux.sysctl and process.oomScoreAdj; if create succeeds,
// the values are checked where the kernel keeps them (the init's
// /proc/<pid>/oom_score_adj, and the container's net and ipc namespaces
// through nsenter); the fake files must be unchanged either way.
func TestProcfsWriteRedirection(t *testing.T) {
	t.Parallel()
	type layout struct {
		name  string
		setup func(t *testing.T, b *testutil.Bundle) // may add fake files under b.Dir/fake or b.Rootfs
	}
	fakeVol := func(t *testing.T, b *testutil.Bundle) string {
		d := filepath.Join(b.Dir, "fake")
		fakeProcSys(t, d)
		return d
	}
	fakeFile := func(t *testing.T, b *testutil.Bundle) string {
		p := filepath.Join(b.Dir, "fake-file")
		if err := os.WriteFile(p, []byte(fakeSysValue), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	layouts := []layout{
		{"proc-is-tmpfs", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithoutMount("/proc"), testutil.WithMount(tmpfsAt("/proc")))
		}},
		{"no-proc-mount-fake-proc-in-image", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithoutMount("/proc"))
			fakeProcSys(t, filepath.Join(b.Rootfs, "proc/sys"))
			b.WriteFile("proc/self/oom_score_adj", []byte(fakeSysValue), 0o644)
		}},
		{"volume-over-proc-sys", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithBindMount(fakeVol(t, b), "/proc/sys", false))
		}},
		{"tmpfs-over-proc-sys", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithMount(tmpfsAt("/proc/sys")))
		}},
		{"volume-over-proc-self-attr", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithBindMount(fakeVol(t, b), "/proc/self/attr", false))
		}},
		{"volume-over-proc-1-oom_score_adj", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithBindMount(fakeFile(t, b), "/proc/1/oom_score_adj", false))
		}},
		{"symlink-smuggled-volume-over-proc-sys", func(t *testing.T, b *testutil.Bundle) {
			symlink(t, "/proc", filepath.Join(b.Rootfs, "evil"))
			b.Mutate(testutil.WithBindMount(fakeVol(t, b), "/evil/sys", false))
		}},
		{"symlink-smuggled-file-over-oom_score_adj", func(t *testing.T, b *testutil.Bundle) {
			symlink(t, "/proc/1", filepath.Join(b.Rootfs, "evil"))
			b.Mutate(testutil.WithBindMount(fakeFile(t, b), "/evil/oom_score_adj", false))
		}},
		{"sys-is-tmpfs", func(t *testing.T, b *testutil.Bundle) {
			b.Mutate(testutil.WithoutMount("/sys/fs/cgroup"), testutil.WithoutMount("/sys"), testutil.WithMount(tmpfsAt("/sys")))
		}},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			oom := wantOOM
			b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"), testutil.WithSpec(func(s *specs.Spec) {
				s.Process.OOMScoreAdj = &oom
				s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": wantForward, "kernel.msgmax": wantMsgmax}
			}))
			l.setup(t, b)
			before := snapshot(t, b.Dir)
			id := r.NewID()
			res := r.Create(b, id)
			if res.OK() {
				pid := r.MustState(id).Pid
				if got := strings.TrimSpace(readHost(t, fmt.Sprintf("/proc/%d/oom_score_adj", pid))); got != fmt.Sprint(wantOOM) {
					t.Errorf("host view of the init's oom_score_adj: %s, want %d", got, wantOOM)
				}
				if got := nsenterRead(t, pid, "-n", "/proc/sys/net/ipv4/ip_forward"); got != wantForward {
					t.Errorf("container netns net.ipv4.ip_forward: %s, want %s", got, wantForward)
				}
				if got := nsenterRead(t, pid, "-i", "/proc/sys/kernel/msgmax"); got != wantMsgmax {
					t.Errorf("container ipcns kernel.msgmax: %s, want %s", got, wantMsgmax)
				}
				r.MustRun("start", id)
				if got := strings.TrimSpace(readHost(t, fmt.Sprintf("/proc/%d/oom_score_adj", pid))); got != fmt.Sprint(wantOOM) {
					t.Errorf("after start, oom_score_adj: %s, want %d", got, wantOOM)
				}
			} else if res.Err != nil || res.LastStderrLine() == "" {
				t.Errorf("create: %s", res)
			} else {
				t.Logf("refused: %s", res.LastStderrLine())
			}
			// Nothing below the bundle (rootfs fakes, volumes) was written.
			after := snapshot(t, b.Dir)
			for _, d := range diffSnapshots(before, after) {
				if strings.Contains(d, "fake") || strings.Contains(d, "proc") {
					t.Errorf("a procfs write was redirected into the bundle: %s", d)
				}
			}
			deleteAndCheck(t, r, id, b)
		})
	}
}

// TestSysctlOutsideNamespaceRefused: sysctls that would change the host
// (not namespaced, or net.* without a network namespace) must be refused
// before anything is written. The values are the host's current ones, so
// a runtime that wrongly accepts them changes nothing.
func TestSysctlOutsideNamespaceRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key, file string
		noNetNS   bool
	}{
		{"kernel.core_pattern", "/proc/sys/kernel/core_pattern", false},
		{"vm.overcommit_memory", "/proc/sys/vm/overcommit_memory", false},
		{"kernel/core_pattern", "/proc/sys/kernel/core_pattern", false},
		{"net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward", true},
		{"net.ipv4.conf.all.forwarding", "/proc/sys/net/ipv4/conf/all/forwarding", true},
	} {
		t.Run(strings.ReplaceAll(tc.key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			cur := strings.TrimSpace(readHost(t, tc.file))
			b := testutil.NewBundle(t, testutil.WithSpec(func(s *specs.Spec) {
				s.Linux.Sysctl = map[string]string{tc.key: cur}
			}))
			if tc.noNetNS {
				b.Mutate(testutil.WithoutNamespace(specs.NetworkNamespace))
			}
			id := r.NewID()
			res := r.Create(b, id)
			if res.OK() {
				t.Errorf("sysctl %s accepted (it would change the host)", tc.key)
			} else if !strings.Contains(res.LastStderrLine(), "sysctl") {
				t.Errorf("error does not name linux.sysctl: %q", res.LastStderrLine())
			}
			deleteAndCheck(t, r, id, b)
		})
	}
}

// TestLSMDecisionFromImage: whether AppArmor is enabled is a property of
// the host. An image whose /sys is not sysfs (the spec mounts none) ships
// /sys/module/apparmor/parameters/enabled. On a host without AppArmor
// (this one), "Y" there must not make the runtime try to apply a profile;
// on an AppArmor host, "N" would silently drop the profile.
func TestLSMDecisionFromImage(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/sys/module/apparmor/parameters/enabled"); err == nil {
		t.Logf("AppArmor host: checking that the profile is not skipped because of the image")
	}
	r := testutil.NewRuntime(t)
	hostEnabled := false
	if data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil {
		hostEnabled = strings.HasPrefix(string(data), "Y")
	}
	fake := "Y\n"
	if hostEnabled {
		fake = "N\n"
	}
	b := testutil.NewBundle(t, testutil.WithoutMount("/sys/fs/cgroup"), testutil.WithoutMount("/sys"),
		testutil.WithShell(`cat /proc/self/attr/apparmor/current 2>/dev/null || echo unconfined`),
		testutil.WithSpec(func(s *specs.Spec) { s.Process.ApparmorProfile = "brig-security-test" }))
	b.WriteFile("sys/module/apparmor/parameters/enabled", []byte(fake), 0o644)
	id := r.NewID()
	res := r.RunContainer(b, id)
	switch {
	case !hostEnabled && !res.OK():
		t.Errorf("on a host without AppArmor, the image's /sys/module/apparmor/parameters/enabled=Y made the runtime apply a profile: %s", res)
	case hostEnabled && res.OK() && !strings.Contains(res.Stdout, "brig-security-test"):
		t.Errorf("on an AppArmor host, the image's enabled=N made the runtime skip the profile: %s", res)
	}
	r.CheckNoLeaks(id, b)
}
