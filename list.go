package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/brigrt/brig/libcontainer"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

var listCommand = &cli.Command{
	Name:    "list",
	Aliases: []string{"ls"},
	Usage:   "list containers",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table or json"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the ids"},
	},
	Action: func(c *cli.Context) error {
		entries, err := libcontainer.List(rootDir(c))
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		for _, e := range entries {
			if e.Err != nil {
				logrus.Warnf("container %s: %v", e.ID, e.Err)
			}
		}
		if c.Bool("quiet") {
			for _, e := range entries {
				fmt.Println(e.ID)
			}
			return nil
		}
		switch f := c.String("format"); f {
		case "json":
			states := make([]libcontainer.State, 0, len(entries))
			for _, e := range entries {
				states = append(states, e.State)
			}
			return json.NewEncoder(os.Stdout).Encode(states)
		case "table":
			w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
			fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
			for _, e := range entries {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.Pid, e.Status, e.Bundle, e.Created.Format(time.RFC3339Nano), e.Owner)
			}
			return w.Flush()
		default:
			return fmt.Errorf("list: --format: unknown format %q (want table or json)", f)
		}
	},
}
