// Package cgroups creates, configures and removes the control group of a
// container. One Manager interface is implemented twice: cgroups/v1 for
// legacy and hybrid hosts (one hierarchy per controller, plus the empty
// cgroup2 hierarchy at /sys/fs/cgroup/unified in hybrid mode) and cgroups/v2
// for unified hosts. New picks the implementation from the host; Load
// rebuilds a Manager from the paths saved in state.json.
//
// # Path semantics (cgroupfs driver, as runc 1.1)
//
// The container's cgroup is Config.CgroupsPath (linux.cgroupsPath), cleaned
// so it cannot escape with "..":
//
//   - absolute ("/brig/web"): relative to the root of each hierarchy, e.g.
//     /sys/fs/cgroup/memory/brig/web (v1) or /sys/fs/cgroup/brig/web (v2);
//   - relative ("brig/web"): relative to brig's own cgroup as listed in
//     /proc/self/cgroup — per hierarchy on v1; on v2 relative to the parent
//     of brig's own cgroup (brig's own cgroup usually has processes, so its
//     children could not get controllers: "no internal processes" rule);
//   - empty: the container ID, taken as a relative path. This is exactly
//     what runc 1.1 does (specconv sets Name=id, Path=""; fs.innerPath joins
//     them into the relative path "<id>"), verified on this host with runc
//     1.1.5, so `brig` and `runc` put the same container in the same place.
//
// A cgroupsPath in the systemd "slice:prefix:name" form, or Config.Systemd,
// returns ErrSystemdNotSupported: the systemd driver is not implemented yet
// but would slot in behind the same Manager interface.
//
// # Resources
//
// Each linux.resources section is translated in its own small file per
// version (v1/memory.go, v2/memory.go, ...). Conversions follow runc:
// cpu.shares -> cpu.weight = 1 + ((shares-2)*9999)/262142, memory.swap on v2
// is swap-limit, blkio weight 10..1000 -> io.weight 1..10000, device rules ->
// devices.allow/deny (v1) or an eBPF program (v2, package cgroups/devices).
// Every error names the version, the controller and the file:
//
//	cgroup v1 memory: write memory.limit_in_bytes: invalid argument
//
// A resource whose controller is not available fails with an error naming
// the controller (e.g. hugepageLimits on a host whose hugetlb controller is
// not a v1 hierarchy). kernel/kernelTCP memory limits are ignored (logged at
// debug level), as are knobs without an equivalent on the running version
// (v2: swappiness, disableOOMKiller, network; v1: unified, which is an error).
// cpu realtime settings are v1 only (an error on v2).
//
// # Hybrid hosts
//
// The v1 manager also creates and joins the same path in the cgroup2
// hierarchy (/sys/fs/cgroup/unified), like runc, and stores it under the
// key "" in Paths(); Destroy uses its cgroup.kill when present. No
// controller is used from that hierarchy.
//
// # Known gaps
//
//   - systemd driver (ErrSystemdNotSupported);
//   - v2 threaded / "domain invalid" cgroups are not handled specially: a
//     controller that could not be enabled surfaces as "controller not
//     available" when a resource needs it;
//   - v1 Update of device rules rewrites them from "deny all", which briefly
//     denies everything and fails if the cgroup has child cgroups.
package cgroups
