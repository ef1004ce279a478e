package libcontainer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
)

// runHooks runs hooks in order with the container state on stdin
// (runtime.md "Lifecycle"). The first failure stops the list and is
// returned; callers decide whether that fails the operation.
func runHooks(kind string, hooks []specs.Hook, st State) error {
	if len(hooks) == 0 {
		return nil
	}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	for i, h := range hooks {
		if err := runHook(h, state); err != nil {
			return fmt.Errorf("hooks.%s[%d] %s: %w", kind, i, h.Path, err)
		}
	}
	return nil
}

func runHook(h specs.Hook, state []byte) error {
	ctx := context.Background()
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	} else {
		cmd.Args = []string{h.Path}
	}
	cmd.Env = h.Env
	cmd.Stdin = bytes.NewReader(state)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A hook that exits without reading stdin makes the copy fail with
	// EPIPE (Go ignores SIGPIPE on non-stdio pipes); that is not an error.
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, oneLine(msg))
		}
		return err
	}
	if out.Len() > 0 {
		logrus.Debugf("hook %s: %s", h.Path, strings.TrimSpace(out.String()))
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// warnHooks runs hooks whose failure must not fail the operation
// (poststart, poststop): the error is logged and the remaining hooks run.
func warnHooks(kind string, hooks []specs.Hook, st State) {
	if len(hooks) == 0 {
		return
	}
	state, err := json.Marshal(st)
	if err != nil {
		logrus.Warnf("hooks.%s: %v", kind, err)
		return
	}
	for i, h := range hooks {
		if err := runHook(h, state); err != nil {
			logrus.Warnf("hooks.%s[%d] %s: %v", kind, i, h.Path, err)
		}
	}
}

// needsMountSync says whether the init must stop between its mounts and
// pivot_root so that prestart/createRuntime (run by the parent) and
// createContainer (run by the init) hooks see that moment.
func needsMountSync(s *specs.Spec) bool {
	h := s.Hooks
	//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
	return h != nil && (len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 || len(h.CreateContainer) > 0)
}

// hookState is the state hooks receive on stdin.
func hookState(id, bundle string, ann map[string]string, pid int, st Status) State {
	return State{OCIVersion: specs.Version, ID: id, Status: st, Pid: pid, Bundle: bundle, Annotations: ann}
}
