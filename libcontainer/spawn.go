package libcontainer

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/brigrt/brig/nsenter"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// spawnSpec describes one `brig init` process to start: the container's
// init (create) or a process joining a container (exec).
type spawnSpec struct {
	namespaces  []specs.LinuxNamespace // new ones (no path) and joined ones
	uidMaps     []specs.LinuxIDMapping
	gidMaps     []specs.LinuxIDMapping
	preserveFds int        // caller's fds 3..3+n-1, passed at the same numbers
	extra       []*os.File // after the init socket (3+preserveFds), in order
	cgroupFD    int        // > 0: born into this cgroup v2 dir (clone3 CLONE_INTO_CGROUP)
	cgroupDirs  []string   // cgroup v1 dirs the constructor joins first
}

// pass adds f to the fds the init gets and returns its number there.
func (sp *spawnSpec) pass(f *os.File) int {
	sp.extra = append(sp.extra, f)
	return 3 + sp.preserveFds + len(sp.extra)
}

// spawned is a started init with the parent's end of its socket.
type spawned struct {
	proc *os.Process
	ch   channel
}

func (sp *spawned) kill() {
	sp.proc.Kill()
	sp.proc.Wait()
}

var cloneFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	// The cgroup namespace is unshared by the init once it is in its
	// cgroup, so that the namespace's root is the container's cgroup; the
	// time namespace too, because its offsets must be written before any
	// process is in it (the init enters it at execve).
}

// nsProcName is the namespace's name under /proc/<pid>/ns.
var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// spawn starts a sealed copy of brig as `brig init`. New namespaces come
// from clone flags when nothing is joined (the fast path); when a
// namespace is joined by path, the nsenter constructor joins it before the
// Go runtime starts and then unshares the new ones, so that they belong to
// a joined user namespace.
func spawn(sp spawnSpec) (*spawned, error) {
	// Descriptors brig inherited from its caller (other than the
	// preserved ones) must not reach the init: Go's exec passes on every
	// fd that is not close-on-exec.
	if err := unix.CloseRange(uint(3+sp.preserveFds), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return nil, fmt.Errorf("mark inherited fds close-on-exec: %w", err)
	}
	parentSock, childSock, err := socketpair()
	if err != nil {
		return nil, err
	}
	defer childSock.Close()
	self, err := sealedSelf()
	if err != nil {
		parentSock.Close()
		return nil, err
	}
	defer self.Close()
	// The path names the sealed fd in this process; fork keeps it open
	// until execve, and it is numbered above every fd passed to the child.
	cmd := &exec.Cmd{
		Path:   "/proc/self/fd/" + strconv.Itoa(int(self.Fd())),
		Args:   []string{"brig", "init"},
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:    true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	for i := 0; i < sp.preserveFds; i++ {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(3+i), "preserved"))
	}
	sockFd := 3 + sp.preserveFds
	cmd.ExtraFiles = append(cmd.ExtraFiles, childSock)
	cmd.ExtraFiles = append(cmd.ExtraFiles, sp.extra...)
	cmd.Env = []string{nsenter.EnvInit + "=" + strconv.Itoa(sockFd)}
	if len(sp.cgroupDirs) > 0 {
		cmd.Env = append(cmd.Env, nsenter.EnvCgroup+"="+strings.Join(sp.cgroupDirs, ":"))
	}

	var joins []string
	var flags uintptr
	newUser := false
	for _, ns := range sp.namespaces {
		if ns.Path != "" {
			joins = append(joins, nsProcName[ns.Type]+":"+ns.Path)
			continue
		}
		flags |= cloneFlags[ns.Type]
		newUser = newUser || ns.Type == specs.UserNamespace
	}
	if len(joins) > 0 {
		cmd.Env = append(cmd.Env, nsenter.EnvJoin+"="+strings.Join(joins, ","))
		if flags != 0 {
			cmd.Env = append(cmd.Env, nsenter.EnvUnshare+"="+strconv.FormatUint(uint64(flags), 10))
		}
	} else {
		cmd.SysProcAttr.Cloneflags = flags
	}
	if newUser && len(joins) == 0 {
		for _, m := range sp.uidMaps {
			cmd.SysProcAttr.UidMappings = append(cmd.SysProcAttr.UidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
		}
		for _, m := range sp.gidMaps {
			cmd.SysProcAttr.GidMappings = append(cmd.SysProcAttr.GidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
		}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
		// Become the namespace's root once the maps are written: the host
		// uid is unmapped there and would exec without capabilities.
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}
	}
	if sp.cgroupFD > 0 {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = sp.cgroupFD
	}
	if err := cmd.Start(); err != nil {
		parentSock.Close()
		return nil, fmt.Errorf("start init: %w", err)
	}
	// Only the child may hold its end from here on: if it dies before it
	// reports (a kill --all reaches a process born in the cgroup), the
	// reads below must see EOF instead of waiting forever.
	childSock.Close()
	sp2 := &spawned{proc: cmd.Process, ch: channel{parentSock}}
	if newUser && len(joins) > 0 {
		if err := mapUserNS(sp2, sp.uidMaps, sp.gidMaps); err != nil {
			sp2.kill()
			parentSock.Close()
			return nil, err
		}
	}
	if len(joins) == 0 || (flags&(unix.CLONE_NEWPID|unix.CLONE_NEWTIME) == 0 && !joinsForking(joins)) {
		return sp2, nil
	}
	// The constructor forked into the joined pid/time namespace: the
	// process to manage is the child it reports; reap the intermediate.
	m, err := sp2.ch.recv()
	if err == nil && m.Type == msgError {
		err = initError(m.Error)
	} else if err == nil && (m.Type != msgPid || m.Pid <= 0) {
		err = fmt.Errorf("protocol: got %q, want %q", m.Type, msgPid)
	}
	cmd.Wait()
	if err != nil {
		parentSock.Close()
		return nil, initFailed(err)
	}
	proc, err := os.FindProcess(m.Pid)
	if err != nil {
		parentSock.Close()
		return nil, err
	}
	sp2.proc = proc
	return sp2, nil
}

func joinsForking(joins []string) bool {
	for _, j := range joins {
		if strings.HasPrefix(j, "pid:") || strings.HasPrefix(j, "time:") {
			return true
		}
	}
	return false
}

// mapUserNS answers the constructor's request to write the id maps of the
// user namespace it created after joining the others.
func mapUserNS(sp *spawned, uids, gids []specs.LinuxIDMapping) error {
	m, err := sp.ch.recv()
	if err == nil && m.Type == msgError {
		err = initError(m.Error)
	} else if err == nil && m.Type != msgUserNS {
		err = fmt.Errorf("protocol: got %q, want %q", m.Type, msgUserNS)
	}
	if err != nil {
		return initFailed(err)
	}
	pid := strconv.Itoa(sp.proc.Pid)
	for _, f := range []struct {
		file string
		maps []specs.LinuxIDMapping
	}{{"uid_map", uids}, {"gid_map", gids}} {
		var b strings.Builder
		for _, m := range f.maps {
			fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
		}
		if err := os.WriteFile("/proc/"+pid+"/"+f.file, []byte(b.String()), 0); err != nil {
			return fmt.Errorf("linux.%sMappings: write %s: %w", strings.TrimSuffix(f.file, "_map"), f.file, err)
		}
	}
	return sp.ch.send(message{Type: msgMapped})
}
