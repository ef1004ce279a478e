package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/brigrt/brig/libcontainer"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

var runCommand = &cli.Command{
	Name:      "run",
	Usage:     "create and start a container, wait for it, and delete it",
	ArgsUsage: "<container-id>",
	Flags: append([]cli.Flag{
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return after start; leave the container running"},
	}, createFlags...),
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		// Catch signals from now on, so that one arriving between create and
		// wait is forwarded rather than killing brig.
		sigs := make(chan os.Signal, 16)
		if !c.Bool("detach") {
			signal.Notify(sigs)
			defer signal.Stop(sigs)
		}
		opts := createOpts(c, id)
		var tty *ttyRelay
		if !c.Bool("detach") && opts.ConsoleSocket == "" {
			if tty, err = newTTYRelay(); err != nil {
				return err
			}
			defer tty.close()
			opts.Console = tty.theirs
		}
		ct, init, err := libcontainer.Create(opts)
		if err != nil {
			return err
		}
		defer ct.Unlock()
		if tty != nil && ct.Terminal() {
			if err := tty.start(); err != nil {
				ct.Delete(true)
				return err
			}
		}
		if err := ct.Start(); err != nil {
			if derr := ct.Delete(true); derr != nil {
				logrus.Warnf("clean up after failed start: %v", derr)
			}
			return err
		}
		if c.Bool("detach") {
			return nil
		}
		// Other commands (kill, exec, state) must work while we wait.
		ct.Unlock()
		status := wait(init, sigs, tty)
		if ct, err := libcontainer.LoadLocked(rootDir(c), id); err == nil {
			if err := ct.Delete(true); err != nil {
				logrus.Warnf("delete: %v", err)
			}
			ct.Unlock()
		}
		if status != 0 {
			return cli.Exit("", status)
		}
		return nil
	},
}

// wait forwards signals to the init until it exits and returns its exit
// status the way a shell reports it (128+N for a signal).
func wait(init *os.Process, sigs chan os.Signal, tty *ttyRelay) int {
	done := make(chan *os.ProcessState, 1)
	go func() {
		st, err := init.Wait()
		if err != nil {
			logrus.Warnf("wait for container: %v", err)
		}
		done <- st
	}()
	for {
		select {
		case st := <-done:
			if st == nil {
				return 255
			}
			ws := st.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		case s := <-sigs:
			sig := s.(unix.Signal)
			switch sig {
			case unix.SIGWINCH:
				if tty != nil {
					tty.resize()
				}
				continue
			case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
				continue
			}
			if err := init.Signal(sig); err != nil {
				logrus.Debugf("forward %v: %v", sig, err)
			}
		}
	}
}
