package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/brigrt/brig/seccomp"
	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// seccompFile keeps the compiled filter for exec (compiling a large
// profile costs tens of milliseconds).
const seccompFile = "seccomp.json"

// ExecOpts are the inputs of `brig exec`.
type ExecOpts struct {
	Process       *specs.Process
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	PreserveFds   int
	IgnorePaused  bool
}

// Exec runs another process in a created or running container: it joins
// every namespace of the container's init and its cgroup, and gets the
// container's seccomp filter. The returned process is a child of the caller.
func (c *Container) Exec(o ExecOpts) (*os.Process, error) {
	t := newPhaseTimer("exec")
	defer t.done()
	// Under the freeze lock `pause` cannot freeze the cgroup the process
	// is born into before it reports; held until it has.
	release, err := c.lockFreeze(false)
	if err != nil {
		return nil, err
	}
	defer release()
	st := c.status()
	switch {
	case st == Stopped || st == Creating:
		return nil, &StateError{ID: c.p.ID, Status: st, Op: "exec in"}
	case st == Paused && !o.IgnorePaused:
		return nil, fmt.Errorf("cannot exec in container %q: it is paused (use --ignore-paused)", c.p.ID)
	}
	p := o.Process
	if p == nil || len(p.Args) == 0 {
		return nil, errors.New("exec: process.args: must not be empty")
	}
	if p.Terminal && o.ConsoleSocket == "" && o.Console == nil {
		return nil, errors.New("exec: --tty needs --console-socket when detached")
	}
	cs := c.Spec()
	if cs == nil {
		return nil, fmt.Errorf("exec: container %q: saved config is unreadable", c.p.ID)
	}
	t.mark("status+spec")
	s := *cs
	s.Process = p
	s.Hooks = nil
	var ss spawnSpec
	ss.preserveFds = o.PreserveFds
	if s.Linux != nil {
		for _, ns := range s.Linux.Namespaces {
			name := nsProcName[ns.Type]
			path := fmt.Sprintf("/proc/%d/ns/%s", c.p.Pid, name)
			// Joining one's own user namespace is an error (EINVAL).
			if ns.Type == specs.UserNamespace && sameFile(path, "/proc/self/ns/user") {
				continue
			}
			ss.namespaces = append(ss.namespaces, specs.LinuxNamespace{Type: ns.Type, Path: path})
		}
	}
	consoleFd := -1
	if p.Terminal {
		console := o.Console
		if console == nil {
			var err error
			if console, err = dialConsole(o.ConsoleSocket); err != nil {
				return nil, err
			}
			defer console.Close()
		}
		consoleFd = ss.pass(console)
	}
	prog, err := c.seccompProgram()
	if err != nil {
		return nil, err
	}
	listenerFd := -1
	listener, err := dialListener(prog)
	if err != nil {
		return nil, err
	}
	if listener != nil {
		defer listener.Close()
		listenerFd = ss.pass(listener)
	}
	// The container must not exit between the check above and the joins.
	if !c.p.initAlive() {
		return nil, &StateError{ID: c.p.ID, Status: Stopped, Op: "exec in"}
	}
	// Born in the container's cgroups (as create's init), without the
	// cgroup.procs move and its RCU grace period, unless it must join late
	// (joinLate: memory or pids limits) or the container is paused
	// (--ignore-paused: the process freezes once moved, and finishes after
	// a resume, which needs the freeze lock).
	born, unifiedDir := false, ""
	if st == Paused {
		release()
	} else if !joinLate(&s, true) {
		var closeFD func()
		born, unifiedDir, closeFD = c.birthCgroup(&ss)
		defer closeFD()
	}
	t.mark("prepare")
	sp, err := spawn(ss)
	if err != nil {
		return nil, err
	}
	defer sp.ch.f.Close()
	t.mark("spawn")
	lastCap, err := spec.LastCap()
	if err != nil {
		sp.kill()
		return nil, err
	}
	lsm := detectLSM()
	logSkippedLSM(s.Process, lsm)
	ic := &initConfig{
		LSM:         lsm,
		LastCap:     lastCap,
		ID:          c.p.ID,
		Spec:        &s,
		Bundle:      c.p.Bundle,
		PreserveFds: o.PreserveFds,
		Exec:        true,
		Seccomp:     prog,
		FifoFd:      -1,
		ConsoleFd:   consoleFd,
		ListenerFd:  listenerFd,
	}
	fail := func(err error) (*os.Process, error) {
		sp.kill()
		return nil, err
	}
	if err := sp.ch.send(message{Type: msgBootstrap, Init: ic}); err != nil {
		// The process may have died reporting why (the constructor's errors).
		if m, rerr := sp.ch.recv(); rerr == nil && m.Type == msgError {
			return fail(initError(m.Error))
		}
		return fail(fmt.Errorf("exec: %w", err))
	}
	if _, err := sp.ch.expect(msgReady); err != nil {
		return fail(initFailed(err))
	}
	t.mark("ready")
	switch {
	case born && unifiedDir != "":
		if err := enterUnified(unifiedDir, sp.proc.Pid); err != nil {
			return fail(err)
		}
	case born:
	default:
		if m := c.cgroup(); m != nil {
			if err := m.Enter(sp.proc.Pid); err != nil {
				return fail(err)
			}
		}
	}
	if err := sp.ch.send(message{Type: msgJoined, Pid: sp.proc.Pid}); err != nil {
		return fail(fmt.Errorf("exec: %w", err))
	}
	t.mark("cgroup")
	if _, err := sp.ch.expect(msgCreated); err != nil {
		return fail(initFailed(err))
	}
	t.mark("created")
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, sp.proc.Pid); err != nil {
			return fail(fmt.Errorf("pid file %s: %w", o.PidFile, err))
		}
	}
	return sp.proc, nil
}

func (c *Container) seccompProgram() (*seccomp.Program, error) {
	data, err := os.ReadFile(filepath.Join(c.dir, seccompFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var prog seccomp.Program
	if err := json.Unmarshal(data, &prog); err != nil {
		return nil, fmt.Errorf("%s: %w", seccompFile, err)
	}
	return &prog, nil
}

func saveSeccomp(dir string, prog *seccomp.Program) error {
	if prog == nil {
		return nil
	}
	data, err := json.Marshal(prog)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, seccompFile), data, 0o600)
}

func sameFile(a, b string) bool {
	var sa, sb unix.Stat_t
	if unix.Stat(a, &sa) != nil || unix.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// dialListener connects to the seccomp notify agent for a program that
// needs one, and returns the connection to pass to the init (nil if none).
func dialListener(prog *seccomp.Program) (*os.File, error) {
	if prog == nil || !prog.Notify {
		return nil, nil
	}
	l, err := seccomp.DialListener(prog.ListenerPath)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.listenerPath: %w", err)
	}
	return l.File(), nil
}
