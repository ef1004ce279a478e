package libcontainer

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSignal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want unix.Signal
		ok   bool
	}{
		{"KILL", unix.SIGKILL, true},
		{"SIGKILL", unix.SIGKILL, true},
		{"sigterm", unix.SIGTERM, true},
		{"term", unix.SIGTERM, true},
		{"9", unix.SIGKILL, true},
		{"15", unix.SIGTERM, true},
		{"HUP", unix.SIGHUP, true},
		{"SIGUSR1", unix.SIGUSR1, true},
		{"RTMIN", 34, true},
		{"RTMIN+3", 37, true},
		{"SIGRTMAX-1", 63, true},
		{"64", 64, true},
		{"0", 0, false},
		{"65", 0, false},
		{"-1", 0, false},
		{"FOO", 0, false},
		{"SIGFOO", 0, false},
		{"", 0, false},
		{"RTMIN+40", 0, false},
	} {
		got, err := ParseSignal(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
