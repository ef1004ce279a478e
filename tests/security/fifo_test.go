package security

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// TestImageFifoNoHang: files the runtime reads inside the container
// (/etc/passwd, for HOME) can be FIFOs in a hostile image; opening one
// blocks until a writer appears, which the image never provides. create
// and exec must still finish (succeed or fail cleanly) instead of hanging
// with an init left waiting.
func TestImageFifoNoHang(t *testing.T) {
	t.Parallel()
	const limit = 8 * time.Second
	fifoPasswd := func(t *testing.T, rootfs string) {
		p := filepath.Join(rootfs, "etc/passwd")
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		r := testutil.NewRuntime(t)
		b := testutil.NewBundle(t, testutil.WithArgs("true"))
		fifoPasswd(t, b.Rootfs)
		id := r.NewID()
		r.Track(id)
		res := r.Exec(testutil.ExecOpts{Timeout: limit}, "create", "--bundle", b.Dir, id)
		if res.Err != nil {
			t.Errorf("create hangs when the image's /etc/passwd is a FIFO (killed after %s)", limit)
		}
		deleteAndCheck(t, r, id, b)
	})
	t.Run("exec", func(t *testing.T) {
		t.Parallel()
		r := testutil.NewRuntime(t)
		b := testutil.NewBundle(t, testutil.WithArgs("sleep", "600"), testutil.WithWritableRoot())
		id := r.NewID()
		mustStart(t, r, b, id)
		// The container's own process could do this at any time.
		fifoPasswd(t, b.Rootfs)
		res := r.Exec(testutil.ExecOpts{Timeout: limit}, "exec", id, "true")
		if res.Err != nil {
			t.Errorf("exec hangs when the container's /etc/passwd is a FIFO (killed after %s)", limit)
		}
		deleteAndCheck(t, r, id, b)
	})
}
