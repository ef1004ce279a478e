package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (v *validator) mounts() error {
	userns, _ := hasNamespace(v.s, specs.UserNamespace)
	for i, m := range v.s.Mounts {
		f := idx("mounts", i)
		if m.Destination == "" {
			return fieldErr(f+".destination", "must be set")
		}
		// A relative destination is accepted for old configs and taken
		// as relative to "/" (the spec allows it; Load normalises it).
		for _, s := range []struct{ name, val string }{
			{".destination", m.Destination}, {".source", m.Source}, {".type", m.Type},
		} {
			if err := noNUL(f+s.name, s.val); err != nil {
				return err
			}
		}
		opts, err := ParseMountOptions(m.Options)
		if err != nil {
			return fieldErr(f+".options", "%v", err)
		}
		if err := checkMountIDMap(f, m, opts, userns); err != nil {
			return err
		}
	}
	return nil
}

func checkMountIDMap(f string, m specs.Mount, opts MountOptions, userns bool) error {
	hasMaps := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	if len(m.UIDMappings) > 0 && len(m.GIDMappings) == 0 {
		return fieldErr(f+".gidMappings", "must be set together with uidMappings")
	}
	if len(m.GIDMappings) > 0 && len(m.UIDMappings) == 0 {
		return fieldErr(f+".uidMappings", "must be set together with gidMappings")
	}
	if err := checkIDMappings(f+".uidMappings", m.UIDMappings); err != nil {
		return err
	}
	if err := checkIDMappings(f+".gidMappings", m.GIDMappings); err != nil {
		return err
	}
	if !opts.IDMap && !opts.RIDMap && !hasMaps {
		return nil
	}
	// Unlike runc, any filesystem can be id-mapped where the kernel
	// supports it (tmpfs since 6.3, ext4, xfs, btrfs, ...): the kernel's
	// mount_setattr error names the cases it refuses.
	if !hasMaps && !userns {
		return fieldErr(f+".options", "idmap without uidMappings/gidMappings needs a user namespace")
	}
	return nil
}

// checkIDMappings rejects empty ranges and ranges that wrap around 2^32.
func checkIDMappings(field string, maps []specs.LinuxIDMapping) error {
	for i, m := range maps {
		if m.Size == 0 {
			return fieldErr(idx(field, i)+".size", "must be greater than zero")
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 {
			return fieldErr(idx(field, i), "containerID %d + size %d overflows 32 bits", m.ContainerID, m.Size)
		}
		if uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return fieldErr(idx(field, i), "hostID %d + size %d overflows 32 bits", m.HostID, m.Size)
		}
	}
	return nil
}
