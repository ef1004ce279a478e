package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// flagTsync is not in runtime-spec's constants (it predates them).
const flagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// knownFlags maps the spec's flag names to seccomp(2) flag bits, in the
// order Features reports them.
var knownFlags = []struct {
	name specs.LinuxSeccompFlag
	bit  uint
}{
	{flagTsync, unix.SECCOMP_FILTER_FLAG_TSYNC},
	{specs.LinuxSeccompFlagLog, unix.SECCOMP_FILTER_FLAG_LOG},
	{specs.LinuxSeccompFlagSpecAllow, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{specs.LinuxSeccompFlagWaitKillableRecv, unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
}

// actions maps the spec's action names to libseccomp actions and to the
// kernel's SECCOMP_RET_* value (for SECCOMP_GET_ACTION_AVAIL).
var actions = []struct {
	name     specs.LinuxSeccompAction
	act      libseccomp.ScmpAction
	ret      uint32
	errnoRet bool // accepts errnoRet
}{
	{specs.ActKill, libseccomp.ActKillThread, unix.SECCOMP_RET_KILL_THREAD, false},
	{specs.ActKillProcess, libseccomp.ActKillProcess, unix.SECCOMP_RET_KILL_PROCESS, false},
	{specs.ActKillThread, libseccomp.ActKillThread, unix.SECCOMP_RET_KILL_THREAD, false},
	{specs.ActTrap, libseccomp.ActTrap, unix.SECCOMP_RET_TRAP, false},
	{specs.ActErrno, libseccomp.ActErrno, unix.SECCOMP_RET_ERRNO, true},
	{specs.ActTrace, libseccomp.ActTrace, unix.SECCOMP_RET_TRACE, true},
	{specs.ActAllow, libseccomp.ActAllow, unix.SECCOMP_RET_ALLOW, false},
	{specs.ActLog, libseccomp.ActLog, unix.SECCOMP_RET_LOG, false},
	{specs.ActNotify, libseccomp.ActNotify, unix.SECCOMP_RET_USER_NOTIF, false},
}

var operators = []struct {
	name specs.LinuxSeccompOperator
	op   libseccomp.ScmpCompareOp
}{
	{specs.OpNotEqual, libseccomp.CompareNotEqual},
	{specs.OpLessThan, libseccomp.CompareLess},
	{specs.OpLessEqual, libseccomp.CompareLessOrEqual},
	{specs.OpEqualTo, libseccomp.CompareEqual},
	{specs.OpGreaterEqual, libseccomp.CompareGreaterEqual},
	{specs.OpGreaterThan, libseccomp.CompareGreater},
	{specs.OpMaskedEqual, libseccomp.CompareMaskedEqual},
}

// archInfo ties a spec architecture to libseccomp and to the AUDIT_ARCH_*
// value the kernel puts in seccomp_data.arch (needed for the -ENOSYS stub;
// libseccomp's SCMP_ARCH_X32 is a fake value, x32 runs as AUDIT_ARCH_X86_64
// with bit 30 set in the syscall number).
type archInfo struct {
	name  specs.Arch
	arch  libseccomp.ScmpArch
	audit uint32
}

var archs = []archInfo{
	{specs.ArchX86, libseccomp.ArchX86, unix.AUDIT_ARCH_I386},
	{specs.ArchX86_64, libseccomp.ArchAMD64, unix.AUDIT_ARCH_X86_64},
	{specs.ArchX32, libseccomp.ArchX32, unix.AUDIT_ARCH_X86_64},
	{specs.ArchARM, libseccomp.ArchARM, unix.AUDIT_ARCH_ARM},
	{specs.ArchAARCH64, libseccomp.ArchARM64, unix.AUDIT_ARCH_AARCH64},
	{specs.ArchMIPS, libseccomp.ArchMIPS, unix.AUDIT_ARCH_MIPS},
	{specs.ArchMIPS64, libseccomp.ArchMIPS64, unix.AUDIT_ARCH_MIPS64},
	{specs.ArchMIPS64N32, libseccomp.ArchMIPS64N32, unix.AUDIT_ARCH_MIPS64N32},
	{specs.ArchMIPSEL, libseccomp.ArchMIPSEL, unix.AUDIT_ARCH_MIPSEL},
	{specs.ArchMIPSEL64, libseccomp.ArchMIPSEL64, unix.AUDIT_ARCH_MIPSEL64},
	{specs.ArchMIPSEL64N32, libseccomp.ArchMIPSEL64N32, unix.AUDIT_ARCH_MIPSEL64N32},
	{specs.ArchPPC, libseccomp.ArchPPC, unix.AUDIT_ARCH_PPC},
	{specs.ArchPPC64, libseccomp.ArchPPC64, unix.AUDIT_ARCH_PPC64},
	{specs.ArchPPC64LE, libseccomp.ArchPPC64LE, unix.AUDIT_ARCH_PPC64LE},
	{specs.ArchS390, libseccomp.ArchS390, unix.AUDIT_ARCH_S390},
	{specs.ArchS390X, libseccomp.ArchS390X, unix.AUDIT_ARCH_S390X},
	{specs.ArchPARISC, libseccomp.ArchPARISC, unix.AUDIT_ARCH_PARISC},
	{specs.ArchPARISC64, libseccomp.ArchPARISC64, unix.AUDIT_ARCH_PARISC64},
	{specs.ArchRISCV64, libseccomp.ArchRISCV64, unix.AUDIT_ARCH_RISCV64},
	{specs.ArchLOONGARCH64, libseccomp.ArchLOONGARCH64, unix.AUDIT_ARCH_LOONGARCH64},
	{specs.ArchM68K, libseccomp.ArchM68K, unix.AUDIT_ARCH_M68K},
	{specs.ArchSH, libseccomp.ArchSH, unix.AUDIT_ARCH_SHEL},
	{specs.ArchSHEB, libseccomp.ArchSHEB, unix.AUDIT_ARCH_SH},
}

func lookupArch(name specs.Arch) (archInfo, bool) {
	for _, a := range archs {
		if a.name == name {
			return a, true
		}
	}
	return archInfo{}, false
}

func lookupNativeArch() (archInfo, error) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return archInfo{}, err
	}
	for _, a := range archs {
		if a.arch == native {
			return a, nil
		}
	}
	return archInfo{}, &unknownError{what: "native architecture", name: native.String()}
}

// archUsable reports whether the linked libseccomp can build filters for a.
func archUsable(a archInfo) bool {
	_, err := libseccomp.GetSyscallFromNameByArch("read", a.arch)
	return err == nil
}

type unknownError struct {
	what, name string
}

func (e *unknownError) Error() string {
	return "unknown " + e.what + " " + `"` + e.name + `"`
}
