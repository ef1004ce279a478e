#!/usr/bin/env bash
# profile.sh - where the time of create/start/delete goes, brig vs crun (and
# runc): the numbers behind the breakdown in docs/performance.md.
#
#   1. brig's own phase timings: `brig --debug --log F create` logs
#      "create ID: X ms: state dir .., cgroup create .., clone init ..,
#      init ready .., cgroup enter .., init created ..", delete likewise;
#      medians over PROFILE_N containers.
#   2. perf stat per operation (task-clock, context switches, page faults),
#      PROFILE_N operations per runtime, divided by PROFILE_N.
#   3. strace -c -f of one create, start and delete per runtime (syscall
#      counts; strace's own overhead makes its times useless).
#
# Usage: tests/bench/profile.sh [OUTDIR]   (root; PROFILE_N, default 20;
# PROFILE_RUNTIMES, default "brig crun runc"). Needs perf and strace.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
n=${PROFILE_N:-20}
runtimes=${PROFILE_RUNTIMES:-brig crun runc}
brig=${BRIG_BINARY:-$repo/bin/brig}
out=${1:-$(mktemp -d /tmp/brig-profile.XXXXXX)}
mkdir -p "$out"
[ -x "$brig" ] || make -s -C "$repo" build

work=$(mktemp -d /tmp/brig-profile-work.XXXXXX)
state=$(mktemp -d /dev/shm/brig-profile.XXXXXX)
helper=$work/benchexec
gcc -O2 -static -o "$helper" "$repo/tests/bench/benchexec/benchexec.c"

# Containers get cgroups under this parent; removed at the end.
cgparent=brig-profile-$$
cleanup() {
	for rt in $runtimes; do
		for d in "$state/$rt"/*/; do
			[ -d "$d" ] && rtcmd "$rt" delete --force "$(basename "$d")" >/dev/null 2>&1
		done
	done
	for h in /sys/fs/cgroup/*/; do
		[ -d "$h$cgparent" ] && find "$h$cgparent" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$work" "$state"
}
trap cleanup EXIT

# rtargv RT: CMD=(the runtime's command line up to the subcommand)
rtargv() {
	case $1 in
	brig) CMD=("$brig" --root "$state/brig") ;;
	runc) CMD=("$(command -v runc)" --root "$state/runc") ;;
	crun) CMD=("$helper" -u -- "$(command -v crun)" --root "$state/crun") ;;
	esac
}
rtcmd() {
	local CMD
	rtargv "$1"
	shift
	"${CMD[@]}" "$@"
}

"$repo/scripts/mkbundle.sh" "$work/base" true >/dev/null
# One bundle per container (its own cgroupsPath), config only, shared rootfs.
mkbundle() { # rt id
	local v=1.3.0
	[ "$1" = brig ] || v=1.0.2
	mkdir -p "$work/b/$2"
	jq --arg r "$work/base/rootfs" --arg cg "/$cgparent/$2" --arg v "$v" \
		'.ociVersion = $v | .root.path = $r | .linux.cgroupsPath = $cg' \
		"$work/base/config.json" >"$work/b/$2/config.json"
}

waitstopped() { # rt id
	for _ in $(seq 500); do
		case $(rtcmd "$1" state "$2" 2>/dev/null | jq -r .status 2>/dev/null) in
		stopped | "") return 0 ;;
		esac
		sleep 0.01
	done
}

echo "== 1. brig phases (median of $n, ms; --debug log)"
log=$out/brig-debug.log
: >"$log"
for i in $(seq "$n"); do
	mkbundle brig "ph$i"
	"$brig" --root "$state/brig" --debug --log "$log" create --bundle "$work/b/ph$i" "ph$i"
	"$brig" --root "$state/brig" --debug --log "$log" start "ph$i"
	waitstopped brig "ph$i"
	"$brig" --root "$state/brig" --debug --log "$log" delete "ph$i"
done
(cd "$repo" && go run ./tests/bench -phases "$log") | tee "$out/brig-phases.txt"

echo "== 2. perf stat per operation (mean of $n)"
for rt in $runtimes; do
	for i in $(seq "$n"); do mkbundle "$rt" "ps-$rt-$i"; done
	for op in create start delete; do
		# A plain list of commands: the shell adds only its fork per line.
		script=$work/ps-$rt-$op.sh
		rtargv "$rt"
		: >"$script"
		for i in $(seq "$n"); do
			case $op in
			create) args=(create --bundle "$work/b/ps-$rt-$i" "ps-$rt-$i") ;;
			*) args=("$op" "ps-$rt-$i") ;;
			esac
			printf '%q ' "${CMD[@]}" "${args[@]}" >>"$script"
			echo >>"$script"
		done
		if [ "$op" = delete ]; then
			for i in $(seq "$n"); do waitstopped "$rt" "ps-$rt-$i"; done
		fi
		perf stat -x, -e task-clock,context-switches,page-faults,cpu-migrations \
			-o "$out/perf-$rt-$op.csv" bash "$script" >/dev/null 2>&1
		printf "  %-5s %-7s" "$rt" "$op"
		awk -F, -v n="$n" '!/^#/ && NF > 2 { printf " %s=%.2f", $3, $1 / n }' "$out/perf-$rt-$op.csv"
		echo
	done
done

echo "== 3. strace -c -f (one operation; syscalls and errors; top 6 by count)"
for rt in $runtimes; do
	mkbundle "$rt" "st-$rt"
	# strace -f follows the init until it execs and exits: run it in the
	# background and start the container once it is created.
	rtargv "$rt"
	strace -f -c -S calls -o "$out/strace-$rt-create.txt" "${CMD[@]}" create --bundle "$work/b/st-$rt" "st-$rt" &
	spid=$!
	for _ in $(seq 500); do
		[ "$(rtcmd "$rt" state "st-$rt" 2>/dev/null | jq -r .status 2>/dev/null)" = created ] && break
		sleep 0.01
	done
	strace -f -c -S calls -o "$out/strace-$rt-start.txt" "${CMD[@]}" start "st-$rt"
	wait "$spid"
	waitstopped "$rt" "st-$rt"
	strace -f -c -S calls -o "$out/strace-$rt-delete.txt" "${CMD[@]}" delete "st-$rt"
	for op in create start delete; do
		f=$out/strace-$rt-$op.txt
		printf "  %-5s %-7s total %s calls, top:" "$rt" "$op" "$(awk '/total/ {print $(NF-2)}' "$f")"
		awk 'NR > 2 && !/^-/ && !/total/ && k < 6 { printf " %s=%s", $NF, $4; k++ } END { print "" }' "$f"
	done
done
echo "(full outputs in $out)"
