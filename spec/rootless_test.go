package spec

import (
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestToRootless(t *testing.T) {
	s := Example()
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{"uid=5", "mode=755", "gid=5"}})
	ToRootless(s)

	var types []specs.LinuxNamespaceType
	for _, ns := range s.Linux.Namespaces {
		types = append(types, ns.Type)
	}
	want := []specs.LinuxNamespaceType{"pid", "ipc", "uts", "mount", "cgroup", "user"}
	if !slices.Equal(types, want) {
		t.Errorf("namespaces %v, want %v", types, want)
	}
	if len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0] != (specs.LinuxIDMapping{HostID: uint32(os.Geteuid()), Size: 1}) {
		t.Errorf("uid mappings %+v", s.Linux.UIDMappings)
	}
	if len(s.Linux.GIDMappings) != 1 || s.Linux.GIDMappings[0] != (specs.LinuxIDMapping{HostID: uint32(os.Getegid()), Size: 1}) {
		t.Errorf("gid mappings %+v", s.Linux.GIDMappings)
	}
	if s.Linux.Resources != nil {
		t.Error("resources kept")
	}
	for _, m := range s.Mounts {
		switch m.Destination {
		case "/sys":
			if m.Type != "none" || m.Source != "/sys" || !slices.Equal(m.Options, []string{"rbind", "nosuid", "noexec", "nodev", "ro"}) {
				t.Errorf("/sys mount %+v", m)
			}
		case "/dev/pts":
			if !slices.Equal(m.Options, []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}) {
				t.Errorf("/dev/pts options %v", m.Options)
			}
		case "/x":
			if !slices.Equal(m.Options, []string{"mode=755"}) {
				t.Errorf("/x options %v", m.Options)
			}
		}
	}
	// The result must still be a valid config.
	if err := Validate(s, newBundle(t)); err != nil {
		t.Fatalf("rootless example invalid: %v", err)
	}
	// Idempotent.
	before := len(s.Linux.Namespaces)
	ToRootless(s)
	if len(s.Linux.Namespaces) != before {
		t.Error("second ToRootless changed namespaces")
	}
}

func TestToRootlessNoLinux(t *testing.T) {
	s := &specs.Spec{}
	ToRootless(s)
	if s.Linux == nil || len(s.Linux.Namespaces) != 1 {
		t.Fatalf("linux %+v", s.Linux)
	}
}
