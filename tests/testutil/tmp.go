package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// EnvTmpDir overrides where bundles, state roots and output files go.
const EnvTmpDir = "BRIG_TEST_TMPDIR"

var (
	baseOnce sync.Once
	baseDir  string
)

// TempBase is the directory under which the harness creates its temporary
// directories: $BRIG_TEST_TMPDIR, else /dev/shm when it is a tmpfs that
// allows exec, suid and devices, else os.TempDir(). A bundle has ~300
// entries (busybox applet links) and creating them on a disk filesystem can
// take far longer than running the container.
func TempBase() string {
	baseOnce.Do(func() {
		if d := os.Getenv(EnvTmpDir); d != "" {
			baseDir = d
			return
		}
		baseDir = os.TempDir()
		var st unix.Statfs_t
		if err := unix.Statfs("/dev/shm", &st); err != nil {
			return
		}
		if st.Type != unix.TMPFS_MAGIC || st.Flags&(unix.ST_NOEXEC|unix.ST_NOSUID|unix.ST_NODEV|unix.ST_RDONLY) != 0 {
			return
		}
		if unix.Access("/dev/shm", unix.W_OK) != nil {
			return
		}
		baseDir = "/dev/shm"
	})
	return baseDir
}

// TempDir is t.TempDir on TempBase; removed when the test ends. Removal
// failures (e.g. a mount left inside a bundle) fail the test.
func TempDir(t testing.TB) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	dir, err := os.MkdirTemp(TempBase(), "brigtest-"+name+"-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove temp dir %s: %v", dir, err)
		}
	})
	return dir
}

// tempDirNoT is for places without a test (the process-wide template).
func tempDirNoT(prefix string) (string, error) {
	dir, err := os.MkdirTemp(TempBase(), prefix)
	if err != nil {
		return "", fmt.Errorf("temp dir under %s: %w", TempBase(), err)
	}
	return filepath.Clean(dir), nil
}
