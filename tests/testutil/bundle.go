package testutil

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bundle is an OCI bundle in a per-test temporary directory.
type Bundle struct {
	Dir    string // bundle directory (absolute)
	Rootfs string // Dir/rootfs
	Spec   *specs.Spec
	t      testing.TB
}

// ConfigPath is Dir/config.json.
func (b *Bundle) ConfigPath() string { return filepath.Join(b.Dir, "config.json") }

// Save writes b.Spec to config.json.
func (b *Bundle) Save() {
	b.t.Helper()
	data, err := json.MarshalIndent(b.Spec, "", "\t")
	if err != nil {
		b.t.Fatalf("marshal spec: %v", err)
	}
	b.WriteConfig(data)
}

// Mutate applies opts to b.Spec and saves it.
func (b *Bundle) Mutate(opts ...SpecOpt) {
	b.t.Helper()
	for _, o := range opts {
		o(b.Spec)
	}
	b.Save()
}

// WriteConfig replaces config.json with raw bytes (for malformed configs).
func (b *Bundle) WriteConfig(data []byte) {
	b.t.Helper()
	if err := os.WriteFile(b.ConfigPath(), data, 0o644); err != nil {
		b.t.Fatalf("write config.json: %v", err)
	}
}

// EditRaw edits config.json as generic JSON, for configs the typed Spec cannot
// express (a missing ociVersion, a field of the wrong type). fn gets the
// top-level object.
func (b *Bundle) EditRaw(fn func(m map[string]any)) {
	b.t.Helper()
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		b.t.Fatalf("read config.json: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		b.t.Fatalf("parse config.json: %v", err)
	}
	fn(m)
	out, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		b.t.Fatalf("marshal config.json: %v", err)
	}
	b.WriteConfig(out)
}

// DeleteField removes a dotted path (e.g. "process.args") from config.json.
func (b *Bundle) DeleteField(path string) {
	b.t.Helper()
	b.EditRaw(func(m map[string]any) {
		parts := strings.Split(path, ".")
		cur := m
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				return
			}
			cur = next
		}
		delete(cur, parts[len(parts)-1])
	})
}

// WriteFile writes a file inside the rootfs (rel is relative to the rootfs).
func (b *Bundle) WriteFile(rel string, data []byte, mode os.FileMode) {
	b.t.Helper()
	p := filepath.Join(b.Rootfs, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatalf("mkdir for %s: %v", rel, err)
	}
	// Remove first: the file may be a hardlink shared with the template.
	_ = os.Remove(p)
	if err := os.WriteFile(p, data, mode); err != nil {
		b.t.Fatalf("write %s: %v", rel, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		b.t.Fatalf("chmod %s: %v", rel, err)
	}
}

// ReadFile reads a file inside the rootfs.
func (b *Bundle) ReadFile(rel string) (string, error) {
	data, err := os.ReadFile(filepath.Join(b.Rootfs, rel))
	return string(data), err
}

// NewBundle creates a busybox bundle in TempDir(t). The config starts from
// `<binary> spec` (cached), with terminal=false and args ["sh"], then opts
// are applied and config.json is written.
func NewBundle(t testing.TB, opts ...SpecOpt) *Bundle {
	t.Helper()
	tmpl := getTemplate(t)
	dir := TempDir(t)
	rootfs := filepath.Join(dir, "rootfs")
	if err := copyTree(tmpl.rootfs, rootfs); err != nil {
		t.Fatalf("populate rootfs: %v", err)
	}
	sp, err := cloneSpec(tmpl.spec)
	if err != nil {
		t.Fatalf("clone spec: %v", err)
	}
	b := &Bundle{Dir: dir, Rootfs: rootfs, Spec: sp, t: t}
	b.Mutate(opts...)
	return b
}

// template is built once per test process: a busybox rootfs to hardlink from
// and the base spec.
type template struct {
	dir     string
	rootfs  string
	spec    *specs.Spec
	specSrc string // "<binary> spec" or "built-in default"
	err     error
}

var (
	tmplOnce sync.Once
	tmpl     *template
)

func getTemplate(t testing.TB) *template {
	t.Helper()
	bin := Binary(t)
	tmplOnce.Do(func() { tmpl = buildTemplate(bin) })
	if tmpl.err != nil {
		t.Fatalf("bundle template: %v", tmpl.err)
	}
	return tmpl
}

// SpecSource tells where the base spec came from ("<binary> spec" or the
// built-in default when that failed).
func SpecSource(t testing.TB) string {
	t.Helper()
	return getTemplate(t).specSrc
}

// Cleanup removes the process-wide template. Call it from TestMain after
// m.Run (see Main).
func Cleanup() {
	if tmpl != nil && tmpl.dir != "" {
		_ = os.RemoveAll(tmpl.dir)
	}
}

// Main is a TestMain body: runs the tests, removes the template, exits.
func Main(m interface{ Run() int }) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// BusyboxPath finds a statically linked busybox on the host.
func BusyboxPath() (string, error) {
	if p := os.Getenv("BUSYBOX"); p != "" {
		return p, nil
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("busybox not found (install busybox-static: scripts/install-deps.sh)")
}

func buildTemplate(bin string) *template {
	tp := &template{}
	dir, err := tempDirNoT("brig-testutil-template-")
	if err != nil {
		tp.err = err
		return tp
	}
	tp.dir = dir
	tp.rootfs = filepath.Join(dir, "rootfs")
	if err := makeRootfs(tp.rootfs); err != nil {
		tp.err = err
		return tp
	}
	sp, src := baseSpec(bin, dir)
	tp.spec, tp.specSrc = sp, src
	return tp
}

// makeRootfs lays out a minimal busybox rootfs.
func makeRootfs(rootfs string) error {
	busybox, err := BusyboxPath()
	if err != nil {
		return err
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user", "run"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), 0o777|os.ModeSticky); err != nil {
		return err
	}
	if err := os.Chown(filepath.Join(rootfs, "home/user"), 1000, 1000); err != nil && os.Geteuid() == 0 {
		return err
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("read busybox: %w", err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin/busybox"), data, 0o755); err != nil {
		return err
	}
	out, err := exec.Command(busybox, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, a := range strings.Fields(string(out)) {
		if a == "bin/busybox" || strings.Contains(a, "..") {
			continue
		}
		p := filepath.Join(rootfs, a)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":    "root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n",
		"etc/hostname": "brig\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// baseSpec asks the runtime for its default spec (so `spec` is exercised by
// every test); the built-in default is used when that fails, and TestSpec
// reports the failure.
func baseSpec(bin, dir string) (*specs.Spec, string) {
	specDir := filepath.Join(dir, "spec")
	if err := os.MkdirAll(specDir, 0o755); err == nil {
		cmd := exec.Command(bin, "spec", "--bundle", specDir)
		cmd.Dir = specDir
		if err := cmd.Run(); err == nil {
			if data, err := os.ReadFile(filepath.Join(specDir, "config.json")); err == nil {
				var sp specs.Spec
				if json.Unmarshal(data, &sp) == nil && sp.Process != nil && sp.Root != nil {
					prepare(&sp)
					return &sp, filepath.Base(bin) + " spec"
				}
			}
		}
	}
	sp := DefaultSpec()
	prepare(sp)
	return sp, "built-in default"
}

// prepare turns a `spec` output into the tests' starting point.
func prepare(sp *specs.Spec) {
	sp.Process.Terminal = false
	sp.Process.Args = []string{"sh"}
	sp.Root.Path = "rootfs"
}

func cloneSpec(sp *specs.Spec) (*specs.Spec, error) {
	data, err := json.Marshal(sp)
	if err != nil {
		return nil, err
	}
	var out specs.Spec
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// copyTree copies the template: directories are created, big regular files
// are hardlinked (falling back to a copy across filesystems), symlinks
// recreated.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			if err := os.Chmod(target, info.Mode().Perm()|(info.Mode()&fs.ModeSticky)); err != nil {
				return err
			}
			if st, ok := statOwner(info); ok && os.Geteuid() == 0 {
				return os.Lchown(target, st.uid, st.gid)
			}
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			// Hardlink only big files (busybox): small ones such as
			// /etc/passwd may be edited by a test or a writable container.
			if info.Size() > 64<<10 {
				if err := os.Link(path, target); err == nil {
					return nil
				}
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
	})
}
