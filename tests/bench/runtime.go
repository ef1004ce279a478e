package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// invokeTimeout bounds one runtime command: a hung runtime fails that sample
// instead of hanging the benchmark.
const invokeTimeout = 30 * time.Second

// runtimeCLI is one runtime under test: how to call it and where it keeps state.
type runtimeCLI struct {
	name string
	bin  string
	// wrap goes before bin on every call (crun: the private mount namespace
	// helper); joinCgroup builds the prefix that also joins a cgroup.
	wrap       []string
	joinCgroup func(procs string) []string
	root       string // --root, one per runtime
	ociVersion string // written into this runtime's config.json copies
	version    string // first line of `--version`
}

// argv is the full command line for a runtime subcommand.
func (r *runtimeCLI) argv(prefix []string, args ...string) []string {
	out := append([]string{}, prefix...)
	out = append(out, r.bin, "--root", r.root)
	return append(out, args...)
}

// result is one timed invocation.
type result struct {
	dur    time.Duration
	maxRSS int64 // KiB, ru_maxrss of the command (and the children it reaped)
	err    error // non-nil: did not start, timed out or exited non-zero
	stderr string
	stdout string
}

// invoker runs commands with output to files (not pipes: a detached
// container inherits the runtime's stdio, and with a pipe Wait would block
// until the container exits).
type invoker struct {
	tmpDir string
}

// run forks, execs and waits for argv, timing exactly that: the clock is
// read right before fork and right after wait returns.
func (iv invoker) run(argv []string) result {
	outF, err := os.CreateTemp(iv.tmpDir, "out-")
	if err != nil {
		return result{err: fmt.Errorf("stdout file: %w", err)}
	}
	defer os.Remove(outF.Name())
	defer outF.Close()
	errF, err := os.CreateTemp(iv.tmpDir, "err-")
	if err != nil {
		return result{err: fmt.Errorf("stderr file: %w", err)}
	}
	defer os.Remove(errF.Name())
	defer errF.Close()

	ctx, cancel := context.WithTimeout(context.Background(), invokeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = nil // /dev/null
	cmd.Stdout = outF
	cmd.Stderr = errF

	start := time.Now()
	err = cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	res := result{dur: time.Since(start)}

	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.maxRSS = ru.Maxrss
		}
	}
	res.stdout = readSmall(outF.Name())
	res.stderr = readSmall(errF.Name())
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", invokeTimeout)
	}
	if err != nil {
		res.err = fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, lastLine(res.stderr))
	}
	return res
}

func readSmall(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 64<<10 {
		b = b[len(b)-64<<10:]
	}
	return string(b)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// supports reports whether the runtime lists cmd among its commands in
// --help (urfave/cli and crun both print "  name[, alias]  description").
func (iv invoker) supports(r *runtimeCLI, cmd string) bool {
	res := iv.run(append(append([]string{}, r.wrap...), r.bin, "--help"))
	sc := bufio.NewScanner(strings.NewReader(res.stdout + res.stderr))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 && strings.TrimSuffix(f[0], ",") == cmd {
			return true
		}
	}
	return false
}

// status asks the runtime for a container's status ("" if it has none).
func (iv invoker) status(r *runtimeCLI, id string) string {
	res := iv.run(r.argv(r.wrap, "state", id))
	if res.err != nil {
		return ""
	}
	// Avoid a JSON dependency on field order: find "status": "x".
	i := strings.Index(res.stdout, `"status"`)
	if i < 0 {
		return ""
	}
	rest := res.stdout[i+len(`"status"`):]
	if j := strings.Index(rest, `"`); j >= 0 {
		rest = rest[j+1:]
		if k := strings.Index(rest, `"`); k >= 0 {
			return rest[:k]
		}
	}
	return ""
}

// waitStopped polls until the container is stopped (not timed).
func (iv invoker) waitStopped(r *runtimeCLI, id string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := iv.status(r, id); s == "stopped" || s == "" {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%s: container %s not stopped after 10s", r.name, id)
}

// forceDeleteAll deletes every container left in the runtime's root.
func (iv invoker) forceDeleteAll(r *runtimeCLI) {
	entries, err := os.ReadDir(r.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		iv.run(r.argv(r.wrap, "delete", "--force", e.Name()))
	}
}

// versionLine is the first line of `--version`.
func (iv invoker) versionLine(r *runtimeCLI) string {
	res := iv.run(append(append([]string{}, r.wrap...), r.bin, "--version"))
	if res.err != nil {
		return "unknown"
	}
	return strings.TrimSpace(strings.SplitN(res.stdout, "\n", 2)[0])
}

// binarySize is the size of bin and, for a dynamic binary, of bin plus the
// shared libraries ldd resolves (what has to be mapped at every start).
func binarySize(bin string) (self, withLibs int64, libs int, err error) {
	st, err := os.Stat(bin)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("stat %s: %w", bin, err)
	}
	self, withLibs = st.Size(), st.Size()
	out, lerr := exec.Command("ldd", bin).Output()
	if lerr != nil { // static: "not a dynamic executable", exit 1
		return self, withLibs, 0, nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		var p string
		switch {
		case len(f) >= 3 && f[1] == "=>":
			p = f[2]
		case len(f) >= 1 && filepath.IsAbs(f[0]):
			p = f[0]
		}
		if p == "" {
			continue
		}
		if ls, e := os.Stat(p); e == nil {
			withLibs += ls.Size()
			libs++
		}
	}
	return self, withLibs, libs, nil
}

// lookBin resolves a runtime binary or says which one is missing.
func lookBin(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("runtime %s not found: %w", name, err)
	}
	return p, nil
}
