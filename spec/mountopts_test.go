package spec

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	const atime = unix.MOUNT_ATTR__ATIME
	tests := []struct {
		name string
		opts []string
		want MountOptions
		err  string
	}{
		{name: "none", opts: nil, want: MountOptions{}},
		{name: "defaults is a no-op", opts: []string{"defaults"}, want: MountOptions{}},
		{name: "plain flags", opts: []string{"nosuid", "noexec", "nodev", "ro"},
			want: MountOptions{Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY}},
		{name: "later wins", opts: []string{"ro", "rw"}, want: MountOptions{ClearFlags: unix.MS_RDONLY}},
		{name: "later wins set", opts: []string{"rw", "ro"}, want: MountOptions{Flags: unix.MS_RDONLY}},
		{name: "clear flags", opts: []string{"suid", "dev", "exec", "atime", "async"},
			want: MountOptions{ClearFlags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_SYNCHRONOUS}},
		{name: "bind", opts: []string{"bind"}, want: MountOptions{Flags: unix.MS_BIND, Bind: true}},
		{name: "rbind", opts: []string{"rbind", "ro"}, want: MountOptions{Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, Bind: true, Rec: true}},
		{name: "propagation in order", opts: []string{"rprivate", "shared", "runbindable"},
			want: MountOptions{PropagationFlags: []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_UNBINDABLE | unix.MS_REC}}},
		{name: "data", opts: []string{"mode=755", "size=65536k", "newinstance"},
			want: MountOptions{Data: []string{"mode=755", "size=65536k", "newinstance"}}},
		{name: "r-prefixed fs data", opts: []string{"rsize=8192", "rootcontext=x", "resgid=5", "rdirplus"},
			want: MountOptions{Data: []string{"rsize=8192", "rootcontext=x", "resgid=5", "rdirplus"}}},
		{name: "recursive attrs", opts: []string{"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"},
			want: MountOptions{RecAttrSet: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{name: "recursive clear", opts: []string{"rro", "rrw", "rexec"},
			want: MountOptions{RecAttrClr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOEXEC}},
		{name: "rnoatime", opts: []string{"rnoatime"}, want: MountOptions{RecAttrSet: unix.MOUNT_ATTR_NOATIME, RecAttrClr: atime}},
		{name: "rstrictatime", opts: []string{"rstrictatime"}, want: MountOptions{RecAttrSet: unix.MOUNT_ATTR_STRICTATIME, RecAttrClr: atime}},
		{name: "rrelatime", opts: []string{"rrelatime"}, want: MountOptions{RecAttrSet: unix.MOUNT_ATTR_RELATIME, RecAttrClr: atime}},
		{name: "atime enum last wins", opts: []string{"rnoatime", "rstrictatime"}, want: MountOptions{RecAttrSet: unix.MOUNT_ATTR_STRICTATIME, RecAttrClr: atime}},
		{name: "ratime resets", opts: []string{"rnoatime", "ratime"}, want: MountOptions{RecAttrClr: atime}},
		{name: "idmap", opts: []string{"bind", "idmap"}, want: MountOptions{Flags: unix.MS_BIND, Bind: true, IDMap: true}},
		{name: "ridmap", opts: []string{"rbind", "ridmap"}, want: MountOptions{Flags: unix.MS_BIND | unix.MS_REC, Bind: true, Rec: true, RIDMap: true}},
		{name: "tmpcopyup", opts: []string{"tmpcopyup"}, want: MountOptions{TmpCopyUp: true}},
		{name: "unknown recursive", opts: []string{"rsync"}, err: `unsupported recursive mount option "rsync"`},
		{name: "unknown recursive 2", opts: []string{"ro", "rnomand"}, err: `unsupported recursive mount option "rnomand"`},
		{name: "unknown recursive rbind", opts: []string{"rrbind"}, err: `unsupported recursive mount option "rrbind"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMountOptions(tt.opts)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Every option the parser claims to know must parse without landing in
// Data, and must include everything the spec says runtimes MUST support.
func TestMountOptionNames(t *testing.T) {
	names := MountOptionNames()
	for _, n := range names {
		m, err := ParseMountOptions([]string{n})
		if err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if len(m.Data) != 0 {
			t.Errorf("%s: parsed as data", n)
		}
	}
	must := strings.Fields(`async atime bind defaults dev diratime dirsync exec iversion lazytime loud
		noatime nodev nodiratime noexec noiversion nolazytime norelatime nostrictatime nosuid private
		rbind relatime remount ro rprivate rshared rslave runbindable rw shared silent slave strictatime
		suid sync unbindable idmap ridmap rro rrw rnosuid rsuid rnodev rdev rnoexec rexec rnodiratime
		rdiratime rrelatime rnorelatime rnoatime ratime rstrictatime rnostrictatime rnosymfollow rsymfollow
		nosymfollow symfollow mand nomand tmpcopyup`)
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, n := range must {
		if !have[n] {
			t.Errorf("missing %q", n)
		}
	}
	if len(names) != len(have) {
		t.Errorf("duplicate names in %v", names)
	}
}
