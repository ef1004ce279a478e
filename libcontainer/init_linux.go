package libcontainer

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brigrt/brig/nsenter"
	"github.com/brigrt/brig/rootfs"
	"github.com/brigrt/brig/seccomp"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Init is `brig init`, the container's first process, started by Create.
// The caller must have locked the main goroutine to the main thread (in an
// init function): namespaces, credentials and capabilities below are set
// on this thread, the one that finally calls execve.
//
// Init never returns: it execs the user process or exits non-zero.
func Init() {
	fd, err := strconv.Atoi(os.Getenv(nsenter.EnvInit))
	if err != nil {
		fmt.Fprintln(os.Stderr, "brig init: must be started by brig create")
		os.Exit(2)
	}
	ch := channel{os.NewFile(uintptr(fd), "init-sock")}
	err = runInit(ch)
	// Before "created" the parent reports the error; after it only our
	// stderr (the container's) is left.
	if ch.send(message{Type: msgError, Error: err.Error()}) != nil {
		fmt.Fprintln(os.Stderr, "brig init: "+err.Error())
	}
	os.Exit(1)
}

func runInit(ch channel) error {
	start := time.Now()
	m, err := ch.recv()
	if err != nil {
		return err
	}
	if m.Type == msgError {
		return initError(m.Error)
	}
	ic := m.Init
	if m.Type != msgBootstrap || ic == nil || ic.Spec == nil || ic.Spec.Process == nil {
		return errors.New("init: bad bootstrap message")
	}
	if ic.Exec {
		return execProcess(ch, ic)
	}
	// With --debug the parent logs where the init's time went; the
	// process start-up is measured from the kernel's start time.
	var t *phaseTimer
	if ic.Timing {
		t = &phaseTimer{on: true, start: start, last: start}
		t.mark("bootstrap")
	}
	s := ic.Spec
	p := s.Process
	// Device nodes and mount points get exactly the modes asked for.
	unix.Umask(0)
	if ic.lsmFiles, err = openLSMFiles(p, ic.LSM); err != nil {
		return err
	}
	// The host's procfs (still "/proc" here) is trusted; writes through it
	// reach this process and the namespaces it is in, whatever the image
	// holds (CVE-2019-16884/2023-27561 class).
	if p.OOMScoreAdj != nil {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*p.OOMScoreAdj)), 0); err != nil {
			return fmt.Errorf("process.oomScoreAdj %d: %w", *p.OOMScoreAdj, err)
		}
	}
	hasNS := map[specs.LinuxNamespaceType]bool{}
	if s.Linux != nil {
		for _, ns := range s.Linux.Namespaces {
			hasNS[ns.Type] = true
			if ns.Type == specs.TimeNamespace && ns.Path == "" {
				if err := setTimeOffsets(s.Linux.TimeOffsets); err != nil {
					return err
				}
			}
		}
		if err := writeSysctls(s.Linux.Sysctl); err != nil {
			return err
		}
		if err := setPersonality(s.Linux.Personality); err != nil {
			return err
		}
		if err := setMemoryPolicy(s.Linux.MemoryPolicy); err != nil {
			return err
		}
	}
	if a := p.ExecCPUAffinity; a != nil {
		if err := setAffinity("process.execCPUAffinity.initial", a.Initial); err != nil {
			return err
		}
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("hostname %q: %w", s.Hostname, err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("domainname %q: %w", s.Domainname, err)
		}
	}
	if !ic.NoNewKeyring {
		// A session keyring of its own, so the container cannot read the
		// host session's keys. EPERM/ENOSYS: keyrings disabled or seccomp'd.
		if _, err := unix.KeyctlJoinSessionKeyring("_ses." + ic.ID); err != nil && err != unix.ENOSYS && err != unix.EPERM && err != unix.EACCES {
			return fmt.Errorf("join session keyring: %w", err)
		}
	}
	// A mount namespace joined by path gets the same set-up as a new one
	// (as runc does): it is expected to be a namespace made for this
	// container.
	switch {
	case hasNS[specs.MountNamespace]:
		t.mark("sysctl, hostname, keyring")
		rc := &rootfs.Config{
			Spec:        s,
			Rootfs:      ic.Rootfs,
			Bundle:      ic.Bundle,
			NoPivot:     ic.NoPivot,
			CgroupPaths: ic.CgroupPaths,
			UserNS:      hasNS[specs.UserNamespace],
			MountFds:    ic.MountFds,
		}
		if err := rootfs.Setup(rc); err != nil {
			return err
		}
		t.mark("mounts")
		if err := createContainerHooks(ch, ic); err != nil {
			return err
		}
		if err := rootfs.Pivot(rc); err != nil {
			return err
		}
		t.mark("pivot_root")
		// A missing cwd is created before the root may become read-only.
		if p.Cwd != "" {
			if err := ensureDir(p.Cwd); err != nil {
				return err
			}
		}
		if err := rootfs.Finalize(s); err != nil {
			return err
		}
		t.mark("masked/readonly paths")
	default:
		if err := createContainerHooks(ch, ic); err != nil {
			return err
		}
		// Without a mount namespace nothing may be mounted; chroot is the
		// most the host's mount table allows.
		if err := unix.Chroot(ic.Rootfs); err != nil {
			return fmt.Errorf("chroot %s: %w", ic.Rootfs, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return err
		}
	}
	if p.Terminal && ic.ConsoleFd >= 0 {
		if err := setupConsole(ic.ConsoleFd, p.ConsoleSize, true); err != nil {
			return err
		}
	}
	fp, err := prepareProcess(ch, ic, t, func() error {
		if hasNS[specs.CgroupNamespace] {
			// Now that the init is in its cgroup, the new namespace's root
			// is the container's cgroup.
			if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
				return fmt.Errorf("unshare cgroup namespace: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Wait for start: it writes one byte into the exec fifo.
	var b [1]byte
	for {
		_, err := unix.Read(ic.FifoFd, b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for start: %w", err)
		}
		break
	}
	// From here on `brig start` waits on the fifo: an error goes back to
	// it through the fifo ('E' + message); a successful execve closes our
	// end (close-on-exec), which start sees as end-of-file.
	err = func() error {
		if s.Hooks != nil && len(s.Hooks.StartContainer) > 0 {
			st := hookState(ic.ID, ic.Bundle, s.Annotations, fp.pid, Created)
			if err := runHooks("startContainer", s.Hooks.StartContainer, st); err != nil {
				return err
			}
		}
		return fp.exec("running")
	}()
	unix.Write(ic.FifoFd, []byte("E"+err.Error()))
	return err
}

// finalProcess is a process ready for execve.
type finalProcess struct {
	ic          *initConfig
	exe         string
	env         []string
	pid         int  // in the runtime's pid namespace
	filterEarly bool // seccomp already installed
}

// prepareProcess does what the container's init and an exec'd process
// share, in runc's order: resolve the command, report ready, wait until the
// parent has put us in the cgroup (then run afterJoin), then rlimits, user,
// capabilities, cwd, no_new_privs, umask; and report "created".
func prepareProcess(ch channel, ic *initConfig, t *phaseTimer, afterJoin func() error) (*finalProcess, error) {
	p := ic.Spec.Process
	caps, err := parseCaps(p.Capabilities)
	if err != nil {
		return nil, err
	}
	lastCap := ic.LastCap
	env := p.Env
	exe, err := lookPath(p.Args[0], env)
	if err != nil {
		return nil, err
	}
	cwd := p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if err := ensureDir(cwd); err != nil {
		return nil, err
	}
	// Resolved now (openat2, which older seccomp profiles do not know) and
	// entered with fchdir once the process has its final uid, so that the
	// directory's permissions are checked as that user.
	cwdFd, err := openCwd(cwd)
	if err != nil {
		return nil, err
	}
	defer unix.Close(cwdFd)
	t.mark("resolve process")
	if err := ch.send(message{Type: msgReady, Timing: t.String()}); err != nil {
		return nil, err
	}
	joined, err := ch.expect(msgJoined)
	if err != nil {
		return nil, err
	}
	// From here on the process outlives the brig command that made it.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("clear parent-death signal: %w", err)
	}
	if afterJoin != nil {
		if err := afterJoin(); err != nil {
			return nil, err
		}
	}
	fp := &finalProcess{ic: ic, exe: exe, pid: joined.Pid}
	// Without no_new_privs the kernel accepts a filter only from a process
	// holding CAP_SYS_ADMIN: install it now, before the capabilities go (as
	// runc does); the profile then also covers the init's last syscalls.
	fp.filterEarly = ic.Seccomp != nil && !p.NoNewPrivileges
	if fp.filterEarly {
		if err := installSeccomp(ic, joined.Pid, "created"); err != nil {
			return nil, err
		}
	}
	if err := dropBounding(caps, lastCap); err != nil {
		return nil, err
	}
	if err := setUser(p.User); err != nil {
		return nil, err
	}
	if err := applyCaps(caps, lastCap); err != nil {
		return nil, err
	}
	if err := unix.Fchdir(cwdFd); err != nil {
		return nil, fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	if err := applyLSM(p, ic.LSM, ic.lsmFiles); err != nil {
		return nil, err
	}
	if err := setScheduler(p.Scheduler); err != nil {
		return nil, err
	}
	if err := setIOPriority(p.IOPriority); err != nil {
		return nil, err
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	}
	umask := 0o022
	if p.User.Umask != nil {
		umask = int(*p.User.Umask)
	}
	unix.Umask(umask)
	fp.env = withHome(env, int(p.User.UID))
	if err := ch.send(message{Type: msgCreated}); err != nil {
		return nil, err
	}
	ch.f.Close()
	return fp, nil
}

// exec installs a late seccomp filter, makes every brig descriptor
// close-on-exec, and execs the process.
func (fp *finalProcess) exec(status specs.ContainerState) error {
	ic := fp.ic
	// Last, so that a small RLIMIT_AS or RLIMIT_NOFILE cannot break the
	// Go runtime of the init itself.
	if err := setRlimits(ic.Spec.Process.Rlimits); err != nil {
		return err
	}
	if a := ic.Spec.Process.ExecCPUAffinity; a != nil {
		if err := setAffinity("process.execCPUAffinity.final", a.Final); err != nil {
			return err
		}
	}
	if ic.Seccomp != nil && !fp.filterEarly {
		// The very last step before execve: a profile can never break
		// the init's own set-up.
		if err := installSeccomp(ic, fp.pid, status); err != nil {
			return err
		}
	}
	// No descriptor of brig's reaches the container (CVE-2024-21626 class):
	// everything above the preserved ones is close-on-exec.
	if err := cloexecFrom(3 + ic.PreserveFds); err != nil {
		return err
	}
	p := ic.Spec.Process
	err := syscall.Exec(fp.exe, p.Args, fp.env)
	return fmt.Errorf("exec %s: %w", p.Args[0], err)
}

// execProcess is `brig exec`'s side of the init: the constructor has joined
// the container's namespaces (and its root); run the process there.
func execProcess(ch channel, ic *initConfig) error {
	p := ic.Spec.Process
	if p.Terminal && ic.ConsoleFd >= 0 {
		if err := setupConsole(ic.ConsoleFd, p.ConsoleSize, false); err != nil {
			return err
		}
	}
	fp, err := prepareProcess(ch, ic, nil, nil)
	if err != nil {
		return err
	}
	return fp.exec("running")
}

// createContainerHooks stops between the mounts and pivot_root: the parent
// runs prestart and createRuntime hooks, then this process runs the
// createContainer hooks in the container's namespaces.
func createContainerHooks(ch channel, ic *initConfig) error {
	if !needsMountSync(ic.Spec) {
		return nil
	}
	if err := ch.send(message{Type: msgMounted}); err != nil {
		return err
	}
	m, err := ch.expect(msgContinue)
	if err != nil {
		return err
	}
	st := hookState(ic.ID, ic.Bundle, ic.Spec.Annotations, m.Pid, Creating)
	return runHooks("createContainer", ic.Spec.Hooks.CreateContainer, st)
}

// installSeccomp loads the filter on this thread and, for SCMP_ACT_NOTIFY,
// hands the listener fd to the agent at listenerPath.
func installSeccomp(ic *initConfig, pid int, status specs.ContainerState) error {
	prog := ic.Seccomp
	var l *seccomp.Listener
	if prog.Notify {
		// The parent connected to listenerPath (a path of its mount
		// namespace, not ours).
		if ic.ListenerFd < 0 {
			return fmt.Errorf("linux.seccomp.listenerPath: no listener connection")
		}
		l = seccomp.ListenerFromFd(ic.ListenerFd)
	}
	fd, err := prog.Install()
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	if l == nil {
		return nil
	}
	st := specs.ContainerProcessState{
		Version:  specs.Version,
		Pid:      pid,
		Metadata: prog.ListenerMetadata,
		State: specs.State{
			Version:     specs.Version,
			ID:          ic.ID,
			Status:      status,
			Pid:         pid,
			Bundle:      ic.Bundle,
			Annotations: ic.Spec.Annotations,
		},
	}
	err = l.Send(fd, st)
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath: send notify fd: %w", err)
	}
	return nil
}

// writeSysctls writes linux.sysctl through the host's /proc/sys: the
// namespaced ones resolve to this process's (the container's) namespaces.
func writeSysctls(sysctl map[string]string) error {
	for k, v := range sysctl {
		// The UTS names are owned by the global root in /proc/sys, which a
		// user namespace cannot write; the syscalls check the capability
		// in the UTS namespace's owner instead.
		switch k {
		case "kernel.domainname":
			if err := unix.Setdomainname([]byte(v)); err != nil {
				return fmt.Errorf("linux.sysctl %s=%s: %w", k, v, err)
			}
			continue
		case "kernel.hostname":
			if err := unix.Sethostname([]byte(v)); err != nil {
				return fmt.Errorf("linux.sysctl %s=%s: %w", k, v, err)
			}
			continue
		}
		p := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
		if err := os.WriteFile(p, []byte(v), 0); err != nil {
			return fmt.Errorf("linux.sysctl %s=%s: %w", k, v, err)
		}
	}
	return nil
}

// setUser switches credentials on this thread only (raw syscalls: libc and
// Go would change every thread, which is useless before execve and slow).
// PR_SET_KEEPCAPS keeps the permitted set for applyCaps.
func setUser(u specs.User) error {
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keep capabilities: %w", err)
	}
	gids := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		gids[i] = int(g)
	}
	if err := unix.Setgroups(gids); err != nil && !(len(gids) == 0 && err == unix.EPERM) {
		return fmt.Errorf("process.user.additionalGids: %w", err)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("process.user.gid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("process.user.uid %d: %w", u.UID, e)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keep capabilities: %w", err)
	}
	return nil
}

// lookPath finds args[0] in the container's PATH, the way execvp would, so
// that a missing or non-executable command fails create, not start.
func lookPath(name string, env []string) (string, error) {
	if name == "" {
		return "", errors.New("process.args[0]: empty")
	}
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			return "", fmt.Errorf("process.args[0] %q: %w", name, err)
		}
		return name, nil
	}
	pathEnv := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathEnv = v
		}
	}
	var firstErr error
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		if firstErr == nil && !errors.Is(err, os.ErrNotExist) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", fmt.Errorf("process.args[0] %q: %w", name, firstErr)
	}
	return "", fmt.Errorf("process.args[0] %q: executable file not found in $PATH (%s)", name, pathEnv)
}

func checkExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory")
	}
	if st.Mode()&0o111 == 0 {
		return errors.New("permission denied: not executable")
	}
	return nil
}

// ensureDir creates the working directory if the image lacks it (as runc
// does), before the process loses its privileges.
func ensureDir(cwd string) error {
	if !path.IsAbs(cwd) {
		return fmt.Errorf("process.cwd %q: must be absolute", cwd)
	}
	// Resolved inside the root: a cwd through /proc/self/fd/N must not
	// create directories wherever fd N points.
	root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	h, err := pathrs.MkdirAllHandle(root, cwd, 0o755)
	if err != nil {
		return fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	h.Close()
	return nil
}

// openCwd resolves cwd with every symlink scoped to the container's root
// and magic links refused: a cwd such as /proc/self/fd/N can never point
// at a host directory (CVE-2024-21626).
func openCwd(cwd string) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(unix.AT_FDCWD, cwd, &how)
	if err != nil {
		return -1, fmt.Errorf("process.cwd %q: %w", cwd, err)
	}
	return fd, nil
}

// cloexecFrom marks every fd >= first close-on-exec: close_range where the
// kernel (and the seccomp profile, when it is already loaded) allow it, a
// walk over /proc/self/fd otherwise.
func cloexecFrom(first int) error {
	err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	ents, derr := os.ReadDir("/proc/self/fd")
	if derr != nil {
		return fmt.Errorf("close_range: %v; /proc/self/fd: %w", err, derr)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// withHome adds HOME from the container's /etc/passwd when env lacks it.
func withHome(env []string, uid int) []string {
	for _, e := range env {
		if strings.HasPrefix(e, "HOME=") {
			return env
		}
	}
	home := "/"
	// O_NONBLOCK and a regular-file check: the image may make it a FIFO.
	if f, err := os.OpenFile("/etc/passwd", os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			return append(env, "HOME="+home)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Split(sc.Text(), ":")
			if len(fields) >= 6 && fields[2] == strconv.Itoa(uid) {
				home = fields[5]
				break
			}
		}
		f.Close()
	}
	return append(env, "HOME="+home)
}
