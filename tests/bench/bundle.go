package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// bundles writes one bundle directory per container: only config.json,
// with root.path pointing at the shared rootfs. A bundle per container lets
// every container have its own linux.cgroupsPath under the benchmark's
// cgroup parent, so cleanup knows exactly which cgroups are ours.
type bundles struct {
	dir          string         // where bundle dirs go
	rootfs       string         // absolute path of the shared busybox rootfs
	base         map[string]any // config.json from scripts/mkbundle.sh, kept generic so no field is lost
	cgroupParent string         // e.g. /brig-bench-1234
}

func loadBundles(baseBundle, dir, cgroupParent string) (*bundles, error) {
	b, err := os.ReadFile(filepath.Join(baseBundle, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("read base config: %w", err)
	}
	var base map[string]any
	if err := json.Unmarshal(b, &base); err != nil {
		return nil, fmt.Errorf("parse base config: %w", err)
	}
	rootfs, err := filepath.Abs(filepath.Join(baseBundle, "rootfs"))
	if err != nil {
		return nil, fmt.Errorf("rootfs path: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bundle dir: %w", err)
	}
	return &bundles{dir: dir, rootfs: rootfs, base: base, cgroupParent: cgroupParent}, nil
}

// spec says how one container's config differs from the base.
type spec struct {
	args     []string
	memLimit int64 // bytes, 0: none
}

// write makes the bundle for container id of runtime r and returns its path.
// The content is the base config except for ociVersion (crun 1.8.1 rejects
// 1.3.0), root.path, process.args, linux.cgroupsPath and the memory limit.
func (b *bundles) write(r *runtimeCLI, id string, s spec) (string, error) {
	cfg := deepCopy(b.base).(map[string]any)
	if r.ociVersion != "" {
		cfg["ociVersion"] = r.ociVersion
	}
	root := mapAt(cfg, "root")
	root["path"] = b.rootfs
	if len(s.args) > 0 {
		args := make([]any, len(s.args))
		for i, a := range s.args {
			args[i] = a
		}
		mapAt(cfg, "process")["args"] = args
	}
	linux := mapAt(cfg, "linux")
	linux["cgroupsPath"] = b.cgroupParent + "/" + id
	if s.memLimit > 0 {
		mapAt(mapAt(linux, "resources"), "memory")["limit"] = s.memLimit
	}

	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", fmt.Errorf("marshal config for %s: %w", id, err)
	}
	dir := filepath.Join(b.dir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bundle %s: %w", id, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		return "", fmt.Errorf("write config for %s: %w", id, err)
	}
	return dir, nil
}

// mapAt returns m[key] as an object, creating it if needed.
func mapAt(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}
