package spec

import "os"

// selinuxEnabled: selinuxfs is mounted and reports a policy.
func selinuxEnabled() bool {
	_, err := os.Stat("/sys/fs/selinux/enforce")
	return err == nil
}

// apparmorEnabled mirrors the kernel module's own switch.
func apparmorEnabled() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && len(b) > 0 && b[0] == 'Y'
}
