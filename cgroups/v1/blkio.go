package v1

import (
	"errors"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/cgroups/internal/fsutil"
)

func blkioNeeded(b *specs.LinuxBlockIO) bool {
	return b != nil && (weightsRequested(b) ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

// weightFiles picks CFQ's blkio.weight or, on kernels without CFQ, BFQ's
// blkio.bfq.weight (which has no leaf weight).
func weightFiles(dir string) (weight, weightDevice string, ok bool) {
	if fsutil.Exists(dir, "blkio.weight") {
		return "blkio.weight", "blkio.weight_device", true
	}
	if fsutil.Exists(dir, "blkio.bfq.weight") {
		return "blkio.bfq.weight", "blkio.bfq.weight_device", true
	}
	return "", "", false
}

func setBlkio(dir string, b *specs.LinuxBlockIO) error {
	if weightsRequested(b) {
		wf, wdf, ok := weightFiles(dir)
		if !ok {
			return errors.New("blockIO weights requested but neither blkio.weight (CFQ) nor blkio.bfq.weight (BFQ) exists")
		}
		if b.Weight != nil && *b.Weight != 0 {
			if err := fsutil.Write(dir, wf, strconv.FormatUint(uint64(*b.Weight), 10)); err != nil {
				return err
			}
		}
		if b.LeafWeight != nil && *b.LeafWeight != 0 {
			if err := fsutil.Write(dir, "blkio.leaf_weight", strconv.FormatUint(uint64(*b.LeafWeight), 10)); err != nil {
				return err
			}
		}
		for _, wd := range b.WeightDevice {
			if wd.Weight != nil {
				if err := fsutil.Write(dir, wdf, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.Weight)); err != nil {
					return err
				}
			}
			if wd.LeafWeight != nil {
				if err := fsutil.Write(dir, "blkio.leaf_weight_device", fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.LeafWeight)); err != nil {
					return err
				}
			}
		}
	}
	throttles := []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			if err := fsutil.Write(dir, t.file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}

// weightsRequested: a weight of 0 means "not set", as in runc (Docker
// always sends blockIO.weight 0, also on hosts without weight files).
func weightsRequested(b *specs.LinuxBlockIO) bool {
	return (b.Weight != nil && *b.Weight != 0) || (b.LeafWeight != nil && *b.LeafWeight != 0) || len(b.WeightDevice) > 0
}
