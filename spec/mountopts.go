package spec

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// MountOptions is the parsed form of a mount's "options" list, shared by
// validation and the code that performs the mounts.
type MountOptions struct {
	// Flags are MS_* flags to set and ClearFlags the ones an option
	// explicitly cleared ("rw" clears MS_RDONLY); a later option wins.
	Flags      uintptr
	ClearFlags uintptr
	// PropagationFlags are applied in order after the mount, one
	// mount(2) call each (MS_PRIVATE, MS_SHARED|MS_REC, ...).
	PropagationFlags []uintptr
	// RecAttrSet/RecAttrClr are MOUNT_ATTR_* for mount_setattr(2) with
	// AT_RECURSIVE, from the "r" options (rro, rnosuid, ...).
	RecAttrSet uint64
	RecAttrClr uint64
	// Data holds filesystem-specific options, in order, for mount(2)'s
	// data argument (join with ",").
	Data []string
	// IDMap/RIDMap: "idmap"/"ridmap" (MOUNT_ATTR_IDMAP, the latter
	// recursively). Never passed to mount(2).
	IDMap  bool
	RIDMap bool
	// Bind is set by "bind" and "rbind"; Rec by "rbind".
	Bind bool
	Rec  bool
	// TmpCopyUp is runc's "tmpcopyup" extension: copy the contents of the
	// mountpoint into a fresh tmpfs.
	TmpCopyUp bool
}

type flagOpt struct {
	clear bool
	flag  uintptr
}

// mountFlags are the mount(8) options that map to MS_* flags.
var mountFlags = map[string]flagOpt{
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
}

var propagationFlags = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recAttr is a recursive option: atime options are an enum in
// mount_setattr(2) and need MOUNT_ATTR__ATIME in attr_clr.
type recAttr struct {
	clear bool
	atime bool
	attr  uint64
}

var recAttrFlags = map[string]recAttr{
	"rro":          {false, false, unix.MOUNT_ATTR_RDONLY},
	"rrw":          {true, false, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":      {false, false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":        {true, false, unix.MOUNT_ATTR_NOSUID},
	"rnodev":       {false, false, unix.MOUNT_ATTR_NODEV},
	"rdev":         {true, false, unix.MOUNT_ATTR_NODEV},
	"rnoexec":      {false, false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":        {true, false, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":  {false, false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":    {true, false, unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow": {false, false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":   {true, false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	// atime modes: set the mode, always clearing the whole atime field.
	"rrelatime":    {false, true, unix.MOUNT_ATTR_RELATIME},
	"rnoatime":     {false, true, unix.MOUNT_ATTR_NOATIME},
	"rstrictatime": {false, true, unix.MOUNT_ATTR_STRICTATIME},
	// Their negations fall back to the kernel default, relatime.
	"rnorelatime":    {true, true, unix.MOUNT_ATTR_RELATIME},
	"ratime":         {true, true, unix.MOUNT_ATTR_NOATIME},
	"rnostrictatime": {true, true, unix.MOUNT_ATTR_STRICTATIME},
}

// ParseMountOptions parses a mount's options. Options it does not know are
// returned in Data for the filesystem, as runc does; the exception is a
// recursive spelling ("r" + a known flag, e.g. "rsync") that brig cannot
// apply recursively, which is an error rather than garbage for mount(2).
func ParseMountOptions(opts []string) (MountOptions, error) {
	var m MountOptions
	for _, o := range opts {
		if f, ok := mountFlags[o]; ok {
			if f.clear {
				m.Flags &^= f.flag
				m.ClearFlags |= f.flag
			} else {
				m.Flags |= f.flag
				m.ClearFlags &^= f.flag
			}
			continue
		}
		if p, ok := propagationFlags[o]; ok {
			m.PropagationFlags = append(m.PropagationFlags, p)
			continue
		}
		if r, ok := recAttrFlags[o]; ok {
			m.applyRecAttr(r)
			continue
		}
		switch o {
		case "idmap":
			m.IDMap = true
			continue
		case "ridmap":
			m.RIDMap = true
			continue
		case "tmpcopyup":
			m.TmpCopyUp = true
			continue
		}
		if isUnknownRecursive(o) {
			return MountOptions{}, fmt.Errorf("unsupported recursive mount option %q", o)
		}
		m.Data = append(m.Data, o)
	}
	m.Bind = m.Flags&unix.MS_BIND != 0
	m.Rec = m.Bind && m.Flags&unix.MS_REC != 0
	return m, nil
}

func (m *MountOptions) applyRecAttr(r recAttr) {
	switch {
	case r.atime:
		m.RecAttrSet &^= unix.MOUNT_ATTR__ATIME
		if !r.clear {
			m.RecAttrSet |= r.attr
		}
		m.RecAttrClr |= unix.MOUNT_ATTR__ATIME
	case r.clear:
		m.RecAttrClr |= r.attr
		m.RecAttrSet &^= r.attr
	default:
		m.RecAttrSet |= r.attr
		m.RecAttrClr &^= r.attr
	}
}

// isUnknownRecursive reports options like "rsync" or "rnomand": an "r"
// followed by a plain flag name. Anything with "=" (rsize=, rootcontext=)
// is filesystem data.
func isUnknownRecursive(o string) bool {
	if len(o) < 2 || o[0] != 'r' || strings.ContainsRune(o, '=') {
		return false
	}
	_, ok := mountFlags[o[1:]]
	return ok
}

// MountOptionNames lists every option ParseMountOptions recognises (the
// mountOptions of `brig features`), sorted.
func MountOptionNames() []string {
	var out []string
	for k := range mountFlags {
		out = append(out, k)
	}
	for k := range propagationFlags {
		out = append(out, k)
	}
	for k := range recAttrFlags {
		out = append(out, k)
	}
	out = append(out, "idmap", "ridmap", "tmpcopyup")
	sort.Strings(out)
	return out
}

// PropagationFlag maps a propagation name (as in mount options and
// linux.rootfsPropagation) to its MS_* flags.
func PropagationFlag(name string) (uintptr, bool) {
	f, ok := propagationFlags[name]
	return f, ok
}
