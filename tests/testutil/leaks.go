package testutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// LeakGrace is how long CheckNoLeaks waits for teardown to settle (a killed
// init may take a moment to be reaped) before reporting.
const LeakGrace = 3 * time.Second

// CheckNoLeaks asserts that container id left nothing behind after delete
// (an empty id, for a rejected invalid one, checks only paths):
//   - no state dir <root>/<id>
//   - no mount in /proc/self/mountinfo mentioning <root>/<id> or any of paths
//     (pass the bundle directory)
//   - no cgroup directory named after id (or containing it) under
//     /sys/fs/cgroup/* (a few levels deep, to catch systemd scopes)
//   - no process whose cmdline mentions id or any of paths
func CheckNoLeaks(t testing.TB, root, id string, paths ...string) {
	t.Helper()
	checkNoLeaks(t, root, id, paths, nil)
}

func checkNoLeaks(t testing.TB, root, id string, paths []string, pids map[int]uint64) {
	t.Helper()
	deadline := time.Now().Add(LeakGrace)
	for {
		leaks := findLeaks(root, id, paths, pids)
		if len(leaks) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("container %s leaked:\n\t%s", id, strings.Join(leaks, "\n\t"))
			return
		}
		if os.Getenv("BRIG_TEST_DEBUG") != "" {
			t.Logf("leak check: waiting: %v", leaks)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func findLeaks(root, id string, paths []string, pids map[int]uint64) []string {
	var leaks []string
	// An empty id (a rejected, invalid one) checks only paths and pids.
	needles := slices.Clone(paths)
	if id != "" {
		stateDir := filepath.Join(root, id)
		if _, err := os.Lstat(stateDir); err == nil {
			leaks = append(leaks, "state dir still exists: "+stateDir)
		}
		needles = append(needles, stateDir)
		leaks = append(leaks, cgroupLeaks(id)...)
	}
	leaks = append(leaks, mountLeaks(needles)...)
	procNeedles := slices.Clone(paths)
	if id != "" {
		procNeedles = append(procNeedles, id)
	}
	leaks = append(leaks, processLeaks(procNeedles, pids)...)
	return leaks
}

func mountLeaks(needles []string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return []string{"read mountinfo: " + err.Error()}
	}
	var leaks []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		// f[3] is the root of the mount within its filesystem, f[4] the mount point.
		for _, n := range needles {
			if n == "" {
				continue
			}
			if strings.HasPrefix(unescapeMount(f[4]), n) || strings.HasPrefix(unescapeMount(f[3]), n) {
				leaks = append(leaks, "mount: "+line)
				break
			}
		}
	}
	return leaks
}

// unescapeMount undoes mountinfo's octal escaping (\040 for space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupLeaks walks /sys/fs/cgroup up to 4 levels deep looking for
// directories whose name contains the (unique) container id.
func cgroupLeaks(id string) []string {
	var leaks []string
	const base = "/sys/fs/cgroup"
	_ = filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a cgroup removed while walking
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		if rel != "." && strings.Count(rel, "/") >= 4 {
			return fs.SkipDir
		}
		if strings.Contains(d.Name(), id) {
			leaks = append(leaks, "cgroup dir: "+path)
			return fs.SkipDir
		}
		return nil
	})
	return leaks
}

func processLeaks(needles []string, pids map[int]uint64) []string {
	var leaks []string
	self := os.Getpid()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []string{"read /proc: " + err.Error()}
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		cmdline := string(bytes.ReplaceAll(bytes.TrimRight(raw, "\x00"), []byte{0}, []byte{' '}))
		for _, n := range needles {
			if n != "" && strings.Contains(cmdline, n) {
				leaks = append(leaks, fmt.Sprintf("process %d: %s", pid, cmdline))
				break
			}
		}
	}
	for pid, start := range pids {
		// A zombie is dead: reaping an orphaned init is the host init's job
		// (and this VM's pid 1 reaps lazily), not the runtime's.
		if s, err := procStartTime(pid); err == nil && s == start && !isZombie(pid) {
			leaks = append(leaks, fmt.Sprintf("container init pid %d still alive", pid))
		}
	}
	return leaks
}

// procStat returns the fields of /proc/<pid>/stat after the command name.
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strings.Fields(string(data[i+1:])), nil
}

// procStartTime is field 22 (starttime) of /proc/<pid>/stat: with the pid it
// identifies a process across pid reuse.
func procStartTime(pid int) (uint64, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

func isZombie(pid int) bool {
	f, err := procStat(pid)
	return err == nil && len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// ProcessAlive reports whether pid exists and is not a zombie.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	return !isZombie(pid)
}

type owner struct{ uid, gid int }

func statOwner(info fs.FileInfo) (owner, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return owner{}, false
	}
	return owner{int(st.Uid), int(st.Gid)}, true
}

// ProcessesMentioning lists pids (other than this process) whose cmdline
// contains s.
func ProcessesMentioning(s string) []string {
	return processLeaks([]string{s}, nil)
}

// ProcCgroups returns the lines of /proc/<pid>/cgroup.
func ProcCgroups(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n"), nil
}

// RemoveEmptyCgroups removes directories with this exact name under
// /sys/fs/cgroup (up to 4 levels deep). rmdir of a cgroup only succeeds when
// it has no processes and no children, so this cannot disturb anything live.
func RemoveEmptyCgroups(name string) {
	const base = "/sys/fs/cgroup"
	var dirs []string
	_ = filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		if rel != "." && strings.Count(rel, "/") >= 4 {
			return fs.SkipDir
		}
		if d.Name() == name {
			dirs = append(dirs, path)
			return fs.SkipDir
		}
		return nil
	})
	for _, d := range dirs {
		_ = os.Remove(d)
	}
}

// cgroupDirs lists cgroup directories whose name contains id, deepest first.
func cgroupDirs(id string) []string {
	if id == "" {
		return nil
	}
	const base = "/sys/fs/cgroup"
	var dirs []string
	_ = filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		if rel != "." && strings.Count(rel, "/") >= 5 {
			return fs.SkipDir
		}
		if strings.Contains(d.Name(), id) {
			dirs = append(dirs, path)
		}
		return nil
	})
	slices.Reverse(dirs) // children before parents
	return dirs
}

// killCgroups SIGKILLs every process in cgroups named after id and removes
// those cgroups. Only for cleanup after the leak check.
func killCgroups(t testing.TB, id string) {
	dirs := cgroupDirs(id)
	if len(dirs) == 0 {
		return
	}
	killed := map[int]bool{}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil || killed[pid] || pid == os.Getpid() {
				continue
			}
			killed[pid] = true
			t.Logf("cleanup: killing pid %d left in cgroup %s", pid, d)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, d := range dirs {
		for {
			err := os.Remove(d)
			if err == nil || os.IsNotExist(err) || time.Now().After(deadline) {
				if err != nil && !os.IsNotExist(err) {
					t.Logf("cleanup: rmdir %s: %v", d, err)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
