package integration

import (
	"encoding/json"
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

// TestRunExitCode: `run` exits with the container's status, 128+N for a
// signal, and removes the container afterwards.
func TestRunExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []testutil.SpecOpt
		want   int
		stdout string
	}{
		{name: "exit0", opts: []testutil.SpecOpt{testutil.WithArgs("true")}, want: 0},
		{name: "exit3", opts: []testutil.SpecOpt{testutil.WithShell("exit 3")}, want: 3},
		{name: "exit255", opts: []testutil.SpecOpt{testutil.WithShell("exit 255")}, want: 255},
		{name: "stdout", opts: []testutil.SpecOpt{testutil.WithShell("echo hello-from-container")}, want: 0, stdout: "hello-from-container"},
		// Outside a pid namespace the shell is not pid 1, so it can kill
		// itself (a pid-1 init ignores its own SIGKILL).
		{name: "sigkill-137", opts: []testutil.SpecOpt{
			testutil.WithShell("kill -KILL $$; sleep 5"),
			testutil.WithoutNamespace(specs.PIDNamespace),
		}, want: 137},
		{name: "sigterm-143", opts: []testutil.SpecOpt{
			testutil.WithShell("kill -TERM $$; sleep 5"),
			testutil.WithoutNamespace(specs.PIDNamespace),
		}, want: 143},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, tc.opts...)
			id := r.NewID()
			res := r.RunContainer(b, id)
			if res.Err != nil || res.ExitCode != tc.want {
				t.Fatalf("exit code %d, want %d: %s", res.ExitCode, tc.want, res)
			}
			if tc.stdout != "" && strings.TrimSpace(res.Stdout) != tc.stdout {
				t.Errorf("stdout %q, want %q", res.Stdout, tc.stdout)
			}
			if st, _ := r.State(id); st != nil {
				t.Errorf("container still known after run exited: %+v", st)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestRunDetach: `run --detach` returns at once with the container running.
func TestRunDetach(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	pidFile := filepath.Join(testutil.TempDir(t), "pid")
	res := r.RunContainer(b, id, "--detach", "--pid-file", pidFile)
	if !res.OK() {
		t.Fatalf("run --detach: %s", res)
	}
	if res.Duration > 10*time.Second {
		t.Errorf("run --detach took %s", res.Duration)
	}
	st := r.MustState(id)
	r.RememberPid(st.Pid)
	if st.Status != specs.StateRunning {
		t.Errorf("status %q, want running", st.Status)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if p, _ := strconv.Atoi(strings.TrimSpace(string(raw))); p != st.Pid {
		t.Errorf("pid file says %q, state pid %d", raw, st.Pid)
	}
	r.MustRun("kill", id, "KILL")
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestList: table, json and -q formats with one created and one running
// container.
func TestList(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b1 := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	b2 := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	created, running := r.NewID(), r.NewID()
	r.MustCreate(b1, created)
	r.MustCreate(b2, running)
	r.MustRun("start", running)
	want := map[string]string{created: "created", running: "running"}

	t.Run("table", func(t *testing.T) {
		res := r.MustRun("list")
		lines := testutil.ReadLines(res.Stdout)
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
			t.Fatalf("want header + 2 rows: %s", res)
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if len(f) < 3 {
				t.Fatalf("short row %q", l)
			}
			if want[f[0]] == "" || !slices.Contains(f, want[f[0]]) {
				t.Errorf("row %q: want id in %v with its status", l, want)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		res := r.MustRun("list", "--format", "json")
		var items []struct {
			ID     string `json:"id"`
			Pid    int    `json:"pid"`
			Status string `json:"status"`
			Bundle string `json:"bundle"`
		}
		if err := json.Unmarshal([]byte(res.Stdout), &items); err != nil {
			t.Fatalf("list json: %v: %s", err, res)
		}
		if len(items) != 2 {
			t.Fatalf("want 2 items: %s", res)
		}
		for _, it := range items {
			if want[it.ID] != it.Status {
				t.Errorf("item %+v: want status %q", it, want[it.ID])
			}
			if it.Pid <= 0 || it.Bundle == "" {
				t.Errorf("item %+v: want pid and bundle", it)
			}
		}
	})
	t.Run("quiet", func(t *testing.T) {
		res := r.MustRun("list", "-q")
		got := testutil.ReadLines(res.Stdout)
		slices.Sort(got)
		exp := []string{created, running}
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("list -q = %q, want %q", got, exp)
		}
	})
	for _, id := range []string{created, running} {
		r.MustRun("delete", "--force", id)
	}
	r.CheckNoLeaks(created, b1)
	r.CheckNoLeaks(running, b2)
}

// TestListCorruptState: one container's garbage state.json must not break
// list (nor state of the other containers).
func TestListCorruptState(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	good, bad := r.NewID(), r.NewID()
	r.MustCreate(b, good)
	badDir := filepath.Join(r.Root, bad)
	if err := os.MkdirAll(badDir, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badDir, "state.json"), []byte("\x00garbage{{{"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list"}, {"list", "-q"}, {"list", "--format", "json"}} {
		res := r.Run(args...)
		if !res.OK() {
			t.Errorf("%v with a corrupt state dir failed: %s", args, res)
			continue
		}
		if !strings.Contains(res.Stdout, good) {
			t.Errorf("%v does not list the good container %s: %s", args, good, res)
		}
		if args[len(args)-1] == "json" {
			var v []map[string]any
			if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil {
				t.Errorf("list json not valid with a corrupt state dir: %v: %s", err, res)
			}
		}
	}
	if st := r.MustState(good); st.Status != specs.StateCreated {
		t.Errorf("good container status %q", st.Status)
	}
	if err := os.RemoveAll(badDir); err != nil {
		t.Fatal(err)
	}
	r.MustRun("delete", good)
	r.CheckNoLeaks(good, b)
}

// trapScript records which signal the container init received in /tmp/sig
// (the rootfs is writable) and exits; /tmp/ready says the traps are set.
const trapScript = `for s in HUP INT USR1 USR2 TERM; do trap "echo $s > /tmp/sig; exit 0" $s; done
echo ready > /tmp/ready
while :; do sleep 0.05; done`

// TestKillSignals: the signal argument may be a name, SIGname or a number,
// and defaults to SIGTERM.
func TestKillSignals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string // after the id
		want string   // trap that fired
	}{
		{"default-term", nil, "TERM"},
		{"name", []string{"USR1"}, "USR1"},
		{"signame", []string{"SIGUSR2"}, "USR2"},
		{"number", []string{"1"}, "HUP"},
		{"number-int", []string{"2"}, "INT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, testutil.WithWritableRoot(), testutil.WithShell(trapScript))
			id := r.NewID()
			r.MustCreate(b, id)
			r.MustRun("start", id)
			waitFile(t, filepath.Join(b.Rootfs, "tmp/ready"))
			r.MustRun(append([]string{"kill", id}, tc.args...)...)
			got := strings.TrimSpace(waitFile(t, filepath.Join(b.Rootfs, "tmp/sig")))
			if got != tc.want {
				t.Errorf("container got %q, want %q", got, tc.want)
			}
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			r.MustRun("delete", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestKillAll: kill --all reaches every process of the container, also
// without a pid namespace where the init's death does not take the others.
func TestKillAll(t *testing.T) {
	t.Parallel()
	for _, pidns := range []bool{true, false} {
		name := "pidns"
		if !pidns {
			name = "host-pidns"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			id := r.NewID()
			// The children's command lines carry the id, so the leak check
			// finds any survivor.
			child := `sh -c "sleep 100; : ` + id + `"`
			opts := []testutil.SpecOpt{testutil.WithWritableRoot(),
				testutil.WithShell(child + " & " + child + " & echo ready > /tmp/ready; wait")}
			if !pidns {
				opts = append(opts, testutil.WithoutNamespace(specs.PIDNamespace))
			}
			b := testutil.NewBundle(t, opts...)
			r.MustCreate(b, id)
			r.MustRun("start", id)
			waitFile(t, filepath.Join(b.Rootfs, "tmp/ready"))
			r.MustRun("kill", "--all", id, "KILL")
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			r.MustRun("delete", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestDelete: delete of a created container; delete --force of a running one.
func TestDelete(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start bool
		args  []string
	}{
		{"created", false, []string{"delete"}},
		{"created-force", false, []string{"delete", "--force"}},
		{"running-force", true, []string{"delete", "--force"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
			id := r.NewID()
			r.MustCreate(b, id)
			if tc.start {
				r.MustRun("start", id)
			}
			r.MustRun(append(tc.args, id)...)
			if res := r.Run("state", id); res.OK() {
				t.Errorf("state after delete: %s", res)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// waitFile polls for a file and returns its content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunStdin: with terminal=false, `run` connects the caller's stdin.
func TestRunStdin(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("cat"))
	id := r.NewID()
	res := r.RunContainerOpts(testutil.ExecOpts{Stdin: strings.NewReader("through-stdin\n")}, b, id)
	if !res.OK() || strings.TrimSpace(res.Stdout) != "through-stdin" {
		t.Fatalf("want stdin echoed: %s", res)
	}
	r.CheckNoLeaks(id, b)
}

// TestRunKilledFromOutside: a foreground `run` whose container is killed by
// `kill ID KILL` exits 137.
func TestRunKilledFromOutside(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	done := make(chan testutil.Result, 1)
	go func() { done <- r.RunContainerOpts(testutil.ExecOpts{Timeout: 10 * time.Second}, b, id) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st, _ := r.State(id); st != nil && st.Status == specs.StateRunning {
			r.RememberPid(st.Pid)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container never running")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// `kill` must not wait for the foreground `run` (e.g. for its lock).
	if res := r.Exec(testutil.ExecOpts{Timeout: 5 * time.Second}, "kill", id, "KILL"); !res.OK() {
		t.Errorf("kill while run waits: %s", res)
	}
	res := <-done
	if res.ExitCode != 137 {
		t.Errorf("run exit %d, want 137: %s", res.ExitCode, res)
	}
	r.CheckNoLeaks(id, b)
}

// TestKillCreated: a created container can be signalled; SIGKILL stops it.
func TestKillCreated(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("kill", id, "KILL")
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestStoppedPromptly: once the init is dead, state says stopped at once,
// even while the (orphaned) init is a zombie nobody has reaped yet.
func TestStoppedPromptly(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	r.MustRun("kill", id, "KILL")
	start := time.Now()
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("state took %s to report stopped after SIGKILL (a zombie init must count as stopped)", d.Round(time.Millisecond))
	}
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestDeleteAfterExternalKill: the init killed behind the runtime's back
// (host kill of the pid) still deletes cleanly.
func TestDeleteAfterExternalKill(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	st := r.MustState(id)
	if err := syscall.Kill(st.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestConcurrentCreateSameID: of several simultaneous creates of one id,
// exactly one wins.
func TestConcurrentCreateSameID(t *testing.T) {
	t.Parallel()
	// runc 1.1.5 fails this: a losing create's cleanup removes the winner's
	// state dir and cgroups, and can leave the winner's init running.
	testutil.BrigOnly(t, "runc 1.1.5 races on concurrent creates of one id")
	r := testutil.NewRuntime(t)
	id := r.NewID()
	const n = 4
	results := make(chan testutil.Result, n)
	bundles := make([]*testutil.Bundle, n)
	for i := range bundles {
		bundles[i] = testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	}
	for i := 0; i < n; i++ {
		go func(b *testutil.Bundle) { results <- r.Create(b, id) }(bundles[i])
	}
	ok := 0
	for i := 0; i < n; i++ {
		if res := <-results; res.OK() {
			ok++
		} else if !strings.Contains(strings.ToLower(res.LastStderrLine()), "exist") {
			t.Logf("a losing create did not say the id exists: %s", res)
		}
	}
	if ok != 1 {
		t.Errorf("%d creates of one id succeeded, want exactly 1", ok)
	}
	st := r.MustState(id)
	if st.Status != specs.StateCreated {
		t.Errorf("status %q, want created", st.Status)
	}
	r.RememberPid(st.Pid)
	r.MustRun("delete", id)
	for _, b := range bundles {
		r.CheckNoLeaks(id, b)
	}
}

// TestListEmpty: list with no containers (and no root dir yet) succeeds.
func TestListEmpty(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	for _, args := range [][]string{{"list"}, {"list", "-q"}, {"list", "--format", "json"}} {
		res := r.Run(args...)
		if !res.OK() {
			t.Errorf("%v: %s", args, res)
			continue
		}
		switch args[len(args)-1] {
		case "-q":
			if strings.TrimSpace(res.Stdout) != "" {
				t.Errorf("list -q printed %q", res.Stdout)
			}
		case "json":
			var v []any
			if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil || len(v) != 0 {
				t.Errorf("list json %q: want an empty array (or null): %v", res.Stdout, err)
			}
		}
	}
}

// TestConsoleSocket: with terminal=true, create sends the pty master over
// --console-socket and the process runs on the pty slave.
func TestConsoleSocket(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithShell("tty; echo on-the-pty; sleep 0.2"),
		testutil.WithSpec(func(s *specs.Spec) { s.Process.Terminal = true }))
	cs := testutil.NewConsoleSocket(t)
	id := r.NewID()
	type recv struct {
		f   *os.File
		err error
	}
	got := make(chan recv, 1)
	go func() {
		f, err := cs.Receive(10 * time.Second)
		got <- recv{f, err}
	}()
	r.MustCreate(b, id, "--console-socket", cs.Path)
	rc := <-got
	if rc.err != nil {
		t.Fatalf("console: %v", rc.err)
	}
	defer rc.f.Close()
	r.MustRun("start", id)
	out := readUntil(rc.f, "on-the-pty", 5*time.Second)
	if !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "on-the-pty") {
		t.Errorf("pty output %q: want a /dev/pts/N tty and on-the-pty", out)
	}
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// readUntil reads f until want appears, EOF/EIO, or the timeout.
func readUntil(f *os.File, want string, timeout time.Duration) string {
	var sb strings.Builder
	_ = f.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 1024)
	for !strings.Contains(sb.String(), want) {
		n, err := f.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return sb.String()
}

// TestCreateFlags: create accepts --no-pivot and --no-new-keyring.
func TestCreateFlags(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--no-pivot", "--no-new-keyring"} {
		t.Run(strings.TrimPrefix(flag, "--"), func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, testutil.WithWritableRoot(), testutil.WithShell("echo ok > /tmp/out"))
			id := r.NewID()
			r.MustCreate(b, id, flag)
			r.MustRun("start", id)
			if got := strings.TrimSpace(waitFile(t, filepath.Join(b.Rootfs, "tmp/out"))); got != "ok" {
				t.Errorf("container output %q", got)
			}
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			r.MustRun("delete", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestLogFlags: --log with text and json formats records errors; --debug
// does not break anything.
func TestLogFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		global []string
		check  func(t *testing.T, log string)
	}{
		{"text", []string{"--log-format", "text"}, func(t *testing.T, log string) {
			if !strings.Contains(log, "level=error") {
				t.Errorf("text log lacks level=error:\n%s", log)
			}
		}},
		{"json", []string{"--log-format", "json"}, func(t *testing.T, log string) {
			if !strings.Contains(log, `"level":"error"`) {
				t.Errorf("json log lacks an error line:\n%s", log)
			}
		}},
		{"debug", []string{"--debug"}, func(t *testing.T, log string) {
			if !strings.Contains(log, "error") {
				t.Errorf("debug log lacks the error:\n%s", log)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			logFile := filepath.Join(testutil.TempDir(t), "log")
			args := append([]string{"--log", logFile}, tc.global...)
			res := r.Exec(testutil.ExecOpts{}, append(args, "state", r.NewID())...)
			if res.ExitCode == 0 {
				t.Fatalf("state of an unknown container succeeded: %s", res)
			}
			data, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatalf("log file: %v", err)
			}
			tc.check(t, string(data))
			// A successful command with the same flags.
			b := testutil.NewBundle(t, testutil.WithArgs("true"))
			id := r.NewID()
			r.Track(id)
			if res := r.Exec(testutil.ExecOpts{}, append(args, "run", "--bundle", b.Dir, id)...); !res.OK() {
				t.Errorf("run with %v: %s", args, res)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestRunForwardsSignals: signals sent to a foreground `run` reach the
// container's init.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithWritableRoot(), testutil.WithShell(trapScript))
	id := r.NewID()
	runPid := make(chan int, 1)
	done := make(chan testutil.Result, 1)
	go func() {
		done <- r.RunContainerOpts(testutil.ExecOpts{
			Timeout: 10 * time.Second,
			Started: func(pid int) { runPid <- pid },
		}, b, id)
	}()
	pid := <-runPid
	waitFile(t, filepath.Join(b.Rootfs, "tmp/ready"))
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if got := strings.TrimSpace(waitFile(t, filepath.Join(b.Rootfs, "tmp/sig"))); got != "USR1" {
		t.Errorf("container got %q, want USR1", got)
	}
	if res.ExitCode != 0 {
		t.Errorf("run exit %d, want 0 (the trap exits 0): %s", res.ExitCode, res)
	}
	r.CheckNoLeaks(id, b)
}

// TestPidFileRelative: a relative --pid-file is relative to the caller's
// working directory.
func TestPidFileRelative(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	cwd := testutil.TempDir(t)
	r.Track(id)
	if res := r.Exec(testutil.ExecOpts{Dir: cwd}, "create", "--bundle", b.Dir, "--pid-file", "rel.pid", id); !res.OK() {
		t.Fatalf("create: %s", res)
	}
	st := r.MustState(id)
	r.RememberPid(st.Pid)
	raw, err := os.ReadFile(filepath.Join(cwd, "rel.pid"))
	if err != nil {
		t.Fatalf("pid file not in the working directory: %v", err)
	}
	if p, _ := strconv.Atoi(strings.TrimSpace(string(raw))); p != st.Pid {
		t.Errorf("pid file %q, state pid %d", raw, st.Pid)
	}
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}
