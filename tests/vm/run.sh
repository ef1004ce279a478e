#!/usr/bin/env bash
# run.sh runs one command as root inside a throwaway QEMU VM whose only cgroup
# hierarchy is cgroup2 (all controllers enabled at the root), and exits with
# the command's exit status. See tests/vm/README.md.
#
#   tests/vm/run.sh [options] -- CMD [ARGS...]
#
#   --workdir DIR     writable dir, mounted at the same path, cwd of CMD (default: $PWD)
#   --timeout SECS    kill the VM after SECS (default: $BRIG_VM_TIMEOUT or 600) -> exit 124
#   --mem SIZE        guest RAM (default 2G)
#   --cpus N          guest vCPUs (default 2)
#   --root-cache MODE 9p cache mode for the read-only host / (default loose; none if
#                     the host changes files the command reads during the run)
#   --verbose         show kernel messages and timings
#
# Environment: BRIG_VM_CACHE (cache dir), BRIG_VM_KERNEL (kernel package name),
# BRIG_VM_MODULES (extra guest modules), BRIG_VM_APPEND (extra kernel args),
# BRIG_VM_BIOS (qboot (default), seabios or a firmware file), BRIG_VM_TIMEOUT,
# BRIG_VM_VERBOSE=1.
#
# Exit status: CMD's status; 124 on timeout; 125 if the VM failed before CMD
# reported a status (boot failure, crash, bad usage).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

workdir=$PWD
timeout_s=${BRIG_VM_TIMEOUT:-600}
mem=2G
cpus=2
rootcache=loose
verbose=${BRIG_VM_VERBOSE:-0}
while [ $# -gt 0 ]; do
	case $1 in
	--workdir) workdir=${2:?--workdir needs a value}; shift 2 ;;
	--workdir=*) workdir=${1#*=}; shift ;;
	--timeout) timeout_s=${2:?--timeout needs a value}; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; shift ;;
	--mem) mem=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--root-cache) rootcache=${2:?}; shift 2 ;;
	--verbose | -v) verbose=1; shift ;;
	--) shift; break ;;
	*) vm_die "unknown option $1 (usage: $0 [--workdir DIR] [--timeout SECS] -- CMD ARGS...)" ;;
	esac
done
[ $# -gt 0 ] || vm_die "no command (usage: $0 [--workdir DIR] -- CMD ARGS...)"
[ -d "$workdir" ] || vm_die "workdir $workdir is not a directory"
workdir=$(realpath -- "$workdir")
case $workdir in *[[:space:]]* | *,*) vm_die "workdir path must not contain spaces or commas: $workdir" ;; esac
case $workdir/ in /proc/* | /sys/* | /dev/*) vm_die "workdir $workdir is hidden by the guest's own /proc, /sys or /dev" ;; esac
case $rootcache in none | loose | mmap | fscache) ;; *) vm_die "bad --root-cache $rootcache" ;; esac

t0=$(date +%s.%N)
read -r vmlinux initrd < <("$vm_dir/build.sh") || true
[ -s "${vmlinux:-}" ] && [ -s "${initrd:-}" ] || vm_die "kernel/initramfs build failed"

ctl=$(mktemp -d /tmp/brig-vm.XXXXXX)
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf -- "$ctl"
}
trap cleanup EXIT
trap 'vm_log "interrupted"; exit 130' INT
trap 'vm_log "terminated"; exit 143' TERM HUP

quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
printf '%s\n' "$workdir" >"$ctl/workdir"
# The repository, when it lies under /tmp or /run (a CI clone, say), would be
# hidden by the guest's fresh tmpfs there: export it read-only at its path.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
share=
case $repo/ in /tmp/* | /run/*)
	case $workdir/ in "$repo"/*) ;; *) share=$repo ;; esac ;;
esac
printf '%s\n' "$share" >"$ctl/share"
printf '%s\n' "$rootcache" >"$ctl/rootcache"
{
	echo "cd $(quote "$workdir") || exit 125"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(quote "$a")"; done
	echo
} >"$ctl/cmd"
[ "$verbose" = 1 ] && : >"$ctl/verbose"

# no_timer_check: under a loaded host the emulated timer can miss the
# boot-time IO-APIC check and print an "MP-BIOS bug" line into the output.
# cryptomgr.notests: skips the kernel crypto self-tests (~0.2 s of boot).
append="console=ttyS0 panic=-1 rdinit=/init no_timer_check cryptomgr.notests"
[ "$verbose" = 1 ] || append="$append quiet"
append="$append ${BRIG_VM_APPEND:-}"

# qboot (a minimal firmware shipped with QEMU) saves ~0.3 s over SeaBIOS.
# BRIG_VM_BIOS=seabios falls back to QEMU's default firmware.
bios=()
case ${BRIG_VM_BIOS:-qboot} in
seabios | default) ;;
qboot) [ -e /usr/share/qemu/qboot.rom ] && bios=(-bios qboot.rom) ;;
*) bios=(-bios "$BRIG_VM_BIOS") ;;
esac

fs9p() { # id path tag extra-fsdev-opts
	echo "-fsdev" "local,id=$1,path=$2,security_model=passthrough,multidevs=remap$4"
	echo "-device" "virtio-9p-pci,fsdev=$1,mount_tag=$3"
}
qemu=(
	qemu-system-x86_64
	-accel tcg -machine q35 -cpu max -smp "$cpus" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-serial stdio
	-kernel "$vmlinux" -initrd "$initrd" -append "$append"
	"${bios[@]}"
	-device virtio-rng-pci
)
while read -r a b; do qemu+=("$a" "$b"); done < <(
	fs9p fsroot / hostroot ",readonly=on"
	fs9p fsctl "$ctl" ctl ""
	[ "$workdir" = / ] || fs9p fswork "$workdir" work ""
	[ -z "$share" ] || fs9p fsshare "$share" share ",readonly=on"
)

# pdeathsig on both: if this script or timeout is killed outright, QEMU dies too.
setpriv --pdeathsig KILL -- timeout -k 5 "$timeout_s" \
	setpriv --pdeathsig KILL -- "${qemu[@]}" </dev/null &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=
t1=$(date +%s.%N)
[ "$verbose" = 1 ] && vm_log "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "VM total %.2fs", b-a}')"

if [ -s "$ctl/status" ]; then
	exit "$(cat "$ctl/status")"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	vm_log "error: timed out after ${timeout_s}s (VM killed)"
	exit 124
fi
vm_log "error: VM stopped without reporting the command's exit status (qemu/timeout exit $qrc): boot failure or guest crash; rerun with --verbose"
exit 125
