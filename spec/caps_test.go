package spec

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestCapabilityTable(t *testing.T) {
	// Spot-check numbers against the kernel ABI as x/sys knows it.
	tests := map[string]int{
		"CAP_CHOWN":              unix.CAP_CHOWN,
		"CAP_KILL":               unix.CAP_KILL,
		"CAP_NET_BIND_SERVICE":   unix.CAP_NET_BIND_SERVICE,
		"CAP_SYS_ADMIN":          unix.CAP_SYS_ADMIN,
		"CAP_SYS_RESOURCE":       unix.CAP_SYS_RESOURCE,
		"CAP_AUDIT_WRITE":        unix.CAP_AUDIT_WRITE,
		"CAP_AUDIT_READ":         unix.CAP_AUDIT_READ,
		"CAP_PERFMON":            unix.CAP_PERFMON,
		"CAP_BPF":                unix.CAP_BPF,
		"CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
	}
	for name, want := range tests {
		got, ok := CapabilityValue(name)
		if !ok || got != want {
			t.Errorf("CapabilityValue(%s) = %d, %v; want %d", name, got, ok, want)
		}
		if n, ok := CapabilityName(want); !ok || n != name {
			t.Errorf("CapabilityName(%d) = %q, %v", want, n, ok)
		}
	}
	names := CapabilityNames()
	if len(names) != unix.CAP_LAST_CAP+1 {
		t.Errorf("%d names, x/sys CAP_LAST_CAP is %d", len(names), unix.CAP_LAST_CAP)
	}
	for i, n := range names {
		if v, ok := CapabilityValue(n); !ok || v != i {
			t.Errorf("round trip %s: %d %v", n, v, ok)
		}
	}
	for _, bad := range []string{"", "CAP_FOO", "cap_kill", "KILL"} {
		if _, ok := CapabilityValue(bad); ok {
			t.Errorf("CapabilityValue(%q) accepted", bad)
		}
	}
	if _, ok := CapabilityName(-1); ok {
		t.Error("CapabilityName(-1) accepted")
	}
	if _, ok := CapabilityName(len(names)); ok {
		t.Error("CapabilityName(len) accepted")
	}
	// Callers must not be able to corrupt the table.
	names[0] = "X"
	if CapabilityNames()[0] != "CAP_CHOWN" {
		t.Error("CapabilityNames returned the table itself")
	}
}

func TestKernelCapabilityNames(t *testing.T) {
	last, err := LastCap()
	if err != nil {
		t.Skipf("no cap_last_cap: %v", err)
	}
	names, err := KernelCapabilityNames()
	if err != nil {
		t.Fatal(err)
	}
	want := min(last+1, len(CapabilityNames()))
	if len(names) != want {
		t.Fatalf("%d names, want %d (cap_last_cap %d)", len(names), want, last)
	}
}

func TestRlimitResource(t *testing.T) {
	if r, ok := RlimitResource("RLIMIT_NOFILE"); !ok || r != unix.RLIMIT_NOFILE {
		t.Errorf("RLIMIT_NOFILE = %d, %v", r, ok)
	}
	if _, ok := RlimitResource("NOFILE"); ok {
		t.Error("NOFILE accepted")
	}
	if len(rlimits) != 16 {
		t.Errorf("%d rlimits, want 16", len(rlimits))
	}
}

func TestNamespaceTables(t *testing.T) {
	for _, ns := range NamespaceTypes() {
		if _, ok := NamespaceCloneFlag(ns); !ok {
			t.Errorf("no clone flag for %s", ns)
		}
		if _, ok := NamespaceProcName(ns); !ok {
			t.Errorf("no proc name for %s", ns)
		}
	}
	if n, _ := NamespaceProcName("network"); n != "net" {
		t.Errorf("network -> %q", n)
	}
	if f, _ := NamespaceCloneFlag("mount"); f != unix.CLONE_NEWNS {
		t.Errorf("mount -> %#x", f)
	}
	if _, ok := NamespaceCloneFlag("foo"); ok {
		t.Error("foo accepted")
	}
}
