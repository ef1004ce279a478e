package seccomp

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// x32SyscallBit marks x32 syscalls, which arrive as AUDIT_ARCH_X86_64.
const x32SyscallBit = 0x40000000

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
)

var retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// archLimit is the highest syscall number a profile names for one
// AUDIT_ARCH_* value. x86_64 carries two limits: one for native x86_64
// syscalls and one for x32 syscalls (bit 30 set); either may be absent.
type archLimit struct {
	audit     uint32
	max       uint32 // valid if hasMax
	hasMax    bool
	x32Max    uint32 // x86_64 only; valid if hasX32
	hasX32    bool
	multiplex bool // s390/s390x: syscall 0 is the multiplexer for unknown syscalls
}

// enosysStub builds the BPF prefix that makes syscalls numbered above the
// profile's highest one fail with ENOSYS. Every jump in the stub lands
// either inside the stub or exactly at its end, where the libseccomp
// program follows; the libseccomp program reloads what it needs, so the
// accumulator left by the stub does not matter.
//
// Layout (one block per architecture, blocks are independent):
//
//	ld  [arch]
//	jeq AUDIT_ARCH_A, 0, <next block>
//	ld  [nr]
//	... checks: jump to "enosys" or "out"
//	out:    ja <end of stub>
//	enosys: ret ERRNO(ENOSYS)
//	(next block)
//	...
//	(end of stub: libseccomp program)
func enosysStub(limits []archLimit) ([]unix.SockFilter, error) {
	limits = append([]archLimit(nil), limits...)
	sort.Slice(limits, func(i, j int) bool { return limits[i].audit < limits[j].audit })

	var a assembler
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offArch)
	blocks := 0
	for i, l := range limits {
		if !l.hasMax && !l.hasX32 {
			continue
		}
		blocks++
		next := fmt.Sprintf("next%d", i)
		out := fmt.Sprintf("out%d", i)
		enosys := fmt.Sprintf("enosys%d", i)

		a.jump(unix.BPF_JEQ, l.audit, "", next)
		a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offNr)
		if l.multiplex {
			a.jump(unix.BPF_JEQ, 0, enosys, "")
		}
		switch {
		case l.audit == unix.AUDIT_ARCH_X86_64 && l.hasMax && l.hasX32:
			x32 := fmt.Sprintf("x32_%d", i)
			a.jump(unix.BPF_JSET, x32SyscallBit, x32, "")
			a.jump(unix.BPF_JGT, l.max, enosys, out)
			a.label(x32)
			a.jump(unix.BPF_JGT, l.x32Max, enosys, out)
		case l.audit == unix.AUDIT_ARCH_X86_64 && l.hasX32:
			// Only x32 in the profile: leave x86_64 syscalls to the filter.
			a.jump(unix.BPF_JSET, x32SyscallBit, "", out)
			a.jump(unix.BPF_JGT, l.x32Max, enosys, out)
		case l.audit == unix.AUDIT_ARCH_X86_64:
			// Only x86_64: x32 syscalls are a bad arch for the filter.
			a.jump(unix.BPF_JSET, x32SyscallBit, out, "")
			a.jump(unix.BPF_JGT, l.max, enosys, out)
		default:
			a.jump(unix.BPF_JGT, l.max, enosys, out)
		}
		a.label(out)
		a.ja("end")
		a.label(enosys)
		a.stmt(unix.BPF_RET|unix.BPF_K, retENOSYS)
		a.label(next)
	}
	if blocks == 0 {
		return nil, nil
	}
	a.label("end")
	return a.assemble()
}

// assembler is a tiny classic-BPF assembler with symbolic jump targets.
type assembler struct {
	insns  []unix.SockFilter
	refs   []ref
	labels map[string]int
}

type ref struct {
	pc     int
	jt, jf string // conditional targets ("" = next instruction)
	ja     string // unconditional target
}

func (a *assembler) stmt(code uint16, k uint32) {
	a.insns = append(a.insns, unix.SockFilter{Code: code, K: k})
}

func (a *assembler) jump(op uint16, k uint32, jt, jf string) {
	a.refs = append(a.refs, ref{pc: len(a.insns), jt: jt, jf: jf})
	a.insns = append(a.insns, unix.SockFilter{Code: unix.BPF_JMP | op | unix.BPF_K, K: k})
}

func (a *assembler) ja(target string) {
	a.refs = append(a.refs, ref{pc: len(a.insns), ja: target})
	a.insns = append(a.insns, unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JA})
}

func (a *assembler) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.insns)
}

func (a *assembler) offset(pc int, target string) (int, error) {
	if target == "" {
		return 0, nil
	}
	to, ok := a.labels[target]
	if !ok {
		return 0, fmt.Errorf("bpf: undefined label %q", target)
	}
	off := to - pc - 1
	if off < 0 {
		return 0, fmt.Errorf("bpf: backward jump to %q", target)
	}
	return off, nil
}

func (a *assembler) assemble() ([]unix.SockFilter, error) {
	for _, r := range a.refs {
		if r.ja != "" {
			off, err := a.offset(r.pc, r.ja)
			if err != nil {
				return nil, err
			}
			a.insns[r.pc].K = uint32(off)
			continue
		}
		jt, err := a.offset(r.pc, r.jt)
		if err != nil {
			return nil, err
		}
		jf, err := a.offset(r.pc, r.jf)
		if err != nil {
			return nil, err
		}
		if jt > 255 || jf > 255 {
			return nil, fmt.Errorf("bpf: conditional jump at %d too long", r.pc)
		}
		a.insns[r.pc].Jt, a.insns[r.pc].Jf = uint8(jt), uint8(jf)
	}
	return a.insns, nil
}
