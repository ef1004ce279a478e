package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes as config.json to Load. Properties: no
// panic; an error is one non-empty line starting with "config.json: ";
// a loaded spec survives a marshal/Load round trip.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(exampleJSON(f)))
	rootless := Example()
	ToRootless(rootless)
	if b, err := json.Marshal(rootless); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/containerd-like.json"); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/runc-spec.json"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"ociVersion":"1.0.0"}`,
		`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"}}`,
		`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/","user":{"uid":"0"}}}`,
		`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"mounts":[{"destination":"x","options":["rsync"]}]}`,
		"{\n\"ociVersion\": \"1.3.0\",\n}",
	} {
		f.Add([]byte(s))
	}

	bundle := newBundle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		writeConfig(t, bundle, string(data))
		s, err := Load(bundle)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, ConfigFile+": ") || len(msg) == len(ConfigFile)+2 {
				t.Fatalf("badly formed error %q", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("multi-line error %q", msg)
			}
			return
		}
		if s == nil {
			t.Fatal("nil spec without error")
		}
		for _, m := range s.Mounts {
			if !filepath.IsAbs(m.Destination) {
				t.Fatalf("relative destination %q after Load", m.Destination)
			}
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal loaded spec: %v", err)
		}
		writeConfig(t, bundle, string(again))
		if _, err := Load(bundle); err != nil {
			t.Fatalf("round trip failed: %v\n%s", err, again)
		}
	})
}
