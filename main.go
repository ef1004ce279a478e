// Command brig is an OCI container runtime, a drop-in replacement for runc.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/brigrt/brig/libcontainer"
	_ "github.com/brigrt/brig/nsenter"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
)

// Set by the Makefile with -ldflags -X.
var (
	version   = "0.1.0-dev"
	gitCommit = "unknown"
)

func init() {
	// The container init must stay on the main thread: namespaces,
	// credentials and capabilities are per thread, and this is the thread
	// that execs the user process.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.LockOSThread()
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		// Fast path: no CLI parsing, no logging set-up, in the process whose
		// start-up time is the container's.
		libcontainer.Init()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == libcontainer.HoldUserNSArg {
		libcontainer.HoldUserNS()
	}
	app := newApp()
	if err := app.Run(os.Args); err != nil {
		fatal(err)
	}
}

func newApp() *cli.App {
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "brig version %s\ncommit: %s\nspec: %s\ngo: %s\n", version, gitCommit, specs.Version, runtime.Version())
	}
	return &cli.App{
		Name:    "brig",
		Usage:   "an OCI container runtime (runc-compatible)",
		Version: version,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/run/brig", Usage: "directory for container state"},
			&cli.StringFlag{Name: "log", Usage: "log file (default: stderr)"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
			&cli.BoolFlag{Name: "debug", Usage: "log debug messages"},
			&cli.BoolFlag{Name: "systemd-cgroup", Usage: "use the systemd cgroup driver (not supported yet)"},
			&cli.StringFlag{Name: "rootless", Value: "auto", Usage: "rootless mode: true, false or auto"},
		},
		Before: setupLogging,
		Commands: []*cli.Command{
			specCommand,
			createCommand,
			startCommand,
			runCommand,
			stateCommand,
			listCommand,
			killCommand,
			execCommand,
			deleteCommand,
			updateCommand,
			pauseCommand,
			resumeCommand,
			eventsCommand,
			psCommand,
			featuresCommand,
		},
		// Errors are printed by fatal, once, as the last line.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
	}
}

type usageError struct{ error }

// logToFile: --log was given, so errors go there as well as to stderr.
var logToFile bool

func setupLogging(c *cli.Context) error {
	if c.Bool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	switch f := c.String("log-format"); f {
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{DisableColors: true})
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{})
	default:
		return fmt.Errorf("--log-format: unknown format %q (want text or json)", f)
	}
	if p := c.String("log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("--log %s: %w", p, err)
		}
		logrus.SetOutput(f)
		logToFile = true
	} else {
		logrus.SetOutput(os.Stderr)
	}
	switch r := c.String("rootless"); r {
	case "auto", "true", "false":
	default:
		return fmt.Errorf("--rootless: want true, false or auto, got %q", r)
	}
	return nil
}

// fatal reports err as the last line on stderr and, with --log, as an
// error entry in the log (engines show only that), then exits 1.
func fatal(err error) {
	// An exit status without a message is `run` passing on the
	// container's status, not a failure of brig.
	if msg := oneLine(err.Error()); msg != "" {
		if logToFile {
			logrus.Error(msg)
		}
		fmt.Fprintln(os.Stderr, "brig: "+msg)
	}
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
