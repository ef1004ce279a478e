#!/usr/bin/env bash
# build.sh makes (or reuses) the VM's uncompressed kernel and initramfs and
# prints their paths: "<vmlinux> <initramfs.cpio>". Idempotent and safe to run
# concurrently; rebuilds when the kernel package, busybox, the guest scripts,
# this script or BRIG_VM_MODULES change.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Modules the guest needs (dependencies are added automatically).
# virtio-rng feeds the guest's entropy so getrandom() never stalls a test.
# loop gives the io.max and device-cgroup tests a block device (7:0);
# rdma_rxe (soft-RoCE, over dummy0; it needs crc32) an RDMA device for
# rdma.max.
modules="virtio_pci 9pnet_virtio 9p overlay virtio_rng loop crc32_generic rdma_rxe dummy ${BRIG_VM_MODULES:-}"

deb=$(vm_kernel_deb)
if [ -z "$deb" ] || [ ! -e /bin/busybox ] || ! command -v cpio qemu-system-x86_64 setpriv xz >/dev/null; then
	"$vm_dir/setup.sh"
	deb=$(vm_kernel_deb)
fi
[ -n "$deb" ] || vm_die "no kernel package in $vm_cache/debs"

key=$(
	{
		basename "$deb"
		echo "$modules"
		sha256sum /bin/busybox "$vm_dir/build.sh" "$vm_dir"/guest/*
	} | sha256sum | cut -c1-16
)
kname=$(basename "$deb" .deb)
vmlinux=$vm_cache/kernel/$kname/vmlinux
initrd=$vm_cache/initramfs-$key.cpio

if [ -s "$vmlinux" ] && [ -s "$initrd" ]; then
	echo "$vmlinux $initrd"
	exit 0
fi

mkdir -p "$vm_cache"
exec 9>"$vm_cache/.lock"
flock 9
if [ -s "$vmlinux" ] && [ -s "$initrd" ]; then # built while we waited
	echo "$vmlinux $initrd"
	exit 0
fi

vm_log "building kernel/initramfs from $(basename "$deb") (key $key)"
tmp=$(mktemp -d "$vm_cache/.build.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/deb"
kver=$(ls "$tmp/deb/lib/modules")
mdir=$tmp/deb/lib/modules/$kver

# extract_vmlinux finds the compressed payload inside a bzImage (like the
# kernel's scripts/extract-vmlinux) and writes the ELF to $2. QEMU boots the
# ELF via its PVH note, skipping the in-guest decompression (~3 s under TCG).
extract_vmlinux() {
	local img=$1 out=$2 magic tool off
	for spec in \
		'\xfd7zXZ\x00|xz -dc' \
		'\x1f\x8b\x08|gzip -dc' \
		'\x28\xb5\x2f\xfd|zstd -dcq' \
		'\x02\x21\x4c\x18|lz4 -dc' \
		'\x5d\x00\x00\x00|xz -dc --format=lzma'; do
		magic=${spec%%|*}
		tool=${spec#*|}
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -aboP "$magic" "$img" | cut -d: -f1); do
			# Trailing data after the stream makes the tool fail: judge by the output.
			tail -c +$((off + 1)) "$img" | $tool >"$out" 2>/dev/null || true
			if [ "$(head -c4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	return 1
}

if [ ! -s "$vmlinux" ]; then
	mkdir -p "$(dirname "$vmlinux")"
	extract_vmlinux "$tmp/deb/boot/vmlinuz-$kver" "$tmp/vmlinux" ||
		vm_die "cannot extract vmlinux from vmlinuz-$kver"
	mv "$tmp/vmlinux" "$vmlinux"
fi

# Module index: normalized name (dashes as underscores) -> file.
declare -A modfile
while IFS= read -r f; do
	n=$(basename "$f")
	n=${n%%.ko*}
	modfile[${n//-/_}]=$f
done < <(find "$mdir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
builtin=" $(sed 's#.*/##; s/\.ko$//; s/-/_/g' "$mdir/modules.builtin" | tr '\n' ' ') "

# mod_cat writes a module's uncompressed bytes to stdout.
mod_cat() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# Depth-first walk of the "depends=" field gives a load order where every
# module comes after its dependencies (busybox insmod resolves nothing).
declare -A seen
order=()
visit() {
	local m=${1//-/_} d deps
	[ -z "${seen[$m]:-}" ] || return 0
	seen[$m]=1
	case $builtin in *" $m "*) return 0 ;; esac
	[ -n "${modfile[$m]:-}" ] || vm_die "module $m not found in $kver"
	deps=$(mod_cat "${modfile[$m]}" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do visit "$d"; done
	order+=("$m")
}
for m in $modules; do visit "$m"; done

root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,newroot,ctl,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
for m in "${order[@]}"; do
	mod_cat "${modfile[$m]}" >"$root/lib/modules/$m.ko"
done
printf '%s\n' "${order[@]}" >"$root/lib/modules/order"
install -m 0755 "$vm_dir/guest/init" "$root/init"
install -m 0755 "$vm_dir/guest/stage2" "$root/stage2"
# The kernel needs /dev/console before /init runs to give it stdio.
mknod -m 600 "$root/dev/console" c 5 1
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp/initramfs.cpio"
mv "$tmp/initramfs.cpio" "$initrd"
# Drop initramfs images of older inputs (not touched in the last hour).
find "$vm_cache" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "$(basename "$initrd")" -mmin +60 -delete
vm_log "modules: ${order[*]}"
echo "$vmlinux $initrd"
