package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/brigrt/brig/cgroups"
)

// errNoCgroup: the state has no cgroup paths (e.g. rootless without a
// delegated cgroup), so there is nothing to freeze, update or read.
var errNoCgroup = errors.New("container has no cgroup")

// resumeTimeout bounds the wait for a thawed cgroup to report so.
const resumeTimeout = 2 * time.Second

// oomSettle is how long a v1 OOM notification waits for the kill counter.
const oomSettle = 100 * time.Millisecond

func (c *Container) mustCgroup() (cgroups.Manager, error) {
	m := c.cgroup()
	if m == nil {
		return nil, fmt.Errorf("container %q: %w", c.p.ID, errNoCgroup)
	}
	return m, nil
}

// freezer checks that the container is in the state op needs and returns
// its cgroup with the freeze lock held exclusively (see lockFreeze).
func (c *Container) freezer(op string, want Status) (cgroups.Manager, func(), error) {
	if st := c.status(); st != want {
		return nil, nil, &StateError{ID: c.p.ID, Status: st, Op: op}
	}
	m, err := c.mustCgroup()
	if err != nil {
		return nil, nil, err
	}
	release, err := c.lockFreeze(true)
	if err != nil {
		return nil, nil, err
	}
	return m, release, nil
}

// Pause freezes every process of a running container and returns once the
// cgroup reports frozen.
func (c *Container) Pause() error {
	m, release, err := c.freezer("pause", Running)
	if err != nil {
		return err
	}
	defer release()
	if err := m.Freeze(); err != nil {
		return fmt.Errorf("pause container %q: %w", c.p.ID, err)
	}
	return nil
}

// Resume thaws a paused container and waits until the cgroup no longer
// reports frozen (v2 only starts thawing on the write).
func (c *Container) Resume() error {
	m, release, err := c.freezer("resume", Paused)
	if err != nil {
		return err
	}
	defer release()
	if err := m.Thaw(); err != nil {
		return fmt.Errorf("resume container %q: %w", c.p.ID, err)
	}
	deadline := time.Now().Add(resumeTimeout)
	for {
		frozen, err := m.Frozen()
		if err != nil {
			return fmt.Errorf("resume container %q: %w", c.p.ID, err)
		}
		if !frozen {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("resume container %q: still frozen after %v (is an ancestor cgroup frozen?)", c.p.ID, resumeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Update applies the changes in r (nil fields: unchanged) to the cgroup of
// a created, running or paused container, and records the merged result in
// the saved spec, so that later updates see the current values (cpu.max
// and memory.swap.max on v2 need both halves of a pair).
func (c *Container) Update(r *specs.LinuxResources) error {
	if st := c.status(); st == Stopped || st == Creating {
		return &StateError{ID: c.p.ID, Status: st, Op: "update"}
	}
	m, err := c.mustCgroup()
	if err != nil {
		return err
	}
	if c.Spec() == nil {
		return fmt.Errorf("update container %q: saved config is unreadable", c.p.ID)
	}
	if c.p.Spec.Linux == nil {
		c.p.Spec.Linux = &specs.Linux{}
	}
	merged, apply := MergeResources(c.p.Spec.Linux.Resources, r)
	if err := m.Update(apply); err != nil {
		return fmt.Errorf("update container %q: %w", c.p.ID, err)
	}
	c.p.Spec.Linux.Resources = merged
	if err := c.saveSpec(); err != nil {
		return fmt.Errorf("update container %q: write state: %w", c.p.ID, err)
	}
	return nil
}

// MergeResources folds the update r into the current resources cur. It
// returns the new resources to persist and what to hand to
// cgroups.Manager.Update. Like runc update, only memory, cpu, pids,
// blockIO weight and unified are taken from r; device rules are never
// touched. Interdependent pairs are applied whole: cpu quota+period, and
// memory limit+swap. cur is not modified.
func MergeResources(cur, r *specs.LinuxResources) (merged, apply *specs.LinuxResources) {
	merged = cloneResources(cur)
	apply = &specs.LinuxResources{}
	if r == nil {
		return merged, apply
	}
	if mem := r.Memory; mem != nil {
		if merged.Memory == nil {
			merged.Memory = &specs.LinuxMemory{}
		}
		mm := merged.Memory
		am := &specs.LinuxMemory{}
		swap := mem.Swap
		// runc: unlimited memory without an explicit swap means unlimited swap too.
		if mem.Limit != nil && *mem.Limit == -1 && swap == nil {
			swap = ptr(int64(-1))
		}
		if mem.Limit != nil {
			mm.Limit = ptr(*mem.Limit)
		}
		if swap != nil {
			mm.Swap = ptr(*swap)
		}
		if mem.Limit != nil || swap != nil {
			am.Limit, am.Swap = copyPtr(mm.Limit), copyPtr(mm.Swap)
		}
		if mem.Reservation != nil {
			mm.Reservation = ptr(*mem.Reservation)
			am.Reservation = ptr(*mem.Reservation)
		}
		// An update-time check, not a setting: applied, not persisted.
		am.CheckBeforeUpdate = copyPtr(mem.CheckBeforeUpdate)
		apply.Memory = am
	}
	if cpu := r.CPU; cpu != nil {
		if merged.CPU == nil {
			merged.CPU = &specs.LinuxCPU{}
		}
		mc := merged.CPU
		ac := &specs.LinuxCPU{}
		set64 := func(src *int64, dst, app **int64) {
			if src != nil {
				*dst, *app = ptr(*src), ptr(*src)
			}
		}
		setU := func(src *uint64, dst, app **uint64) {
			if src != nil {
				*dst, *app = ptr(*src), ptr(*src)
			}
		}
		setU(cpu.Shares, &mc.Shares, &ac.Shares)
		setU(cpu.Burst, &mc.Burst, &ac.Burst)
		setU(cpu.RealtimePeriod, &mc.RealtimePeriod, &ac.RealtimePeriod)
		set64(cpu.RealtimeRuntime, &mc.RealtimeRuntime, &ac.RealtimeRuntime)
		set64(cpu.Idle, &mc.Idle, &ac.Idle)
		if cpu.Quota != nil {
			mc.Quota = ptr(*cpu.Quota)
		}
		if cpu.Period != nil {
			mc.Period = ptr(*cpu.Period)
		}
		if cpu.Quota != nil || cpu.Period != nil {
			ac.Quota, ac.Period = copyPtr(mc.Quota), copyPtr(mc.Period)
		}
		if cpu.Cpus != "" {
			mc.Cpus, ac.Cpus = cpu.Cpus, cpu.Cpus
		}
		if cpu.Mems != "" {
			mc.Mems, ac.Mems = cpu.Mems, cpu.Mems
		}
		apply.CPU = ac
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		merged.Pids = &specs.LinuxPids{Limit: ptr(*r.Pids.Limit)}
		apply.Pids = &specs.LinuxPids{Limit: ptr(*r.Pids.Limit)}
	}
	if r.BlockIO != nil && r.BlockIO.Weight != nil {
		if merged.BlockIO == nil {
			merged.BlockIO = &specs.LinuxBlockIO{}
		}
		merged.BlockIO.Weight = ptr(*r.BlockIO.Weight)
		apply.BlockIO = &specs.LinuxBlockIO{Weight: ptr(*r.BlockIO.Weight)}
	}
	if len(r.Unified) > 0 {
		if merged.Unified == nil {
			merged.Unified = map[string]string{}
		}
		apply.Unified = map[string]string{}
		for k, v := range r.Unified {
			merged.Unified[k] = v
			apply.Unified[k] = v
		}
	}
	return merged, apply
}

func ptr[T any](v T) *T { return &v }

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneResources deep-copies the sections MergeResources changes; the rest
// (devices, hugepages, network, rdma) is shared, which is fine: it is only
// read and persisted.
func cloneResources(r *specs.LinuxResources) *specs.LinuxResources {
	if r == nil {
		return &specs.LinuxResources{}
	}
	out := *r
	if r.Memory != nil {
		m := *r.Memory
		out.Memory = &m
	}
	if r.CPU != nil {
		c := *r.CPU
		out.CPU = &c
	}
	if r.Pids != nil {
		p := *r.Pids
		out.Pids = &p
	}
	if r.BlockIO != nil {
		b := *r.BlockIO
		out.BlockIO = &b
	}
	if r.Unified != nil {
		out.Unified = make(map[string]string, len(r.Unified))
		for k, v := range r.Unified {
			out.Unified[k] = v
		}
	}
	return &out
}

// Stats reads the cgroup statistics of a container that is not stopped.
func (c *Container) Stats() (*cgroups.Stats, error) {
	if st := c.status(); st == Stopped || st == Creating {
		return nil, &StateError{ID: c.p.ID, Status: st, Op: "read stats of"}
	}
	m, err := c.mustCgroup()
	if err != nil {
		return nil, err
	}
	s, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %q: %w", c.p.ID, err)
	}
	return s, nil
}

// Processes lists the host pids of every process in the container's
// cgroup (empty, not an error, once the cgroup is gone).
func (c *Container) Processes() ([]int, error) {
	m, err := c.mustCgroup()
	if err != nil {
		return nil, err
	}
	pids, err := m.Pids()
	if err != nil {
		return nil, fmt.Errorf("processes of container %q: %w", c.p.ID, err)
	}
	if pids == nil {
		pids = []int{}
	}
	return pids, nil
}

// OOMNotifier reports out-of-memory events in a container's memory cgroup.
// C receives one value per event and is closed when the cgroup is removed
// or the notifier is closed.
type OOMNotifier struct {
	C <-chan struct{}

	f       *os.File // eventfd (v1) or inotify (v2)
	dir     string
	v2      bool
	mu      sync.Mutex
	last    oomCount
	closeMu sync.Once
}

// oomCount is the pair of counters an OOM moves: v2 memory.events "oom" and
// "oom_kill"; v1 memory.oom_control has only oom_kill (kernel 4.13+).
type oomCount struct{ oom, kill uint64 }

func (a oomCount) after(b oomCount) bool { return a.oom > b.oom || a.kill > b.kill }

// NotifyOOM watches the container's memory cgroup: on v1 an eventfd
// registered for memory.oom_control through cgroup.event_control, on v2
// inotify on memory.events (the kernel signals modifications of it).
func (c *Container) NotifyOOM() (*OOMNotifier, error) {
	m, err := c.mustCgroup()
	if err != nil {
		return nil, err
	}
	paths := m.Paths()
	n := &OOMNotifier{}
	if cgroups.Mode() == cgroups.Unified {
		n.dir, n.v2 = paths[""], true
	} else {
		n.dir = paths["memory"]
	}
	if n.dir == "" {
		return nil, fmt.Errorf("container %q: no memory cgroup to watch for OOM events", c.p.ID)
	}
	if n.last, err = n.read(); err != nil {
		return nil, err
	}
	if n.v2 {
		err = n.watchV2()
	} else {
		err = n.watchV1()
	}
	if err != nil {
		return nil, err
	}
	ch := make(chan struct{}, 16)
	n.C = ch
	go n.loop(ch)
	return n, nil
}

func (n *OOMNotifier) read() (oomCount, error) {
	file := "memory.oom_control"
	if n.v2 {
		file = "memory.events"
	}
	data, err := os.ReadFile(filepath.Join(n.dir, file))
	if err != nil {
		return oomCount{}, fmt.Errorf("oom events: %w", err)
	}
	var c oomCount
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		val, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "oom":
			c.oom = val
		case "oom_kill":
			c.kill = val
		}
	}
	return c, nil
}

func (n *OOMNotifier) watchV1() error {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("oom events: eventfd: %w", err)
	}
	n.f = os.NewFile(uintptr(efd), "oom-eventfd")
	ctl, err := os.Open(filepath.Join(n.dir, "memory.oom_control"))
	if err != nil {
		n.f.Close()
		return fmt.Errorf("oom events: %w", err)
	}
	defer ctl.Close() // the kernel keeps its own reference once registered
	reg := fmt.Sprintf("%d %d", efd, ctl.Fd())
	if err := os.WriteFile(filepath.Join(n.dir, "cgroup.event_control"), []byte(reg), 0); err != nil {
		n.f.Close()
		return fmt.Errorf("oom events: register eventfd: %w", err)
	}
	return nil
}

func (n *OOMNotifier) watchV2() error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("oom events: inotify: %w", err)
	}
	n.f = os.NewFile(uintptr(fd), "oom-inotify")
	if _, err := unix.InotifyAddWatch(fd, filepath.Join(n.dir, "memory.events"), unix.IN_MODIFY); err != nil {
		n.f.Close()
		return fmt.Errorf("oom events: watch memory.events: %w", err)
	}
	return nil
}

// loop turns wake-ups into events. v1's eventfd also fires when the cgroup
// is removed, and inotify then reports IN_IGNORED: both end the loop.
func (n *OOMNotifier) loop(ch chan<- struct{}) {
	defer close(ch)
	buf := make([]byte, 4096)
	for {
		nr, err := n.f.Read(buf)
		if err != nil {
			return
		}
		if n.v2 && inotifyIgnored(buf[:nr]) {
			return
		}
		n.mu.Lock()
		prev := n.last
		n.mu.Unlock()
		cur, err := n.read()
		if err != nil {
			return // cgroup gone
		}
		if !n.v2 {
			// The eventfd fires when the cgroup hits OOM, before the
			// killer has counted its kill: wait a little for the counter,
			// so that Check does not report the same OOM again.
			for deadline := time.Now().Add(oomSettle); !cur.after(prev) && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
				if cur, err = n.read(); err != nil {
					return
				}
			}
		}
		n.mu.Lock()
		// v1: every eventfd wake-up is an OOM (no kill is counted when the
		// OOM killer is disabled); v2: only counter changes are.
		fire := !n.v2 || cur.after(n.last)
		if cur.after(n.last) {
			n.last = cur
		}
		n.mu.Unlock()
		if fire {
			select {
			case ch <- struct{}{}:
			default: // the reader is behind; events are not queued forever
			}
		}
	}
}

func inotifyIgnored(b []byte) bool {
	// struct inotify_event: int wd; u32 mask, cookie, len; char name[len].
	for len(b) >= unix.SizeofInotifyEvent {
		mask := binary.NativeEndian.Uint32(b[4:8])
		nameLen := int(binary.NativeEndian.Uint32(b[12:16]))
		if mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF) != 0 {
			return true
		}
		if len(b) < unix.SizeofInotifyEvent+nameLen {
			break
		}
		b = b[unix.SizeofInotifyEvent+nameLen:]
	}
	return false
}

// Check reports an OOM kill counted since the last event, for the final
// look after the container has stopped (a wake-up may still be in flight).
func (n *OOMNotifier) Check() bool {
	cur, err := n.read()
	if err != nil {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if cur.after(n.last) {
		n.last = cur
		return true
	}
	return false
}

// Close stops watching; C is closed soon after.
func (n *OOMNotifier) Close() error {
	var err error
	n.closeMu.Do(func() { err = n.f.Close() })
	return err
}
