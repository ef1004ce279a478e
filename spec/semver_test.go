package spec

import "testing"

func TestParseSemver(t *testing.T) {
	tests := []struct {
		in    string
		ok    bool
		major uint64
	}{
		{"1.0.0", true, 1},
		{"1.3.0", true, 1},
		{"1.0.2-dev", true, 1},
		{"1.0.0-rc.1", true, 1},
		{"1.0.0-rc2-dev", true, 1},
		{"1.0.0+build.5", true, 1},
		{"1.0.0-alpha+001", true, 1},
		{"0.1.0", true, 0},
		{"10.20.30", true, 10},
		{"", false, 0},
		{"1", false, 0},
		{"1.0", false, 0},
		{"1.0.0.0", false, 0},
		{"01.0.0", false, 0},
		{"1.0.0-01", false, 0},
		{"1.0.0-", false, 0},
		{"1.0.0+", false, 0},
		{"1.0.0-a..b", false, 0},
		{"1.0.0-a_b", false, 0},
		{"v1.0.0", false, 0},
		{"1.x.0", false, 0},
		{"99999999999999999999.0.0", false, 0},
	}
	for _, tt := range tests {
		v, err := parseSemver(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseSemver(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && v.major != tt.major {
			t.Errorf("parseSemver(%q).major = %d", tt.in, v.major)
		}
	}
}
