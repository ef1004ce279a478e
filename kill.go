package main

import (
	"fmt"

	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var killCommand = &cli.Command{
	Name:      "kill",
	Usage:     "send a signal to a container's init (default SIGTERM)",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "signal every process of the container"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() < 1 || c.NArg() > 2 {
			return fmt.Errorf("kill: usage: brig kill [--all] <container-id> [signal]")
		}
		id := c.Args().Get(0)
		sigName := "SIGTERM"
		if c.NArg() == 2 {
			sigName = c.Args().Get(1)
		}
		sig, err := libcontainer.ParseSignal(sigName)
		if err != nil {
			return fmt.Errorf("kill: %w", err)
		}
		ct, err := libcontainer.LoadLocked(rootDir(c), id)
		if err != nil {
			return err
		}
		defer ct.Unlock()
		return ct.Kill(sig, c.Bool("all"))
	},
}
