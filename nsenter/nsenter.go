// Package nsenter holds brig's C constructor, which runs before the Go
// runtime in every brig process and acts only when the process is a brig
// init (environment variable _BRIG_INIT set by the parent).
package nsenter

/*
#cgo CFLAGS: -Wall -Werror
*/
import "C"

// EnvInit is the variable the parent sets to tell the constructor (and
// main) that this process is a container init.
const EnvInit = "_BRIG_INIT"
