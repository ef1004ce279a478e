package security

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// CVE-2025-31133 / CVE-2025-52565 class: /dev of the image (or a /dev
// volume) holds symlinks where the runtime expects its own nodes: /dev
// itself, /dev/null (the source of every masked-path bind), /dev/console
// (the target of the pty bind). Masking must never turn into a writable
// bind of another file, and nothing may be created or mounted on the host.

// maskCheck runs in the container: each masked file is the null device
// (char 1:3), and /dev/null is the null device.
const maskCheck = `ok=1
for f in ${DEVNULL-/dev/null} /proc/kcore /proc/keys /proc/timer_list; do
	[ -e $f ] || continue
	[ "$(stat -c %F:%t:%T $f)" = "character special file:1:3" ] || { echo "$f is $(stat -c %F:%t:%T $f)"; ok=0; }
done
[ $ok = 1 ] && echo ok`

func readHost(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// runHostile runs b and accepts a clean refusal or a container that
// printed "ok"; it returns whether the container ran.
func runHostile(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string, extra ...string) bool {
	t.Helper()
	res := r.RunContainer(b, id, extra...)
	switch {
	case res.Err != nil:
		t.Errorf("run did not finish: %s", res)
	case res.Stdout != "":
		if strings.TrimSpace(res.Stdout) != "ok" || !res.OK() {
			t.Errorf("container check failed: %s", res)
		}
		return true
	case res.OK():
		t.Errorf("container printed nothing: %s", res)
	case res.LastStderrLine() == "":
		t.Errorf("failure without a message: %s", res)
	default:
		t.Logf("refused: %s", res.LastStderrLine())
	}
	return false
}

// TestDevSymlinkToHost: the image's /dev is a symlink to a host directory
// (absolute or climbing with ".."), with and without the spec's /dev tmpfs.
func TestDevSymlinkToHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		relative bool
		noTmpfs  bool
		mirror   bool
	}{
		{"absolute", false, false, false},
		{"absolute-target-in-image", false, false, true},
		{"relative", true, false, false},
		{"absolute-no-dev-tmpfs", false, true, false},
		{"absolute-no-dev-tmpfs-target-in-image", false, true, true},
		{"relative-no-dev-tmpfs", true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			c := newCanary(t)
			b := testutil.NewBundle(t, testutil.WithShell(maskCheck))
			if tc.noTmpfs {
				b.Mutate(testutil.WithoutMount("/dev"))
			}
			if tc.mirror {
				c.Mirror(t, b.Rootfs)
			}
			dev := filepath.Join(b.Rootfs, "dev")
			if err := os.RemoveAll(dev); err != nil {
				t.Fatal(err)
			}
			target := c.Dir
			if tc.relative {
				target = relTo("/", c.Dir)
			}
			symlink(t, target, dev)
			id := r.NewID()
			runHostile(t, r, b, id)
			c.Check(t)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestDevNullSymlink: the image's /dev/null (the spec has no /dev tmpfs,
// so the image's /dev is used) is a symlink to a procfs file or to a host
// file; or /dev is a volume whose null is such a symlink. The masked paths
// must still be the null device, and the targets unchanged.
func TestDevNullSymlink(t *testing.T) {
	t.Parallel()
	corePattern := readHost(t, "/proc/sys/kernel/core_pattern")
	for _, tc := range []struct {
		name   string
		target func(c *canary) string
		volume bool // /dev is a bind mount of a bundle directory
	}{
		{"image-to-core_pattern", func(*canary) string { return "/proc/sys/kernel/core_pattern" }, false},
		{"image-to-sysrq-trigger", func(*canary) string { return "/proc/sysrq-trigger" }, false},
		{"image-to-host-file", func(c *canary) string { return c.File() }, false},
		{"image-to-proc-self-magic", func(*canary) string { return "/proc/self/fd/1" }, false},
		{"volume-to-core_pattern", func(*canary) string { return "/proc/sys/kernel/core_pattern" }, true},
		{"volume-to-host-file", func(c *canary) string { return c.File() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			c := newCanary(t)
			b := testutil.NewBundle(t, testutil.WithShell(maskCheck), testutil.WithoutMount("/dev"))
			devDir := filepath.Join(b.Rootfs, "dev")
			if tc.volume {
				devDir = filepath.Join(b.Dir, "devvol")
				if err := os.Mkdir(devDir, 0o755); err != nil {
					t.Fatal(err)
				}
				b.Mutate(testutil.WithBindMount(devDir, "/dev", false))
			}
			symlink(t, tc.target(c), filepath.Join(devDir, "null"))
			id := r.NewID()
			runHostile(t, r, b, id)
			c.Check(t)
			if got := readHost(t, "/proc/sys/kernel/core_pattern"); got != corePattern {
				t.Errorf("host core_pattern changed: %q -> %q", corePattern, got)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestDevNullSwapRace: /dev is a volume in which a goroutine atomically
// exchanges a real null device and a symlink to a procfs file while
// containers are created: every container that starts must see its masked
// paths as the null device.
func TestDevNullSwapRace(t *testing.T) {
	t.Parallel()
	const attempts = 16
	r := testutil.NewRuntime(t)
	c := newCanary(t)
	// The swapper keeps running while the container checks: /dev/null is
	// the attacker's there, only the masked paths are the runtime's.
	b := testutil.NewBundle(t, testutil.WithShell(maskCheck), testutil.WithoutMount("/dev"), testutil.WithEnv("DEVNULL="))
	vol := filepath.Join(b.Dir, "devvol")
	if err := os.Mkdir(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	b.Mutate(testutil.WithBindMount(vol, "/dev", false))
	if err := unix.Mknod(filepath.Join(vol, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	symlink(t, c.File(), filepath.Join(vol, "null-alt"))
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a, z := filepath.Join(vol, "null"), filepath.Join(vol, "null-alt")
		for !stop.Load() {
			_ = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, z, unix.RENAME_EXCHANGE)
		}
	}()
	ran := 0
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; i < attempts && time.Now().Before(deadline); i++ {
		if runHostile(t, r, b, r.NewID()) {
			ran++
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d of %d containers ran", ran, attempts)
	c.Check(t)
	testutil.CheckNoLeaks(t, r.Root, "", b.Dir)
}

// TestDevConsoleSymlink: with a terminal, the runtime binds the pty over
// /dev/console. The image's /dev/console is a symlink to a host file (or
// swapped with one during create); the bind must land on the container's
// own /dev/console, and the host file stay as it was.
func TestDevConsoleSymlink(t *testing.T) {
	t.Parallel()
	for _, race := range []bool{false, true} {
		name := "static"
		if race {
			name = "swap-race"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			c := newCanary(t)
			b := testutil.NewBundle(t, testutil.WithoutMount("/dev"), testutil.WithWritableRoot(),
				testutil.WithShell(`{ stat -c %F:%t /dev/console; readlink /proc/self/fd/0; } > /console-check.tmp; mv /console-check.tmp /console-check`),
				testutil.WithSpec(func(s *specs.Spec) { s.Process.Terminal = true }))
			console := filepath.Join(b.Rootfs, "dev/console")
			symlink(t, c.File(), console)
			var stop atomic.Bool
			var wg sync.WaitGroup
			if race {
				alt := filepath.Join(b.Rootfs, "dev/console-alt")
				if err := os.WriteFile(alt, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						_ = unix.Renameat2(unix.AT_FDCWD, console, unix.AT_FDCWD, alt, unix.RENAME_EXCHANGE)
					}
				}()
			}
			n := 1
			if race {
				n = 8
			}
			for i := 0; i < n; i++ {
				testConsoleOnce(t, r, b, race)
			}
			stop.Store(true)
			wg.Wait()
			c.Check(t)
			testutil.CheckNoLeaks(t, r.Root, "", b.Dir)
		})
	}
}

// testConsoleOnce creates, starts and checks one container; with race the
// swapper may have moved the bound pty to /dev/console-alt meanwhile (a
// mount follows its dentry across renames), so only stdin is checked.
func testConsoleOnce(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, race bool) {
	t.Helper()
	_ = os.Remove(filepath.Join(b.Rootfs, "console-check"))
	sock := testutil.NewConsoleSocket(t)
	id := r.NewID()
	type recv struct {
		f   *os.File
		err error
	}
	got := make(chan recv, 1)
	go func() {
		f, err := sock.Receive(10 * time.Second)
		got <- recv{f, err}
	}()
	res := r.Create(b, id, "--console-socket", sock.Path)
	if !res.OK() {
		if res.Err != nil || res.LastStderrLine() == "" {
			t.Errorf("create: %s", res)
		} else {
			t.Logf("refused: %s", res.LastStderrLine())
		}
		deleteAndCheck(t, r, id, b)
		return
	}
	m := <-got
	if m.err != nil {
		t.Errorf("console socket: %v", m.err)
	} else {
		defer m.f.Close()
	}
	r.MustRun("start", id)
	out := waitFile(t, filepath.Join(b.Rootfs, "console-check"), 10*time.Second)
	// 88 is the pty slave major (136) in hex.
	if (!race && !strings.HasPrefix(out, "character special file:88")) || !strings.Contains(out, "/dev/pts/") {
		t.Errorf("container's /dev/console and stdin: %q, want a pty", out)
	}
	deleteAndCheck(t, r, id, b)
}
