package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FieldError is a validation error about one field of config.json. Field
// is its JSON path, e.g. "linux.namespaces[2].type".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func idx(base string, i int) string { return fmt.Sprintf("%s[%d]", base, i) }

// Validate checks the runtime-spec MUST rules that matter for a Linux
// container started by brig, plus the checks runc makes before it starts
// one. bundle is the directory root.path is relative to. It returns the
// first problem found, as a single-line *FieldError (or nil).
func Validate(s *specs.Spec, bundle string) error {
	if s == nil {
		return errors.New("config.json: no configuration")
	}
	v := &validator{s: s, bundle: bundle}
	checks := []func() error{
		v.version,
		v.root,
		v.process,
		v.hostname,
		v.annotations,
		v.hooks,
		v.mounts,
		v.linux,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

type validator struct {
	s      *specs.Spec
	bundle string
}

func (v *validator) version() error {
	if v.s.Version == "" {
		return fieldErr("ociVersion", "must be set")
	}
	sv, err := parseSemver(v.s.Version)
	if err != nil {
		return fieldErr("ociVersion", "%q is not a SemVer 2.0.0 version: %v", v.s.Version, err)
	}
	if sv.major != 1 {
		return fieldErr("ociVersion", "%q: unsupported major version %d (brig supports 1.x)", v.s.Version, sv.major)
	}
	return nil
}

// Rootfs returns the host path of the container's root filesystem:
// root.path, relative to the bundle unless absolute.
func Rootfs(s *specs.Spec, bundle string) string {
	if s.Root == nil {
		return ""
	}
	if filepath.IsAbs(s.Root.Path) {
		return filepath.Clean(s.Root.Path)
	}
	return filepath.Join(bundle, s.Root.Path)
}

func (v *validator) root() error {
	if v.s.Root == nil {
		return fieldErr("root", "must be set")
	}
	if v.s.Root.Path == "" {
		return fieldErr("root.path", "must not be empty")
	}
	if err := noNUL("root.path", v.s.Root.Path); err != nil {
		return err
	}
	p := Rootfs(v.s, v.bundle)
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fieldErr("root.path", "%q does not exist", p)
		}
		return fieldErr("root.path", "%q: %v", p, unwrapPathErr(err))
	}
	if !fi.IsDir() {
		return fieldErr("root.path", "%q is not a directory", p)
	}
	return nil
}

func (v *validator) hostname() error {
	if v.s.Hostname == "" && v.s.Domainname == "" {
		return nil
	}
	if ok, _ := hasNamespace(v.s, specs.UTSNamespace); ok {
		return nil
	}
	if v.s.Hostname != "" {
		return fieldErr("hostname", "cannot set the hostname without a uts namespace")
	}
	return fieldErr("domainname", "cannot set the domainname without a uts namespace")
}

func (v *validator) annotations() error {
	for k := range v.s.Annotations {
		if k == "" {
			return fieldErr("annotations", "keys must not be empty")
		}
	}
	return nil
}

func (v *validator) hooks() error {
	h := v.s.Hooks
	if h == nil {
		return nil
	}
	lists := []struct {
		name  string
		hooks []specs.Hook
	}{
		//lint:ignore SA1019 hooks.prestart is deprecated but runtime-spec v1.3.0 still requires runtimes to run it
		{"prestart", h.Prestart}, //nolint:staticcheck // deprecated but still run
		{"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer},
		{"poststart", h.Poststart},
		{"poststop", h.Poststop},
	}
	for _, l := range lists {
		for i, hk := range l.hooks {
			f := idx("hooks."+l.name, i)
			if !filepath.IsAbs(hk.Path) {
				return fieldErr(f+".path", "%q must be an absolute path", hk.Path)
			}
			if err := noNUL(f+".path", hk.Path); err != nil {
				return err
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return fieldErr(f+".timeout", "must be greater than zero, got %d", *hk.Timeout)
			}
			if err := checkEnv(f+".env", hk.Env); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEnv requires "KEY=value" entries with a non-empty key.
func checkEnv(field string, env []string) error {
	for i, e := range env {
		k, _, ok := strings.Cut(e, "=")
		if !ok {
			return fieldErr(idx(field, i), "%q is not of the form KEY=value", e)
		}
		if k == "" {
			return fieldErr(idx(field, i), "%q has an empty name", e)
		}
		if strings.IndexByte(e, 0) >= 0 {
			return fieldErr(idx(field, i), "%q contains a NUL byte", e)
		}
	}
	return nil
}

func noNUL(field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fieldErr(field, "%q contains a NUL byte", s)
	}
	return nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
