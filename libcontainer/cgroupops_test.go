package libcontainer

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMergeResources(t *testing.T) {
	cases := []struct {
		name       string
		cur, upd   string // JSON of linux.resources
		wantMerged string
		wantApply  string
	}{
		{
			name:       "nothing",
			cur:        `{"memory":{"limit":100}}`,
			upd:        `{}`,
			wantMerged: `{"memory":{"limit":100}}`,
			wantApply:  `{}`,
		},
		{
			name:       "memory-limit-keeps-swap-pair",
			cur:        `{"memory":{"limit":100,"swap":300,"reservation":50}}`,
			upd:        `{"memory":{"limit":200}}`,
			wantMerged: `{"memory":{"limit":200,"swap":300,"reservation":50}}`,
			wantApply:  `{"memory":{"limit":200,"swap":300}}`,
		},
		{
			name:       "memory-unlimited-means-unlimited-swap",
			cur:        `{"memory":{"limit":100,"swap":200}}`,
			upd:        `{"memory":{"limit":-1}}`,
			wantMerged: `{"memory":{"limit":-1,"swap":-1}}`,
			wantApply:  `{"memory":{"limit":-1,"swap":-1}}`,
		},
		{
			name:       "reservation-only",
			cur:        `{"memory":{"limit":100}}`,
			upd:        `{"memory":{"reservation":10,"checkBeforeUpdate":true}}`,
			wantMerged: `{"memory":{"limit":100,"reservation":10}}`,
			wantApply:  `{"memory":{"reservation":10,"checkBeforeUpdate":true}}`,
		},
		{
			name:       "cpu-period-keeps-quota",
			cur:        `{"cpu":{"quota":30000,"shares":100,"cpus":"0"}}`,
			upd:        `{"cpu":{"period":60000}}`,
			wantMerged: `{"cpu":{"quota":30000,"period":60000,"shares":100,"cpus":"0"}}`,
			wantApply:  `{"cpu":{"quota":30000,"period":60000}}`,
		},
		{
			name:       "cpu-misc",
			cur:        `{}`,
			upd:        `{"cpu":{"shares":512,"cpus":"1","mems":"0","realtimeRuntime":5,"realtimePeriod":10,"idle":1,"burst":3}}`,
			wantMerged: `{"cpu":{"shares":512,"cpus":"1","mems":"0","realtimeRuntime":5,"realtimePeriod":10,"idle":1,"burst":3}}`,
			wantApply:  `{"cpu":{"shares":512,"cpus":"1","mems":"0","realtimeRuntime":5,"realtimePeriod":10,"idle":1,"burst":3}}`,
		},
		{
			name:       "pids-blkio-unified",
			cur:        `{"pids":{"limit":10},"unified":{"a":"1"}}`,
			upd:        `{"pids":{"limit":20},"blockIO":{"weight":300},"unified":{"b":"2"}}`,
			wantMerged: `{"pids":{"limit":20},"blockIO":{"weight":300},"unified":{"a":"1","b":"2"}}`,
			wantApply:  `{"pids":{"limit":20},"blockIO":{"weight":300},"unified":{"b":"2"}}`,
		},
		{
			// Devices (and other sections) are never updated, but kept.
			name:       "devices-kept-not-applied",
			cur:        `{"devices":[{"allow":false,"access":"rwm"}]}`,
			upd:        `{"devices":[{"allow":true,"access":"rwm"}],"hugepageLimits":[{"pageSize":"2MB","limit":1}]}`,
			wantMerged: `{"devices":[{"allow":false,"access":"rwm"}]}`,
			wantApply:  `{}`,
		},
		{
			name:       "from-nil",
			cur:        `null`,
			upd:        `{"memory":{"limit":64}}`,
			wantMerged: `{"memory":{"limit":64}}`,
			wantApply:  `{"memory":{"limit":64}}`,
		},
	}
	norm := func(t *testing.T, v any) string {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(m) // sorted keys
		return string(b)
	}
	parse := func(t *testing.T, s string) *specs.LinuxResources {
		t.Helper()
		var r *specs.LinuxResources
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return r
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := parse(t, tc.cur)
			before := norm(t, cur)
			merged, apply := MergeResources(cur, parse(t, tc.upd))
			if got, want := norm(t, merged), norm(t, parse(t, tc.wantMerged)); got != want {
				t.Errorf("merged = %s, want %s", got, want)
			}
			if got, want := norm(t, apply), norm(t, parse(t, tc.wantApply)); got != want {
				t.Errorf("apply = %s, want %s", got, want)
			}
			if after := norm(t, cur); after != before {
				t.Errorf("current resources modified: %s -> %s", before, after)
			}
		})
	}
}

func TestOOMCountAfter(t *testing.T) {
	cases := []struct {
		a, b oomCount
		want bool
	}{
		{oomCount{0, 0}, oomCount{0, 0}, false},
		{oomCount{1, 0}, oomCount{0, 0}, true},
		{oomCount{0, 1}, oomCount{0, 0}, true},
		{oomCount{1, 1}, oomCount{1, 1}, false},
	}
	for _, tc := range cases {
		if got := tc.a.after(tc.b); got != tc.want {
			t.Errorf("%+v.after(%+v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestInotifyIgnored(t *testing.T) {
	ev := func(mask uint32, name string) []byte {
		b := make([]byte, 16+len(name))
		b[4], b[5], b[6], b[7] = byte(mask), byte(mask>>8), byte(mask>>16), byte(mask>>24)
		b[12] = byte(len(name))
		copy(b[16:], name)
		return b
	}
	modify := ev(0x2, "")            // IN_MODIFY
	ignored := ev(0x8000, "")        // IN_IGNORED
	named := ev(0x2, "abcdefghijkl") // a name padded record
	if inotifyIgnored(modify) {
		t.Error("IN_MODIFY reported as removal")
	}
	if !inotifyIgnored(append(append([]byte{}, named...), ignored...)) {
		t.Error("IN_IGNORED after a named event not found")
	}
}
