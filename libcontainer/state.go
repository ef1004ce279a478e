package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status is the container state of runtime.md, plus paused (runc's extension).
type Status string

const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

const (
	stateFile  = "state.json"
	configFile = "config.json"
	fifoName   = "exec.fifo"
	lockName   = "lock"
)

// persisted is what brig keeps in <root>/<id>/state.json. The status is
// not stored for a created or running container: it is derived from the
// init process and the exec fifo, so a crash can never leave it stale.
type persisted struct {
	ID          string            `json:"id"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Pid         int               `json:"pid,omitempty"`
	PidStart    uint64            `json:"pidStartTime,omitempty"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	// Creating is true until create has finished: a state dir left with
	// it set belongs to a create that died and is reported as stopped.
	Creating bool `json:"creating,omitempty"`
	// Spec is kept in its own file (configFile) for exec, update and the
	// hooks: state.json stays small for state and list. Loaded lazily.
	Spec *specs.Spec `json:"-"`
}

// State is the runtime-spec state of a container (runtime.md "State").
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      Status            `json:"status"`
	Pid         int               `json:"pid,omitempty"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// runc's extras, which list and engines read.
	Rootfs  string    `json:"rootfs,omitempty"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

func readPersisted(dir string) (*persisted, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var p persisted
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: corrupt state: %w", filepath.Join(dir, stateFile), err)
	}
	return &p, nil
}

// writePersisted replaces state.json atomically (write a temporary file,
// fsync-free rename: the state dir lives on tmpfs).
func writePersisted(dir string, p *persisted) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), data, 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// pidStartTime reads field 22 of /proc/<pid>/stat: together with the pid it
// names one process for its whole life, so a recycled pid is never signalled.
func pidStartTime(pid int) (uint64, byte, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name may hold spaces and parentheses: skip past the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, err
	}
	return start, fields[0][0], nil
}

// initAlive says whether the recorded init process still runs (zombies count
// as dead: the container's process has exited).
func (p *persisted) initAlive() bool {
	if p.Pid <= 0 {
		return false
	}
	start, st, err := pidStartTime(p.Pid)
	if err != nil || st == 'Z' || st == 'X' {
		return false
	}
	return p.PidStart == 0 || start == p.PidStart
}

// status derives the container's status from the system.
func (c *Container) status() Status {
	p := c.p
	if p.Creating {
		if p.initAlive() {
			return Creating
		}
		return Stopped
	}
	if !p.initAlive() {
		return Stopped
	}
	if _, err := os.Lstat(filepath.Join(c.dir, fifoName)); err == nil {
		return Created
	}
	if m := c.cgroup(); m != nil {
		if frozen, err := m.Frozen(); err == nil && frozen {
			return Paused
		}
	}
	return Running
}

// State returns the runtime-spec state.
func (c *Container) State() State {
	st := c.status()
	s := State{
		OCIVersion:  specs.Version,
		ID:          c.p.ID,
		Status:      st,
		Bundle:      c.p.Bundle,
		Annotations: c.p.Annotations,
		Rootfs:      c.p.Rootfs,
		Created:     c.p.Created,
		Owner:       c.p.Owner,
	}
	if st != Stopped {
		s.Pid = c.p.Pid
	}
	return s
}

// signalInit sends sig to the init if it is still the process we started.
func (c *Container) signalInit(sig unix.Signal) error {
	if !c.p.initAlive() {
		return errNotRunning
	}
	return unix.Kill(c.p.Pid, sig)
}
