// Package testutil is the harness for brig's integration tests: it finds the
// runtime binary, builds busybox bundles, runs the CLI with a private --root
// per test and checks that nothing (state, mounts, cgroups, processes) leaks.
//
// The runtime under test is $BRIG_BINARY if set (e.g. /usr/sbin/runc, to check
// the tests themselves against a reference runtime), else <repo>/bin/brig.
package testutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvBinary names the environment variable that overrides the runtime binary.
const EnvBinary = "BRIG_BINARY"

// RepoRoot returns the directory holding go.mod, searched upwards from the
// working directory (go test runs in the package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// BinaryPath returns the runtime binary to test, without checking it exists.
func BinaryPath() (string, error) {
	if b := os.Getenv(EnvBinary); b != "" {
		if !strings.Contains(b, "/") {
			p, err := exec.LookPath(b)
			if err != nil {
				return "", fmt.Errorf("%s=%s: %w", EnvBinary, b, err)
			}
			return p, nil
		}
		return filepath.Abs(b)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "brig"), nil
}

// Binary returns the absolute path of the runtime binary, failing the test
// when it does not exist (a missing binary is a build problem, not a skip).
func Binary(t testing.TB) string {
	t.Helper()
	p, err := BinaryPath()
	if err != nil {
		t.Fatalf("runtime binary: %v", err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatalf("runtime binary %s: %v (run `make build`, or set %s)", p, err, EnvBinary)
	}
	if st.Mode()&0o111 == 0 {
		t.Fatalf("runtime binary %s is not executable", p)
	}
	return p
}

// RequireRoot skips the test unless it runs as root: creating containers
// needs namespaces, mounts and cgroups.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("integration tests need root (creating containers needs namespaces, mounts and cgroups)")
	}
}

var (
	versionOnce sync.Once
	versionOut  string
)

// VersionOutput is the output of `<binary> --version`, cached per process.
func VersionOutput(t testing.TB) string {
	t.Helper()
	bin := Binary(t)
	versionOnce.Do(func() {
		out, _ := exec.Command(bin, "--version").CombinedOutput()
		versionOut = string(out)
	})
	return versionOut
}

// IsBrig reports whether the binary under test is brig (and not a reference
// runtime such as runc or crun). Brig-specific assertions are only checked
// then: message wording, --version format, ociVersion validation.
func IsBrig(t testing.TB) bool {
	t.Helper()
	return strings.HasPrefix(VersionOutput(t), "brig version ")
}

// RuntimeName is the first word of --version ("brig", "runc", "crun", ...).
func RuntimeName(t testing.TB) string {
	t.Helper()
	f := strings.Fields(VersionOutput(t))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// BrigOnly skips the test when the binary under test is not brig.
func BrigOnly(t testing.TB, why string) {
	t.Helper()
	if !IsBrig(t) {
		t.Skipf("brig-specific (%s); runtime under test is %s", why, RuntimeName(t))
	}
}
