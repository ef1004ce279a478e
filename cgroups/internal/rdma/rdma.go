// Package rdma renders linux.resources.rdma as rdma.max lines; the format is
// the same on cgroup v1 and v2.
package rdma

import (
	"fmt"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Lines returns one "<device> hca_handle=N hca_object=M" line per device,
// sorted by device; unset limits are left out (unchanged).
func Lines(r map[string]specs.LinuxRdma) []string {
	devs := make([]string, 0, len(r))
	for d := range r {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	var out []string
	for _, d := range devs {
		l := r[d]
		line := d
		if l.HcaHandles != nil {
			line += fmt.Sprintf(" hca_handle=%d", *l.HcaHandles)
		}
		if l.HcaObjects != nil {
			line += fmt.Sprintf(" hca_object=%d", *l.HcaObjects)
		}
		if line != d {
			out = append(out, line)
		}
	}
	return out
}
