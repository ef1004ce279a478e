package spec

import (
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (v *validator) linux() error {
	l := v.s.Linux
	if l == nil {
		return nil
	}
	checks := []func(*specs.Linux) error{
		checkNamespaces,
		v.userNamespace,
		checkTimeOffsets,
		v.sysctl,
		checkDevices,
		checkPathLists,
		checkRootfsPropagation,
		checkCgroupsPath,
		checkSeccomp,
		checkPersonality,
		checkIntelRdt,
		checkNetDevices,
		checkMemoryPolicy,
		checkDeviceCgroup,
	}
	for _, c := range checks {
		if err := c(l); err != nil {
			return err
		}
	}
	return nil
}

func checkNamespaces(l *specs.Linux) error {
	seen := make(map[specs.LinuxNamespaceType]bool, len(l.Namespaces))
	for i, ns := range l.Namespaces {
		f := idx("linux.namespaces", i)
		if _, ok := namespaceTable[ns.Type]; !ok {
			return fieldErr(f+".type", "unknown namespace %q", ns.Type)
		}
		if seen[ns.Type] {
			return fieldErr(f+".type", "duplicate namespace %q", ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path != "" {
			if !filepath.IsAbs(ns.Path) {
				return fieldErr(f+".path", "%q must be an absolute path", ns.Path)
			}
			if err := noNUL(f+".path", ns.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// userNamespace: mappings are required for a new user namespace and
// forbidden without one. With a joined one (path) they are tolerated, as
// runc does, because containerd and CRI-O send both.
func (v *validator) userNamespace(l *specs.Linux) error {
	userns, path := hasNamespace(v.s, specs.UserNamespace)
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	if !userns {
		if hasMaps {
			field := "linux.uidMappings"
			if len(l.UIDMappings) == 0 {
				field = "linux.gidMappings"
			}
			return fieldErr(field, "set but there is no user namespace in linux.namespaces")
		}
		return nil
	}
	if err := checkIDMappings("linux.uidMappings", l.UIDMappings); err != nil {
		return err
	}
	if err := checkIDMappings("linux.gidMappings", l.GIDMappings); err != nil {
		return err
	}
	if path != "" {
		return nil
	}
	if len(l.UIDMappings) == 0 {
		return fieldErr("linux.uidMappings", "a new user namespace needs uid mappings")
	}
	if len(l.GIDMappings) == 0 {
		return fieldErr("linux.gidMappings", "a new user namespace needs gid mappings")
	}
	if p := v.s.Process; p != nil {
		if !mapped(l.UIDMappings, p.User.UID) {
			return fieldErr("process.user.uid", "%d is not mapped in linux.uidMappings", p.User.UID)
		}
		if !mapped(l.GIDMappings, p.User.GID) {
			return fieldErr("process.user.gid", "%d is not mapped in linux.gidMappings", p.User.GID)
		}
		for i, g := range p.User.AdditionalGids {
			if !mapped(l.GIDMappings, g) {
				return fieldErr(idx("process.user.additionalGids", i), "%d is not mapped in linux.gidMappings", g)
			}
		}
	}
	return nil
}

func mapped(maps []specs.LinuxIDMapping, id uint32) bool {
	for _, m := range maps {
		if uint64(id) >= uint64(m.ContainerID) && uint64(id) < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}

func checkTimeOffsets(l *specs.Linux) error {
	if len(l.TimeOffsets) == 0 {
		return nil
	}
	for _, ns := range l.Namespaces {
		if ns.Type == specs.TimeNamespace && ns.Path != "" {
			return fieldErr("linux.timeOffsets", "cannot be set when joining an existing time namespace")
		}
	}
	if !hasNamespaceType(l, specs.TimeNamespace) {
		return fieldErr("linux.timeOffsets", "set but there is no time namespace in linux.namespaces")
	}
	for _, k := range sortedKeys(l.TimeOffsets) {
		f := "linux.timeOffsets[" + quote(k) + "]"
		if k != "monotonic" && k != "boottime" {
			return fieldErr(f, "unknown clock %q (want monotonic or boottime)", k)
		}
		if l.TimeOffsets[k].Nanosecs >= 1e9 {
			return fieldErr(f+".nanosecs", "%d is out of range [0, 999999999]", l.TimeOffsets[k].Nanosecs)
		}
	}
	return nil
}

func checkDevices(l *specs.Linux) error {
	for i, d := range l.Devices {
		f := idx("linux.devices", i)
		switch d.Type {
		case "c", "b", "u", "p":
		default:
			return fieldErr(f+".type", "unknown device type %q (want c, b, u or p)", d.Type)
		}
		// The spec lets devices live anywhere in the container, not
		// only under /dev; they must not replace the root itself.
		if !filepath.IsAbs(d.Path) || filepath.Clean(d.Path) == "/" {
			return fieldErr(f+".path", "%q must be an absolute path below /", d.Path)
		}
		if err := noNUL(f+".path", d.Path); err != nil {
			return err
		}
		if d.Type != "p" && (d.Major < 0 || d.Minor < 0) {
			return fieldErr(f, "negative major/minor %d:%d", d.Major, d.Minor)
		}
	}
	return nil
}

// checkPathLists: masked and read-only paths are absolute, and masking
// needs a mount namespace (runc refuses too: it would mask the host's).
func checkPathLists(l *specs.Linux) error {
	lists := []struct {
		name  string
		paths []string
	}{{"linux.maskedPaths", l.MaskedPaths}, {"linux.readonlyPaths", l.ReadonlyPaths}}
	for _, list := range lists {
		for i, p := range list.paths {
			if !filepath.IsAbs(p) {
				return fieldErr(idx(list.name, i), "%q must be an absolute path", p)
			}
			if err := noNUL(idx(list.name, i), p); err != nil {
				return err
			}
		}
		if len(list.paths) > 0 && !hasNamespaceType(l, specs.MountNamespace) {
			return fieldErr(list.name, "needs a mount namespace")
		}
	}
	return nil
}

func checkRootfsPropagation(l *specs.Linux) error {
	switch l.RootfsPropagation {
	case "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable":
		return nil
	}
	return fieldErr("linux.rootfsPropagation", "unknown propagation %q", l.RootfsPropagation)
}

// checkCgroupsPath accepts a cgroupfs path (absolute or relative) or the
// systemd form "slice:prefix:name".
func checkCgroupsPath(l *specs.Linux) error {
	p := l.CgroupsPath
	const f = "linux.cgroupsPath"
	if p == "" {
		return nil
	}
	if err := noNUL(f, p); err != nil {
		return err
	}
	if strings.Contains(p, ":") {
		parts := strings.Split(p, ":")
		if len(parts) != 3 {
			return fieldErr(f, "%q: want a path or slice:prefix:name", p)
		}
		slice, prefix, name := parts[0], parts[1], parts[2]
		if slice != "" && (!strings.HasSuffix(slice, ".slice") || strings.Contains(slice, "/")) {
			return fieldErr(f, "%q: systemd slice %q must end in .slice and contain no /", p, slice)
		}
		if name == "" || strings.Contains(prefix+name, "/") {
			return fieldErr(f, "%q: systemd prefix and name must be non-empty and contain no /", p)
		}
		return nil
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return fieldErr(f, "%q must not contain \"..\"", p)
		}
	}
	return nil
}

func checkPersonality(l *specs.Linux) error {
	if l.Personality == nil {
		return nil
	}
	switch l.Personality.Domain {
	case specs.PerLinux, specs.PerLinux32:
		return nil
	}
	return fieldErr("linux.personality.domain", "unknown personality domain %q (want LINUX or LINUX32)", l.Personality.Domain)
}

func checkIntelRdt(l *specs.Linux) error {
	r := l.IntelRdt
	if r == nil {
		return nil
	}
	// "/" is the spec's name for the default CLOS.
	if r.ClosID != "/" && (r.ClosID == "." || r.ClosID == ".." || strings.Contains(r.ClosID, "/")) {
		return fieldErr("linux.intelRdt.closID", "invalid CLOS id %q", r.ClosID)
	}
	if strings.ContainsAny(r.L3CacheSchema, "\n") {
		return fieldErr("linux.intelRdt.l3CacheSchema", "must not contain newlines")
	}
	if strings.ContainsAny(r.MemBwSchema, "\n") {
		return fieldErr("linux.intelRdt.memBwSchema", "must not contain newlines")
	}
	if r.MemBwSchema != "" && !strings.HasPrefix(r.MemBwSchema, "MB:") {
		return fieldErr("linux.intelRdt.memBwSchema", "must start with \"MB:\"")
	}
	for i, s := range r.Schemata {
		if strings.ContainsAny(s, "\n") {
			return fieldErr(idx("linux.intelRdt.schemata", i), "must not contain newlines")
		}
	}
	return nil
}

func checkNetDevices(l *specs.Linux) error {
	if len(l.NetDevices) == 0 {
		return nil
	}
	if !hasNamespaceType(l, specs.NetworkNamespace) {
		return fieldErr("linux.netDevices", "needs a network namespace")
	}
	for _, k := range sortedKeys(l.NetDevices) {
		f := "linux.netDevices[" + quote(k) + "]"
		if !validIfName(k) {
			return fieldErr(f, "invalid interface name %q", k)
		}
		if n := l.NetDevices[k].Name; n != "" && !validIfName(n) {
			return fieldErr(f+".name", "invalid interface name %q", n)
		}
	}
	return nil
}

// validIfName follows the kernel's dev_valid_name().
func validIfName(n string) bool {
	if n == "" || len(n) > 15 || n == "." || n == ".." {
		return false
	}
	return !strings.ContainsAny(n, "/: \t\n\r\x00")
}

var (
	mpolModes = map[specs.MemoryPolicyModeType]bool{
		specs.MpolDefault: true, specs.MpolBind: true, specs.MpolInterleave: true,
		specs.MpolWeightedInterleave: true, specs.MpolPreferred: true,
		specs.MpolPreferredMany: true, specs.MpolLocal: true,
	}
	mpolFlags = map[specs.MemoryPolicyFlagType]bool{
		specs.MpolFNumaBalancing: true, specs.MpolFRelativeNodes: true, specs.MpolFStaticNodes: true,
	}
)

func checkMemoryPolicy(l *specs.Linux) error {
	m := l.MemoryPolicy
	if m == nil {
		return nil
	}
	if !mpolModes[m.Mode] {
		return fieldErr("linux.memoryPolicy.mode", "unknown memory policy mode %q", m.Mode)
	}
	if err := checkCPUList(m.Nodes); err != nil {
		return fieldErr("linux.memoryPolicy.nodes", "%q is not a node list like \"0-3,7\"", m.Nodes)
	}
	for i, fl := range m.Flags {
		if !mpolFlags[fl] {
			return fieldErr(idx("linux.memoryPolicy.flags", i), "unknown memory policy flag %q", fl)
		}
	}
	return nil
}

func checkDeviceCgroup(l *specs.Linux) error {
	if l.Resources == nil {
		return nil
	}
	for i, d := range l.Resources.Devices {
		f := idx("linux.resources.devices", i)
		switch d.Type {
		case "", "a", "b", "c":
		default:
			return fieldErr(f+".type", "unknown device type %q (want a, b or c)", d.Type)
		}
		if strings.Trim(d.Access, "rwm") != "" {
			return fieldErr(f+".access", "%q may only contain r, w and m", d.Access)
		}
	}
	return nil
}

func hasNamespaceType(l *specs.Linux, t specs.LinuxNamespaceType) bool {
	for _, ns := range l.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
