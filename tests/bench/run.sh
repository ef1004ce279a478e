#!/usr/bin/env bash
# run.sh - brig's benchmark (make bench): brig vs runc vs crun, interleaved.
#
# Builds brig (unless BRIG_BINARY is set), the benchexec helper and one
# busybox bundle in a temporary directory, runs the Go driver
# (go run ./tests/bench) and removes everything again.
#
# Environment: BENCH_N (iterations per operation, default 30), BENCH_ROUNDS
# (rounds of 100-sequential / 20-parallel, default 3), BENCH_PEAK_ROUNDS
# (default 2), BENCH_RUNTIMES (default brig,runc,crun), BENCH_ONLY (e.g.
# run,lifecycle), BENCH_OUT (also write the output to this file),
# BENCH_GAP_MS (idle ms before each timed per-operation command, default 0:
# shows the cold cost of a cgroup move, see docs/performance.md),
# BENCH_KEEP=1 (keep the work directory), BENCH_STATE_DIR (where the
# runtimes' --root dirs go; default a fresh dir in /dev/shm: /run is a tmpfs
# on most hosts, but on this VM it is ext4, where every new inode costs).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: must run as root" >&2
	exit 1
fi

if [ -z "${BRIG_BINARY:-}" ]; then
	make -s build
	export BRIG_BINARY=$repo/bin/brig
fi

work=$(mktemp -d /tmp/brig-bench.XXXXXX)
state=$(mktemp -d "${BENCH_STATE_DIR:-/dev/shm}/brig-bench.XXXXXX")
cleanup() {
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		echo "bench: work directories kept: $work $state" >&2
	else
		rm -rf "$work" "$state"
	fi
}
trap cleanup EXIT

./scripts/mkbundle.sh "$work/base" true >/dev/null

# benchexec: a static C exec wrapper (crun's private mount namespace without
# /sys/fs/cgroup/unified, joining the peak-memory cgroup). Without a C
# compiler the driver falls back to unshare/sh and skips the peak measure.
helper=
if command -v gcc >/dev/null 2>&1; then
	if gcc -O2 -static -o "$work/benchexec" tests/bench/benchexec/benchexec.c 2>/dev/null ||
		gcc -O2 -o "$work/benchexec" tests/bench/benchexec/benchexec.c; then
		helper=$work/benchexec
	fi
fi
[ -n "$helper" ] || echo "bench: could not build benchexec (gcc); using shell wrappers" >&2

# Compile first so that compiling is not part of the run.
go build -o "$work/bench" ./tests/bench

out=${BENCH_OUT:-/dev/null}
"$work/bench" -dir "$work" -state "$state" -brig "$BRIG_BINARY" -helper "$helper" "$@" | tee "$out"
