package security

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// Crash safety: `create` killed with SIGKILL at any point must leave
// nothing that `delete --force` cannot remove, and `state`/`list` must
// keep working meanwhile.

// procsWithCwdUnder lists processes whose working directory is dir or
// below: every process brig starts (its init before pivot_root, hooks)
// inherits brig's working directory, which the test makes unique.
func procsWithCwdUnder(dir string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if _, err := fmt.Sscan(e.Name(), new(int)); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && (cwd == dir || strings.HasPrefix(cwd, dir+"/")) {
			comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
			out = append(out, fmt.Sprintf("pid %s (%s) cwd %s", e.Name(), strings.TrimSpace(string(comm)), cwd))
		}
	}
	return out
}

// statePid reads the init pid recorded in state.json, if any.
func statePid(root, id string) int {
	data, err := os.ReadFile(filepath.Join(root, id, "state.json"))
	if err != nil {
		return 0
	}
	var s struct {
		Pid int `json:"pid"`
	}
	_ = json.Unmarshal(data, &s)
	return s.Pid
}

// TestCreateKilled kills `brig create` after a random delay (0-60 ms;
// a createRuntime hook sleeping 20 ms keeps the init alive in the middle
// of create), ~30 times. After each kill: state and list answer, delete
// --force succeeds, and no state dir, cgroup, mount or process is left.
func TestCreateKilled(t *testing.T) {
	t.Parallel()
	const attempts = 30
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "600"), testutil.WithSpec(func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "0.02"}}}}
	}))
	outcomes := map[string]int{}
	for i := 0; i < attempts; i++ {
		id := r.NewID()
		r.Track(id)
		cwd := filepath.Join(b.Dir, fmt.Sprintf("cwd-%d", i))
		if err := os.Mkdir(cwd, 0o755); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rand.IntN(60000)) * time.Microsecond
		res := r.Exec(testutil.ExecOpts{Dir: cwd, Started: func(pid int) {
			time.AfterFunc(delay, func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		}}, "create", "--bundle", b.Dir, id)
		if res.Err != nil && res.ExitCode != -1 {
			t.Errorf("attempt %d: create: %s", i, res)
		}
		outcome := "killed"
		if res.OK() {
			outcome = "completed"
		}
		if pid := statePid(r.Root, id); pid > 0 {
			r.RememberPid(pid)
		}
		st, sres := r.State(id)
		switch {
		case st != nil:
			outcome += "/" + string(st.Status)
		case sres.Err != nil:
			t.Errorf("attempt %d (killed after %s): state did not answer: %s", i, delay, sres)
		default:
			outcome += "/no-state"
		}
		outcomes[outcome]++
		if lres := r.Run("list"); !lres.OK() {
			t.Errorf("attempt %d (killed after %s): list: %s", i, delay, lres)
		}
		if dres := r.Run("delete", "--force", id); !dres.OK() {
			t.Errorf("attempt %d (killed after %s, %s): delete --force: %s", i, delay, outcome, dres)
		}
		if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
			ents, _ := os.ReadDir(filepath.Join(r.Root, id))
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("attempt %d (killed after %s, %s): state dir %s survives delete --force (holds %v)", i, delay, outcome, filepath.Join(r.Root, id), names)
		}
		r.CheckNoLeaks(id, b)
		deadline := time.Now().Add(testutil.LeakGrace)
		for len(procsWithCwdUnder(cwd)) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		for _, p := range procsWithCwdUnder(cwd) {
			t.Errorf("attempt %d (killed after %s, %s): process left: %s", i, delay, outcome, p)
		}
	}
	t.Logf("outcomes: %v", outcomes)
	if res := r.Run("list", "-q"); !res.OK() || strings.TrimSpace(res.Stdout) != "" {
		t.Errorf("list after the crashes: %s", res)
	}
}

// TestCrashLeftovers recreates, deterministically, what a create killed
// in its first microseconds leaves (the window is too small to hit by
// timing): a state dir that is empty, or holds only the lock, or the lock
// and an unrenamed state file, or a state.json of a create whose init is
// dead. list and state must answer, delete --force must remove the dir,
// and the id must be usable again.
func TestCrashLeftovers(t *testing.T) {
	t.Parallel()
	dead := deadPid(t)
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"empty-dir", nil},
		{"lock-only", map[string]string{"lock": ""}},
		{"lock-and-temp-state", map[string]string{"lock": "", ".state.json.123456": `{"id":"x"`}},
		{"creating-dead-init", map[string]string{"lock": "", "state.json": fmt.Sprintf(`{"id":"%%s","bundle":"/nonexistent","rootfs":"/nonexistent/rootfs","pid":%d,"pidStartTime":1,"created":"2024-01-01T00:00:00Z","owner":"root","creating":true}`, dead)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			id := r.NewID()
			dir := filepath.Join(r.Root, id)
			if err := os.MkdirAll(dir, 0o711); err != nil {
				t.Fatal(err)
			}
			for name, content := range tc.files {
				if strings.Contains(content, "%s") {
					content = fmt.Sprintf(content, id)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if res := r.Run("list"); !res.OK() {
				t.Errorf("list: %s", res)
			}
			if _, res := r.State(id); res.Err != nil && res.ExitCode == -1 {
				t.Errorf("state did not answer: %s", res)
			}
			if res := r.Run("delete", "--force", id); !res.OK() {
				t.Errorf("delete --force: %s", res)
			}
			if _, err := os.Lstat(dir); err == nil {
				t.Errorf("state dir %s survives delete --force", dir)
			}
			b := testutil.NewBundle(t, testutil.WithArgs("true"))
			res := r.Create(b, id)
			if !res.OK() {
				t.Errorf("create with the id of the crashed create: %s", res)
			}
			deleteAndCheck(t, r, id, b)
		})
	}
}

// deadPid returns the pid of a process that has exited (and been reaped).
func deadPid(t *testing.T) int {
	t.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.Wait()
	return p.Pid
}
