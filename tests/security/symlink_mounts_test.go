package security

import (
	"fmt"
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

// CVE-2021-30465, CVE-2024-45310, CVE-2019-18837 class: symlinks in the
// image (absolute, relative with "..", chained, swapped during create)
// must never make a mount point, a mount, or a created file or directory
// land outside the rootfs. The symlinks aim at a canary directory on the
// host; it must stay as it was, nothing may be mounted on it, and paths
// below it that do not exist must never be created.

// relTo returns a relative symlink target that climbs out of dir (inside
// the rootfs) to host path target, with generous extra "..".
func relTo(dir, target string) string {
	up := strings.Repeat("../", strings.Count(dir, "/")+8)
	return up + strings.TrimPrefix(target, "/")
}

type symlinkCase struct {
	name string
	// setup makes the image's symlinks (host path of the rootfs given)
	// and returns the mounts to add.
	setup func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount
	// inside, if set, is a shell condition that must hold in the
	// container when create succeeds.
	inside string
}

func tmpfsAt(dst string) specs.Mount {
	return specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "size=1m"}}
}

func bindAt(src, dst string) specs.Mount {
	return specs.Mount{Destination: dst, Type: "bind", Source: src, Options: []string{"bind", "rw"}}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// volumeFile is a file in the bundle (outside the rootfs) used as a bind
// source; it holds "volume".
func volumeFile(t *testing.T, b *testutil.Bundle) string {
	t.Helper()
	p := filepath.Join(b.Dir, "volume-file")
	if err := os.WriteFile(p, []byte("volume\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func volumeDir(t *testing.T, b *testutil.Bundle) string {
	t.Helper()
	p := filepath.Join(b.Dir, "volume-dir")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "in-volume"), []byte("volume\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var symlinkCases = []symlinkCase{
	{
		name: "abs-symlink-dest-tmpfs",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, c.Dir, filepath.Join(b.Rootfs, "data"))
			return []specs.Mount{tmpfsAt("/data")}
		},
		inside: `[ ! -e /data/host-secret ] && touch /data/x && grep -q " $CANARY .* - tmpfs " /proc/self/mountinfo`,
	},
	{
		name: "abs-symlink-parent-missing-target",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, c.Dir, filepath.Join(b.Rootfs, "data"))
			return []specs.Mount{tmpfsAt("/data/newdir/sub")}
		},
	},
	{
		name: "relative-dotdot-symlink",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, relTo("/var/lib", c.Dir), filepath.Join(b.Rootfs, "var/lib/data"))
			return []specs.Mount{tmpfsAt("/var/lib/data/newdir"), bindAt(volumeDir(t, b), "/var/lib/data/bound")}
		},
		inside: `[ -e /var/lib/data/bound/in-volume ] && [ "$(cat /var/lib/data/host-secret 2>/dev/null)" != "host data" ]`,
	},
	{
		name: "dotdot-in-destination",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			// No symlink: a destination that climbs with "..".
			return []specs.Mount{tmpfsAt("/../../../../../../" + strings.TrimPrefix(c.Dir, "/") + "/newdir")}
		},
	},
	{
		name: "chained-symlinks",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, "../b/c", filepath.Join(b.Rootfs, "a/link"))
			symlink(t, relTo("/b", c.Dir), filepath.Join(b.Rootfs, "b/c"))
			return []specs.Mount{tmpfsAt("/a/link/newdir")}
		},
	},
	{
		name: "file-bind-dest-symlink-to-host-file",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, c.File(), filepath.Join(b.Rootfs, "etc/evil"))
			return []specs.Mount{bindAt(volumeFile(t, b), "/etc/evil")}
		},
		inside: `[ "$(cat /etc/evil)" = volume ] && [ "$(cat $(readlink /etc/evil))" = volume ]`,
	},
	{
		name: "file-bind-missing-under-symlinked-parent",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			symlink(t, c.Dir, filepath.Join(b.Rootfs, "etc/evil-dir"))
			return []specs.Mount{bindAt(volumeFile(t, b), "/etc/evil-dir/newfile")}
		},
		inside: `[ "$(cat /etc/evil-dir/newfile)" = volume ]`,
	},
	{
		name: "symlink-to-host-etc",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			// A host-like path: the real /etc must never get the mount
			// point (c.Absent records it).
			name := "brig-security-canary-" + randHex(4)
			hostPath := filepath.Join("/etc", name)
			c.Absent = append(c.Absent, hostPath)
			t.Cleanup(func() { os.Remove(hostPath) })
			symlink(t, "/etc", filepath.Join(b.Rootfs, "etc-link"))
			return []specs.Mount{tmpfsAt("/etc-link/" + name)}
		},
	},
	{
		name: "proc-self-root-destination",
		setup: func(t *testing.T, b *testutil.Bundle, c *canary) []specs.Mount {
			// A destination through a magic link of the runtime's own
			// process, which is in the host's root before pivot_root.
			symlink(t, "/proc/self/root"+c.Dir, filepath.Join(b.Rootfs, "data"))
			return []specs.Mount{tmpfsAt("/data/newdir")}
		},
	},
}

// TestSymlinkMountTargets runs each case: create (success or a clean
// failure), optionally check inside, delete; then the host canary.
func TestSymlinkMountTargets(t *testing.T) {
	t.Parallel()
	for _, tc := range symlinkCases {
		for _, mirror := range []bool{false, true} {
			name := tc.name + "/dangling"
			if mirror {
				name = tc.name + "/target-in-image"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testSymlinkCase(t, tc, mirror)
			})
		}
	}
}

// testSymlinkCase: mirror makes the symlinks' targets exist inside the
// image too (then a runtime that scopes symlinks to the rootfs succeeds);
// without it they dangle inside the rootfs and exist only on the host.
func testSymlinkCase(t *testing.T, tc symlinkCase, mirror bool) {
	r := testutil.NewRuntime(t)
	c := newCanary(t)
	c.AbsentPath("x") // a path that never exists, for the mount check
	args := "echo ok"
	if tc.inside != "" {
		args = "if " + tc.inside + "; then echo ok; else echo check-failed; fi"
	}
	b := testutil.NewBundle(t, testutil.WithWritableRoot(), testutil.WithShell(args), testutil.WithEnv("CANARY="+c.Dir))
	if mirror {
		c.Mirror(t, b.Rootfs)
	}
	for _, m := range tc.setup(t, b, c) {
		b.Mutate(testutil.WithMount(m))
	}
	id := r.NewID()
	res := r.RunContainer(b, id)
	switch {
	case res.Err != nil:
		t.Errorf("run did not finish: %s", res)
	case res.Stdout != "":
		// The container ran.
		if strings.TrimSpace(res.Stdout) != "ok" || !res.OK() {
			t.Errorf("container check %q failed: %s", tc.inside, res)
		} else {
			t.Logf("created; the mounts landed inside the rootfs")
		}
	default:
		t.Logf("refused: %s", res.LastStderrLine())
		if res.LastStderrLine() == "" {
			t.Errorf("failure without a message: %s", res)
		}
	}
	c.Check(t)
	r.CheckNoLeaks(id, b)
}

// TestSymlinkSwapRace: while containers are created one after another, a
// goroutine atomically exchanges (renameat2 RENAME_EXCHANGE) a directory
// of the rootfs and a symlink to the host canary, in a tight loop. The
// containers mount a tmpfs, a directory bind and a file bind below that
// path. Whatever each create sees, nothing may appear in the canary.
func TestSymlinkSwapRace(t *testing.T) {
	t.Parallel()
	const attempts = 24
	r := testutil.NewRuntime(t)
	c := newCanary(t)
	b := testutil.NewBundle(t, testutil.WithArgs("true"))
	vol, volDir := volumeFile(t, b), volumeDir(t, b)
	race := filepath.Join(b.Rootfs, "race")
	alt := filepath.Join(b.Rootfs, "race-alt")
	if err := os.Mkdir(race, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, c.Dir, alt)
	// A second pair with a relative symlink.
	race2 := filepath.Join(b.Rootfs, "srv/race")
	alt2 := filepath.Join(b.Rootfs, "srv/race-alt")
	if err := os.MkdirAll(race2, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, relTo("/srv", c.Dir), alt2)
	b.Mutate(
		testutil.WithMount(tmpfsAt("/race/tmpfs")),
		testutil.WithMount(bindAt(volDir, "/race/dir")),
		testutil.WithMount(bindAt(vol, "/race/file")),
		testutil.WithMount(tmpfsAt("/srv/race/tmpfs")),
		testutil.WithMount(bindAt(vol, "/srv/race/file")),
	)

	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	for _, pair := range [][2]string{{race, alt}, {race2, alt2}} {
		wg.Add(1)
		go func(a, b string) {
			defer wg.Done()
			for !stop.Load() {
				if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err == nil {
					swaps.Add(1)
				}
			}
		}(pair[0], pair[1])
	}
	var ok, refused int
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < attempts && time.Now().Before(deadline); i++ {
		id := r.NewID()
		res := r.Create(b, id)
		if res.Err != nil {
			t.Errorf("attempt %d: create did not finish: %s", i, res)
		}
		if res.OK() {
			ok++
		} else {
			refused++
		}
		if res := r.Run("delete", "--force", id); !res.OK() {
			t.Errorf("attempt %d: delete --force: %s", i, res)
		}
		// Check after every attempt, so that a failure names it.
		if d := diffSnapshots(c.before, snapshot(t, c.Dir)); len(d) > 0 {
			t.Errorf("attempt %d changed the host canary: %v", i, d)
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d creates succeeded, %d refused, %d swaps", ok, refused, swaps.Load())
	if swaps.Load() < attempts {
		t.Errorf("only %d swaps: the race did not run", swaps.Load())
	}
	c.Check(t)
	testutil.CheckNoLeaks(t, r.Root, "", b.Dir)
	_ = fmt.Sprint()
}
