package security

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/brigrt/brig/tests/testutil"
)

// CVE-2024-21626 class: a descriptor of the runtime (a host directory such
// as the cgroup dir or the state dir) reaching the container process, or
// a working directory of /proc/self/fd/N resolved through it, gives the
// container the host's filesystem.

// TestNoLeakedFds: the container process (create+start, run -d, and exec
// -d) has exactly fds 0-2 plus the preserved ones, checked from the host
// through /proc/<pid>/fd.
func TestNoLeakedFds(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))

	check := func(t *testing.T, what string, pid int, preserved int) {
		t.Helper()
		waitExecd(t, pid, "sleep")
		fds, err := openFds(pid)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var extra []string
		for n, target := range fds {
			if n > 2+preserved {
				extra = append(extra, fmt.Sprintf("fd %d -> %s", n, target))
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Errorf("%s (pid %d) has descriptors beyond 0-%d: %s", what, pid, 2+preserved, strings.Join(extra, ", "))
		}
		for n := 0; n <= 2+preserved; n++ {
			if _, ok := fds[n]; !ok && n > 2 {
				t.Errorf("%s: preserved fd %d missing", what, n)
			}
		}
	}

	t.Run("create-start", func(t *testing.T) {
		id := r.NewID()
		pid := mustStart(t, r, b, id)
		check(t, "container process", pid, 0)
		t.Run("exec", func(t *testing.T) {
			pidFile := filepath.Join(testutil.TempDir(t), "exec.pid")
			r.MustRun("exec", "-d", "--pid-file", pidFile, id, "sleep", "60")
			check(t, "exec'd process", readPid(t, pidFile), 0)
		})
		t.Run("exec-preserve-fds", func(t *testing.T) {
			pidFile := filepath.Join(testutil.TempDir(t), "exec.pid")
			f1, f2 := tempFile(t), tempFile(t)
			res := r.Exec(testutil.ExecOpts{ExtraFiles: []*os.File{f1, f2}}, "exec", "-d", "--preserve-fds", "2", "--pid-file", pidFile, id, "sleep", "60")
			if !res.OK() {
				t.Fatalf("exec --preserve-fds 2: %s", res)
			}
			check(t, "exec'd process with --preserve-fds 2", readPid(t, pidFile), 2)
		})
		deleteAndCheck(t, r, id, b)
	})
	t.Run("run-detach-preserve-fds", func(t *testing.T) {
		id := r.NewID()
		f1 := tempFile(t)
		res := r.RunContainerOpts(testutil.ExecOpts{ExtraFiles: []*os.File{f1}}, b, id, "--detach", "--preserve-fds", "1")
		if !res.OK() {
			t.Fatalf("run --detach: %s", res)
		}
		st := r.MustState(id)
		check(t, "run --detach process with --preserve-fds 1", st.Pid, 1)
		deleteAndCheck(t, r, id, b)
	})
	t.Run("inside-view", func(t *testing.T) {
		// What the process itself sees: only 0-2 (and the directory ls
		// opens to list /proc/self/fd, which is always the lowest free
		// number, 3).
		b := testutil.NewBundle(t, testutil.WithShell(`ls /proc/self/fd | tr '\n' ' '`))
		id := r.NewID()
		res := r.RunContainer(b, id)
		if !res.OK() {
			t.Fatalf("run: %s", res)
		}
		if got := strings.TrimSpace(res.Stdout); got != "0 1 2 3" {
			t.Errorf("container sees fds %q, want \"0 1 2 3\"", got)
		}
		r.CheckNoLeaks(id, b)
	})
}

// TestCwdProcSelfFd: process.cwd (create) and exec --cwd of
// /proc/self/fd/N, and of a path below it, must fail cleanly for every N
// in 3..10 whatever the runtime has open there, and must create nothing
// anywhere on the host.
func TestCwdProcSelfFd(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	marker := "cwd-escape-" + randHex(4)
	host := hostSearchDirs(r)
	running := testutil.NewBundle(t, testutil.WithArgs("sleep", "600"))
	rid := r.NewID()
	mustStart(t, r, running, rid)

	for n := 3; n <= 10; n++ {
		for _, cwd := range []string{
			fmt.Sprintf("/proc/self/fd/%d", n),
			fmt.Sprintf("/proc/self/fd/%d/%s", n, marker),
			fmt.Sprintf("/proc/self/fd/%d/../../../../../../%s", n, marker),
		} {
			t.Run(fmt.Sprintf("create/%s", cwd), func(t *testing.T) {
				b := testutil.NewBundle(t, testutil.WithCwd(cwd), testutil.WithShell("pwd; ls -a"))
				id := r.NewID()
				res := r.RunContainer(b, id)
				if res.OK() {
					t.Errorf("container with process.cwd %s ran (it must fail); it saw:\n%s", cwd, res.Stdout)
				} else if res.Err != nil {
					t.Errorf("run with process.cwd %s did not finish: %s", cwd, res)
				} else if !strings.Contains(res.LastStderrLine(), "cwd") {
					t.Errorf("error does not name process.cwd: %q", res.LastStderrLine())
				}
				// Not r.CheckNoLeaks: the running container's init is
				// meant to be alive.
				testutil.CheckNoLeaks(t, r.Root, id, b.Dir)
			})
			t.Run(fmt.Sprintf("exec/%s", cwd), func(t *testing.T) {
				res := r.Run("exec", "--cwd", cwd, rid, "sh", "-c", "pwd; ls -a")
				if res.OK() {
					t.Errorf("exec --cwd %s ran (it must fail); it saw:\n%s", cwd, res.Stdout)
				} else if res.Err != nil {
					t.Errorf("exec --cwd %s did not finish: %s", cwd, res)
				} else if !strings.Contains(res.LastStderrLine(), "cwd") {
					t.Errorf("error does not name the cwd: %q", res.LastStderrLine())
				}
			})
		}
	}
	if st := r.MustState(rid); st.Status != "running" {
		t.Errorf("container status after the failed execs: %s, want running", st.Status)
	}
	deleteAndCheck(t, r, rid, running)
	for _, p := range findNamed(host, marker) {
		t.Errorf("a directory named after the cwd was created on the host: %s", p)
	}
}

// hostSearchDirs are the host directories a leaked runtime descriptor could
// point at: the state root, temporary directories, the cgroup hierarchies.
func hostSearchDirs(r *testutil.Runtime) []string {
	dirs := []string{r.Root, testutil.TempBase(), os.TempDir(), "/run", "/"}
	ents, _ := os.ReadDir("/sys/fs/cgroup")
	for _, e := range ents {
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", e.Name()))
	}
	return dirs
}

// findNamed looks for name up to 4 levels below each dir (not following
// symlinks, not crossing into /proc or /sys except the given cgroup dirs).
func findNamed(dirs []string, name string) []string {
	var out []string
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			if strings.Contains(e.Name(), name) {
				out = append(out, p)
			}
			if e.IsDir() && depth < 4 && p != "/proc" && p != "/sys" && p != "/dev" {
				walk(p, depth+1)
			}
		}
	}
	for _, d := range dirs {
		walk(d, 0)
	}
	return out
}

// waitExecd waits until pid runs comm: `start` and `exec -d` return
// before the runtime's init has exec'd the process.
func waitExecd(t *testing.T, pid int, comm string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(data)) == comm {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: comm %q, not %q after 5s (err %v)", pid, strings.TrimSpace(string(data)), comm, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func tempFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.CreateTemp(testutil.TempDir(t), "fd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readPid(t *testing.T, p string) int {
	t.Helper()
	s := strings.TrimSpace(waitFile(t, p, 5*time.Second))
	var pid int
	if _, err := fmt.Sscan(s, &pid); err != nil || pid <= 0 {
		t.Fatalf("pid file %s: %q", p, s)
	}
	return pid
}

// TestLeakedInvokerDirFd: an engine that starts the runtime with a host
// directory open at fd 10 (not close-on-exec, no --preserve-fds) must not
// hand it to the container: neither as an open fd of the process, nor
// through process.cwd / exec --cwd of /proc/self/fd/N[/sub], which must
// fail without creating anything in that directory.
func TestLeakedInvokerDirFd(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	hostDir := newCanary(t)
	dirF, err := os.Open(hostDir.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirF.Close()
	// fds 3..9 are files, fd 10 the host directory.
	var extra []*os.File
	for i := 3; i < 10; i++ {
		extra = append(extra, tempFile(t))
	}
	extra = append(extra, dirF)
	opts := testutil.ExecOpts{ExtraFiles: extra}

	marker := "leaked-" + randHex(4)
	t.Run("process-fds", func(t *testing.T) {
		b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
		id := r.NewID()
		if res := r.CreateOpts(opts, b, id); !res.OK() {
			t.Fatalf("create: %s", res)
		}
		r.MustRun("start", id)
		pid := r.MustState(id).Pid
		waitExecd(t, pid, "sleep")
		if fds, err := openFds(pid); err == nil && len(fds) > 3 {
			t.Errorf("container process has fds beyond 0-2: %v", fds)
		}
		pidFile := filepath.Join(testutil.TempDir(t), "pid")
		if res := r.Exec(opts, "exec", "-d", "--pid-file", pidFile, id, "sleep", "60"); !res.OK() {
			t.Fatalf("exec: %s", res)
		}
		epid := readPid(t, pidFile)
		waitExecd(t, epid, "sleep")
		if fds, err := openFds(epid); err == nil && len(fds) > 3 {
			t.Errorf("exec'd process has fds beyond 0-2: %v", fds)
		}
		for n := 3; n <= 10; n++ {
			cwd := fmt.Sprintf("/proc/self/fd/%d/%s-exec", n, marker)
			if res := r.Exec(opts, "exec", "--cwd", cwd, id, "true"); res.OK() {
				t.Errorf("exec --cwd %s succeeded", cwd)
			}
		}
		deleteAndCheck(t, r, id, b)
	})
	for n := 3; n <= 10; n++ {
		cwd := fmt.Sprintf("/proc/self/fd/%d/%s", n, marker)
		t.Run(fmt.Sprintf("create-cwd-fd%d", n), func(t *testing.T) {
			b := testutil.NewBundle(t, testutil.WithCwd(cwd), testutil.WithArgs("true"))
			id := r.NewID()
			res := r.CreateOpts(opts, b, id)
			if res.OK() {
				t.Errorf("create with process.cwd %s succeeded", cwd)
			} else if !strings.Contains(res.LastStderrLine(), "cwd") {
				t.Errorf("error does not name process.cwd: %q", res.LastStderrLine())
			}
			deleteAndCheck(t, r, id, b)
		})
	}
	for _, suffix := range []string{"", "-exec"} {
		if _, err := os.Lstat(filepath.Join(hostDir.Dir, marker+suffix)); err == nil {
			t.Errorf("DEFECT: the runtime created %s in the host directory the invoker leaked at fd 10: "+
				"the cwd was created by a path-based mkdir that followed /proc/self/fd/10 before the "+
				"RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS open refused it", filepath.Join(hostDir.Dir, marker+suffix))
		}
	}
	hostDir.Check(t)
}
