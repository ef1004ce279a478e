package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// semver is the part of a SemVer 2.0.0 version brig looks at.
type semver struct {
	major, minor, patch uint64
	pre                 string
}

// parseSemver parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] strictly
// (no leading zeros, no "v" prefix), as the spec requires of ociVersion.
func parseSemver(v string) (semver, error) {
	var s semver
	core, build, hasBuild := strings.Cut(v, "+")
	if hasBuild {
		if err := checkIdents(build, false); err != nil {
			return s, fmt.Errorf("build metadata: %w", err)
		}
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre {
		if err := checkIdents(pre, true); err != nil {
			return s, fmt.Errorf("pre-release: %w", err)
		}
		s.pre = pre
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return s, fmt.Errorf("want MAJOR.MINOR.PATCH")
	}
	nums := [3]*uint64{&s.major, &s.minor, &s.patch}
	for i, p := range parts {
		n, err := parseNumericIdent(p)
		if err != nil {
			return s, err
		}
		*nums[i] = n
	}
	return s, nil
}

func parseNumericIdent(p string) (uint64, error) {
	if p == "" {
		return 0, fmt.Errorf("empty number")
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Errorf("leading zero in %q", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Errorf("%q is not a number", p)
		}
	}
	n, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", p)
	}
	return n, nil
}

// checkIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers must not have leading zeros.
func checkIdents(s string, pre bool) error {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return fmt.Errorf("empty identifier")
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return fmt.Errorf("invalid character %q", c)
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return fmt.Errorf("leading zero in %q", id)
		}
	}
	return nil
}
