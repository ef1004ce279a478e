package cgroups

import (
	"errors"
	"testing"
)

func TestInnerPath(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string
		wantErr error
	}{
		{"empty uses id (relative, like runc)", Config{ID: "web"}, "web", nil},
		{"absolute", Config{ID: "x", CgroupsPath: "/brig/web"}, "/brig/web", nil},
		{"absolute cleaned", Config{CgroupsPath: "/a/../b//c/"}, "/b/c", nil},
		{"relative", Config{CgroupsPath: "pods/web"}, "pods/web", nil},
		{"relative cannot escape", Config{CgroupsPath: "../../etc"}, "etc", nil},
		{"absolute cannot escape", Config{CgroupsPath: "/../../x"}, "/x", nil},
		{"systemd flag", Config{ID: "x", Systemd: true}, "", ErrSystemdNotSupported},
		{"systemd form", Config{CgroupsPath: "system.slice:brig:web"}, "", ErrSystemdNotSupported},
		{"colons in a plain path are fine", Config{CgroupsPath: "/a:b:c"}, "/a:b:c", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InnerPath(tt.cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []Config{{}, {CgroupsPath: "/"}, {CgroupsPath: ".."}} {
		if _, err := InnerPath(bad); err == nil {
			t.Errorf("%+v: want error", bad)
		}
	}
}

func TestNewSystemd(t *testing.T) {
	if _, err := New(Config{ID: "x", Systemd: true}); !errors.Is(err, ErrSystemdNotSupported) {
		t.Fatalf("err = %v", err)
	}
}

func TestModeString(t *testing.T) {
	m := Mode()
	if m.String() == "" || IsCgroup2UnifiedMode() != (m == Unified) {
		t.Fatalf("mode %v", m)
	}
	t.Logf("host cgroup mode: %v", m)
}
