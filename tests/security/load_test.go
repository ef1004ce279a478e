package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// Load: 200 create/start/kill/delete lifecycles on distinct ids with 16 at
// a time, plus bursts of concurrent commands on one id. No command may
// fail or hang, nothing may leak, and a long-running brig process keeps a
// small, stable number of descriptors. About 10-20 s on 2 cores; -short
// runs a quarter of it.

const (
	loadLifecycles = 200
	loadParallel   = 16
	loadBursts     = 16
	loadCmdTimeout = 30 * time.Second
	maxBrigFds     = 24
	loadIDPrefix   = "bt-load-"
)

type loadRunner struct {
	t *testing.T
	r *testutil.Runtime
}

func (l *loadRunner) run(opts testutil.ExecOpts, args ...string) (testutil.Result, error) {
	if opts.Timeout == 0 {
		opts.Timeout = loadCmdTimeout
	}
	res := l.r.Exec(opts, args...)
	if res.Err != nil {
		return res, fmt.Errorf("%s: did not finish: %v", strings.Join(args, " "), res.Err)
	}
	if !res.OK() {
		return res, fmt.Errorf("%s: exit %d: %s", strings.Join(args, " "), res.ExitCode, res.LastStderrLine())
	}
	return res, nil
}

func (l *loadRunner) status(id string) (specs.ContainerState, error) {
	res, err := l.run(testutil.ExecOpts{}, "state", id)
	if err != nil {
		return "", err
	}
	var st specs.State
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		return "", fmt.Errorf("state %s: %w", id, err)
	}
	return st.Status, nil
}

// lifecycle is create, start, kill, wait for stopped, delete.
func (l *loadRunner) lifecycle(b *testutil.Bundle, id string) error {
	l.r.Track(id)
	if _, err := l.run(testutil.ExecOpts{}, "create", "--bundle", b.Dir, id); err != nil {
		return err
	}
	if pid := statePid(l.r.Root, id); pid > 0 {
		l.r.RememberPid(pid)
	}
	if _, err := l.run(testutil.ExecOpts{}, "start", id); err != nil {
		return err
	}
	if _, err := l.run(testutil.ExecOpts{}, "kill", id, "KILL"); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := l.status(id)
		if err != nil {
			return err
		}
		if st == specs.StateStopped {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still %s 10s after kill KILL", id, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err := l.run(testutil.ExecOpts{}, "delete", id)
	return err
}

// burst runs, at the same moment, state, list, ps, exec, events --stats
// (all must succeed) and then kill, pause/resume and delete --force racing
// each other (they may fail, but only cleanly and never hang).
func (l *loadRunner) burst(b *testutil.Bundle, id string) error {
	l.r.Track(id)
	if _, err := l.run(testutil.ExecOpts{}, "run", "--detach", "--bundle", b.Dir, id); err != nil {
		return err
	}
	if pid := statePid(l.r.Root, id); pid > 0 {
		l.r.RememberPid(pid)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	must := [][]string{
		{"state", id}, {"state", id}, {"list"}, {"ps", id}, {"exec", id, "true"},
		{"exec", id, "sh", "-c", "echo hi"}, {"events", "--stats", id},
	}
	for _, args := range must {
		wg.Add(1)
		go func(args []string) {
			defer wg.Done()
			if _, err := l.run(testutil.ExecOpts{}, args...); err != nil {
				errs <- err
			}
		}(args)
	}
	wg.Wait()
	racing := [][]string{
		{"kill", id, "KILL"}, {"pause", id}, {"resume", id}, {"state", id}, {"exec", id, "true"},
		{"delete", "--force", id}, {"delete", "--force", id}, {"kill", "--all", id, "KILL"},
	}
	for _, args := range racing {
		wg.Add(1)
		go func(args []string) {
			defer wg.Done()
			res, err := l.run(testutil.ExecOpts{}, args...)
			// exec's own process may die from the racing kills: 137 and
			// no message, as with runc.
			killedExec := args[0] == "exec" && res.ExitCode == 128+9
			if res.Err != nil {
				errs <- err // a hang
			} else if err != nil && res.LastStderrLine() == "" && !killedExec {
				errs <- fmt.Errorf("%s failed without a message", strings.Join(args, " "))
			}
		}(args)
	}
	wg.Wait()
	close(errs)
	var all []error
	for e := range errs {
		all = append(all, e)
	}
	// Whatever the race did, a final delete --force leaves nothing.
	if _, err := l.run(testutil.ExecOpts{}, "delete", "--force", id); err != nil {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func TestLoad(t *testing.T) {
	t.Parallel()
	n, bursts := loadLifecycles, loadBursts
	if testing.Short() {
		n, bursts = n/4, bursts/4
	}
	r := testutil.NewRuntime(t)
	l := &loadRunner{t: t, r: r}
	mountsBefore := mountCount(t)

	// A long-running brig (foreground run) whose descriptors are sampled
	// throughout the load.
	watchB := testutil.NewBundle(t, testutil.WithArgs("sleep", "600"))
	watchID := loadIDPrefix + "watch-" + randHex(3)
	r.Track(watchID)
	var watchPid atomic.Int64
	watchDone := make(chan testutil.Result, 1)
	go func() {
		watchDone <- r.Exec(testutil.ExecOpts{Timeout: 5 * time.Minute, Started: func(pid int) { watchPid.Store(int64(pid)) }},
			"run", "--bundle", watchB.Dir, watchID)
	}()
	var maxFds atomic.Int64
	stopSampling := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if pid := int(watchPid.Load()); pid > 0 {
				if fds, err := openFds(pid); err == nil && int64(len(fds)) > maxFds.Load() {
					maxFds.Store(int64(len(fds)))
				}
			}
		}
	}()

	bundles := make([]*testutil.Bundle, loadParallel)
	for i := range bundles {
		bundles[i] = testutil.NewBundle(t, testutil.WithArgs("sleep", "600"))
	}
	start := time.Now()
	jobs := make(chan int)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < loadParallel; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range jobs {
				id := fmt.Sprintf("%s%d-%s", loadIDPrefix, i, randHex(3))
				var err error
				if i < bursts {
					err = l.burst(bundles[w], id)
				} else {
					err = l.lifecycle(bundles[w], id)
				}
				if err != nil {
					failed.Add(1)
					t.Errorf("container %d (%s): %v", i, id, err)
				}
			}
		}(w)
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	<-samplerDone
	t.Logf("%d lifecycles (%d of them concurrent-command bursts), %d parallel: %s (%.1f/s), %d failed; long-running brig run: at most %d fds",
		n, bursts, loadParallel, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), failed.Load(), maxFds.Load())

	if maxFds.Load() == 0 {
		t.Errorf("could not sample the fds of the long-running `brig run`")
	} else if maxFds.Load() > maxBrigFds {
		t.Errorf("a long-running `brig run` held %d descriptors (more than %d)", maxFds.Load(), maxBrigFds)
	}
	if _, err := l.run(testutil.ExecOpts{}, "kill", watchID, "KILL"); err != nil {
		t.Errorf("kill the watched container: %v", err)
	}
	select {
	case res := <-watchDone:
		if res.ExitCode != 137 {
			t.Errorf("foreground run of the watched container: want exit 137 after SIGKILL: %s", res)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("foreground `brig run` did not return 20s after its container was killed")
	}

	// Nothing leaked: no state dir, cgroup, mount or process.
	if ents, _ := os.ReadDir(r.Root); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("state dirs left under %s: %v", r.Root, names)
	}
	var paths []string
	for _, b := range append(bundles, watchB) {
		paths = append(paths, b.Dir)
	}
	testutil.CheckNoLeaks(t, r.Root, loadIDPrefix, paths...)
	deadline := time.Now().Add(testutil.LeakGrace)
	var alive []int
	for {
		alive = alive[:0]
		for pid, st := range r.Pids() {
			if s, err := procStart(pid); err == nil && s == st && testutil.ProcessAlive(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(alive) > 0 {
		t.Errorf("container inits still alive: %v", alive)
	}
	// The host is shared (other suites mount things meanwhile): a grown
	// mount table is only logged; mounts of ours are CheckNoLeaks' job.
	if after := mountCount(t); after != mountsBefore {
		t.Logf("host mount table: %d entries before, %d after", mountsBefore, after)
	}
	_ = filepath.Join
}

func mountCount(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// procStart is field 22 of /proc/<pid>/stat.
func procStart(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("short stat")
	}
	var v uint64
	_, err = fmt.Sscan(f[19], &v)
	return v, err
}
