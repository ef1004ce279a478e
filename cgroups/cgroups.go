package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups/stats"
	v1 "github.com/brigrt/brig/cgroups/v1"
	v2 "github.com/brigrt/brig/cgroups/v2"
)

// Config describes the cgroup of one container.
type Config struct {
	ID          string
	CgroupsPath string // linux.cgroupsPath from config.json, may be empty
	Resources   *specs.LinuxResources
	Systemd     bool // --systemd-cgroup
	Rootless    bool
}

// Stats is a snapshot of the container's cgroup usage (runc events --stats shape).
type Stats = stats.Stats

// Manager controls one container cgroup. See the package doc for path semantics.
type Manager interface {
	// Create makes the cgroup directories (parents too), enables controllers
	// in the parents' cgroup.subtree_control (v2) and applies the resources.
	// On error it removes the directories it made.
	Create() error
	// Enter moves pid into the cgroup (every hierarchy on v1).
	Enter(pid int) error
	// Paths is what state.json stores: v1 controller -> dir (and "" -> the
	// unified dir in hybrid mode); v2 "" -> dir.
	Paths() map[string]string
	Update(r *specs.LinuxResources) error
	// Freeze returns once every process is really frozen.
	Freeze() error
	Thaw() error
	Frozen() (bool, error)
	// Pids lists every process in the cgroup and its descendants.
	Pids() ([]int, error)
	// Signal sends sig to every process (kill --all): freeze, signal, thaw.
	Signal(sig unix.Signal) error
	// Destroy kills what is left and removes the directories. Idempotent.
	Destroy() error
	Stats() (*Stats, error)
	// UnifiedDirFD opens the cgroup v2 dir (O_PATH|O_DIRECTORY) for clone3
	// CLONE_INTO_CGROUP. The caller closes it. v1: error.
	UnifiedDirFD() (int, error)
}

var (
	_ Manager = (*v1.Manager)(nil)
	_ Manager = (*v2.Manager)(nil)
)

// ErrSystemdNotSupported is returned for --systemd-cgroup and for
// "slice:prefix:name" cgroup paths.
var ErrSystemdNotSupported = errors.New("systemd cgroup driver is not supported yet (use the cgroupfs driver: no --systemd-cgroup and a plain linux.cgroupsPath)")

// New returns the Manager for c on this host; nothing is created until Create.
func New(c Config) (Manager, error) {
	inner, err := InnerPath(c)
	if err != nil {
		return nil, err
	}
	switch Mode() {
	case Unified:
		return v2.New(v2.Config{Path: inner, Resources: c.Resources, Rootless: c.Rootless})
	default:
		return v1.New(v1.Config{Path: inner, Resources: c.Resources, Rootless: c.Rootless})
	}
}

// Load rebuilds a Manager from the Paths() saved in state.json.
func Load(paths map[string]string) (Manager, error) {
	if len(paths) == 0 {
		return nil, errors.New("cgroup: no cgroup paths in state")
	}
	if Mode() == Unified {
		dir, ok := paths[""]
		if !ok || len(paths) != 1 {
			return nil, fmt.Errorf("cgroup: state has cgroup v1 paths but the host is cgroup v2 only: %v", paths)
		}
		return v2.Load(dir)
	}
	return v1.Load(paths)
}

// InnerPath returns the cleaned container cgroup path: absolute (relative
// to the hierarchy root) or relative (to brig's own cgroup); the ID when
// CgroupsPath is empty.
func InnerPath(c Config) (string, error) {
	if c.Systemd || looksLikeSystemd(c.CgroupsPath) {
		return "", ErrSystemdNotSupported
	}
	if c.CgroupsPath == "" {
		if c.ID == "" {
			return "", errors.New("cgroup: neither linux.cgroupsPath nor a container ID given")
		}
		return CleanPath(c.ID), nil
	}
	p := CleanPath(c.CgroupsPath)
	if p == "/" || p == "." {
		return "", fmt.Errorf("linux.cgroupsPath: %q would be the cgroup root or brig's own cgroup", c.CgroupsPath)
	}
	return p, nil
}

// looksLikeSystemd reports the "slice:prefix:name" form, which runc only
// accepts with --systemd-cgroup.
func looksLikeSystemd(p string) bool {
	parts := strings.Split(p, ":")
	return len(parts) == 3 && !strings.Contains(parts[0], "/") && strings.HasSuffix(parts[0], ".slice")
}

// CleanPath cleans p and, for a relative p, removes leading ".." so the
// result stays below the directory it is joined to (as runc's CleanPath).
func CleanPath(p string) string {
	if p == "" {
		return ""
	}
	p = filepath.Clean(p)
	if !filepath.IsAbs(p) {
		p, _ = filepath.Rel("/", filepath.Clean("/"+p))
	}
	return p
}
