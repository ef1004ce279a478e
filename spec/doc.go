// Package spec loads, validates and generates OCI runtime-spec (v1.3.0)
// configurations for brig.
//
// Load reads <bundle>/config.json and runs Validate on it. Every error is a
// single line that starts with the JSON path of the offending field, e.g.
//
//	linux.namespaces[2].type: unknown namespace "foo"
//
// Decisions that differ from, or go beyond, the letter of the spec:
//
//   - Relative mount destinations are accepted (runc does, for old configs)
//     and Load rewrites them to absolute paths relative to "/", as the spec
//     says they must be interpreted; Validate itself never mutates.
//   - linux.devices[].path must be absolute but may lie outside /dev: the
//     runtime-spec v1.3.0 explicitly allows that.
//   - Capability names must be in the static table (CapabilityNames); a
//     known name that the running kernel lacks is accepted, so the init can
//     skip it the way runc does.
//   - Unknown plain mount options are passed on as filesystem data (runc
//     does the same); an unknown recursive ("r" + known flag) option is an
//     error, since silently handing it to the filesystem would be wrong.
//   - Host-dependent checks are limited to what runc also checks before
//     starting: the rootfs, net.* sysctls against a joined netns, and an
//     SELinux process label on a host without SELinux.
package spec
