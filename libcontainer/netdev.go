package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// moveNetDevices moves linux.netDevices into the network namespace of
// process pid, renaming them, re-adding their permanent global addresses
// (a move drops them) and setting them up, as config-linux.md requires.
func moveNetDevices(devs map[string]specs.LinuxNetDevice, pid int) error {
	if len(devs) == 0 {
		return nil
	}
	host, err := newNetlink()
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer host.close()
	nsfd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer unix.Close(nsfd)
	target, err := netlinkIn(nsfd)
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer target.close()
	for hostName, d := range devs {
		name := d.Name
		if name == "" {
			name = hostName
		}
		field := "linux.netDevices[" + strconv.Quote(hostName) + "]"
		ifi, err := net.InterfaceByName(hostName)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		addrs, err := host.permanentAddrs(ifi.Index)
		if err != nil {
			return fmt.Errorf("%s: list addresses: %w", field, err)
		}
		// One request moves and renames; "%d" in the name lets the kernel
		// pick a free one, otherwise an existing name is an error.
		req := linkMsg(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifi.Index, 0, 0)
		req = appendAttr(req, unix.IFLA_NET_NS_FD, u32(uint32(nsfd)))
		req = appendAttr(req, unix.IFLA_IFNAME, append([]byte(name), 0))
		if err := host.request(req); err != nil {
			return fmt.Errorf("%s: move to the container as %q: %w", field, name, err)
		}
		idx := ifi.Index
		if !strings.Contains(name, "%d") {
			if idx, err = target.indexOf(name); err != nil {
				return fmt.Errorf("%s: find %q in the container: %w", field, name, err)
			}
		}
		for _, a := range addrs {
			binary.LittleEndian.PutUint32(a[unix.SizeofNlMsghdr+4:], uint32(idx))
			if err := target.request(a); err != nil {
				return fmt.Errorf("%s: restore address: %w", field, err)
			}
		}
		up := linkMsg(unix.RTM_NEWLINK, unix.NLM_F_ACK, idx, unix.IFF_UP, unix.IFF_UP)
		if err := target.request(up); err != nil {
			return fmt.Errorf("%s: set up: %w", field, err)
		}
	}
	return nil
}

type netlinkSock struct {
	fd  int
	seq uint32
}

func newNetlink() (*netlinkSock, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	return &netlinkSock{fd: fd}, nil
}

// netlinkIn opens a route socket inside the network namespace nsfd: a
// socket stays in the namespace it was made in, so only this thread visits.
func netlinkIn(nsfd int) (*netlinkSock, error) {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer orig.Close()
	if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	s, serr := newNetlink()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it dies with its goroutine rather than
		// run other code in the container's namespace.
		return nil, fmt.Errorf("return to host network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	return s, serr
}

func (s *netlinkSock) close() { unix.Close(s.fd) }

// request sends one message and waits for its ACK.
func (s *netlinkSock) request(msg []byte) error {
	_, err := s.exchange(msg, nil)
	return err
}

// exchange sends msg and calls each for every reply until the ACK or DONE.
func (s *netlinkSock) exchange(msg []byte, each func(syscall.NetlinkMessage)) ([]syscall.NetlinkMessage, error) {
	s.seq++
	binary.LittleEndian.PutUint32(msg[8:], s.seq)
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	if err := unix.Sendto(s.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(s.fd, buf, 0)
		if err != nil {
			return nil, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != s.seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, errors.New("short netlink error")
				}
				if e := int32(binary.LittleEndian.Uint32(m.Data)); e != 0 {
					return nil, unix.Errno(-e)
				}
				return nil, nil
			default:
				if each != nil {
					each(m)
				}
			}
		}
	}
}

func (s *netlinkSock) indexOf(name string) (int, error) {
	req := linkMsg(unix.RTM_GETLINK, unix.NLM_F_ACK, 0, 0, 0) // the ACK ends the exchange
	req = appendAttr(req, unix.IFLA_IFNAME, append([]byte(name), 0))
	idx := 0
	_, err := s.exchange(req, func(m syscall.NetlinkMessage) {
		if m.Header.Type == unix.RTM_NEWLINK && len(m.Data) >= unix.SizeofIfInfomsg {
			idx = int(int32(binary.LittleEndian.Uint32(m.Data[4:8])))
		}
	})
	if err != nil {
		return 0, err
	}
	if idx == 0 {
		return 0, errors.New("not found")
	}
	return idx, nil
}

// permanentAddrs returns RTM_NEWADDR requests (index to be patched) for
// the permanent, global-scope addresses of interface index.
func (s *netlinkSock) permanentAddrs(index int) ([][]byte, error) {
	req := make([]byte, unix.SizeofNlMsghdr+unix.SizeofIfAddrmsg)
	binary.LittleEndian.PutUint16(req[4:], unix.RTM_GETADDR)
	binary.LittleEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	var out [][]byte
	_, err := s.exchange(req, func(m syscall.NetlinkMessage) {
		if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
			return
		}
		ifa := (*unix.IfAddrmsg)(unsafe.Pointer(&m.Data[0]))
		if int(ifa.Index) != index || ifa.Scope != unix.RT_SCOPE_UNIVERSE {
			return
		}
		flags := uint32(ifa.Flags)
		attrs, _ := syscall.ParseNetlinkRouteAttr(&m)
		var keep []syscall.NetlinkRouteAttr
		for _, a := range attrs {
			switch a.Attr.Type {
			case unix.IFA_FLAGS:
				if len(a.Value) >= 4 {
					flags = binary.LittleEndian.Uint32(a.Value)
				}
			case unix.IFA_ADDRESS, unix.IFA_LOCAL, unix.IFA_BROADCAST:
				keep = append(keep, a)
			}
		}
		if flags&unix.IFA_F_PERMANENT == 0 {
			return
		}
		msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+64)
		binary.LittleEndian.PutUint16(msg[4:], unix.RTM_NEWADDR)
		binary.LittleEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
		msg = append(msg, m.Data[:unix.SizeofIfAddrmsg]...)
		for _, a := range keep {
			msg = appendAttr(msg, a.Attr.Type, a.Value)
		}
		out = append(out, msg)
	})
	return out, err
}

func linkMsg(typ uint16, flags uint16, index int, ifflags, change uint32) []byte {
	msg := make([]byte, unix.SizeofNlMsghdr+unix.SizeofIfInfomsg)
	binary.LittleEndian.PutUint16(msg[4:], typ)
	binary.LittleEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|flags)
	ifi := msg[unix.SizeofNlMsghdr:]
	ifi[0] = unix.AF_UNSPEC
	binary.LittleEndian.PutUint32(ifi[4:], uint32(index))
	binary.LittleEndian.PutUint32(ifi[8:], ifflags)
	binary.LittleEndian.PutUint32(ifi[12:], change)
	return msg
}

func appendAttr(msg []byte, typ uint16, val []byte) []byte {
	l := unix.SizeofRtAttr + len(val)
	hdr := make([]byte, unix.SizeofRtAttr)
	binary.LittleEndian.PutUint16(hdr[0:], uint16(l))
	binary.LittleEndian.PutUint16(hdr[2:], typ)
	msg = append(msg, hdr...)
	msg = append(msg, val...)
	for len(msg)%4 != 0 {
		msg = append(msg, 0)
	}
	return msg
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return b
}
