// Package fsutil holds the small file helpers shared by the cgroup v1 and v2
// managers: reading and writing control files with errors that name the
// file, parsing their formats, walking a cgroup tree for pids, killing
// everything in it and removing it.
package fsutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Write writes data to dir/file. The error names the file only (the caller
// adds "cgroup vN <controller>: "), e.g. "write memory.limit_in_bytes: invalid argument".
// O_TRUNC is not used: cgroup files ignore it and some reject O_CREAT.
func Write(dir, file, data string) error {
	f, err := os.OpenFile(filepath.Join(dir, file), os.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &FileError{Op: "open", File: file, Err: unwrapPath(err)}
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &FileError{Op: "write", File: file, Err: unwrapPath(err)}
	}
	return nil
}

// Read returns the content of dir/file with surrounding white space removed.
func Read(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", &FileError{Op: "read", File: file, Err: unwrapPath(err)}
	}
	return string(bytes.TrimSpace(b)), nil
}

// Exists reports whether dir/file exists.
func Exists(dir, file string) bool {
	_, err := os.Stat(filepath.Join(dir, file))
	return err == nil
}

// FileError is a failed operation on one cgroup control file.
type FileError struct {
	Op   string
	File string
	Err  error
}

func (e *FileError) Error() string { return e.Op + " " + e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// unwrapPath strips the absolute path from *os.PathError so error messages
// stay short; the errno stays reachable with errors.Is.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadUint parses a file holding one unsigned number; "max" reads as
// math.MaxUint64 (the kernel's "unlimited").
func ReadUint(dir, file string) (uint64, error) {
	s, err := Read(dir, file)
	if err != nil {
		return 0, err
	}
	v, err := ParseUint(s)
	if err != nil {
		return 0, &FileError{Op: "parse", File: file, Err: err}
	}
	return v, nil
}

// ParseUint parses a cgroup number: "max" is MaxUint64, negative values
// (v1 writes -1 as unlimited in some files) are clamped to 0.
func ParseUint(s string) (uint64, error) {
	if s == "max" {
		return ^uint64(0), nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if iv, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && iv < 0 {
			return 0, nil
		}
		return 0, err
	}
	return v, nil
}

// ReadKeyValues parses "key value" lines (memory.stat, cpu.stat, ...).
// Lines that do not parse are skipped.
func ReadKeyValues(dir, file string) (map[string]uint64, error) {
	s, err := Read(dir, file)
	if err != nil {
		return nil, err
	}
	return ParseKeyValues(s), nil
}

// ParseKeyValues parses "key value" lines, skipping lines that do not parse.
func ParseKeyValues(s string) map[string]uint64 {
	m := make(map[string]uint64)
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if v, err := ParseUint(f[1]); err == nil {
			m[f[0]] = v
		}
	}
	return m
}

// FormatLimit renders a signed limit for v2 files: -1 (or any negative) is "max".
func FormatLimit(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

// IsNotExist reports whether err means the file or directory is missing.
func IsNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }

// ErrorfCtl prefixes err with "cgroup <version> <controller>: ".
func ErrorfCtl(version, ctl string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cgroup %s %s: %w", version, ctl, err)
}
