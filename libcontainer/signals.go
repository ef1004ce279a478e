package libcontainer

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseSignal accepts "KILL", "SIGKILL", "kill", "9", and the real-time
// forms "RTMIN+3" / "SIGRTMAX-1".
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > sigRTMax {
			return 0, fmt.Errorf("unknown signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	name = strings.TrimPrefix(name, "SIG")
	if sig := unix.SignalNum("SIG" + name); sig != 0 {
		return sig, nil
	}
	for _, rt := range []struct {
		prefix string
		base   int
		sign   int
	}{{"RTMIN+", sigRTMin, 1}, {"RTMAX-", sigRTMax, -1}} {
		if rest, ok := strings.CutPrefix(name, rt.prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n <= sigRTMax-sigRTMin {
				return unix.Signal(rt.base + rt.sign*n), nil
			}
		}
	}
	switch name {
	case "RTMIN":
		return unix.Signal(sigRTMin), nil
	case "RTMAX":
		return unix.Signal(sigRTMax), nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// Linux's real-time signal range as seen by programs (glibc reserves 32, 33).
const (
	sigRTMin = 34
	sigRTMax = 64
)
