package libcontainer

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// HoldUserNSArg is the hidden command of a helper process that only sits in
// a new user namespace until its stdin closes: the parent opens that
// namespace for idmapped mounts (a multithreaded Go process cannot unshare
// a user namespace itself).
const HoldUserNSArg = "hold-userns"

// HoldUserNS is the body of `brig hold-userns`.
func HoldUserNS() {
	var b [1]byte
	os.Stdin.Read(b[:])
	os.Exit(0)
}

// idmapUserNS returns, for every mount with uidMappings/gidMappings, an fd of
// a user namespace with those mappings, keyed by the mount's index.
func idmapUserNS(s *specs.Spec) (map[int]*os.File, error) {
	out := map[int]*os.File{}
	for i, m := range s.Mounts {
		uids, gids := m.UIDMappings, m.GIDMappings
		if len(uids) == 0 && len(gids) == 0 {
			if !hasIDMapOption(m.Options) || s.Linux == nil {
				continue
			}
			// "idmap" alone: the container's own user namespace mappings.
			uids, gids = s.Linux.UIDMappings, s.Linux.GIDMappings
		}
		f, err := userNSWith(uids, gids)
		if err != nil {
			for _, f := range out {
				f.Close()
			}
			return nil, fmt.Errorf("mounts[%d] (%s): idmap user namespace: %w", i, m.Destination, err)
		}
		out[i] = f
	}
	return out, nil
}

func userNSWith(uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, HoldUserNSArg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, Pdeathsig: syscall.SIGKILL}
	for _, m := range uids {
		cmd.SysProcAttr.UidMappings = append(cmd.SysProcAttr.UidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	for _, m := range gids {
		cmd.SysProcAttr.GidMappings = append(cmd.SysProcAttr.GidMappings, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// The maps are written before the child execs, so the namespace is
	// complete as soon as Start returns.
	f, err := os.Open("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/user")
	stdin.Close()
	cmd.Wait()
	if err != nil {
		return nil, err
	}
	return f, nil
}

func hasIDMapOption(opts []string) bool {
	for _, o := range opts {
		if o == "idmap" || o == "ridmap" {
			return true
		}
	}
	return false
}
