package v2

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func ioNeeded(b *specs.LinuxBlockIO) bool {
	return b != nil && (b.Weight != nil || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

// IOMaxLines renders the throttle lists as io.max lines ("8:0 rbps=1048576").
// A rate of 0 removes the limit ("max"), as writing 0 does on v1.
func IOMaxLines(b *specs.LinuxBlockIO) []string {
	var out []string
	for _, t := range []struct {
		key  string
		devs []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice},
		{"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice},
		{"wiops", b.ThrottleWriteIOPSDevice},
	} {
		for _, d := range t.devs {
			v := "max"
			if d.Rate != 0 {
				v = strconv.FormatUint(d.Rate, 10)
			}
			out = append(out, fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, t.key, v))
		}
	}
	return out
}

// setIO: with BFQ (io.bfq.weight present) the v1 weight range 10..1000 is
// used as is; otherwise it is converted to io.weight's 1..10000. leafWeight
// has no v2 equivalent.
func setIO(dir string, b *specs.LinuxBlockIO) error {
	bfq := fsutil.Exists(dir, "io.bfq.weight")
	if b.Weight != nil && *b.Weight != 0 {
		w := uint64(*b.Weight)
		file, v := "io.weight", BlkioWeightToIOWeight(w)
		if bfq {
			file, v = "io.bfq.weight", w
		}
		if err := fsutil.Write(dir, file, strconv.FormatUint(v, 10)); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight == nil {
			continue
		}
		w := uint64(*wd.Weight)
		file, v := "io.weight", BlkioWeightToIOWeight(w)
		if bfq {
			file, v = "io.bfq.weight", w
		}
		if err := fsutil.Write(dir, file, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, v)); err != nil {
			return err
		}
	}
	for _, line := range IOMaxLines(b) {
		if err := fsutil.Write(dir, "io.max", line); err != nil {
			return err
		}
	}
	return nil
}
