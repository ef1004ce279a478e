package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/brigrt/brig/tests/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var vethSeq atomic.Int32

// hostVeth makes a veth pair on the host with an address on the first end
// and returns the two names; the pair goes when the container's network
// namespace (which ends up holding one end) is gone, or at cleanup.
func hostVeth(t *testing.T, addr string) (string, string) {
	t.Helper()
	n := vethSeq.Add(1)
	a, b := fmt.Sprintf("btv%da", n), fmt.Sprintf("btv%db", n)
	if out, err := exec.Command("ip", "link", "add", a, "type", "veth", "peer", "name", b).CombinedOutput(); err != nil {
		t.Skipf("veth pairs unavailable here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", b).Run() })
	if out, err := exec.Command("ip", "addr", "add", addr, "dev", a).CombinedOutput(); err != nil {
		t.Fatalf("ip addr add: %v: %s", err, out)
	}
	return a, b
}

// TestSurfaceNetDevices: linux.netDevices moves a host interface into the
// container's network namespace under a new name, keeps its permanent
// global address and sets it up; a missing device is a clear error.
func TestSurfaceNetDevices(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, []surfaceCase{
		{
			name:   "move-rename-keep-address",
			script: `ip addr show ctr9`,
			setup: func(t *testing.T, b *testutil.Bundle, _ surfaceVariant) []string {
				dev, _ := hostVeth(t, "10.77.0.5/24")
				b.Mutate(testutil.WithSpec(func(s *specs.Spec) {
					s.Linux.NetDevices = map[string]specs.LinuxNetDevice{dev: {Name: "ctr9"}}
				}))
				return nil
			},
			check: func(t *testing.T, out string, _ surfaceVariant) {
				if !strings.Contains(out, "inet 10.77.0.5/24") || !strings.Contains(out, ",UP") {
					t.Errorf("ctr9 in the container: %q, want the address and UP", out)
				}
			},
			brigOnly: "runc 1.1 has no linux.netDevices",
		},
		{
			name:     "missing-device",
			opts:     []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"nosuchdev9": {}} })},
			errs:     []string{`linux.netDevices["nosuchdev9"]`},
			brigOnly: "runc 1.1 has no linux.netDevices",
		},
	})
}

// TestSurfaceMemoryPolicy: linux.memoryPolicy is the process's NUMA policy
// (numa_maps shows it for every mapping).
func TestSurfaceMemoryPolicy(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, []surfaceCase{
		{
			name:   "bind-node0",
			opts:   []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"} })},
			script: `grep -c 'bind:0' /proc/self/numa_maps`,
			userns: true,
			check: func(t *testing.T, out string, _ surfaceVariant) {
				if strings.TrimSpace(out) == "0" || strings.TrimSpace(out) == "" {
					t.Errorf("no mapping with policy bind:0: %q", out)
				}
			},
			brigOnly: "runc 1.1 has no linux.memoryPolicy",
		},
		{
			name: "bad-node",
			opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
				s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1000"}
			})},
			errs:     []string{"linux.memoryPolicy"},
			brigOnly: "runc 1.1 has no linux.memoryPolicy",
		},
	})
}

// TestSurfaceLSMSkipped: on a host without AppArmor, process.apparmorProfile
// (and exec --apparmor) is skipped with a debug line in the runtime's log,
// and the container runs.
func TestSurfaceLSMSkipped(t *testing.T) {
	t.Parallel()
	testutil.BrigOnly(t, "runc and crun refuse a profile they cannot apply")
	if data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.HasPrefix(string(data), "Y") {
		t.Skip("AppArmor is enabled on this host: the profile would be applied (and must exist)")
	}
	r := testutil.NewRuntime(t)
	logFile := filepath.Join(t.TempDir(), "log.json")
	r.Global = append(r.Global, "--debug", "--log", logFile, "--log-format", "json")
	b := testutil.NewBundle(t, testutil.WithArgs("sleep", "30"), testutil.WithSpec(func(s *specs.Spec) {
		s.Process.ApparmorProfile = "brig-test-profile"
	}))
	id := r.NewID()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	r.MustRun("exec", "--apparmor", "brig-exec-profile", id, "true")
	r.MustRun("delete", "--force", id)
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`process.apparmorProfile \"brig-test-profile\": AppArmor is not enabled on this host; skipped`, `process.apparmorProfile \"brig-exec-profile\": AppArmor is not enabled on this host; skipped`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	r.CheckNoLeaks(id, b)
}
