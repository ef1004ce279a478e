package libcontainer

import (
	"fmt"
	"os"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// applyLSM sets the AppArmor profile and SELinux label that the next execve
// switches to. The write
// goes through a procfs handle that was verified to be a real procfs, never
// a path the image could redirect (CVE-2019-16884 class).
func applyLSM(p *specs.Process, lsm hostLSM, pre *lsmFiles) error {
	if pre == nil {
		pre = &lsmFiles{}
	}
	// Labels this host cannot apply are skipped (logged by the parent,
	// logSkippedLSM).
	if p.ApparmorProfile != "" && lsm.AppArmor {
		if err := writeAttr(pre.apparmor, "apparmor/exec", "exec "+p.ApparmorProfile); err != nil {
			return fmt.Errorf("process.apparmorProfile %q: %w", p.ApparmorProfile, err)
		}
	}
	if p.SelinuxLabel != "" && lsm.SELinux {
		if err := writeAttr(pre.selinux, "exec", p.SelinuxLabel); err != nil {
			return fmt.Errorf("process.selinuxLabel %q: %w", p.SelinuxLabel, err)
		}
	}
	return nil
}

// lsmFiles are this thread's attr files, opened through the host's procfs
// before pivot_root (the container init's case): trusted, and independent of
// the fsopen-based procfs checks, which fail on some kernels.
type lsmFiles struct {
	apparmor, selinux *os.File
}

func openLSMFiles(p *specs.Process, lsm hostLSM) (*lsmFiles, error) {
	f := &lsmFiles{}
	var err error
	if p.ApparmorProfile != "" && lsm.AppArmor {
		if f.apparmor, err = os.OpenFile("/proc/thread-self/attr/apparmor/exec", os.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
			return nil, fmt.Errorf("process.apparmorProfile: %w", err)
		}
	}
	if p.SelinuxLabel != "" && lsm.SELinux {
		if f.selinux, err = os.OpenFile("/proc/thread-self/attr/exec", os.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
			f.close()
			return nil, fmt.Errorf("process.selinuxLabel: %w", err)
		}
	}
	return f, nil
}

func (f *lsmFiles) close() {
	if f == nil {
		return
	}
	for _, x := range []*os.File{f.apparmor, f.selinux} {
		if x != nil {
			x.Close()
		}
	}
}

// hostLSM is which LSMs the host has, decided by the parent from the
// host's /sys: the init, after pivot_root, sees only the image's.
type hostLSM struct {
	AppArmor bool `json:"apparmor,omitempty"`
	SELinux  bool `json:"selinux,omitempty"`
}

func detectLSM() hostLSM {
	return hostLSM{AppArmor: apparmorEnabled(), SELinux: selinuxEnabled()}
}

// logSkippedLSM says, in the runtime's log (the init has none), which
// requested labels this host cannot apply.
func logSkippedLSM(p *specs.Process, lsm hostLSM) {
	if p.ApparmorProfile != "" && !lsm.AppArmor {
		logrus.Debugf("process.apparmorProfile %q: AppArmor is not enabled on this host; skipped", p.ApparmorProfile)
	}
	if p.SelinuxLabel != "" && !lsm.SELinux {
		logrus.Debugf("process.selinuxLabel %q: SELinux is not enabled on this host; skipped", p.SelinuxLabel)
	}
}

func apparmorEnabled() bool {
	data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.HasPrefix(string(data), "Y")
}

func selinuxEnabled() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/selinux", &st) == nil && st.Type == unix.SELINUX_MAGIC
}

// writeAttr writes /proc/thread-self/attr/<name> (this thread execs),
// through pre if it was opened already.
func writeAttr(pre *os.File, name, value string) error {
	if pre != nil {
		_, err := pre.Write([]byte(value))
		return err
	}
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return err
	}
	defer proc.Close()
	h, closer, err := proc.OpenThreadSelf("attr/" + name)
	if err != nil {
		return err
	}
	defer closer()
	defer h.Close()
	f, err := pathrs.Reopen(h, unix.O_WRONLY|unix.O_CLOEXEC)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write([]byte(value))
	return err
}
