package security

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

const capNetAdmin = 12

// capField parses a Cap* line of /proc/<pid>/status output.
func capField(t *testing.T, status, name string) uint64 {
	t.Helper()
	v, ok := statusField(status, name)
	if !ok {
		t.Fatalf("%s missing from:\n%s", name, status)
	}
	n, err := strconv.ParseUint(v, 16, 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// setFileInheritableCap gives path the file capability NET_ADMIN in its
// inheritable set with the effective bit (`setcap cap_net_admin+ie`): a
// process executing it gains NET_ADMIN iff NET_ADMIN is in its own
// inheritable set (P'(permitted) = P(inheritable) & F(inheritable) | ...).
func setFileInheritableCap(t *testing.T, path string) {
	t.Helper()
	const vfsCapRevision2, vfsCapFlagsEffective = 0x02000000, 0x1
	buf := make([]byte, 20)
	binary.LittleEndian.PutUint32(buf[0:], vfsCapRevision2|vfsCapFlagsEffective)
	binary.LittleEndian.PutUint32(buf[4:], 0)              // permitted, low word
	binary.LittleEndian.PutUint32(buf[8:], 1<<capNetAdmin) // inheritable, low word
	if err := unix.Setxattr(path, "security.capability", buf, 0); err != nil {
		t.Fatalf("set file capability on %s: %v", path, err)
	}
}

// TestExecCapNeverInheritable (CVE-2022-29162 class): `exec --cap` adds to
// the bounding, effective and permitted sets only. CapInh and CapAmb stay
// 0 for root and non-root users, so a program with inheritable file
// capabilities cannot pick them up, and a non-root user's children have no
// capabilities at all.
func TestExecCapNeverInheritable(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "600"), testutil.WithNoNewPrivileges(false))
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		data, err = os.ReadFile(filepath.Join(b.Rootfs, "bin/busybox"))
	}
	if err != nil {
		t.Fatal(err)
	}
	b.WriteFile("capbin/cat", data, 0o755) // busybox picks the applet from its name
	setFileInheritableCap(t, filepath.Join(b.Rootfs, "capbin/cat"))
	id := r.NewID()
	mustStart(t, r, b, id)

	for _, tc := range []struct {
		name string
		user []string
		root bool
	}{
		{"root", nil, true},
		{"uid-1000", []string{"-u", "1000:1000"}, false},
		{"uid-65534", []string{"-u", "65534"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := func(args ...string) string {
				t.Helper()
				full := append([]string{"exec", "--cap", "CAP_NET_ADMIN"}, tc.user...)
				full = append(full, id)
				res := r.Run(append(full, args...)...)
				if !res.OK() {
					t.Fatalf("exec: %s", res)
				}
				return res.Stdout
			}
			// The exec'd process itself.
			st := exec("cat", "/proc/self/status")
			if inh := capField(t, st, "CapInh"); inh != 0 {
				t.Errorf("CapInh = %#x, want 0", inh)
			}
			if amb := capField(t, st, "CapAmb"); amb != 0 {
				t.Errorf("CapAmb = %#x, want 0", amb)
			}
			if bnd := capField(t, st, "CapBnd"); bnd&(1<<capNetAdmin) == 0 {
				t.Errorf("CapBnd = %#x lacks CAP_NET_ADMIN that --cap added", bnd)
			}
			if tc.root {
				if eff := capField(t, st, "CapEff"); eff&(1<<capNetAdmin) == 0 {
					t.Errorf("root: CapEff = %#x lacks CAP_NET_ADMIN that --cap added", eff)
				}
			}
			// A child after execve: a non-root user has nothing left.
			child := exec("sh", "-c", "cat /proc/self/status")
			if !tc.root {
				for _, f := range []string{"CapInh", "CapPrm", "CapEff", "CapAmb"} {
					if v := capField(t, child, f); v != 0 {
						t.Errorf("non-root child: %s = %#x, want 0", f, v)
					}
				}
			}
			// A binary with inheritable file capabilities.
			fc := exec("/capbin/cat", "/proc/self/status")
			if !tc.root {
				if prm := capField(t, fc, "CapPrm"); prm&(1<<capNetAdmin) != 0 {
					t.Errorf("non-root user gained CAP_NET_ADMIN from an inheritable file capability (CapPrm = %#x)", prm)
				}
			}
		})
	}
	deleteAndCheck(t, r, id, b)

	// Control: the probe works. A process that does have CAP_NET_ADMIN in
	// its inheritable set (here from the spec) gains it through the file.
	t.Run("control-inheritable-from-spec", func(t *testing.T) {
		cb := testutil.NewBundle(t, testutil.WithNoNewPrivileges(false), testutil.WithUser(1000, 1000),
			testutil.WithArgs("/capbin/cat", "/proc/self/status"),
			testutil.WithSpec(func(s *specs.Spec) {
				c := s.Process.Capabilities
				c.Bounding = append(c.Bounding, "CAP_NET_ADMIN")
				c.Permitted = append(c.Permitted, "CAP_NET_ADMIN")
				c.Inheritable = []string{"CAP_NET_ADMIN"}
			}))
		cb.WriteFile("capbin/cat", data, 0o755)
		setFileInheritableCap(t, filepath.Join(cb.Rootfs, "capbin/cat"))
		cid := r.NewID()
		res := r.RunContainer(cb, cid)
		if !res.OK() {
			t.Fatalf("run: %s", res)
		}
		if prm := capField(t, res.Stdout, "CapPrm"); prm&(1<<capNetAdmin) == 0 {
			t.Errorf("control failed: the file capability probe did not grant CAP_NET_ADMIN (CapPrm = %#x); the checks above prove nothing", prm)
		}
		r.CheckNoLeaks(cid, cb)
	})
}

// cgroupAttack tries every write a container could use to escape or
// change its limits through /sys/fs/cgroup; a WROTE line is a success.
const cgroupAttack = `cd /sys/fs/cgroup || { echo ok; exit 0; }
n=0
for f in $(find /sys/fs/cgroup -maxdepth 3 -type f 2>/dev/null); do
	case "$f" in
	*cgroup.procs|*tasks|*cgroup.subtree_control|*notify_on_release|*release_agent|*memory.limit_in_bytes|*pids.max|*cpu.shares|*cpu.cfs_quota_us|*cpuset.cpus|*devices.allow|*freezer.state|*memory.max|*cgroup.freeze)
		n=$((n+1))
		v=$(cat "$f" 2>/dev/null | head -n1)
		case "$f" in *devices.allow) v=a;; *cgroup.procs|*tasks) v=$$;; *release_agent) v=/evil;; esac
		(printf '%s\n' "$v" > "$f") 2>/dev/null && echo "WROTE $f"
		;;
	esac
done
for d in $(find /sys/fs/cgroup -maxdepth 2 -type d 2>/dev/null); do
	mkdir "$d/brig-escape" 2>/dev/null && echo "WROTE mkdir $d/brig-escape"
done
[ $n -gt 0 ] || echo "no cgroup files found"
echo ok`

// TestCgroupfsReadOnly (CVE-2023-25809 class): with the default spec's
// cgroup mount, no cgroup file or directory is writable from the
// container, for the default capabilities and for a container with every
// capability (short of remounting); with and without a cgroup namespace.
// The container's cgroup on the host is unchanged.
func TestCgroupfsReadOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []testutil.SpecOpt
	}{
		{"default", nil},
		{"all-caps", []testutil.SpecOpt{testutil.WithCaps(allCaps...)}},
		{"no-cgroupns", []testutil.SpecOpt{testutil.WithoutNamespace(specs.CgroupNamespace)}},
		{"no-cgroupns-all-caps", []testutil.SpecOpt{testutil.WithoutNamespace(specs.CgroupNamespace), testutil.WithCaps(allCaps...)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, append(tc.opts, testutil.WithWritableRoot(),
				testutil.WithShell("("+cgroupAttack+") > /result 2>&1"))...)
			id := r.NewID()
			r.MustCreate(b, id)
			dirs := cgroupDirsOf(t, r.MustState(id).Pid)
			before := map[string]map[string]string{}
			for _, d := range dirs {
				before[d] = cgroupValues(d)
			}
			r.MustRun("start", id)
			out := ""
			deadline := time.Now().Add(15 * time.Second)
			for !strings.HasSuffix(out, "ok\n") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				out, _ = b.ReadFile("result")
			}
			if !strings.HasSuffix(out, "ok\n") {
				t.Fatalf("attack script did not finish: %q", out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "WROTE") || strings.HasPrefix(l, "no cgroup") {
					t.Errorf("container: %s", l)
				}
			}
			for _, d := range dirs {
				for _, diff := range diffSnapshots(before[d], cgroupValues(d)) {
					t.Errorf("host cgroup %s changed: %s", d, diff)
				}
			}
			deleteAndCheck(t, r, id, b)
		})
	}
}

// cgroupDirsOf maps /proc/<pid>/cgroup to host directories.
func cgroupDirsOf(t *testing.T, pid int) []string {
	t.Helper()
	lines, err := testutil.ProcCgroups(pid)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lines {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 || f[2] == "/" {
			continue
		}
		ctrl := strings.TrimPrefix(f[1], "name=")
		if ctrl == "" {
			ctrl = "unified"
		}
		d := filepath.Join("/sys/fs/cgroup", ctrl, f[2])
		if _, err := os.Stat(d); err == nil {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cgroup directory found for pid %d: %v", pid, lines)
	}
	return out
}

// cgroupValues reads the limit files an attack would change, and lists
// sub-directories (a created child cgroup).
func cgroupValues(dir string) map[string]string {
	out := map[string]string{}
	for _, f := range []string{"notify_on_release", "memory.limit_in_bytes", "pids.max", "cpu.shares",
		"cpu.cfs_quota_us", "cpuset.cpus", "cgroup.subtree_control", "memory.max", "devices.list"} {
		if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
			out[f] = string(data)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			out["dir "+e.Name()] = "dir"
		}
	}
	return out
}

var _ = fmt.Sprint
