package main

import (
	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var createFlags = []cli.Flag{
	&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Value: ".", Usage: "bundle directory"},
	&cli.StringFlag{Name: "pid-file", Usage: "write the init's pid to this file (atomically)"},
	&cli.StringFlag{Name: "console-socket", Usage: "unix socket that receives the pty master (terminal: true)"},
	&cli.BoolFlag{Name: "no-pivot", Usage: "use MS_MOVE + chroot instead of pivot_root (ramfs roots)"},
	&cli.BoolFlag{Name: "no-new-keyring", Usage: "keep the caller's session keyring"},
	&cli.IntFlag{Name: "preserve-fds", Usage: "pass N extra fds (3..3+N-1) to the container"},
}

func createOpts(c *cli.Context, id string) libcontainer.CreateOpts {
	return libcontainer.CreateOpts{
		Root:          rootDir(c),
		ID:            id,
		Bundle:        c.String("bundle"),
		PidFile:       c.String("pid-file"),
		ConsoleSocket: c.String("console-socket"),
		NoPivot:       c.Bool("no-pivot"),
		NoNewKeyring:  c.Bool("no-new-keyring"),
		PreserveFds:   c.Int("preserve-fds"),
		Systemd:       c.Bool("systemd-cgroup"),
		Rootless:      c.String("rootless") == "true",
	}
}

var createCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a container (its init waits for start)",
	ArgsUsage: "<container-id>",
	Flags:     createFlags,
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		ct, _, err := libcontainer.Create(createOpts(c, id))
		if err != nil {
			return err
		}
		ct.Unlock()
		return nil
	},
}
