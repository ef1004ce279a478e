package testutil

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultTimeout bounds every CLI invocation: a hung runtime fails the test
// instead of the whole suite.
const DefaultTimeout = 20 * time.Second

// Result is the outcome of one CLI invocation.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int // -1 when the process did not exit normally (timeout, signal)
	Err      error
	Duration time.Duration
}

// OK reports exit status 0.
func (r Result) OK() bool { return r.ExitCode == 0 && r.Err == nil }

// LastStderrLine is the last non-empty line on stderr: the contract says it
// names the cause of an error.
func (r Result) LastStderrLine() string {
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s
		}
	}
	return ""
}

// String describes the invocation for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("`%s` exit=%d err=%v (%s)\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.Err, r.Duration.Round(time.Millisecond), indent(r.Stdout), indent(r.Stderr))
}

func indent(s string) string {
	if s == "" {
		return "\t<empty>"
	}
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}

// ExecOpts tunes one invocation.
type ExecOpts struct {
	Timeout    time.Duration
	Stdin      io.Reader
	ExtraFiles []*os.File // become fds 3, 4, ... (for --preserve-fds)
	Env        []string   // appended to os.Environ()
	Dir        string
	Started    func(pid int) // called once the process has started
}

// Exec runs bin with args. Output goes to temporary files, not pipes: a
// detached container inherits the runtime's stdio, and with pipes Wait would
// block until the container exits.
func Exec(t testing.TB, opts ExecOpts, bin string, args ...string) Result {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	res := Result{Args: append([]string{bin}, args...)}
	// Not t.TempDir: Exec also runs from cleanups.
	dir, err := os.MkdirTemp(TempBase(), "brig-exec-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	defer os.RemoveAll(dir)
	outF, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatalf("create stdout file: %v", err)
	}
	defer outF.Close()
	errF, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatalf("create stderr file: %v", err)
	}
	defer errF.Close()

	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = opts.Stdin
	cmd.Stdout = outF
	cmd.Stderr = errF
	cmd.ExtraFiles = opts.ExtraFiles
	cmd.Dir = opts.Dir
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err = cmd.Start()
	if err == nil {
		if opts.Started != nil {
			opts.Started(cmd.Process.Pid)
		}
		err = cmd.Wait()
	}
	res.Duration = time.Since(start)
	res.ExitCode = -1
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("timed out after %s", opts.Timeout)
	case errors.As(err, &exitErr):
		// a non-zero exit is a result, not an error
	case err != nil:
		res.Err = err
	}
	out, _ := os.ReadFile(outF.Name())
	errOut, _ := os.ReadFile(errF.Name())
	res.Stdout, res.Stderr = string(out), string(errOut)
	return res
}

// Run runs the runtime binary with args exactly as given (no --root added).
func Run(t testing.TB, args ...string) Result {
	t.Helper()
	return Exec(t, ExecOpts{}, Binary(t), args...)
}

// Runtime runs the binary with a private --root (under TempDir) so tests can
// run in parallel, and tears down the containers it created.
type Runtime struct {
	t      testing.TB
	Bin    string
	Root   string
	Global []string // extra global flags, e.g. --log F --log-format json

	mu      sync.Mutex
	created map[string]bool
	pids    map[int]uint64 // init pid -> start time, for leak checks and cleanup
}

// NewRuntime skips unless root, and registers a cleanup that force-deletes
// every container created through it.
func NewRuntime(t testing.TB) *Runtime {
	t.Helper()
	RequireRoot(t)
	r := &Runtime{
		t:       t,
		Bin:     Binary(t),
		Root:    filepath.Join(TempDir(t), "root"),
		created: map[string]bool{},
		pids:    map[int]uint64{},
	}
	t.Cleanup(r.cleanup)
	return r
}

var idCounter atomic.Uint64

var nonID = regexp.MustCompile(`[^a-z0-9]+`)

// NewID returns a unique container id derived from the test name.
func (r *Runtime) NewID() string {
	name := strings.ToLower(r.t.Name())
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Trim(nonID.ReplaceAllString(name, "-"), "-")
	if len(name) > 20 {
		name = name[:20]
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	return fmt.Sprintf("bt-%s-%d-%s", name, idCounter.Add(1), hex.EncodeToString(rnd[:]))
}

// Exec runs `bin <Global> --root Root args...`.
func (r *Runtime) Exec(opts ExecOpts, args ...string) Result {
	r.t.Helper()
	full := append([]string{"--root", r.Root}, r.Global...)
	full = append(full, args...)
	return Exec(r.t, opts, r.Bin, full...)
}

// Run runs a command with the private root.
func (r *Runtime) Run(args ...string) Result {
	r.t.Helper()
	return r.Exec(ExecOpts{}, args...)
}

// MustRun runs a command and fails the test unless it exits 0.
func (r *Runtime) MustRun(args ...string) Result {
	r.t.Helper()
	res := r.Run(args...)
	if !res.OK() {
		r.t.Fatalf("command failed: %s", res)
	}
	return res
}

// Track registers id for cleanup (create/run do it themselves).
func (r *Runtime) Track(id string) {
	r.mu.Lock()
	r.created[id] = true
	r.mu.Unlock()
}

// Create runs `create --bundle B [extra...] ID`.
func (r *Runtime) Create(b *Bundle, id string, extra ...string) Result {
	r.t.Helper()
	return r.CreateOpts(ExecOpts{}, b, id, extra...)
}

// CreateOpts is Create with ExecOpts (ExtraFiles for --preserve-fds).
func (r *Runtime) CreateOpts(opts ExecOpts, b *Bundle, id string, extra ...string) Result {
	r.t.Helper()
	r.Track(id)
	args := append([]string{"create", "--bundle", b.Dir}, extra...)
	res := r.Exec(opts, append(args, id)...)
	if res.OK() {
		r.rememberPid(id)
	}
	return res
}

// MustCreate creates a container and fails the test on error.
func (r *Runtime) MustCreate(b *Bundle, id string, extra ...string) {
	r.t.Helper()
	if res := r.Create(b, id, extra...); !res.OK() {
		r.t.Fatalf("create failed: %s", res)
	}
}

// RunContainer runs `run --bundle B [extra...] ID` (foreground unless extra
// has --detach) and returns the result; the exit code is the container's.
func (r *Runtime) RunContainer(b *Bundle, id string, extra ...string) Result {
	r.t.Helper()
	return r.RunContainerOpts(ExecOpts{}, b, id, extra...)
}

// RunContainerOpts is RunContainer with ExecOpts.
func (r *Runtime) RunContainerOpts(opts ExecOpts, b *Bundle, id string, extra ...string) Result {
	r.t.Helper()
	r.Track(id)
	args := append([]string{"run", "--bundle", b.Dir}, extra...)
	return r.Exec(opts, append(args, id)...)
}

// State runs `state ID` and parses it.
func (r *Runtime) State(id string) (*specs.State, Result) {
	r.t.Helper()
	res := r.Run("state", id)
	if !res.OK() {
		return nil, res
	}
	var st specs.State
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		res.Err = fmt.Errorf("parse state JSON: %w", err)
		return nil, res
	}
	return &st, res
}

// MustState returns the parsed state or fails the test.
func (r *Runtime) MustState(id string) *specs.State {
	r.t.Helper()
	st, res := r.State(id)
	if st == nil {
		r.t.Fatalf("state failed: %s", res)
	}
	return st
}

// WaitStatus polls `state` until the status is want or timeout passes.
func (r *Runtime) WaitStatus(id string, want specs.ContainerState, timeout time.Duration) *specs.State {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		st, res := r.State(id)
		if st != nil && st.Status == want {
			return st
		}
		if st != nil {
			last = string(st.Status)
		} else {
			last = res.String()
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("container %s: status %q not reached after %s; last: %s", id, want, timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rememberPid records the init pid of a created container, so leak checks
// and cleanup know it even when the runtime loses track.
func (r *Runtime) rememberPid(id string) {
	st, _ := r.State(id)
	if st == nil || st.Pid <= 0 {
		return
	}
	r.RememberPid(st.Pid)
}

// RememberPid records a process started by the test (via the runtime).
func (r *Runtime) RememberPid(pid int) {
	start, err := procStartTime(pid)
	if err != nil {
		return
	}
	r.mu.Lock()
	r.pids[pid] = start
	r.mu.Unlock()
}

// Pids returns the recorded init pids with their start times.
func (r *Runtime) Pids() map[int]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int]uint64, len(r.pids))
	for k, v := range r.pids {
		out[k] = v
	}
	return out
}

// CheckNoLeaks runs the package CheckNoLeaks for id and also checks that the
// init pids this runtime saw are gone.
func (r *Runtime) CheckNoLeaks(id string, b *Bundle) {
	r.t.Helper()
	var paths []string
	if b != nil {
		paths = append(paths, b.Dir)
	}
	checkNoLeaks(r.t, r.Root, id, paths, r.Pids())
}

func (r *Runtime) cleanup() {
	r.mu.Lock()
	ids := make([]string, 0, len(r.created))
	for id := range r.created {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for _, id := range ids {
		if _, err := os.Lstat(filepath.Join(r.Root, id)); err != nil {
			continue
		}
		_ = r.Exec(ExecOpts{Timeout: 10 * time.Second}, "delete", "--force", id)
	}
	// Last resort for a runtime that lost track of its init: kill the pids
	// we saw, if they are still the same processes.
	// Processes the runtime lost track of (e.g. a losing concurrent
	// create's init) are still in cgroups named after the id; they were
	// started by this test, so kill them and drop the cgroups. The leak
	// check has already reported them.
	for _, id := range ids {
		killCgroups(r.t, id)
	}
	// Give the runtime's own kill a moment to land first.
	deadline := time.Now().Add(2 * time.Second)
	for pid, start := range r.Pids() {
		for time.Now().Before(deadline) && sameLiveProcess(pid, start) {
			time.Sleep(20 * time.Millisecond)
		}
		if sameLiveProcess(pid, start) {
			r.t.Logf("cleanup: killing leaked container init pid %d", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// ReadLines splits output into non-empty trimmed lines.
func ReadLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// JSONLogLines parses a --log-format json log file into objects.
func JSONLogLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read log %s: %v", path, err)
	}
	var out []map[string]any
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Errorf("log %s: line is not JSON: %q: %v", path, l, err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// sameLiveProcess: pid is alive, not a zombie, and still the process that
// had start time start (not a reused pid).
func sameLiveProcess(pid int, start uint64) bool {
	s, err := procStartTime(pid)
	return err == nil && s == start && !isZombie(pid)
}
