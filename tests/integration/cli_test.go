package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/brigrt/brig/tests/testutil"
)

// TestVersion: `--version` prints `brig version X`, `commit: SHA`,
// `spec: 1.3.0` (brig-specific format).
func TestVersion(t *testing.T) {
	t.Parallel()
	res := testutil.Run(t, "--version")
	if !res.OK() {
		t.Fatalf("--version: %s", res)
	}
	testutil.BrigOnly(t, "--version format")
	lines := testutil.ReadLines(res.Stdout)
	for _, re := range []string{`^brig version \S+$`, `^commit: \S+$`, `^spec: 1\.3\.0$`} {
		if !slices.ContainsFunc(lines, regexp.MustCompile(re).MatchString) {
			t.Errorf("no line matching %s in:\n%s", re, res.Stdout)
		}
	}
}

// TestFeatures: `features` prints runtime-spec features JSON.
func TestFeatures(t *testing.T) {
	t.Parallel()
	res := testutil.Run(t, "features")
	if !res.OK() {
		t.Fatalf("features: %s", res)
	}
	var f features.Features
	if err := json.Unmarshal([]byte(res.Stdout), &f); err != nil {
		t.Fatalf("features JSON: %v\n%s", err, res.Stdout)
	}
	if f.OCIVersionMin == "" || f.OCIVersionMax == "" {
		t.Errorf("ociVersionMin/Max missing: %s", res.Stdout)
	}
	if f.Linux == nil || len(f.Linux.Namespaces) == 0 {
		t.Errorf("linux.namespaces missing: %s", res.Stdout)
	}
	if testutil.IsBrig(t) && f.OCIVersionMax != "1.3.0" {
		t.Errorf("brig: ociVersionMax %q, want 1.3.0", f.OCIVersionMax)
	}
}

// TestSpec: `spec` writes a usable config.json into --bundle (or the
// working directory).
func TestSpec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		args     []string
		inCwd    bool
		rootless bool
	}{
		{name: "bundle-flag"},
		{name: "cwd", inCwd: true},
		{name: "rootless", args: []string{"--rootless"}, rootless: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := testutil.TempDir(t)
			args := append([]string{"spec"}, tc.args...)
			opts := testutil.ExecOpts{Dir: dir}
			if !tc.inCwd {
				args = append(args, "--bundle", dir)
				opts.Dir = ""
			}
			res := testutil.Exec(t, opts, testutil.Binary(t), args...)
			if !res.OK() {
				t.Fatalf("spec: %s", res)
			}
			data, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatalf("config.json: %v", err)
			}
			var s specs.Spec
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatalf("config.json: %v", err)
			}
			if s.Version == "" || s.Process == nil || s.Root == nil || s.Linux == nil {
				t.Fatalf("incomplete spec:\n%s", data)
			}
			if testutil.IsBrig(t) && s.Version != "1.3.0" {
				t.Errorf("ociVersion %q, want 1.3.0", s.Version)
			}
			if !slices.Equal(s.Process.Args, []string{"sh"}) || s.Root.Path != "rootfs" {
				t.Errorf("args %q root %q, want [sh] and rootfs", s.Process.Args, s.Root.Path)
			}
			hasNS := func(typ specs.LinuxNamespaceType) bool {
				return slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == typ })
			}
			for _, ns := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.MountNamespace, specs.IPCNamespace, specs.UTSNamespace} {
				if !hasNS(ns) {
					t.Errorf("namespace %s missing", ns)
				}
			}
			if tc.rootless {
				if !hasNS(specs.UserNamespace) || len(s.Linux.UIDMappings) == 0 || len(s.Linux.GIDMappings) == 0 {
					t.Errorf("rootless spec lacks a user namespace with uid/gid mappings:\n%s", data)
				}
			}
		})
	}
}

// TestBaseSpecFromRuntime: the harness builds every bundle from the
// runtime's own `spec`; falling back to the built-in default means `spec`
// is broken.
func TestBaseSpecFromRuntime(t *testing.T) {
	t.Parallel()
	testutil.RequireRoot(t)
	if src := testutil.SpecSource(t); src == "built-in default" {
		t.Errorf("`%s spec` failed; bundles use the built-in default spec", testutil.Binary(t))
	}
}

// TestUnknownCommand exits non-zero.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	if res := testutil.Run(t, "no-such-command"); res.ExitCode == 0 {
		t.Errorf("unknown command succeeded: %s", res)
	}
}
