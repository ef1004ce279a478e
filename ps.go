package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/brigrt/brig/libcontainer"
	"github.com/urfave/cli/v2"
)

var psCommand = &cli.Command{
	Name:      "ps",
	Usage:     "list the processes of a container",
	ArgsUsage: "<container-id> [ps options]",
	Description: `--format json prints the host pids as a JSON array. --format table (the
default) runs ps(1) on the host with the given options (default -ef) and
keeps the header and the rows of the container's processes.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table or json"},
	},
	Action: func(c *cli.Context) error {
		if c.NArg() < 1 {
			return errors.New("ps: container id is required")
		}
		format := c.String("format")
		if format != "table" && format != "json" {
			return fmt.Errorf("ps: --format: unknown format %q (want table or json)", format)
		}
		ct, err := libcontainer.Load(rootDir(c), c.Args().First())
		if err != nil {
			return err
		}
		pids, err := ct.Processes()
		if err != nil {
			return err
		}
		if format == "json" {
			return json.NewEncoder(os.Stdout).Encode(pids)
		}
		psArgs := c.Args().Slice()[1:]
		if len(psArgs) > 0 && psArgs[0] == "--" {
			psArgs = psArgs[1:]
		}
		if len(psArgs) == 0 {
			psArgs = []string{"-ef"}
		}
		out, err := exec.Command("ps", psArgs...).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) && len(ee.Stderr) > 0 {
				return fmt.Errorf("ps %s: %w: %s", strings.Join(psArgs, " "), err, bytes.TrimSpace(ee.Stderr))
			}
			return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
		}
		return filterPs(os.Stdout, out, pids)
	},
}

// filterPs copies ps output's header and the rows whose PID column is one
// of pids.
func filterPs(w io.Writer, out []byte, pids []int) error {
	lines := strings.Split(string(out), "\n")
	col := -1
	for i, f := range strings.Fields(lines[0]) {
		if f == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return fmt.Errorf("ps: no PID column in the ps header %q (add -o pid or use -ef)", lines[0])
	}
	want := make(map[int]bool, len(pids))
	for _, p := range pids {
		want[p] = true
	}
	fmt.Fprintln(w, lines[0])
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) <= col {
			continue
		}
		if p, err := strconv.Atoi(f[col]); err == nil && want[p] {
			fmt.Fprintln(w, line)
		}
	}
	return nil
}
