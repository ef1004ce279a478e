package integration

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

func umaskPtr(v uint32) *uint32 { return &v }

// withAllCapSets sets each of the five capability sets.
func withAllCapSets(bnd, eff, prm, inh, amb []string) testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Bounding: bnd, Effective: eff, Permitted: prm, Inheritable: inh, Ambient: amb,
		}
	})
}

// The five sets used by the capability cases: all different.
var (
	capsBnd = []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_AUDIT_WRITE", "CAP_SETUID", "CAP_SETGID"}
	capsEff = []string{"CAP_CHOWN", "CAP_KILL"}
	capsPrm = []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}
	capsInh = []string{"CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID"}
	capsAmb = []string{"CAP_NET_RAW"}
	// The kernel refuses an inheritable capability outside the bounding set.
)

// checkCapSets compares the five sets of /proc/self/status with masks.
func checkCapSets(want map[string][]string) func(*testing.T, string, surfaceVariant) {
	return func(t *testing.T, out string, _ surfaceVariant) {
		t.Helper()
		got := statusCaps(t, out)
		for field, names := range want {
			if w := capsMask(t, names...); got[field] != w {
				t.Errorf("%s = %#x, want %#x (%v)", field, got[field], w, names)
			}
		}
	}
}

// limitsLine finds "Max open files  256  512  files" in /proc/self/limits.
func limitsLine(t *testing.T, out, name string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return strings.Fields(strings.TrimPrefix(l, name))
		}
	}
	t.Fatalf("no %q in /proc/self/limits:\n%s", name, out)
	return nil
}

func withSysctl(kv ...string) testutil.SpecOpt {
	return testutil.WithSpec(func(s *specs.Spec) {
		if s.Linux.Sysctl == nil {
			s.Linux.Sysctl = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			s.Linux.Sysctl[kv[i]] = kv[i+1]
		}
	})
}

var surfaceProcessCases = []surfaceCase{
	{
		name:   "user-uid-gid-umask-additionalGids",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithWritableRoot(), testutil.WithSpec(func(s *specs.Spec) {
			s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 6}, Umask: umaskPtr(0o027)}
		})},
		script: `echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G); echo umask=$(umask); touch /tmp/f; stat -c mode=%a /tmp/f`,
		check: func(t *testing.T, out string, _ surfaceVariant) {
			kv := keyValues(out)
			if kv["uid"] != "1000" || kv["gid"] != "1000" {
				t.Errorf("uid=%s gid=%s, want 1000 1000", kv["uid"], kv["gid"])
			}
			groups := strings.Fields(kv["groups"])
			if !slices.Contains(groups, "5") || !slices.Contains(groups, "6") {
				t.Errorf("groups %v, want 5 and 6", groups)
			}
			if kv["umask"] != "0027" {
				t.Errorf("umask %q, want 0027", kv["umask"])
			}
			if kv["mode"] != "640" {
				t.Errorf("a new file has mode %s, want 640 (umask 027)", kv["mode"])
			}
		},
	},
	{
		name:   "user-root-default-umask",
		userns: true,
		script: `echo uid=$(id -u); echo gid=$(id -g); echo umask=$(umask)`,
		check:  wantLines("uid=0", "gid=0", "umask=0022"),
	},
	{
		// The cwd is created when missing, even under a read-only root
		// (runc creates it before the read-only remount). Under /tmp so
		// that a userns root may create it.
		name:   "cwd-created-readonly-root",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithReadonlyRoot(), testutil.WithCwd("/tmp/does/not/exist")},
		script: `pwd; stat -c type=%F .`,
		check:  wantLines("/tmp/does/not/exist", "type=directory"),
	},
	{
		name:   "cwd-created-writable-root",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithWritableRoot(), testutil.WithCwd("/tmp/app/data")},
		script: `pwd; stat -c type=%F .`,
		check:  wantLines("/tmp/app/data", "type=directory"),
	},
	{
		// args are passed verbatim (spaces, empty strings, globs), env as set.
		name:   "args-and-env",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithArgs("sh", "-c", `printf '[%s]' "$0" "$@"; echo; echo "FOO=$FOO"; echo "EMPTY=${EMPTY-unset}"; echo "EQ=$EQ"`, "zero", "a b", "", "c*"),
			testutil.WithEnv("FOO=bar baz", "EMPTY=", "EQ=x=y"),
		},
		check: wantLines("[zero][a b][][c*]", "FOO=bar baz", "EMPTY=", "EQ=x=y"),
	},
	{
		// execve recomputes permitted and effective (capabilities(7)); for
		// uid 0 every file capability is set, so they become bounding |
		// inheritable, but no_new_privs caps permitted at what it was
		// before: the configured permitted set, all of it effective.
		name:   "capabilities-five-sets-root-nnp",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithNoNewPrivileges(true),
			withAllCapSets(capsBnd, capsEff, capsPrm, capsInh, capsAmb),
		},
		script: "cat /proc/self/status",
		check: checkCapSets(map[string][]string{
			"CapBnd": capsBnd, "CapInh": capsInh, "CapAmb": capsAmb,
			"CapPrm": capsPrm, "CapEff": capsPrm,
		}),
	},
	{
		// Without no_new_privs root gains bounding | inheritable.
		name:   "capabilities-five-sets-root",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithNoNewPrivileges(false),
			withAllCapSets(capsBnd, capsEff, capsPrm, capsInh, capsAmb),
		},
		script: "cat /proc/self/status",
		check: checkCapSets(map[string][]string{
			"CapBnd": capsBnd, "CapInh": capsInh, "CapAmb": capsAmb,
			"CapPrm": capsBnd, "CapEff": capsBnd,
		}),
	},
	{
		// For a non-root user execve keeps only the ambient set in
		// permitted and effective: that the ambient cap survives shows it
		// was raised after the switch to uid 1000.
		name:   "capabilities-five-sets-user",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithUser(1000, 1000),
			withAllCapSets(capsBnd, capsEff, capsPrm, capsInh, capsAmb),
		},
		script: "cat /proc/self/status",
		check: checkCapSets(map[string][]string{
			"CapBnd": capsBnd, "CapInh": capsInh, "CapAmb": capsAmb,
			"CapPrm": capsAmb, "CapEff": capsAmb,
		}),
	},
	{
		name: "capabilities-unknown-name",
		opts: []testutil.SpecOpt{withAllCapSets(
			[]string{"CAP_CHOWN", "CAP_BOGUS"}, []string{"CAP_CHOWN"}, []string{"CAP_CHOWN"}, nil, nil)},
		script: "true",
		errs:   []string{"CAP_BOGUS"},
	},
	{
		name:   "rlimits",
		userns: true,
		opts: []testutil.SpecOpt{
			testutil.WithRlimit("RLIMIT_NOFILE", 256, 512),
			testutil.WithRlimit("RLIMIT_NPROC", 1000, 2000),
			testutil.WithRlimit("RLIMIT_CORE", 0, 4096),
		},
		script: "cat /proc/self/limits; echo nofile=$(ulimit -n)",
		check: func(t *testing.T, out string, _ surfaceVariant) {
			for _, w := range []struct {
				name       string
				soft, hard string
			}{
				{"Max open files", "256", "512"},
				{"Max processes", "1000", "2000"},
				{"Max core file size", "0", "4096"},
			} {
				f := limitsLine(t, out, w.name)
				if len(f) < 2 || f[0] != w.soft || f[1] != w.hard {
					t.Errorf("%s: %v, want soft %s hard %s", w.name, f, w.soft, w.hard)
				}
			}
			if kv := keyValues(out); kv["nofile"] != "256" {
				t.Errorf("ulimit -n %q, want 256", kv["nofile"])
			}
		},
	},
	{
		name:   "rlimit-unknown-type",
		opts:   []testutil.SpecOpt{testutil.WithRlimit("RLIMIT_BOGUS", 1, 1)},
		script: "true",
		errs:   []string{"RLIMIT_BOGUS"},
	},
	{
		name:   "noNewPrivileges-true",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithNoNewPrivileges(true)},
		script: "grep NoNewPrivs /proc/self/status",
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if v := statusField(t, out, "NoNewPrivs"); v != "1" {
				t.Errorf("NoNewPrivs %s, want 1", v)
			}
		},
	},
	{
		name:   "noNewPrivileges-false",
		userns: true,
		opts:   []testutil.SpecOpt{testutil.WithNoNewPrivileges(false)},
		script: "grep NoNewPrivs /proc/self/status",
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if v := statusField(t, out, "NoNewPrivs"); v != "0" {
				t.Errorf("NoNewPrivs %s, want 0", v)
			}
		},
	},
	{
		// Raising the score needs no privilege (CAP_SYS_RESOURCE, needed to
		// lower it, is not in this host's bounding set).
		name:   "oomScoreAdj",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			v := 567
			s.Process.OOMScoreAdj = &v
		})},
		script: "cat /proc/self/oom_score_adj",
		check:  wantLines("567"),
	},
	{
		name:   "personality-linux32",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
		})},
		script: "uname -m",
		check:  wantLines("i686"),
	},
	{
		name: "personality-unknown-domain",
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX_BOGUS"}
		})},
		script: "true",
		errs:   []string{"personality"},
	},
	{
		// proc(5): field 19 is nice, field 41 the policy (SCHED_BATCH = 3).
		name:   "scheduler-batch-nice",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 5}
		})},
		script: "cat /proc/self/stat",
		check: func(t *testing.T, out string, _ surfaceVariant) {
			for _, w := range []struct {
				field int
				want  string
			}{{19, "5"}, {41, "3"}} {
				got, err := statField(strings.TrimSpace(out), w.field)
				if err != nil {
					t.Fatal(err)
				}
				if got != w.want {
					t.Errorf("stat field %d = %s, want %s", w.field, got, w.want)
				}
			}
		},
	},
	{
		name:   "scheduler-idle",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedIdle}
		})},
		script: "cat /proc/self/stat",
		check: func(t *testing.T, out string, _ surfaceVariant) {
			if got, err := statField(strings.TrimSpace(out), 41); err != nil || got != "5" {
				t.Errorf("policy %s (%v), want 5 (SCHED_IDLE)", got, err)
			}
		},
	},
	{
		name: "scheduler-unknown-policy",
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_BOGUS"}
		})},
		script: "true",
		errs:   []string{"process.scheduler.policy"},
	},
	{
		// busybox ionice (ioprio_get) reports the class and level.
		name:   "ioPriority-best-effort",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
		})},
		script: "ionice",
		check:  wantLines("best-effort: prio 6"),
	},
	{
		name:   "ioPriority-idle",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE}
		})},
		script: "ionice",
		check:  wantLines("idle"),
	},
	{
		name: "ioPriority-bad-priority",
		opts: []testutil.SpecOpt{testutil.WithSpec(func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 9}
		})},
		script: "true",
		errs:   []string{"process.ioPriority"},
	},
	{
		name:   "sysctl-namespaced",
		userns: true,
		opts: []testutil.SpecOpt{withSysctl(
			"net.ipv4.ip_forward", "1",
			"net/ipv4/conf/lo/forwarding", "1",
			"kernel.shmmax", "123456789")},
		script: `echo fwd=$(cat /proc/sys/net/ipv4/ip_forward); echo lofwd=$(cat /proc/sys/net/ipv4/conf/lo/forwarding); echo shmmax=$(cat /proc/sys/kernel/shmmax)`,
		check:  wantLines("fwd=1", "lofwd=1", "shmmax=123456789"),
	},
	{
		// kernel.domainname is owned by the initial user namespace's root
		// in procfs: in a user namespace only setdomainname(2) (CAP_SYS_ADMIN
		// over the uts namespace) can set it.
		name:   "sysctl-domainname",
		userns: true,
		opts:   []testutil.SpecOpt{withSysctl("kernel.domainname", "sysctl.example")},
		script: `echo dom=$(cat /proc/sys/kernel/domainname)`,
		check:  wantLines("dom=sysctl.example"),
	},
	{
		name:     "sysctl-net-without-netns",
		opts:     []testutil.SpecOpt{testutil.WithoutNamespace(specs.NetworkNamespace), withSysctl("net.ipv4.ip_forward", "1")},
		script:   "true",
		errs:     []string{`linux.sysctl["net.ipv4.ip_forward"]`},
		brigOnly: "error wording",
	},
	{
		name:     "sysctl-ipc-without-ipcns",
		opts:     []testutil.SpecOpt{testutil.WithoutNamespace(specs.IPCNamespace), withSysctl("kernel.shmmax", "123456789")},
		script:   "true",
		errs:     []string{"needs an ipc namespace"},
		brigOnly: "error wording",
	},
	{
		name:     "sysctl-not-namespaced",
		opts:     []testutil.SpecOpt{withSysctl("kernel.pid_max", "4096")},
		script:   "true",
		errs:     []string{`linux.sysctl["kernel.pid_max"]`},
		brigOnly: "error wording",
	},
	{
		name:   "hostname-domainname",
		userns: true,
		opts: []testutil.SpecOpt{testutil.WithHostname("surface-host"), testutil.WithSpec(func(s *specs.Spec) {
			s.Domainname = "surface.example"
		})},
		script: `echo host=$(hostname); echo dom=$(cat /proc/sys/kernel/domainname); echo uname=$(uname -n)`,
		check:  wantLines("host=surface-host", "dom=surface.example", "uname=surface-host"),
	},
	{
		name:   "hostname-without-utsns",
		opts:   []testutil.SpecOpt{testutil.WithoutNamespace(specs.UTSNamespace), testutil.WithHostname("nope")},
		script: "true",
		errs:   []string{"hostname", "uts"},
	},
}

// TestSurfaceProcess: process.* fields and the process-related linux.*
// fields (personality, sysctl, hostname) as the process sees them.
func TestSurfaceProcess(t *testing.T) {
	t.Parallel()
	runSurfaceCases(t, surfaceProcessCases)
}

// TestSurfaceExecCPUAffinity: process.execCPUAffinity.final is the
// affinity the process runs with (needs two CPUs).
func TestSurfaceExecCPUAffinity(t *testing.T) {
	t.Parallel()
	if runtime.NumCPU() < 2 {
		t.Skip("needs at least two CPUs")
	}
	aff := func(initial, final string) testutil.SpecOpt {
		return testutil.WithSpec(func(s *specs.Spec) {
			s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: initial, Final: final}
		})
	}
	checkList := func(want string) func(*testing.T, string, surfaceVariant) {
		return func(t *testing.T, out string, _ surfaceVariant) {
			if got := statusField(t, out, "Cpus_allowed_list"); got != want {
				t.Errorf("Cpus_allowed_list %s, want %s", got, want)
			}
		}
	}
	runSurfaceCases(t, []surfaceCase{
		{name: "final", userns: true, opts: []testutil.SpecOpt{aff("", "1")}, script: "cat /proc/self/status", check: checkList("1")},
		{name: "initial-and-final", userns: true, opts: []testutil.SpecOpt{aff("0", "1")}, script: "cat /proc/self/status", check: checkList("1")},
		{name: "final-0", opts: []testutil.SpecOpt{aff("1", "0")}, script: "cat /proc/self/status", check: checkList("0")},
		{name: "bad-list", opts: []testutil.SpecOpt{aff("", "1-x")}, script: "true", errs: []string{"execCPUAffinity"}},
	})
}
