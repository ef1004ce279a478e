package integration

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// nsNames maps spec namespace types to their /proc/<pid>/ns names.
var nsNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

const nsScript = `for n in pid net mnt ipc uts user cgroup time; do echo $n=$(readlink /proc/self/ns/$n); done`

// checkNamespaces: the types in fresh differ from the test's own
// namespaces, every other type is the test's.
func checkNamespaces(fresh ...specs.LinuxNamespaceType) func(*testing.T, string, surfaceVariant) {
	return func(t *testing.T, out string, v surfaceVariant) {
		t.Helper()
		kv := keyValues(out)
		want := map[string]bool{}
		for _, typ := range fresh {
			want[nsNames[typ]] = true
		}
		if v.userns {
			want["user"] = true
		}
		for _, typ := range []specs.LinuxNamespaceType{
			specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace, specs.IPCNamespace,
			specs.UTSNamespace, specs.UserNamespace, specs.CgroupNamespace, specs.TimeNamespace,
		} {
			n := nsNames[typ]
			got, host := kv[n], hostNS(t, n)
			if got == "" {
				t.Errorf("%s namespace not readable inside:\n%s", n, out)
				continue
			}
			if want[n] && got == host {
				t.Errorf("%s namespace is the host's (%s), want a new one", n, got)
			}
			if !want[n] && got != host {
				t.Errorf("%s namespace %s, want the host's %s", n, got, host)
			}
		}
	}
}

var defaultNamespaces = []specs.LinuxNamespaceType{
	specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace,
	specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace,
}

func withTimeOffsets(boot, mono int64) testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
			"boottime":  {Secs: boot},
			"monotonic": {Secs: mono},
		}
	})
}

// hostUptime is the first field of the host's /proc/uptime.
func hostUptime(t *testing.T) float64 {
	t.Helper()
	data, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const (
	bootOffset = 400 * 86400 // seconds added to CLOCK_BOOTTIME
	monoOffset = 30 * 86400
)

var surfaceNamespaceCases = []surfaceCase{
	{
		name:   "default-set",
		userns: true,
		script: nsScript,
		check:  checkNamespaces(defaultNamespaces...),
	},
	{
		name:   "time",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithNamespace(specs.TimeNamespace, "")},
		script: nsScript,
		check:  checkNamespaces(append(defaultNamespaces, specs.TimeNamespace)...),
	},
	{
		// Only a mount namespace: everything else is the host's.
		name: "mount-only",
		opts: []testutil.SpecOpt{
			testutil.WithoutNamespace(specs.PIDNamespace), testutil.WithoutNamespace(specs.NetworkNamespace),
			testutil.WithoutNamespace(specs.IPCNamespace), testutil.WithoutNamespace(specs.UTSNamespace),
			testutil.WithoutNamespace(specs.CgroupNamespace), testutil.WithHostname(""),
			// sysfs needs a network namespace of its own.
			testutil.WithoutMount("/sys/fs/cgroup"), testutil.WithoutMount("/sys"),
			testutil.WithBindMount("/sys", "/sys", true),
		},
		script: nsScript,
		check:  checkNamespaces(specs.MountNamespace),
	},
	{
		name:   "pid-is-1",
		userns: true,
		script: `echo pid=$$; echo procs=$(ls /proc | grep -c '^[0-9]')`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			kv := keyValues(out)
			if kv["pid"] != "1" {
				t.Errorf("shell pid %s, want 1", kv["pid"])
			}
			if n, _ := strconv.Atoi(kv["procs"]); n > 4 {
				t.Errorf("%d processes visible, want only the container's", n)
			}
		},
	},
	{
		name:   "network-only-lo",
		userns: true,
		script: `ip -o link | cut -d: -f2`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if l := testutil.ReadLines(out); len(l) != 1 || l[0] != "lo" {
				t.Errorf("links %q, want only lo", l)
			}
		},
	},
	{
		// The cgroup namespace root is the container's cgroup.
		name:   "cgroup-root",
		userns: true,
		script: `cat /proc/self/cgroup`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			for _, l := range testutil.ReadLines(out) {
				if !strings.HasSuffix(l, ":/") {
					t.Errorf("cgroup line %q: want the namespace root /", l)
				}
			}
		},
	},
	{
		name:       "user-mappings",
		usernsOnly: true,
		script:     `echo uid $(cat /proc/self/uid_map); echo gid $(cat /proc/self/gid_map); echo id $(id -u)`,
		check:      wantLines("uid 0 100000 65536", "gid 0 100000 65536", "id 0"),
	},
	{
		// /proc/uptime counts CLOCK_BOOTTIME, shifted by the offset;
		// timens_offsets lists both offsets.
		name:   "time-offsets",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithNamespace(specs.TimeNamespace, ""),
			withTimeOffsets(bootOffset, monoOffset),
		},
		script: `cat /proc/uptime; cat /proc/self/timens_offsets`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			lines := testutil.ReadLines(out)
			if len(lines) < 1 {
				t.Fatalf("no output")
			}
			up, err := strconv.ParseFloat(strings.Fields(lines[0])[0], 64)
			if err != nil {
				t.Fatalf("uptime %q: %v", lines[0], err)
			}
			host := hostUptime(t)
			if d := up - host - bootOffset; d < -30 || d > 30 {
				t.Errorf("uptime inside %.0f s, host %.0f s: shifted by %.0f s, want %d", up, host, up-host, bootOffset)
			}
			offs := map[string]string{}
			for _, l := range lines[1:] {
				if f := strings.Fields(l); len(f) >= 2 {
					offs[f[0]] = f[1]
				}
			}
			if offs["boottime"] != strconv.Itoa(bootOffset) || offs["monotonic"] != strconv.Itoa(monoOffset) {
				t.Errorf("timens_offsets %v, want boottime %d monotonic %d", offs, bootOffset, monoOffset)
			}
		},
	},
	{
		name:   "time-offsets-without-timens",
		opts:   []testutil.SpecOpt{withTimeOffsets(bootOffset, monoOffset)},
		script: "true",
		errs:   []string{"timeOffsets"},
	},
}

// TestSurfaceNamespaces: linux.namespaces (new ones) and linux.timeOffsets.
func TestSurfaceNamespaces(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, surfaceNamespaceCases)
}

// addNetns creates a named network namespace (ip netns add) for the test.
func addNetns(t *testing.T) string {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "brigsurf-" + hex.EncodeToString(rnd[:])
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return filepath.Join("/run/netns", name)
}

// nsID is the "net:[4026532...]" form readlink gives for a namespace file.
func nsID(t *testing.T, typ, path string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fmt.Sprintf("%s:[%d]", typ, st.Ino)
}

// TestSurfaceJoinNamespaces: linux.namespaces[].path joins an existing
// namespace: a named network namespace (with a sysctl applied in it), the
// pid namespace of another container; a path of the wrong type fails.
func TestSurfaceJoinNamespaces(t *testing.T) {
	t.Parallel()

	t.Run("net-by-path", func(t *testing.T) {
		t.Parallel()
		for _, v := range []surfaceVariant{variantRoot, variantUserNS} {
			t.Run(v.name, func(t *testing.T) {
				t.Parallel()
				netns := addNetns(t)
				want := nsID(t, "net", netns)
				// A sysctl in the joined namespace, read back inside and from
				// the host. Not in a user namespace: the joined namespace is
				// owned by the host's, where the container's root has no
				// privilege to write its sysctls.
				opts := []testutil.SpecOpt{testutil.WithNamespace(specs.NetworkNamespace, netns)}
				wantFwd := "0"
				if !v.userns {
					opts = append(opts, withSysctl("net.ipv4.ip_forward", "1"))
					wantFwd = "1"
				}
				runSurfaceCase(t, surfaceCase{
					name:   "net-by-path",
					opts:   opts,
					script: `echo ns=$(readlink /proc/self/ns/net); echo fwd=$(cat /proc/sys/net/ipv4/ip_forward)`,
					check:  wantLines("ns="+want, "fwd="+wantFwd),
				}, v)
				out, err := exec.Command("ip", "netns", "exec", filepath.Base(netns), "cat", "/proc/sys/net/ipv4/ip_forward").CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != wantFwd {
					t.Errorf("ip_forward in %s seen from the host: %q %v, want %s", netns, out, err, wantFwd)
				}
			})
		}
	})

	t.Run("pid-of-another-container", func(t *testing.T) {
		t.Parallel()
		r := testutil.NewRuntime(t)
		a := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
		aid := r.NewID()
		r.MustCreate(a, aid)
		r.MustRun("start", aid)
		apid := r.MustState(aid).Pid
		want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", apid))
		if err != nil {
			t.Fatal(err)
		}
		runSurfaceCase(t, surfaceCase{
			name:   "pid-join",
			opts:   []testutil.SpecOpt{testutil.WithNamespace(specs.PIDNamespace, fmt.Sprintf("/proc/%d/ns/pid", apid))},
			script: `echo ns=$(readlink /proc/self/ns/pid); echo one=$(cat /proc/1/comm); echo self=$$`,
			check: func(t *testing.T, out string, v surfaceVariant) {
				kv := keyValues(out)
				if kv["ns"] != want {
					t.Errorf("pid namespace %s, want the other container's %s", kv["ns"], want)
				}
				if kv["one"] != "sleep" {
					t.Errorf("pid 1 is %q, want the other container's sleep", kv["one"])
				}
				if kv["self"] == "1" {
					t.Errorf("the joining shell is pid 1")
				}
			},
		}, variantRoot)
		r.MustRun("delete", "--force", aid)
		r.CheckNoLeaks(aid, a)
	})

	t.Run("wrong-type", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(testutil.TempDir(t), "not-a-namespace")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		runSurfaceCases(t, []surfaceCase{
			{
				name:   "ipc-ns-as-net",
				opts:   []testutil.SpecOpt{testutil.WithNamespace(specs.NetworkNamespace, "/proc/self/ns/ipc")},
				script: "true",
				errs:   []string{"/proc/self/ns/ipc is not a net namespace"},
			},
			{
				name:   "regular-file-as-uts",
				opts:   []testutil.SpecOpt{testutil.WithNamespace(specs.UTSNamespace, file)},
				script: "true",
				errs:   []string{file + " is not a uts namespace"},
			},
			{
				name:   "missing-path",
				opts:   []testutil.SpecOpt{testutil.WithNamespace(specs.IPCNamespace, file+"-missing")},
				script: "true",
				errs:   []string{file + "-missing"},
			},
		})
	})
}
