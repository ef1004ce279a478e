package seccomp

import (
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// seccompData mirrors struct seccomp_data.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	binary.NativeEndian.PutUint64(b[8:], d.ip)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// runBPF is a classic-BPF interpreter, enough for seccomp programs, so that
// filters can be checked for architectures this host cannot execute.
func runBPF(prog []unix.SockFilter, d seccompData) (uint32, error) {
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		k := in.K
		src := k
		if in.Code&unix.BPF_X != 0 {
			src = x
		}
		switch in.Code & 0x07 {
		case unix.BPF_LD, unix.BPF_LDX:
			var v uint32
			switch in.Code & 0xe0 {
			case unix.BPF_ABS:
				if k+4 > uint32(len(data)) || in.Code&0x18 != unix.BPF_W {
					return 0, fmt.Errorf("pc %d: bad load %#x off %d", pc, in.Code, k)
				}
				v = binary.NativeEndian.Uint32(data[k:])
			case unix.BPF_IMM:
				v = k
			case unix.BPF_MEM:
				v = mem[k]
			case unix.BPF_LEN:
				v = uint32(len(data))
			default:
				return 0, fmt.Errorf("pc %d: unsupported load %#x", pc, in.Code)
			}
			if in.Code&0x07 == unix.BPF_LD {
				a = v
			} else {
				x = v
			}
		case unix.BPF_ST:
			mem[k] = a
		case unix.BPF_STX:
			mem[k] = x
		case unix.BPF_ALU:
			switch in.Code & 0xf0 {
			case unix.BPF_ADD:
				a += src
			case unix.BPF_SUB:
				a -= src
			case unix.BPF_MUL:
				a *= src
			case unix.BPF_DIV:
				if src == 0 {
					return 0, nil
				}
				a /= src
			case unix.BPF_OR:
				a |= src
			case unix.BPF_AND:
				a &= src
			case unix.BPF_LSH:
				a <<= src
			case unix.BPF_RSH:
				a >>= src
			case unix.BPF_NEG:
				a = -a
			case unix.BPF_XOR:
				a ^= src
			default:
				return 0, fmt.Errorf("pc %d: unsupported alu %#x", pc, in.Code)
			}
		case unix.BPF_JMP:
			var cond bool
			switch in.Code & 0xf0 {
			case unix.BPF_JA:
				pc += int(k)
				continue
			case unix.BPF_JEQ:
				cond = a == src
			case unix.BPF_JGT:
				cond = a > src
			case unix.BPF_JGE:
				cond = a >= src
			case unix.BPF_JSET:
				cond = a&src != 0
			default:
				return 0, fmt.Errorf("pc %d: unsupported jump %#x", pc, in.Code)
			}
			if cond {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET:
			if in.Code&0x18 == unix.BPF_A {
				return a, nil
			}
			return k, nil
		case unix.BPF_MISC:
			if in.Code&0xf8 == unix.BPF_TAX {
				x = a
			} else {
				a = x
			}
		}
	}
	return 0, fmt.Errorf("fell off the end of the program")
}

func TestRunBPFSelf(t *testing.T) {
	var a assembler
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offNr)
	a.jump(unix.BPF_JEQ, 7, "yes", "")
	a.stmt(unix.BPF_RET|unix.BPF_K, 1)
	a.label("yes")
	a.stmt(unix.BPF_RET|unix.BPF_K, 2)
	prog, err := a.assemble()
	if err != nil {
		t.Fatal(err)
	}
	for nr, want := range map[int32]uint32{7: 2, 8: 1} {
		got, err := runBPF(prog, seccompData{nr: nr})
		if err != nil || got != want {
			t.Errorf("nr %d: got %#x, %v; want %#x", nr, got, err, want)
		}
	}
}
