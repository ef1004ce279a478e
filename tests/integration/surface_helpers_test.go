package integration

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// The Surface tests observe each Linux runtime-spec field from inside the
// container (or check the error an invalid value gives), for a container
// running as host root and, where it means something, for one in a user
// namespace whose root is host uid 100000.

// usernsHostID is where container id 0 is mapped in the userns variant.
const usernsHostID = 100000

// withUserNS adds a user namespace mapping 0..65535 to 100000..165535.
func withUserNS() testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool {
			return n.Type == specs.UserNamespace
		})
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: usernsHostID, Size: 65536}}
		s.Linux.UIDMappings = m
		s.Linux.GIDMappings = slices.Clone(m)
	})
}

// surfaceVariant is one way of running a case: as host root or in a user
// namespace.
type surfaceVariant struct {
	name   string
	userns bool
}

var (
	variantRoot   = surfaceVariant{name: "root"}
	variantUserNS = surfaceVariant{name: "userns", userns: true}
)

func (v surfaceVariant) opts() []testutil.SpecOpt {
	if v.userns {
		return []testutil.SpecOpt{withUserNS()}
	}
	return nil
}

// surfaceCase runs one container with `run` and checks its stdout, or
// (errs set) checks that run fails naming the cause.
type surfaceCase struct {
	name string
	opts []testutil.SpecOpt
	// script is run as `sh -c script`; empty keeps process.args from opts.
	script string
	// userns: also run the case in a user namespace.
	userns bool
	// rootless: run only in a user namespace (the root variant is elsewhere).
	usernsOnly bool
	// setup prepares host state (files, mounts) and may return extra run
	// flags; it runs after opts are applied.
	setup func(t *testing.T, b *testutil.Bundle, v surfaceVariant) []string
	check func(t *testing.T, out string, v surfaceVariant)
	// errs: run must fail and its last stderr line contain any of these.
	errs []string
	// exitCode is the script's expected status (0 by default).
	exitCode int
	// brigOnly skips the case for reference runtimes (with the reason).
	brigOnly string
}

func (c surfaceCase) variants() []surfaceVariant {
	switch {
	case c.usernsOnly:
		return []surfaceVariant{variantUserNS}
	case c.userns:
		return []surfaceVariant{variantRoot, variantUserNS}
	}
	return []surfaceVariant{variantRoot}
}

// runSurfaceCases runs every case and variant in parallel.
func runSurfaceCases(t *testing.T, cases []surfaceCase) {
	t.Helper()
	for _, tc := range cases {
		for _, v := range tc.variants() {
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				if tc.brigOnly != "" {
					testutil.BrigOnly(t, tc.brigOnly)
				}
				runSurfaceCase(t, tc, v)
			})
		}
	}
}

func runSurfaceCase(t *testing.T, tc surfaceCase, v surfaceVariant) {
	t.Helper()
	r := testutil.NewRuntime(t)
	opts := append(v.opts(), tc.opts...)
	if tc.script != "" {
		opts = append(opts, testutil.WithShell(tc.script))
	}
	b := testutil.NewBundle(t, opts...)
	if v.userns {
		allowUserNS(t, b)
	}
	var extra []string
	if tc.setup != nil {
		extra = tc.setup(t, b, v)
	}
	id := r.NewID()
	res := r.RunContainerOpts(testutil.ExecOpts{Timeout: 15 * time.Second}, b, id, extra...)
	if len(tc.errs) > 0 {
		if res.Err != nil || res.ExitCode == 0 {
			t.Fatalf("want a failure naming %q: %s", tc.errs, res)
		}
		if last := res.LastStderrLine(); !containsAny(last, tc.errs) {
			t.Errorf("last stderr line %q does not name the cause (any of %q)", last, tc.errs)
		}
		t.Logf("error: %s", res.LastStderrLine())
	} else {
		if res.Err != nil || res.ExitCode != tc.exitCode {
			t.Fatalf("exit %d, want %d: %s", res.ExitCode, tc.exitCode, res)
		}
		if tc.check != nil {
			tc.check(t, res.Stdout, v)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
		}
	}
	if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
		if len(tc.errs) > 0 {
			t.Errorf("a failed run left its state dir %s", filepath.Join(r.Root, id))
		}
		r.Run("delete", "--force", id)
	}
	r.CheckNoLeaks(id, b)
}

// allowUserNS prepares a bundle for a container whose root is host uid
// 100000: the bundle dir is made reachable (temporary directories are
// 0700) and the rootfs directories are given to the container's root, as
// an image unpacked for a user namespace would be (so that it may create
// mount points and the cwd). Files stay host root's: busybox is hardlinked
// from the shared template.
func allowUserNS(t *testing.T, b *testutil.Bundle) {
	t.Helper()
	if err := os.Chmod(b.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(b.Rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return os.Lchown(p, usernsHostID, usernsHostID)
	})
	if err != nil {
		t.Fatalf("chown rootfs for the user namespace: %v", err)
	}
}

// waitRunning polls state until id is running (a foreground run started
// it, done gets its result) and records its pid for cleanup.
func waitRunning(t *testing.T, r *testutil.Runtime, id string, done chan testutil.Result) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st, _ := r.State(id); st != nil && st.Status == specs.StateRunning {
			r.RememberPid(st.Pid)
			return
		}
		select {
		case res := <-done:
			t.Fatalf("run ended before the container was seen running: %s", res)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s never running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wantLines fails unless every line in want is one of out's lines.
func wantLines(want ...string) func(*testing.T, string, surfaceVariant) {
	return func(t *testing.T, out string, _ surfaceVariant) {
		t.Helper()
		lines := testutil.ReadLines(out)
		for _, w := range want {
			if !slices.Contains(lines, w) {
				t.Errorf("want line %q in:\n%s", w, out)
			}
		}
	}
}

// keyValues parses "key=value" lines (later keys win).
func keyValues(out string) map[string]string {
	m := map[string]string{}
	for _, l := range testutil.ReadLines(out) {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// hostNS is the readlink of the test process's namespace of type name.
func hostNS(t *testing.T, name string) string {
	t.Helper()
	l, err := os.Readlink("/proc/self/ns/" + name)
	if err != nil {
		t.Fatalf("host namespace %s: %v", name, err)
	}
	return l
}

// statField returns field n (1-based, as in proc(5)) of a /proc/<pid>/stat
// line; the comm field may contain spaces, so fields are counted after ")".
func statField(stat string, n int) (string, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return "", fmt.Errorf("malformed stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state).
	if n < 3 || n-3 >= len(f) {
		return "", fmt.Errorf("stat has no field %d: %q", n, stat)
	}
	return f[n-3], nil
}

// hostDir is a per-test host directory anyone can write to (a container
// root in a user namespace is not host root).
func hostDir(t *testing.T) string {
	t.Helper()
	d := testutil.TempDir(t)
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

// writeScript writes an executable shell script on the host.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// capBits maps capability names to bit numbers (capability.h).
var capBits = map[string]uint{
	"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_FSETID": 4,
	"CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
	"CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
	"CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17,
	"CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21,
	"CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23, "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25,
	"CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29,
	"CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
}

// capsMask is the /proc/<pid>/status bitmask of the named capabilities.
func capsMask(t *testing.T, names ...string) uint64 {
	t.Helper()
	var m uint64
	for _, n := range names {
		b, ok := capBits[n]
		if !ok {
			t.Fatalf("capsMask: unknown %s", n)
		}
		m |= 1 << b
	}
	return m
}

// statusCaps reads the five Cap* fields of a /proc/<pid>/status dump.
func statusCaps(t *testing.T, status string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, f := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		v, err := strconv.ParseUint(statusField(t, status, f), 16, 64)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = v
	}
	return out
}
