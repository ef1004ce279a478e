package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ReadProcs returns the pids listed in dir/cgroup.procs.
func ReadProcs(dir string) ([]int, error) {
	s, err := Read(dir, "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, &FileError{Op: "parse", File: "cgroup.procs", Err: err}
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// ReadProcsRecursive returns the pids of dir and all its descendant cgroups,
// sorted and without duplicates. A missing dir yields no pids and no error
// (a destroyed cgroup has no processes).
func ReadProcsRecursive(dir string) ([]int, error) {
	seen := make(map[int]struct{})
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil // raced with rmdir
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		pids, err := ReadProcs(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		for _, pid := range pids {
			seen[pid] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(seen))
	for pid := range seen {
		out = append(out, pid)
	}
	sort.Ints(out)
	return out, nil
}

// SignalAll sends sig to every pid. Pids that have already exited are ignored.
func SignalAll(pids []int, sig unix.Signal) error {
	var errs []error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}

// WaitEmpty polls dir (recursively) until it has no processes or timeout passes.
func WaitEmpty(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		pids, err := ReadProcsRecursive(dir)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d processes still in %s after %v: %v", len(pids), dir, timeout, pids)
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// RemoveTree removes the cgroup dir and its descendants, children first.
// Cgroup directories cannot be removed with os.RemoveAll (their control files
// are not unlinkable), only rmdir'ed. EBUSY (processes still exiting) is
// retried until timeout; a missing dir is not an error.
func RemoveTree(dir string, timeout time.Duration) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := RemoveTree(filepath.Join(dir, e.Name()), timeout); err != nil {
				return err
			}
		}
	}
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		err := unix.Rmdir(dir)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY) && time.Now().Before(deadline):
			time.Sleep(delay)
			if delay < 100*time.Millisecond {
				delay *= 2
			}
		default:
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
	}
}

// MkdirAll creates dir and any missing parents, returning the directories it
// created (outermost first) so a failed Create can remove exactly those.
func MkdirAll(dir string) ([]string, error) {
	var missing []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, p)
		if p == "/" || p == "." {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue // raced with another creator: not ours to remove
			}
			RemoveCreated(created)
			return nil, fmt.Errorf("mkdir %s: %w", missing[i], unwrapPath(err))
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// RemoveCreated rmdirs the directories returned by MkdirAll, innermost first.
// Errors are ignored: this is best-effort cleanup after a failure.
func RemoveCreated(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		_ = unix.Rmdir(created[i])
	}
}
