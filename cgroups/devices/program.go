package devices

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
)

// BPF device types in bpf_cgroup_dev_ctx.access_type (low 16 bits).
const (
	bpfDevBlock = 1
	bpfDevChar  = 2
)

// Program builds the BPF_PROG_TYPE_CGROUP_DEVICE program enforcing rules
// (as returned by Build). The program reads struct bpf_cgroup_dev_ctx
// { u32 access_type; u32 major; u32 minor; } and returns 1 to allow.
//
// Layout: R2 = device type, R3 = requested access, R4 = major, R5 = minor;
// then one block per exception of the reduced policy, each jumping to the
// next block on mismatch and returning the exception's verdict on match;
// the last block returns the default.
func Program(rules []Rule) (asm.Instructions, error) {
	p := Reduce(rules)
	insts := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.And.Imm32(asm.R2, 0xFFFF),
		asm.LoadMem(asm.R3, asm.R1, 0, asm.Word),
		asm.RSh.Imm32(asm.R3, 16),
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word),
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word),
	}
	verdict := func(allow bool) int64 {
		if allow {
			return 1
		}
		return 0
	}
	for i, ex := range p.Exceptions {
		next := fmt.Sprintf("block%d", i+1)
		var devType int32
		switch ex.Type {
		case 'c':
			devType = bpfDevChar
		case 'b':
			devType = bpfDevBlock
		default:
			return nil, fmt.Errorf("device rule %q: unexpected type in reduced policy", ex)
		}
		block := asm.Instructions{asm.JNE.Imm(asm.R2, devType, next)}
		acc := int32(accessBits(ex.Access))
		switch {
		case p.DefaultAllow:
			// deny exception: matches when any requested bit is denied.
			block = append(block,
				asm.Mov.Reg32(asm.R1, asm.R3),
				asm.And.Imm32(asm.R1, acc),
				asm.JEq.Imm(asm.R1, 0, next),
			)
		case acc != accAll:
			// allow exception: matches when every requested bit is allowed.
			block = append(block,
				asm.Mov.Reg32(asm.R1, asm.R3),
				asm.And.Imm32(asm.R1, acc),
				asm.JNE.Reg(asm.R1, asm.R3, next),
			)
		}
		if ex.Major != Wildcard {
			block = append(block, asm.JNE.Imm(asm.R4, int32(ex.Major), next))
		}
		if ex.Minor != Wildcard {
			block = append(block, asm.JNE.Imm(asm.R5, int32(ex.Minor), next))
		}
		block = append(block, asm.Mov.Imm(asm.R0, int32(verdict(ex.Allow))), asm.Return())
		block[0] = block[0].WithSymbol(fmt.Sprintf("block%d", i))
		insts = append(insts, block...)
	}
	last := fmt.Sprintf("block%d", len(p.Exceptions))
	insts = append(insts,
		asm.Mov.Imm(asm.R0, int32(verdict(p.DefaultAllow))).WithSymbol(last),
		asm.Return(),
	)
	return insts, nil
}
