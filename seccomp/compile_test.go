package seccomp

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func uintp(v uint) *uint { return &v }

func loadDefaultProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	b, err := os.ReadFile("testdata/default-profile.json")
	if err != nil {
		t.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func mustCompile(t *testing.T, s *specs.LinuxSeccomp) *Program {
	t.Helper()
	p, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

func insns(t *testing.T, p *Program) []unix.SockFilter {
	t.Helper()
	in, err := p.Instructions()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retKill  = unix.SECCOMP_RET_KILL_THREAD
)

func retErrno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func TestCompileErrors(t *testing.T) {
	allow := specs.ActAllow
	tests := []struct {
		name string
		s    specs.LinuxSeccomp
		want string
	}{
		{"empty default", specs.LinuxSeccomp{}, "linux.seccomp.defaultAction: must be set"},
		{"unknown default", specs.LinuxSeccomp{DefaultAction: "X"}, `linux.seccomp.defaultAction: unknown action "X"`},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
		{"errnoRet with allow", specs.LinuxSeccomp{DefaultAction: allow, DefaultErrnoRet: uintp(1)}, "linux.seccomp.defaultErrnoRet: not supported with action SCMP_ACT_ALLOW"},
		{"errnoRet too big", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(70000)}, "linux.seccomp.defaultErrnoRet: 70000 does not fit"},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: allow, Architectures: []specs.Arch{specs.ArchX86, "SCMP_ARCH_VAX"}}, `linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"`},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: allow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOPE"}}, `linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"`},
		{"metadata without path", specs.LinuxSeccomp{DefaultAction: allow, ListenerMetadata: "x"}, "linux.seccomp.listenerMetadata: must not be set without listenerPath"},
		{"unknown action", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno}, {}, {}, {Names: []string{"read"}, Action: "X"}}},
			`linux.seccomp.syscalls[1].action: must be set`},
		{"unknown action 3", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActErrno}, {Names: []string{"a"}, Action: allow}, {Names: []string{"a"}, Action: allow}, {Names: []string{"read"}, Action: "X"}}},
			`linux.seccomp.syscalls[3].action: unknown action "X"`},
		{"no names", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}}, "linux.seccomp.syscalls[0].names: must not be empty"},
		{"empty name", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read", ""}, Action: specs.ActErrno}}}, "linux.seccomp.syscalls[0].names[1]: must not be empty"},
		{"errnoRet with kill", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKill, ErrnoRet: uintp(3)}}}, "linux.seccomp.syscalls[0].errnoRet: not supported with action SCMP_ACT_KILL"},
		{"bad arg index", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, {Index: 6, Op: specs.OpEqualTo}}}}}, "linux.seccomp.syscalls[0].args[1].index: 6 out of range"},
		{"bad op", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_LIKE"}}}}}, `linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_LIKE"`},
		{"notify without path", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}}}, "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
		{"notify write", specs.LinuxSeccomp{DefaultAction: allow, ListenerPath: "/x", Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid", "write"}, Action: specs.ActNotify}}}, `linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for "write"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(&tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
}

func TestCompileProgramFields(t *testing.T) {
	p := mustCompile(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", ListenerMetadata: "meta",
		Flags:    []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}},
	})
	wantFlags := uint(unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG |
		unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
	if !p.Notify || p.Flags != wantFlags || p.ListenerPath != "/run/agent.sock" || p.ListenerMetadata != "meta" {
		t.Errorf("got %+v, flags want %#x", p, wantFlags)
	}
	// Round trip through JSON, the way the program reaches the init.
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Program
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if string(q.Filter) != string(p.Filter) || q.Flags != p.Flags || !q.Notify {
		t.Error("JSON round trip changed the program")
	}

	// WAIT_KILLABLE_RECV without a listener is dropped.
	p = mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Flags:    []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}}})
	if p.Flags != 0 || p.Notify {
		t.Errorf("flags %#x notify %v, want 0 false", p.Flags, p.Notify)
	}
}

// TestCompileSemantics evaluates compiled filters with the BPF interpreter.
func TestCompileSemantics(t *testing.T) {
	const getpid = unix.SYS_GETPID
	x86_64 := uint32(unix.AUDIT_ARCH_X86_64)
	type probe struct {
		nr   int32
		args [6]uint64
		want uint32
	}
	rule := func(action specs.LinuxSeccompAction, errno *uint, args ...specs.LinuxSeccompArg) specs.LinuxSeccomp {
		return specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid"}, Action: action, ErrnoRet: errno, Args: args}}}
	}
	arg := func(i uint, op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Op: op, Value: v, ValueTwo: v2}
	}
	e100 := retErrno(100)
	tests := []struct {
		name   string
		s      specs.LinuxSeccomp
		probes []probe
	}{
		{"errno default EPERM", rule(specs.ActErrno, nil), []probe{{getpid, [6]uint64{}, retErrno(unix.EPERM)}, {unix.SYS_GETPPID, [6]uint64{}, retAllow}}},
		{"errno custom", rule(specs.ActErrno, uintp(123)), []probe{{getpid, [6]uint64{}, retErrno(123)}}},
		{"kill", rule(specs.ActKill, nil), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_KILL_THREAD}}},
		{"kill process", rule(specs.ActKillProcess, nil), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_KILL_PROCESS}}},
		{"kill thread", rule(specs.ActKillThread, nil), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_KILL_THREAD}}},
		{"trap", rule(specs.ActTrap, nil), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_TRAP}}},
		{"trace", rule(specs.ActTrace, uintp(7)), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_TRACE | 7}}},
		{"log", rule(specs.ActLog, nil), []probe{{getpid, [6]uint64{}, unix.SECCOMP_RET_LOG}}},
		{"ne", rule(specs.ActErrno, uintp(100), arg(0, specs.OpNotEqual, 10, 0)), []probe{{getpid, [6]uint64{9}, e100}, {getpid, [6]uint64{10}, retAllow}, {getpid, [6]uint64{11}, e100}}},
		{"lt", rule(specs.ActErrno, uintp(100), arg(0, specs.OpLessThan, 10, 0)), []probe{{getpid, [6]uint64{9}, e100}, {getpid, [6]uint64{10}, retAllow}, {getpid, [6]uint64{11}, retAllow}}},
		{"le", rule(specs.ActErrno, uintp(100), arg(0, specs.OpLessEqual, 10, 0)), []probe{{getpid, [6]uint64{9}, e100}, {getpid, [6]uint64{10}, e100}, {getpid, [6]uint64{11}, retAllow}}},
		{"eq", rule(specs.ActErrno, uintp(100), arg(0, specs.OpEqualTo, 10, 0)), []probe{{getpid, [6]uint64{9}, retAllow}, {getpid, [6]uint64{10}, e100}, {getpid, [6]uint64{11}, retAllow}}},
		{"ge", rule(specs.ActErrno, uintp(100), arg(0, specs.OpGreaterEqual, 10, 0)), []probe{{getpid, [6]uint64{9}, retAllow}, {getpid, [6]uint64{10}, e100}, {getpid, [6]uint64{11}, e100}}},
		{"gt", rule(specs.ActErrno, uintp(100), arg(0, specs.OpGreaterThan, 10, 0)), []probe{{getpid, [6]uint64{9}, retAllow}, {getpid, [6]uint64{10}, retAllow}, {getpid, [6]uint64{11}, e100}}},
		{"eq 64-bit", rule(specs.ActErrno, uintp(100), arg(2, specs.OpEqualTo, 1<<40|5, 0)), []probe{{getpid, [6]uint64{0, 0, 1<<40 | 5}, e100}, {getpid, [6]uint64{0, 0, 5}, retAllow}}},
		// value is the mask, valueTwo the expected result.
		{"masked eq", rule(specs.ActErrno, uintp(100), arg(1, specs.OpMaskedEqual, 0xf0, 0x10)), []probe{
			{getpid, [6]uint64{0, 0x1f}, e100}, {getpid, [6]uint64{0, 0x2f}, retAllow}, {getpid, [6]uint64{0, 0x10}, e100}}},
		{"masked eq zero (docker clone)", rule(specs.ActErrno, uintp(100), arg(0, specs.OpMaskedEqual, 0x7e020000, 0)), []probe{
			{getpid, [6]uint64{17}, e100}, {getpid, [6]uint64{unix.CLONE_NEWUSER | 17}, retAllow}}},
		{"different args are ANDed", rule(specs.ActErrno, uintp(100), arg(0, specs.OpEqualTo, 1, 0), arg(1, specs.OpEqualTo, 2, 0)), []probe{
			{getpid, [6]uint64{1, 2}, e100}, {getpid, [6]uint64{1, 3}, retAllow}, {getpid, [6]uint64{0, 2}, retAllow}}},
		// runc behaviour: a repeated index turns every condition into its own rule.
		{"same arg is ORed", rule(specs.ActErrno, uintp(100), arg(0, specs.OpEqualTo, 1, 0), arg(0, specs.OpEqualTo, 2, 0), arg(1, specs.OpEqualTo, 9, 0)), []probe{
			{getpid, [6]uint64{1}, e100}, {getpid, [6]uint64{2}, e100}, {getpid, [6]uint64{3, 9}, e100}, {getpid, [6]uint64{3, 8}, retAllow}}},
		{"unknown names skipped", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"no_such_syscall", "getpid"}, Action: specs.ActErrno}}}, []probe{{getpid, [6]uint64{}, retErrno(unix.EPERM)}}},
		{"rule equal to default skipped", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(5), Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: uintp(5)}, {Names: []string{"getppid"}, Action: specs.ActAllow}}},
			[]probe{{getpid, [6]uint64{}, retErrno(5)}, {unix.SYS_GETPPID, [6]uint64{}, retAllow}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog := insns(t, mustCompile(t, &tt.s))
			for _, p := range tt.probes {
				got, err := runBPF(prog, seccompData{nr: p.nr, arch: x86_64, args: p.args})
				if err != nil {
					t.Fatal(err)
				}
				if got != p.want {
					t.Errorf("nr %d args %v: got %#x, want %#x", p.nr, p.args, got, p.want)
				}
			}
		})
	}
}

// TestENOSYSStub checks the stub on the Docker default profile for all
// three x86 ABIs, which only the interpreter can exercise here.
func TestENOSYSStub(t *testing.T) {
	p := mustCompile(t, loadDefaultProfile(t))
	prog := insns(t, p)
	t.Logf("default profile: %d instructions", len(prog))
	const (
		x86_64 = unix.AUDIT_ARCH_X86_64
		i386   = unix.AUDIT_ARCH_I386
		x32    = x32SyscallBit
	)
	enosys := retErrno(unix.ENOSYS)
	tests := []struct {
		name string
		arch uint32
		nr   int32
		args [6]uint64
		want uint32
	}{
		{"x86_64 read allowed", x86_64, unix.SYS_READ, [6]uint64{}, retAllow},
		{"x86_64 reboot in range gets default EPERM", x86_64, unix.SYS_REBOOT, [6]uint64{}, retErrno(unix.EPERM)},
		{"x86_64 clone3 explicit ENOSYS", x86_64, 435, [6]uint64{}, enosys},
		{"x86_64 fchmodat2 (452) above highest", x86_64, 452, [6]uint64{}, enosys},
		{"x86_64 syscall 1000", x86_64, 1000, [6]uint64{}, enosys},
		{"x86_64 socket AF_VSOCK denied", x86_64, unix.SYS_SOCKET, [6]uint64{40}, retErrno(unix.EPERM)},
		{"x86_64 socket AF_UNIX allowed", x86_64, unix.SYS_SOCKET, [6]uint64{unix.AF_UNIX}, retAllow},
		{"x32 read (syscall 0) allowed", x86_64, x32, [6]uint64{}, retAllow},
		{"x32 1000 above highest", x86_64, x32 | 1000, [6]uint64{}, enosys},
		{"i386 read allowed", i386, 3, [6]uint64{}, retAllow},
		{"i386 reboot EPERM", i386, 88, [6]uint64{}, retErrno(unix.EPERM)},
		{"i386 600 above highest", i386, 600, [6]uint64{}, enosys},
		{"aarch64 not in filter", unix.AUDIT_ARCH_AARCH64, 1000, [6]uint64{}, retKill},
	}
	for _, tt := range tests {
		got, err := runBPF(prog, seccompData{nr: tt.nr, arch: tt.arch, args: tt.args})
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestENOSYSStubNotAdded(t *testing.T) {
	base := func() *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.ActKillProcess}}}
	}
	for _, tt := range []struct {
		action specs.LinuxSeccompAction
		errno  *uint
		stub   bool
	}{
		{specs.ActAllow, nil, false},
		{specs.ActLog, nil, false},
		{specs.ActTrace, nil, false},
		{specs.ActErrno, uintp(uint(unix.ENOSYS)), false},
		{specs.ActErrno, nil, true},
		{specs.ActKill, nil, true},
		{specs.ActTrap, nil, true},
	} {
		s := base()
		s.DefaultAction, s.DefaultErrnoRet = tt.action, tt.errno
		mustCompile(t, s)
		arches, err := filterArches(nil)
		if err != nil {
			t.Fatal(err)
		}
		stub, err := enosysStubFor(s, arches)
		if err != nil {
			t.Fatal(err)
		}
		if (stub != nil) != tt.stub {
			t.Errorf("%s errno %v: stub %v, want %v", tt.action, tt.errno, stub != nil, tt.stub)
		}
	}
}

func TestENOSYSStubLayouts(t *testing.T) {
	tests := []struct {
		name   string
		limits []archLimit
		probes map[[2]uint32]uint32 // {arch, nr} -> result (0 = reaches filter)
	}{
		{"x86_64 only", []archLimit{{audit: unix.AUDIT_ARCH_X86_64, max: 10, hasMax: true}},
			map[[2]uint32]uint32{{unix.AUDIT_ARCH_X86_64, 10}: 0, {unix.AUDIT_ARCH_X86_64, 11}: retENOSYS, {unix.AUDIT_ARCH_X86_64, x32SyscallBit | 99}: 0, {unix.AUDIT_ARCH_I386, 99}: 0}},
		{"x32 only", []archLimit{{audit: unix.AUDIT_ARCH_X86_64, x32Max: x32SyscallBit | 10, hasX32: true}},
			map[[2]uint32]uint32{{unix.AUDIT_ARCH_X86_64, 99}: 0, {unix.AUDIT_ARCH_X86_64, x32SyscallBit | 11}: retENOSYS, {unix.AUDIT_ARCH_X86_64, x32SyscallBit | 10}: 0}},
		{"s390x multiplexer", []archLimit{{audit: unix.AUDIT_ARCH_S390X, max: 10, hasMax: true, multiplex: true}},
			map[[2]uint32]uint32{{unix.AUDIT_ARCH_S390X, 0}: retENOSYS, {unix.AUDIT_ARCH_S390X, 5}: 0, {unix.AUDIT_ARCH_S390X, 11}: retENOSYS}},
		{"two arches", []archLimit{{audit: unix.AUDIT_ARCH_AARCH64, max: 20, hasMax: true}, {audit: unix.AUDIT_ARCH_ARM, max: 30, hasMax: true}},
			map[[2]uint32]uint32{{unix.AUDIT_ARCH_AARCH64, 21}: retENOSYS, {unix.AUDIT_ARCH_AARCH64, 20}: 0, {unix.AUDIT_ARCH_ARM, 21}: 0, {unix.AUDIT_ARCH_ARM, 31}: retENOSYS}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub, err := enosysStub(tt.limits)
			if err != nil {
				t.Fatal(err)
			}
			// Stand-in for the libseccomp program: return 0.
			prog := append(stub, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: 0})
			for in, want := range tt.probes {
				got, err := runBPF(prog, seccompData{arch: in[0], nr: int32(in[1])})
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("arch %#x nr %#x: got %#x want %#x", in[0], in[1], got, want)
				}
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	f := Features()
	if f.Enabled == nil || !*f.Enabled {
		t.Fatal("not enabled")
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, a := range []string{"SCMP_ACT_KILL", "SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "SCMP_ACT_NOTIFY", "SCMP_ACT_LOG", "SCMP_ACT_KILL_PROCESS"} {
		if !has(f.Actions, a) {
			t.Errorf("action %s missing: %v", a, f.Actions)
		}
	}
	if len(f.Operators) != 7 || !has(f.Operators, "SCMP_CMP_MASKED_EQ") {
		t.Errorf("operators %v", f.Operators)
	}
	for _, a := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"} {
		if !has(f.Archs, a) {
			t.Errorf("arch %s missing: %v", a, f.Archs)
		}
	}
	if len(f.KnownFlags) != 4 {
		t.Errorf("known flags %v", f.KnownFlags)
	}
	for _, fl := range []string{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"} {
		if !has(f.SupportedFlags, fl) {
			t.Errorf("flag %s not supported: %v", fl, f.SupportedFlags)
		}
	}
	b, _ := json.Marshal(f)
	t.Logf("features: %s", b)
}

func BenchmarkCompileDefaultProfile(b *testing.B) {
	raw, err := os.ReadFile("testdata/default-profile.json")
	if err != nil {
		b.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &s); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := Compile(&s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestENOSYSStubDifferential compares the full program with libseccomp's
// program alone over whole syscall ranges: they must agree everywhere
// except above the per-arch highest syscall, where the stub says ENOSYS.
func TestENOSYSStubDifferential(t *testing.T) {
	s := loadDefaultProfile(t)
	prog := insns(t, mustCompile(t, s))
	arches, err := filterArches(s.Architectures)
	if err != nil {
		t.Fatal(err)
	}
	stub, err := enosysStubFor(s, arches)
	if err != nil {
		t.Fatal(err)
	}
	plain := prog[len(stub):]
	max := map[specs.Arch]uint32{}
	for _, a := range arches {
		m, ok := highestSyscall(s, a)
		if !ok {
			t.Fatalf("no max for %s", a.name)
		}
		max[a.name] = m
	}
	t.Logf("highest syscalls: %v", max)
	check := func(name specs.Arch, audit, base uint32) {
		for nr := base; nr < base+1200; nr++ {
			for _, args := range [][6]uint64{{}, {40, 1}, {0x7e020000}} {
				d := seccompData{nr: int32(nr), arch: audit, args: args}
				got, err := runBPF(prog, d)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := runBPF(plain, d)
				if err != nil {
					t.Fatal(err)
				}
				want := ref
				if nr > max[name] {
					want = retErrno(unix.ENOSYS)
				}
				if got != want {
					t.Fatalf("%s nr %#x args %v: got %#x, want %#x (libseccomp alone: %#x)", name, nr, args, got, want, ref)
				}
			}
		}
	}
	check(specs.ArchX86_64, unix.AUDIT_ARCH_X86_64, 0)
	check(specs.ArchX32, unix.AUDIT_ARCH_X86_64, x32SyscallBit)
	check(specs.ArchX86, unix.AUDIT_ARCH_I386, 0)
}
