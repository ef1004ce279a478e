package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/brigrt/brig/tests/testutil"
)

// hookBody records one hook: its state (stdin) in <dir>/<name>.json and
// its name appended to <dir>/order. $1 is the name, $2 the directory as
// the hook sees it, $3 an exit status. startContainer takes a moment, so
// that a runtime which does not wait for it before its poststart hooks and
// returning from start is caught every time, not by chance.
const hookBody = `[ "$1" = startContainer ] && sleep 0.3
cat > "$2/$1.json"
echo "$1" >> "$2/order"
exit ${3:-0}`

const hookPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

// hookDir is where the hooks write; the container sees it at /hooks (for
// startContainer, which runs after pivot_root). It is world-writable: in a
// user namespace createContainer and startContainer run as the container's
// root.
type hookDir struct {
	host   string
	script string
}

func newHookDir(t *testing.T) hookDir {
	t.Helper()
	d := hookDir{host: hostDir(t)}
	d.script = filepath.Join(d.host, "hook.sh")
	writeScript(t, d.script, hookBody)
	order := filepath.Join(d.host, "order")
	if err := os.WriteFile(order, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(order, 0o666); err != nil {
		t.Fatal(err)
	}
	return d
}

// hook is a recording hook for kind; exit makes it fail with that status.
func (d hookDir) hook(kind string, exit int) specs.Hook {
	dir, path := d.host, d.script
	if kind == "startContainer" {
		dir, path = "/hooks", "/hooks/hook.sh"
	}
	args := []string{"hook.sh", kind, dir}
	if exit != 0 {
		args = append(args, strconv.Itoa(exit))
	}
	return specs.Hook{Path: path, Args: args, Env: []string{hookPath}}
}

func (d hookDir) order(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(d.host, "order"))
	if err != nil {
		t.Fatal(err)
	}
	return testutil.ReadLines(string(data))
}

func (d hookDir) state(t *testing.T, kind string) *specs.State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(d.host, kind+".json"))
	if err != nil {
		t.Errorf("%s hook did not run (no state file): %v", kind, err)
		return nil
	}
	var st specs.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Errorf("%s hook: state on stdin is not JSON: %v: %q", kind, err, data)
		return nil
	}
	return &st
}

// withHooks sets spec.hooks and binds the hook dir at /hooks.
func withHooks(d hookDir, h specs.Hooks) testutil.SpecOpt {
	return func(s *specs.Spec) {
		s.Hooks = &h
		testutil.WithBindMount(d.host, "/hooks", false)(s)
	}
}

var allHookKinds = []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}

func fullHooks(d hookDir) specs.Hooks {
	return specs.Hooks{
		//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
		Prestart:        []specs.Hook{d.hook("prestart", 0)},
		CreateRuntime:   []specs.Hook{d.hook("createRuntime", 0)},
		CreateContainer: []specs.Hook{d.hook("createContainer", 0)},
		StartContainer:  []specs.Hook{d.hook("startContainer", 0)},
		Poststart:       []specs.Hook{d.hook("poststart", 0)},
		Poststop:        []specs.Hook{d.hook("poststop", 0)},
	}
}

// hookBundle is a sleeping container with hooks, prepared for variant v.
func hookBundle(t *testing.T, v surfaceVariant, d hookDir, h specs.Hooks, opts ...testutil.SpecOpt) *testutil.Bundle {
	t.Helper()
	all := append(v.opts(), testutil.WithArgs("sleep", "60"), withHooks(d, h))
	b := testutil.NewBundle(t, append(all, opts...)...)
	if v.userns {
		allowUserNS(t, b)
	}
	return b
}

// TestSurfaceHooks: every hook kind runs, in order, with the state on
// stdin (id, status, pid, bundle).
func TestSurfaceHooks(t *testing.T) {
	t.Parallel()
	for _, v := range []surfaceVariant{variantRoot, variantUserNS} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			r := testutil.NewRuntime(t)
			d := newHookDir(t)
			b := hookBundle(t, v, d, fullHooks(d), testutil.WithAnnotation("org.brig.hooks", "yes"))
			id := r.NewID()
			r.MustCreate(b, id)
			pid := r.MustState(id).Pid
			if got, want := d.order(t), allHookKinds[:3]; !slices.Equal(got, want) {
				t.Errorf("after create: hooks ran %v, want %v", got, want)
			}
			r.MustRun("start", id)
			if got, want := d.order(t), allHookKinds[:5]; !slices.Equal(got, want) {
				t.Errorf("after start: hooks ran %v, want %v", got, want)
			}
			r.MustRun("kill", id, "KILL")
			r.WaitStatus(id, specs.StateStopped, 5*time.Second)
			r.MustRun("delete", id)
			if got := d.order(t); !slices.Equal(got, allHookKinds) {
				t.Errorf("after delete: hooks ran %v, want %v", got, allHookKinds)
			}
			wantStatus := map[string]specs.ContainerState{
				"prestart": specs.StateCreating, "createRuntime": specs.StateCreating,
				"createContainer": specs.StateCreating, "startContainer": specs.StateCreated,
				"poststart": specs.StateRunning, "poststop": specs.StateStopped,
			}
			for _, kind := range allHookKinds {
				st := d.state(t, kind)
				if st == nil {
					continue
				}
				if st.ID != id {
					t.Errorf("%s: state id %q, want %q", kind, st.ID, id)
				}
				if st.Status != wantStatus[kind] {
					t.Errorf("%s: state status %q, want %q", kind, st.Status, wantStatus[kind])
				}
				if st.Version == "" {
					t.Errorf("%s: state has no ociVersion", kind)
				}
				if st.Annotations["org.brig.hooks"] != "yes" {
					t.Errorf("%s: state annotations %v", kind, st.Annotations)
				}
				switch kind {
				case "poststop":
				case "createContainer", "startContainer":
					// Run inside the container: the pid may be the host's
					// or the namespace's view; it must be set.
					if st.Pid <= 0 {
						t.Errorf("%s: state pid %d, want > 0", kind, st.Pid)
					}
				default:
					if st.Pid != pid {
						t.Errorf("%s: state pid %d, want the init's %d", kind, st.Pid, pid)
					}
				}
				if kind != "startContainer" && kind != "createContainer" && st.Bundle != b.Dir {
					t.Errorf("%s: state bundle %q, want %q", kind, st.Bundle, b.Dir)
				}
			}
			r.CheckNoLeaks(id, b)
		})
	}
}

// TestSurfaceHookFailures: a failing create-phase hook fails create and
// leaves nothing (and, runtime.md lifecycle steps 3-5/12-13, the poststop
// hooks still run); a failing startContainer fails start; poststop
// failures only warn; a hook that exits without reading its stdin is no
// failure; a hook past its timeout fails the operation.
func TestSurfaceHookFailures(t *testing.T) {
	t.Parallel()
	type failCase struct {
		name string
		// hooks builds the hooks (d.hook(kind, 1) fails).
		hooks func(d hookDir) specs.Hooks
		// failAt: "create" or "start" must fail; "" means everything works.
		failAt string
		cause  []string
		// poststopRuns: the poststop hook must have run by the end.
		poststopRuns bool
		// warn: a successful command must print this on stderr.
		warnAt, warn string
		opts         []testutil.SpecOpt
		userns       bool
	}
	poststop := func(d hookDir) []specs.Hook { return []specs.Hook{d.hook("poststop", 0)} }
	// The state carries the annotations: 100 KiB is more than a pipe holds.
	bigAnnotation := testutil.WithAnnotation("org.brig.big", strings.Repeat("x", 100<<10))
	hugeAnnotation := testutil.WithAnnotation("org.brig.huge", strings.Repeat("x", 1<<20))
	cases := []failCase{
		{
			name: "createRuntime-fails",
			hooks: func(d hookDir) specs.Hooks {
				return specs.Hooks{CreateRuntime: []specs.Hook{d.hook("createRuntime", 1)}, Poststop: poststop(d)}
			},
			failAt: "create", cause: []string{"createRuntime"}, poststopRuns: true, userns: true,
		},
		{
			name: "prestart-fails",
			hooks: func(d hookDir) specs.Hooks {
				//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
				return specs.Hooks{Prestart: []specs.Hook{d.hook("prestart", 1)}, Poststop: poststop(d)}
			},
			failAt: "create", cause: []string{"prestart"}, poststopRuns: true,
		},
		{
			name: "createContainer-fails",
			hooks: func(d hookDir) specs.Hooks {
				return specs.Hooks{CreateContainer: []specs.Hook{d.hook("createContainer", 1)}, Poststop: poststop(d)}
			},
			failAt: "create", cause: []string{"createContainer"}, poststopRuns: true, userns: true,
		},
		{
			name: "startContainer-fails",
			hooks: func(d hookDir) specs.Hooks {
				return specs.Hooks{StartContainer: []specs.Hook{d.hook("startContainer", 1)}, Poststop: poststop(d)}
			},
			failAt: "start", cause: []string{"startContainer"}, poststopRuns: true, userns: true,
		},
		{
			// runtime.md lifecycle step 9: a failing poststart hook is an
			// error and the container is stopped.
			name: "poststart-fails",
			hooks: func(d hookDir) specs.Hooks {
				return specs.Hooks{Poststart: []specs.Hook{d.hook("poststart", 1)}, Poststop: poststop(d)}
			},
			failAt: "start", cause: []string{"poststart"}, poststopRuns: true,
		},
		{
			// Step 13: a failing poststop hook is a warning; delete works
			// and later poststop hooks still run.
			name: "poststop-fails",
			hooks: func(d hookDir) specs.Hooks {
				second := d.hook("poststop", 0)
				second.Args[1] = "poststop2"
				return specs.Hooks{Poststop: []specs.Hook{d.hook("poststop", 1), second}}
			},
			warnAt: "delete", warn: "poststop", poststopRuns: true, userns: true,
		},
		{
			// The state (over 100 KiB here) is not read by /bin/true: that
			// is not a failure.
			name: "hook-ignores-stdin",
			hooks: func(d hookDir) specs.Hooks {
				h := specs.Hook{Path: "/bin/true"}
				//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
				return specs.Hooks{CreateRuntime: []specs.Hook{h}, Prestart: []specs.Hook{h},
					Poststart: []specs.Hook{h}, Poststop: append([]specs.Hook{h}, poststop(d)...)}
			},
			opts: []testutil.SpecOpt{bigAnnotation}, poststopRuns: true,
		},
		{
			// The same with a 1 MiB annotation (configs carry big
			// annotations, e.g. kubectl's last-applied-configuration).
			name: "hook-ignores-stdin-1MiB-state",
			hooks: func(d hookDir) specs.Hooks {
				h := specs.Hook{Path: "/bin/true"}
				return specs.Hooks{CreateRuntime: []specs.Hook{h}, Poststop: poststop(d)}
			},
			opts: []testutil.SpecOpt{hugeAnnotation}, poststopRuns: true,
		},
		{
			name: "hook-timeout",
			hooks: func(d hookDir) specs.Hooks {
				one := 1
				return specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "30"}, Timeout: &one}},
					Poststop: poststop(d)}
			},
			failAt: "create", cause: []string{"createRuntime"}, poststopRuns: true,
		},
	}
	for _, tc := range cases {
		variants := []surfaceVariant{variantRoot}
		if tc.userns {
			variants = append(variants, variantUserNS)
		}
		for _, v := range variants {
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				r := testutil.NewRuntime(t)
				d := newHookDir(t)
				b := hookBundle(t, v, d, tc.hooks(d), tc.opts...)
				id := r.NewID()
				res := r.Create(b, id)
				switch {
				case tc.failAt == "create":
					if res.OK() {
						t.Fatalf("create succeeded, want a %s failure: %s", tc.name, res)
					}
					if last := res.LastStderrLine(); !containsAny(last, tc.cause) {
						t.Errorf("last stderr line %q does not name %q", last, tc.cause)
					}
					if res.Duration > 10*time.Second {
						t.Errorf("failing create took %s", res.Duration)
					}
					if _, err := os.Lstat(filepath.Join(r.Root, id)); err == nil {
						t.Errorf("failed create left its state dir")
						r.Run("delete", "--force", id)
					}
				case !res.OK():
					t.Fatalf("create: %s", res)
				default:
					res = r.Run("start", id)
					if tc.failAt == "start" {
						if res.OK() {
							t.Fatalf("start succeeded, want a %s failure: %s", tc.name, res)
						}
						if last := res.LastStderrLine(); !containsAny(last, tc.cause) {
							t.Errorf("last stderr line %q does not name %q", last, tc.cause)
						}
						// The container is stopped (runtime.md lifecycle).
						r.WaitStatus(id, specs.StateStopped, 5*time.Second)
					} else if !res.OK() {
						t.Fatalf("start: %s", res)
					}
					if tc.warnAt == "start" && !strings.Contains(res.Stderr, tc.warn) {
						t.Errorf("start did not warn about %s: %s", tc.warn, res)
					}
					r.Run("kill", id, "KILL")
					r.WaitStatus(id, specs.StateStopped, 5*time.Second)
					res = r.Run("delete", id)
					if !res.OK() {
						t.Errorf("delete: %s", res)
					}
					if tc.warnAt == "delete" && !strings.Contains(res.Stderr, tc.warn) {
						t.Errorf("delete did not warn about %s: %s", tc.warn, res)
					}
					if st, _ := r.State(id); st != nil {
						t.Errorf("container still exists after delete: %+v", st)
					}
				}
				order := d.order(t)
				if tc.poststopRuns && !slices.Contains(order, "poststop") {
					t.Errorf("poststop hook did not run (hooks ran: %v)", order)
				}
				if tc.name == "poststop-fails" && !slices.Contains(order, "poststop2") {
					t.Errorf("the poststop hook after a failing one did not run (hooks ran: %v)", order)
				}
				r.CheckNoLeaks(id, b)
			})
		}
	}
}
