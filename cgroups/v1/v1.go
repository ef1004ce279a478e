// Package v1 manages a container cgroup on a cgroup v1 (legacy or hybrid)
// host: one directory per mounted hierarchy, plus, in hybrid mode, one in
// the controller-less cgroup2 hierarchy (joined like runc does, so that
// tools reading 0:: in /proc/<pid>/cgroup and cgroup.kill work).
package v1

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/common"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// unifiedKey is the Paths() key of the cgroup2 directory in hybrid mode
// (the same key runc uses in state.json).
const unifiedKey = ""

// knownControllers are the v1 hierarchies a container joins.
var knownControllers = map[string]bool{
	"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "devices": true,
	"freezer": true, "blkio": true, "pids": true, "hugetlb": true, "net_cls": true,
	"net_prio": true, "perf_event": true, "rdma": true, "misc": true, "name=systemd": true,
}

// Hierarchy is one mounted v1 hierarchy (or the cgroup2 mount in hybrid mode,
// with no Controllers).
type Hierarchy struct {
	Mountpoint  string
	Root        string // mountinfo root: "/" unless bind-mounted or in a cgroup namespace
	Controllers []string
}

// Config is what the v1 manager needs; the zero test hooks mean "discover
// from /proc/self".
type Config struct {
	Path      string // absolute, or relative to brig's own cgroup
	Resources *specs.LinuxResources
	Rootless  bool

	Hierarchies []Hierarchy       // v1 hierarchies; nil: read /proc/self/mountinfo
	Unified     *Hierarchy        // hybrid cgroup2 mount; used only with Hierarchies
	OwnCgroups  map[string]string // /proc/self/cgroup; nil: read it
}

// Manager is the v1 implementation of cgroups.Manager.
type Manager struct {
	paths    map[string]string // controller -> dir; unifiedKey -> cgroup2 dir (hybrid)
	res      *specs.LinuxResources
	rootless bool
	// unavailable records why a controller has no path (rootless mkdir
	// failure), for the error when a resource needs it.
	unavailable map[string]error
}

// New computes the directories; nothing is created until Create.
func New(c Config) (*Manager, error) {
	hs, uni := c.Hierarchies, c.Unified
	if hs == nil {
		var err error
		if hs, uni, err = Discover(); err != nil {
			return nil, err
		}
	}
	own := c.OwnCgroups
	if own == nil && !filepath.IsAbs(c.Path) {
		var err error
		if own, err = fsutil.OwnCgroups(); err != nil {
			return nil, fmt.Errorf("cgroup v1: %w", err)
		}
	}
	m := &Manager{paths: map[string]string{}, res: c.Resources, rootless: c.Rootless, unavailable: map[string]error{}}
	for _, h := range hs {
		for _, ctl := range h.Controllers {
			dir, err := resolve(h, own[ctl], c.Path)
			if err != nil {
				return nil, fmt.Errorf("cgroup v1 %s: %w", ctl, err)
			}
			m.paths[ctl] = dir
		}
	}
	if uni != nil {
		if dir, err := resolve(*uni, own[unifiedKey], c.Path); err == nil {
			m.paths[unifiedKey] = dir
		}
	}
	return m, nil
}

// Load rebuilds a manager from Paths() (state.json).
func Load(paths map[string]string) (*Manager, error) {
	m := &Manager{paths: map[string]string{}, unavailable: map[string]error{}}
	for k, v := range paths {
		if !filepath.IsAbs(v) {
			return nil, fmt.Errorf("cgroup v1: path for %q is not absolute: %q", k, v)
		}
		m.paths[k] = v
	}
	return m, nil
}

// resolve joins the container path onto a hierarchy: absolute paths start
// at the mountpoint, relative ones at brig's own cgroup in that hierarchy.
func resolve(h Hierarchy, own, inner string) (string, error) {
	if filepath.IsAbs(inner) {
		return filepath.Join(h.Mountpoint, inner), nil
	}
	if own == "" {
		return "", errors.New("brig's own cgroup is not listed in /proc/self/cgroup")
	}
	// /proc/self/cgroup paths are relative to the hierarchy root, the mount
	// may show only a subtree of it (root field of mountinfo).
	rel, err := filepath.Rel(h.Root, own)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = own // outside the visible subtree: best effort, as runc
	}
	return filepath.Join(h.Mountpoint, rel, inner), nil
}

// Discover reads the cgroup mounts from /proc/self/mountinfo. Only the first
// mount of each hierarchy is used, preferring those below /sys/fs/cgroup.
func Discover() ([]Hierarchy, *Hierarchy, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, nil, fmt.Errorf("cgroup v1: read mountinfo: %w", err)
	}
	sort.SliceStable(mounts, func(i, j int) bool {
		return underSysFs(mounts[i].Mountpoint) && !underSysFs(mounts[j].Mountpoint)
	})
	var hs []Hierarchy
	var uni *Hierarchy
	seen := map[string]bool{}
	for _, mnt := range mounts {
		if mnt.FSType == "cgroup2" {
			if uni == nil {
				uni = &Hierarchy{Mountpoint: mnt.Mountpoint, Root: mnt.Root}
			}
			continue
		}
		var ctls []string
		for _, opt := range strings.Split(mnt.VFSOptions, ",") {
			if knownControllers[opt] && !seen[opt] {
				ctls = append(ctls, opt)
			}
		}
		if len(ctls) == 0 {
			continue
		}
		for _, c := range ctls {
			seen[c] = true
		}
		hs = append(hs, Hierarchy{Mountpoint: mnt.Mountpoint, Root: mnt.Root, Controllers: ctls})
	}
	if len(hs) == 0 {
		return nil, nil, errors.New("cgroup v1: no cgroup v1 hierarchy is mounted")
	}
	return hs, uni, nil
}

func underSysFs(p string) bool { return strings.HasPrefix(p, "/sys/fs/cgroup/") }

// Paths returns a copy of controller -> directory.
func (m *Manager) Paths() map[string]string {
	out := make(map[string]string, len(m.paths))
	for k, v := range m.paths {
		out[k] = v
	}
	return out
}

// path returns the directory of ctl or an error naming the controller.
func (m *Manager) path(ctl string) (string, error) {
	if dir, ok := m.paths[ctl]; ok {
		return dir, nil
	}
	if err, ok := m.unavailable[ctl]; ok {
		return "", fmt.Errorf("cgroup v1 %s: controller unavailable: %w", ctl, err)
	}
	return "", fmt.Errorf("cgroup v1 %s: controller is not mounted (no %s hierarchy on this host)", ctl, ctl)
}

// sortedKeys gives a stable order; cpuset first doesn't matter because
// each hierarchy is independent.
func (m *Manager) sortedKeys() []string {
	keys := make([]string, 0, len(m.paths))
	for k := range m.paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Create makes the directory in every hierarchy, then applies the resources.
func (m *Manager) Create() (retErr error) {
	var created []string
	defer func() {
		if retErr != nil {
			fsutil.RemoveCreated(created)
		}
	}()
	for _, ctl := range m.sortedKeys() {
		dir := m.paths[ctl]
		made, err := fsutil.MkdirAll(dir)
		if err != nil {
			if ctl == unifiedKey || (m.rootless && isPerm(err)) {
				// hybrid cgroup2 dir is a nicety; rootless may lack access.
				delete(m.paths, ctl)
				m.unavailable[ctl] = err
				continue
			}
			return fmt.Errorf("cgroup v1 %s: %w", name(ctl), err)
		}
		created = append(created, made...)
		if ctl == "cpuset" {
			if err := m.initCpuset(dir); err != nil {
				return err
			}
		}
	}
	return m.set(m.res, false)
}

func name(ctl string) string {
	if ctl == unifiedKey {
		return "unified"
	}
	return ctl
}

func isPerm(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EROFS)
}

// Enter writes pid into cgroup.procs of every hierarchy.
func (m *Manager) Enter(pid int) error {
	for _, ctl := range m.sortedKeys() {
		if err := fsutil.Write(m.paths[ctl], "cgroup.procs", fmt.Sprint(pid)); err != nil {
			if m.rootless && isPerm(err) {
				continue
			}
			if ctl == unifiedKey && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("cgroup v1 %s: %w", name(ctl), err)
		}
	}
	return nil
}

// Update applies r to the existing cgroup.
func (m *Manager) Update(r *specs.LinuxResources) error {
	return m.set(r, true)
}

// pidsDir picks the hierarchy to list processes from.
func (m *Manager) pidsDir() (string, error) {
	for _, ctl := range []string{"pids", "freezer", "devices", "memory", "cpu", "cpuacct", "name=systemd", unifiedKey} {
		if dir, ok := m.paths[ctl]; ok {
			return dir, nil
		}
	}
	for _, ctl := range m.sortedKeys() {
		return m.paths[ctl], nil
	}
	return "", errors.New("cgroup v1: no cgroup paths")
}

// Pids lists every process of the container cgroup tree.
func (m *Manager) Pids() ([]int, error) {
	dir, err := m.pidsDir()
	if err != nil {
		return nil, err
	}
	pids, err := fsutil.ReadProcsRecursive(dir)
	if err != nil {
		return nil, fmt.Errorf("cgroup v1: list processes: %w", err)
	}
	return pids, nil
}

// Signal sends sig to every process. With a freezer the set of processes
// cannot change (fork) between listing and signalling. A paused container
// stays paused, except after SIGKILL (which frozen v1 tasks would not act on).
func (m *Manager) Signal(sig unix.Signal) error {
	if err := common.SignalAll(m, m.paths["freezer"] != "", sig); err != nil {
		return err
	}
	if sig == unix.SIGKILL && m.paths["freezer"] != "" {
		// A paused container's tasks only act on SIGKILL once thawed (v1).
		return m.Thaw()
	}
	return nil
}

// destroyTimeout bounds the wait for killed processes to leave the cgroup.
const destroyTimeout = 10 * time.Second

// Destroy kills remaining processes and removes every directory.
func (m *Manager) Destroy() error {
	if err := m.killAll(); err != nil {
		return err
	}
	var errs []error
	for _, ctl := range m.sortedKeys() {
		if err := fsutil.RemoveTree(m.paths[ctl], destroyTimeout); err != nil {
			errs = append(errs, fmt.Errorf("cgroup v1 %s: %w", name(ctl), err))
		}
	}
	return errors.Join(errs...)
}

// killAll SIGKILLs everything: cgroup.kill in the hybrid cgroup2 dir if the
// kernel has it, then freeze/kill/thaw rounds in v1 until the cgroup is empty.
func (m *Manager) killAll() error {
	if dir, ok := m.paths[unifiedKey]; ok && fsutil.Exists(dir, "cgroup.kill") {
		_ = fsutil.Write(dir, "cgroup.kill", "1") // fall through to v1 on failure
	}
	dir, err := m.pidsDir()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(destroyTimeout)
	for {
		pids, err := fsutil.ReadProcsRecursive(dir)
		if err != nil {
			return fmt.Errorf("cgroup v1: list processes: %w", err)
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup v1: processes %v survive SIGKILL", pids)
		}
		if err := m.killRound(dir); err != nil {
			return err
		}
		if err := fsutil.WaitEmpty(dir, time.Second); err == nil {
			return nil
		}
	}
}

// UnifiedDirFD is not available on v1: CLONE_INTO_CGROUP only places the
// child in a cgroup2 hierarchy, which has no controllers here.
func (m *Manager) UnifiedDirFD() (int, error) {
	return -1, errors.New("cgroup v1: no cgroup v2 directory for CLONE_INTO_CGROUP (host is not cgroup v2 unified)")
}

// killRound freezes (when a freezer exists), SIGKILLs every process and
// thaws, also when the container was paused: frozen v1 tasks only die once
// thawed.
func (m *Manager) killRound(dir string) error {
	_, haveFreezer := m.paths["freezer"]
	if haveFreezer {
		if err := m.Freeze(); err != nil {
			return err
		}
	}
	pids, err := fsutil.ReadProcsRecursive(dir)
	if err == nil {
		err = fsutil.SignalAll(pids, unix.SIGKILL)
	}
	if haveFreezer {
		if terr := m.Thaw(); terr != nil && err == nil {
			err = terr
		}
	}
	return err
}
