package v2

import (
	"errors"
	"fmt"
	"strconv"
)

// CPUSharesToWeight converts v1 cpu.shares (2..262144) to v2 cpu.weight
// (1..10000) with runc's linear mapping; 0 means unset.
func CPUSharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < 2 {
		shares = 2
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioWeightToIOWeight converts blkio.weight (10..1000) to io.weight
// (1..10000) as runc does; 0 means unset.
func BlkioWeightToIOWeight(w uint64) uint64 {
	if w == 0 {
		return 0
	}
	if w < 10 {
		w = 10
	}
	return 1 + (w-10)*9999/990
}

// SwapToV2 converts the OCI memory.swap (memory+swap, v1 semantics) to
// memory.swap.max (swap only), exactly as runc's
// ConvertMemorySwapToCgroupV2Value. 0 means unset, -1 unlimited.
func SwapToV2(swap, limit int64) (int64, error) {
	// memory unlimited and swap not given: both unlimited, as on v1.
	if limit == -1 && swap == 0 {
		return -1, nil
	}
	if swap == -1 || swap == 0 {
		return swap, nil
	}
	if limit == 0 || limit == -1 {
		return 0, errors.New("memory.swap set without a memory.limit: cannot compute memory.swap.max (swap minus limit)")
	}
	if limit < 0 {
		return 0, fmt.Errorf("invalid memory.limit %d", limit)
	}
	if swap < limit {
		return 0, fmt.Errorf("memory.swap %d (memory+swap) must be >= memory.limit %d", swap, limit)
	}
	return swap - limit, nil
}

// numToStr renders a limit: 0 unset (""), negative "max".
func numToStr(v int64) string {
	switch {
	case v == 0:
		return ""
	case v < 0:
		return "max"
	}
	return strconv.FormatInt(v, 10)
}
