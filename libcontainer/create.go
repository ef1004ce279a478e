package libcontainer

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/brigrt/brig/cgroups"
	"github.com/brigrt/brig/rootfs"
	"github.com/brigrt/brig/seccomp"
	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// CreateOpts are the inputs of `brig create` (and `run`).
type CreateOpts struct {
	Root          string
	ID            string
	Bundle        string
	PidFile       string
	ConsoleSocket string
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFds   int
	Systemd       bool
	Rootless      bool
	// Console, if set, is a connected unix socket that receives the pty
	// master instead of --console-socket (run in the foreground uses it).
	Console *os.File
}

// Create builds a container up to the "created" state: on return its init
// waits, inside the container's namespaces and cgroup, for start. On error
// nothing is left behind: no state dir, cgroup, or process.
//
// The returned process is the init, a child of the caller (run waits on it).
func Create(o CreateOpts) (_ *Container, _ *os.Process, retErr error) {
	// Pdeathsig ties the init's life to this thread until the container is
	// created: keep the thread for the rest of the process.
	runtime.LockOSThread()
	t := newPhaseTimer("create " + o.ID)
	defer t.done()

	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return nil, nil, err
	}
	s, err := spec.Load(bundle)
	if err != nil {
		return nil, nil, err
	}
	if s.Process == nil {
		return nil, nil, errors.New("config.json: process: required by create")
	}
	if err := checkSupported(s, o); err != nil {
		return nil, nil, err
	}
	// Compiled here, not in the init: libseccomp's work stays out of the
	// container's namespaces and cgroup, and errors surface before anything
	// is created.
	var prog *seccomp.Program
	if s.Linux != nil && s.Linux.Seccomp != nil {
		if prog, err = seccomp.Compile(s.Linux.Seccomp); err != nil {
			return nil, nil, fmt.Errorf("config.json: %w", err)
		}
	}
	dir, err := stateDir(o.Root, o.ID)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(o.Root, 0o711); err != nil {
		return nil, nil, fmt.Errorf("state root %s: %w", o.Root, err)
	}
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, nil, fmt.Errorf("container %q: %w", o.ID, ErrExist)
		}
		return nil, nil, fmt.Errorf("state dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err == nil {
		err = flock(lock)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("lock state dir: %w", err)
	}
	rootfs := s.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	c := &Container{root: o.Root, dir: dir, lock: lock, p: &persisted{
		ID:          o.ID,
		Bundle:      bundle,
		Rootfs:      rootfs,
		Created:     time.Now().UTC(),
		Owner:       owner(),
		Annotations: s.Annotations,
		Creating:    true,
		Spec:        s,
	}}
	var initProc *os.Process
	defer func() {
		if retErr != nil {
			if initProc != nil {
				initProc.Kill()
				initProc.Wait()
			}
			if c.cg != nil {
				if err := c.cg.Destroy(); err != nil {
					logrus.Warnf("remove cgroup: %v", err)
				}
			}
			os.RemoveAll(dir)
			c.Unlock()
			// runtime.md: a failed create continues at step 12 (destroy)
			// and 13 (poststop hooks).
			if s.Hooks != nil {
				warnHooks("poststop", s.Hooks.Poststop, hookState(o.ID, bundle, s.Annotations, 0, Stopped))
			}
		}
	}()
	var res *specs.LinuxResources
	cgPath := ""
	if s.Linux != nil {
		res = s.Linux.Resources
		cgPath = s.Linux.CgroupsPath
	}
	cg, err := cgroups.New(cgroups.Config{ID: o.ID, CgroupsPath: cgPath, Resources: res, Systemd: o.Systemd, Rootless: o.Rootless})
	if err != nil {
		return nil, nil, err
	}
	// The cgroup's paths are in the state before the cgroup exists, so that
	// `delete --force` finds it whenever this process dies.
	c.cg = cg
	c.p.CgroupPaths = cg.Paths()
	if err := writePersisted(dir, c.p); err != nil {
		return nil, nil, fmt.Errorf("write state: %w", err)
	}
	if err := c.saveSpec(); err != nil {
		return nil, nil, fmt.Errorf("write state: %w", err)
	}
	if err := saveSeccomp(dir, prog); err != nil {
		return nil, nil, fmt.Errorf("write state: %w", err)
	}
	t.mark("state dir")
	if err := cg.Create(); err != nil {
		return nil, nil, err
	}
	t.mark("cgroup create")

	initProc, err = c.spawnInit(s, o, prog, t)
	if err != nil {
		return nil, nil, err
	}
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, initProc.Pid); err != nil {
			return nil, nil, fmt.Errorf("pid file %s: %w", o.PidFile, err)
		}
	}
	c.p.Creating = false
	if err := writePersisted(dir, c.p); err != nil {
		return nil, nil, fmt.Errorf("write state: %w", err)
	}
	// The init cleared its parent-death signal: the thread is free again
	// (a locked main goroutine makes every blocking call hand off threads).
	runtime.UnlockOSThread()
	return c, initProc, nil
}

// checkSupported rejects what this version of brig cannot apply yet, so
// that nothing is silently ignored.
func checkSupported(s *specs.Spec, o CreateOpts) error {
	if s.Linux == nil {
		return nil
	}
	if s.Process.Terminal && o.ConsoleSocket == "" && o.Console == nil {
		return errors.New("config.json: process.terminal is true: --console-socket is required")
	}
	if !s.Process.Terminal && o.ConsoleSocket != "" {
		return errors.New("--console-socket given but config.json: process.terminal is false")
	}
	return nil
}

// spawnInit starts the init and drives it to "created".
func (c *Container) spawnInit(s *specs.Spec, o CreateOpts, prog *seccomp.Program, t *phaseTimer) (*os.Process, error) {
	fifoPath := filepath.Join(c.dir, fifoName)
	if err := unix.Mkfifo(fifoPath, 0o600); err != nil {
		return nil, fmt.Errorf("exec fifo: %w", err)
	}
	// O_RDWR never blocks; the init keeps this end and blocks in read()
	// until start writes a byte.
	fifo, err := os.OpenFile(fifoPath, os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("exec fifo: %w", err)
	}
	defer fifo.Close()
	ss := spawnSpec{preserveFds: o.PreserveFds}
	fifoFd := ss.pass(fifo)
	consoleFd := -1
	if s.Process.Terminal {
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
	// Idmapped mounts are built here and passed after the other fds.
	usernsFds, err := idmapUserNS(s)
	if err != nil {
		return nil, err
	}
	mountFds := map[int]int{}
	for i, f := range usernsFds {
		tree, err := rootfs.DetachedMount(c.p.Bundle, &s.Mounts[i], int(f.Fd()))
		f.Close()
		if err != nil {
			return nil, err
		}
		tf := os.NewFile(uintptr(tree), "mount")
		defer tf.Close()
		mountFds[i] = ss.pass(tf)
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
	lastCap, err := spec.LastCap()
	if err != nil {
		return nil, err
	}
	lsm := detectLSM()
	logSkippedLSM(s.Process, lsm)
	// Where the cgroup join goes. Normally the init starts in its cgroup
	// (birthCgroup), except from a new user namespace, whose root may not
	// write the host's cgroup files: then the parent moves it while it sets
	// up (a move can wait for an RCU grace period). With a memory or small
	// pids limit the parent moves it only once it is ready (joinLate).
	bornInCgroup := false
	var unifiedDir string
	late := joinLate(s, false)
	if !late && !newUserNS(s) {
		var closeFD func()
		bornInCgroup, unifiedDir, closeFD = c.birthCgroup(&ss)
		defer closeFD()
	}
	if s.Linux != nil {
		ss.namespaces, ss.uidMaps, ss.gidMaps = s.Linux.Namespaces, s.Linux.UIDMappings, s.Linux.GIDMappings
	}
	sp, err := spawn(ss)
	if err != nil {
		return nil, err
	}
	defer sp.ch.f.Close()
	proc := sp.proc
	t.mark("clone init")
	c.p.Pid = proc.Pid
	c.p.PidStart, _, _ = pidStartTime(proc.Pid)
	var enterDone chan error
	fail := func(err error) (*os.Process, error) {
		if enterDone != nil {
			<-enterDone
		}
		proc.Kill()
		proc.Wait()
		return nil, err
	}
	if err := writePersisted(c.dir, c.p); err != nil {
		return fail(fmt.Errorf("write state: %w", err))
	}
	ch := sp.ch
	ic := &initConfig{
		Timing:       t.on,
		LSM:          lsm,
		LastCap:      lastCap,
		ID:           o.ID,
		Spec:         initSpec(s),
		Rootfs:       c.p.Rootfs,
		Bundle:       c.p.Bundle,
		NoPivot:      o.NoPivot,
		NoNewKeyring: o.NoNewKeyring,
		PreserveFds:  o.PreserveFds,
		CgroupPaths:  c.p.CgroupPaths,
		Seccomp:      prog,
		FifoFd:       fifoFd,
		ConsoleFd:    consoleFd,
		ListenerFd:   listenerFd,
		MountFds:     mountFds,
	}
	if s.Linux != nil && len(s.Linux.NetDevices) > 0 {
		if err := moveNetDevices(s.Linux.NetDevices, proc.Pid); err != nil {
			return fail(err)
		}
	}
	switch {
	case bornInCgroup && unifiedDir != "":
		enterDone = make(chan error, 1)
		go func() { enterDone <- enterUnified(unifiedDir, proc.Pid) }()
	case bornInCgroup:
	case !late:
		enterDone = make(chan error, 1)
		go func() { enterDone <- c.cg.Enter(proc.Pid) }()
	}
	if err := ch.send(message{Type: msgBootstrap, Init: ic}); err != nil {
		// The init may have died reporting why (the constructor's errors).
		if m, rerr := ch.recv(); rerr == nil && m.Type == msgError {
			return fail(initError(m.Error))
		}
		return fail(fmt.Errorf("send config to init: %w", err))
	}
	if needsMountSync(s) {
		if _, err := ch.expect(msgMounted); err != nil {
			return fail(initFailed(err))
		}
		st := hookState(o.ID, c.p.Bundle, s.Annotations, proc.Pid, Creating)
		//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
		if err := runHooks("prestart", s.Hooks.Prestart, st); err != nil {
			return fail(err)
		}
		if err := runHooks("createRuntime", s.Hooks.CreateRuntime, st); err != nil {
			return fail(err)
		}
		if err := ch.send(message{Type: msgContinue, Pid: proc.Pid}); err != nil {
			return fail(fmt.Errorf("init: %w", err))
		}
	}
	ready, err := ch.expect(msgReady)
	if err != nil {
		return fail(initFailed(err))
	}
	t.mark("init ready (" + ready.Timing + ")")
	switch {
	case enterDone != nil:
		err = <-enterDone
		enterDone = nil
	case bornInCgroup:
		err = nil
	default:
		err = c.cg.Enter(proc.Pid)
	}
	if err != nil {
		return fail(err)
	}
	t.mark("cgroup enter")
	if err := ch.send(message{Type: msgJoined, Pid: proc.Pid}); err != nil {
		return fail(fmt.Errorf("init: %w", err))
	}
	if _, err := ch.expect(msgCreated); err != nil {
		return fail(initFailed(err))
	}
	t.mark("init created")
	return proc, nil
}

func initFailed(err error) error {
	var ie initError
	if errors.As(err, &ie) {
		return err
	}
	if errors.Is(err, errPeerGone) {
		return errors.New("container init exited during setup")
	}
	return fmt.Errorf("container init: %w", err)
}

func writePidFile(path string, pid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return writeFileAtomic(abs, []byte(strconv.Itoa(pid)), 0o644)
}

func owner() string {
	u, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		return "#" + strconv.Itoa(os.Geteuid())
	}
	return u.Username
}

func dialConsole(path string) (*os.File, error) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	defer conn.Close()
	f, err := conn.File()
	if err != nil {
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	return f, nil
}

// initTasks bounds the tasks a brig init or exec'd process may have (Go
// runtime threads, the constructor's fork) before it execs.
const initTasks = 64

// joinLate reports whether a new process must be moved into the
// container's cgroups by the parent once it is ready, instead of being
// born there:
//   - with a memory limit, so that its start-up memory (a Go runtime)
//     stays outside the limit and tiny limits work;
//   - with a pids limit, because the kernel checks pids.max when a task is
//     created in the cgroup, not when one is moved there: the init's own
//     threads could exceed a small limit (runc runs under pids.max 1), and
//     an exec'd process (exec) meets a container that may be at its limit
//     already, which is when one most needs to exec into it.
func joinLate(s *specs.Spec, exec bool) bool {
	if s.Linux == nil || s.Linux.Resources == nil {
		return false
	}
	r := s.Linux.Resources
	if m := r.Memory; m != nil && ((m.Limit != nil && *m.Limit > 0) || (m.Swap != nil && *m.Swap > 0)) {
		return true
	}
	pidsMax := int64(-1)
	if r.Pids != nil && r.Pids.Limit != nil && *r.Pids.Limit > 0 {
		pidsMax = *r.Pids.Limit
	}
	for k, v := range r.Unified {
		switch k {
		case "memory.max", "memory.high", "memory.swap.max":
			if v != "max" {
				return true
			}
		case "pids.max":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				pidsMax = n
			}
		}
	}
	return pidsMax >= 0 && (exec || pidsMax < initTasks)
}

// initSpec is the part of the config the init uses: decoding JSON is a
// visible share of the init's time, and a seccomp profile (compiled here
// already) or cgroup resources (applied here) can be most of a config.
func initSpec(s *specs.Spec) *specs.Spec {
	c := *s
	if s.Linux != nil {
		l := *s.Linux
		l.Seccomp = nil
		l.Resources = nil
		l.UIDMappings, l.GIDMappings = nil, nil
		c.Linux = &l
	}
	if s.Hooks != nil {
		h := *s.Hooks
		h.Poststart, h.Poststop = nil, nil
		c.Hooks = &h
	}
	return &c
}

// enterUnified moves pid into the cgroup2 hierarchy of a hybrid host (no
// controllers there: only for tools that read it).
func enterUnified(dir string, pid int) error {
	err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cgroup v1 unified: %w", err)
	}
	return nil
}

func newUserNS(s *specs.Spec) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.UserNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// birthCgroup arranges for a new brig init to start in the container's
// cgroup without a migration by its parent: on cgroup v2 (and the cgroup2
// hierarchy of a hybrid host) clone3 CLONE_INTO_CGROUP; on v1 the nsenter
// constructor writes 0 to each hierarchy's tasks. It reports whether that
// covers every hierarchy but unified (returned when it could not be opened).
func (c *Container) birthCgroup(ss *spawnSpec) (born bool, unifiedDir string, closeFD func()) {
	closeFD = func() {}
	if m := c.cgroup(); m != nil {
		if fd, err := m.UnifiedDirFD(); err == nil {
			ss.cgroupFD = fd
			return true, "", func() { unix.Close(fd) }
		}
	}
	for k, dir := range c.p.CgroupPaths {
		if k == "" {
			unifiedDir = dir
			continue
		}
		ss.cgroupDirs = append(ss.cgroupDirs, dir)
	}
	sort.Strings(ss.cgroupDirs)
	if unifiedDir != "" {
		if fd, err := unix.Open(unifiedDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			ss.cgroupFD, unifiedDir = fd, ""
			closeFD = func() { unix.Close(fd) }
		}
	}
	return len(ss.cgroupDirs) > 0, unifiedDir, closeFD
}
