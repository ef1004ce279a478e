package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// newBundle makes a bundle directory with an empty rootfs and returns it.
func newBundle(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeConfig(t testing.TB, bundle, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(bundle, ConfigFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
