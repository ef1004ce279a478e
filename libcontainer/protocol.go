package libcontainer

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/brigrt/brig/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The parent and the init talk over a SOCK_SEQPACKET socketpair: one JSON
// message per packet, so neither side needs framing, and a dead peer shows
// up as EOF instead of a hang.

type msgType string

const (
	msgBootstrap msgType = "bootstrap" // parent -> init: initConfig
	msgMounted   msgType = "mounted"   // init -> parent: mounts done, before pivot_root (only with hooks)
	msgContinue  msgType = "continue"  // parent -> init: prestart/createRuntime hooks ran
	msgReady     msgType = "ready"     // init -> parent: rootfs done, waiting for the cgroup
	msgJoined    msgType = "joined"    // parent -> init: init is in its cgroup
	msgCreated   msgType = "created"   // init -> parent: waiting for start
	msgError     msgType = "error"     // init -> parent: setup failed, Error says why
	msgPid       msgType = "pid"       // constructor -> parent: the init forked into a joined pid namespace
	msgUserNS    msgType = "userns"    // constructor -> parent: write my id maps (new user ns after joins)
	msgMapped    msgType = "mapped"    // parent -> constructor: id maps written
)

type message struct {
	Type  msgType     `json:"type"`
	Error string      `json:"error,omitempty"`
	Init  *initConfig `json:"init,omitempty"`
	// Pid is the init's pid in the runtime's pid namespace (msgJoined):
	// the init cannot see it from inside its own pid namespace.
	Pid int `json:"pid,omitempty"`
	// Timing is the init's phase timings (msgReady, with --debug).
	Timing string `json:"timing,omitempty"`
}

// initConfig is everything the init needs; the init never reads the bundle.
type initConfig struct {
	ID           string            `json:"id"`
	Spec         *specs.Spec       `json:"spec"`
	Rootfs       string            `json:"rootfs"`
	Bundle       string            `json:"bundle"`
	NoPivot      bool              `json:"noPivot,omitempty"`
	NoNewKeyring bool              `json:"noNewKeyring,omitempty"`
	PreserveFds  int               `json:"preserveFds,omitempty"`
	CgroupPaths  map[string]string `json:"cgroupPaths,omitempty"`
	// Timing asks the init to report its phase timings.
	Timing bool `json:"timing,omitempty"`
	// LSM says which LSMs the host has.
	LSM hostLSM `json:"lsm"`
	// lsmFiles is the init's own: attr files opened before pivot_root.
	lsmFiles *lsmFiles
	// LastCap is the host's highest capability number (read by the parent:
	// the init may not see the host's /proc).
	LastCap int `json:"lastCap"`
	// Exec: run Spec.Process in the namespaces the constructor joined
	// (brig exec) instead of setting up a container.
	Exec bool `json:"exec,omitempty"`
	// Seccomp is the compiled linux.seccomp filter (nil: none).
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// Fds the init inherits, by number in the init.
	FifoFd int `json:"fifoFd"`
	// MountFds maps a mount's index to the fd (in the init) of a detached
	// mount the parent built for it (idmapped mounts).
	MountFds map[int]int `json:"mountFds,omitempty"`
	// ListenerFd is the connected seccomp notify listener socket, or -1.
	ListenerFd int `json:"listenerFd"`
	// ConsoleFd is a connected console socket (process.terminal), or -1.
	ConsoleFd int `json:"consoleFd"`
}

// maxMsg bounds one packet: a config.json is rarely above a few hundred KiB.
const maxMsg = 4 << 20

type channel struct{ f *os.File }

func (c channel) send(m message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(data) > maxMsg {
		return fmt.Errorf("message %s: %d bytes is too large", m.Type, len(data))
	}
	_, err = c.f.Write(data)
	return err
}

// recv reads one message; EOF means the peer died. The packet's size is
// peeked first: the init must not touch megabytes of memory for a buffer
// (it may be about to run under a tiny memory limit).
func (c channel) recv() (message, error) {
	fd := int(c.f.Fd())
	var n int
	var err error
	for {
		n, _, err = unix.Recvfrom(fd, nil, unix.MSG_PEEK|unix.MSG_TRUNC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return message{}, err
	}
	buf := make([]byte, n+1)
	for {
		n, _, err = unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return message{}, err
		}
		if n == 0 {
			return message{}, errPeerGone
		}
		var m message
		if err := json.Unmarshal(buf[:n], &m); err != nil {
			return message{}, fmt.Errorf("decode message: %w", err)
		}
		return m, nil
	}
}

// expect receives one message and turns an init's error report into an error.
func (c channel) expect(t msgType) (message, error) {
	m, err := c.recv()
	if err != nil {
		return m, err
	}
	if m.Type == msgError {
		return m, initError(m.Error)
	}
	if m.Type != t {
		return m, fmt.Errorf("protocol: got %q, want %q", m.Type, t)
	}
	return m, nil
}

type initError string

func (e initError) Error() string { return string(e) }

var errPeerGone = fmt.Errorf("peer closed the channel")

func socketpair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	// One packet carries the whole config: let it be as large as maxMsg
	// (the default send buffer caps a packet near 200 KiB). FORCE needs
	// CAP_NET_ADMIN; without it, the plain option is capped by wmem_max.
	if unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, maxMsg+64<<10) != nil {
		unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, maxMsg+64<<10)
	}
	return os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child"), nil
}
