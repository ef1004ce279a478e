package fsutil

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// OwnCgroups parses /proc/self/cgroup: controller -> cgroup path. Each
// controller of a co-mounted line ("cpu,cpuacct") gets its own key; named
// hierarchies keep their "name=" prefix; the cgroup2 line has key "".
func OwnCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseProcCgroup(f)
}

// ParseProcCgroup parses the /proc/<pid>/cgroup format.
func ParseProcCgroup(r io.Reader) (map[string]string, error) {
	m := make(map[string]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("/proc/self/cgroup: malformed line %q", line)
		}
		if parts[1] == "" {
			m[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			m[c] = parts[2]
		}
	}
	return m, sc.Err()
}
