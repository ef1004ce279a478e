package v1

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
	"github.com/brigrt/brig/cgroups/internal/rdma"
)

func setRdma(dir string, r map[string]specs.LinuxRdma) error {
	for _, line := range rdma.Lines(r) {
		if err := fsutil.Write(dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}
