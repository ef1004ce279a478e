package v1

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// setPids: 0 is a real limit (runtime-spec), negative means "max".
func setPids(dir string, p *specs.LinuxPids) error {
	return fsutil.Write(dir, "pids.max", fsutil.FormatLimit(*p.Limit))
}
