package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const cgroupRoot = "/sys/fs/cgroup"

// hierarchies lists the mounted cgroup hierarchies: /sys/fs/cgroup itself
// on a pure v2 host, else each v1 controller dir plus unified.
func hierarchies() []string {
	if _, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		return []string{cgroupRoot}
	}
	entries, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(cgroupRoot, e.Name())
		// Symlinks like cpu -> cpu,cpuacct would list a hierarchy twice.
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// memoryHierarchy is where memory.* files live: the v1 memory controller,
// else the v2 root.
func memoryHierarchy() (dir string, v1 bool) {
	if p := filepath.Join(cgroupRoot, "memory"); isDir(p) {
		return p, true
	}
	return cgroupRoot, false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// removeCgroupTree kills what is left in the cgroup subtree rel (processes of
// containers this benchmark created and failed to delete) and removes it,
// in every hierarchy. Only the benchmark's own parent is ever passed here.
func removeCgroupTree(rel string) []error {
	var errs []error
	for _, h := range hierarchies() {
		top := filepath.Join(h, rel)
		if !isDir(top) {
			continue
		}
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		// Deepest first: a cgroup with children cannot be removed.
		sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
		for _, d := range dirs {
			if err := rmdirCgroup(d); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

func rmdirCgroup(dir string) error {
	var err error
	for try := 0; try < 50; try++ {
		for _, pid := range cgroupPids(dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if err = os.Remove(dir); err == nil || os.IsNotExist(err) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("rmdir %s: %w", dir, err)
}

func cgroupPids(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// readInt reads a one-number cgroup file ("max" reads as -1).
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// procStatusKiB reads fields (e.g. VmRSS, RssAnon) of /proc/pid/status in KiB.
func procStatusKiB(pid int, fields ...string) map[string]int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil
	}
	out := make(map[string]int64, len(fields))
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, f := range fields {
			if name == f {
				v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				out[f] = v
			}
		}
	}
	return out
}
