package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// bench holds what every measure needs.
type bench struct {
	iv        invoker
	rts       []*runtimeCLI
	bundles   *bundles
	helper    string // benchexec, "" if it could not be built
	n         int    // iterations of the per-operation measures
	rounds    int    // rounds of the 100-sequential / 20-parallel measures
	seq, par  int    // runs per sequential / parallel round
	peakN     int    // containers created in parallel for the peak-memory measure
	peakRnds  int
	memLowKiB int64 // lower end of the memory-limit bisection
	// gap is slept before each timed operation of the per-operation
	// measures. Moving a process into a cgroup waits for an RCU grace
	// period (~8 ms here) unless another move happened in the last few
	// milliseconds anywhere on the host; back to back, the runtimes warm
	// that state for each other. A gap of ~100 ms shows the cold cost.
	gap     time.Duration
	rows    []*row
	rssRows []*row // the runtimes' own RSS, printed after the sizes
	log     func(format string, args ...any)
}

// order returns the runtimes in the order of iteration i: interleaved, and
// a fixed pseudo-random permutation per iteration, so that no runtime
// always follows the same one. The kernel shares state between processes
// that favours whoever comes right after another runtime: a cgroup move
// within ~10 ms of the previous one skips an RCU grace period.
func (b *bench) order(rts []*runtimeCLI, i int) []*runtimeCLI {
	out := append([]*runtimeCLI(nil), rts...)
	rng := rand.New(rand.NewPCG(uint64(i), 0x6272696762656e63))
	rng.Shuffle(len(out), func(a, c int) { out[a], out[c] = out[c], out[a] })
	return out
}

func (b *bench) pause() {
	if b.gap > 0 {
		time.Sleep(b.gap)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (b *bench) addRow(r *row) *row {
	b.rows = append(b.rows, r)
	return r
}

// sample records one timed result of rt in r; a failure is counted, logged
// once per row and runtime, and not added to the samples.
func (b *bench) sample(r *row, rt string, res result, v float64) bool {
	if res.err != nil {
		if r.fails[rt] == 0 {
			b.log("%s: %s: %v", r.name, rt, res.err)
		}
		r.fail(rt)
		return false
	}
	r.add(rt, v)
	return true
}

// baselines: what the measuring itself costs, and the runtimes' start-up.
func (b *bench) baselines() {
	trueBin := "/bin/true"
	base := b.addRow(newRow("fork+exec+wait /bin/true (driver floor)", "ms"))
	// The wrapper's own cost, shown under the runtimes that use it.
	var wrap *row
	var wrapped []string
	for _, r := range b.rts {
		if len(r.wrap) > 0 {
			wrapped = append(wrapped, r.name)
		}
	}
	if b.helper != "" && len(wrapped) > 0 {
		wrap = b.addRow(newRow("crun wrapper alone: benchexec -u /bin/true", "ms"))
	}
	ver := b.addRow(newRow("--version", "ms"))
	verRSS := newRow("max RSS of --version", "KiB")
	for i := 0; i < b.n; i++ {
		res := b.iv.run([]string{trueBin})
		b.sample(base, "all", res, ms(res.dur))
		if wrap != nil {
			res = b.iv.run([]string{b.helper, "-u", "--", trueBin})
			b.sample(wrap, "all", res, ms(res.dur))
		}
		for _, r := range b.order(b.rts, i) {
			res := b.iv.run(append(append([]string{}, r.wrap...), r.bin, "--version"))
			if b.sample(ver, r.name, res, ms(res.dur)) {
				verRSS.add(r.name, float64(res.maxRSS))
			}
		}
	}
	// The driver floor is the same for all; show it in every column.
	for _, r := range b.rts {
		base.vals[r.name] = base.vals["all"]
	}
	if wrap != nil {
		for _, name := range wrapped {
			wrap.vals[name] = wrap.vals["all"]
		}
	}
	b.rssRows = append(b.rssRows, verRSS)
}

func (b *bench) id(r *runtimeCLI, tag string, i int) string {
	return fmt.Sprintf("%s-%s-%d", r.name, tag, i)
}

// runTrue: `run` of a container whose process is true.
func (b *bench) runTrue() {
	row := b.addRow(newRow("run true", "ms"))
	rss := newRow("max RSS of run (runtime + reaped children)", "KiB")
	for i := 0; i < b.n; i++ {
		for _, r := range b.order(b.rts, i) {
			id := b.id(r, "run", i)
			bundle, err := b.bundles.write(r, id, spec{})
			if err != nil {
				b.log("%v", err)
				row.fail(r.name)
				continue
			}
			b.pause()
			res := b.iv.run(r.argv(r.wrap, "run", "--bundle", bundle, id))
			if b.sample(row, r.name, res, ms(res.dur)) {
				rss.add(r.name, float64(res.maxRSS))
			} else {
				b.iv.run(r.argv(r.wrap, "delete", "--force", id))
			}
		}
	}
	b.rssRows = append(b.rssRows, rss)
}

// lifecycle: create, start and delete timed separately. The wait for the
// container to stop between start and delete is not timed.
func (b *bench) lifecycle() {
	cr := b.addRow(newRow("create", "ms"))
	st := b.addRow(newRow("start", "ms"))
	de := b.addRow(newRow("delete (stopped)", "ms"))
	sum := b.addRow(newRow("create+start+delete", "ms"))
	rss := newRow("max RSS of create", "KiB")
	for i := 0; i < b.n; i++ {
		for _, r := range b.order(b.rts, i) {
			id := b.id(r, "csd", i)
			bundle, err := b.bundles.write(r, id, spec{})
			if err != nil {
				b.log("%v", err)
				cr.fail(r.name)
				continue
			}
			b.pause()
			c := b.iv.run(r.argv(r.wrap, "create", "--bundle", bundle, id))
			if !b.sample(cr, r.name, c, ms(c.dur)) {
				b.iv.run(r.argv(r.wrap, "delete", "--force", id))
				continue
			}
			rss.add(r.name, float64(c.maxRSS))
			b.pause()
			s := b.iv.run(r.argv(r.wrap, "start", id))
			if !b.sample(st, r.name, s, ms(s.dur)) {
				b.iv.run(r.argv(r.wrap, "delete", "--force", id))
				continue
			}
			if err := b.iv.waitStopped(r, id); err != nil {
				b.log("%v", err)
			}
			b.pause()
			d := b.iv.run(r.argv(r.wrap, "delete", id))
			if !b.sample(de, r.name, d, ms(d.dur)) {
				b.iv.run(r.argv(r.wrap, "delete", "--force", id))
				continue
			}
			sum.add(r.name, ms(c.dur+s.dur+d.dur))
		}
	}
	b.rssRows = append(b.rssRows, rss)
}

// execTrue: `exec true` into a running container (process: sleep). A
// runtime without an exec command is skipped with a note, and picked up
// automatically once its --help lists exec.
func (b *bench) execTrue() {
	row := b.addRow(newRow("exec true", "ms"))
	var ready []*runtimeCLI
	for _, r := range b.rts {
		if !b.iv.supports(r, "exec") {
			b.log("%s: exec not supported yet", r.name)
			row.notes[r.name] = "exec not supported yet"
			continue
		}
		id := b.id(r, "exec", 0)
		bundle, err := b.bundles.write(r, id, spec{args: []string{"sleep", "1000000"}})
		if err == nil {
			if res := b.iv.run(r.argv(r.wrap, "create", "--bundle", bundle, id)); res.err != nil {
				err = res.err
			} else if res := b.iv.run(r.argv(r.wrap, "start", id)); res.err != nil {
				err = res.err
			}
		}
		if err != nil {
			b.log("exec true: %s: container setup: %v", r.name, err)
			row.notes[r.name] = "setup failed"
			b.iv.run(r.argv(r.wrap, "delete", "--force", id))
			continue
		}
		ready = append(ready, r)
	}
	for i := 0; i < b.n; i++ {
		for _, r := range b.order(ready, i) {
			b.pause()
			res := b.iv.run(r.argv(r.wrap, "exec", b.id(r, "exec", 0), "true"))
			b.sample(row, r.name, res, ms(res.dur))
		}
	}
	for _, r := range ready {
		id := b.id(r, "exec", 0)
		b.iv.run(r.argv(r.wrap, "kill", id, "KILL"))
		b.iv.run(r.argv(r.wrap, "delete", "--force", id))
	}
}

// sequential: b.seq `run true` back to back, total wall time per round;
// rounds alternate between the runtimes.
func (b *bench) sequential() {
	row := b.addRow(newRow(fmt.Sprintf("%d sequential run true, total", b.seq), "s"))
	for round := 0; round < b.rounds; round++ {
		for _, r := range b.order(b.rts, round) {
			paths := make([]string, b.seq)
			for i := range paths {
				var err error
				if paths[i], err = b.bundles.write(r, b.id(r, fmt.Sprintf("seq%d", round), i), spec{}); err != nil {
					b.log("%v", err)
				}
			}
			var total time.Duration
			failed := false
			for i, p := range paths {
				id := b.id(r, fmt.Sprintf("seq%d", round), i)
				res := b.iv.run(r.argv(r.wrap, "run", "--bundle", p, id))
				total += res.dur
				if res.err != nil {
					if !failed {
						b.log("%s: %s: %v", row.name, r.name, res.err)
					}
					failed = true
					b.iv.run(r.argv(r.wrap, "delete", "--force", id))
				}
			}
			if failed {
				row.fail(r.name)
				continue
			}
			row.add(r.name, total.Seconds())
		}
	}
}

// parallel: b.par `run true` started at once; the wall time from the first
// fork to the last wait, per round.
func (b *bench) parallel() {
	row := b.addRow(newRow(fmt.Sprintf("%d parallel run true, wall", b.par), "s"))
	lat := b.addRow(newRow(fmt.Sprintf("%d parallel run true, per run", b.par), "ms"))
	for round := 0; round < b.rounds; round++ {
		for _, r := range b.order(b.rts, round) {
			ids := make([]string, b.par)
			paths := make([]string, b.par)
			for i := range ids {
				ids[i] = b.id(r, fmt.Sprintf("par%d", round), i)
				var err error
				if paths[i], err = b.bundles.write(r, ids[i], spec{}); err != nil {
					b.log("%v", err)
				}
			}
			results := make([]result, b.par)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = b.iv.run(r.argv(r.wrap, "run", "--bundle", paths[i], ids[i]))
				}()
			}
			wg.Wait()
			wall := time.Since(start)
			failed := false
			for i, res := range results {
				if b.sample(lat, r.name, res, ms(res.dur)) {
					continue
				}
				failed = true
				b.iv.run(r.argv(r.wrap, "delete", "--force", ids[i]))
			}
			if failed {
				row.fail(r.name)
				continue
			}
			row.add(r.name, wall.Seconds())
		}
	}
}

// minMemory bisects the smallest linux.resources.memory.limit under which
// `run true` succeeds (twice in a row), between b.memLowKiB (128 KiB by
// default) and 64 MiB, to 4 KiB.
func (b *bench) minMemory() {
	const (
		page = 4 << 10
		hiKB = 64 << 10
	)
	lowKB := b.memLowKiB
	row := b.addRow(newRow("smallest memory limit for run true", "KiB"))
	row.single = true
	for _, r := range b.rts {
		try := 0
		ok := func(limit int64) bool {
			for k := 0; k < 2; k++ {
				try++
				id := b.id(r, "mem", try)
				bundle, err := b.bundles.write(r, id, spec{memLimit: limit})
				if err != nil {
					b.log("%v", err)
					return false
				}
				res := b.iv.run(r.argv(r.wrap, "run", "--bundle", bundle, id))
				if res.err != nil {
					b.iv.run(r.argv(r.wrap, "delete", "--force", id))
					return false
				}
			}
			return true
		}
		lo, hi := int64(lowKB<<10), int64(hiKB<<10)
		switch {
		case !ok(hi):
			b.log("memory: %s: run true fails even with %d KiB", r.name, hiKB)
			row.notes[r.name] = fmt.Sprintf("> %d", hiKB)
			continue
		case ok(lo):
			row.notes[r.name] = fmt.Sprintf("<= %d", lowKB)
			continue
		}
		// Invariant: ok(hi), !ok(lo).
		for hi-lo > page {
			mid := (lo + hi) / 2 / page * page
			if mid <= lo {
				mid = lo + page
			}
			if ok(mid) {
				hi = mid
			} else {
				lo = mid
			}
		}
		row.add(r.name, float64(hi>>10))
		b.log("memory: %s: smallest limit %d KiB (%d runs)", r.name, hi>>10, try)
	}
}

// peakMemory creates b.peakN containers at once, every runtime invocation
// starting in a fresh memory cgroup (via benchexec -c), and reports:
//   - that cgroup's peak charge (v1 memory.max_usage_in_bytes, v2
//     memory.peak): all memory charged to the runtime processes, including
//     page cache, kernel memory and the inits until they move into the
//     container cgroups (on v1 the charges made before the move stay);
//   - the peak of the sum of VmRSS and of RssAnon of the processes in that
//     cgroup, sampled every 5 ms;
//   - what the created containers' cgroups hold afterwards (the waiting inits).
func (b *bench) peakMemory() {
	if b.helper == "" {
		b.log("peak memory: skipped: needs benchexec (gcc)")
		return
	}
	memH, v1 := memoryHierarchy()
	title := fmt.Sprintf("%d parallel create: ", b.peakN)
	cgPeak := b.addRow(newRow(title+"runtime cgroup peak", "MiB"))
	rssPeak := b.addRow(newRow(title+"peak sum of VmRSS (sampled)", "MiB"))
	anonPeak := b.addRow(newRow(title+"peak sum of RssAnon (sampled)", "MiB"))
	held := b.addRow(newRow(title+"held by created containers", "MiB"))
	wall := b.addRow(newRow(title+"wall", "s"))
	peakFile, usageFile := "memory.peak", "memory.current"
	if v1 {
		peakFile, usageFile = "memory.max_usage_in_bytes", "memory.usage_in_bytes"
	}
	for round := 0; round < b.peakRnds; round++ {
		for _, r := range b.order(b.rts, round) {
			cg := filepath.Join(memH, b.bundles.cgroupParent, fmt.Sprintf("peak-%s-%d", r.name, round))
			if err := os.MkdirAll(cg, 0o755); err != nil {
				b.log("peak memory: %v", err)
				return
			}
			prefix := r.joinCgroup(filepath.Join(cg, "cgroup.procs"))
			ids := make([]string, b.peakN)
			paths := make([]string, b.peakN)
			for i := range ids {
				ids[i] = b.id(r, fmt.Sprintf("peak%d", round), i)
				var err error
				if paths[i], err = b.bundles.write(r, ids[i], spec{}); err != nil {
					b.log("%v", err)
				}
			}

			stop := make(chan struct{})
			var sampled sync.WaitGroup
			var maxRSS, maxAnon int64
			sampled.Add(1)
			go func() {
				defer sampled.Done()
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					var rss, anon int64
					for _, pid := range cgroupPids(cg) {
						st := procStatusKiB(pid, "VmRSS", "RssAnon")
						rss += st["VmRSS"]
						anon += st["RssAnon"]
					}
					maxRSS, maxAnon = max(maxRSS, rss), max(maxAnon, anon)
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			}()

			results := make([]result, b.peakN)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = b.iv.run(r.argv(prefix, "create", "--bundle", paths[i], ids[i]))
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			close(stop)
			sampled.Wait()

			failed := 0
			for _, res := range results {
				if res.err != nil {
					if failed == 0 {
						b.log("peak memory: %s: %v", r.name, res.err)
					}
					failed++
				}
			}
			peak, err := readInt(filepath.Join(cg, peakFile))
			if err != nil {
				b.log("peak memory: %v", err)
			}
			var inCtr int64
			for _, id := range ids {
				if v, err := readInt(filepath.Join(memH, b.bundles.cgroupParent, id, usageFile)); err == nil {
					inCtr += v
				}
			}
			if failed > 0 {
				for _, rr := range []*row{cgPeak, rssPeak, anonPeak, held, wall} {
					rr.fail(r.name)
				}
			} else {
				cgPeak.add(r.name, float64(peak)/(1<<20))
				rssPeak.add(r.name, float64(maxRSS)/1024)
				anonPeak.add(r.name, float64(maxAnon)/1024)
				held.add(r.name, float64(inCtr)/(1<<20))
				wall.add(r.name, elapsed.Seconds())
			}

			// Clean up (not measured): delete the containers, a few at a time.
			sem := make(chan struct{}, 8)
			for _, id := range ids {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					b.iv.run(r.argv(r.wrap, "delete", "--force", id))
				}()
			}
			wg.Wait()
			if err := rmdirCgroup(cg); err != nil {
				b.log("peak memory: %v", err)
			}
		}
	}
}

// sizes: the binary on disk (and with its shared libraries).
func (b *bench) sizes() {
	self := b.addRow(newRow("binary size", "KiB"))
	all := b.addRow(newRow("binary + shared libs", "KiB"))
	self.single, all.single = true, true
	for _, r := range b.rts {
		s, w, libs, err := binarySize(r.bin)
		if err != nil {
			b.log("%v", err)
			continue
		}
		self.add(r.name, math.Round(float64(s)/1024))
		all.add(r.name, math.Round(float64(w)/1024))
		if libs == 0 {
			all.notes[r.name] = num(math.Round(float64(w)/1024)) + " (static)"
		}
	}
}
