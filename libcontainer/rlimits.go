package libcontainer

import (
	"fmt"

	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func setRlimits(rl []specs.POSIXRlimit) error {
	for i, r := range rl {
		res, ok := spec.RlimitResource(r.Type)
		if !ok {
			return fmt.Errorf("process.rlimits[%d].type: unknown rlimit %q", i, r.Type)
		}
		lim := unix.Rlimit{Cur: r.Soft, Max: r.Hard}
		if err := unix.Prlimit(0, res, &lim, nil); err != nil {
			return fmt.Errorf("process.rlimits[%d]: set %s to %d/%d: %w", i, r.Type, r.Soft, r.Hard, err)
		}
	}
	return nil
}
