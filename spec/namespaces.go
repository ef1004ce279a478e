package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type nsInfo struct {
	flag uintptr // CLONE_NEW*
	proc string  // name under /proc/<pid>/ns/
}

var namespaceTable = map[specs.LinuxNamespaceType]nsInfo{
	specs.PIDNamespace:     {unix.CLONE_NEWPID, "pid"},
	specs.NetworkNamespace: {unix.CLONE_NEWNET, "net"},
	specs.MountNamespace:   {unix.CLONE_NEWNS, "mnt"},
	specs.IPCNamespace:     {unix.CLONE_NEWIPC, "ipc"},
	specs.UTSNamespace:     {unix.CLONE_NEWUTS, "uts"},
	specs.UserNamespace:    {unix.CLONE_NEWUSER, "user"},
	specs.CgroupNamespace:  {unix.CLONE_NEWCGROUP, "cgroup"},
	specs.TimeNamespace:    {unix.CLONE_NEWTIME, "time"},
}

// NamespaceTypes lists the eight namespace types brig supports, in the
// order the spec documents them.
func NamespaceTypes() []specs.LinuxNamespaceType {
	return []specs.LinuxNamespaceType{
		specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace,
		specs.IPCNamespace, specs.UTSNamespace, specs.UserNamespace,
		specs.CgroupNamespace, specs.TimeNamespace,
	}
}

// NamespaceCloneFlag maps a namespace type to its CLONE_NEW* flag.
func NamespaceCloneFlag(t specs.LinuxNamespaceType) (uintptr, bool) {
	i, ok := namespaceTable[t]
	return i.flag, ok
}

// NamespaceProcName maps a namespace type to its file name under
// /proc/<pid>/ns/ ("network" -> "net", "mount" -> "mnt").
func NamespaceProcName(t specs.LinuxNamespaceType) (string, bool) {
	i, ok := namespaceTable[t]
	return i.proc, ok
}

// hasNamespace reports whether s lists a namespace of type t (new or
// joined by path), and the path if any.
func hasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) (bool, string) {
	if s.Linux == nil {
		return false, ""
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return true, ns.Path
		}
	}
	return false, ""
}
