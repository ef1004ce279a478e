package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/brigrt/brig/libcontainer"
)

// event is one line of `events` output (runc's types.Event).
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

var eventsCommand = &cli.Command{
	Name:      "events",
	Usage:     "print a container's resource usage and OOM events as JSON lines",
	ArgsUsage: "<container-id>",
	Description: `Prints {"type":"stats","id":ID,"data":{...}} every --interval and
{"type":"oom","id":ID} when the container's memory cgroup runs out of
memory, until the container stops. --stats prints one stats event and exits.`,
	Flags: []cli.Flag{
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "time between stats events"},
		&cli.BoolFlag{Name: "stats", Usage: "print the stats once and exit"},
	},
	Action: func(c *cli.Context) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		interval := c.Duration("interval")
		if interval <= 0 {
			return fmt.Errorf("events: --interval must be positive, got %v", interval)
		}
		ct, err := libcontainer.Load(rootDir(c), id)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		if c.Bool("stats") {
			s, err := ct.Stats()
			if err != nil {
				return err
			}
			return enc.Encode(event{Type: "stats", ID: id, Data: s})
		}
		return streamEvents(ct, enc, interval)
	},
}

// streamEvents prints stats every interval and OOM events as they come,
// until the container stops. Without an OOM notifier (no memory cgroup),
// OOM kills are found by comparing the stats' oom_kill counter.
func streamEvents(ct *libcontainer.Container, enc *json.Encoder, interval time.Duration) error {
	id := ct.ID()
	// Fail early, and with the state in the message, for a stopped container.
	if _, err := ct.Stats(); err != nil {
		return err
	}
	emit := func(e event) error {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("events: write: %w", err)
		}
		return nil
	}
	var oomC <-chan struct{}
	n, err := ct.NotifyOOM()
	if err != nil {
		logrus.Warnf("events: OOM notifications unavailable, polling the stats instead: %v", err)
	} else {
		defer n.Close()
		oomC = n.C
	}
	var lastKills uint64
	polled := false
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-oomC:
			if !ok {
				oomC = nil // cgroup removed: the next tick sees the container stopped
				continue
			}
			if err := emit(event{Type: "oom", ID: id}); err != nil {
				return err
			}
		case <-tick.C:
			if ct.State().Status == libcontainer.Stopped {
				return finalOOM(n, oomC, func() error { return emit(event{Type: "oom", ID: id}) })
			}
			s, err := ct.Stats()
			if err != nil {
				if ct.State().Status == libcontainer.Stopped {
					return finalOOM(n, oomC, func() error { return emit(event{Type: "oom", ID: id}) })
				}
				logrus.Errorf("events: %v", err)
				continue
			}
			if n == nil {
				kills := s.Memory.EventCount.OOMKill
				if polled && kills > lastKills {
					if err := emit(event{Type: "oom", ID: id}); err != nil {
						return err
					}
				}
				lastKills, polled = kills, true
			}
			if err := emit(event{Type: "stats", ID: id, Data: s}); err != nil {
				return err
			}
		}
	}
}

// finalOOM reports an OOM that killed the container before its
// notification was read: a queued event, or a counter that moved.
func finalOOM(n *libcontainer.OOMNotifier, oomC <-chan struct{}, emit func() error) error {
	if n == nil {
		return nil
	}
	select {
	case _, ok := <-oomC:
		if ok {
			return emit()
		}
	default:
	}
	if n.Check() {
		return emit()
	}
	return nil
}
