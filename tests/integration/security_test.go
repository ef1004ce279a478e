package integration

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// privateRuntime runs a copy of the runtime binary: these tests try to
// overwrite the binary through /proc/<init>/exe, and a vulnerable runtime
// must damage only the copy.
func privateRuntime(t *testing.T) (*testutil.Runtime, string, [32]byte) {
	t.Helper()
	r := testutil.NewRuntime(t)
	dst := filepath.Join(testutil.TempDir(t), filepath.Base(r.Bin))
	copyFile(t, r.Bin, dst)
	r.Bin = dst
	return r, dst, hashFile(t, dst)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func hashFile(t *testing.T, p string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return sha256.Sum256(data)
}

// allCaps gives a container every capability this host's bounding set has
// a use for here, so that only the runtime's sealing of its binary (not a
// missing CAP_SYS_PTRACE) stands between the container and the host binary.
var allCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
}

// TestInitExeSealed (CVE-2019-5736 class): while a container is 'created'
// its init runs the runtime binary. That executable must not be the host
// binary's inode, must not be writable from the host side through
// /proc/<pid>/exe, and a second container in the same pid namespace that
// grabs /proc/1/exe and writes through it after start must not change the
// host binary.
func TestInitExeSealed(t *testing.T) {
	t.Parallel()
	r, bin, before := privateRuntime(t)

	victim := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
	vid := r.NewID()
	r.MustCreate(victim, vid)
	st := r.MustState(vid)
	if st.Status != specs.StateCreated {
		t.Fatalf("status %q, want created", st.Status)
	}
	exe := fmt.Sprintf("/proc/%d/exe", st.Pid)

	t.Run("host-side", func(t *testing.T) {
		// The init's executable is not the binary's inode, and cannot be
		// written through /proc/<pid>/exe.
		binInfo, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		if exeInfo, err := os.Stat(exe); err != nil {
			t.Logf("stat %s: %v (not reachable: fine)", exe, err)
		} else if os.SameFile(binInfo, exeInfo) {
			t.Errorf("init of a created container executes the runtime binary itself (same dev/ino as %s): not sealed", bin)
		}
		if f, err := os.OpenFile(exe, os.O_WRONLY, 0); err != nil {
			t.Logf("open %s for writing: %v (refused: good)", exe, err)
		} else {
			_, werr := f.Write([]byte("x"))
			f.Close()
			if werr == nil {
				t.Errorf("wrote through %s of a created container", exe)
			} else {
				t.Logf("write through %s: %v (refused: good)", exe, werr)
			}
		}
	})

	// An attacker container joins the victim's pid namespace, where the
	// victim's init is pid 1, keeps /proc/1/exe open, and writes through it
	// once the victim has started (the binary no longer runs then, so
	// ETXTBSY no longer protects it). Needs namespace-path support.
	attacker := testutil.NewBundle(t,
		testutil.WithWritableRoot(),
		testutil.WithCaps(allCaps...),
		testutil.WithNamespace(specs.PIDNamespace, fmt.Sprintf("/proc/%d/ns/pid", st.Pid)),
		testutil.WithShell(`if (exec 3</proc/1/exe) 2>/dev/null; then exec 3</proc/1/exe; echo opened > /tmp/opened; else echo open-refused > /tmp/opened; exit 0; fi
while [ ! -e /tmp/go ]; do sleep 0.02; done
if (echo pwned > /proc/self/fd/3) 2>/dev/null; then echo write-succeeded; else echo write-refused; fi > /tmp/result`))
	aid := r.NewID()
	t.Run("shared-pidns-attacker", func(t *testing.T) {
		if res := r.Create(attacker, aid); !res.OK() {
			t.Fatalf("create attacker joining the victim's pid namespace: %s", res)
		}
		r.MustRun("start", aid)
		opened := strings.TrimSpace(waitFile(t, filepath.Join(attacker.Rootfs, "tmp/opened")))
		t.Logf("attacker: /proc/1/exe %s", opened)
		r.MustRun("start", vid)
		if opened == "opened" {
			if err := os.WriteFile(filepath.Join(attacker.Rootfs, "tmp/go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			result := strings.TrimSpace(waitFile(t, filepath.Join(attacker.Rootfs, "tmp/result")))
			t.Logf("attacker: %s", result)
		}
	})
	if hashFile(t, bin) != before {
		t.Errorf("the runtime binary was modified from inside a container")
	}

	for _, id := range []string{aid, vid} {
		if _, err := os.Lstat(filepath.Join(r.Root, id)); err != nil {
			continue // never created
		}
		if res := r.Run("delete", "--force", id); !res.OK() {
			t.Errorf("delete --force %s: %s", id, res)
		}
	}
	r.CheckNoLeaks(vid, victim)
	r.CheckNoLeaks(aid, attacker)
}

// TestProcSelfExeEntrypoint: an entrypoint script with `#!/proc/self/exe`
// makes the kernel run whatever the init's /proc/self/exe is at execve
// time; that must not give the container a way to the host binary.
func TestProcSelfExeEntrypoint(t *testing.T) {
	t.Parallel()
	r, bin, before := privateRuntime(t)
	b := testutil.NewBundle(t, testutil.WithWritableRoot(), testutil.WithArgs("/evil"))
	b.WriteFile("evil", []byte("#!/proc/self/exe\n"), 0o755)
	id := r.NewID()
	res := r.RunContainerOpts(testutil.ExecOpts{Timeout: 15 * time.Second}, b, id)
	t.Logf("run of a #!/proc/self/exe entrypoint: exit %d", res.ExitCode)
	if res.Err != nil {
		t.Errorf("run: %s", res)
	}
	if hashFile(t, bin) != before {
		t.Errorf("the runtime binary changed after a #!/proc/self/exe entrypoint ran")
	}
	if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
		r.Run("delete", "--force", id)
	}
	r.CheckNoLeaks(id, b)
}
