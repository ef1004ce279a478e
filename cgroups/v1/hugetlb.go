package v1

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

// setHugetlb writes hugetlb.<size>.limit_in_bytes and, when the kernel has
// it (5.11+), the matching reservation limit, as runc does.
func setHugetlb(dir string, limits []specs.LinuxHugepageLimit) error {
	for _, l := range limits {
		v := strconv.FormatUint(l.Limit, 10)
		if err := fsutil.Write(dir, "hugetlb."+l.Pagesize+".limit_in_bytes", v); err != nil {
			return err
		}
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.limit_in_bytes"
		if fsutil.Exists(dir, rsvd) {
			if err := fsutil.Write(dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}
