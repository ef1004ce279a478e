package v2

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
	"github.com/brigrt/brig/cgroups/internal/rdma"
)

// setHugetlb writes hugetlb.<size>.max and, when present (5.11+), the
// reservation limit hugetlb.<size>.rsvd.max to the same value, as runc.
func setHugetlb(dir string, limits []specs.LinuxHugepageLimit) error {
	for _, l := range limits {
		v := strconv.FormatUint(l.Limit, 10)
		if err := fsutil.Write(dir, "hugetlb."+l.Pagesize+".max", v); err != nil {
			return err
		}
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.max"
		if fsutil.Exists(dir, rsvd) {
			if err := fsutil.Write(dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func setRdma(dir string, r map[string]specs.LinuxRdma) error {
	for _, line := range rdma.Lines(r) {
		if err := fsutil.Write(dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}
