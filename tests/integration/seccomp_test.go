package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/tests/testutil"
)

// Seccomp tests: linux.seccomp applied by the runtime to the container's
// process (and to `exec`), observed from inside a busybox container. Most
// syscalls are driven through busybox applets (mkdir, linux32); where the
// exact errno or raw arguments matter, a tiny static C helper (/bin/sc,
// compiled with gcc at test time) makes the raw syscall and prints
// "ret=R errno=E".

// scSource is the helper: `sc NR [ARG...]` makes syscall NR, an ARG is a
// number (strtoull base 0, so -100 and 0x.. work) or s:STRING (a pointer to
// STRING); `sc faccessat PATH` calls glibc's faccessat(AT_FDCWD, PATH,
// X_OK, AT_EACCESS), which tries faccessat2 first and falls back on ENOSYS.
const scSource = `#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: sc NR [ARG...] | sc faccessat PATH\n");
		return 2;
	}
	if (strcmp(argv[1], "faccessat") == 0 && argc == 3) {
		int r = faccessat(AT_FDCWD, argv[2], X_OK, AT_EACCESS);
		printf("ret=%d errno=%d\n", r, r < 0 ? errno : 0);
		return 0;
	}
	long a[6] = {0};
	long nr = strtol(argv[1], NULL, 0);
	for (int i = 2; i < argc && i < 8; i++)
		a[i - 2] = strncmp(argv[i], "s:", 2) == 0 ? (long)(argv[i] + 2) : (long)strtoull(argv[i], NULL, 0);
	long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	printf("ret=%ld errno=%d\n", r, r == -1 ? errno : 0);
	return 0;
}
`

var (
	scOnce sync.Once
	scBin  []byte
	scErr  error
)

// scHelper returns the compiled helper, skipping the test when gcc (or a
// static libc) is missing.
func scHelper(t *testing.T) []byte {
	t.Helper()
	scOnce.Do(func() {
		dir, err := os.MkdirTemp("", "brig-seccomp-sc-")
		if err != nil {
			scErr = err
			return
		}
		defer os.RemoveAll(dir)
		src := filepath.Join(dir, "sc.c")
		if scErr = os.WriteFile(src, []byte(scSource), 0o644); scErr != nil {
			return
		}
		out, err := exec.Command("gcc", "-static", "-O1", "-o", filepath.Join(dir, "sc"), src).CombinedOutput()
		if err != nil {
			scErr = fmt.Errorf("gcc -static: %v: %s", err, out)
			return
		}
		scBin, scErr = os.ReadFile(filepath.Join(dir, "sc"))
	})
	if scErr != nil {
		t.Skipf("static C helper not available: %v", scErr)
	}
	return scBin
}

// withSC puts the helper at /bin/sc in the bundle's rootfs.
func withSC(t *testing.T, b *testutil.Bundle) {
	t.Helper()
	b.WriteFile("bin/sc", scHelper(t), 0o755)
}

func errnoRet(e syscall.Errno) *uint { v := uint(e); return &v }

// withSeccomp sets linux.seccomp.
func withSeccomp(p *specs.LinuxSeccomp) testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		s.Linux.Seccomp = p
	})
}

// allowBut is a profile allowing everything except rules.
func allowBut(rules ...specs.LinuxSyscall) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: rules}
}

// mkdirRule applies action to mkdir and mkdirat (busybox's mkdir uses the
// former, but a libc may use either).
func mkdirRule(action specs.LinuxSeccompAction, errno *uint) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: action, ErrnoRet: errno}
}

// noCore keeps SIGSYS deaths from writing core files.
var noCore = testutil.WithRlimit("RLIMIT_CORE", 0, 0)

// loadDockerProfile reads seccomp/testdata/default-profile.json (Docker's
// default profile in OCI form).
func loadDockerProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	root, err := testutil.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "seccomp/testdata/default-profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("default-profile.json: %v", err)
	}
	return &p
}

// scLine matches one helper output line.
var scLine = regexp.MustCompile(`ret=(-?\d+) errno=(\d+)`)

// scResults returns the helper's "ret=R errno=E" lines from out, in order.
func scResults(out string) []string {
	var res []string
	for _, m := range scLine.FindAllStringSubmatch(out, -1) {
		res = append(res, m[0])
	}
	return res
}

// TestSeccompActions: one rule per case on an otherwise allowing profile,
// observed through busybox or the helper.
func TestSeccompActions(t *testing.T) {
	t.Parallel()
	const mk = `mkdir /dev/shm/d 2>&1; echo rc=$?; if test -d /dev/shm/d; then echo exists; else echo absent; fi`
	cases := []struct {
		name    string
		profile *specs.LinuxSeccomp
		opts    []testutil.SpecOpt
		sc      bool     // needs /bin/sc
		args    []string // process.args
		exit    int
		want    []string // substrings of stdout+stderr, in order
		notWant []string
		results []string // the helper's result lines, exactly
		// brigOnly: why a reference runtime cannot run this case.
		brigOnly string
	}{
		{
			name:    "errno-errnoRet-ENOSYS",
			profile: allowBut(mkdirRule(specs.ActErrno, errnoRet(unix.ENOSYS))),
			args:    []string{"sh", "-c", "grep Seccomp: /proc/self/status; " + mk},
			want:    []string{"Seccomp:\t2", "Function not implemented", "rc=1", "absent"},
		},
		{
			name:    "errno-errnoRet-ENOMEDIUM",
			profile: allowBut(mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))),
			args:    []string{"sh", "-c", mk},
			want:    []string{"No medium found", "rc=1", "absent"},
		},
		{
			name:    "errno-default-EPERM",
			profile: allowBut(mkdirRule(specs.ActErrno, nil)),
			args:    []string{"sh", "-c", mk},
			want:    []string{"Operation not permitted", "rc=1", "absent"},
		},
		{
			// Without no_new_privs the filter goes in before the
			// capabilities are dropped; it must apply all the same.
			name:    "errno-noNewPrivileges-false",
			profile: allowBut(mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))),
			opts:    []testutil.SpecOpt{testutil.WithNoNewPrivileges(false)},
			args:    []string{"sh", "-c", "grep Seccomp: /proc/self/status; grep NoNewPrivs: /proc/self/status; " + mk},
			want:    []string{"Seccomp:\t2", "NoNewPrivs:\t0", "No medium found", "rc=1", "absent"},
		},
		{
			name:    "allowed-syscall-unaffected",
			profile: allowBut(mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))),
			args:    []string{"sh", "-c", "echo hi > /dev/shm/f && cat /dev/shm/f && rm /dev/shm/f && echo done"},
			want:    []string{"hi", "done"},
		},
		{
			// busybox linux32 calls personality(PER_LINUX32 = 8),
			// linux64 personality(PER_LINUX = 0).
			name: "arg-equal-busybox",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: errnoRet(unix.EXDEV),
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: 8}}}),
			args:    []string{"sh", "-c", "linux64 echo linux64-ran; linux32 echo linux32-ran 2>&1; echo rc=$?"},
			want:    []string{"linux64-ran", "Invalid cross-device link", "rc=1"},
			notWant: []string{"linux32-ran"},
		},
		{
			// socket(AF_VSOCK, ...) denied, socket(AF_UNIX, ...) allowed.
			name: "arg-equal-socket-family",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: errnoRet(unix.EXDEV),
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: unix.AF_VSOCK}}}),
			sc:      true,
			args:    []string{"sh", "-c", "sc 41 1 1 0; sc 41 40 1 0"},
			results: []string{"ret=3 errno=0", "ret=-1 errno=18"},
		},
		{
			// personality(0xffffffff) only queries: allowed; any other
			// argument is refused.
			name: "arg-not-equal-personality",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: errnoRet(unix.EXDEV),
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpNotEqual, Value: 0xffffffff}}}),
			sc:      true,
			args:    []string{"sh", "-c", "sc 135 0xffffffff; sc 135 0; sc 135 8"},
			results: []string{"ret=0 errno=0", "ret=-1 errno=18", "ret=-1 errno=18"},
		},
		{
			// (arg0 & 0xff00) == 0x1200; getppid ignores its arguments.
			name: "masked-equal",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: errnoRet(unix.EXDEV),
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpMaskedEqual, Value: 0xff00, ValueTwo: 0x1200}}}),
			sc: true,
			// sh stays the parent: pid 1 in the container.
			args:    []string{"sh", "-c", "sc 110 0x12ab; sc 110 0x13ab; sc 110 0xf12ab; sc 110 0x1200; true"},
			results: []string{"ret=-1 errno=18", "ret=1 errno=0", "ret=-1 errno=18", "ret=-1 errno=18"},
		},
		{
			// Two conditions on the same argument are ORed (runc's
			// behaviour): personality(8) and personality(0x20008).
			name: "same-index-conditions-ored",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: errnoRet(unix.EXDEV),
				Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: 8}, {Index: 0, Op: specs.OpEqualTo, Value: 0x20008}}}),
			sc:      true,
			args:    []string{"sh", "-c", "sc 135 8; sc 135 0x20008; sc 135 0"},
			results: []string{"ret=-1 errno=18", "ret=-1 errno=18", "ret=0 errno=0"},
		},
		{
			name:    "kill",
			profile: allowBut(mkdirRule(specs.ActKill, nil)),
			opts:    []testutil.SpecOpt{noCore},
			args:    []string{"mkdir", "/dev/shm/d"},
			exit:    128 + int(unix.SIGSYS),
		},
		{
			name:    "kill-thread",
			profile: allowBut(mkdirRule(specs.ActKillThread, nil)),
			opts:    []testutil.SpecOpt{noCore},
			args:    []string{"mkdir", "/dev/shm/d"},
			exit:    128 + int(unix.SIGSYS),
		},
		{
			name:    "kill-process",
			profile: allowBut(mkdirRule(specs.ActKillProcess, nil)),
			opts:    []testutil.SpecOpt{noCore},
			args:    []string{"mkdir", "/dev/shm/d"},
			exit:    128 + int(unix.SIGSYS),
		},
		{
			// SIGSYS delivered; its default action kills even a pid-1
			// process, since the kernel forces it.
			name:    "trap",
			profile: allowBut(mkdirRule(specs.ActTrap, nil)),
			opts:    []testutil.SpecOpt{noCore},
			args:    []string{"mkdir", "/dev/shm/d"},
			exit:    128 + int(unix.SIGSYS),
		},
		{
			// A shell survives its child's SIGSYS and sees 128+31.
			name:    "kill-child-of-shell",
			profile: allowBut(mkdirRule(specs.ActKill, nil)),
			opts:    []testutil.SpecOpt{noCore},
			args:    []string{"sh", "-c", "mkdir /dev/shm/d; echo rc=$?"},
			want:    []string{"rc=159"},
		},
		{
			name:    "log",
			profile: allowBut(mkdirRule(specs.ActLog, nil)),
			args:    []string{"sh", "-c", mk},
			want:    []string{"rc=0", "exists"},
		},
		{
			name:     "tsync",
			brigOnly: "runc 1.1 rejects linux.seccomp.flags",
			profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
				Syscalls: []specs.LinuxSyscall{mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))}},
			args: []string{"sh", "-c", mk},
			want: []string{"No medium found", "rc=1", "absent"},
		},
		{
			name:     "tsync-noNewPrivileges-false",
			brigOnly: "runc 1.1 rejects linux.seccomp.flags",
			profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
				Syscalls: []specs.LinuxSyscall{mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))}},
			opts: []testutil.SpecOpt{testutil.WithNoNewPrivileges(false)},
			args: []string{"sh", "-c", mk},
			want: []string{"No medium found", "rc=1", "absent"},
		},
		{
			name:     "log-and-spec-allow-flags",
			brigOnly: "runc 1.1 rejects linux.seccomp.flags",
			profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
				Flags:    []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
				Syscalls: []specs.LinuxSyscall{mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))}},
			args: []string{"sh", "-c", mk},
			want: []string{"No medium found", "rc=1", "absent"},
		},
		{
			// A rule for a syscall libseccomp does not know is skipped,
			// the rest of the profile applies.
			name: "unknown-syscall-name-skipped",
			profile: allowBut(specs.LinuxSyscall{Names: []string{"no_such_syscall_brig"}, Action: specs.ActErrno},
				mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM))),
			args: []string{"sh", "-c", mk},
			want: []string{"No medium found", "rc=1", "absent"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.brigOnly != "" {
				testutil.BrigOnly(t, tc.brigOnly)
			}
			r := testutil.NewRuntime(t)
			opts := append([]testutil.SpecOpt{withSeccomp(tc.profile), testutil.WithArgs(tc.args...)}, tc.opts...)
			b := testutil.NewBundle(t, opts...)
			if tc.sc {
				withSC(t, b)
			}
			id := r.NewID()
			res := r.RunContainer(b, id)
			if res.Err != nil || res.ExitCode != tc.exit {
				t.Fatalf("exit %d, want %d: %s", res.ExitCode, tc.exit, res)
			}
			out := res.Stdout + res.Stderr
			checkInOrder(t, out, tc.want)
			for _, s := range tc.notWant {
				if strings.Contains(out, s) {
					t.Errorf("output has %q: %s", s, res)
				}
			}
			if tc.results != nil {
				if got := scResults(res.Stdout); !slices.Equal(got, tc.results) {
					t.Errorf("helper results %q, want %q\n%s", got, tc.results, res)
				}
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// checkInOrder wants every string of want in out, in that order.
func checkInOrder(t *testing.T, out string, want []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("output lacks %q (in order %q):\n%s", w, want, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

// newSyscalls are the x86_64 syscalls numbered 424 and up (Linux 5.1+).
var newSyscalls = map[string]int{
	"pidfd_send_signal": unix.SYS_PIDFD_SEND_SIGNAL, "io_uring_setup": unix.SYS_IO_URING_SETUP,
	"io_uring_enter": unix.SYS_IO_URING_ENTER, "io_uring_register": unix.SYS_IO_URING_REGISTER,
	"open_tree": unix.SYS_OPEN_TREE, "move_mount": unix.SYS_MOVE_MOUNT, "fsopen": unix.SYS_FSOPEN,
	"fsconfig": unix.SYS_FSCONFIG, "fsmount": unix.SYS_FSMOUNT, "fspick": unix.SYS_FSPICK,
	"pidfd_open": unix.SYS_PIDFD_OPEN, "clone3": unix.SYS_CLONE3, "close_range": unix.SYS_CLOSE_RANGE,
	"openat2": unix.SYS_OPENAT2, "pidfd_getfd": unix.SYS_PIDFD_GETFD, "faccessat2": unix.SYS_FACCESSAT2,
	"process_madvise": unix.SYS_PROCESS_MADVISE, "epoll_pwait2": unix.SYS_EPOLL_PWAIT2,
	"mount_setattr": unix.SYS_MOUNT_SETATTR, "quotactl_fd": unix.SYS_QUOTACTL_FD,
	"landlock_create_ruleset": unix.SYS_LANDLOCK_CREATE_RULESET, "landlock_add_rule": unix.SYS_LANDLOCK_ADD_RULE,
	"landlock_restrict_self": unix.SYS_LANDLOCK_RESTRICT_SELF, "memfd_secret": unix.SYS_MEMFD_SECRET,
	"process_mrelease": unix.SYS_PROCESS_MRELEASE, "futex_waitv": unix.SYS_FUTEX_WAITV,
	"set_mempolicy_home_node": unix.SYS_SET_MEMPOLICY_HOME_NODE, "cachestat": unix.SYS_CACHESTAT,
	"fchmodat2": unix.SYS_FCHMODAT2, "map_shadow_stack": unix.SYS_MAP_SHADOW_STACK,
	"futex_wake": unix.SYS_FUTEX_WAKE, "futex_wait": unix.SYS_FUTEX_WAIT, "futex_requeue": unix.SYS_FUTEX_REQUEUE,
	"statmount": unix.SYS_STATMOUNT, "listmount": unix.SYS_LISTMOUNT,
	"lsm_get_self_attr": unix.SYS_LSM_GET_SELF_ATTR, "lsm_set_self_attr": unix.SYS_LSM_SET_SELF_ATTR,
	"lsm_list_modules": unix.SYS_LSM_LIST_MODULES, "mseal": unix.SYS_MSEAL,
	"setxattrat": unix.SYS_SETXATTRAT, "getxattrat": unix.SYS_GETXATTRAT,
	"listxattrat": unix.SYS_LISTXATTRAT, "removexattrat": unix.SYS_REMOVEXATTRAT,
	"open_tree_attr": unix.SYS_OPEN_TREE_ATTR,
}

// oldProfile is Docker's default profile without any syscall of Linux 5.1
// or later (as an old engine would ship it) and without its explicit
// clone3 -> ENOSYS rule: the -ENOSYS stub alone must make libc fall back.
func oldProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	p := loadDockerProfile(t)
	var rules []specs.LinuxSyscall
	for _, r := range p.Syscalls {
		r.Names = slices.DeleteFunc(slices.Clone(r.Names), func(n string) bool { _, isNew := newSyscalls[n]; return isNew })
		if len(r.Names) > 0 {
			rules = append(rules, r)
		}
	}
	p.Syscalls = rules
	return p
}

// TestSeccompENOSYSFallback: with a default action of ERRNO(EPERM), a
// syscall newer than every syscall the profile names gets ENOSYS (so libc
// falls back) while an old syscall the profile leaves out gets EPERM.
func TestSeccompENOSYSFallback(t *testing.T) {
	t.Parallel()
	faccessat2 := fmt.Sprintf("sc %d -100 s:/bin/busybox %d %d", unix.SYS_FACCESSAT2, unix.X_OK, unix.AT_EACCESS)
	keyctl := fmt.Sprintf("sc %d %d -3 0", unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID)
	cases := []struct {
		name    string
		profile func(t *testing.T) *specs.LinuxSeccomp
		nnp     bool
		results []string
	}{
		{
			name:    "old-profile",
			profile: oldProfile,
			nnp:     true,
			results: []string{
				"ret=-1 errno=38", // faccessat2: newer than the profile: ENOSYS
				"ret=-1 errno=38", // syscall 1000: ENOSYS
				"ret=0 errno=0",   // glibc faccessat fell back from faccessat2
				"ret=-1 errno=1",  // keyctl: not in the profile, old: EPERM
			},
		},
		{
			name:    "old-profile-noNewPrivileges-false",
			profile: oldProfile,
			results: []string{"ret=-1 errno=38", "ret=-1 errno=38", "ret=0 errno=0", "ret=-1 errno=1"},
		},
		{
			// The full profile names faccessat2: it runs.
			name:    "full-profile",
			profile: loadDockerProfile,
			nnp:     true,
			results: []string{"ret=0 errno=0", "ret=-1 errno=38", "ret=0 errno=0", "ret=-1 errno=1"},
		},
		{
			// defaultErrnoRet ENOSYS: no stub needed, everything
			// unlisted is ENOSYS.
			name: "default-errno-ENOSYS",
			profile: func(t *testing.T) *specs.LinuxSeccomp {
				p := oldProfile(t)
				p.DefaultErrnoRet = errnoRet(unix.ENOSYS)
				return p
			},
			nnp:     true,
			results: []string{"ret=-1 errno=38", "ret=-1 errno=38", "ret=0 errno=0", "ret=-1 errno=38"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.profile(t)
			if p.DefaultAction != specs.ActErrno {
				t.Fatalf("profile default action %s, want SCMP_ACT_ERRNO", p.DefaultAction)
			}
			r := testutil.NewRuntime(t)
			script := strings.Join([]string{
				faccessat2, "sc 1000", "sc faccessat /bin/busybox", keyctl,
				// Ordinary work still goes on.
				"ls /bin/busybox && echo hi > /dev/shm/f && cat /dev/shm/f && echo busybox-ok",
			}, "; ")
			b := testutil.NewBundle(t, withSeccomp(p), testutil.WithNoNewPrivileges(tc.nnp), testutil.WithShell(script))
			withSC(t, b)
			id := r.NewID()
			res := r.RunContainer(b, id)
			if !res.OK() {
				t.Fatalf("run: %s", res)
			}
			if got := scResults(res.Stdout); !slices.Equal(got, tc.results) {
				t.Errorf("results (faccessat2, syscall 1000, libc faccessat, keyctl) %q, want %q\n%s", got, tc.results, res)
			}
			checkInOrder(t, res.Stdout, []string{"hi", "busybox-ok"})
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSeccompDockerProfile: Docker's default profile runs a busybox shell
// normally (fork, exec, pipes, /proc, files, sleep) and refuses what it
// refuses, with and without no_new_privs.
func TestSeccompDockerProfile(t *testing.T) {
	t.Parallel()
	script := strings.Join([]string{
		"grep Seccomp: /proc/self/status",
		"echo hello > /dev/shm/f && cat /dev/shm/f",
		"ls / | grep -q bin && echo ls-ok",
		"ps -o pid,comm | grep -q ps && echo ps-ok",
		"date +%Y | grep -q '^2' && echo date-ok",
		"sleep 0.1 && echo sleep-ok",
		"(echo sub; true) | cat",
		"echo uid=$(id -u)",
		"seq 1 1000 | sort -n | tail -n 1",
		"linux32 uname -m",
		"sc 135 0xffffffff", // personality query: allowed
		"sc 135 0x0040000",  // personality(ADDR_NO_RANDOMIZE): not in the allowed values: EPERM
		"sc 41 1 1 0",       // socket(AF_UNIX): allowed
		"sc 41 40 1 0",      // socket(AF_VSOCK): refused by an argument filter
		fmt.Sprintf("sc %d %d -3 0", unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID), // keyctl: not in the profile
	}, "; ")
	for _, nnp := range []bool{true, false} {
		t.Run(fmt.Sprint("noNewPrivileges=", nnp), func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, withSeccomp(loadDockerProfile(t)), testutil.WithNoNewPrivileges(nnp), testutil.WithShell(script))
			withSC(t, b)
			id := r.NewID()
			res := r.RunContainer(b, id)
			if !res.OK() {
				t.Fatalf("run: %s", res)
			}
			checkInOrder(t, res.Stdout, []string{"Seccomp:\t2", "hello", "ls-ok", "ps-ok", "date-ok", "sleep-ok", "sub", "uid=0", "1000", "i686"})
			want := []string{"ret=0 errno=0", "ret=-1 errno=1", "ret=3 errno=0", "ret=-1 errno=1", "ret=-1 errno=1"}
			if got := scResults(res.Stdout); !slices.Equal(got, want) {
				t.Errorf("helper results %q, want %q\n%s", got, want, res)
			}
			if strings.TrimSpace(res.Stderr) != "" {
				t.Errorf("stderr not empty: %s", res)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSeccompExec: `brig exec` processes get the container's filter.
func TestSeccompExec(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		t.Run(fmt.Sprint("noNewPrivileges=", nnp), func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			profile := allowBut(
				mkdirRule(specs.ActErrno, errnoRet(unix.ENOMEDIUM)),
				specs.LinuxSyscall{Names: []string{"rmdir"}, Action: specs.ActKill},
			)
			b := testutil.NewBundle(t, withSeccomp(profile), testutil.WithNoNewPrivileges(nnp), noCore, testutil.WithArgs("sleep", "60"))
			id := r.NewID()
			r.MustCreate(b, id)
			r.MustRun("start", id)

			res := r.Run("exec", id, "mkdir", "/dev/shm/d")
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, "No medium found") {
				t.Errorf("exec mkdir: want exit 1 and ENOMEDIUM: %s", res)
			}
			res = r.Run("exec", id, "sh", "-c", "grep Seccomp: /proc/self/status; echo hi > /dev/shm/f; cat /dev/shm/f")
			if !res.OK() || !strings.Contains(res.Stdout, "Seccomp:\t2") || !strings.Contains(res.Stdout, "hi") {
				t.Errorf("exec sh: want Seccomp: 2 and normal work: %s", res)
			}
			// exec's own flags do not drop the filter.
			res = r.Run("exec", "--no-new-privs", "--cap", "CAP_SYS_ADMIN", id, "mkdir", "/dev/shm/d")
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, "No medium found") {
				t.Errorf("exec --no-new-privs --cap CAP_SYS_ADMIN mkdir: want exit 1 and ENOMEDIUM: %s", res)
			}
			res = r.Run("exec", id, "rmdir", "/dev/shm")
			if res.ExitCode != 128+int(unix.SIGSYS) {
				t.Errorf("exec rmdir under SCMP_ACT_KILL: exit %d, want %d: %s", res.ExitCode, 128+int(unix.SIGSYS), res)
			}
			// The container itself is unharmed.
			if st := r.MustState(id); st.Status != specs.StateRunning {
				t.Errorf("status %q after the exec'd processes, want running", st.Status)
			}
			r.MustRun("delete", "--force", id)
			r.CheckNoLeaks(id, b)
		})
	}
}

// seccomp_notif and seccomp_notif_resp from <linux/seccomp.h> (as in the
// seccomp package's tests).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  struct {
		Nr                 int32
		Arch               uint32
		InstructionPointer uint64
		Args               [6]uint64
	}
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// notifyMsg is what the agent got on one connection.
type notifyMsg struct {
	raw    map[string]any
	state  specs.ContainerProcessState
	fd     int
	closed bool // the runtime closed the connection after the state
}

// seccompAgent listens on a unix socket for the runtime's listener fds.
type seccompAgent struct {
	t    *testing.T
	path string
	ln   *net.UnixListener
}

func newSeccompAgent(t *testing.T, dir string) *seccompAgent {
	t.Helper()
	path := filepath.Join(dir, "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &seccompAgent{t: t, path: path, ln: ln}
}

// accept takes one connection: the state JSON and the seccomp fd. The spec
// wants the runtime to close the connection after one state; closed tells
// whether it did (within a second of sending a complete state).
func (a *seccompAgent) accept(timeout time.Duration) (*notifyMsg, error) {
	a.ln.SetDeadline(time.Now().Add(timeout))
	conn, err := a.ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	buf := make([]byte, 8192)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var msg []byte
	var fds []int
	fail := func(err error) (*notifyMsg, error) {
		closeAll(fds)
		return nil, err
	}
	closed := false
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		n, oobn = max(n, 0), max(oobn, 0) // -1 on some errors
		if oobn > 0 {
			cmsgs, perr := unix.ParseSocketControlMessage(oob[:oobn])
			if perr != nil {
				return fail(perr)
			}
			for _, c := range cmsgs {
				f, perr := unix.ParseUnixRights(&c)
				if perr != nil {
					return fail(perr)
				}
				fds = append(fds, f...)
			}
		}
		msg = append(msg, buf[:n]...)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			closed = true
			break
		}
		var nerr net.Error
		if errors.As(err, &nerr) && nerr.Timeout() && json.Valid(msg) {
			break // complete state, connection left open
		}
		if err != nil {
			return fail(fmt.Errorf("read (state so far %q): %w", msg, err))
		}
		if json.Valid(msg) {
			// Complete: give the runtime a second to close.
			conn.SetReadDeadline(time.Now().Add(time.Second))
		}
	}
	if len(fds) != 1 {
		return fail(fmt.Errorf("got %d fds with state %q, want 1", len(fds), msg))
	}
	m := &notifyMsg{fd: fds[0], closed: closed}
	if err := json.Unmarshal(msg, &m.raw); err != nil {
		return fail(fmt.Errorf("state %q: %w", msg, err))
	}
	if err := json.Unmarshal(msg, &m.state); err != nil {
		return fail(fmt.Errorf("state %q: %w", msg, err))
	}
	return m, nil
}

// wait returns the result of an accept running in the background, giving
// up early when the container stops without having connected.
func (a *seccompAgent) wait(t *testing.T, r *testutil.Runtime, id string, ch <-chan agentResult) agentResult {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case g := <-ch:
			return g
		case <-tick.C:
			if st, _ := r.State(id); st == nil || st.Status == specs.StateStopped {
				a.ln.Close()
				g := <-ch
				if g.err != nil {
					g.err = fmt.Errorf("the container stopped without connecting: %w", g.err)
				}
				return g
			}
		}
	}
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// notifReply answers one notification; nr is the syscall expected.
type notifReply struct {
	nr    int32
	val   int64
	errno syscall.Errno
}

// answer serves the notifications on fd, one reply each, in order.
func answer(fd int, replies []notifReply, timeout time.Duration) error {
	if unsafe.Sizeof(seccompNotif{}) != 80 || unsafe.Sizeof(seccompNotifResp{}) != 24 {
		return errors.New("seccomp_notif struct sizes")
	}
	deadline := time.Now().Add(timeout)
	for i, rep := range replies {
		// Poll first: RECV would block forever if the process died.
		for {
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("notification %d: timed out", i)
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return fmt.Errorf("poll: %w", err)
			}
			if n > 0 && pfd[0].Revents&unix.POLLIN != 0 {
				break
			}
			if n > 0 && pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
				return fmt.Errorf("notification %d: listener hung up (every filtered process gone)", i)
			}
		}
		var req seccompNotif
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); errno != 0 {
			if errno == unix.EINTR {
				continue
			}
			return fmt.Errorf("NOTIF_RECV: %w", errno)
		}
		if req.Data.Nr != rep.nr {
			return fmt.Errorf("notification %d: syscall %d, want %d", i, req.Data.Nr, rep.nr)
		}
		resp := seccompNotifResp{ID: req.ID, Val: rep.val, Error: -int32(rep.errno)}
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno != 0 {
			return fmt.Errorf("NOTIF_SEND: %w", errno)
		}
	}
	return nil
}

// checkNotifyState checks the state JSON an agent receives.
func checkNotifyState(t *testing.T, m *notifyMsg, id, bundle, metadata string, pid int) {
	t.Helper()
	for _, k := range []string{"ociVersion", "fds", "pid", "state"} {
		if _, ok := m.raw[k]; !ok {
			t.Errorf("state JSON lacks %q: %v", k, m.raw)
		}
	}
	st := m.state
	if !slices.Equal(st.Fds, []string{"seccompFd"}) {
		t.Errorf("fds %q, want [seccompFd]", st.Fds)
	}
	if st.State.ID != id {
		t.Errorf("state.id %q, want %q", st.State.ID, id)
	}
	if st.Pid != pid {
		t.Errorf("pid %d, want %d", st.Pid, pid)
	}
	if st.State.Pid != pid {
		t.Errorf("state.pid %d, want %d", st.State.Pid, pid)
	}
	if st.State.Bundle != bundle {
		t.Errorf("state.bundle %q, want %q", st.State.Bundle, bundle)
	}
	if st.Metadata != metadata {
		t.Errorf("metadata %q, want %q", st.Metadata, metadata)
	}
	if st.Version == "" || st.State.Version == "" {
		t.Errorf("ociVersion missing: %+v", st)
	}
	if !m.closed {
		if testutil.IsBrig(t) {
			t.Errorf("the runtime left the connection open after the state (spec: MUST be closed)")
		} else {
			t.Logf("%s left the connection open after the state", testutil.RuntimeName(t))
		}
	}
	switch st.State.Status {
	case specs.StateCreating, specs.StateCreated, specs.StateRunning:
	default:
		t.Errorf("state.status %q", st.State.Status)
	}
}

// notifyPlaces: where the agent's socket is. listenerPath is a path of the
// runtime (on the host); the spec says nothing of the container seeing it,
// and runc dials it from the host. "also-in-container" binds the agent's
// directory to the same path inside the container too, so that the rest of
// the notify path is tested even by a runtime that dials from inside.
var notifyPlaces = []struct {
	name        string
	inContainer bool
}{
	{"host-path", false},
	{"also-in-container", true},
}

// notifyBundle is a bundle whose profile notifies the agent of mkdir.
func notifyBundle(t *testing.T, agent *seccompAgent, inContainer bool, meta string, opts ...testutil.SpecOpt) *testutil.Bundle {
	t.Helper()
	profile := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow, ListenerPath: agent.path, ListenerMetadata: meta,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}},
	}
	opts = append([]testutil.SpecOpt{withSeccomp(profile)}, opts...)
	if inContainer {
		dir := filepath.Dir(agent.path)
		opts = append(opts, testutil.WithBindMount(dir, dir, false))
	}
	return testutil.NewBundle(t, opts...)
}

// notifyScript: the first mkdir is answered "success" by the agent without
// creating anything, the second ENOMEDIUM.
const notifyScript = `mkdir /dev/shm/a; echo rc1=$?; if test -d /dev/shm/a; then echo a-exists; else echo a-absent; fi
mkdir /dev/shm/b 2>&1; echo rc2=$?`

var notifyWant = []string{"rc1=0", "a-absent", "No medium found", "rc2=1"}

func notifyReplies() []notifReply {
	return []notifReply{{nr: unix.SYS_MKDIR}, {nr: unix.SYS_MKDIR, errno: unix.ENOMEDIUM}}
}

// hostPathHint explains a failure that only the host-path variant shows.
func hostPathHint(inContainer bool) string {
	if inContainer {
		return ""
	}
	return " (listenerPath exists only on the host: the runtime must connect to it from the host's mount namespace, not from inside the container)"
}

type agentResult struct {
	m   *notifyMsg
	err error
}

// TestSeccompNotify: SCMP_ACT_NOTIFY hands the listener fd and the
// container process state to the agent at listenerPath; the agent answers
// the container's mkdir calls. An exec'd process gets a listener of its
// own. With noNewPrivileges the filter (and the connection) comes at start,
// without it during create.
func TestSeccompNotify(t *testing.T) {
	t.Parallel()
	for _, place := range notifyPlaces {
		for _, nnp := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/noNewPrivileges=%v", place.name, nnp), func(t *testing.T) {
				t.Parallel()
				r := testutil.NewRuntime(t)
				agent := newSeccompAgent(t, testutil.TempDir(t))
				const meta = "agent-metadata=1"
				b := notifyBundle(t, agent, place.inContainer, meta, testutil.WithNoNewPrivileges(nnp), testutil.WithWritableRoot(),
					testutil.WithShell("exec >/tmp/log 2>&1; while [ ! -e /tmp/go ]; do sleep 0.02; done\n"+notifyScript+"\necho done > /tmp/done; sleep 60"))
				id := r.NewID()

				first := make(chan agentResult, 1)
				go func() {
					m, err := agent.accept(15 * time.Second)
					first <- agentResult{m, err}
				}()
				if res := r.Create(b, id); !res.OK() {
					t.Fatalf("create failed%s: %s", hostPathHint(place.inContainer), res)
				}
				pid := r.MustState(id).Pid
				r.MustRun("start", id)
				g := agent.wait(t, r, id, first)
				if g.err != nil {
					log, _ := b.ReadFile("tmp/log")
					t.Fatalf("agent: %v%s\ncontainer output: %s", g.err, hostPathHint(place.inContainer), log)
				}
				defer unix.Close(g.m.fd)
				checkNotifyState(t, g.m, id, b.Dir, meta, pid)

				errc := make(chan error, 1)
				go func() { errc <- answer(g.m.fd, notifyReplies(), 15*time.Second) }()
				if err := os.WriteFile(filepath.Join(b.Rootfs, "tmp/go"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := <-errc; err != nil {
					t.Fatalf("agent: %v", err)
				}
				waitFile(t, filepath.Join(b.Rootfs, "tmp/done"))
				log, _ := b.ReadFile("tmp/log")
				checkInOrder(t, log, notifyWant)

				// exec: a new process, a new listener.
				second := make(chan agentResult, 1)
				go func() {
					m, err := agent.accept(15 * time.Second)
					if err == nil {
						err = answer(m.fd, []notifReply{{nr: unix.SYS_MKDIR, errno: unix.EXDEV}}, 15*time.Second)
						unix.Close(m.fd)
					}
					second <- agentResult{m, err}
				}()
				res := r.Run("exec", id, "mkdir", "/dev/shm/c")
				g2 := <-second
				if g2.err != nil {
					t.Errorf("agent (exec): %v; exec: %s", g2.err, res)
				} else if g2.m.state.State.ID != id || g2.m.state.Pid <= 0 || g2.m.state.Pid == pid || g2.m.state.Metadata != meta {
					t.Errorf("exec's state: id %q pid %d (init %d) metadata %q", g2.m.state.State.ID, g2.m.state.Pid, pid, g2.m.state.Metadata)
				}
				if res.ExitCode != 1 || !strings.Contains(res.Stderr, "Invalid cross-device link") {
					t.Errorf("exec mkdir, answered EXDEV by the agent: %s", res)
				}

				r.MustRun("delete", "--force", id)
				r.CheckNoLeaks(id, b)
			})
		}
	}
}

// TestSeccompNotifyRun: the same through `run`, reading the container's
// output.
func TestSeccompNotifyRun(t *testing.T) {
	t.Parallel()
	for _, place := range notifyPlaces {
		t.Run(place.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			agent := newSeccompAgent(t, testutil.TempDir(t))
			b := notifyBundle(t, agent, place.inContainer, "", testutil.WithShell(notifyScript))
			id := r.NewID()
			errc := make(chan error, 1)
			go func() {
				m, err := agent.accept(15 * time.Second)
				if err != nil {
					errc <- err
					return
				}
				defer unix.Close(m.fd)
				if m.state.State.ID != id || m.state.Pid <= 0 {
					errc <- fmt.Errorf("state id %q pid %d, want %q and a pid", m.state.State.ID, m.state.Pid, id)
					return
				}
				errc <- answer(m.fd, notifyReplies(), 15*time.Second)
			}()
			res := r.RunContainer(b, id)
			agent.ln.Close() // the container is gone: stop waiting for it
			if err := <-errc; err != nil {
				t.Errorf("agent: %v%s", err, hostPathHint(place.inContainer))
			}
			if !res.OK() {
				t.Fatalf("run: %s", res)
			}
			checkInOrder(t, res.Stdout, notifyWant)
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSeccompNotifyNobodyListening: when the listener fd cannot be sent
// (nobody listens at listenerPath), the runtime must fail (config-linux.md:
// "If sending to this socket fails, the runtime MUST generate an error"):
// create, or at the latest start, exits non-zero naming listenerPath.
func TestSeccompNotifyNobodyListening(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		t.Run(fmt.Sprint("noNewPrivileges=", nnp), func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			sock := filepath.Join(testutil.TempDir(t), "nobody.sock")
			profile := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: sock,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}
			b := testutil.NewBundle(t, withSeccomp(profile), testutil.WithNoNewPrivileges(nnp), testutil.WithArgs("true"))
			id := r.NewID()
			res := r.Create(b, id)
			if res.OK() {
				res = r.Run("start", id)
			}
			if res.OK() {
				t.Errorf("create and start both succeeded though nobody listens at %s; the error only reaches the container's stderr", sock)
			} else if last := res.LastStderrLine(); !strings.Contains(last, "listenerPath") && !strings.Contains(last, sock) {
				t.Errorf("error %q names neither listenerPath nor %s: %s", last, sock, res)
			}
			if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
				r.Run("delete", "--force", id)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSeccompInvalidProfile: a bad linux.seccomp fails create with one line
// naming the field, and leaves nothing behind.
func TestSeccompInvalidProfile(t *testing.T) {
	t.Parallel()
	testutil.BrigOnly(t, "error wording names brig's JSON fields")
	mkdir := func(act specs.LinuxSeccompAction) []specs.LinuxSyscall {
		return []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: act}}
	}
	cases := []struct {
		name    string
		profile *specs.LinuxSeccomp
		nnp     *bool
		field   string // must be in the error line
		also    string // and this too
	}{
		{name: "unknown-action", profile: allowBut(mkdir("SCMP_ACT_BOGUS")...), field: "linux.seccomp.syscalls[0].action", also: "SCMP_ACT_BOGUS"},
		{name: "unknown-default-action", profile: &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}, field: "linux.seccomp.defaultAction", also: "SCMP_ACT_NOPE"},
		{name: "missing-default-action", profile: &specs.LinuxSeccomp{Syscalls: mkdir(specs.ActErrno)}, field: "linux.seccomp.defaultAction"},
		{name: "unknown-architecture", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}},
			field: "linux.seccomp.architectures", also: "SCMP_ARCH_VAX"},
		{name: "unknown-flag", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}},
			field: "linux.seccomp.flags", also: "SECCOMP_FILTER_FLAG_BOGUS"},
		{name: "unknown-operator", profile: allowBut(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_SOMETIMES"}}}), field: "linux.seccomp.syscalls[0].args[0].op", also: "SCMP_CMP_SOMETIMES"},
		{name: "arg-index-out-of-range", profile: allowBut(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}), field: "linux.seccomp.syscalls[0].args[0].index"},
		{name: "errnoRet-with-allow", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActAllow, ErrnoRet: errnoRet(unix.EPERM)}}},
			field: "linux.seccomp.syscalls[0].errnoRet", also: "SCMP_ACT_ALLOW"},
		{name: "empty-names", profile: allowBut(specs.LinuxSyscall{Action: specs.ActErrno}), field: "linux.seccomp.syscalls[0].names"},
		{name: "notify-default", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/run/agent.sock"}, field: "linux.seccomp.defaultAction"},
		{name: "notify-without-listenerPath", profile: allowBut(mkdir(specs.ActNotify)...), field: "linux.seccomp.listenerPath"},
		{name: "listenerMetadata-without-listenerPath", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerMetadata: "x"},
			field: "linux.seccomp.listenerMetadata"},
		{name: "notify-write", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActNotify}}}, field: "linux.seccomp.syscalls[0].names[0]"},
		// Compiles, but nobody listens: the init fails to connect while
		// create still runs (the filter goes in before the caps drop).
		{name: "listenerPath-nobody-listening", profile: &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/nonexistent/brig-agent.sock",
			Syscalls: mkdir(specs.ActNotify)}, nnp: new(bool), field: "linux.seccomp.listenerPath", also: "/nonexistent/brig-agent.sock"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			opts := []testutil.SpecOpt{withSeccomp(tc.profile)}
			if tc.nnp != nil {
				opts = append(opts, testutil.WithNoNewPrivileges(*tc.nnp))
			}
			b := testutil.NewBundle(t, opts...)
			id := r.NewID()
			res := r.Create(b, id)
			if res.Err != nil || res.ExitCode == 0 {
				t.Fatalf("create: want a non-zero exit: %s", res)
			}
			lines := testutil.ReadLines(res.Stderr)
			last := res.LastStderrLine()
			t.Logf("error: %s", last)
			if len(lines) != 1 {
				t.Errorf("want a one-line error, got %d lines: %s", len(lines), res)
			}
			if !strings.Contains(last, tc.field) || !strings.Contains(last, tc.also) {
				t.Errorf("error %q does not name %q (and %q)", last, tc.field, tc.also)
			}
			if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
				t.Errorf("state dir %s exists after a failed create", filepath.Join(r.Root, id))
				r.Run("delete", "--force", id)
			}
			r.CheckNoLeaks(id, b)
		})
	}
}
