package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// The cgroup command tests (update, pause, resume, events, ps) work on a
// hybrid/legacy cgroup v1 host and on a cgroup v2 host (tests/vm). What the
// container sees is read inside it: a probe loop dumps its own cgroup
// files, as mounted at /sys/fs/cgroup (one dir per hierarchy on v1, the
// container's cgroup2 dir on v2), into a host directory bound at /out.

// cgV2 reports a cgroup v2 (unified) host.
func cgV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// cgFile is a control file as the container sees it: Glob below
// /sys/fs/cgroup (v1 hierarchies may be named "cpu" or "cpu,cpuacct").
type cgFile struct{ v1, v2 string }

func (f cgFile) glob() string {
	if cgV2() {
		return f.v2
	}
	return f.v1
}

// key is the name the probe reports the file under: its base name.
func (f cgFile) key() string { return filepath.Base(f.glob()) }

var (
	cgMemLimit  = cgFile{"memory/memory.limit_in_bytes", "memory.max"}
	cgPidsMax   = cgFile{"pids/pids.max", "pids.max"}
	cgCPUQuota  = cgFile{"cpu*/cpu.cfs_quota_us", "cpu.max"}
	cgCPUPeriod = cgFile{"cpu*/cpu.cfs_period_us", "cpu.max"}
	cgCPUShares = cgFile{"cpu*/cpu.shares", "cpu.weight"}
	cgAllFiles  = []cgFile{cgMemLimit, cgPidsMax, cgCPUQuota, cgCPUPeriod, cgCPUShares}
)

// cgProbe is a started container running the probe loop.
type cgProbe struct {
	r   *testutil.Runtime
	b   *testutil.Bundle
	id  string
	out string // host dir bound at /out
	pid int
}

// probeScript writes /out/vals every ~20 ms: "counter=N" (the loop count,
// which stops moving while frozen) and "<file>=<content>" per file.
func probeScript(files []cgFile) string {
	var globs []string
	for _, f := range files {
		globs = append(globs, f.glob())
	}
	return `i=0
while :; do
	i=$((i+1))
	{
		echo "counter=$i"
		for g in ` + strings.Join(globs, " ") + `; do
			for f in /sys/fs/cgroup/$g; do
				[ -e "$f" ] && echo "${f##*/}=$(cat "$f")"
				break
			done
		done
	} >/out/.vals && mv /out/.vals /out/vals
	usleep 20000
done`
}

// startProbe creates and starts a probe container (opts may add resources).
func startProbe(t *testing.T, opts ...testutil.SpecOpt) *cgProbe {
	t.Helper()
	r := testutil.NewRuntime(t)
	out := testutil.TempDir(t)
	all := append([]testutil.SpecOpt{
		testutil.WithShell(probeScript(cgAllFiles)),
		testutil.WithBindMount(out, "/out", false),
	}, opts...)
	b := testutil.NewBundle(t, all...)
	if err := os.MkdirAll(filepath.Join(b.Rootfs, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &cgProbe{r: r, b: b, id: r.NewID(), out: out}
	r.MustCreate(b, p.id)
	r.MustRun("start", p.id)
	p.pid = r.MustState(p.id).Pid
	p.vals(t) // wait for the first dump
	return p
}

// vals returns the probe's latest dump, waiting up to 5 s for the first one.
func (p *cgProbe) vals(t *testing.T) map[string]string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(p.out, "vals"))
		if err == nil {
			m := map[string]string{}
			for _, l := range strings.Split(string(data), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					m[k] = v
				}
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("probe in %s wrote nothing to /out/vals after 5s: %v", p.id, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *cgProbe) counter(t *testing.T) int {
	t.Helper()
	n, err := strconv.Atoi(p.vals(t)["counter"])
	if err != nil {
		t.Fatalf("probe counter: %v", err)
	}
	return n
}

// waitVal waits until the container sees key=want; it returns the last value.
func (p *cgProbe) waitVal(t *testing.T, key, want string, timeout time.Duration) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := p.vals(t)[key]
		if got == want {
			return got, true
		}
		if time.Now().After(deadline) {
			return got, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cgWant is an expected value per cgroup version ("" = not checked there).
type cgWant struct {
	file   cgFile
	v1, v2 string
}

// updateStep is one `update` invocation: flags and optional stdin JSON
// (then --resources - is added).
type updateStep struct {
	args  []string
	stdin string
}

// TestUpdate: update changes the limits the container sees in its own
// cgroup files, from flags, from --resources - and both; later updates
// keep what earlier ones set (cpu.max on v2 needs quota and period).
func TestUpdate(t *testing.T) {
	t.Parallel()
	const unlimitedV1 = "9223372036854771712" // PAGE_COUNTER_MAX * 4096 on x86-64
	cases := []struct {
		name  string
		opts  []testutil.SpecOpt
		steps []updateStep
		want  []cgWant
	}{
		{
			name:  "memory-flag",
			steps: []updateStep{{args: []string{"--memory", "64m"}}},
			want:  []cgWant{{cgMemLimit, "67108864", "67108864"}},
		},
		{
			name:  "memory-bytes",
			steps: []updateStep{{args: []string{"--memory", "41943040"}}},
			want:  []cgWant{{cgMemLimit, "41943040", "41943040"}},
		},
		{
			name:  "memory-stdin",
			steps: []updateStep{{stdin: `{"memory": {"limit": 33554432}}`}},
			want:  []cgWant{{cgMemLimit, "33554432", "33554432"}},
		},
		{
			name:  "memory-unlimited",
			opts:  []testutil.SpecOpt{withMemoryLimit(64 << 20)},
			steps: []updateStep{{args: []string{"--memory", "-1"}}},
			want:  []cgWant{{cgMemLimit, unlimitedV1, "max"}},
		},
		{
			name:  "pids",
			steps: []updateStep{{args: []string{"--pids-limit", "42"}}},
			want:  []cgWant{{cgPidsMax, "42", "42"}},
		},
		{
			name:  "pids-stdin",
			steps: []updateStep{{stdin: `{"pids": {"limit": 77}}`}},
			want:  []cgWant{{cgPidsMax, "77", "77"}},
		},
		{
			name:  "cpu-quota-period",
			steps: []updateStep{{args: []string{"--cpu-quota", "25000", "--cpu-period", "100000"}}},
			want:  []cgWant{{cgCPUQuota, "25000", "25000 100000"}, {cgCPUPeriod, "100000", ""}},
		},
		{
			// The second update gives only the period: the quota set by
			// the first must stay.
			name: "cpu-quota-then-period",
			steps: []updateStep{
				{args: []string{"--cpu-quota", "30000"}},
				{args: []string{"--cpu-period", "60000"}},
			},
			want: []cgWant{{cgCPUQuota, "30000", "30000 60000"}, {cgCPUPeriod, "60000", ""}},
		},
		{
			name:  "cpu-shares",
			steps: []updateStep{{args: []string{"--cpu-share", "512"}}},
			// v2: cpu.weight = 1 + ((512-2)*9999)/262142
			want: []cgWant{{cgCPUShares, "512", "20"}},
		},
		{
			// Flags override the file.
			name:  "flags-override-file",
			steps: []updateStep{{args: []string{"--memory", "48M", "--pids-limit", "33"}, stdin: `{"memory": {"limit": 33554432}, "pids": {"limit": 99}}`}},
			want:  []cgWant{{cgMemLimit, "50331648", "50331648"}, {cgPidsMax, "33", "33"}},
		},
		{
			name:  "several",
			steps: []updateStep{{args: []string{"--memory", "100m", "--pids-limit", "64", "--cpu-quota", "50000"}}},
			want:  []cgWant{{cgMemLimit, "104857600", "104857600"}, {cgPidsMax, "64", "64"}, {cgCPUQuota, "50000", "50000 100000"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			brigOnlyFlagsOverride(t, tc.steps)
			p := startProbe(t, tc.opts...)
			for _, s := range tc.steps {
				args := append([]string{"update"}, s.args...)
				opts := testutil.ExecOpts{}
				if s.stdin != "" {
					args = append(args, "--resources", "-")
					opts.Stdin = strings.NewReader(s.stdin)
				}
				if res := p.r.Exec(opts, append(args, p.id)...); !res.OK() {
					t.Fatalf("update failed: %s", res)
				}
			}
			for _, w := range tc.want {
				want := w.v1
				if cgV2() {
					want = w.v2
				}
				if want == "" {
					continue
				}
				if got, ok := p.waitVal(t, w.file.key(), want, 3*time.Second); !ok {
					t.Errorf("inside the container %s = %q, want %q", w.file.glob(), got, want)
				}
			}
			if st := p.r.MustState(p.id); st.Status != specs.StateRunning {
				t.Errorf("after update: status %q, want running", st.Status)
			}
			p.r.MustRun("delete", "--force", p.id)
			p.r.CheckNoLeaks(p.id, p.b)
		})
	}
}

// brigOnlyFlagsOverride: runc ignores the flags when --resources is given.
func brigOnlyFlagsOverride(t *testing.T, steps []updateStep) {
	for _, s := range steps {
		if s.stdin != "" && len(s.args) > 0 {
			testutil.BrigOnly(t, "runc ignores flags given with --resources")
		}
	}
}

func withMemoryLimit(limit int64) testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit}
	})
}

// TestUpdateCreated: a created container can be updated before start, and
// the limit holds once it runs.
func TestUpdateCreated(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	out := testutil.TempDir(t)
	b := testutil.NewBundle(t, testutil.WithShell(probeScript(cgAllFiles)), testutil.WithBindMount(out, "/out", false))
	if err := os.MkdirAll(filepath.Join(b.Rootfs, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("update", "--pids-limit", "55", id)
	r.MustRun("start", id)
	p := &cgProbe{r: r, b: b, id: id, out: out}
	if got, ok := p.waitVal(t, cgPidsMax.key(), "55", 5*time.Second); !ok {
		t.Errorf("pids.max inside = %q, want 55", got)
	}
	r.MustRun("delete", "--force", id)
	r.CheckNoLeaks(id, b)
}

// TestPauseResume: pause freezes every process (the probe's counter stops
// moving) and state says paused; resume thaws them. A paused container can
// be updated, and deleted with --force.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	waitCounterMoves(t, p)

	p.r.MustRun("pause", p.id)
	if st := p.r.MustState(p.id); st.Status != statePaused {
		t.Fatalf("after pause: status %q, want paused", st.Status)
	}
	// A write in flight when the freezer hit may still land: settle first.
	time.Sleep(100 * time.Millisecond)
	c1 := p.counter(t)
	time.Sleep(400 * time.Millisecond)
	if c2 := p.counter(t); c2 != c1 {
		t.Errorf("paused container still runs: counter %d -> %d", c1, c2)
	}
	if !testutil.ProcessAlive(p.pid) {
		t.Fatalf("init %d died while paused", p.pid)
	}
	// The list shows the paused status too.
	if res := p.r.MustRun("list"); !strings.Contains(res.Stdout, "paused") {
		t.Errorf("list does not show paused:\n%s", res.Stdout)
	}
	p.r.MustRun("update", "--pids-limit", "50", p.id)

	p.r.MustRun("resume", p.id)
	if st := p.r.MustState(p.id); st.Status != specs.StateRunning {
		t.Fatalf("after resume: status %q, want running", st.Status)
	}
	waitCounterMoves(t, p)
	if got, ok := p.waitVal(t, cgPidsMax.key(), "50", 3*time.Second); !ok {
		t.Errorf("pids.max after update while paused = %q, want 50", got)
	}

	// Pause again and force-delete the paused container.
	p.r.MustRun("pause", p.id)
	p.r.MustRun("delete", "--force", p.id)
	p.r.CheckNoLeaks(p.id, p.b)
}

// TestExecPaused: exec into a paused container is refused with the state
// named; with --ignore-paused the process joins the frozen cgroup, waits,
// and completes once the container is resumed (resume must not be blocked
// by the pending exec). A plain exec into the running container lands in
// its cgroups.
func TestExecPaused(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	p.r.MustRun("pause", p.id)
	res := p.r.Run("exec", p.id, "true")
	if res.OK() || !strings.Contains(res.LastStderrLine(), "paused") {
		t.Errorf("exec into a paused container: want an error naming the state: %s", res)
	}
	before := len(cgPids(t, p))
	pidFile := filepath.Join(testutil.TempDir(t), "exec.pid")
	done := make(chan testutil.Result, 1)
	go func() {
		done <- p.r.Exec(testutil.ExecOpts{Timeout: 30 * time.Second}, "exec", "--ignore-paused", "-d", "--pid-file", pidFile, p.id, "true")
	}()
	// Resume only once the exec'd process sits frozen in the cgroup.
	deadline := time.Now().Add(15 * time.Second)
	for len(cgPids(t, p)) <= before {
		select {
		case r := <-done:
			t.Fatalf("exec --ignore-paused finished while the container is frozen: %s", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the exec'd process never joined the paused container's cgroup")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.r.MustRun("resume", p.id)
	select {
	case r := <-done:
		if !r.OK() {
			t.Fatalf("exec --ignore-paused after resume: %s", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("exec --ignore-paused still blocked 20s after resume")
	}

	// A detached exec is born in (or moved into) the container's cgroups.
	pidFile2 := filepath.Join(testutil.TempDir(t), "exec2.pid")
	p.r.MustRun("exec", "-d", "--pid-file", pidFile2, p.id, "sleep", "5")
	data, err := os.ReadFile(pidFile2)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	want, err := testutil.ProcCgroups(p.pid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := testutil.ProcCgroups(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("exec'd process cgroups %q, init's %q", got, want)
	}
	p.r.MustRun("delete", "--force", p.id)
	p.r.CheckNoLeaks(p.id, p.b)
}

// cgPids is `ps --format json`: the pids in the container's cgroup.
func cgPids(t *testing.T, p *cgProbe) []int { return psPids(t, p.r, p.id) }

func psPids(t *testing.T, r *testutil.Runtime, id string) []int {
	t.Helper()
	res := r.MustRun("ps", "--format", "json", id)
	var pids []int
	if err := json.Unmarshal([]byte(res.Stdout), &pids); err != nil {
		t.Fatalf("ps --format json: %v: %q", err, res.Stdout)
	}
	return pids
}

// TestExecDuringPause: detached execs (their process is born in the
// container's cgroups) race pause and resume. `pause` must wait for an exec
// whose process has not reported yet, so no exec may hang in a paused
// container: an exec that started before a pause completed either finished
// before the pause took effect or failed naming the paused state; one that
// succeeded only after the next resume was frozen half-way.
func TestExecDuringPause(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	type span struct {
		start, end time.Time
		ok         bool
		res        testutil.Result
	}
	var (
		mu      sync.Mutex
		execs   []span
		pauses  [][2]time.Time // pause returned, resume started
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		cmdOpts = testutil.ExecOpts{Timeout: 20 * time.Second}
	)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := span{start: time.Now()}
				s.res = p.r.Exec(cmdOpts, "exec", "-d", p.id, "true")
				s.end, s.ok = time.Now(), s.res.OK()
				mu.Lock()
				execs = append(execs, s)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < 10; i++ {
		p.r.MustRun("pause", p.id)
		paused := time.Now()
		time.Sleep(100 * time.Millisecond)
		resume := time.Now()
		p.r.MustRun("resume", p.id)
		pauses = append(pauses, [2]time.Time{paused, resume})
		time.Sleep(30 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for _, e := range execs {
		if e.res.Err != nil || (!e.ok && !strings.Contains(e.res.LastStderrLine(), "paused")) {
			t.Errorf("exec: %s", e.res)
			continue
		}
		for _, pr := range pauses {
			if e.ok && e.start.Before(pr[0]) && e.end.After(pr[1]) {
				t.Errorf("an exec started before a pause completed and succeeded only after the resume: frozen half-way (%s)", e.res)
			}
		}
	}
	t.Logf("%d execs across %d pause/resume rounds", len(execs), len(pauses))
	if st := p.r.MustState(p.id); st.Status != specs.StateRunning {
		t.Errorf("after the rounds: status %q, want running", st.Status)
	}
	waitCounterMoves(t, p)
	p.r.MustRun("delete", "--force", p.id)
	p.r.CheckNoLeaks(p.id, p.b)
}

// TestExecAtPidsLimit: a container at its pids limit still takes an exec
// (the process is moved in once ready: the kernel checks pids.max when a
// task is created in a cgroup, not when one is moved), as with runc.
func TestExecAtPidsLimit(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithShell("sleep 300 & sleep 300 & wait"),
		testutil.WithSpec(func(s *specs.Spec) {
			limit := int64(3)
			s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
		}))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := psPids(t, r, id)
		if len(pids) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container never reached its 3 tasks: %v", pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := r.Run("exec", id, "echo", "at-limit")
	if !res.OK() || strings.TrimSpace(res.Stdout) != "at-limit" {
		t.Errorf("exec into a container at its pids limit: %s", res)
	}
	r.MustRun("delete", "--force", id)
	r.CheckNoLeaks(id, b)
}

// TestExecFromPoststartHook: a poststart hook may exec into its own
// container while `start` is still running (and holds the container's
// lock).
func TestExecFromPoststartHook(t *testing.T) {
	t.Parallel()
	testutil.BrigOnly(t, "the hook calls this runtime's binary with brig's flags")
	r := testutil.NewRuntime(t)
	out := testutil.TempDir(t)
	id := r.NewID()
	bin := testutil.Binary(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "300"),
		testutil.WithSpec(func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{
				Path: "/bin/sh",
				Args: []string{"sh", "-c", `"$0" --root "$1" exec "$2" echo from-hook >"$3"/hook.out 2>&1`,
					bin, r.Root, id, out},
				Timeout: intPtr(20),
			}}}
		}))
	r.MustCreate(b, id)
	res := r.Exec(testutil.ExecOpts{Timeout: 30 * time.Second}, "start", id)
	if !res.OK() {
		t.Fatalf("start with a poststart hook that execs: %s", res)
	}
	data, _ := os.ReadFile(filepath.Join(out, "hook.out"))
	if strings.TrimSpace(string(data)) != "from-hook" {
		t.Errorf("the hook's exec printed %q, want from-hook", data)
	}
	r.MustRun("delete", "--force", id)
	r.CheckNoLeaks(id, b)
}

func intPtr(v int) *int { return &v }

// TestPauseResumeRepeated: several pause/resume rounds in a row.
func TestPauseResumeRepeated(t *testing.T) {
	t.Parallel()
	p := startProbe(t)
	for i := 0; i < 5; i++ {
		p.r.MustRun("pause", p.id)
		if st := p.r.MustState(p.id); st.Status != statePaused {
			t.Fatalf("round %d: status %q after pause", i, st.Status)
		}
		p.r.MustRun("resume", p.id)
		if st := p.r.MustState(p.id); st.Status != specs.StateRunning {
			t.Fatalf("round %d: status %q after resume", i, st.Status)
		}
	}
	waitCounterMoves(t, p)
	p.r.MustRun("kill", p.id, "KILL")
	p.r.WaitStatus(p.id, specs.StateStopped, 5*time.Second)
	p.r.MustRun("delete", p.id)
	p.r.CheckNoLeaks(p.id, p.b)
}

func waitCounterMoves(t *testing.T, p *cgProbe) {
	t.Helper()
	c1 := p.counter(t)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(30 * time.Millisecond)
		if p.counter(t) != c1 {
			return
		}
	}
	t.Fatalf("probe counter stuck at %d: the container does not run", c1)
}

// statsEvent is the JSON of `events --stats` (runc's shape).
type statsEvent struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data *struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"`
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Usage uint64 `json:"usage"`
				Limit uint64 `json:"limit"`
			} `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
			Limit   uint64 `json:"limit"`
		} `json:"pids"`
	} `json:"data"`
}

// TestEventsStats: one JSON stats event with cpu, memory and pids filled,
// reflecting the limits.
func TestEventsStats(t *testing.T) {
	t.Parallel()
	p := startProbe(t, withMemoryLimit(96<<20), testutil.WithSpec(func(s *specs.Spec) {
		lim := int64(100)
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &lim}
	}))
	res := p.r.MustRun("events", "--stats", p.id)
	lines := testutil.ReadLines(res.Stdout)
	if len(lines) != 1 {
		t.Fatalf("events --stats printed %d lines, want 1:\n%s", len(lines), res.Stdout)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[0]), &raw); err != nil {
		t.Fatalf("events --stats output is not JSON: %v\n%s", err, lines[0])
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(raw["data"], &data); err != nil {
		t.Fatalf("data is not an object: %v\n%s", err, lines[0])
	}
	for _, k := range []string{"cpu", "memory", "pids", "blkio"} {
		if _, ok := data[k]; !ok {
			t.Errorf("data has no %q key: %s", k, lines[0])
		}
	}
	var ev statsEvent
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "stats" || ev.ID != p.id || ev.Data == nil {
		t.Fatalf("event type=%q id=%q data=%v, want stats/%s/non-nil", ev.Type, ev.ID, ev.Data, p.id)
	}
	d := ev.Data
	if d.Pids.Current < 1 {
		t.Errorf("pids.current = %d, want >= 1", d.Pids.Current)
	}
	if d.Pids.Limit != 100 {
		t.Errorf("pids.limit = %d, want 100", d.Pids.Limit)
	}
	if d.Memory.Usage.Usage == 0 {
		t.Errorf("memory.usage.usage = 0")
	}
	if d.Memory.Usage.Limit != 96<<20 {
		t.Errorf("memory.usage.limit = %d, want %d", d.Memory.Usage.Limit, 96<<20)
	}
	if d.CPU.Usage.Total == 0 {
		t.Errorf("cpu.usage.total = 0")
	}
	p.r.MustRun("delete", "--force", p.id)
}

// eventsStream runs `events` with args until it exits or ctx ends,
// calling onLine for every line (from another goroutine).
type eventsStream struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

func startEvents(t *testing.T, ctx context.Context, r *testutil.Runtime, args ...string) *eventsStream {
	t.Helper()
	full := append([]string{"--root", r.Root, "events"}, args...)
	cmd := exec.CommandContext(ctx, r.Bin, full...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &eventsStream{cmd: cmd, lines: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return s
}

// next returns the next event's type, or "" once the stream has ended.
func (s *eventsStream) next(t *testing.T, timeout time.Duration) (string, map[string]any) {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			return "", nil
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("events line is not JSON: %v\n%s", err, l)
		}
		typ, _ := m["type"].(string)
		return typ, m
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return "", nil
}

// TestEventsStream: stats every interval until the container stops, then
// (brig) the command exits 0 by itself.
func TestEventsStream(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "1"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s := startEvents(t, ctx, r, "--interval", "100ms", id)
	stats := 0
	for {
		typ, m := s.next(t, 10*time.Second)
		if typ == "" {
			break
		}
		if typ != "stats" {
			t.Errorf("unexpected event %v", m)
			continue
		}
		if m["id"] != id {
			t.Errorf("event id %v, want %s", m["id"], id)
		}
		stats++
		if !testutil.IsBrig(t) && stats >= 3 {
			break // runc's events never ends by itself
		}
	}
	if stats < 3 {
		t.Errorf("got %d stats events in ~1 s at a 100ms interval, want >= 3", stats)
	}
	if testutil.IsBrig(t) {
		if err := <-s.done; err != nil {
			t.Errorf("events did not exit cleanly after the container stopped: %v", err)
		}
	}
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestEventsOOM: a process that exhausts the memory limit is OOM-killed
// and events reports {"type":"oom"}.
func TestEventsOOM(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	const limit = 16 << 20
	b := testutil.NewBundle(t,
		// tail buffers an endless line; the shell (pid 1) survives it.
		testutil.WithShell("sleep 0.3; tail /dev/zero; sleep 0.5"),
		testutil.WithSpec(func(s *specs.Spec) {
			l := int64(limit)
			mem := &specs.LinuxMemory{Limit: &l}
			// No swap, or the hog swaps instead of dying.
			if cgV2() || fileExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") {
				mem.Swap = &l
			}
			if s.Linux.Resources == nil {
				s.Linux.Resources = &specs.LinuxResources{}
			}
			s.Linux.Resources.Memory = mem
		}))
	id := r.NewID()
	r.MustCreate(b, id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startEvents(t, ctx, r, "--interval", "100ms", id)
	// The first stats event means the OOM watch is in place.
	if typ, m := s.next(t, 10*time.Second); typ != "stats" {
		t.Fatalf("first event %v, want stats", m)
	}
	r.MustRun("start", id)
	sawOOM := false
	for !sawOOM {
		typ, m := s.next(t, 15*time.Second)
		switch typ {
		case "":
			t.Fatalf("events ended without an oom event")
		case "oom":
			sawOOM = true
			if m["id"] != id {
				t.Errorf("oom event id %v, want %s", m["id"], id)
			}
		}
	}
	r.WaitStatus(id, specs.StateStopped, 10*time.Second)
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestPs: --format json lists the host pids (the init among them); the
// table keeps ps's header and the container's rows; ps options after the
// id go to ps.
func TestPs(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithShell("sleep 100 & sleep 101 & wait"))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	init := r.MustState(id).Pid

	var pids []int
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids = psPids(t, r, id)
		if len(pids) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !slices.Contains(pids, init) {
		t.Errorf("ps json %v does not list the init pid %d", pids, init)
	}
	if len(pids) != 3 {
		t.Errorf("ps json %v: want 3 processes (sh and two sleeps)", pids)
	}

	res := r.MustRun("ps", id)
	lines := testutil.ReadLines(res.Stdout)
	if len(lines) != 4 || !strings.Contains(lines[0], "PID") {
		t.Fatalf("ps table: want a header and 3 rows:\n%s", res.Stdout)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "sleep") && !strings.Contains(l, "sh") {
			t.Errorf("ps table row is not the container's: %q", l)
		}
	}

	res = r.MustRun("ps", id, "-o", "pid,comm")
	lines = testutil.ReadLines(res.Stdout)
	if len(lines) != 4 || strings.Fields(lines[0])[0] != "PID" {
		t.Fatalf("ps -o pid,comm: want a header and 3 rows:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stdout, fmt.Sprintf("%d sh", init)) && !strings.Contains(res.Stdout, fmt.Sprintf("%d ", init)) {
		t.Errorf("ps -o pid,comm does not show the init %d:\n%s", init, res.Stdout)
	}

	r.MustRun("kill", id, "KILL")
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	// A stopped container has no processes.
	if res := r.Run("ps", "--format", "json", id); res.OK() {
		var after []int
		if err := json.Unmarshal([]byte(res.Stdout), &after); err != nil || len(after) != 0 {
			t.Errorf("ps json of a stopped container: %q, want []", res.Stdout)
		}
	}
	r.MustRun("delete", id)
	r.CheckNoLeaks(id, b)
}

// TestCgroupCommandErrors: commands in the wrong state fail, the last
// stderr line naming the state, and the container is left as it was.
func TestCgroupCommandErrors(t *testing.T) {
	t.Parallel()
	created := func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) {
		r.MustCreate(b, id)
	}
	running := func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) {
		r.MustCreate(b, id)
		r.MustRun("start", id)
	}
	stopped := func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) {
		running(t, r, b, id)
		r.MustRun("kill", id, "KILL")
		r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	}
	none := func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) {}
	cases := []struct {
		name  string
		setup func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string)
		args  []string // the id is appended
		cause []string
		// otherCause: runc's wording; nil: cause applies to every runtime.
		otherCause []string
		brigOnly   string
		// after: the status the container must still have ("" = none).
		after specs.ContainerState
	}{
		{name: "pause-created", setup: created, args: []string{"pause"}, cause: []string{"created"}, brigOnly: "runc pauses created containers", after: specs.StateCreated},
		{name: "pause-stopped", setup: stopped, args: []string{"pause"}, cause: []string{"stopped"}, otherCause: []string{"not running"}, after: specs.StateStopped},
		{name: "resume-running", setup: running, args: []string{"resume"}, cause: []string{"running"}, otherCause: []string{"not paused"}, after: specs.StateRunning},
		{name: "resume-created", setup: created, args: []string{"resume"}, cause: []string{"created"}, otherCause: []string{"not paused"}, after: specs.StateCreated},
		{name: "update-stopped", setup: stopped, args: []string{"update", "--memory", "64m"}, cause: []string{"stopped"}, otherCause: []string{"not running"}, after: specs.StateStopped},
		{name: "events-stats-stopped", setup: stopped, args: []string{"events", "--stats"}, cause: []string{"stopped"}, otherCause: []string{"not running"}, after: specs.StateStopped},
		{name: "events-stopped", setup: stopped, args: []string{"events"}, cause: []string{"stopped"}, otherCause: []string{"not running"}, after: specs.StateStopped},
		{name: "update-bad-size", setup: running, args: []string{"update", "--memory", "12x"}, cause: []string{"--memory", "12x"}, otherCause: []string{"memory"}, after: specs.StateRunning},
		{name: "update-bad-json", setup: running, args: []string{"update", "--resources", "/no/such/file.json"}, cause: []string{"/no/such/file.json"}, after: specs.StateRunning},
		{name: "ps-bad-format", setup: running, args: []string{"ps", "--format", "xml"}, cause: []string{"xml"}, otherCause: []string{"format"}, after: specs.StateRunning},
		{name: "pause-unknown", setup: none, args: []string{"pause"}, cause: []string{"not exist", "no such", "not found"}},
		{name: "resume-unknown", setup: none, args: []string{"resume"}, cause: []string{"not exist", "no such", "not found"}},
		{name: "update-unknown", setup: none, args: []string{"update", "--memory", "64m"}, cause: []string{"not exist", "no such", "not found"}},
		{name: "ps-unknown", setup: none, args: []string{"ps"}, cause: []string{"not exist", "no such", "not found"}},
		{name: "events-unknown", setup: none, args: []string{"events", "--stats"}, cause: []string{"not exist", "no such", "not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.brigOnly != "" {
				testutil.BrigOnly(t, tc.brigOnly)
			}
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
			id := r.NewID()
			r.Track(id)
			tc.setup(t, r, b, id)
			res := r.Run(append(tc.args, id)...)
			if res.OK() {
				t.Fatalf("succeeded, want an error: %s", res)
			}
			causes := tc.cause
			if tc.otherCause != nil && !testutil.IsBrig(t) {
				causes = tc.otherCause
			}
			last := strings.ToLower(res.LastStderrLine())
			if !slices.ContainsFunc(causes, func(c string) bool { return strings.Contains(last, strings.ToLower(c)) }) {
				t.Errorf("last stderr line %q names none of %q: %s", res.LastStderrLine(), causes, res)
			}
			if tc.after != "" {
				if st := r.MustState(id); st.Status != tc.after {
					t.Errorf("after the failed command: status %q, want %q", st.Status, tc.after)
				}
			}
			if tc.setup != nil {
				r.Run("delete", "--force", id)
				r.CheckNoLeaks(id, b)
			}
		})
	}
}

// statePaused is runc's extra status (not in the runtime-spec).
const statePaused specs.ContainerState = "paused"
