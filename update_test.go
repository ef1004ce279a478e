package main

import (
	"bytes"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseMemSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"4096", 4096, true},
		{"-1", -1, true},
		{"10k", 10 << 10, true},
		{"10K", 10 << 10, true},
		{"10kb", 10 << 10, true},
		{"10KiB", 10 << 10, true},
		{"64m", 64 << 20, true},
		{"64M", 64 << 20, true},
		{"64 MB", 64 << 20, true},
		{"1.5g", 3 << 29, true},
		{"2G", 2 << 30, true},
		{"1t", 1 << 40, true},
		{"1p", 1 << 50, true},
		{"100b", 100, true},
		{"", 0, false},
		{"m", 0, false},
		{"-2", 0, false},
		{"10x", 0, false},
		{"10mm", 0, false},
		{"1..5m", 0, false},
		{".5m", 0, false},
		{"10  m", 0, false},
		{"99999999p", 0, false},
	}
	for _, tc := range cases {
		got, err := parseMemSize(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("parseMemSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if !tc.ok && err == nil {
			t.Errorf("parseMemSize(%q) = %d, want an error", tc.in, got)
		}
	}
}

func TestApplyUpdateFlags(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	cases := []struct {
		name    string
		flags   map[string]string
		start   *specs.LinuxResources
		check   func(t *testing.T, r *specs.LinuxResources)
		wantErr bool
	}{
		{
			name:  "none",
			flags: nil,
			check: func(t *testing.T, r *specs.LinuxResources) {
				if r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil {
					t.Errorf("no flags changed something: %+v", r)
				}
			},
		},
		{
			name:  "all",
			flags: map[string]string{"memory": "1g", "memory-swap": "-1", "memory-reservation": "512m", "cpu-share": "100", "cpu-quota": "-1", "cpu-period": "50000", "cpu-rt-runtime": "10", "cpu-rt-period": "20", "cpuset-cpus": "0-1", "cpuset-mems": "0", "pids-limit": "10", "blkio-weight": "300", "cpu-idle": "1", "cpu-burst": "7"},
			check: func(t *testing.T, r *specs.LinuxResources) {
				m, c := r.Memory, r.CPU
				if *m.Limit != 1<<30 || *m.Swap != -1 || *m.Reservation != 512<<20 {
					t.Errorf("memory %+v", m)
				}
				if *c.Shares != 100 || *c.Quota != -1 || *c.Period != 50000 || *c.RealtimeRuntime != 10 || *c.RealtimePeriod != 20 || c.Cpus != "0-1" || c.Mems != "0" || *c.Idle != 1 || *c.Burst != 7 {
					t.Errorf("cpu %+v", c)
				}
				if *r.Pids.Limit != 10 || *r.BlockIO.Weight != 300 {
					t.Errorf("pids %+v blkio %+v", r.Pids, r.BlockIO)
				}
			},
		},
		{
			name:  "override-file",
			start: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1), Reservation: i64(2)}, CPU: &specs.LinuxCPU{Shares: u64(3)}},
			flags: map[string]string{"memory": "4096"},
			check: func(t *testing.T, r *specs.LinuxResources) {
				if *r.Memory.Limit != 4096 || *r.Memory.Reservation != 2 || *r.CPU.Shares != 3 {
					t.Errorf("flags did not override only what they name: memory %+v cpu %+v", r.Memory, r.CPU)
				}
			},
		},
		{
			name:  "zero-pids-and-weight-unchanged",
			flags: map[string]string{"pids-limit": "0", "blkio-weight": "0"},
			check: func(t *testing.T, r *specs.LinuxResources) {
				if r.Pids != nil || r.BlockIO != nil {
					t.Errorf("0 changed pids %+v / blkio %+v", r.Pids, r.BlockIO)
				}
			},
		},
		{name: "bad-quota", flags: map[string]string{"cpu-quota": "lots"}, wantErr: true},
		{name: "bad-shares", flags: map[string]string{"cpu-share": "-5"}, wantErr: true},
		{name: "bad-memory", flags: map[string]string{"memory": "12x"}, wantErr: true},
		{name: "bad-weight", flags: map[string]string{"blkio-weight": "70000"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.start
			if r == nil {
				r = &specs.LinuxResources{}
			}
			err := applyUpdateFlags(func(k string) string { return tc.flags[k] }, r)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}

func TestFilterPs(t *testing.T) {
	out := []byte(`UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         100       1  0 10:00 ?        00:00:00 sleep 100
root        1000     100  0 10:00 ?        00:00:00 sh -c echo 100
`)
	var b bytes.Buffer
	if err := filterPs(&b, out, []int{100, 1000}); err != nil {
		t.Fatal(err)
	}
	want := `UID          PID    PPID  C STIME TTY          TIME CMD
root         100       1  0 10:00 ?        00:00:00 sleep 100
root        1000     100  0 10:00 ?        00:00:00 sh -c echo 100
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if err := filterPs(&b, []byte("USER COMMAND\nroot x\n"), []int{1}); err == nil {
		t.Error("no PID column: no error")
	}
}
