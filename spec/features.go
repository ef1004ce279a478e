package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// VersionAnnotation is the features annotation carrying brig's version.
const VersionAnnotation = "io.github.brigrt.brig.version"

// Hooks lists the hook names brig runs.
func Hooks() []string {
	return []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}
}

// Features describes what brig supports, for `brig features`. version
// goes into the VersionAnnotation annotation (omitted if empty).
// fillSeccomp, if not nil, fills in the seccomp section (the seccomp
// package knows the actions, operators, archs and flags libseccomp
// supports); with nil the section is left out, meaning "unknown".
func Features(version string, fillSeccomp func(*features.Seccomp)) *features.Features {
	t, f := true, false
	var ns []string
	for _, n := range NamespaceTypes() {
		ns = append(ns, string(n))
	}
	// Unknown (nil) rather than a wrong list if /proc is unreadable.
	caps, err := KernelCapabilityNames()
	if err != nil {
		caps = nil
	}
	apparmor, selinux := apparmorEnabled(), selinuxEnabled()

	feat := &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         Hooks(),
		MountOptions:  MountOptionNames(),
		Linux: &features.Linux{
			Namespaces:   ns,
			Capabilities: caps,
			Cgroup: &features.Cgroup{
				V1:          &t,
				V2:          &t,
				Systemd:     &f,
				SystemdUser: &f,
			},
			Apparmor:        &features.Apparmor{Enabled: &apparmor},
			Selinux:         &features.Selinux{Enabled: &selinux},
			IntelRdt:        &features.IntelRdt{Enabled: &f},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &t}},
			NetDevices:      &features.NetDevices{Enabled: &t},
			MemoryPolicy: &features.MemoryPolicy{
				Modes: []string{"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"},
				Flags: []string{"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"},
			},
		},
	}
	if version != "" {
		feat.Annotations = map[string]string{VersionAnnotation: version}
	}
	if fillSeccomp != nil {
		sc := &features.Seccomp{}
		fillSeccomp(sc)
		feat.Linux.Seccomp = sc
	}
	return feat
}
