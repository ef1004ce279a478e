// Package v2 manages a container cgroup on a cgroup v2 (unified) host.
// Everything works on the cgroup2 mount given as Config.Root (default
// /sys/fs/cgroup), so tests can point it at a scratch directory.
package v2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/internal/common"
	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// DefaultRoot is the cgroup2 mountpoint of a unified host.
const DefaultRoot = "/sys/fs/cgroup"

// Config is what the v2 manager needs.
type Config struct {
	Path      string // absolute, or relative to the parent of brig's own cgroup
	Resources *specs.LinuxResources
	Rootless  bool

	Root      string // cgroup2 mountpoint; "" = DefaultRoot
	OwnCgroup string // brig's cgroup (the 0:: line of /proc/self/cgroup); "" = read it
}

// Manager is the v2 implementation of cgroups.Manager.
type Manager struct {
	root     string
	dir      string
	res      *specs.LinuxResources
	rootless bool
}

// New computes the directory; nothing is created until Create.
func New(c Config) (*Manager, error) {
	root := c.Root
	if root == "" {
		root = DefaultRoot
	}
	m := &Manager{root: root, res: c.Resources, rootless: c.Rootless}
	if filepath.IsAbs(c.Path) {
		m.dir = filepath.Join(root, c.Path)
		return m, nil
	}
	own := c.OwnCgroup
	if own == "" {
		all, err := fsutil.OwnCgroups()
		if err != nil {
			return nil, fmt.Errorf("cgroup v2: %w", err)
		}
		var ok bool
		if own, ok = all[""]; !ok {
			return nil, errors.New("cgroup v2: no 0:: line in /proc/self/cgroup")
		}
	}
	// The parent: brig's own cgroup most likely has processes, and a cgroup
	// with processes cannot delegate controllers to children (runc does the same).
	m.dir = filepath.Join(root, filepath.Dir(filepath.Clean("/"+own)), c.Path)
	return m, nil
}

// Load rebuilds a manager from the directory saved in state.json.
func Load(dir string) (*Manager, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("cgroup v2: path %q is not absolute", dir)
	}
	return &Manager{root: DefaultRoot, dir: dir}, nil
}

// Paths returns {"": dir}, the key runc uses.
func (m *Manager) Paths() map[string]string { return map[string]string{"": m.dir} }

// Dir is the container cgroup directory.
func (m *Manager) Dir() string { return m.dir }

// Create makes the directory and its parents, enabling in each ancestor's
// cgroup.subtree_control every controller it has, then applies resources.
// Controllers that cannot be enabled (an ancestor with processes,
// rootless without delegation) are tolerated here; a resource needing one
// then fails naming it.
func (m *Manager) Create() (retErr error) {
	rel, err := filepath.Rel(m.root, m.dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup v2: %s is not below the cgroup2 mount %s", m.dir, m.root)
	}
	created, err := fsutil.MkdirAll(m.dir)
	if err != nil {
		return fmt.Errorf("cgroup v2: %w", err)
	}
	defer func() {
		if retErr != nil {
			fsutil.RemoveCreated(created)
		}
	}()
	cur := m.root
	for _, elem := range strings.Split(rel, string(filepath.Separator)) {
		enableControllers(cur)
		cur = filepath.Join(cur, elem)
	}
	return m.set(m.res, false)
}

// enableControllers writes "+c" for every controller of dir into its
// cgroup.subtree_control, all at once and, if that fails, one by one.
func enableControllers(dir string) {
	avail, err := fsutil.Read(dir, "cgroup.controllers")
	if err != nil || avail == "" {
		return
	}
	ctls := strings.Fields(avail)
	plus := make([]string, len(ctls))
	for i, c := range ctls {
		plus[i] = "+" + c
	}
	if fsutil.Write(dir, "cgroup.subtree_control", strings.Join(plus, " ")) == nil {
		return
	}
	// One by one only in a cgroup without processes: in one that has
	// some, the threaded controllers (cpuset, pids) would still succeed
	// and turn it into a thread root, making every child "domain invalid"
	// (moving a process there then fails with EOPNOTSUPP).
	if procs, err := fsutil.Read(dir, "cgroup.procs"); err != nil || strings.TrimSpace(procs) != "" {
		return
	}
	for _, p := range plus {
		_ = fsutil.Write(dir, "cgroup.subtree_control", p)
	}
}

// controllers returns the controllers usable in the container cgroup.
func (m *Manager) controllers() (map[string]bool, error) {
	s, err := fsutil.Read(m.dir, "cgroup.controllers")
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: %w", err)
	}
	out := map[string]bool{}
	for _, c := range strings.Fields(s) {
		out[c] = true
	}
	return out, nil
}

// Enter writes pid into cgroup.procs.
func (m *Manager) Enter(pid int) error {
	if err := fsutil.Write(m.dir, "cgroup.procs", fmt.Sprint(pid)); err != nil {
		return fmt.Errorf("cgroup v2: %w", err)
	}
	return nil
}

// Update applies r to the existing cgroup.
func (m *Manager) Update(r *specs.LinuxResources) error { return m.set(r, true) }

// Pids lists every process of the cgroup tree.
func (m *Manager) Pids() ([]int, error) {
	pids, err := fsutil.ReadProcsRecursive(m.dir)
	if err != nil {
		return nil, fmt.Errorf("cgroup v2: list processes: %w", err)
	}
	return pids, nil
}

// Signal sends sig to every process, frozen meanwhile so none can fork.
func (m *Manager) Signal(sig unix.Signal) error {
	return common.SignalAll(m, fsutil.Exists(m.dir, "cgroup.freeze"), sig)
}

const destroyTimeout = 10 * time.Second

// Destroy kills everything left (cgroup.kill, kernel 5.14+, or
// freeze/SIGKILL/thaw rounds) and removes the directory tree.
func (m *Manager) Destroy() error {
	if err := m.killAll(); err != nil {
		return err
	}
	if err := fsutil.RemoveTree(m.dir, destroyTimeout); err != nil {
		return fmt.Errorf("cgroup v2: %w", err)
	}
	return nil
}

func (m *Manager) killAll() error {
	if _, err := os.Stat(m.dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if fsutil.Exists(m.dir, "cgroup.kill") {
		if err := fsutil.Write(m.dir, "cgroup.kill", "1"); err == nil {
			if err := fsutil.WaitEmpty(m.dir, destroyTimeout); err != nil {
				return fmt.Errorf("cgroup v2: after cgroup.kill: %w", err)
			}
			return nil
		}
	}
	deadline := time.Now().Add(destroyTimeout)
	for {
		pids, err := fsutil.ReadProcsRecursive(m.dir)
		if err != nil {
			return fmt.Errorf("cgroup v2: list processes: %w", err)
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup v2: processes %v survive SIGKILL", pids)
		}
		if err := fsutil.SignalAll(pids, unix.SIGKILL); err != nil {
			return err
		}
		// SIGKILL wakes frozen tasks on v2, but thaw anyway so they exit fast.
		if fsutil.Exists(m.dir, "cgroup.freeze") {
			_ = fsutil.Write(m.dir, "cgroup.freeze", "0")
		}
		_ = fsutil.WaitEmpty(m.dir, time.Second)
	}
}

// UnifiedDirFD opens the cgroup directory for clone3(CLONE_INTO_CGROUP).
func (m *Manager) UnifiedDirFD() (int, error) {
	fd, err := unix.Open(m.dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("cgroup v2: open %s: %w", m.dir, err)
	}
	return fd, nil
}
