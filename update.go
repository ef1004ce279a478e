package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/brigrt/brig/libcontainer"
)

const updateDescription = `Changes the cgroup limits of a created, running or paused container.

The new values come from --resources (a JSON file in the format of
linux.resources in config.json, or "-" for the standard input) and from
the flags, which override the file. Only what is given changes:

   {
     "memory": {"limit": 0, "reservation": 0, "swap": 0, "checkBeforeUpdate": true},
     "cpu": {"shares": 0, "quota": 0, "burst": 0, "period": 0,
             "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": "", "idle": 0},
     "blockIO": {"weight": 0},
     "pids": {"limit": 0},
     "unified": {}
   }

Memory sizes accept a unit suffix (10m, 1.5G, 512KiB; powers of 1024) and -1
for unlimited. Device rules are never changed by update.`

var updateCommand = &cli.Command{
	Name:        "update",
	Usage:       "update a container's resource limits",
	ArgsUsage:   "<container-id>",
	Description: updateDescription,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: `JSON file with the resources to update, or "-" for stdin`},
		&cli.StringFlag{Name: "blkio-weight", Usage: "block IO weight, 10-1000 (0: unchanged)"},
		&cli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period (µs)"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS quota (µs) per period, -1 for none"},
		&cli.StringFlag{Name: "cpu-burst", Usage: "CPU CFS burst (µs)"},
		&cli.StringFlag{Name: "cpu-share", Aliases: []string{"cpu-shares"}, Usage: "CPU shares (relative weight)"},
		&cli.StringFlag{Name: "cpu-rt-period", Usage: "CPU realtime period (µs), cgroup v1 only"},
		&cli.StringFlag{Name: "cpu-rt-runtime", Usage: "CPU realtime runtime (µs) per period, cgroup v1 only"},
		&cli.StringFlag{Name: "cpu-idle", Usage: "1: SCHED_IDLE for the cgroup, 0: normal"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs to use (e.g. 0-1,3)"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes to use"},
		&cli.StringFlag{Name: "memory", Usage: "memory limit (bytes, or with a unit: 64m), -1 for none"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit (bytes or with a unit)"},
		&cli.StringFlag{Name: "memory-swap", Usage: "memory+swap limit (bytes or with a unit), -1 for unlimited swap"},
		&cli.StringFlag{Name: "kernel-memory", Hidden: true, Usage: "obsolete, ignored"},
		&cli.StringFlag{Name: "kernel-memory-tcp", Hidden: true, Usage: "obsolete, ignored"},
		&cli.StringFlag{Name: "pids-limit", Usage: "maximum number of processes (0: unchanged, -1: none)"},
		&cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT/CAT L3 cache schema (not supported)"},
		&cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT/MBA memory bandwidth schema (not supported)"},
	},
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		r, err := updateResources(c, os.Stdin)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		ct, err := libcontainer.LoadLocked(rootDir(c), id)
		if err != nil {
			return err
		}
		defer ct.Unlock()
		return ct.Update(r)
	},
}

// updateResources reads --resources, then lets every flag that was given
// override it. Nil fields mean "unchanged".
func updateResources(c *cli.Context, stdin io.Reader) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	if in := c.String("resources"); in != "" {
		var src io.Reader = stdin
		if in != "-" {
			f, err := os.Open(in)
			if err != nil {
				return nil, fmt.Errorf("--resources: %w", err)
			}
			defer f.Close()
			src = f
		}
		if err := json.NewDecoder(src).Decode(r); err != nil {
			return nil, fmt.Errorf("--resources %s: parse JSON: %w", in, err)
		}
	}
	for _, opt := range []string{"l3-cache-schema", "mem-bw-schema"} {
		if c.String(opt) != "" {
			return nil, fmt.Errorf("--%s: Intel RDT is not supported by brig", opt)
		}
	}
	for _, opt := range []string{"kernel-memory", "kernel-memory-tcp"} {
		if c.String(opt) != "" {
			logrus.Warnf("--%s is obsolete and ignored", opt)
		}
	}
	if err := applyUpdateFlags(c.String, r); err != nil {
		return nil, err
	}
	return r, nil
}

// applyUpdateFlags sets the fields of r named by non-empty flags; get
// returns a flag's value ("" when not given).
func applyUpdateFlags(get func(string) string, r *specs.LinuxResources) error {
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	if v := get("cpuset-cpus"); v != "" {
		cpu().Cpus = v
	}
	if v := get("cpuset-mems"); v != "" {
		cpu().Mems = v
	}
	uints := []struct {
		opt string
		set func(uint64)
	}{
		{"cpu-period", func(v uint64) { cpu().Period = &v }},
		{"cpu-burst", func(v uint64) { cpu().Burst = &v }},
		{"cpu-share", func(v uint64) { cpu().Shares = &v }},
		{"cpu-rt-period", func(v uint64) { cpu().RealtimePeriod = &v }},
	}
	for _, u := range uints {
		if s := get(u.opt); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return fmt.Errorf("--%s: invalid value %q: want an unsigned integer", u.opt, s)
			}
			u.set(v)
		}
	}
	ints := []struct {
		opt string
		set func(int64)
	}{
		{"cpu-quota", func(v int64) { cpu().Quota = &v }},
		{"cpu-rt-runtime", func(v int64) { cpu().RealtimeRuntime = &v }},
		{"cpu-idle", func(v int64) { cpu().Idle = &v }},
	}
	for _, i := range ints {
		if s := get(i.opt); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("--%s: invalid value %q: want an integer", i.opt, s)
			}
			i.set(v)
		}
	}
	sizes := []struct {
		opt string
		set func(int64)
	}{
		{"memory", func(v int64) { mem().Limit = &v }},
		{"memory-swap", func(v int64) { mem().Swap = &v }},
		{"memory-reservation", func(v int64) { mem().Reservation = &v }},
	}
	for _, sz := range sizes {
		if s := get(sz.opt); s != "" {
			v, err := parseMemSize(s)
			if err != nil {
				return fmt.Errorf("--%s: %w", sz.opt, err)
			}
			sz.set(v)
		}
	}
	// As runc: 0 leaves the pids limit and the blkio weight unchanged.
	if s := get("pids-limit"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("--pids-limit: invalid value %q: want an integer", s)
		}
		if v != 0 {
			r.Pids = &specs.LinuxPids{Limit: &v}
		}
	}
	if s := get("blkio-weight"); s != "" {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return fmt.Errorf("--blkio-weight: invalid value %q: want 10-1000", s)
		}
		if v != 0 {
			w := uint16(v)
			if r.BlockIO == nil {
				r.BlockIO = &specs.LinuxBlockIO{}
			}
			r.BlockIO.Weight = &w
		}
	}
	return nil
}

// parseMemSize reads a memory size as docker's units.RAMInBytes, which runc
// uses: a decimal number, an optional space, an optional unit k/m/g/t/p
// (powers of 1024) optionally followed by "i" and/or "b", any case; "-1" is
// unlimited.
func parseMemSize(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	bad := fmt.Errorf("invalid size %q: want bytes, a size such as 64m or 1.5G, or -1", s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, rest := s[:i], strings.ToLower(s[i:])
	if num == "" || num[0] == '.' || num[len(num)-1] == '.' || strings.Contains(num, "..") {
		return 0, bad
	}
	rest = strings.TrimPrefix(rest, " ")
	mult := 1.0
	if rest != "" {
		if i := strings.IndexByte("kmgtp", rest[0]); i >= 0 {
			mult = float64(uint64(1) << (10 * (i + 1)))
			rest = rest[1:]
			rest = strings.TrimPrefix(rest, "i")
		}
		rest = strings.TrimPrefix(rest, "b")
	}
	if rest != "" {
		return 0, bad
	}
	// "1.2.3" is accepted by RAMInBytes' pattern but not by ParseFloat; so
	// it is refused here too.
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad
	}
	v := f * mult
	if v >= 1<<63 {
		return 0, errors.New("size " + s + " is too large")
	}
	return int64(v), nil
}
