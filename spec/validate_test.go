package spec

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func withUserNS(s *specs.Spec) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
}

func removeNS(s *specs.Spec, t specs.LinuxNamespaceType) {
	var out []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != t {
			out = append(out, ns)
		}
	}
	s.Linux.Namespaces = out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *specs.Spec)
		want   string // error prefix; "" = valid
	}{
		{"example", func(*specs.Spec) {}, ""},
		{"old prerelease version", func(s *specs.Spec) { s.Version = "1.0.2-dev" }, ""},
		{"version with build", func(s *specs.Spec) { s.Version = "1.1.0+abc.1" }, ""},
		{"missing version", func(s *specs.Spec) { s.Version = "" }, "ociVersion: must be set"},
		{"bad version", func(s *specs.Spec) { s.Version = "1.0" }, "ociVersion: \"1.0\" is not a SemVer"},
		{"leading zero", func(s *specs.Spec) { s.Version = "1.02.0" }, "ociVersion:"},
		{"v prefix", func(s *specs.Spec) { s.Version = "v1.0.0" }, "ociVersion:"},
		{"major 2", func(s *specs.Spec) { s.Version = "2.0.0" }, "ociVersion: \"2.0.0\": unsupported major version 2"},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root: must be set"},
		{"empty root path", func(s *specs.Spec) { s.Root.Path = "" }, "root.path: must not be empty"},
		{"missing rootfs", func(s *specs.Spec) { s.Root.Path = "nope" }, "root.path: \"/"},
		{"rootfs is file", func(s *specs.Spec) { s.Root.Path = "/proc/self/status" }, "root.path: \"/proc/self/status\" is not a directory"},
		{"absolute rootfs", func(s *specs.Spec) { s.Root.Path = "/" }, ""},
		{"no process", func(s *specs.Spec) { s.Process = nil }, "process: must be set"},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, "process.args: must not be empty"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, "process.cwd: \"tmp\" must be an absolute path"},
		{"empty cwd", func(s *specs.Spec) { s.Process.Cwd = "" }, "process.cwd: must be set"},
		{"env without =", func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FOO") }, "process.env[2]: \"FOO\" is not of the form KEY=value"},
		{"env empty key", func(s *specs.Spec) { s.Process.Env = []string{"=x"} }, "process.env[0]: \"=x\" has an empty name"},
		{"env empty value ok", func(s *specs.Spec) { s.Process.Env = []string{"A="} }, ""},
		{"umask", func(s *specs.Spec) { s.Process.User.Umask = ptr(uint32(0o1000)) }, "process.user.umask:"},
		{"unknown bounding cap", func(s *specs.Spec) {
			s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_FOO")
		}, `process.capabilities.bounding: unknown capability "CAP_FOO"`},
		{"unknown ambient cap", func(s *specs.Spec) { s.Process.Capabilities.Ambient = []string{"kill"} }, `process.capabilities.ambient: unknown capability "kill"`},
		{"unknown inheritable cap", func(s *specs.Spec) { s.Process.Capabilities.Inheritable = []string{"CAP_SYS_ADMIN", "CAP_X"} }, "process.capabilities.inheritable:"},
		{"new cap ok", func(s *specs.Spec) { s.Process.Capabilities.Permitted = []string{"CAP_CHECKPOINT_RESTORE"} }, ""},
		{"unknown rlimit", func(s *specs.Spec) { s.Process.Rlimits[0].Type = "RLIMIT_FOO" }, `process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"`},
		{"soft > hard", func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 }, "process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
		{"dup rlimit", func(s *specs.Spec) { s.Process.Rlimits = append(s.Process.Rlimits, s.Process.Rlimits[0]) }, `process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"`},
		{"oom low", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1001) }, "process.oomScoreAdj: -1001 is out of range"},
		{"oom high", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1001) }, "process.oomScoreAdj:"},
		{"oom edge", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1000) }, ""},
		{"sched ok", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO, Priority: 10} }, ""},
		{"sched no policy", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{} }, "process.scheduler.policy: must be set"},
		{"sched bad policy", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_FOO"} }, `process.scheduler.policy: unknown scheduling policy "SCHED_FOO"`},
		{"sched nice", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20} }, "process.scheduler.nice:"},
		{"sched prio other", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Priority: 1} }, "process.scheduler.priority: only valid"},
		{"sched rr prio 0", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedRR} }, "process.scheduler.priority: 0 is out of range"},
		{"sched deadline fields", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Runtime: 1} }, "process.scheduler: runtime, deadline"},
		{"sched flag", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 1, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_X"}}
		}, "process.scheduler.flags[0]: unknown scheduler flag"},
		{"ioprio class", func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_X"} }, "process.ioPriority.class:"},
		{"ioprio prio", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}
		}, "process.ioPriority.priority: 8"},
		{"ioprio ok", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 7}
		}, ""},
		{"cpu affinity ok", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0-1,3", Final: "0"} }, ""},
		{"cpu affinity bad", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "3-1"} }, "process.execCPUAffinity.final:"},
		{"hostname without uts", func(s *specs.Spec) { removeNS(s, specs.UTSNamespace) }, "hostname: cannot set the hostname without a uts namespace"},
		{"domainname without uts", func(s *specs.Spec) { removeNS(s, specs.UTSNamespace); s.Hostname = ""; s.Domainname = "x" }, "domainname:"},
		{"hostname with joined uts", func(s *specs.Spec) {
			removeNS(s, specs.UTSNamespace)
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/1/ns/uts"})
		}, ""},
		{"no linux section", func(s *specs.Spec) { s.Linux = nil; s.Hostname = "" }, ""},
		{"empty annotation key", func(s *specs.Spec) { s.Annotations = map[string]string{"": "x"} }, "annotations: keys must not be empty"},
		{"relative hook", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "true"}}} }, `hooks.poststop[0].path: "true" must be an absolute path`},
		{"hook timeout", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true", Timeout: ptr(0)}}}
		}, "hooks.createRuntime[0].timeout: must be greater than zero"},
		{"hook env", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true", Env: []string{"X"}}}}
		}, "hooks.startContainer[0].env[0]:"},
		{"unknown ns", func(s *specs.Spec) { s.Linux.Namespaces[2].Type = "foo" }, `linux.namespaces[2].type: unknown namespace "foo"`},
		{"dup ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, `linux.namespaces[6].type: duplicate namespace "pid"`},
		{"relative ns path", func(s *specs.Spec) { s.Linux.Namespaces[0].Path = "proc/1/ns/pid" }, "linux.namespaces[0].path:"},
		{"time ns ok", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}, "boottime": {Nanosecs: 5}}
		}, ""},
		{"time offsets without ns", func(s *specs.Spec) { s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {}} }, "linux.timeOffsets: set but there is no time namespace"},
		{"time offsets joined ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace, Path: "/proc/1/ns/time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {}}
		}, "linux.timeOffsets: cannot be set"},
		{"time offsets bad clock", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {}}
		}, `linux.timeOffsets["realtime"]: unknown clock`},
		{"time offsets nanosecs", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Nanosecs: 1e9}}
		}, `linux.timeOffsets["boottime"].nanosecs:`},
		{"userns ok", withUserNS, ""},
		{"mappings without userns", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, "linux.uidMappings: set but there is no user namespace"},
		{"gid mappings without userns", func(s *specs.Spec) {
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, "linux.gidMappings: set but there is no user namespace"},
		{"userns without mappings", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		}, "linux.uidMappings: a new user namespace needs uid mappings"},
		{"userns without gid mappings", func(s *specs.Spec) { withUserNS(s); s.Linux.GIDMappings = nil }, "linux.gidMappings: a new user namespace needs gid mappings"},
		{"joined userns without mappings", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
		}, ""},
		{"zero size mapping", func(s *specs.Spec) { withUserNS(s); s.Linux.UIDMappings[0].Size = 0 }, "linux.uidMappings[0].size: must be greater than zero"},
		{"overflow mapping", func(s *specs.Spec) { withUserNS(s); s.Linux.GIDMappings[0].HostID = 0xffffffff }, "linux.gidMappings[0]: hostID"},
		{"unmapped uid", func(s *specs.Spec) { withUserNS(s); s.Process.User.UID = 70000 }, "process.user.uid: 70000 is not mapped"},
		{"unmapped gid", func(s *specs.Spec) { withUserNS(s); s.Process.User.GID = 70000 }, "process.user.gid: 70000 is not mapped"},
		{"unmapped extra gid", func(s *specs.Spec) { withUserNS(s); s.Process.User.AdditionalGids = []uint32{1, 65536} }, "process.user.additionalGids[1]:"},
		{"sysctl net ok", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"} }, ""},
		{"sysctl net slash form ok", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/ipv4/conf/eth0.100/rp_filter": "1"} }, ""},
		{"sysctl net host", func(s *specs.Spec) {
			removeNS(s, specs.NetworkNamespace)
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, `linux.sysctl["net.ipv4.ip_forward"]: not allowed in the host network namespace`},
		{"sysctl net joined host ns", func(s *specs.Spec) {
			removeNS(s, specs.NetworkNamespace)
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"})
			s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
		}, `linux.sysctl["net.core.somaxconn"]: not allowed in the host network namespace`},
		{"sysctl net missing ns path", func(s *specs.Spec) {
			removeNS(s, specs.NetworkNamespace)
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/nonexistent/netns"})
			s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
		}, `linux.sysctl["net.core.somaxconn"]: network namespace path`},
		{"sysctl ipc ok", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "1", "fs.mqueue.msg_max": "10"}
		}, ""},
		{"sysctl ipc host", func(s *specs.Spec) {
			removeNS(s, specs.IPCNamespace)
			s.Linux.Sysctl = map[string]string{"kernel.msgmax": "1"}
		}, `linux.sysctl["kernel.msgmax"]: needs an ipc namespace`},
		{"sysctl mqueue host", func(s *specs.Spec) {
			removeNS(s, specs.IPCNamespace)
			s.Linux.Sysctl = map[string]string{"fs.mqueue.queues_max": "1"}
		}, `linux.sysctl["fs.mqueue.queues_max"]: needs an ipc namespace`},
		{"sysctl domainname", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"} }, ""},
		{"sysctl domainname host", func(s *specs.Spec) {
			removeNS(s, specs.UTSNamespace)
			s.Hostname = ""
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, `linux.sysctl["kernel.domainname"]: needs a uts namespace`},
		{"sysctl hostname", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"} }, `linux.sysctl["kernel.hostname"]: conflicts`},
		{"sysctl not namespaced", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} }, `linux.sysctl["vm.swappiness"]: not namespaced`},
		{"sysctl user without userns", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "1"} }, `linux.sysctl["user.max_user_namespaces"]: needs a user namespace`},
		{"sysctl user with userns", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "1"}
		}, ""},
		{"sysctl empty key", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"": "1"} }, "linux.sysctl: empty key"},
		{"device ok", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, {Path: "/dev/fifo", Type: "p"}}
		}, ""},
		{"device outside dev ok", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/opt/null", Type: "u", Major: 1, Minor: 3}}
		}, ""},
		{"device type", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "x"}} }, `linux.devices[0].type: unknown device type "x"`},
		{"device relative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/x", Type: "c"}} }, "linux.devices[0].path:"},
		{"device root", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/..", Type: "c"}} }, "linux.devices[0].path:"},
		{"device negative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "b", Major: -1}} }, "linux.devices[0]: negative"},
		{"masked relative", func(s *specs.Spec) { s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "proc/kcore") }, "linux.maskedPaths[11]:"},
		{"readonly relative", func(s *specs.Spec) { s.Linux.ReadonlyPaths[0] = "x" }, "linux.readonlyPaths[0]:"},
		{"masked without mountns", func(s *specs.Spec) { removeNS(s, specs.MountNamespace) }, "linux.maskedPaths: needs a mount namespace"},
		{"propagation ok", func(s *specs.Spec) { s.Linux.RootfsPropagation = "rslave" }, ""},
		{"propagation bad", func(s *specs.Spec) { s.Linux.RootfsPropagation = "weird" }, "linux.rootfsPropagation:"},
		{"cgroups path abs", func(s *specs.Spec) { s.Linux.CgroupsPath = "/brig/c1" }, ""},
		{"cgroups path rel", func(s *specs.Spec) { s.Linux.CgroupsPath = "brig/c1" }, ""},
		{"cgroups systemd", func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:brig:c1" }, ""},
		{"cgroups systemd no slice", func(s *specs.Spec) { s.Linux.CgroupsPath = ":brig:c1" }, ""},
		{"cgroups systemd bad parts", func(s *specs.Spec) { s.Linux.CgroupsPath = "a:b" }, "linux.cgroupsPath:"},
		{"cgroups systemd bad slice", func(s *specs.Spec) { s.Linux.CgroupsPath = "system:brig:c1" }, "linux.cgroupsPath:"},
		{"cgroups systemd no name", func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:brig:" }, "linux.cgroupsPath:"},
		{"cgroups dotdot", func(s *specs.Spec) { s.Linux.CgroupsPath = "/a/../../b" }, "linux.cgroupsPath:"},
		{"personality ok", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32} }, ""},
		{"personality bad", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "BSD"} }, "linux.personality.domain:"},
		{"rdt closid", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "a/b"} }, "linux.intelRdt.closID:"},
		{"rdt default clos", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "/"} }, ""},
		{"rdt newline", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{L3CacheSchema: "L3:0=f\nL3:1=f"} }, "linux.intelRdt.l3CacheSchema:"},
		{"netdev ok", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {Name: "net0"}} }, ""},
		{"netdev no netns", func(s *specs.Spec) {
			removeNS(s, specs.NetworkNamespace)
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}}
		}, "linux.netDevices: needs a network namespace"},
		{"netdev bad name", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {Name: "a/b"}} }, `linux.netDevices["eth1"].name:`},
		{"netdev long name", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"abcdefghijklmnop": {}} }, `linux.netDevices["abcdefghijklmnop"]:`},
		{"mempolicy ok", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"} }, ""},
		{"mempolicy mode", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_X"} }, "linux.memoryPolicy.mode:"},
		{"mempolicy flag", func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Flags: []specs.MemoryPolicyFlagType{"X"}}
		}, "linux.memoryPolicy.flags[0]:"},
		{"device cgroup type", func(s *specs.Spec) { s.Linux.Resources.Devices[0].Type = "x" }, "linux.resources.devices[0].type:"},
		{"device cgroup access", func(s *specs.Spec) { s.Linux.Resources.Devices[0].Access = "rwx" }, "linux.resources.devices[0].access:"},
		{"mount relative dest ok", func(s *specs.Spec) { s.Mounts[0].Destination = "proc" }, ""},
		{"mount empty dest", func(s *specs.Spec) { s.Mounts[1].Destination = "" }, "mounts[1].destination: must be set"},
		{"mount nul", func(s *specs.Spec) { s.Mounts[1].Source = "a\x00b" }, "mounts[1].source:"},
		{"mount bad recursive opt", func(s *specs.Spec) { s.Mounts[1].Options = append(s.Mounts[1].Options, "rsync") }, `mounts[1].options: unsupported recursive mount option "rsync"`},
		{"idmap ok with userns", func(s *specs.Spec) {
			withUserNS(s)
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Source: "/tmp", Options: []string{"rbind", "idmap"}})
		}, ""},
		{"idmap ok with mappings", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{
				Destination: "/data", Source: "/tmp", Type: "bind", Options: []string{"ridmap"},
				UIDMappings: []specs.LinuxIDMapping{{HostID: 1000, Size: 1}},
				GIDMappings: []specs.LinuxIDMapping{{HostID: 1000, Size: 1}},
			})
		}, ""},
		{"idmap not bind", func(s *specs.Spec) { withUserNS(s); s.Mounts[0].Options = []string{"idmap"} }, ""},
		{"idmap without userns", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Source: "/tmp", Options: []string{"bind", "idmap"}})
		}, "mounts[7].options: idmap without uidMappings/gidMappings needs a user namespace"},
		{"mount uid maps only", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Source: "/tmp", Options: []string{"bind"},
				UIDMappings: []specs.LinuxIDMapping{{Size: 1}}})
		}, "mounts[7].gidMappings: must be set together with uidMappings"},
		{"mount mapping size", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Source: "/tmp", Options: []string{"bind"},
				UIDMappings: []specs.LinuxIDMapping{{Size: 1}}, GIDMappings: []specs.LinuxIDMapping{{}}})
		}, "mounts[7].gidMappings[0].size:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundle := newBundle(t)
			s := Example()
			tt.mutate(s)
			err := Validate(s, bundle)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %q, want prefix %q", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error %q", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError", err)
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, t.TempDir()); err == nil {
		t.Fatal("nil spec validated")
	}
}

func TestValidateSeccomp(t *testing.T) {
	errno := uint(1)
	tests := []struct {
		name string
		sc   specs.LinuxSeccomp
		want string
	}{
		{"empty is disabled", specs.LinuxSeccomp{}, ""},
		{"ok", specs.LinuxSeccomp{
			DefaultAction: specs.ActErrno, DefaultErrnoRet: &errno,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
			Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, "SECCOMP_FILTER_FLAG_TSYNC"},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read", "write"}, Action: specs.ActAllow},
				{Names: []string{"mount"}, Action: specs.ActErrno, ErrnoRet: &errno,
					Args: []specs.LinuxSeccompArg{{Index: 5, Op: specs.OpMaskedEqual}}},
			},
		}, ""},
		{"no default", specs.LinuxSeccomp{Syscalls: []specs.LinuxSyscall{{Names: []string{"x"}, Action: specs.ActAllow}}},
			"linux.seccomp.defaultAction: must be set"},
		{"bad default", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}, `linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"`},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/x"}, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY"},
		{"errno with allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: &errno}, "linux.seccomp.defaultErrnoRet: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW"},
		{"arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_Z80"}}, "linux.seccomp.architectures[0]:"},
		{"flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"X"}}, "linux.seccomp.flags[0]:"},
		{"metadata without path", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerMetadata: "m"}, "linux.seccomp.listenerMetadata:"},
		{"no names", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}}, "linux.seccomp.syscalls[0].names: must not be empty"},
		{"empty name", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{""}, Action: specs.ActErrno}}}, "linux.seccomp.syscalls[0].names[0]:"},
		{"bad action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"x"}, Action: "nope"}}}, "linux.seccomp.syscalls[0].action:"},
		{"errno with log", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"x"}, Action: specs.ActLog, ErrnoRet: &errno}}}, "linux.seccomp.syscalls[0].errnoRet:"},
		{"arg index", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"x"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, "linux.seccomp.syscalls[0].args[0].index:"},
		{"arg op", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"x"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Op: "SCMP_CMP_X"}}}}}, "linux.seccomp.syscalls[0].args[0].op:"},
		{"notify no listener", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, "linux.seccomp.listenerPath:"},
		{"notify write", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/s", Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActNotify}}}, "linux.seccomp.syscalls[0].names[0]:"},
		{"notify ok", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/s", ListenerMetadata: "m", Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Example()
			sc := tt.sc
			s.Linux.Seccomp = &sc
			err := Validate(s, newBundle(t))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
}
