package libcontainer

import (
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// phaseTimer logs, at debug level, how long each step of an operation
// took: the numbers behind docs/performance.md, at no cost otherwise.
type phaseTimer struct {
	name  string
	start time.Time
	last  time.Time
	parts []string
	on    bool
}

func newPhaseTimer(name string) *phaseTimer {
	now := time.Now()
	return &phaseTimer{name: name, start: now, last: now, on: logrus.IsLevelEnabled(logrus.DebugLevel)}
}

// A nil timer is off: the init only has one with --debug.
func (t *phaseTimer) mark(phase string) {
	if t == nil || !t.on {
		return
	}
	now := time.Now()
	t.parts = append(t.parts, fmt.Sprintf("%s %.2fms", phase, float64(now.Sub(t.last).Microseconds())/1000))
	t.last = now
}

func (t *phaseTimer) done() {
	if !t.on {
		return
	}
	logrus.Debugf("%s: %.2fms: %s", t.name, float64(time.Since(t.start).Microseconds())/1000, strings.Join(t.parts, ", "))
}

// String is the phases so far, for the init's report to the parent.
func (t *phaseTimer) String() string {
	if t == nil {
		return ""
	}
	return strings.Join(t.parts, ", ")
}
