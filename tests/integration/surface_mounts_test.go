package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// mountLine is one /proc/self/mountinfo line with its optional fields
// (shared:N, master:N, unbindable), which parseMountinfo drops.
type mountLine struct {
	point    string
	opts     []string // per-mount options
	optional []string
	super    []string // superblock options
	fstype   string
}

func parseMountLines(out string) []mountLine {
	var ms []mountLine
	for _, l := range strings.Split(out, "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 6 || len(g) < 1 {
			continue
		}
		m := mountLine{point: unescapeOctal(f[4]), opts: strings.Split(f[5], ","), optional: f[6:], fstype: g[0]}
		if len(g) >= 3 {
			m.super = strings.Split(g[2], ",")
		}
		ms = append(ms, m)
	}
	return ms
}

// unescapeOctal undoes mountinfo's \040 escaping.
func unescapeOctal(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// topMount is the last (topmost) mount at point.
func topMount(t *testing.T, out, point string) mountLine {
	t.Helper()
	ms := parseMountLines(out)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].point == point {
			return ms[i]
		}
	}
	t.Fatalf("no mount at %s in:\n%s", point, out)
	return mountLine{}
}

// propagation summarises the optional fields: "shared", "slave",
// "shared+slave", "unbindable" or "private".
func (m mountLine) propagation() string {
	var shared, slave, unbindable bool
	for _, o := range m.optional {
		switch {
		case strings.HasPrefix(o, "shared:"):
			shared = true
		case strings.HasPrefix(o, "master:"):
			slave = true
		case o == "unbindable":
			unbindable = true
		}
	}
	switch {
	case shared && slave:
		return "shared+slave"
	case shared:
		return "shared"
	case slave:
		return "slave"
	case unbindable:
		return "unbindable"
	}
	return "private"
}

// hostMount mounts on the host for the test and unmounts at cleanup.
func hostMount(t *testing.T, src, dst, fstype string, flags uintptr, data string) {
	t.Helper()
	if err := unix.Mount(src, dst, fstype, flags, data); err != nil {
		t.Fatalf("mount %s on %s: %v", src, dst, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dst, unix.MNT_DETACH); err != nil {
			t.Errorf("umount %s: %v", dst, err)
		}
	})
}

// srcTree is a host directory with a file "hello", an executable "run.sh",
// and (withSub) a tmpfs submount "sub" holding "marker": what bind, rbind,
// rro and noexec act on. In a user namespace the kernel refuses a
// non-recursive bind of a tree with submounts (they are locked), so only
// recursive cases get one there.
func srcTree(t *testing.T, withSub bool) string {
	t.Helper()
	d := hostDir(t)
	if err := os.WriteFile(filepath.Join(d, "hello"), []byte("from-host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Join(d, "run.sh"), "echo ran")
	sub := filepath.Join(d, "sub")
	if err := os.Mkdir(sub, 0o777); err != nil {
		t.Fatal(err)
	}
	if !withSub {
		return d
	}
	hostMount(t, "tmpfs", sub, "tmpfs", 0, "mode=1777,size=1m")
	if err := os.WriteFile(filepath.Join(sub, "marker"), []byte("sub\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	return d
}

// bindSrcTree binds a fresh srcTree at dst with options; the tree has a
// submount when the bind is recursive or the container has no user
// namespace.
func bindSrcTree(dst string, options ...string) func(*testing.T, *testutil.Bundle, surfaceVariant) []string {
	return func(t *testing.T, b *testutil.Bundle, v surfaceVariant) []string {
		src := srcTree(t, !v.userns || slices.Contains(options, "rbind"))
		b.Mutate(testutil.WithMount(specs.Mount{Destination: dst, Type: "bind", Source: src, Options: options}))
		return nil
	}
}

func withTmpfs(dst string, options ...string) testutil.SpecOpt {
	return testutil.WithMount(specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: options})
}

// checkMount checks the per-mount options and propagation of a mount point.
func checkMount(point string, opts []string, prop string) func(*testing.T, string, surfaceVariant) {
	return func(t *testing.T, out string, _ surfaceVariant) {
		t.Helper()
		m := topMount(t, out, point)
		for _, o := range opts {
			if !slices.Contains(m.opts, o) && !slices.Contains(m.super, o) {
				t.Errorf("%s: options %v / %v lack %s", point, m.opts, m.super, o)
			}
		}
		if prop != "" && m.propagation() != prop {
			t.Errorf("%s: propagation %s (%v), want %s", point, m.propagation(), m.optional, prop)
		}
	}
}

func both(checks ...func(*testing.T, string, surfaceVariant)) func(*testing.T, string, surfaceVariant) {
	return func(t *testing.T, out string, v surfaceVariant) {
		t.Helper()
		for _, c := range checks {
			c(t, out, v)
		}
	}
}

// idmapFiles is a host dir with "a" owned by 0:0 and "b" by 1:1.
func idmapFiles(t *testing.T) string {
	t.Helper()
	d := hostDir(t)
	for name, id := range map[string]int{"a": 0, "b": 1} {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, id, id); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// idmapped is the mount idmap: on-disk id N appears as host+N.
func idmapped(host uint32, size uint32) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping) {
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: host, Size: size}}
	return m, slices.Clone(m)
}

// lsOwners parses `ls -ln` into name -> "uid:gid".
func lsOwners(out string) map[string]string {
	owners := map[string]string{}
	for _, l := range testutil.ReadLines(out) {
		f := strings.Fields(l)
		if len(f) >= 9 {
			owners[f[len(f)-1]] = f[2] + ":" + f[3]
		}
	}
	return owners
}

var surfaceMountCases = []surfaceCase{
	{
		name:   "bind-ro",
		userns: true,
		setup:  bindSrcTree("/mnt/b", "bind", "ro"),
		script: `cat /mnt/b/hello; touch /mnt/b/new 2>/dev/null && echo WRITABLE; cat /proc/self/mountinfo`,
		check: both(wantLines("from-host"), checkMount("/mnt/b", []string{"ro"}, ""),
			func(t *testing.T, out string, _ surfaceVariant) {
				if strings.Contains(out, "WRITABLE") {
					t.Errorf("a read-only bind mount is writable")
				}
			}),
	},
	{
		name:   "bind-nosuid-nodev-noexec",
		userns: true,
		setup:  bindSrcTree("/mnt/b", "bind", "nosuid", "nodev", "noexec"),
		script: `/mnt/b/run.sh 2>/dev/null || echo exec-refused; cat /proc/self/mountinfo`,
		check:  both(wantLines("exec-refused"), checkMount("/mnt/b", []string{"nosuid", "nodev", "noexec", "rw"}, "")),
	},
	{
		name:   "bind-exec-allowed",
		userns: true,
		setup:  bindSrcTree("/mnt/b", "bind", "exec"),
		script: `/mnt/b/run.sh`,
		check:  wantLines("ran"),
	},
	{
		// bind is not recursive: the host's submount is not there.
		name:   "bind-not-recursive",
		setup:  bindSrcTree("/mnt/b", "bind"),
		script: `cat /mnt/b/hello; ls /mnt/b/sub`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if !strings.Contains(out, "from-host") || strings.Contains(out, "marker") {
				t.Errorf("bind: want hello and no submount content:\n%s", out)
			}
		},
	},
	{
		name:   "rbind-recursive",
		userns: true,
		setup:  bindSrcTree("/mnt/b", "rbind"),
		script: `cat /mnt/b/hello /mnt/b/sub/marker`,
		check:  wantLines("from-host", "sub"),
	},
	{
		// rro (mount_setattr AT_RECURSIVE) makes the submount read-only too.
		name:   "rro-recursive-readonly",
		userns: true,
		setup:  bindSrcTree("/mnt/b", "rbind", "rro"),
		script: `cat /mnt/b/sub/marker; touch /mnt/b/x 2>/dev/null && echo TOP-WRITABLE; touch /mnt/b/sub/x 2>/dev/null && echo SUB-WRITABLE; cat /proc/self/mountinfo`,
		check: both(wantLines("sub"), checkMount("/mnt/b", []string{"ro"}, ""), checkMount("/mnt/b/sub", []string{"ro"}, ""),
			func(t *testing.T, out string, _ surfaceVariant) {
				if strings.Contains(out, "WRITABLE") {
					t.Errorf("rro left something writable:\n%s", out)
				}
			}),
	},
	{
		name:   "tmpfs-size-mode",
		userns: true,
		opts:   []testutil.SpecOpt{withTmpfs("/mnt/t", "nosuid", "nodev", "size=1m", "mode=1750")},
		script: `stat -c mode=%a /mnt/t; cat /proc/self/mountinfo`,
		check:  both(wantLines("mode=1750"), checkMount("/mnt/t", []string{"size=1024k", "mode=1750", "nosuid", "nodev"}, "")),
	},
	{
		name:   "propagation-shared",
		userns: true,
		opts:   []testutil.SpecOpt{withTmpfs("/mnt/t", "shared")},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/mnt/t", nil, "shared"),
	},
	{
		name:   "propagation-private",
		userns: true,
		opts:   []testutil.SpecOpt{withTmpfs("/mnt/t", "private")},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/mnt/t", nil, "private"),
	},
	{
		name:   "propagation-unbindable",
		userns: true,
		opts:   []testutil.SpecOpt{withTmpfs("/mnt/t", "unbindable")},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/mnt/t", nil, "unbindable"),
	},
	{
		name:   "rootfsPropagation-shared",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.RootfsPropagation = "shared" })},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/", nil, "shared"),
	},
	{
		name:   "rootfsPropagation-private",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.RootfsPropagation = "private" })},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/", nil, "private"),
	},
	{
		name:   "rootfsPropagation-unbindable",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.RootfsPropagation = "unbindable" })},
		script: `cat /proc/self/mountinfo`,
		check:  checkMount("/", nil, "unbindable"),
	},
	{
		name:   "rootfsPropagation-bogus",
		opts:   []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.RootfsPropagation = "bogus" })},
		script: "true",
		errs:   []string{"rootfsPropagation"},
	},
	{
		name:   "readonly-root",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithReadonlyRoot()},
		script: `touch /probe 2>/dev/null && echo WRITABLE; touch /tmp/probe 2>/dev/null && echo TMP-WRITABLE; cat /proc/self/mountinfo`,
		check: both(checkMount("/", []string{"ro"}, ""), func(t *testing.T, out string, _ surfaceVariant) {
			if strings.Contains(out, "WRITABLE") {
				t.Errorf("read-only root is writable:\n%s", out)
			}
		}),
	},
	{
		name:   "writable-root",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithWritableRoot()},
		script: `touch /tmp/probe && echo tmp-writable; cat /proc/self/mountinfo`,
		check:  both(wantLines("tmp-writable"), checkMount("/", []string{"rw"}, "")),
	},
	{
		// Mount points that do not exist in the image are created: nested
		// directories, and a file for a file bind.
		name: "destination-created",
		opts: []testutil.SpecOpt{withTmpfs("/new/deep/tmp")},
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			src := srcTree(t, false)
			b.Mutate(
				testutil.WithBindMount(src, "/new/deep/dir", true),
				testutil.WithBindMount(filepath.Join(src, "hello"), "/etc/new/hello.txt", true),
			)
			return nil
		},
		script: `cat /new/deep/dir/hello /etc/new/hello.txt; stat -c %F /new/deep/tmp /etc/new/hello.txt`,
		check:  wantLines("from-host", "directory", "regular file"),
	},
	{
		// In a user namespace the image's root-owned directories are not
		// the container root's: destinations go under the sticky /tmp.
		name:       "destination-created-userns",
		usernsOnly: true,
		opts:       []testutil.SpecOpt{testutil.WithWritableRoot(), withTmpfs("/tmp/new/deep/tmp")},
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			src := srcTree(t, false)
			b.Mutate(
				testutil.WithBindMount(src, "/tmp/new/deep/dir", true),
				testutil.WithBindMount(filepath.Join(src, "hello"), "/tmp/new/hello.txt", true),
			)
			return nil
		},
		script: `cat /tmp/new/deep/dir/hello /tmp/new/hello.txt; stat -c %F /tmp/new/deep/tmp /tmp/new/hello.txt`,
		check:  wantLines("from-host", "directory", "regular file"),
	},
	{
		// A mount idmap shifts on-disk ids: 0 and 1 appear as 1000 and 1001.
		name: "idmapped-bind",
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			uid, gid := idmapped(1000, 2)
			b.Mutate(testutil.WithMount(specs.Mount{Destination: "/mnt/id", Type: "bind", Source: idmapFiles(t),
				Options: []string{"bind"}, UIDMappings: uid, GIDMappings: gid}))
			return nil
		},
		script: `ls -ln /mnt/id`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if o := lsOwners(out); o["a"] != "1000:1000" || o["b"] != "1001:1001" {
				t.Errorf("owners %v, want a 1000:1000 and b 1001:1001", o)
			}
		},
	},
	{
		// The container's own mapping on the mount: host-root files are
		// root's inside (not nobody's), and what the container root
		// creates is owned by on-disk 0 on the host.
		name:       "idmapped-bind-userns",
		usernsOnly: true,
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			src := idmapFiles(t)
			uid, gid := idmapped(usernsHostID, 65536)
			b.Mutate(testutil.WithMount(specs.Mount{Destination: "/mnt/id", Type: "bind", Source: src,
				Options: []string{"bind"}, UIDMappings: uid, GIDMappings: gid}))
			t.Cleanup(func() {
				if t.Failed() {
					return // the container did not get that far
				}
				var st unix.Stat_t
				if err := unix.Stat(filepath.Join(src, "created"), &st); err != nil {
					t.Errorf("file created through the idmapped mount: %v", err)
				} else if st.Uid != 0 || st.Gid != 0 {
					t.Errorf("file created by the container root through the idmapped mount is %d:%d on disk, want 0:0", st.Uid, st.Gid)
				}
			})
			return nil
		},
		script: `touch /mnt/id/created; ls -ln /mnt/id`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if o := lsOwners(out); o["a"] != "0:0" || o["b"] != "1:1" || o["created"] != "0:0" {
				t.Errorf("owners %v, want a 0:0, b 1:1, created 0:0", o)
			}
		},
	},
	{
		name: "idmapped-tmpfs",
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			uid, gid := idmapped(1000, 1)
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt/it", Type: "tmpfs", Source: "tmpfs",
				Options: []string{"mode=755"}, UIDMappings: uid, GIDMappings: gid})
		})},
		script: `stat -c owner=%u:%g /mnt/it`,
		check:  wantLines("owner=1000:1000"),
	},
	{
		name:       "idmapped-tmpfs-userns",
		usernsOnly: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			uid, gid := idmapped(usernsHostID, 65536)
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp/it", Type: "tmpfs", Source: "tmpfs",
				Options: []string{"mode=755"}, UIDMappings: uid, GIDMappings: gid})
		})},
		script: `stat -c owner=%u:%g /tmp/it; touch /tmp/it/f && stat -c file=%u:%g /tmp/it/f`,
		check:  wantLines("owner=0:0", "file=0:0"),
	},
	{
		name: "proc-symlink-refused",
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			p := filepath.Join(b.Rootfs, "proc")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/tmp", p); err != nil {
				t.Fatal(err)
			}
			return nil
		},
		script: "true",
		errs:   []string{"/proc"},
	},
	{
		name:   "no-pivot",
		userns: true,
		setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
			b.WriteFile("etc/marker", []byte("in-rootfs\n"), 0o644)
			return []string{"--no-pivot"}
		},
		script: `cat /etc/marker; echo pid=$$; ls /proc/1/root/etc/marker; cat /proc/self/mountinfo`,
		check:  both(wantLines("in-rootfs", "pid=1", "/proc/1/root/etc/marker"), checkMount("/", []string{"ro"}, "")),
	},
}

var surfaceDevCases = []surfaceCase{
	{
		name:   "default-devices",
		userns: true,
		script: `for d in null zero full random urandom tty; do stat -c "$d %F %t:%T" /dev/$d; done; echo x > /dev/null && echo null-writable; head -c 4 /dev/zero | wc -c`,
		check: wantLines("null character special file 1:3", "zero character special file 1:5",
			"full character special file 1:7", "random character special file 1:8",
			"urandom character special file 1:9", "tty character special file 5:0", "null-writable", "4"),
	},
	{
		name:   "dev-symlinks-and-ptmx",
		userns: true,
		script: `for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
stat -L -c "ptmx %t:%T %a" /dev/ptmx
ls /dev/fd/ >/dev/null && echo fd-dir-ok`,
		check: wantLines("fd -> /proc/self/fd", "stdin -> /proc/self/fd/0", "stdout -> /proc/self/fd/1",
			"stderr -> /proc/self/fd/2", "ptmx -> pts/ptmx", "ptmx 5:2 666", "fd-dir-ok"),
	},
	{
		// Root is in group 5 so that it may write the 0620 node without
		// CAP_DAC_OVERRIDE: the write also shows the device cgroup allows it.
		name: "linux-devices",
		opts: []testutil.SpecOpt{testutil.WithUser(0, 0, 5), testutil.WithSpec(func(s *specs.Spec) {
			mode := os.FileMode(0o620)
			uid, gid := uint32(1000), uint32(5)
			s.Linux.Devices = append(s.Linux.Devices,
				specs.LinuxDevice{Path: "/dev/mynull", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid},
				specs.LinuxDevice{Path: "/dev/sub/myfifo", Type: "p"},
			)
		})},
		script: `stat -c "%n %F %t:%T %a %u:%g" /dev/mynull; stat -c "%n %F" /dev/sub/myfifo; echo x > /dev/mynull && echo mynull-writable`,
		check: wantLines("/dev/mynull character special file 1:3 620 1000:5",
			"/dev/sub/myfifo fifo", "mynull-writable"),
	},
}

// TestSurfaceMounts: mounts[] (bind, rbind, options, rro, tmpfs,
// propagation, idmap), rootfsPropagation, root.readonly, --no-pivot.
func TestSurfaceMounts(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, surfaceMountCases)
}

// TestSurfaceDev: the default /dev, its symlinks, linux.devices.
func TestSurfaceDev(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, surfaceDevCases)
}

// TestSurfaceMountSlave: an rslave bind of a shared host mount receives
// mounts the host makes after the container started.
func TestSurfaceMountSlave(t *testing.T) {
	t.Parallel()
	for _, v := range []surfaceVariant{variantRoot, variantUserNS} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			src := hostDir(t)
			hostMount(t, src, src, "", unix.MS_BIND, "")
			if err := unix.Mount("", src, "", unix.MS_SHARED, ""); err != nil {
				t.Fatal(err)
			}
			late := filepath.Join(src, "late")
			if err := os.Mkdir(late, 0o777); err != nil {
				t.Fatal(err)
			}
			r := testutil.NewRuntime(t)
			opts := append(v.opts(),
				testutil.WithMount(specs.Mount{Destination: "/mnt/s", Type: "bind", Source: src, Options: []string{"rbind", "rslave"}}),
				testutil.WithShell(`while [ ! -e /mnt/s/go ]; do sleep 0.02; done; cat /proc/self/mountinfo; cat /mnt/s/late/inside`))
			b := testutil.NewBundle(t, opts...)
			if v.userns {
				allowUserNS(t, b)
			}
			id := r.NewID()
			done := make(chan testutil.Result, 1)
			go func() { done <- r.RunContainerOpts(testutil.ExecOpts{Timeout: 15 * time.Second}, b, id) }()
			waitRunning(t, r, id, done)
			// Mounted on the host after start: must propagate to the slave.
			hostMount(t, "tmpfs", late, "tmpfs", 0, "size=1m")
			if err := os.WriteFile(filepath.Join(late, "inside"), []byte("propagated\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			res := <-done
			if !res.OK() {
				t.Fatalf("run: %s", res)
			}
			checkMount("/mnt/s", nil, "slave")(t, res.Stdout, v)
			checkMount("/mnt/s/late", nil, "")(t, res.Stdout, v)
			wantLines("propagated")(t, res.Stdout, v)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSurfaceRootfsPropagation: with rootfsPropagation slave (and by
// default: runc's rslave) the container's root receives mounts the host
// makes under the rootfs after start (config-linux.md "slave: the rootfs
// mount receives propagation events from the host"); private does not.
// The bundle is made a shared mount on the host for the test.
func TestSurfaceRootfsPropagation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, prop string
		want       bool // the host's late mount is seen inside
	}{
		{"slave", "slave", true},
		{"default-rslave", "", true},
		{"private", "private", false},
	}
	for _, tc := range cases {
		for _, v := range []surfaceVariant{variantRoot, variantUserNS} {
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				r := testutil.NewRuntime(t)
				opts := append(v.opts(),
					testutil.WithSpec(func(s *specs.Spec) { s.Linux.RootfsPropagation = tc.prop }),
					testutil.WithShell(`while [ ! -e /tmp/go ]; do sleep 0.02; done; cat /proc/self/mountinfo; cat /mnt/late/inside 2>/dev/null || echo not-propagated`))
				b := testutil.NewBundle(t, opts...)
				if v.userns {
					allowUserNS(t, b)
				}
				late := filepath.Join(b.Rootfs, "mnt", "late")
				if err := os.MkdirAll(late, 0o755); err != nil {
					t.Fatal(err)
				}
				// Unmounted (innermost first) before the leak check below.
				var mounted []string
				umountAll := func() {
					for i := len(mounted) - 1; i >= 0; i-- {
						if err := unix.Unmount(mounted[i], unix.MNT_DETACH); err != nil {
							t.Errorf("umount %s: %v", mounted[i], err)
						}
					}
					mounted = nil
				}
				t.Cleanup(umountAll)
				if err := unix.Mount(b.Dir, b.Dir, "", unix.MS_BIND, ""); err != nil {
					t.Fatal(err)
				}
				mounted = append(mounted, b.Dir)
				if err := unix.Mount("", b.Dir, "", unix.MS_SHARED, ""); err != nil {
					t.Fatal(err)
				}
				id := r.NewID()
				done := make(chan testutil.Result, 1)
				go func() { done <- r.RunContainerOpts(testutil.ExecOpts{Timeout: 15 * time.Second}, b, id) }()
				waitRunning(t, r, id, done)
				if err := unix.Mount("tmpfs", late, "tmpfs", 0, "size=1m"); err != nil {
					t.Fatal(err)
				}
				mounted = append(mounted, late)
				if err := os.WriteFile(filepath.Join(late, "inside"), []byte("propagated\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(b.Rootfs, "tmp", "go"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				res := <-done
				if !res.OK() {
					t.Fatalf("run: %s", res)
				}
				lines := testutil.ReadLines(res.Stdout)
				if got := slices.Contains(lines, "propagated"); got != tc.want {
					t.Errorf("host mount made after start seen inside: %v, want %v (/ is %s)",
						got, tc.want, topMount(t, res.Stdout, "/").propagation())
				}
				umountAll()
				r.CheckNoLeaks(id, b)
			})
		}
	}
}
