package v1

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// initCpuset fills empty cpuset.cpus/cpuset.mems from the parent on every
// level from the hierarchy root down to dir: a new v1 cpuset starts empty
// and a process cannot join an empty one.
func (m *Manager) initCpuset(dir string) error {
	root := m.cpusetRoot(dir)
	rel, err := filepath.Rel(root, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup v1 cpuset: %s is not below %s", dir, root)
	}
	parent := root
	for _, elem := range strings.Split(rel, string(filepath.Separator)) {
		if elem == "." || elem == "" {
			continue
		}
		cur := filepath.Join(parent, elem)
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := fsutil.Read(cur, f)
			if err != nil {
				return fmt.Errorf("cgroup v1 cpuset: %s: %w", cur, err)
			}
			if v != "" {
				continue
			}
			pv, err := fsutil.Read(parent, f)
			if err != nil {
				return fmt.Errorf("cgroup v1 cpuset: %s: %w", parent, err)
			}
			if err := fsutil.Write(cur, f, pv); err != nil {
				return fmt.Errorf("cgroup v1 cpuset: %s: %w", cur, err)
			}
		}
		parent = cur
	}
	return nil
}

// cpusetRoot finds the top of the cpuset hierarchy containing dir: the
// highest ancestor that still has cpuset.cpus (the mountpoint).
func (m *Manager) cpusetRoot(dir string) string {
	root := dir
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if !fsutil.Exists(p, "cpuset.cpus") {
			break
		}
		root = p
	}
	return root
}

func setCpuset(dir string, c *specs.LinuxCPU) error {
	if c.Cpus != "" {
		if err := fsutil.Write(dir, "cpuset.cpus", c.Cpus); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := fsutil.Write(dir, "cpuset.mems", c.Mems); err != nil {
			return err
		}
	}
	return nil
}
