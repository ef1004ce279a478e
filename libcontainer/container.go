// Package libcontainer is brig's container state machine: the state
// directory, locks, create/start/kill/delete on the parent side, and the
// container's init on the other side of the parent/init protocol.
package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/brigrt/brig/cgroups"
	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var (
	ErrNotExist   = errors.New("container does not exist")
	ErrExist      = errors.New("container already exists")
	errNotRunning = errors.New("container's init process is not running")
)

// Container is one container's state directory, loaded and (for commands
// that change it) locked.
type Container struct {
	root string
	dir  string
	p    *persisted
	lock *os.File
	cg   cgroups.Manager
}

// stateDir validates id and returns <root>/<id>.
func stateDir(root, id string) (string, error) {
	if err := spec.ValidateID(id); err != nil {
		return "", err
	}
	return filepath.Join(root, id), nil
}

// Load reads a container's state without locking it (state, list, ps).
func Load(root, id string) (*Container, error) {
	dir, err := stateDir(root, id)
	if err != nil {
		return nil, err
	}
	p, err := readPersisted(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("container %q: %w", id, ErrNotExist)
		}
		return nil, err
	}
	return &Container{root: root, dir: dir, p: p}, nil
}

// LoadLocked takes the container's lock (waiting for whoever holds it, so
// commands on one id serialize) and then reads its state.
func LoadLocked(root, id string) (*Container, error) {
	dir, err := stateDir(root, id)
	if err != nil {
		return nil, err
	}
	lock, err := openLock(dir, id)
	if err != nil {
		return nil, err
	}
	if err := flock(lock); err != nil {
		lock.Close()
		return nil, err
	}
	p, err := readPersisted(dir)
	if err != nil {
		lock.Close()
		if errors.Is(err, os.ErrNotExist) {
			// Deleted while we waited for the lock.
			return nil, fmt.Errorf("container %q: %w", id, ErrNotExist)
		}
		return nil, err
	}
	return &Container{root: root, dir: dir, p: p, lock: lock}, nil
}

// openLock opens the container's lock file (a missing one: the container
// does not exist, or was deleted meanwhile).
func openLock(dir, id string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("container %q: %w", id, ErrNotExist)
	}
	return f, err
}

func flock(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

// lockFreeze takes the container's freeze lock: shared by execs whose
// process is born in the container's cgroups, exclusive for pause and
// resume, so that the cgroup cannot be frozen while such a process has not
// reported yet (it would freeze in the constructor and exec would wait
// forever). It is an OFD record lock on the first byte of the lock file,
// independent of the flock that serializes the other commands: an exec
// neither waits for them nor blocks them (a poststart hook may exec into
// its container while `start` holds the flock). release drops it; calling
// it again does nothing.
func (c *Container) lockFreeze(exclusive bool) (release func(), err error) {
	f, err := openLock(c.dir, c.p.ID)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: 0, Len: 1}
	if exclusive {
		lk.Type = unix.F_WRLCK
	}
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLKW, &lk)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("freeze lock: %w", err)
	}
	return func() {
		if f != nil {
			f.Close()
			f = nil
		}
	}, nil
}

// Unlock releases the container's lock.
func (c *Container) Unlock() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

func (c *Container) ID() string { return c.p.ID }

func (c *Container) cgroup() cgroups.Manager {
	if c.cg == nil && len(c.p.CgroupPaths) > 0 {
		m, err := cgroups.Load(c.p.CgroupPaths)
		if err == nil {
			c.cg = m
		}
	}
	return c.cg
}

// ListEntry is one container in `brig list`; Err is set for a state dir
// that could not be read, which list reports instead of failing.
type ListEntry struct {
	State
	Err error
}

// List reads every container under root.
func List(root string) ([]ListEntry, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []ListEntry
	for _, e := range ents {
		if !e.IsDir() || spec.ValidateID(e.Name()) != nil {
			continue
		}
		c, err := Load(root, e.Name())
		if err != nil {
			if errors.Is(err, ErrNotExist) {
				continue // removed meanwhile, or a create that has not written state yet
			}
			out = append(out, ListEntry{State: State{ID: e.Name(), Status: Stopped}, Err: err})
			continue
		}
		out = append(out, ListEntry{State: c.State()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Terminal says whether the container's process has a terminal.
func (c *Container) Terminal() bool {
	s := c.Spec()
	return s != nil && s.Process != nil && s.Process.Terminal
}

// Spec returns the container's config as it was created (and updated),
// or nil if it cannot be read.
func (c *Container) Spec() *specs.Spec {
	if c.p.Spec == nil {
		data, err := os.ReadFile(filepath.Join(c.dir, configFile))
		if err != nil {
			return nil
		}
		var s specs.Spec
		if json.Unmarshal(data, &s) != nil {
			return nil
		}
		c.p.Spec = &s
	}
	return c.p.Spec
}

func (c *Container) saveSpec() error {
	data, err := json.Marshal(c.p.Spec)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir, configFile), data, 0o600)
}

// RemoveStale removes <root>/<id> when it holds no state.json and nobody
// holds its lock: what a create killed before its first state write leaves.
// It reports whether there was such a directory.
func RemoveStale(root, id string) (bool, error) {
	dir, err := stateDir(root, id)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil || !errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return false, nil
		}
	} else if err != nil {
		return false, err
	} else {
		defer lock.Close()
		// A create in progress holds the lock: leave its directory alone.
		if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			return false, nil
		}
		if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
			return false, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return true, fmt.Errorf("remove stale state dir %s: %w", dir, err)
	}
	return true, nil
}
