// Package devices turns the OCI linux.resources.devices list into the
// device access policy of a container cgroup:
//
//   - cgroup v1: the sequence of writes to devices.deny / devices.allow
//     (V1Writes), starting from "deny all" so that the result does not depend
//     on what the cgroup inherited;
//   - cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program (Program) attached to
//     the cgroup directory with BPF_F_ALLOW_MULTI (Attach, attach_linux.go).
//
// Both are built from the same normalised rule list (Build): "deny all",
// then the spec rules in order, then the devices every container gets
// (DefaultAllowed, the list runc appends: /dev/null, zero, full, random,
// urandom, tty, ptmx, pts/*, net/tun and mknod of any device). For v2 the
// list is first reduced with the v1 kernel semantics (Reduce), so a rule set
// means the same thing on both versions.
package devices

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Wildcard is the major/minor value matching every number ("*").
const Wildcard int64 = -1

// Rule is one normalised device cgroup rule.
type Rule struct {
	Type   byte   // 'a' (all devices), 'c' or 'b'
	Major  int64  // Wildcard or >= 0
	Minor  int64  // Wildcard or >= 0
	Access string // non-empty subset of "rwm", in that order
	Allow  bool
}

// String renders the rule in devices.allow/devices.deny syntax ("c 1:3 rwm").
func (r Rule) String() string {
	num := func(v int64) string {
		if v == Wildcard {
			return "*"
		}
		return fmt.Sprint(v)
	}
	if r.Type == 'a' {
		return "a"
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)
}

// isAll reports whether r is the "a" rule that resets the whole policy.
func (r Rule) isAll() bool { return r.Type == 'a' }

// DefaultAllowed is the set of devices every container may use, matching
// runc's AllowedDevices (libcontainer/specconv).
func DefaultAllowed() []Rule {
	c := func(major, minor int64, access string) Rule {
		return Rule{Type: 'c', Major: major, Minor: minor, Access: access, Allow: true}
	}
	return []Rule{
		c(Wildcard, Wildcard, "m"), // mknod any char device
		{Type: 'b', Major: Wildcard, Minor: Wildcard, Access: "m", Allow: true}, // mknod any block device
		c(1, 3, "rwm"),          // /dev/null
		c(1, 8, "rwm"),          // /dev/random
		c(1, 7, "rwm"),          // /dev/full
		c(5, 0, "rwm"),          // /dev/tty
		c(1, 5, "rwm"),          // /dev/zero
		c(1, 9, "rwm"),          // /dev/urandom
		c(136, Wildcard, "rwm"), // /dev/pts/*
		c(5, 2, "rwm"),          // /dev/ptmx
		c(10, 200, "rwm"),       // /dev/net/tun
	}
}

// Build returns the full rule list for a container: deny all, the spec
// rules in order, then DefaultAllowed.
func Build(spec []specs.LinuxDeviceCgroup) ([]Rule, error) {
	rules := []Rule{{Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm", Allow: false}}
	conv, err := FromSpec(spec)
	if err != nil {
		return nil, err
	}
	rules = append(rules, conv...)
	return append(rules, DefaultAllowed()...), nil
}

// FromSpec validates and normalises OCI device rules. An empty access means
// "rwm" (as crun does). A type "a" rule that is not a full wildcard
// ("a 1:3 r") is split into a 'c' and a 'b' rule: the v1 kernel would treat
// any rule starting with "a" as "all devices, all access", which is not what
// the spec says.
func FromSpec(spec []specs.LinuxDeviceCgroup) ([]Rule, error) {
	var out []Rule
	for i, d := range spec {
		field := fmt.Sprintf("linux.resources.devices[%d]", i)
		r := Rule{Major: Wildcard, Minor: Wildcard, Allow: d.Allow}
		switch d.Type {
		case "", "a":
			r.Type = 'a'
		case "c", "b":
			r.Type = d.Type[0]
		default:
			return nil, fmt.Errorf("%s.type: invalid device type %q (want a, c or b)", field, d.Type)
		}
		if d.Major != nil {
			if *d.Major < Wildcard {
				return nil, fmt.Errorf("%s.major: invalid value %d", field, *d.Major)
			}
			r.Major = *d.Major
		}
		if d.Minor != nil {
			if *d.Minor < Wildcard {
				return nil, fmt.Errorf("%s.minor: invalid value %d", field, *d.Minor)
			}
			r.Minor = *d.Minor
		}
		acc, err := normAccess(d.Access)
		if err != nil {
			return nil, fmt.Errorf("%s.access: %w", field, err)
		}
		r.Access = acc
		if r.Type == 'a' && (r.Major != Wildcard || r.Minor != Wildcard || r.Access != "rwm") {
			c, b := r, r
			c.Type, b.Type = 'c', 'b'
			out = append(out, c, b)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func normAccess(s string) (string, error) {
	if s == "" {
		return "rwm", nil
	}
	var r, w, m bool
	for _, ch := range s {
		switch ch {
		case 'r':
			r = true
		case 'w':
			w = true
		case 'm':
			m = true
		default:
			return "", fmt.Errorf("invalid access %q (want a combination of r, w, m)", s)
		}
	}
	var b strings.Builder
	if r {
		b.WriteByte('r')
	}
	if w {
		b.WriteByte('w')
	}
	if m {
		b.WriteByte('m')
	}
	return b.String(), nil
}

// V1Write is one write to a v1 devices control file.
type V1Write struct {
	File  string // "devices.allow" or "devices.deny"
	Value string
}

// V1Writes maps rules, in order, to devices.allow / devices.deny writes.
func V1Writes(rules []Rule) []V1Write {
	out := make([]V1Write, 0, len(rules))
	for _, r := range rules {
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		out = append(out, V1Write{File: file, Value: r.String()})
	}
	return out
}
