package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// TestLifecycle: create -> created (pid alive, pid file) -> start -> running
// -> kill -> stopped -> delete, and nothing left behind.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"),
		testutil.WithAnnotation("org.brig.test", "lifecycle"))
	id := r.NewID()
	pidFile := filepath.Join(testutil.TempDir(t), "init.pid")

	r.MustCreate(b, id, "--pid-file", pidFile)
	st := r.MustState(id)
	if st.Status != specs.StateCreated {
		t.Fatalf("after create: status %q, want created", st.Status)
	}
	if st.ID != id {
		t.Errorf("state id %q, want %q", st.ID, id)
	}
	if st.Version == "" {
		t.Errorf("state ociVersion is empty")
	}
	if st.Bundle != b.Dir {
		t.Errorf("state bundle %q, want %q", st.Bundle, b.Dir)
	}
	if got := st.Annotations["org.brig.test"]; got != "lifecycle" {
		t.Errorf("state annotations %v, want org.brig.test=lifecycle", st.Annotations)
	}
	if !testutil.ProcessAlive(st.Pid) {
		t.Fatalf("created: init pid %d is not alive", st.Pid)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if p, err := strconv.Atoi(strings.TrimSpace(string(raw))); err != nil || p != st.Pid {
		t.Errorf("pid file %q, want %d", raw, st.Pid)
	}

	// create has returned: only the init remains, and nothing but it (no
	// lingering runtime helper) carries the id on its command line.
	if ps := testutil.ProcessesMentioning(id); len(ps) > 0 {
		t.Errorf("processes left behind by create: %v", ps)
	}
	// The init is in the container's cgroup from the start.
	cgs, err := testutil.ProcCgroups(st.Pid)
	if err != nil {
		t.Fatalf("init cgroups: %v", err)
	}
	if !slices.ContainsFunc(cgs, func(l string) bool { return strings.Contains(l, id) }) {
		t.Errorf("init (pid %d) is not in a cgroup named after %s:\n%s", st.Pid, id, strings.Join(cgs, "\n"))
	}

	r.MustRun("start", id)
	st = r.MustState(id)
	if st.Status != specs.StateRunning {
		t.Fatalf("after start: status %q, want running", st.Status)
	}
	if !testutil.ProcessAlive(st.Pid) {
		t.Fatalf("running: pid %d is not alive", st.Pid)
	}

	r.MustRun("kill", id, "KILL")
	r.WaitStatus(id, specs.StateStopped, 5*time.Second)
	r.MustRun("delete", id)
	if res := r.Run("state", id); res.OK() {
		t.Errorf("state after delete succeeded: %s", res)
	}
	r.CheckNoLeaks(id, b)
}

// TestCgroupsPath: linux.cgroupsPath places the container, and delete
// removes that cgroup.
func TestCgroupsPath(t *testing.T) {
	t.Parallel()
	r := testutil.NewRuntime(t)
	id := r.NewID()
	cgPath := "/brigtest/" + id + "-cg"
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"), testutil.WithCgroupsPath(cgPath))
	// Runtimes leave the parent "brigtest" cgroups; remove them once empty.
	t.Cleanup(func() { testutil.RemoveEmptyCgroups("brigtest") })
	r.MustCreate(b, id)
	st := r.MustState(id)
	cgs, err := testutil.ProcCgroups(st.Pid)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range cgs {
		if strings.HasSuffix(l, cgPath) {
			n++
		}
	}
	if n == 0 {
		t.Errorf("init is not in %s:\n%s", cgPath, strings.Join(cgs, "\n"))
	}
	r.MustRun("delete", "--force", id)
	r.CheckNoLeaks(id, b) // also finds a leftover <id>-cg directory
}
