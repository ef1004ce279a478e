package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"

	"github.com/brigrt/brig/libcontainer"
	"github.com/brigrt/brig/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v2"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "run another process in a container",
	ArgsUsage: "<container-id> [command args...]  (or --process <file>)",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "JSON file with the process (runtime-spec process object)"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives the pty master"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "do not wait for the process"},
		&cli.StringFlag{Name: "pid-file", Usage: "write the process's pid to this file"},
		&cli.StringFlag{Name: "cwd", Usage: "working directory in the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "add an environment variable (K=V)"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "uid[:gid]"},
		&cli.Int64SliceFlag{Name: "additional-gids", Aliases: []string{"g"}, Usage: "additional gids"},
		&cli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a capability (bounding, effective and permitted sets only)"},
		&cli.BoolFlag{Name: "no-new-privs", Usage: "set no_new_privs"},
		&cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile"},
		&cli.StringFlag{Name: "process-label", Usage: "SELinux label"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "pass N extra fds (3..3+N-1)"},
		&cli.BoolFlag{Name: "ignore-paused", Usage: "exec even if the container is paused (the process runs once it is resumed)"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() < 1 {
			return fmt.Errorf("exec: container id is required")
		}
		// Pdeathsig ties the new process to this thread until it runs.
		runtime.LockOSThread()
		id := c.Args().First()
		ct, err := libcontainer.Load(rootDir(c), id)
		if err != nil {
			return err
		}
		p, err := execProcess(c, ct.Spec())
		if err != nil {
			return err
		}
		detach := c.Bool("detach")
		sigs := make(chan os.Signal, 16)
		if !detach {
			signal.Notify(sigs)
			defer signal.Stop(sigs)
		}
		o := libcontainer.ExecOpts{
			Process:       p,
			ConsoleSocket: c.String("console-socket"),
			PidFile:       c.String("pid-file"),
			PreserveFds:   c.Int("preserve-fds"),
			IgnorePaused:  c.Bool("ignore-paused"),
		}
		var tty *ttyRelay
		if p.Terminal && !detach && o.ConsoleSocket == "" {
			if tty, err = newTTYRelay(); err != nil {
				return err
			}
			defer tty.close()
			o.Console = tty.theirs
		}
		proc, err := ct.Exec(o)
		if err != nil {
			return err
		}
		// The process cleared its parent-death signal once it joined.
		runtime.UnlockOSThread()
		if detach {
			return nil
		}
		if tty != nil {
			if err := tty.start(); err != nil {
				proc.Kill()
				return err
			}
		}
		if status := wait(proc, sigs, tty); status != 0 {
			return cli.Exit("", status)
		}
		return nil
	},
}

// execProcess builds the process to run: the --process file, or the
// container's process with the command line's changes (as runc does).
func execProcess(c *cli.Context, s *specs.Spec) (*specs.Process, error) {
	if f := c.String("process"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("exec: --process: %w", err)
		}
		var p specs.Process
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("exec: --process %s: %w", f, err)
		}
		return &p, nil
	}
	if c.NArg() < 2 {
		return nil, fmt.Errorf("exec: a command (or --process) is required")
	}
	var p specs.Process
	if s != nil && s.Process != nil {
		data, _ := json.Marshal(s.Process)
		json.Unmarshal(data, &p)
	}
	p.Args = c.Args().Slice()[1:]
	p.Terminal = c.Bool("tty")
	p.ConsoleSize = nil
	if v := c.String("cwd"); v != "" {
		p.Cwd = v
	}
	p.Env = append(p.Env, c.StringSlice("env")...)
	if u := c.String("user"); u != "" {
		uid, gid, hasGid := strings.Cut(u, ":")
		n, err := strconv.ParseUint(uid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("exec: --user %q: want uid[:gid]", u)
		}
		p.User.UID = uint32(n)
		if hasGid {
			n, err := strconv.ParseUint(gid, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("exec: --user %q: want uid[:gid]", u)
			}
			p.User.GID = uint32(n)
		}
	}
	for _, g := range c.Int64Slice("additional-gids") {
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
	}
	if caps := c.StringSlice("cap"); len(caps) > 0 {
		if p.Capabilities == nil {
			p.Capabilities = &specs.LinuxCapabilities{}
		}
		for _, name := range caps {
			name = strings.ToUpper(name)
			if !strings.HasPrefix(name, "CAP_") {
				name = "CAP_" + name
			}
			if _, ok := spec.CapabilityValue(name); !ok {
				return nil, fmt.Errorf("exec: --cap: unknown capability %q", name)
			}
			// Never the inheritable or ambient sets (CVE-2022-29162).
			p.Capabilities.Bounding = append(p.Capabilities.Bounding, name)
			p.Capabilities.Effective = append(p.Capabilities.Effective, name)
			p.Capabilities.Permitted = append(p.Capabilities.Permitted, name)
		}
	}
	if c.Bool("no-new-privs") {
		p.NoNewPrivileges = true
	}
	if v := c.String("apparmor"); v != "" {
		p.ApparmorProfile = v
	}
	if v := c.String("process-label"); v != "" {
		p.SelinuxLabel = v
	}
	return &p, nil
}
