#!/usr/bin/env bash
# setup.sh installs what the cgroup2 test VM needs and downloads its kernel.
#
#   tests/vm/setup.sh            install missing packages, fetch a kernel if none cached
#   tests/vm/setup.sh --refresh  also fetch the newest kernel even if one is cached
#   tests/vm/setup.sh --clean    delete the cache ($BRIG_VM_CACHE, default /var/cache/brig-vm)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

refresh=0
case "${1:-}" in
--refresh) refresh=1 ;;
--clean)
	rm -rf -- "$vm_cache"
	exit 0
	;;
"") ;;
*)
	echo "usage: $0 [--refresh|--clean]" >&2
	exit 2
	;;
esac

# package -> a file it provides, to skip dpkg/apt when already there.
declare -A want=(
	[qemu-system-x86]=/usr/bin/qemu-system-x86_64
	[cpio]=/usr/bin/cpio
	[busybox-static]=/bin/busybox
	[xz-utils]=/usr/bin/xz
	[util-linux]=/usr/bin/setpriv
)
missing=()
for p in "${!want[@]}"; do
	# busybox must be the static build: it runs alone in the initramfs.
	if [ "$p" = busybox-static ]; then
		dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	elif [ ! -x "${want[$p]}" ]; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	vm_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq "${missing[@]}" >&2; then
		apt-get update -qq >&2
		apt-get install -y -qq "${missing[@]}" >&2
	fi
fi

mkdir -p "$vm_cache/debs"
if [ $refresh = 1 ] || [ -z "$(vm_kernel_deb)" ]; then
	pkg=${BRIG_VM_KERNEL:-$(vm_kernel_pkg_newest)} || vm_die "no linux-image-6.1.0-*-amd64 package known to apt"
	if ! ls "$vm_cache/debs/${pkg}"_*.deb >/dev/null 2>&1; then
		vm_log "downloading $pkg"
		# _apt cannot write into a root-only dir: download in a world-writable tmp.
		tmp=$(mktemp -d)
		chmod 0777 "$tmp"
		(cd "$tmp" && apt-get download -q "$pkg" >&2) || {
			apt-get update -qq >&2
			(cd "$tmp" && apt-get download -q "$pkg" >&2)
		}
		mv "$tmp"/*.deb "$vm_cache/debs/"
		rm -rf "$tmp"
	fi
fi
vm_log "kernel package: $(basename "$(vm_kernel_deb)")"
