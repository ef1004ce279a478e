package spec

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// testdata/runc-spec.json is `runc spec` (1.1.5) output updated to what
// runc 1.2+ writes (no ambient caps, /sys/devices/virtual/powercap
// masked) plus brig's differences: ociVersion 1.3.0, a cgroup namespace
// on every host, and the hostname "brig".
func TestExampleMatchesRunc(t *testing.T) {
	want, err := os.ReadFile("testdata/runc-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(Example())
	if err != nil {
		t.Fatal(err)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Fatalf("Example() differs from runc spec:\n got %s\nwant %s", got, want)
	}
}

func TestExampleIsFresh(t *testing.T) {
	a := Example()
	a.Process.Capabilities.Bounding[0] = "CAP_X"
	a.Mounts[0].Destination = "/x"
	b := Example()
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" {
		t.Fatal("Example shares capability slices")
	}
	if b.Mounts[0].Destination != "/proc" {
		t.Fatal("Example shares mounts")
	}
	if b.Version != specs.Version || b.Version != "1.3.0" {
		t.Fatalf("version %q", b.Version)
	}
}
