package cgroups

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestHostNewLoad goes through the public API on the real host (root only):
// New -> Create -> Enter -> Paths (JSON round trip, as state.json) -> Load
// -> Stats -> Destroy.
func TestHostNewLoad(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	limit := int64(50)
	path := fmt.Sprintf("/brig-test-%d-api/ctr", os.Getpid())
	m, err := New(Config{ID: "ctr", CgroupsPath: path, Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	// the parent /brig-test-<pid>-api was created too; remove it at the end
	t.Cleanup(func() {
		for _, dir := range m.Paths() {
			_ = unix.Rmdir(strings.TrimSuffix(dir, "/ctr"))
		}
	})
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-waited })
	if err := m.Enter(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}

	b, err := json.Marshal(m.Paths())
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]string
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	t.Logf("state.json cgroup paths: %s", b)
	m2, err := Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m2.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 50 {
		t.Errorf("pids stats %+v", st.Pids)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	<-waited
	for _, dir := range m.Paths() {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still exists", dir)
		}
	}
}
