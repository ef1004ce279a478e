// Package nsenter holds brig's C constructor, which runs before the Go
// runtime in every brig process and acts only when the process is a brig
// init (environment variable _BRIG_INIT set by the parent).
package nsenter

/*
#cgo CFLAGS: -Wall -Werror
*/
import "C"

// EnvInit is the variable the parent sets to tell the constructor (and
// main) that this process is a container init; its value is the fd of the
// init's end of the parent/init socket.
const EnvInit = "_BRIG_INIT"

// EnvJoin lists the namespaces the constructor joins before the Go runtime
// starts, as "type:path,..." with the types of /proc/<pid>/ns (user, ipc,
// uts, net, pid, cgroup, time, mnt). After joining a pid or time namespace
// it forks (CLONE_PARENT) and the original process reports the child's pid
// as the message {"type":"pid","pid":N} on the init socket, then exits.
const EnvJoin = "_BRIG_JOIN"

// EnvUnshare holds clone flags (decimal) of namespaces to create after the
// joins, so that they are owned by a joined user namespace.
const EnvUnshare = "_BRIG_UNSHARE"

// EnvCgroup lists cgroup v1 directories (colon-separated) the constructor
// moves the process into before anything else (see join_cgroups).
const EnvCgroup = "_BRIG_CGROUP"
