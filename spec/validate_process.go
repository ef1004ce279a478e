package spec

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (v *validator) process() error {
	p := v.s.Process
	if p == nil {
		// The spec makes process optional (for `create` only); brig
		// always creates a process, so it requires one.
		return fieldErr("process", "must be set")
	}
	if len(p.Args) == 0 {
		return fieldErr("process.args", "must not be empty")
	}
	for i, a := range p.Args {
		if err := noNUL(idx("process.args", i), a); err != nil {
			return err
		}
	}
	if p.Cwd == "" {
		return fieldErr("process.cwd", "must be set")
	}
	if !filepath.IsAbs(p.Cwd) {
		return fieldErr("process.cwd", "%q must be an absolute path", p.Cwd)
	}
	if err := noNUL("process.cwd", p.Cwd); err != nil {
		return err
	}
	if err := checkEnv("process.env", p.Env); err != nil {
		return err
	}
	if p.User.Umask != nil && *p.User.Umask > 0o777 {
		return fieldErr("process.user.umask", "%#o is out of range [0, 0777]", *p.User.Umask)
	}
	checks := []func(*specs.Process) error{
		checkCapabilities, checkRlimits, checkOOMScoreAdj,
		checkScheduler, checkIOPriority, checkCPUAffinity,
	}
	for _, c := range checks {
		if err := c(p); err != nil {
			return err
		}
	}
	if p.SelinuxLabel != "" && !selinuxEnabled() {
		return fieldErr("process.selinuxLabel", "SELinux is not enabled on this host")
	}
	return nil
}

func checkCapabilities(p *specs.Process) error {
	c := p.Capabilities
	if c == nil {
		return nil
	}
	sets := []struct {
		name string
		caps []string
	}{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"inheritable", c.Inheritable},
		{"permitted", c.Permitted},
		{"ambient", c.Ambient},
	}
	for _, set := range sets {
		for _, name := range set.caps {
			if _, ok := CapabilityValue(name); !ok {
				return fieldErr("process.capabilities."+set.name, "unknown capability %q", name)
			}
		}
	}
	return nil
}

func checkRlimits(p *specs.Process) error {
	seen := make(map[string]bool, len(p.Rlimits))
	for i, r := range p.Rlimits {
		f := idx("process.rlimits", i)
		if _, ok := RlimitResource(r.Type); !ok {
			return fieldErr(f+".type", "unknown rlimit %q", r.Type)
		}
		if seen[r.Type] {
			return fieldErr(f+".type", "duplicate rlimit %q", r.Type)
		}
		seen[r.Type] = true
		if r.Soft > r.Hard {
			return fieldErr(f, "soft limit %d is greater than hard limit %d", r.Soft, r.Hard)
		}
	}
	return nil
}

func checkOOMScoreAdj(p *specs.Process) error {
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return fieldErr("process.oomScoreAdj", "%d is out of range [-1000, 1000]", *p.OOMScoreAdj)
	}
	return nil
}

var schedPolicies = map[specs.LinuxSchedulerPolicy]bool{
	specs.SchedOther: true, specs.SchedFIFO: true, specs.SchedRR: true,
	specs.SchedBatch: true, specs.SchedISO: true, specs.SchedIdle: true,
	specs.SchedDeadline: true,
}

var schedFlags = map[specs.LinuxSchedulerFlag]bool{
	specs.SchedFlagResetOnFork: true, specs.SchedFlagReclaim: true,
	specs.SchedFlagDLOverrun: true, specs.SchedFlagKeepPolicy: true,
	specs.SchedFlagKeepParams: true, specs.SchedFlagUtilClampMin: true,
	specs.SchedFlagUtilClampMax: true,
}

// checkScheduler follows sched_setattr(2) (and runc's validator).
func checkScheduler(p *specs.Process) error {
	s := p.Scheduler
	if s == nil {
		return nil
	}
	const f = "process.scheduler"
	if s.Policy == "" {
		return fieldErr(f+".policy", "must be set")
	}
	if !schedPolicies[s.Policy] {
		return fieldErr(f+".policy", "unknown scheduling policy %q", s.Policy)
	}
	if s.Nice < -20 || s.Nice > 19 {
		return fieldErr(f+".nice", "%d is out of range [-20, 19]", s.Nice)
	}
	rt := s.Policy == specs.SchedFIFO || s.Policy == specs.SchedRR
	if rt && (s.Priority < 1 || s.Priority > 99) {
		return fieldErr(f+".priority", "%d is out of range [1, 99] for %s", s.Priority, s.Policy)
	}
	if !rt && s.Priority != 0 {
		return fieldErr(f+".priority", "only valid for SCHED_FIFO and SCHED_RR")
	}
	if s.Policy != specs.SchedDeadline && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0) {
		return fieldErr(f, "runtime, deadline and period are only valid for SCHED_DEADLINE")
	}
	for i, fl := range s.Flags {
		if !schedFlags[fl] {
			return fieldErr(idx(f+".flags", i), "unknown scheduler flag %q", fl)
		}
	}
	return nil
}

func checkIOPriority(p *specs.Process) error {
	io := p.IOPriority
	if io == nil {
		return nil
	}
	switch io.Class {
	case specs.IOPRIO_CLASS_RT, specs.IOPRIO_CLASS_BE, specs.IOPRIO_CLASS_IDLE:
	default:
		return fieldErr("process.ioPriority.class", "unknown I/O priority class %q", io.Class)
	}
	if io.Priority < 0 || io.Priority > 7 {
		return fieldErr("process.ioPriority.priority", "%d is out of range [0, 7]", io.Priority)
	}
	return nil
}

func checkCPUAffinity(p *specs.Process) error {
	a := p.ExecCPUAffinity
	if a == nil {
		return nil
	}
	if err := checkCPUList(a.Initial); err != nil {
		return fieldErr("process.execCPUAffinity.initial", "%q: %v", a.Initial, err)
	}
	if err := checkCPUList(a.Final); err != nil {
		return fieldErr("process.execCPUAffinity.final", "%q: %v", a.Final, err)
	}
	return nil
}

// checkCPUList checks the kernel's list format ("0-3,7,9-10"); empty means
// unset.
func checkCPUList(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return errCPUList
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a {
				return errCPUList
			}
		}
	}
	return nil
}

var errCPUList = errors.New(`not a list like "0-3,7"`)
