package spec

import "testing"

func TestSysctlDots(t *testing.T) {
	tests := map[string]string{
		"net.ipv4.ip_forward":              "net.ipv4.ip_forward",
		"net/ipv4/ip_forward":              "net.ipv4.ip_forward",
		"net/ipv4/conf/eno2.100/rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"net.ipv4.conf.eno2/100.rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"kernel":                           "kernel",
		"":                                 "",
	}
	for in, want := range tests {
		if got := sysctlDots(in); got != want {
			t.Errorf("sysctlDots(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckCPUList(t *testing.T) {
	tests := map[string]bool{
		"": true, "0": true, "0-3": true, "0-3,7,9-10": true, "1, 2": true,
		"a": false, "3-1": false, "1-": false, "-1": false, "1,,2": false, "0-99999": false,
	}
	for in, ok := range tests {
		if err := checkCPUList(in); (err == nil) != ok {
			t.Errorf("checkCPUList(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestValidIfName(t *testing.T) {
	tests := map[string]bool{
		"eth0": true, "a": true, "abcdefghijklmno": true,
		"": false, ".": false, "..": false, "abcdefghijklmnop": false, "a/b": false, "a b": false, "a:b": false,
	}
	for in, ok := range tests {
		if validIfName(in) != ok {
			t.Errorf("validIfName(%q) != %v", in, ok)
		}
	}
}
