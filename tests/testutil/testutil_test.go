package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestLastStderrLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"one\n", "one"},
		{"warn: x\nerror: cause\n\n  \n", "error: cause"},
		{"a\nb", "b"},
	}
	for _, tc := range cases {
		if got := (Result{Stderr: tc.in}).LastStderrLine(); got != tc.want {
			t.Errorf("LastStderrLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	cases := map[string]string{
		`/a\040b`:  "/a b",
		`/plain`:   "/plain",
		`/tab\011`: "/tab\t",
		`/bad\04`:  `/bad\04`,
	}
	for in, want := range cases {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpecOpts(t *testing.T) {
	s := DefaultSpec()
	for _, o := range []SpecOpt{
		WithArgs("echo", "hi"),
		WithEnv("A=1"),
		WithCwd("/tmp"),
		WithUser(1000, 1000, 5),
		WithHostname("h"),
		WithWritableRoot(),
		WithBindMount("/src", "/dst", true),
		WithoutMount("/sys/fs/cgroup"),
		WithoutNamespace(specs.NetworkNamespace),
		WithNamespace(specs.PIDNamespace, "/proc/1/ns/pid"),
		WithCaps("CAP_CHOWN"),
		WithNoNewPrivileges(false),
		WithRlimit("RLIMIT_NOFILE", 10, 20),
		WithAnnotation("k", "v"),
		WithCgroupsPath("/x"),
	} {
		o(s)
	}
	if strings.Join(s.Process.Args, " ") != "echo hi" || s.Process.Cwd != "/tmp" || s.Hostname != "h" || s.Root.Readonly {
		t.Errorf("basic opts not applied: %+v", s.Process)
	}
	if s.Process.User.UID != 1000 || len(s.Process.User.AdditionalGids) != 1 {
		t.Errorf("user %+v", s.Process.User)
	}
	if s.Process.Env[len(s.Process.Env)-1] != "A=1" {
		t.Errorf("env %v", s.Process.Env)
	}
	last := s.Mounts[len(s.Mounts)-1]
	if last.Destination != "/dst" || last.Options[1] != "ro" {
		t.Errorf("bind mount %+v", last)
	}
	for _, m := range s.Mounts {
		if m.Destination == "/sys/fs/cgroup" {
			t.Errorf("WithoutMount left %s", m.Destination)
		}
	}
	var pidPath string
	for _, n := range s.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace {
			t.Errorf("network namespace not removed")
		}
		if n.Type == specs.PIDNamespace {
			pidPath = n.Path
		}
	}
	if pidPath != "/proc/1/ns/pid" {
		t.Errorf("pid namespace path %q", pidPath)
	}
	if c := s.Process.Capabilities; len(c.Bounding) != 1 || c.Effective[0] != "CAP_CHOWN" {
		t.Errorf("caps %+v", c)
	}
	if s.Process.NoNewPrivileges || s.Annotations["k"] != "v" || s.Linux.CgroupsPath != "/x" {
		t.Errorf("nnp/annotations/cgroupsPath not applied")
	}
	if r := s.Process.Rlimits; len(r) != 1 || r[0].Soft != 10 || r[0].Hard != 20 {
		t.Errorf("rlimits %+v", r)
	}
}

// TestBundleTemplate builds a bundle without running a runtime: the spec
// falls back to the built-in default when the binary is missing.
func TestBundleTemplate(t *testing.T) {
	if _, err := BusyboxPath(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := makeRootfs(filepath.Join(dir, "rootfs")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy")
	if err := copyTree(filepath.Join(dir, "rootfs"), dst); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"bin/busybox", "bin/sh", "etc/passwd", "etc/group", "proc", "sys", "dev", "tmp"} {
		if _, err := os.Lstat(filepath.Join(dst, p)); err != nil {
			t.Errorf("%s missing: %v", p, err)
		}
	}
	if link, err := os.Readlink(filepath.Join(dst, "bin/sh")); err != nil || link != "/bin/busybox" {
		t.Errorf("bin/sh -> %q, %v", link, err)
	}
	if st, err := os.Stat(filepath.Join(dst, "tmp")); err != nil || st.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp not sticky: %v", st.Mode())
	}
	passwd, _ := os.ReadFile(filepath.Join(dst, "etc/passwd"))
	if !strings.Contains(string(passwd), ":1000:1000:") {
		t.Errorf("passwd lacks user 1000:\n%s", passwd)
	}
	sp, src := baseSpec("/nonexistent/brig", dir)
	if src != "built-in default" || sp.Process.Terminal || sp.Process.Args[0] != "sh" {
		t.Errorf("baseSpec fallback: %s %+v", src, sp.Process)
	}
	if _, err := json.Marshal(sp); err != nil {
		t.Error(err)
	}
}

func TestProcStartTime(t *testing.T) {
	st, err := procStartTime(os.Getpid())
	if err != nil || st == 0 {
		t.Fatalf("procStartTime(self) = %d, %v", st, err)
	}
	if !ProcessAlive(os.Getpid()) {
		t.Error("self not alive")
	}
	if ProcessAlive(-1) || ProcessAlive(0) {
		t.Error("invalid pid alive")
	}
}

func TestFindLeaksEmptyID(t *testing.T) {
	// An empty id must not match every cgroup or process.
	if leaks := findLeaks(t.TempDir(), "", []string{"/nonexistent-bundle-path"}, nil); len(leaks) != 0 {
		t.Errorf("leaks for empty id: %v", leaks)
	}
}
