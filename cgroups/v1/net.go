package v1

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func setNetCls(dir string, n *specs.LinuxNetwork) error {
	return fsutil.Write(dir, "net_cls.classid", strconv.FormatUint(uint64(*n.ClassID), 10))
}

// setNetPrio writes one "ifname prio" line per interface (the file takes one per write).
func setNetPrio(dir string, n *specs.LinuxNetwork) error {
	for _, p := range n.Priorities {
		if err := fsutil.Write(dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
			return err
		}
	}
	return nil
}
