// Package security attacks brig with hostile bundles (CVE classes of runc,
// crun and youki) and checks that the host is untouched; it also kills brig
// mid-create and runs a load test, checking that nothing leaks.
//
//	make build && go test ./tests/security/ -count=1
//
// The runtime under test is a copy of bin/brig (or of $BRIG_BINARY) made
// once per test process in a temporary directory: an attack that managed to
// overwrite the runtime binary would damage only that copy, and a rebuild of
// bin/brig while the tests run cannot change the binary under test.
package security

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/brigrt/brig/tests/testutil"
)

func TestMain(m *testing.M) {
	code, err := runWithPrivateBinary(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "security tests:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// runWithPrivateBinary points $BRIG_BINARY at a private copy of the runtime
// for the whole test process.
func runWithPrivateBinary(m *testing.M) (int, error) {
	src, err := testutil.BinaryPath()
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("runtime binary %s: %w (run `make build`)", src, err)
	}
	dir, err := os.MkdirTemp(testutil.TempBase(), "brig-security-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	dst := filepath.Join(dir, filepath.Base(src))
	if err := copyFile(src, dst); err != nil {
		return 0, err
	}
	os.Setenv(testutil.EnvBinary, dst)
	code := m.Run()
	testutil.Cleanup()
	return code, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Close()
}
