package main

import (
	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var startCommand = &cli.Command{
	Name:      "start",
	Usage:     "start a created container's process",
	ArgsUsage: "<container-id>",
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		ct, err := libcontainer.LoadLocked(rootDir(c), id)
		if err != nil {
			return err
		}
		defer ct.Unlock()
		return ct.Start()
	},
}
