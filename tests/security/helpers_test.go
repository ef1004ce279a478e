package security

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brigrt/brig/tests/testutil"
)

// allCaps is every capability that matters for these attacks (the host's
// bounding set lacks CAP_SYS_RESOURCE): only the runtime's own defences,
// not a missing capability, stand between such a container and the host.
var allCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
	"CAP_CHECKPOINT_RESTORE",
}

// privateRuntime is a runtime whose binary is a copy private to the test:
// the CVE-2019-5736 tests try to overwrite it.
func privateRuntime(t *testing.T) (r *testutil.Runtime, bin string, sum [32]byte) {
	t.Helper()
	r = testutil.NewRuntime(t)
	bin = filepath.Join(testutil.TempDir(t), "brig-private")
	if err := copyFile(r.Bin, bin); err != nil {
		t.Fatal(err)
	}
	r.Bin = bin
	return r, bin, hashFile(t, bin)
}

func hashFile(t testing.TB, p string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return sha256.Sum256(data)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// canary is a host directory outside every rootfs that attacks aim at
// (symlinks in images point to it). Check fails the test if anything in it
// changed, if something was created at one of the paths that must never
// exist, or if anything is mounted on or below it in the host's mount
// namespace.
type canary struct {
	Dir    string   // exists, holds a marker file
	Absent []string // must never be created
	before map[string]string
}

// It lives in os.TempDir() (/tmp), not under testutil.TempBase() (often
// /dev/shm): inside a container /dev is a tmpfs, and the canary's path
// must be one the image can mirror (see mirror).
func newCanary(t testing.TB) *canary {
	t.Helper()
	parent, err := os.MkdirTemp("", "brig-security-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(parent); err != nil {
			t.Errorf("remove canary: %v", err)
		}
	})
	dir := filepath.Join(parent, "canary-"+randHex(4))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "host-secret"), []byte("host data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &canary{Dir: dir}
	c.before = snapshot(t, dir)
	return c
}

// AbsentPath returns a path (below a directory that does not exist either)
// that must never be created.
func (c *canary) AbsentPath(name string) string {
	p := filepath.Join(filepath.Dir(c.Dir), "never-"+randHex(4), name)
	c.Absent = append(c.Absent, p, filepath.Dir(p))
	return p
}

// Mirror creates the canary's path inside rootfs (an "image copy" of the
// directory and of the marker file), so that symlinks to the canary
// resolve inside the rootfs when the runtime scopes them to it.
func (c *canary) Mirror(t testing.TB, rootfs string) {
	t.Helper()
	d := filepath.Join(rootfs, c.Dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "host-secret"), []byte("image copy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// File returns the path of the marker file.
func (c *canary) File() string { return filepath.Join(c.Dir, "host-secret") }

func (c *canary) Check(t testing.TB) {
	t.Helper()
	after := snapshot(t, c.Dir)
	for _, d := range diffSnapshots(c.before, after) {
		t.Errorf("host canary %s changed: %s", c.Dir, d)
	}
	for _, p := range c.Absent {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("host path %s was created (it must never exist)", p)
		}
	}
	needles := append([]string{c.Dir}, c.Absent...)
	for _, m := range hostMountsUnder(needles...) {
		t.Errorf("host mount on an attack target: %s", m)
	}
}

// snapshot maps every entry below dir to its type, mode, size and content
// hash (lstat: symlinks are not followed).
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v size=%d", info.Mode(), info.Size())
		switch {
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha256=%x", sha256.Sum256(data))
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			desc += " -> " + l
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return out
}

func diffSnapshots(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "removed "+k)
		} else if v != w {
			d = append(d, fmt.Sprintf("%s: %s -> %s", k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "created "+k+" ("+v+")")
		}
	}
	sort.Strings(d)
	return d
}

// hostMountsUnder returns the lines of this process's mountinfo whose mount
// point is one of paths or below one.
func hostMountsUnder(paths ...string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return []string{"read mountinfo: " + err.Error()}
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		mp := unescapeOctal(f[4])
		for _, p := range paths {
			if mp == p || strings.HasPrefix(mp, p+"/") {
				out = append(out, sc.Text())
				break
			}
		}
	}
	return out
}

func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// statusField returns a field of /proc/<pid>/status-formatted text.
func statusField(status, name string) (string, bool) {
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// openFds lists /proc/<pid>/fd as fd number -> link target.
func openFds(pid int) (map[int]string, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[int]string{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		l, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			l = "?" + err.Error()
		}
		out[n] = l
	}
	return out, nil
}

// waitFile waits until p exists and is non-empty, and returns its content.
func waitFile(t testing.TB, p string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if data, err := os.ReadFile(p); err == nil && len(data) > 0 {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %s", p, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustStart creates and starts a container running args and returns its
// init pid.
func mustStart(t testing.TB, r *testutil.Runtime, b *testutil.Bundle, id string) int {
	t.Helper()
	r.MustCreate(b, id)
	r.MustRun("start", id)
	st := r.MustState(id)
	return st.Pid
}

// deleteAndCheck force-deletes id and runs the leak check.
func deleteAndCheck(t testing.TB, r *testutil.Runtime, id string, b *testutil.Bundle) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
		if res := r.Run("delete", "--force", id); !res.OK() {
			t.Errorf("delete --force %s: %s", id, res)
		}
	}
	r.CheckNoLeaks(id, b)
}
