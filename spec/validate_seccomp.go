package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"strings"
)

var seccompActions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true,
	specs.ActTrap: true, specs.ActErrno: true, specs.ActTrace: true,
	specs.ActAllow: true, specs.ActLog: true, specs.ActNotify: true,
}

var seccompArchs = map[specs.Arch]bool{
	specs.ArchX86: true, specs.ArchX86_64: true, specs.ArchX32: true,
	specs.ArchARM: true, specs.ArchAARCH64: true, specs.ArchMIPS: true,
	specs.ArchMIPS64: true, specs.ArchMIPS64N32: true, specs.ArchMIPSEL: true,
	specs.ArchMIPSEL64: true, specs.ArchMIPSEL64N32: true, specs.ArchPPC: true,
	specs.ArchPPC64: true, specs.ArchPPC64LE: true, specs.ArchS390: true,
	specs.ArchS390X: true, specs.ArchPARISC: true, specs.ArchPARISC64: true,
	specs.ArchRISCV64: true, specs.ArchLOONGARCH64: true, specs.ArchM68K: true,
	specs.ArchSH: true, specs.ArchSHEB: true,
}

var seccompOps = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true,
	specs.OpEqualTo: true, specs.OpGreaterEqual: true, specs.OpGreaterThan: true,
	specs.OpMaskedEqual: true,
}

var seccompFlags = map[specs.LinuxSeccompFlag]bool{
	"SECCOMP_FILTER_FLAG_TSYNC":            true,
	specs.LinuxSeccompFlagLog:              true,
	specs.LinuxSeccompFlagSpecAllow:        true,
	specs.LinuxSeccompFlagWaitKillableRecv: true,
}

// checkSeccomp checks the names the spec defines; whether libseccomp knows
// each syscall name is left to the seccomp package.
func checkSeccomp(l *specs.Linux) error {
	sc := l.Seccomp
	if sc == nil {
		return nil
	}
	const f = "linux.seccomp"
	// runc treats an empty profile as "no seccomp".
	if sc.DefaultAction == "" && len(sc.Syscalls) == 0 {
		return nil
	}
	if err := checkAction(f+".defaultAction", sc.DefaultAction, sc.DefaultErrnoRet != nil); err != nil {
		return err
	}
	if sc.DefaultAction == specs.ActNotify {
		// The runtime itself still has to run under the filter.
		return fieldErr(f+".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
	}
	for i, a := range sc.Architectures {
		if !seccompArchs[a] {
			return fieldErr(idx(f+".architectures", i), "unknown architecture %q", a)
		}
	}
	for i, fl := range sc.Flags {
		if !seccompFlags[fl] {
			return fieldErr(idx(f+".flags", i), "unknown seccomp flag %q", fl)
		}
	}
	if sc.ListenerMetadata != "" && sc.ListenerPath == "" {
		return fieldErr(f+".listenerMetadata", "must not be set without listenerPath")
	}
	notify := false
	for i, call := range sc.Syscalls {
		cf := idx(f+".syscalls", i)
		if len(call.Names) == 0 {
			return fieldErr(cf+".names", "must not be empty")
		}
		for j, n := range call.Names {
			if n == "" {
				return fieldErr(idx(cf+".names", j), "must not be empty")
			}
			if n == "write" && call.Action == specs.ActNotify {
				return fieldErr(idx(cf+".names", j), "SCMP_ACT_NOTIFY cannot be used for write")
			}
		}
		if err := checkAction(cf+".action", call.Action, call.ErrnoRet != nil); err != nil {
			return err
		}
		notify = notify || call.Action == specs.ActNotify
		for j, a := range call.Args {
			af := idx(cf+".args", j)
			if a.Index > 5 {
				return fieldErr(af+".index", "%d is out of range [0, 5]", a.Index)
			}
			if !seccompOps[a.Op] {
				return fieldErr(af+".op", "unknown operator %q", a.Op)
			}
		}
	}
	if notify && sc.ListenerPath == "" {
		return fieldErr(f+".listenerPath", "must be set when SCMP_ACT_NOTIFY is used")
	}
	return nil
}

func checkAction(field string, a specs.LinuxSeccompAction, hasErrno bool) error {
	if a == "" {
		return fieldErr(field, "must be set")
	}
	if !seccompActions[a] {
		return fieldErr(field, "unknown action %q", a)
	}
	if hasErrno && a != specs.ActErrno && a != specs.ActTrace {
		// Name the errno field: it is the one to remove.
		errnoField := strings.TrimSuffix(field, "action") + "errnoRet"
		if strings.HasSuffix(field, "defaultAction") {
			errnoField = strings.TrimSuffix(field, "defaultAction") + "defaultErrnoRet"
		}
		return fieldErr(errnoField, "is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", a)
	}
	return nil
}
