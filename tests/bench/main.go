// Command bench times brig against runc and crun: run, create/start/delete,
// exec, 100 sequential and 20 parallel runs, the smallest memory limit a
// container runs under, the runtimes' peak memory while creating 100
// containers at once, binary sizes and RSS. Runtimes are interleaved
// (A B C A B C ...) so that machine drift hits all of them alike.
//
// It is started by tests/bench/run.sh (make bench), which builds brig, the
// benchexec helper and a busybox bundle. See docs/performance.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	dir := flag.String("dir", "", "work directory (bundles, scratch files); required")
	stateDir := flag.String("state", "", "directory for the runtimes' --root dirs (default: DIR); run.sh puts it on tmpfs, like /run on most hosts")
	baseBundle := flag.String("base", "", "busybox bundle made by scripts/mkbundle.sh (default DIR/base)")
	brigBin := flag.String("brig", envStr("BRIG_BINARY", "bin/brig"), "brig binary")
	helper := flag.String("helper", "", "benchexec binary (tests/bench/benchexec); empty: shell wrappers, no peak-memory measure")
	n := flag.Int("n", envInt("BENCH_N", 30), "iterations of each per-operation measure (BENCH_N)")
	rounds := flag.Int("rounds", envInt("BENCH_ROUNDS", 3), "rounds of the sequential/parallel measures (BENCH_ROUNDS)")
	peakRounds := flag.Int("peak-rounds", envInt("BENCH_PEAK_ROUNDS", 2), "rounds of the peak-memory measure (BENCH_PEAK_ROUNDS)")
	rtList := flag.String("runtimes", envStr("BENCH_RUNTIMES", "brig,runc,crun"), "runtimes to compare (BENCH_RUNTIMES)")
	only := flag.String("only", envStr("BENCH_ONLY", ""), "comma-separated measures to run (BENCH_ONLY): base,run,lifecycle,exec,seq,par,mem,peak,size")
	gapMS := flag.Int("gap-ms", envInt("BENCH_GAP_MS", 0), "idle time before each timed run/create/start/delete/exec (BENCH_GAP_MS)")
	phases := flag.String("phases", "", "only summarize the phase timings in this brig --debug log and exit")
	flag.Parse()
	if *phases != "" {
		return phasesMain(*phases)
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("must run as root")
	}
	if *baseBundle == "" {
		*baseBundle = filepath.Join(*dir, "base")
	}
	brig, err := filepath.Abs(*brigBin)
	if err != nil {
		return fmt.Errorf("brig path: %w", err)
	}

	// The cgroup parent is unique to this process, so cleanup removes
	// exactly what this benchmark created.
	cgParent := fmt.Sprintf("/brig-bench-%d", os.Getpid())
	bd, err := loadBundles(*baseBundle, filepath.Join(*dir, "bundles"), cgParent)
	if err != nil {
		return err
	}
	tmp := filepath.Join(*dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("tmp dir: %w", err)
	}

	if *stateDir == "" {
		*stateDir = *dir
	}
	rts, err := makeRuntimes(strings.Split(*rtList, ","), brig, *helper, *stateDir)
	if err != nil {
		return err
	}
	b := &bench{
		iv:        invoker{tmpDir: tmp},
		rts:       rts,
		bundles:   bd,
		helper:    *helper,
		n:         *n,
		rounds:    *rounds,
		seq:       100,
		par:       20,
		peakN:     100,
		peakRnds:  *peakRounds,
		memLowKiB: int64(envInt("BENCH_MEM_LOW_KIB", 128)),
		gap:       time.Duration(*gapMS) * time.Millisecond,
		log: func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "# "+format+"\n", args...)
		},
	}
	defer cleanup(b)
	// On ^C or kill, still remove the containers and cgroups made so far.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		b.log("%v: cleaning up", s)
		cleanup(b)
		os.Exit(130)
	}()

	names := make([]string, len(rts))
	for i, r := range rts {
		r.version = b.iv.versionLine(r)
		names[i] = r.name
	}
	printHeader(b, *stateDir)

	want := map[string]bool{}
	for _, m := range strings.Split(*only, ",") {
		if m = strings.TrimSpace(m); m != "" {
			want[m] = true
		}
	}
	steps := []struct {
		name string
		fn   func()
	}{
		{"base", b.baselines},
		{"run", b.runTrue},
		{"lifecycle", b.lifecycle},
		{"exec", b.execTrue},
		{"seq", b.sequential},
		{"par", b.parallel},
		{"mem", b.minMemory},
		{"peak", b.peakMemory},
		{"size", b.sizes},
	}
	for _, s := range steps {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		t := time.Now()
		b.log("measuring %s ...", s.name)
		s.fn()
		b.log("%s done in %.1fs", s.name, time.Since(t).Seconds())
	}

	fmt.Println()
	printTable(os.Stdout, append(b.rows, b.rssRows...), names)
	fmt.Println()
	fmt.Println("median [min max] of the samples; ratios are of the medians; FAIL:n = failed samples (not counted).")
	fmt.Printf("load average at end: %s (other work on the host makes the numbers noisy)\n", loadAvg())
	printTargets(b)
	return nil
}

// makeRuntimes sets up the runtimes to compare. crun 1.8 rejects
// ociVersion 1.3.0, so runc and crun get configs with 1.0.2 (runc 1.1 would
// accept it, but both get the same content); brig gets the base config's.
func makeRuntimes(names []string, brig, helper, dir string) ([]*runtimeCLI, error) {
	var rts []*runtimeCLI
	for _, name := range names {
		name = strings.TrimSpace(name)
		r := &runtimeCLI{name: name, root: filepath.Join(dir, "root-"+name)}
		var err error
		switch name {
		case "brig":
			r.bin = brig
		case "runc":
			r.bin, err = lookBin(envStr("RUNC", "runc"))
			r.ociVersion = "1.0.2"
		case "crun":
			r.bin, err = lookBin(envStr("CRUN", "crun"))
			r.ociVersion = "1.0.2"
			if hybridCgroups() {
				if helper != "" {
					r.wrap = []string{helper, "-u", "--"}
				} else {
					r.wrap = []string{"unshare", "-m", "sh", "-c", `umount /sys/fs/cgroup/unified && exec "$0" "$@"`}
				}
			}
		default:
			return nil, fmt.Errorf("unknown runtime %q (want brig, runc or crun)", name)
		}
		if err != nil {
			return nil, err
		}
		wrapU := len(r.wrap) > 0
		r.joinCgroup = func(procs string) []string {
			p := []string{helper, "-c", procs}
			if wrapU {
				p = append(p, "-u")
			}
			return append(p, "--")
		}
		if err := os.MkdirAll(r.root, 0o700); err != nil {
			return nil, fmt.Errorf("root for %s: %w", name, err)
		}
		rts = append(rts, r)
	}
	return rts, nil
}

// fsType names the file system of path (tmpfs or not matters: every create
// makes several files in the runtime's root).
func fsType(path string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "unknown"
	}
	switch st.Type {
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlayfs"
	}
	return fmt.Sprintf("fs 0x%x", st.Type)
}

// loadAvg is the 1, 5 and 15 minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// hybridCgroups: v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified.
func hybridCgroups() bool {
	b, err := os.ReadFile("/proc/self/mounts")
	return err == nil && strings.Contains(string(b), " /sys/fs/cgroup/unified cgroup2 ")
}

func printHeader(b *bench, stateDir string) {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	fmt.Printf("brig benchmark  %s  kernel %s  %d CPUs  n=%d rounds=%d gap=%s\n",
		time.Now().UTC().Format("2006-01-02 15:04Z"), strings.TrimSpace(string(kernel)), runtime.NumCPU(), b.n, b.rounds, b.gap)
	fmt.Printf("  state (--root) in %s (%s); load average at start: %s\n", stateDir, fsType(stateDir), loadAvg())
	attach := "as it comes (a cgroup move may or may not wait for an RCU grace period)"
	if b.gap > 0 {
		attach = "cold (idle gap before each timed operation)"
	}
	fmt.Printf("  order: interleaved, shuffled per iteration; cgroup attach: %s\n", attach)
	for _, r := range b.rts {
		how := r.bin
		if len(r.wrap) > 0 {
			how = strings.Join(append(append([]string{}, r.wrap...), r.bin), " ")
		}
		fmt.Printf("  %-5s %s: %s\n", r.name, r.version, how)
	}
}

// printTargets checks the targets against the medians.
func printTargets(b *bench) {
	find := func(prefix string) *row {
		for _, r := range append(b.rows, b.rssRows...) {
			if strings.HasPrefix(r.name, prefix) {
				return r
			}
		}
		return nil
	}
	check := func(what string, ok bool, detail string) {
		verdict := "MISS"
		if ok {
			verdict = "ok"
		}
		if strings.Contains(detail, "NaN") {
			verdict, detail = "skip", "not measured"
		}
		fmt.Printf("  %-4s %s: %s\n", verdict, what, detail)
	}
	fmt.Println("targets:")
	// crun runs behind benchexec -u; the ratio to crun without that
	// wrapper's own median is given too.
	wrapper := 0.0
	if r := find("crun wrapper alone"); r != nil {
		wrapper = r.median("crun")
	}
	vsCrun := func(r *row) (float64, string) {
		q := r.median("brig") / r.median("crun")
		s := fmt.Sprintf("%.2fx", q)
		if wrapper > 0 {
			s += fmt.Sprintf(" (%.2fx of crun minus its wrapper's %.2f ms)", r.median("brig")/(r.median("crun")-wrapper), wrapper)
		}
		return q, s
	}
	if r := find("run true"); r != nil {
		q, s := vsCrun(r)
		check("run true <= 0.8x crun", q <= 0.8, s)
	}
	if r := find("exec true"); r != nil {
		if note, ok := r.notes["brig"]; ok {
			fmt.Printf("  skip exec true <= crun: brig: %s\n", note)
		} else {
			q, s := vsCrun(r)
			check("exec true <= crun", q <= 1, s)
		}
	}
	if r := find("smallest memory limit"); r != nil {
		if note, ok := r.notes["brig"]; ok {
			check("smallest memory limit <= 512 KiB", strings.HasPrefix(note, "<="), note+" KiB")
		} else {
			v := r.median("brig")
			check("smallest memory limit <= 512 KiB", v <= 512, fmt.Sprintf("%.0f KiB", v))
		}
	}
	if r := find(fmt.Sprintf("%d parallel create: runtime cgroup peak", b.peakN)); r != nil {
		q := r.median("brig") / r.median("crun")
		check("peak memory of 100 parallel creates <= crun", q <= 1, fmt.Sprintf("%.2fx", q))
	}
}

// cleanup deletes every container left in the runtimes' roots and removes
// the benchmark's cgroup tree (killing what is left in it: only containers
// this run created).
func cleanup(b *bench) {
	for _, r := range b.rts {
		b.iv.forceDeleteAll(r)
	}
	for _, err := range removeCgroupTree(b.bundles.cgroupParent) {
		b.log("cleanup: %v", err)
	}
}
