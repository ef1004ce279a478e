package main

import (
	"encoding/json"
	"os"

	"github.com/brigrt/brig/seccomp"
	"github.com/brigrt/brig/spec"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/urfave/cli/v2"
)

var featuresCommand = &cli.Command{
	Name:  "features",
	Usage: "print the features brig supports (runtime-spec features.md)",
	Action: func(c *cli.Context) error {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(spec.Features(version, func(sc *features.Seccomp) { *sc = *seccomp.Features() }))
	},
}
