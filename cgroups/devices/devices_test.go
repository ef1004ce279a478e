package devices

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

func TestFromSpec(t *testing.T) {
	tests := []struct {
		name    string
		in      []specs.LinuxDeviceCgroup
		want    []Rule
		wantErr string
	}{
		{
			name: "deny all",
			in:   []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			want: []Rule{{Type: 'a', Major: -1, Minor: -1, Access: "rwm"}},
		},
		{
			name: "char with numbers, access reordered",
			in:   []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "mwr"}},
			want: []Rule{{Type: 'c', Major: 1, Minor: 3, Access: "rwm", Allow: true}},
		},
		{
			name: "empty access means rwm",
			in:   []specs.LinuxDeviceCgroup{{Allow: true, Type: "b", Major: i64(8)}},
			want: []Rule{{Type: 'b', Major: 8, Minor: -1, Access: "rwm", Allow: true}},
		},
		{
			name: "partial type a is split",
			in:   []specs.LinuxDeviceCgroup{{Allow: true, Type: "a", Major: i64(1), Access: "r"}},
			want: []Rule{
				{Type: 'c', Major: 1, Minor: -1, Access: "r", Allow: true},
				{Type: 'b', Major: 1, Minor: -1, Access: "r", Allow: true},
			},
		},
		{name: "bad type", in: []specs.LinuxDeviceCgroup{{Type: "p"}}, wantErr: `linux.resources.devices[0].type: invalid device type "p" (want a, c or b)`},
		{name: "bad access", in: []specs.LinuxDeviceCgroup{{Type: "c", Access: "rx"}}, wantErr: `linux.resources.devices[0].access: invalid access "rx" (want a combination of r, w, m)`},
		{name: "bad major", in: []specs.LinuxDeviceCgroup{{Type: "c", Major: i64(-2)}}, wantErr: `linux.resources.devices[0].major: invalid value -2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromSpec(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestV1Writes(t *testing.T) {
	rules, err := Build([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rw"},
		{Allow: false, Type: "c", Major: i64(10), Minor: i64(229), Access: "w"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := V1Writes(rules)
	want := []V1Write{
		{"devices.deny", "a"},
		{"devices.deny", "a"},
		{"devices.allow", "c 10:229 rw"},
		{"devices.deny", "c 10:229 w"},
		{"devices.allow", "c *:* m"},
		{"devices.allow", "b *:* m"},
		{"devices.allow", "c 1:3 rwm"},
	}
	if !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("got %v\nwant prefix %v", got, want)
	}
	if n := len(got); n != 1+3+len(DefaultAllowed()) {
		t.Fatalf("got %d writes", n)
	}
}

func TestReduce(t *testing.T) {
	rules, _ := Build([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rw"},
		{Allow: false, Type: "c", Major: i64(10), Minor: i64(229), Access: "w"},
		{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "r"}, // merged with the default rwm
	})
	p := Reduce(rules)
	if p.DefaultAllow {
		t.Fatal("want whitelist")
	}
	checks := []struct {
		typ          byte
		major, minor int64
		acc          string
		want         bool
	}{
		{'c', 10, 229, "r", true},
		{'c', 10, 229, "w", false},
		{'c', 10, 229, "rw", false},
		{'c', 1, 3, "rw", true},
		{'c', 1, 4, "r", false},
		{'c', 1, 4, "m", true}, // c *:* m
		{'b', 8, 0, "m", true},
		{'b', 8, 0, "r", false},
		{'c', 136, 7, "rw", true},
	}
	for _, c := range checks {
		if got := p.Allowed(c.typ, c.major, c.minor, c.acc); got != c.want {
			t.Errorf("%c %d:%d %s = %v, want %v", c.typ, c.major, c.minor, c.acc, got, c.want)
		}
	}

	// allow all, then deny one device: blacklist
	p = Reduce([]Rule{{Type: 'a', Allow: true}, {Type: 'c', Major: 1, Minor: 5, Access: "w"}})
	if !p.DefaultAllow || len(p.Exceptions) != 1 {
		t.Fatalf("got %+v", p)
	}
	if p.Allowed('c', 1, 5, "rw") || !p.Allowed('c', 1, 5, "r") || !p.Allowed('b', 1, 5, "w") {
		t.Fatal("blacklist semantics wrong")
	}
}

// run interprets the small instruction subset Program emits, so the program
// can be checked against Policy.Allowed without loading it into a kernel.
func run(t *testing.T, insts asm.Instructions, accessType, major, minor uint32) uint64 {
	t.Helper()
	labels := map[string]int{}
	for i, ins := range insts {
		if s := ins.Symbol(); s != "" {
			labels[s] = i
		}
	}
	var r [11]uint64
	ctx := [3]uint32{accessType, major, minor}
	for pc := 0; pc < len(insts); pc++ {
		ins := insts[pc]
		op := ins.OpCode
		src := uint64(ins.Constant)
		if op.Source() == asm.RegSource {
			src = r[ins.Src]
		}
		switch op.Class() {
		case asm.LdXClass:
			r[ins.Dst] = uint64(ctx[ins.Offset/4])
		case asm.ALUClass, asm.ALU64Class:
			switch op.ALUOp() {
			case asm.Mov:
				r[ins.Dst] = src
			case asm.And:
				r[ins.Dst] &= src
			case asm.RSh:
				r[ins.Dst] >>= src
			default:
				t.Fatalf("unexpected alu op %v", ins)
			}
			if op.Class() == asm.ALUClass {
				r[ins.Dst] &= 0xffffffff
			}
		case asm.JumpClass:
			var take bool
			switch op.JumpOp() {
			case asm.Exit:
				return r[asm.R0]
			case asm.JNE:
				take = r[ins.Dst] != src
			case asm.JEq:
				take = r[ins.Dst] == src
			default:
				t.Fatalf("unexpected jump %v", ins)
			}
			if take {
				to, ok := labels[ins.Reference()]
				if !ok {
					t.Fatalf("unresolved label %q", ins.Reference())
				}
				pc = to - 1
			}
		default:
			t.Fatalf("unexpected instruction %v", ins)
		}
	}
	t.Fatal("fell off the end")
	return 0
}

func TestProgramMatchesPolicy(t *testing.T) {
	sets := map[string][]specs.LinuxDeviceCgroup{
		"runc default": {{Allow: false, Access: "rwm"}},
		"extra allow":  {{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rw"}, {Allow: true, Type: "b", Major: i64(8), Access: "r"}},
		"privileged":   {{Allow: true, Access: "rwm"}},
		"blacklist":    {{Allow: true, Access: "rwm"}, {Allow: false, Type: "c", Major: i64(1), Minor: i64(3), Access: "w"}, {Allow: false, Type: "b", Access: "m"}},
	}
	accesses := []string{"r", "w", "m", "rw", "rm", "wm", "rwm"}
	devs := []struct {
		typ          byte
		major, minor int64
	}{{'c', 1, 3}, {'c', 1, 5}, {'c', 1, 4}, {'c', 10, 229}, {'c', 136, 2}, {'b', 8, 0}, {'b', 8, 1}, {'b', 7, 0}, {'c', 5, 2}}
	for name, spec := range sets {
		rules, err := Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		// Build prefixes "deny all"; for the privileged/blacklist cases the
		// spec's own "allow all" comes after it and wins.
		insts, err := Program(rules)
		if err != nil {
			t.Fatal(err)
		}
		if err := insts.Marshal(nopWriter{}, binary.LittleEndian); err != nil {
			t.Fatalf("%s: marshal: %v", name, err)
		}
		p := Reduce(rules)
		for _, d := range devs {
			for _, a := range accesses {
				bt := uint32(bpfDevChar)
				if d.typ == 'b' {
					bt = bpfDevBlock
				}
				got := run(t, insts, accessBits(a)<<16|bt, uint32(d.major), uint32(d.minor)) == 1
				if want := p.Allowed(d.typ, d.major, d.minor, a); got != want {
					t.Errorf("%s: %c %d:%d %s: program %v, policy %v", name, d.typ, d.major, d.minor, a, got, want)
				}
			}
		}
	}
}

func TestRuleString(t *testing.T) {
	for _, tt := range []struct {
		r    Rule
		want string
	}{
		{Rule{Type: 'a'}, "a"},
		{Rule{Type: 'c', Major: -1, Minor: -1, Access: "m"}, "c *:* m"},
		{Rule{Type: 'b', Major: 8, Minor: -1, Access: "rw"}, "b 8:* rw"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v: %q want %q", tt.r, got, fmt.Sprint(tt.want))
		}
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
