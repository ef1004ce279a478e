package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// receiveConsole accepts the pty master on cs in the background.
func receiveConsole(cs *testutil.ConsoleSocket) chan consoleRecv {
	got := make(chan consoleRecv, 1)
	go func() {
		f, err := cs.Receive(10 * time.Second)
		got <- consoleRecv{f, err}
	}()
	return got
}

type consoleRecv struct {
	f   *os.File
	err error
}

func (c consoleRecv) must(t *testing.T) *os.File {
	t.Helper()
	if c.err != nil {
		t.Fatalf("console socket: %v", c.err)
	}
	t.Cleanup(func() { c.f.Close() })
	return c.f
}

// TestSurfaceTerminal: process.terminal with create --console-socket: the
// pty master arrives over the socket (SCM_RIGHTS), the process's stdio and
// /dev/console are that pty, and process.consoleSize is applied.
//
// The "joined-netns" case joins a network namespace by path, which makes
// the init fork into its new pid namespace itself instead of being cloned
// into it.
func TestSurfaceTerminal(t *testing.T) {
	t.Parallel()
	variantJoined := surfaceVariant{name: "joined-netns"}
	for _, v := range []surfaceVariant{variantRoot, variantUserNS, variantJoined} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			opts := v.opts()
			if v == variantJoined {
				opts = append(opts, testutil.WithNamespace(specs.NetworkNamespace, addNetns(t)))
			}
			opts = append(opts,
				testutil.WithSpec(func(s *specs.Spec) {
					s.Process.Terminal = true
					s.Process.ConsoleSize = &specs.Box{Height: 33, Width: 111}
				}),
				testutil.WithShell(`echo tty=$(tty)
stat -c "console=%t:%T" /dev/console
stat -L -c "stdin=%t:%T" /proc/self/fd/0
echo size=$(stty size)
[ -t 1 ] && echo stdout-is-tty
echo done-marker`))
			b := testutil.NewBundle(t, opts...)
			if v.userns {
				allowUserNS(t, b)
			}
			cs := testutil.NewConsoleSocket(t)
			got := receiveConsole(cs)
			id := r.NewID()
			r.MustCreate(b, id, "--console-socket", cs.Path)
			master := (<-got).must(t)
			r.MustRun("start", id)
			out := readUntil(master, "done-marker", 5*time.Second)
			kv := keyValues(out)
			if !strings.HasPrefix(kv["tty"], "/dev/pts/") {
				t.Errorf("tty %q, want /dev/pts/N", kv["tty"])
			}
			if !strings.HasPrefix(kv["console"], "88:") {
				t.Errorf("/dev/console is %q, want a pty (major 136 = 0x88)", kv["console"])
			}
			if kv["console"] != kv["stdin"] {
				t.Errorf("/dev/console %q is not the process's terminal %q", kv["console"], kv["stdin"])
			}
			if kv["size"] != "33 111" {
				t.Errorf("stty size %q, want 33 111 (consoleSize)", kv["size"])
			}
			if !strings.Contains(out, "stdout-is-tty") {
				t.Errorf("stdout is not a tty")
			}
			if t.Failed() {
				t.Logf("pty output:\n%s", out)
			}
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			r.MustRun("delete", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// execCase is one `exec` into a running container.
type execCase struct {
	name string
	// args are the exec flags and command (the id is inserted before the
	// first non-flag, see execArgs); setup may rewrite them.
	flags []string
	cmd   []string
	setup func(t *testing.T, dir string) ([]string, testutil.ExecOpts)
	check func(t *testing.T, res testutil.Result, v surfaceVariant)
	// exit is the expected exit status of exec.
	exit int
}

func execOutput(want ...string) func(*testing.T, testutil.Result, surfaceVariant) {
	return func(t *testing.T, res testutil.Result, v surfaceVariant) {
		t.Helper()
		wantLines(want...)(t, res.Stdout, v)
	}
}

func execCaps(t *testing.T, res testutil.Result, want map[string][]string) {
	t.Helper()
	got := statusCaps(t, res.Stdout)
	for f, names := range want {
		if w := capsMask(t, names...); got[f] != w {
			t.Errorf("%s = %#x, want %#x (%v)", f, got[f], w, names)
		}
	}
}

var execCases = []execCase{
	{
		name:  "args",
		cmd:   []string{"sh", "-c", `printf '[%s]' "$0" "$@"; echo`, "zero", "a b", ""},
		check: execOutput("[zero][a b][]"),
	},
	{
		name: "process-json",
		setup: func(t *testing.T, dir string) ([]string, testutil.ExecOpts) {
			p := specs.Process{
				User: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5}},
				Args: []string{"sh", "-c", `echo uid=$(id -u) gid=$(id -g); echo groups=$(id -G); echo cwd=$(pwd); echo foo=$FOO; grep NoNewPrivs /proc/self/status`},
				Env:  []string{"PATH=/bin:/usr/bin", "FOO=from-json"},
				Cwd:  "/tmp",
				// With no_new_privs.
				NoNewPrivileges: true,
			}
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "process.json")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"--process", path}, testutil.ExecOpts{}
		},
		check: func(t *testing.T, res testutil.Result, v surfaceVariant) {
			wantLines("uid=1000 gid=1000", "cwd=/tmp", "foo=from-json")(t, res.Stdout, v)
			if g := strings.Fields(keyValues(res.Stdout)["groups"]); !slices.Contains(g, "5") {
				t.Errorf("groups %v, want 5", g)
			}
			if nnp := statusField(t, res.Stdout, "NoNewPrivs"); nnp != "1" {
				t.Errorf("NoNewPrivs %s, want 1", nnp)
			}
		},
	},
	{
		name:  "cwd",
		flags: []string{"--cwd", "/tmp"},
		cmd:   []string{"pwd"},
		check: execOutput("/tmp"),
	},
	{
		name:  "env",
		flags: []string{"--env", "FOO=bar baz", "--env", "EMPTY="},
		cmd:   []string{"sh", "-c", `echo "FOO=$FOO"; echo "EMPTY=${EMPTY-unset}"; echo "PATH=$PATH"`},
		check: func(t *testing.T, res testutil.Result, v surfaceVariant) {
			wantLines("FOO=bar baz", "EMPTY=")(t, res.Stdout, v)
			// The container's environment is kept.
			if !strings.Contains(res.Stdout, "PATH=/usr/local/sbin:") {
				t.Errorf("the container's PATH is not inherited:\n%s", res.Stdout)
			}
		},
	},
	{
		name:  "user-and-additional-gids",
		flags: []string{"--user", "1000:1001", "--additional-gids", "5", "--additional-gids", "6"},
		cmd:   []string{"sh", "-c", `echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G)`},
		check: func(t *testing.T, res testutil.Result, v surfaceVariant) {
			kv := keyValues(res.Stdout)
			if kv["uid"] != "1000" || kv["gid"] != "1001" {
				t.Errorf("uid=%s gid=%s, want 1000 1001", kv["uid"], kv["gid"])
			}
			g := strings.Fields(kv["groups"])
			if !slices.Contains(g, "5") || !slices.Contains(g, "6") {
				t.Errorf("groups %v, want 5 and 6", g)
			}
		},
	},
	{
		// --cap adds to bounding, effective and permitted only.
		name:  "cap",
		flags: []string{"--cap", "CAP_NET_RAW", "--cap", "CAP_SYS_CHROOT"},
		cmd:   []string{"cat", "/proc/self/status"},
		check: func(t *testing.T, res testutil.Result, _ surfaceVariant) {
			caps := append(slices.Clone(testutil.DefaultCaps), "CAP_NET_RAW", "CAP_SYS_CHROOT")
			execCaps(t, res, map[string][]string{
				"CapBnd": caps, "CapEff": caps, "CapPrm": caps, "CapInh": nil, "CapAmb": nil,
			})
		},
	},
	{
		name:  "no-new-privs",
		flags: []string{"--no-new-privs"},
		cmd:   []string{"grep", "NoNewPrivs", "/proc/self/status"},
		check: func(t *testing.T, res testutil.Result, _ surfaceVariant) {
			if v := statusField(t, res.Stdout, "NoNewPrivs"); v != "1" {
				t.Errorf("NoNewPrivs %s, want 1", v)
			}
		},
	},
	{
		// The container's noNewPrivileges is false: exec inherits it.
		name: "new-privs-default",
		cmd:  []string{"grep", "NoNewPrivs", "/proc/self/status"},
		check: func(t *testing.T, res testutil.Result, _ surfaceVariant) {
			if v := statusField(t, res.Stdout, "NoNewPrivs"); v != "0" {
				t.Errorf("NoNewPrivs %s, want 0", v)
			}
		},
	},
	{
		name: "preserve-fds",
		setup: func(t *testing.T, dir string) ([]string, testutil.ExecOpts) {
			path := filepath.Join(dir, "fd3")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				f.Close()
				if data, _ := os.ReadFile(path); !t.Failed() && strings.TrimSpace(string(data)) != "via-fd3" {
					t.Errorf("preserved fd 3 did not reach the host file: %q", data)
				}
			})
			return []string{"--preserve-fds", "1"}, testutil.ExecOpts{ExtraFiles: []*os.File{f}}
		},
		// fd 3 is the preserved file; ls reads the directory with fd 4.
		cmd: []string{"sh", "-c", "echo via-fd3 >&3; ls /proc/self/fd"},
		check: func(t *testing.T, res testutil.Result, _ surfaceVariant) {
			if fds := testutil.ReadLines(res.Stdout); !slices.Equal(fds, []string{"0", "1", "2", "3", "4"}) {
				t.Errorf("fds %v, want 0-3 and ls's own 4", fds)
			}
		},
	},
	{
		name: "exit-status",
		cmd:  []string{"sh", "-c", "exit 7"},
		exit: 7,
	},
	{
		name: "exit-status-missing-binary",
		cmd:  []string{"/does/not/exist"},
		exit: -2, // any non-zero
		check: func(t *testing.T, res testutil.Result, _ surfaceVariant) {
			if !strings.Contains(res.LastStderrLine(), "/does/not/exist") {
				t.Errorf("last stderr line %q does not name the missing binary", res.LastStderrLine())
			}
		},
	},
}

// surfaceExecContainer starts a sleeping container for exec cases.
func surfaceExecContainer(t *testing.T, r *testutil.Runtime, v surfaceVariant) (string, *testutil.Bundle) {
	t.Helper()
	opts := append(v.opts(), testutil.WithArgs("sleep", "600"), testutil.WithNoNewPrivileges(false))
	b := testutil.NewBundle(t, opts...)
	if v.userns {
		allowUserNS(t, b)
	}
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	return id, b
}

// TestSurfaceExec: exec's flags and --process, each seen from the exec'd
// process, in one running container per variant.
func TestSurfaceExec(t *testing.T) {
	t.Parallel()
	for _, v := range []surfaceVariant{variantRoot, variantUserNS} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			id, b := surfaceExecContainer(t, r, v)
			t.Run("cases", func(t *testing.T) {
				for _, tc := range execCases {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						args := append([]string{"exec"}, tc.flags...)
						var opts testutil.ExecOpts
						if tc.setup != nil {
							extra, o := tc.setup(t, hostDir(t))
							args, opts = append(args, extra...), o
						}
						args = append(append(args, id), tc.cmd...)
						res := r.Exec(opts, args...)
						switch {
						case res.Err != nil:
							t.Fatalf("exec: %s", res)
						case tc.exit == -2 && res.ExitCode == 0:
							t.Fatalf("exec of a missing binary succeeded: %s", res)
						case tc.exit != -2 && res.ExitCode != tc.exit:
							t.Fatalf("exit %d, want %d: %s", res.ExitCode, tc.exit, res)
						}
						if tc.check != nil {
							tc.check(t, res, v)
							if t.Failed() {
								t.Logf("%s", res)
							}
						}
					})
				}
				t.Run("tty-console-socket", func(t *testing.T) {
					t.Parallel()
					testExecTTY(t, r, id)
				})
				t.Run("detach-pid-file-ps", func(t *testing.T) {
					t.Parallel()
					testExecDetach(t, r, id)
				})
			})
			r.MustRun("delete", "--force", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// testExecTTY: exec --detach --tty --console-socket (what containerd
// runs; runc wants --detach with a console socket) sends a new pty's
// master; the process runs on it.
func testExecTTY(t *testing.T, r *testutil.Runtime, id string) {
	cs := testutil.NewConsoleSocket(t)
	got := receiveConsole(cs)
	done := make(chan testutil.Result, 1)
	go func() {
		done <- r.Run("exec", "--detach", "--tty", "--console-socket", cs.Path, id,
			"sh", "-c", `echo tty=$(tty); [ -t 0 ] && echo stdin-is-tty; echo size=$(stty size); echo done-marker; sleep 1`)
	}()
	var master *os.File
	select {
	case c := <-got:
		master = c.must(t)
	case res := <-done:
		// A detached exec may return before our receiver has read the
		// pty it already sent: give the receiver a moment.
		select {
		case c := <-got:
			master = c.must(t)
			done <- res
		case <-time.After(5 * time.Second):
			t.Fatalf("exec --tty ended before sending the pty: %s", res)
		}
	}
	out := readUntil(master, "done-marker", 5*time.Second)
	if res := <-done; !res.OK() {
		t.Errorf("exec --tty: %s", res)
	}
	kv := keyValues(out)
	if !strings.HasPrefix(kv["tty"], "/dev/pts/") || !strings.Contains(out, "stdin-is-tty") {
		t.Errorf("pty output %q: want tty=/dev/pts/N and stdin-is-tty", out)
	}
}

// testExecDetach: exec --detach returns at once, writes the pid file; the
// process is in the container (its pid namespace) and ps lists it.
func testExecDetach(t *testing.T, r *testutil.Runtime, id string) {
	pidFile := filepath.Join(testutil.TempDir(t), "exec.pid")
	res := r.Run("exec", "--detach", "--pid-file", pidFile, id, "sleep", "300")
	if !res.OK() {
		t.Fatalf("exec --detach: %s", res)
	}
	if res.Duration > 5*time.Second {
		t.Errorf("exec --detach took %s", res.Duration)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		t.Fatalf("pid file %q", raw)
	}
	r.RememberPid(pid)
	defer syscall.Kill(pid, syscall.SIGKILL)
	if !testutil.ProcessAlive(pid) {
		t.Fatalf("exec'd pid %d is not alive", pid)
	}
	init := r.MustState(id).Pid
	for _, ns := range []string{"pid", "mnt", "net", "ipc", "uts", "user", "cgroup"} {
		a, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		b, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", init, ns))
		if a != b || a == "" {
			t.Errorf("%s namespace of the exec'd process %q, the init's %q", ns, a, b)
		}
	}
	var pids []int
	ps := r.MustRun("ps", "--format", "json", id)
	if err := json.Unmarshal([]byte(ps.Stdout), &pids); err != nil {
		t.Fatalf("ps --format json: %v: %q", err, ps.Stdout)
	}
	if !slices.Contains(pids, pid) || !slices.Contains(pids, init) {
		t.Errorf("ps --format json %v: want the init %d and the exec'd %d", pids, init, pid)
	}
}

// TestSurfaceExecStates: exec into a container that is not running fails,
// naming the state.
func TestSurfaceExecStates(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("true"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	res := r.Run("exec", id, "true")
	if res.OK() {
		t.Fatalf("exec into a stopped container succeeded: %s", res)
	}
	if last := res.LastStderrLine(); !strings.Contains(last, "stopped") {
		t.Errorf("last stderr line %q does not name the state (stopped)", last)
	}
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}
