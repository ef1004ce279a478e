package main

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParsePhases(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want map[string][]float64
	}{
		{
			name: "flat",
			log:  `time="x" level=debug msg="delete c1: 0.50ms: cgroup destroy 0.45ms, state dir 0.04ms"`,
			want: map[string][]float64{"delete: total": {0.5}, "delete: cgroup destroy": {0.45}, "delete: state dir": {0.04}},
		},
		{
			name: "nested and untimed steps",
			log: `time="x" level=debug msg="create ph1: 19.40ms: state dir 1.34ms, init ready (bootstrap 0.66ms, sysctl, hostname, keyring 0.02ms, mounts 2.36ms) 5.26ms, cgroup enter 10.25ms"
not a phase line`,
			want: map[string][]float64{
				"create: total":                               {19.4},
				"create: state dir":                           {1.34},
				"create: init ready: bootstrap":               {0.66},
				"create: init ready: sysctl+hostname+keyring": {0.02},
				"create: init ready: mounts":                  {2.36},
				"create: init ready":                          {5.26},
				"create: cgroup enter":                        {10.25},
			},
		},
		{
			name: "samples accumulate",
			log: `msg="delete a: 1ms: x 1ms"
msg="delete b: 3ms: x 2ms"`,
			want: map[string][]float64{"delete: total": {1, 3}, "delete: x": {1, 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePhases(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.vals, tt.want) {
				t.Errorf("got %v, want %v", p.vals, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}
