package security

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// CVE-2019-5736 class: a container makes the runtime execute itself inside
// the container (an entrypoint or exec target of `#!/proc/self/exe`, or the
// created init, which still runs the runtime binary), grabs
// /proc/<pid>/exe (and /proc/<pid>/map_files/*, which on some kernels name
// the file under an overlay) and writes through it while the process runs
// and after it has exited or exec'd. The runtime binary (a private copy)
// must stay byte-identical.
//
// To make the race deterministic, the `#!/proc/self/exe --log=/tmp/logfifo`
// interpreter line makes the runtime, re-executed in the container, block
// opening its --log file, a FIFO the attacker controls: the attacker holds
// the runtime process still for as long as it wants.

// grabScript is a shell fragment run by the attacker once it has found the
// runtime's process as $d (/proc/<pid>): it opens its exe as fd 3, tries to
// write through it and through every mapped file of it, all logged to
// /tmp/log (WROTE lines mean success).
const grabScript = `
exec 3<$d/exe && echo "held fd 3 -> $(readlink $d/exe)" >> /tmp/log
(printf pwned 1<>$d/exe) 2>>/tmp/log && echo "WROTE through $d/exe while running" >> /tmp/log
(printf pwned 1<>/proc/self/fd/3) 2>>/tmp/log && echo "WROTE through held fd while running" >> /tmp/log
for m in $d/map_files/*; do
	l=$(readlink $m 2>/dev/null)
	case "$l" in
	*busybox*|*"["*|"") ;;
	*) echo "map_files: $l" >> /tmp/log
	   (printf pwned 1<>$m) 2>>/tmp/log && echo "WROTE through map_files $l" >> /tmp/log ;;
	esac
done
`

// afterExitScript tries again once the runtime's process has exited (or
// exec'd): ETXTBSY no longer protects the file then.
const afterExitScript = `
(printf pwned 1<>/proc/self/fd/3) 2>>/tmp/log && echo "WROTE through held fd after exit" >> /tmp/log
(printf pwned >>/proc/self/fd/3) 2>>/tmp/log && echo "WROTE (append) through held fd after exit" >> /tmp/log
echo finished >> /tmp/log
`

func TestRuntimeBinaryOverwrite(t *testing.T) {
	t.Parallel()
	t.Run("exec-target-proc-self-exe", testExecTargetProcSelfExe)
	t.Run("entrypoint-proc-self-exe", testEntrypointProcSelfExe)
	t.Run("created-init-exe-held-across-execve", testCreatedInitExeHeld)
}

// evilBundle is a writable, all-capabilities bundle with /evil
// (#!/proc/self/exe) and the FIFO the re-executed runtime blocks on.
func evilBundle(t *testing.T, opts ...testutil.SpecOpt) *testutil.Bundle {
	t.Helper()
	opts = append([]testutil.SpecOpt{testutil.WithWritableRoot(), testutil.WithCaps(allCaps...), testutil.WithNoNewPrivileges(false)}, opts...)
	b := testutil.NewBundle(t, opts...)
	b.WriteFile("evil", []byte("#!/proc/self/exe --log=/tmp/logfifo\n"), 0o755)
	if err := unix.Mkfifo(filepath.Join(b.Rootfs, "tmp/logfifo"), 0o666); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkAttack reads the attacker's log and fails on any successful write
// or a changed binary.
func checkAttack(t *testing.T, b *testutil.Bundle, bin string, before [32]byte) {
	t.Helper()
	log, _ := b.ReadFile("tmp/log")
	t.Logf("attacker log:\n%s", log)
	if !strings.Contains(log, "held fd 3") {
		t.Errorf("the attacker never got hold of the runtime's process (test did not exercise the attack)")
	}
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "WROTE") {
			t.Errorf("attack step succeeded: %s", l)
		}
	}
	if hashFile(t, bin) != before {
		t.Errorf("the runtime binary %s was modified from inside a container", bin)
	}
}

// testExecTargetProcSelfExe: the container's pid 1 waits for `brig exec`
// to run /evil, which re-executes the runtime inside the container.
func testExecTargetProcSelfExe(t *testing.T) {
	t.Parallel()
	r, bin, before := privateRuntime(t)
	b := evilBundle(t, testutil.WithShell(`
while :; do
	for d in /proc/[0-9]*; do
		case ${d#/proc/} in 1|$$) continue;; esac
		e=$(readlink $d/exe 2>/dev/null) || continue
		case "$e" in *busybox*|"") continue;; esac
		`+grabScript+`
		cat /tmp/logfifo > /dev/null
		while readlink $d/exe >/dev/null 2>&1; do sleep 0.01; done
		`+afterExitScript+`
		exec sleep 60
	done
done`))
	id := r.NewID()
	mustStart(t, r, b, id)
	res := r.Exec(testutil.ExecOpts{Timeout: 15 * time.Second}, "exec", id, "/evil")
	t.Logf("exec /evil: exit %d, stderr %q", res.ExitCode, res.LastStderrLine())
	waitLog(t, b, "finished")
	checkAttack(t, b, bin, before)
	deleteAndCheck(t, r, id, b)
}

// testEntrypointProcSelfExe: the entrypoint itself is /evil: the init
// re-executes the runtime as the container's pid 1; an exec'd attacker
// grabs it.
func testEntrypointProcSelfExe(t *testing.T) {
	t.Parallel()
	r, bin, before := privateRuntime(t)
	b := evilBundle(t, testutil.WithArgs("/evil"))
	id := r.NewID()
	mustStart(t, r, b, id)
	res := r.Run("exec", "-d", id, "sh", "-c", `d=/proc/1
while [ "$(readlink $d/exe)" = /bin/busybox ]; do sleep 0.01; done
`+grabScript+afterExitScript)
	if !res.OK() {
		t.Fatalf("exec attacker: %s", res)
	}
	waitLog(t, b, "finished")
	checkAttack(t, b, bin, before)
	// Host side: the runtime process the container holds is not the host
	// binary's inode and cannot be opened for writing from the host.
	st := r.MustState(id)
	checkExeSealed(t, st.Pid, bin)
	deleteAndCheck(t, r, id, b)
}

// testCreatedInitExeHeld: an exec'd attacker holds /proc/1/exe of a
// created container (its init still runs the runtime), then the container
// is started: the init exec's the user process and the attacker writes
// through the held descriptor.
func testCreatedInitExeHeld(t *testing.T) {
	t.Parallel()
	r, bin, before := privateRuntime(t)
	b := evilBundle(t, testutil.WithArgs("sleep", "60"))
	id := r.NewID()
	r.MustCreate(b, id)
	st := r.MustState(id)
	checkExeSealed(t, st.Pid, bin)
	res := r.Run("exec", "-d", id, "sh", "-c", `d=/proc/1
`+grabScript+`
echo grabbed > /tmp/grabbed
while [ "$(readlink /proc/1/exe)" != /bin/busybox ]; do sleep 0.01; done
`+afterExitScript)
	if !res.OK() {
		t.Fatalf("exec attacker into a created container: %s", res)
	}
	waitFile(t, filepath.Join(b.Rootfs, "tmp/grabbed"), 10*time.Second)
	r.MustRun("start", id)
	waitLog(t, b, "finished")
	checkAttack(t, b, bin, before)
	deleteAndCheck(t, r, id, b)
}

func waitLog(t *testing.T, b *testutil.Bundle, word string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if s, _ := b.ReadFile("tmp/log"); strings.Contains(s, word) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s, _ := b.ReadFile("tmp/log")
	t.Fatalf("attacker did not finish within 15s; log so far:\n%s", s)
}

// checkExeSealed: the executable of a runtime process inside a container is
// neither the runtime binary's inode nor writable from the host.
func checkExeSealed(t *testing.T, pid int, bin string) {
	t.Helper()
	exe := fmt.Sprintf("/proc/%d/exe", pid)
	bi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if ei, err := os.Stat(exe); err == nil && os.SameFile(bi, ei) {
		t.Errorf("%s is the runtime binary's own inode: not sealed", exe)
	}
	if f, err := os.OpenFile(exe, os.O_WRONLY, 0); err == nil {
		f.Close()
		t.Errorf("%s can be opened for writing from the host", exe)
	}
	_ = specs.Version
}
