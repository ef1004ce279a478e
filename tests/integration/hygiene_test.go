package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// hygieneCase runs one container with `run` and checks what it printed.
type hygieneCase struct {
	name   string
	opts   []testutil.SpecOpt
	script string
	// setup may add run flags and files (for --preserve-fds); optional.
	setup func(t *testing.T, b *testutil.Bundle) (extra []string, opts testutil.ExecOpts)
	check func(t *testing.T, out string, b *testutil.Bundle)
	// exitCode is the expected status of the script (0 by default).
	exitCode int
}

// capMask is the /proc/<pid>/status bitmask of the named capabilities.
func capMask(names ...string) uint64 {
	bits := map[string]uint{
		"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7,
		"CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
		"CAP_SYS_ADMIN": 21, "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29, "CAP_SETFCAP": 31,
	}
	var m uint64
	for _, n := range names {
		b, ok := bits[n]
		if !ok {
			panic("capMask: unknown " + n)
		}
		m |= 1 << b
	}
	return m
}

// statusField returns a field of a /proc/self/status dump.
func statusField(t *testing.T, out, field string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == field {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in:\n%s", field, out)
	return ""
}

func checkCaps(want uint64, fields ...string) func(*testing.T, string, *testutil.Bundle) {
	return func(t *testing.T, out string, _ *testutil.Bundle) {
		for _, f := range fields {
			got, err := strconv.ParseUint(statusField(t, out, f), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if got != want {
				t.Errorf("%s = %#x, want %#x", f, got, want)
			}
		}
	}
}

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	point, fstype string
	opts          []string // per-mount and superblock options together
}

func parseMountinfo(out string) []mountEntry {
	var ms []mountEntry
	for _, l := range strings.Split(out, "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 6 || len(g) < 1 {
			continue
		}
		opts := strings.Split(f[5], ",")
		if len(g) >= 3 {
			opts = append(opts, strings.Split(g[2], ",")...)
		}
		ms = append(ms, mountEntry{point: f[4], fstype: g[0], opts: opts})
	}
	return ms
}

// lastMount is the topmost mount at point (later lines cover earlier ones).
func lastMount(ms []mountEntry, point string) (mountEntry, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].point == point {
			return ms[i], true
		}
	}
	return mountEntry{}, false
}

// fdLine matches `ls -l /proc/self/fd` lines: "... 3 -> /path".
var fdLine = regexp.MustCompile(`\s(\d+) -> (.*)$`)

// openFds lists the fds of the ls process, minus the one ls opened to read
// the directory itself.
func openFds(out string) map[int]string {
	fds := map[int]string{}
	for _, l := range strings.Split(out, "\n") {
		m := fdLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if regexp.MustCompile(`^/proc/\d+/fd$`).MatchString(m[2]) {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		fds[n] = m[2]
	}
	return fds
}

func fdSet(fds map[int]string) []int {
	var out []int
	for k := range fds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var hygieneCases = []hygieneCase{
	{
		name:   "fds-only-stdio",
		script: "ls -l /proc/self/fd",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if got := fdSet(openFds(out)); !slices.Equal(got, []int{0, 1, 2}) {
				t.Errorf("open fds %v, want [0 1 2]:\n%s", got, out)
			}
		},
	},
	{
		name:   "preserve-fds",
		opts:   []testutil.SpecOpt{testutil.WithWritableRoot()},
		script: "ls -l /proc/self/fd; echo via-fd3 >&3",
		setup: func(t *testing.T, b *testutil.Bundle) ([]string, testutil.ExecOpts) {
			f, err := os.Create(filepath.Join(b.Dir, "extra-fd"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return []string{"--preserve-fds", "1"}, testutil.ExecOpts{ExtraFiles: []*os.File{f}}
		},
		check: func(t *testing.T, out string, b *testutil.Bundle) {
			if got := fdSet(openFds(out)); !slices.Equal(got, []int{0, 1, 2, 3}) {
				t.Errorf("open fds %v, want [0 1 2 3]:\n%s", got, out)
			}
			data, _ := os.ReadFile(filepath.Join(b.Dir, "extra-fd"))
			if strings.TrimSpace(string(data)) != "via-fd3" {
				t.Errorf("preserved fd 3 did not reach the host file: %q", data)
			}
		},
	},
	{
		name:   "default-mounts",
		script: "cat /proc/self/mountinfo",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			ms := parseMountinfo(out)
			for _, want := range []struct{ point, fstype, opt string }{
				{"/", "", "ro"}, // root.readonly is true in the default spec
				{"/proc", "proc", ""},
				{"/dev", "tmpfs", "nosuid"},
				{"/dev/pts", "devpts", "ptmxmode=666"},
				{"/dev/shm", "tmpfs", "nodev"},
				{"/dev/mqueue", "mqueue", "noexec"},
				{"/sys", "sysfs", "ro"},
			} {
				m, ok := lastMount(ms, want.point)
				if !ok {
					t.Errorf("no mount at %s:\n%s", want.point, out)
					continue
				}
				if want.fstype != "" && m.fstype != want.fstype {
					t.Errorf("%s: type %s, want %s", want.point, m.fstype, want.fstype)
				}
				if want.opt != "" && !slices.Contains(m.opts, want.opt) {
					t.Errorf("%s: options %v lack %s", want.point, m.opts, want.opt)
				}
			}
		},
	},
	{
		// Each default masked path that exists on this host must read as
		// empty inside (files: bind of /dev/null; dirs: empty read-only tmpfs).
		name: "masked-paths",
		script: `for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware; do
  if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p $(cat $p 2>/dev/null | wc -c)"; fi
done`,
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			seen := 0
			for _, l := range testutil.ReadLines(out) {
				p, n, _ := strings.Cut(l, " ")
				seen++
				if n != "0" {
					t.Errorf("%s is not masked (%s entries/bytes inside)", p, n)
				}
			}
			for _, p := range []string{"/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/kcore"} {
				if _, err := os.Stat(p); err == nil && !strings.Contains(out, p+" ") {
					t.Errorf("%s exists on the host but not in the container:\n%s", p, out)
				}
			}
			if seen == 0 {
				t.Errorf("no masked path found:\n%s", out)
			}
		},
	},
	{
		name:   "readonly-paths",
		script: "cat /proc/self/mountinfo",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			ms := parseMountinfo(out)
			for _, p := range []string{"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq"} {
				if _, err := os.Stat(p); err != nil {
					continue // absent on this kernel: nothing to protect
				}
				m, ok := lastMount(ms, p)
				if !ok {
					t.Errorf("%s is not a (read-only) mount:\n%s", p, out)
					continue
				}
				if !slices.Contains(m.opts, "ro") {
					t.Errorf("%s options %v, want ro", p, m.opts)
				}
			}
		},
	},
	{
		name:   "readonly-root",
		script: "touch /probe 2>&1; echo rc=$?",
		check: func(t *testing.T, out string, b *testutil.Bundle) {
			if strings.Contains(out, "rc=0") {
				t.Errorf("could write to a read-only root:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(b.Rootfs, "probe")); err == nil {
				t.Errorf("/probe was created on the host")
			}
		},
	},
	{
		name:   "hostname",
		opts:   []testutil.SpecOpt{testutil.WithHostname("brig-hygiene")},
		script: "hostname",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if strings.TrimSpace(out) != "brig-hygiene" {
				t.Errorf("hostname %q, want brig-hygiene", out)
			}
		},
	},
	{
		name:   "default-caps",
		opts:   []testutil.SpecOpt{testutil.WithCaps(testutil.DefaultCaps...)},
		script: "cat /proc/self/status",
		check:  checkCaps(capMask(testutil.DefaultCaps...), "CapEff", "CapPrm", "CapBnd"),
	},
	{
		name:   "custom-caps",
		opts:   []testutil.SpecOpt{testutil.WithCaps("CAP_CHOWN", "CAP_SYS_CHROOT", "CAP_SETFCAP")},
		script: "cat /proc/self/status",
		check:  checkCaps(capMask("CAP_CHOWN", "CAP_SYS_CHROOT", "CAP_SETFCAP"), "CapEff", "CapPrm", "CapBnd"),
	},
	{
		// `runc spec` lists ambient caps but no inheritable ones, so the
		// kernel refuses to raise them; runc ignores that (CapAmb 0), and
		// configs written by `runc spec` must keep working.
		name: "runc-spec-ambient-caps",
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			c := testutil.DefaultCaps
			s.Process.Capabilities = &specs.LinuxCapabilities{
				Bounding: c, Effective: c, Permitted: c, Ambient: c,
			}
		})},
		script: "cat /proc/self/status",
		check:  checkCaps(capMask(testutil.DefaultCaps...), "CapEff", "CapPrm", "CapBnd"),
	},
	{
		name:   "no-new-privileges",
		script: "cat /proc/self/status",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if v := statusField(t, out, "NoNewPrivs"); v != "1" {
				t.Errorf("NoNewPrivs %s, want 1", v)
			}
		},
	},
	{
		name:   "new-privileges-allowed",
		opts:   []testutil.SpecOpt{testutil.WithNoNewPrivileges(false)},
		script: "cat /proc/self/status",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if v := statusField(t, out, "NoNewPrivs"); v != "0" {
				t.Errorf("NoNewPrivs %s, want 0", v)
			}
		},
	},
	{
		name:   "rlimit-nofile-default",
		script: "echo $(ulimit -Sn) $(ulimit -Hn)",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if strings.TrimSpace(out) != "1024 1024" {
				t.Errorf("NOFILE soft/hard %q, want 1024 1024", out)
			}
		},
	},
	{
		name:   "rlimit-nofile-custom",
		opts:   []testutil.SpecOpt{testutil.WithRlimit("RLIMIT_NOFILE", 256, 512)},
		script: "echo $(ulimit -Sn) $(ulimit -Hn)",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if strings.TrimSpace(out) != "256 512" {
				t.Errorf("NOFILE soft/hard %q, want 256 512", out)
			}
		},
	},
	{
		name: "device-nodes",
		script: `for d in null zero full random urandom tty; do stat -c "$d %F %t %T" /dev/$d; done
echo x > /dev/null && echo null-ok
echo zero=$(head -c 3 /dev/zero | wc -c)
echo random=$(head -c 8 /dev/urandom | wc -c)`,
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			lines := testutil.ReadLines(out)
			for _, want := range []string{
				"null character special file 1 3", "zero character special file 1 5",
				"full character special file 1 7", "random character special file 1 8",
				"urandom character special file 1 9", "tty character special file 5 0",
				"null-ok", "zero=3", "random=8",
			} {
				if !slices.Contains(lines, want) {
					t.Errorf("want %q:\n%s", want, out)
				}
			}
		},
	},
	{
		name:   "dev-symlinks",
		script: `for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; ls /dev/fd/ >/dev/null && echo fd-dir-ok`,
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			lines := testutil.ReadLines(out)
			for _, want := range []string{
				"fd -> /proc/self/fd", "stdin -> /proc/self/fd/0", "stdout -> /proc/self/fd/1",
				"stderr -> /proc/self/fd/2", "ptmx -> pts/ptmx", "fd-dir-ok",
			} {
				if !slices.Contains(lines, want) {
					t.Errorf("want %q:\n%s", want, out)
				}
			}
		},
	},
	{
		name:   "user-and-groups",
		opts:   []testutil.SpecOpt{testutil.WithUser(1000, 1000, 5)},
		script: "cat /proc/self/status",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if v := strings.Fields(statusField(t, out, "Uid")); !slices.Equal(v, []string{"1000", "1000", "1000", "1000"}) {
				t.Errorf("Uid %v, want 1000 x4", v)
			}
			if v := strings.Fields(statusField(t, out, "Gid")); !slices.Equal(v, []string{"1000", "1000", "1000", "1000"}) {
				t.Errorf("Gid %v, want 1000 x4", v)
			}
			if v := strings.Fields(statusField(t, out, "Groups")); !slices.Contains(v, "5") {
				t.Errorf("Groups %v, want to contain 5", v)
			}
			// A non-root user without ambient caps has no effective caps.
			if v := statusField(t, out, "CapEff"); v != "0000000000000000" {
				t.Errorf("CapEff %s, want 0 for uid 1000", v)
			}
		},
	},
	{
		name:   "env-and-cwd",
		opts:   []testutil.SpecOpt{testutil.WithEnv("BRIG_TEST_VAR=hello world"), testutil.WithCwd("/tmp")},
		script: `echo "var=$BRIG_TEST_VAR"; echo "cwd=$(pwd)"; echo "path=$PATH"`,
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			lines := testutil.ReadLines(out)
			for _, want := range []string{"var=hello world", "cwd=/tmp"} {
				if !slices.Contains(lines, want) {
					t.Errorf("want %q:\n%s", want, out)
				}
			}
			if !strings.Contains(out, "path=/usr/local/sbin:") {
				t.Errorf("PATH from the spec not set:\n%s", out)
			}
		},
	},
	{
		name:   "pid-namespace",
		script: "echo pid=$$; ls /proc | grep -c '^[0-9]'",
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			lines := testutil.ReadLines(out)
			if len(lines) < 2 || lines[0] != "pid=1" {
				t.Fatalf("want pid=1:\n%s", out)
			}
			// sh, ls/grep (and maybe a subshell): a handful, not the host's.
			if n, _ := strconv.Atoi(lines[1]); n > 5 {
				t.Errorf("%d processes visible in the pid namespace:\n%s", n, out)
			}
		},
	},
	{
		name: "bind-mounts",
		setup: func(t *testing.T, b *testutil.Bundle) ([]string, testutil.ExecOpts) {
			dir := testutil.TempDir(t)
			if err := os.WriteFile(filepath.Join(dir, "hello"), []byte("from-host\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			b.Mutate(testutil.WithBindMount(dir, "/mnt/ro", true), testutil.WithBindMount(dir, "/mnt/rw", false))
			return nil, testutil.ExecOpts{}
		},
		script: "cat /mnt/ro/hello; touch /mnt/ro/x 2>/dev/null && echo ro-writable; echo w > /mnt/rw/written && echo rw-ok",
		check: func(t *testing.T, out string, b *testutil.Bundle) {
			lines := testutil.ReadLines(out)
			if !slices.Contains(lines, "from-host") || !slices.Contains(lines, "rw-ok") || slices.Contains(lines, "ro-writable") {
				t.Errorf("want from-host and rw-ok, not ro-writable:\n%s", out)
			}
		},
	},
	{
		name:   "no-pid-namespace",
		opts:   []testutil.SpecOpt{testutil.WithoutNamespace(specs.PIDNamespace)},
		script: `[ $$ -ne 1 ] && echo host-pid=$$`,
		check: func(t *testing.T, out string, _ *testutil.Bundle) {
			if !strings.HasPrefix(strings.TrimSpace(out), "host-pid=") {
				t.Errorf("want a host pid:\n%s", out)
			}
		},
	},
}

// TestHygiene: what the process sees inside a default-ish container.
func TestHygiene(t *testing.T) {
	t.Parallel()
	for _, tc := range hygieneCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, append(tc.opts, testutil.WithShell(tc.script))...)
			var extra []string
			var opts testutil.ExecOpts
			if tc.setup != nil {
				extra, opts = tc.setup(t, b)
			}
			id := r.NewID()
			res := r.RunContainerOpts(opts, b, id, extra...)
			if res.Err != nil || res.ExitCode != tc.exitCode {
				t.Fatalf("exit %d, want %d: %s", res.ExitCode, tc.exitCode, res)
			}
			if t.Failed() {
				return
			}
			tc.check(t, res.Stdout, b)
			if t.Failed() {
				t.Logf("container stderr:\n%s", res.Stderr)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}
