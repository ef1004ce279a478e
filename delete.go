package main

import (
	"errors"

	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var deleteCommand = &cli.Command{
	Name:      "delete",
	Aliases:   []string{"rm"},
	Usage:     "delete a stopped or created container (--force: any)",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill the container first if it is running"},
	},
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		ct, err := libcontainer.LoadLocked(rootDir(c), id)
		if err != nil {
			if !errors.Is(err, libcontainer.ErrNotExist) {
				return err
			}
			// A create killed before it wrote any state leaves a bare
			// directory: remove it, or the id could never be used again.
			if removed, rerr := libcontainer.RemoveStale(rootDir(c), id); rerr != nil || removed {
				return rerr
			}
			// runc: delete --force of a missing container succeeds.
			if c.Bool("force") {
				return nil
			}
			return err
		}
		defer ct.Unlock()
		return ct.Delete(c.Bool("force"))
	},
}
