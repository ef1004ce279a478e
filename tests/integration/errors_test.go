package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// errCase is one failing command. setup prepares the bundle/containers and
// returns the failing command's arguments (without global flags). Causes are
// matched case-insensitively against the last stderr line; "{bundle}" is
// replaced by the bundle dir.
type errCase struct {
	name  string
	setup func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string
	// cause: any of these must appear in the last stderr line (brig).
	cause []string
	// otherCause: accepted instead from a reference runtime (runc words
	// things differently); nil means cause applies to every runtime.
	otherCause []string
	// brigOnly: a reference runtime accepts this input (runc does not
	// check ociVersion); the case is skipped for it.
	brigOnly string
	// invalidID: the id is not a valid id, so the leak check looks at the
	// whole root instead of <root>/<id>.
	invalidID bool
}

func createWith(opts ...testutil.SpecOpt) func(*testing.T, *testutil.Runtime, *testutil.Bundle, string) []string {
	return func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
		b.Mutate(opts...)
		r.Track(id)
		return []string{"create", "--bundle", b.Dir, id}
	}
}

func createDeleting(field string) func(*testing.T, *testutil.Runtime, *testutil.Bundle, string) []string {
	return func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
		b.DeleteField(field)
		r.Track(id)
		return []string{"create", "--bundle", b.Dir, id}
	}
}

func createID(bad string) func(*testing.T, *testutil.Runtime, *testutil.Bundle, string) []string {
	return func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
		return []string{"create", "--bundle", b.Dir, bad}
	}
}

// started creates and starts a sleeping container, then returns args+id.
func started(args ...string) func(*testing.T, *testutil.Runtime, *testutil.Bundle, string) []string {
	return func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
		r.MustCreate(b, id)
		r.MustRun("start", id)
		return append(args, id)
	}
}

var errCases = []errCase{
	{
		name: "malformed-json",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			b.WriteConfig([]byte(`{"ociVersion": "1.3.0", "process": {`))
			r.Track(id)
			return []string{"create", "--bundle", b.Dir, id}
		},
		cause:      []string{"config.json"},
		otherCause: []string{"unexpected EOF", "unexpected end of JSON input", "config.json"},
	},
	{
		name:     "missing-ociVersion",
		setup:    createDeleting("ociVersion"),
		cause:    []string{"ociVersion"},
		brigOnly: "runc does not validate ociVersion",
	},
	{name: "missing-root", setup: createDeleting("root"), cause: []string{"root"}},
	{name: "missing-process", setup: createDeleting("process"), cause: []string{"process"}},
	{name: "missing-process-args", setup: createDeleting("process.args"), cause: []string{"process.args"}, otherCause: []string{"args"}},
	{name: "empty-process-args", setup: createWith(testutil.WithArgs()), cause: []string{"process.args"}, otherCause: []string{"args"}},
	{
		name:  "rootfs-missing",
		setup: createWith(testutil.WithSpec(func(s *specs.Spec) { s.Root.Path = "no-such-rootfs" })),
		cause: []string{"{bundle}/no-such-rootfs"},
	},
	{
		name: "duplicate-id",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			r.MustCreate(b, id)
			return []string{"create", "--bundle", b.Dir, id}
		},
		cause: []string{"exist"},
	},
	{name: "invalid-id-slash", setup: createID("a/b"), cause: []string{"id"}, invalidID: true},
	{name: "invalid-id-dotdot", setup: createID(".."), cause: []string{"id"}, invalidID: true},
	{name: "invalid-id-too-long", setup: createID(strings.Repeat("x", 1024)), cause: []string{"long"}, invalidID: true},
	{name: "command-not-in-rootfs", setup: createWith(testutil.WithArgs("/no/such/cmd")), cause: []string{"/no/such/cmd"}},
	{name: "start-running", setup: started("start"), cause: []string{"running"}},
	{name: "delete-running", setup: started("delete"), cause: []string{"running"}},
	{name: "unknown-signal", setup: started("kill"), cause: []string{"NOSUCHSIG"}}, // args get the signal below
	{
		name: "kill-stopped",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			b.Mutate(testutil.WithArgs("true"))
			r.MustCreate(b, id)
			r.MustRun("start", id)
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			return []string{"kill", id, "KILL"}
		},
		cause:      []string{"stopped"},
		otherCause: []string{"not running"},
	},
	{
		name: "start-stopped",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			b.Mutate(testutil.WithArgs("true"))
			r.MustCreate(b, id)
			r.MustRun("start", id)
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			return []string{"start", id}
		},
		cause: []string{"stopped"},
	},
	{
		name: "bundle-missing",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			r.Track(id)
			return []string{"create", "--bundle", b.Dir + "/no-such-bundle", id}
		},
		cause: []string{"{bundle}/no-such-bundle"},
	},
	{
		name: "config-missing",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			if err := os.Remove(b.ConfigPath()); err != nil {
				t.Fatal(err)
			}
			r.Track(id)
			return []string{"create", "--bundle", b.Dir, id}
		},
		cause: []string{"config.json"},
	},
	{name: "cwd-relative", setup: createWith(testutil.WithCwd("relative/dir")), cause: []string{"cwd"}},
	{
		name: "unknown-namespace",
		setup: createWith(testutil.WithSpec(func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogusns"})
		})),
		cause: []string{"bogusns"},
	},
	{name: "unknown-rlimit", setup: createWith(testutil.WithRlimit("RLIMIT_BOGUS", 1, 1)), cause: []string{"RLIMIT_BOGUS"}},
	{
		name:     "unknown-capability",
		setup:    createWith(testutil.WithCaps("CAP_BOGUS")),
		cause:    []string{"CAP_BOGUS"},
		brigOnly: "runc 1.1 only warns about unknown capabilities",
	},
	{
		name:  "hostname-without-uts",
		setup: createWith(testutil.WithoutNamespace(specs.UTSNamespace), testutil.WithHostname("h")),
		cause: []string{"hostname", "uts"},
	},
	{
		name: "start-unknown-container",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			return []string{"start", id}
		},
		cause: []string{"not exist", "no such", "not found"},
	},
	{
		name: "kill-unknown-container",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			return []string{"kill", id, "KILL"}
		},
		cause: []string{"not exist", "no such", "not found"},
	},
	{
		name: "delete-unknown-container",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			return []string{"delete", id}
		},
		cause: []string{"not exist", "no such", "not found"},
	},
	{
		name: "state-unknown-container",
		setup: func(t *testing.T, r *testutil.Runtime, b *testutil.Bundle, id string) []string {
			return []string{"state", id}
		},
		cause: []string{"not exist", "no such", "not found"},
	},
}

// TestErrors: every failing command exits non-zero, its last stderr line
// names the cause, --log-format json logs an error line naming it, and the
// failure leaves nothing behind.
func TestErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.brigOnly != "" {
				testutil.BrigOnly(t, tc.brigOnly)
			}
			r := testutil.NewRuntime(t)
			b := testutil.NewBundle(t, testutil.WithArgs("sleep", "60"))
			id := r.NewID()
			args := tc.setup(t, r, b, id)
			if tc.name == "unknown-signal" {
				args = append(args, "NOSUCHSIG")
			}
			want := tc.cause
			if tc.otherCause != nil && !testutil.IsBrig(t) {
				want = tc.otherCause
			}
			var causes []string
			for _, c := range want {
				causes = append(causes, strings.ReplaceAll(c, "{bundle}", b.Dir))
			}

			res := r.Run(args...)
			if res.Err != nil || res.ExitCode == 0 {
				t.Fatalf("want a non-zero exit: %s", res)
			}
			t.Logf("last stderr line: %s", res.LastStderrLine())
			if last := res.LastStderrLine(); !containsAny(last, causes) {
				t.Errorf("last stderr line %q does not name the cause (any of %q): %s", last, causes, res)
			}

			// Same command again with a JSON log file.
			logFile := filepath.Join(testutil.TempDir(t), "log.json")
			res = r.Exec(testutil.ExecOpts{}, append([]string{"--log", logFile, "--log-format", "json"}, args...)...)
			if res.ExitCode == 0 {
				t.Fatalf("with --log: want a non-zero exit: %s", res)
			}
			checkErrorLogged(t, logFile, causes)

			// Tear down what setup made, then nothing may remain.
			if tc.invalidID {
				checkRootEmpty(t, r.Root)
				r.CheckNoLeaks("", b)
				return
			}
			if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
				if res := r.Run("delete", "--force", id); !res.OK() {
					t.Errorf("cleanup delete --force: %s", res)
				}
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

func containsAny(s string, subs []string) bool {
	s = strings.ToLower(s)
	for _, sub := range subs {
		if strings.Contains(s, strings.ToLower(sub)) {
			return true
		}
	}
	return false
}

// checkErrorLogged wants a {"level":"error","msg":<cause>,"time":...} line.
func checkErrorLogged(t *testing.T, logFile string, causes []string) {
	t.Helper()
	lines := testutil.JSONLogLines(t, logFile)
	for _, m := range lines {
		msg, _ := m["msg"].(string)
		if m["level"] == "error" && containsAny(msg, causes) {
			if _, ok := m["time"]; !ok {
				t.Errorf("log error line has no time: %v", m)
			}
			return
		}
	}
	t.Errorf("log %s has no {level: error, msg: <any of %q>} line; lines: %v", logFile, causes, lines)
}

// checkRootEmpty: a rejected id must not leave anything in the state root.
func checkRootEmpty(t *testing.T, root string) {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		return // never created: fine
	}
	for _, e := range ents {
		if e.IsDir() {
			t.Errorf("state root has %s after a rejected id", e.Name())
		}
	}
}
