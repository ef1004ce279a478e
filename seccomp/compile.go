package seccomp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// bpfMaxInsns is the kernel's limit on a classic BPF program (BPF_MAXINSNS).
const bpfMaxInsns = 4096

// sizeofSockFilter is sizeof(struct sock_filter).
const sizeofSockFilter = int(unsafe.Sizeof(unix.SockFilter{}))

// Program is a compiled seccomp filter, ready to be sent to the init and
// loaded there with Install. It is plain data (JSON-serialisable).
type Program struct {
	// Filter is the array of struct sock_filter in host byte order (what
	// libseccomp's seccomp_export_bpf writes). Base64 in JSON.
	Filter []byte `json:"filter"`
	// Flags are the seccomp(2) SECCOMP_SET_MODE_FILTER flags, including
	// SECCOMP_FILTER_FLAG_NEW_LISTENER when Notify is set.
	Flags uint `json:"flags"`
	// Notify is set when the filter uses SCMP_ACT_NOTIFY: Install then
	// returns a listener fd that must be sent to ListenerPath.
	Notify           bool   `json:"notify,omitempty"`
	ListenerPath     string `json:"listenerPath,omitempty"`
	ListenerMetadata string `json:"listenerMetadata,omitempty"`
}

// Len is the number of BPF instructions.
func (p *Program) Len() int { return len(p.Filter) / sizeofSockFilter }

// Instructions decodes Filter into sock_filter structs.
func (p *Program) Instructions() ([]unix.SockFilter, error) {
	if len(p.Filter) == 0 || len(p.Filter)%sizeofSockFilter != 0 {
		return nil, fmt.Errorf("seccomp: bad filter length %d", len(p.Filter))
	}
	insns := make([]unix.SockFilter, len(p.Filter)/sizeofSockFilter)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&insns[0])), len(p.Filter)), p.Filter)
	return insns, nil
}

func encodeInsns(insns []unix.SockFilter) []byte {
	if len(insns) == 0 {
		return nil
	}
	b := make([]byte, len(insns)*sizeofSockFilter)
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&insns[0])), len(b)))
	return b
}

// notifyForbidden lists syscalls that must not get SCMP_ACT_NOTIFY: the
// init uses them after the filter is loaded to hand the listener fd over,
// and a notification nobody can answer yet would hang it.
var notifyForbidden = map[string]bool{"write": true, "sendmsg": true}

// Compile validates s and compiles it to a Program. Errors name the
// offending field, e.g. "linux.seccomp.syscalls[3].action: unknown action
// \"X\"". Compile probes the running kernel (flags), so it must run on the
// host that will run the container.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	if s == nil {
		return nil, errors.New("linux.seccomp: missing")
	}
	defAct, err := resolveAction(s.DefaultAction, s.DefaultErrnoRet,
		"linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet")
	if err != nil {
		return nil, err
	}
	if s.DefaultAction == specs.ActNotify {
		return nil, errors.New("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
	}
	if s.ListenerMetadata != "" && s.ListenerPath == "" {
		return nil, errors.New("linux.seccomp.listenerMetadata: must not be set without listenerPath")
	}

	arches, err := filterArches(s.Architectures)
	if err != nil {
		return nil, err
	}

	// Resolve every rule before touching libseccomp, so that all
	// validation errors are reported the same way.
	rules := make([]rule, 0, len(s.Syscalls))
	notify := false
	nRules := 0
	for i, sc := range s.Syscalls {
		r, err := resolveRule(i, sc)
		if err != nil {
			return nil, err
		}
		if sc.Action == specs.ActNotify {
			notify = true
		}
		nRules += len(sc.Names)
		rules = append(rules, r)
	}
	if notify && s.ListenerPath == "" {
		return nil, errors.New("linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used")
	}

	flags, err := resolveFlags(s.Flags, notify)
	if err != nil {
		return nil, err
	}

	filter, err := libseccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: creating libseccomp filter: %w", err)
	}
	defer filter.Release()
	for _, a := range arches {
		if err := filter.AddArch(a.arch); err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures: adding %s: %w", a.name, err)
		}
	}
	// libseccomp's binary tree is much shorter for long profiles; runc
	// uses the same threshold (libseccomp <= 2.5.4 misbehaves with the
	// tree and zero rules).
	if nRules > 32 {
		if err := filter.SetOptimize(2); err != nil {
			logrus.Debugf("seccomp: binary tree optimisation not available: %v", err)
		}
	}
	for i := range rules {
		if err := rules[i].add(filter, defAct); err != nil {
			return nil, err
		}
	}

	insns, err := exportBPF(filter)
	if err != nil {
		return nil, err
	}
	stub, err := enosysStubFor(s, arches)
	if err != nil {
		return nil, err
	}
	all := append(stub, insns...)
	if len(all) > bpfMaxInsns {
		return nil, fmt.Errorf("linux.seccomp: filter has %d instructions, the kernel allows %d", len(all), bpfMaxInsns)
	}
	p := &Program{Filter: encodeInsns(all), Flags: flags, Notify: notify}
	if notify {
		p.ListenerPath = s.ListenerPath
		p.ListenerMetadata = s.ListenerMetadata
	}
	return p, nil
}

func resolveAction(name specs.LinuxSeccompAction, errnoRet *uint, field, errnoField string) (libseccomp.ScmpAction, error) {
	for _, a := range actions {
		if a.name != name {
			continue
		}
		if !a.errnoRet {
			if errnoRet != nil {
				return 0, fmt.Errorf("%s: not supported with action %s", errnoField, name)
			}
			return a.act, nil
		}
		code := uint(unix.EPERM)
		if errnoRet != nil {
			code = *errnoRet
		}
		if code > 0xffff {
			return 0, fmt.Errorf("%s: %d does not fit in 16 bits", errnoField, code)
		}
		// The binding takes an int16 but only keeps the low 16 bits.
		return a.act.SetReturnCode(int16(uint16(code))), nil
	}
	if name == "" {
		return 0, fmt.Errorf("%s: must be set", field)
	}
	return 0, fmt.Errorf("%s: unknown action %q", field, name)
}

// filterArches returns the native architecture followed by the listed ones
// (duplicates removed).
func filterArches(names []specs.Arch) ([]archInfo, error) {
	native, err := lookupNativeArch()
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: %w", err)
	}
	out := []archInfo{native}
	for i, n := range names {
		field := fmt.Sprintf("linux.seccomp.architectures[%d]", i)
		a, ok := lookupArch(n)
		if !ok {
			return nil, fmt.Errorf("%s: unknown architecture %q", field, n)
		}
		if !archUsable(a) {
			major, minor, micro := libseccomp.GetLibraryVersion()
			return nil, fmt.Errorf("%s: %s not supported by libseccomp %d.%d.%d", field, n, major, minor, micro)
		}
		dup := false
		for _, o := range out {
			dup = dup || o.name == a.name
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out, nil
}

func resolveFlags(names []specs.LinuxSeccompFlag, notify bool) (uint, error) {
	var flags uint
	for i, n := range names {
		field := fmt.Sprintf("linux.seccomp.flags[%d]", i)
		bit, ok := uint(0), false
		for _, f := range knownFlags {
			if f.name == n {
				bit, ok = f.bit, true
			}
		}
		if !ok {
			return 0, fmt.Errorf("%s: unknown flag %q", field, n)
		}
		if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify {
			logrus.Debugf("seccomp: %s ignored: no SCMP_ACT_NOTIFY rule", n)
			continue
		}
		if !flagSupported(bit) {
			return 0, fmt.Errorf("%s: %s not supported by the kernel", field, n)
		}
		flags |= bit
	}
	if notify {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		// The kernel refuses TSYNC together with a listener unless it may
		// report a failed sync as ESRCH (the fd takes the return value).
		if flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			if !flagSupported(unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH) {
				return 0, errors.New("linux.seccomp.flags: SECCOMP_FILTER_FLAG_TSYNC with SCMP_ACT_NOTIFY needs a kernel with SECCOMP_FILTER_FLAG_TSYNC_ESRCH (5.7+)")
			}
			flags |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	}
	return flags, nil
}

// rule is one validated linux.seccomp.syscalls entry.
type rule struct {
	index int
	names []string
	act   libseccomp.ScmpAction
	conds []libseccomp.ScmpCondition
	split bool // several conditions on one argument: one rule per condition
}

func resolveRule(i int, sc specs.LinuxSyscall) (rule, error) {
	field := fmt.Sprintf("linux.seccomp.syscalls[%d]", i)
	act, err := resolveAction(sc.Action, sc.ErrnoRet, field+".action", field+".errnoRet")
	if err != nil {
		return rule{}, err
	}
	if len(sc.Names) == 0 {
		return rule{}, fmt.Errorf("%s.names: must not be empty", field)
	}
	for j, n := range sc.Names {
		if n == "" {
			return rule{}, fmt.Errorf("%s.names[%d]: must not be empty", field, j)
		}
		if sc.Action == specs.ActNotify && notifyForbidden[n] {
			return rule{}, fmt.Errorf("%s.names[%d]: SCMP_ACT_NOTIFY cannot be used for %q (the runtime needs it to pass the listener fd)", field, j, n)
		}
	}
	r := rule{index: i, names: sc.Names, act: act}
	var perArg [6]int
	for k, arg := range sc.Args {
		afield := fmt.Sprintf("%s.args[%d]", field, k)
		if arg.Index >= uint(len(perArg)) {
			return rule{}, fmt.Errorf("%s.index: %d out of range (syscalls have 6 arguments)", afield, arg.Index)
		}
		op, ok := libseccomp.CompareInvalid, false
		for _, o := range operators {
			if o.name == arg.Op {
				op, ok = o.op, true
			}
		}
		if !ok {
			return rule{}, fmt.Errorf("%s.op: unknown operator %q", afield, arg.Op)
		}
		c, err := libseccomp.MakeCondition(arg.Index, op, arg.Value, arg.ValueTwo)
		if err != nil {
			return rule{}, fmt.Errorf("%s: %w", afield, err)
		}
		perArg[arg.Index]++
		if perArg[arg.Index] > 1 {
			r.split = true
		}
		r.conds = append(r.conds, c)
	}
	return r, nil
}

func (r *rule) add(filter *libseccomp.ScmpFilter, defAct libseccomp.ScmpAction) error {
	for _, name := range r.names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			logrus.Debugf("seccomp: unknown syscall %q ignored (linux.seccomp.syscalls[%d])", name, r.index)
			continue
		}
		if r.act == defAct {
			// libseccomp refuses rules equal to the default; they are no-ops.
			logrus.Debugf("seccomp: rule for %q has the default action, skipped", name)
			continue
		}
		switch {
		case len(r.conds) == 0:
			err = filter.AddRule(nr, r.act)
		case r.split:
			for _, c := range r.conds {
				if err = filter.AddRuleConditional(nr, r.act, []libseccomp.ScmpCondition{c}); err != nil {
					break
				}
			}
		default:
			err = filter.AddRuleConditional(nr, r.act, r.conds)
		}
		if err != nil {
			return fmt.Errorf("linux.seccomp.syscalls[%d]: adding rule for %q: %w", r.index, name, err)
		}
	}
	return nil
}

// exportBPF asks libseccomp for the raw program. It writes to an fd, so use
// a memfd and read it back.
func exportBPF(filter *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("brig-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "brig-seccomp-bpf")
	defer f.Close()
	if err := filter.ExportBPF(f); err != nil {
		return nil, fmt.Errorf("linux.seccomp: exporting BPF: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("linux.seccomp: reading BPF: %w", err)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: reading BPF: %w", err)
	}
	p := Program{Filter: raw}
	insns, err := p.Instructions()
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: libseccomp output: %w", err)
	}
	return insns, nil
}

// isPermissive reports whether unmatched syscalls run anyway, in which case
// the -ENOSYS stub is pointless. TRACE counts: a tracer should handle new
// syscalls itself.
func isPermissive(a specs.LinuxSeccompAction) bool {
	return a == specs.ActAllow || a == specs.ActLog || a == specs.ActTrace
}

// enosysStubFor computes the per-arch highest syscall named in s and
// builds the stub (nil when not needed).
func enosysStubFor(s *specs.LinuxSeccomp, arches []archInfo) ([]unix.SockFilter, error) {
	if isPermissive(s.DefaultAction) {
		return nil, nil
	}
	if s.DefaultAction == specs.ActErrno && s.DefaultErrnoRet != nil && *s.DefaultErrnoRet == uint(unix.ENOSYS) {
		return nil, nil
	}
	byAudit := map[uint32]*archLimit{}
	var order []uint32
	for _, a := range arches {
		max, ok := highestSyscall(s, a)
		if !ok {
			logrus.Debugf("seccomp: no syscall of the profile is known on %s, no -ENOSYS stub for it", a.name)
			continue
		}
		l := byAudit[a.audit]
		if l == nil {
			l = &archLimit{audit: a.audit}
			byAudit[a.audit] = l
			order = append(order, a.audit)
		}
		switch a.name {
		case specs.ArchX32:
			l.x32Max, l.hasX32 = max, true
		default:
			l.max, l.hasMax = max, true
		}
		l.multiplex = a.name == specs.ArchS390 || a.name == specs.ArchS390X
	}
	limits := make([]archLimit, 0, len(order))
	for _, audit := range order {
		limits = append(limits, *byAudit[audit])
	}
	stub, err := enosysStub(limits)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: building -ENOSYS stub: %w", err)
	}
	if stub != nil && logrus.IsLevelEnabled(logrus.DebugLevel) {
		for _, l := range limits {
			logrus.Debugf("seccomp: -ENOSYS above %d (x32: %d) for arch %#x", l.max, l.x32Max&^x32SyscallBit, l.audit)
		}
	}
	return stub, nil
}

func highestSyscall(s *specs.LinuxSeccomp, a archInfo) (uint32, bool) {
	var max int32 = -1
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			nr, err := libseccomp.GetSyscallFromNameByArch(name, a.arch)
			// Negative numbers are libseccomp pseudo-syscalls (absent on a).
			if err == nil && int32(nr) > max {
				max = int32(nr)
			}
		}
	}
	if max < 0 {
		return 0, false
	}
	return uint32(max), true
}
