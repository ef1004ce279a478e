# Shared settings for the VM harness scripts (sourced, not executed).

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# /var/cache survives fresh clones of the repo (CI), unlike a dir in the tree.
vm_cache=${BRIG_VM_CACHE:-/var/cache/brig-vm}
# Debian's generic 6.1 kernel: matches what the team measured, has cgroup2 with
# every controller and module support for 9p/virtio.
vm_kernel_glob='linux-image-6.1.0-*-amd64_*.deb'

vm_log() { echo "brig-vm: $*" >&2; }
vm_die() { vm_log "error: $*"; exit 125; }

# vm_kernel_pkg_newest prints the newest linux-image-6.1.0-N-amd64 package
# name known to apt, running apt-get update once if apt knows none.
vm_kernel_pkg_newest() {
	local re='^linux-image-6\.1\.0-[0-9]+-amd64$' list
	list=$(apt-cache search --names-only "$re" | awk '{print $1}')
	if [ -z "$list" ]; then
		apt-get update -qq >&2 || true
		list=$(apt-cache search --names-only "$re" | awk '{print $1}')
	fi
	[ -n "$list" ] || return 1
	printf '%s\n' "$list" | sort -V | tail -n1
}

# vm_kernel_deb prints the cached kernel .deb to use: the one named by
# BRIG_VM_KERNEL if set, else the newest one already downloaded.
vm_kernel_deb() {
	local d=$vm_cache/debs
	if [ -n "${BRIG_VM_KERNEL:-}" ]; then
		{ ls "$d/${BRIG_VM_KERNEL}"_*.deb 2>/dev/null || true; } | sort -V | tail -n1
	else
		# shellcheck disable=SC2086
		{ ls $d/$vm_kernel_glob 2>/dev/null || true; } | sort -V | tail -n1
	fi
}
