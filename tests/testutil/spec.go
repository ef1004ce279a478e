package testutil

import (
	"slices"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SpecOpt mutates a spec; NewBundle and Bundle.Mutate apply them in order.
type SpecOpt func(*specs.Spec)

// DefaultCaps are the capabilities of `runc spec` (and brig spec).
var DefaultCaps = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// DefaultSpec mirrors `runc spec`: used when the runtime's own spec command
// fails, so that the other tests still run.
func DefaultSpec() *specs.Spec {
	caps := func() []string { return slices.Clone(DefaultCaps) }
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: false,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env:      []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
			Cwd:      "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  caps(),
				Effective: caps(),
				Permitted: caps(),
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "brig",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace},
			},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// WithArgs sets process.args.
func WithArgs(args ...string) SpecOpt {
	return func(s *specs.Spec) { s.Process.Args = args }
}

// WithShell sets process.args to `sh -c script`.
func WithShell(script string) SpecOpt { return WithArgs("sh", "-c", script) }

// WithEnv appends KEY=VALUE entries to process.env.
func WithEnv(kv ...string) SpecOpt {
	return func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, kv...) }
}

// WithCwd sets process.cwd.
func WithCwd(dir string) SpecOpt { return func(s *specs.Spec) { s.Process.Cwd = dir } }

// WithUser sets process.user.
func WithUser(uid, gid uint32, additionalGids ...uint32) SpecOpt {
	return func(s *specs.Spec) {
		s.Process.User = specs.User{UID: uid, GID: gid, AdditionalGids: additionalGids}
	}
}

// WithHostname sets hostname.
func WithHostname(h string) SpecOpt { return func(s *specs.Spec) { s.Hostname = h } }

// WithWritableRoot sets root.readonly=false.
func WithWritableRoot() SpecOpt { return func(s *specs.Spec) { s.Root.Readonly = false } }

// WithReadonlyRoot sets root.readonly=true.
func WithReadonlyRoot() SpecOpt { return func(s *specs.Spec) { s.Root.Readonly = true } }

// WithMount appends a mount.
func WithMount(m specs.Mount) SpecOpt {
	return func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) }
}

// WithBindMount appends a bind mount of a host path.
func WithBindMount(src, dst string, readonly bool) SpecOpt {
	opts := []string{"rbind", "rw"}
	if readonly {
		opts = []string{"rbind", "ro"}
	}
	return WithMount(specs.Mount{Destination: dst, Type: "bind", Source: src, Options: opts})
}

// WithoutMount removes the mount(s) at destination dst.
func WithoutMount(dst string) SpecOpt {
	return func(s *specs.Spec) {
		s.Mounts = slices.DeleteFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == dst })
	}
}

// WithNamespace adds (or replaces) a namespace; path may be empty.
func WithNamespace(typ specs.LinuxNamespaceType, path string) SpecOpt {
	return func(s *specs.Spec) {
		ensureLinux(s)
		s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == typ })
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
	}
}

// WithoutNamespace removes a namespace (the container shares the host's).
func WithoutNamespace(typ specs.LinuxNamespaceType) SpecOpt {
	return func(s *specs.Spec) {
		ensureLinux(s)
		s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == typ })
	}
}

// WithCaps sets all capability sets (bounding, effective, permitted, and
// ambient when the base spec had one) to caps.
func WithCaps(caps ...string) SpecOpt {
	return func(s *specs.Spec) {
		c := &specs.LinuxCapabilities{
			Bounding:  slices.Clone(caps),
			Effective: slices.Clone(caps),
			Permitted: slices.Clone(caps),
		}
		if s.Process.Capabilities != nil && s.Process.Capabilities.Ambient != nil {
			c.Ambient = slices.Clone(caps)
			c.Inheritable = slices.Clone(caps)
		}
		s.Process.Capabilities = c
	}
}

// WithNoNewPrivileges sets process.noNewPrivileges.
func WithNoNewPrivileges(v bool) SpecOpt {
	return func(s *specs.Spec) { s.Process.NoNewPrivileges = v }
}

// WithRlimit sets (or replaces) an rlimit.
func WithRlimit(typ string, soft, hard uint64) SpecOpt {
	return func(s *specs.Spec) {
		s.Process.Rlimits = slices.DeleteFunc(s.Process.Rlimits, func(r specs.POSIXRlimit) bool { return r.Type == typ })
		s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: typ, Soft: soft, Hard: hard})
	}
}

// WithAnnotation sets an annotation.
func WithAnnotation(k, v string) SpecOpt {
	return func(s *specs.Spec) {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[k] = v
	}
}

// WithCgroupsPath sets linux.cgroupsPath.
func WithCgroupsPath(p string) SpecOpt {
	return func(s *specs.Spec) { ensureLinux(s); s.Linux.CgroupsPath = p }
}

// WithMaskedPaths replaces linux.maskedPaths.
func WithMaskedPaths(p ...string) SpecOpt {
	return func(s *specs.Spec) { ensureLinux(s); s.Linux.MaskedPaths = p }
}

// WithReadonlyPaths replaces linux.readonlyPaths.
func WithReadonlyPaths(p ...string) SpecOpt {
	return func(s *specs.Spec) { ensureLinux(s); s.Linux.ReadonlyPaths = p }
}

// WithSpec applies an arbitrary mutation.
func WithSpec(fn func(*specs.Spec)) SpecOpt { return fn }

func ensureLinux(s *specs.Spec) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
}

// SignalNumber maps a few signal names used by the tests to numbers.
func SignalNumber(name string) syscall.Signal {
	switch name {
	case "HUP":
		return syscall.SIGHUP
	case "INT":
		return syscall.SIGINT
	case "KILL":
		return syscall.SIGKILL
	case "USR1":
		return syscall.SIGUSR1
	case "USR2":
		return syscall.SIGUSR2
	case "TERM":
		return syscall.SIGTERM
	}
	return 0
}
