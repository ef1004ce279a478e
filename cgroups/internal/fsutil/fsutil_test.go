package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseProcCgroup(t *testing.T) {
	in := "12:cpu,cpuacct:/a\n9:name=systemd:/s\n0::/u\n"
	got, err := ParseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cpu": "/a", "cpuacct": "/a", "name=systemd": "/s", "": "/u"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if _, err := ParseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Fatal("want error")
	}
}

func TestParseUint(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		err  bool
	}{{"12", 12, false}, {"max", ^uint64(0), false}, {"-1", 0, false}, {"x", 0, true}} {
		got, err := ParseUint(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%q: %d, %v", tt.in, got, err)
		}
	}
}

func TestParseKeyValues(t *testing.T) {
	got := ParseKeyValues("a 1\nb max\nbad\nc x\n")
	if !reflect.DeepEqual(got, map[string]uint64{"a": 1, "b": ^uint64(0)}) {
		t.Fatalf("got %v", got)
	}
}

func TestWriteErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	err := Write(dir, "memory.max", "1")
	if err == nil || err.Error() != "open memory.max: no such file or directory" || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, "f", "v"); err != nil {
		t.Fatal(err)
	}
	if s, _ := Read(dir, "f"); s != "v" {
		t.Fatalf("read %q", s)
	}
}

func TestMkdirAllRemoveCreated(t *testing.T) {
	base := t.TempDir()
	if err := os.Mkdir(filepath.Join(base, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	created, err := MkdirAll(filepath.Join(base, "a/b/c"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(base, "a/b"), filepath.Join(base, "a/b/c")}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created %v", created)
	}
	RemoveCreated(created)
	if _, err := os.Stat(filepath.Join(base, "a/b")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a/b not removed")
	}
	if _, err := os.Stat(filepath.Join(base, "a")); err != nil {
		t.Fatal("a must stay")
	}
}

func TestRemoveTreeMissingIsFine(t *testing.T) {
	if err := RemoveTree(filepath.Join(t.TempDir(), "nope"), 0); err != nil {
		t.Fatal(err)
	}
	if pids, err := ReadProcsRecursive(filepath.Join(t.TempDir(), "nope")); err != nil || len(pids) != 0 {
		t.Fatalf("%v %v", pids, err)
	}
}

func TestSignalAllIgnoresGone(t *testing.T) {
	// pid 2^22+1 is above pid_max's limit: ESRCH, which is ignored.
	if err := SignalAll([]int{1<<22 + 1}, unix.Signal(0)); err != nil {
		t.Fatal(err)
	}
}
