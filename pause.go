package main

import (
	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var pauseCommand = &cli.Command{
	Name:      "pause",
	Usage:     "freeze every process of a running container",
	ArgsUsage: "<container-id>",
	Action: func(c *cli.Context) error {
		return withLocked(c, (*libcontainer.Container).Pause)
	},
}

var resumeCommand = &cli.Command{
	Name:      "resume",
	Usage:     "thaw a paused container",
	ArgsUsage: "<container-id>",
	Action: func(c *cli.Context) error {
		return withLocked(c, (*libcontainer.Container).Resume)
	},
}

// withLocked runs op on the locked container named by the only argument.
func withLocked(c *cli.Context, op func(*libcontainer.Container) error) error {
	id, err := containerID(c)
	if err != nil {
		return err
	}
	ct, err := libcontainer.LoadLocked(rootDir(c), id)
	if err != nil {
		return err
	}
	defer ct.Unlock()
	return op(ct)
}
