package spec

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ipcSysctls are the IPC-namespaced sysctls outside fs.mqueue.*.
var ipcSysctls = map[string]bool{
	"kernel.msgmax":          true,
	"kernel.msgmnb":          true,
	"kernel.msgmni":          true,
	"kernel.sem":             true,
	"kernel.shmall":          true,
	"kernel.shmmax":          true,
	"kernel.shmmni":          true,
	"kernel.shm_rmid_forced": true,
}

// sysctl allows only sysctls that are namespaced by a namespace the
// container does not share with the host (runc's rules): /proc/sys is not
// namespaced as a whole, and anything else would change the host.
func (v *validator) sysctl(l *specs.Linux) error {
	// Whether the netns is brig's own is only looked up if a net.* key
	// needs it (it may stat a namespace path).
	var hostNet *bool
	for _, key := range sortedKeys(l.Sysctl) {
		f := "linux.sysctl[" + quote(key) + "]"
		s := sysctlDots(key)
		switch {
		case s == "":
			return fieldErr("linux.sysctl", "empty key")
		case ipcSysctls[s] || strings.HasPrefix(s, "fs.mqueue."):
			if !hasNamespaceType(l, specs.IPCNamespace) {
				return fieldErr(f, "needs an ipc namespace")
			}
		case strings.HasPrefix(s, "net."):
			if hostNet == nil {
				h, err := isHostNetNS(l)
				if err != nil {
					return fieldErr(f, "%v", err)
				}
				hostNet = &h
			}
			if *hostNet {
				return fieldErr(f, "not allowed in the host network namespace")
			}
		case strings.HasPrefix(s, "user."):
			if !hasNamespaceType(l, specs.UserNamespace) {
				return fieldErr(f, "needs a user namespace")
			}
		case s == "kernel.domainname":
			if !hasNamespaceType(l, specs.UTSNamespace) {
				return fieldErr(f, "needs a uts namespace")
			}
		case s == "kernel.hostname":
			return fieldErr(f, "conflicts with the hostname field; set that instead")
		default:
			return fieldErr(f, "not namespaced: it would change the host")
		}
	}
	return nil
}

// sysctlDots converts the "/" separated form ("net/ipv4/ip_forward") to
// dots; as sysctl(8) does, a "." in that form becomes "/" (interface names
// like eno2.100).
func sysctlDots(k string) string {
	i := strings.IndexAny(k, "./")
	if i < 0 || k[i] == '.' {
		return k
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, k)
}

// isHostNetNS reports whether the container would share brig's network
// namespace: none listed, or a path that is the one brig runs in.
func isHostNetNS(l *specs.Linux) (bool, error) {
	for _, ns := range l.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			continue
		}
		if ns.Path == "" {
			return false, nil
		}
		var self, other unix.Stat_t
		if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
			return false, fmt.Errorf("stat /proc/self/ns/net: %w", err)
		}
		if err := unix.Stat(ns.Path, &other); err != nil {
			return false, fmt.Errorf("network namespace path %s: %w", strconv.Quote(ns.Path), err)
		}
		return self.Dev == other.Dev && self.Ino == other.Ino, nil
	}
	return true, nil
}

func quote(s string) string { return strconv.Quote(s) }
