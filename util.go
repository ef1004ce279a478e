package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// containerID returns the single ID argument of a command.
func containerID(c *cli.Context) (string, error) {
	switch c.NArg() {
	case 0:
		return "", fmt.Errorf("%s: container id is required", c.Command.Name)
	case 1:
		return c.Args().First(), nil
	default:
		return "", fmt.Errorf("%s: expected one container id, got %d arguments", c.Command.Name, c.NArg())
	}
}

func rootDir(c *cli.Context) string { return c.String("root") }
