package spec

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go/features"
)

func TestFeatures(t *testing.T) {
	f := Features("1.2.3", nil)
	if f.OCIVersionMin != "1.0.0" || f.OCIVersionMax != "1.3.0" {
		t.Errorf("versions %q..%q", f.OCIVersionMin, f.OCIVersionMax)
	}
	if f.Annotations[VersionAnnotation] != "1.2.3" {
		t.Errorf("annotations %v", f.Annotations)
	}
	if len(f.Linux.Namespaces) != 8 {
		t.Errorf("namespaces %v", f.Linux.Namespaces)
	}
	if !slices.Contains(f.Hooks, "createRuntime") || len(f.Hooks) != 6 {
		t.Errorf("hooks %v", f.Hooks)
	}
	for _, o := range []string{"rro", "idmap", "ridmap", "rbind", "nosymfollow"} {
		if !slices.Contains(f.MountOptions, o) {
			t.Errorf("mount option %q missing", o)
		}
	}
	if _, err := LastCap(); err == nil && !slices.Contains(f.Linux.Capabilities, "CAP_SYS_ADMIN") {
		t.Errorf("capabilities %v", f.Linux.Capabilities)
	}
	if f.Linux.Seccomp != nil {
		t.Error("seccomp set without a filler")
	}
	if !*f.Linux.MountExtensions.IDMap.Enabled || *f.Linux.IntelRdt.Enabled {
		t.Error("idmap/intelRdt flags")
	}
	if !*f.Linux.Cgroup.V1 || !*f.Linux.Cgroup.V2 {
		t.Error("cgroup flags")
	}
	if _, err := json.Marshal(f); err != nil {
		t.Fatal(err)
	}
}

func TestFeaturesSeccompHook(t *testing.T) {
	f := Features("", func(s *features.Seccomp) {
		on := true
		s.Enabled = &on
		s.Actions = []string{"SCMP_ACT_ALLOW"}
	})
	if f.Linux.Seccomp == nil || !*f.Linux.Seccomp.Enabled || len(f.Linux.Seccomp.Actions) != 1 {
		t.Fatalf("seccomp %+v", f.Linux.Seccomp)
	}
	if f.Annotations != nil {
		t.Errorf("annotations %v without a version", f.Annotations)
	}
}
