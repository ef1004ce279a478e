#!/usr/bin/env bash
# test-cgroup2.sh runs, in ONE boot of the cgroup v2 VM (tests/vm/run.sh),
#   - the unit tests of ./cgroups/... (including the host tests that need a
#     real cgroup2 hierarchy), and
#   - the integration tests of the cgroup commands (update, pause, resume,
#     events, ps) and the lifecycle tests, against a brig binary,
# and exits non-zero if any fails. It builds only the test binaries (on the
# host: TCG is slow); brig itself must already be built (make build).
#
#   tests/vm/test-cgroup2.sh [run.sh options except --workdir] [-- TEST FLAGS...]
#   e.g. tests/vm/test-cgroup2.sh -- -v
#
# Environment:
#   BRIG_BINARY          runtime under test (default <repo>/bin/brig); copied
#                        into the VM's workdir, so it may be rebuilt meanwhile
#   BRIG_VM_INTEGRATION  -run regexp for tests/integration (default: the
#                        cgroup command and lifecycle tests; "." for all)
#   BRIG_VM_UNIT         packages for the unit tests (default ./cgroups/...)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

repo=$(cd "$vm_dir/../.." && pwd)
runopts=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout | --mem | --cpus | --root-cache) runopts+=("$1" "$2"); shift 2 ;;
	--workdir | --workdir=*) vm_die "test-cgroup2.sh picks its own workdir" ;;
	--verbose | --*=*) runopts+=("$1"); shift ;;
	--) shift; break ;;
	*) vm_die "unknown argument $1 (usage: $0 [run.sh options] [-- -v ...])" ;;
	esac
done
flags=()
for f in "$@"; do
	case $f in
	-v | -short | -failfast) flags+=("-test.${f#-}") ;;
	-*) flags+=("-test.${f#-}") ;;
	*) flags+=("$f") ;;
	esac
done

bin=${BRIG_BINARY:-$repo/bin/brig}
[ -x "$bin" ] || vm_die "runtime binary $bin not found or not executable (run make build, or set BRIG_BINARY)"
integration_run=${BRIG_VM_INTEGRATION:-'^(TestUpdate|TestUpdateCreated|TestPauseResume|TestPauseResumeRepeated|TestEventsStats|TestEventsStream|TestEventsOOM|TestPs|TestCgroupCommandErrors|TestCgroupResources|TestExecPaused|TestExecDuringPause|TestExecAtPidsLimit|TestLifecycle|TestCgroupsPath)$'}
read -r -a unit_pkgs <<<"${BRIG_VM_UNIT:-./cgroups/...}"

# The workdir is the only writable host dir the guest sees (its /tmp is
# its own), so the binaries go there.
out=$(mktemp -d /tmp/brig-vm-cgroup2.XXXXXX)
trap 'rm -rf -- "$out"' EXIT
cp -- "$bin" "$out/brig"

quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
script=$out/run-tests.sh
{
	echo 'fail=0'
	echo "export BRIG_BINARY=$(quote "$out/brig")"
	echo 'echo "brig-vm: cgroup $(stat -fc %T /sys/fs/cgroup), kernel $(uname -r), runtime $($BRIG_BINARY --version | head -n1)"'
	# A soft-RoCE device for the rdma.max test (modules from build.sh).
	echo 'ls /sys/class/infiniband/rxe0 >/dev/null 2>&1 || rdma link add rxe0 type rxe netdev dummy0 || { echo "brig-vm: FAIL: cannot add the soft-RoCE device rxe0 (the rdma.max test needs it)"; fail=1; }'
} >"$script"

# add_pkg IMPORTPATH DIR EXTRA-FLAGS...: build the test binary, run it in DIR.
n=0
add_pkg() {
	local ip=$1 dir=$2 test
	shift 2
	n=$((n + 1))
	test=$out/$n.test
	(cd "$repo" && go test -c -o "$test" "$ip") || { echo "FAIL	$ip [build failed]"; exit 2; }
	{
		echo "t0=\$(date +%s.%N)"
		printf 'cd %s && %s' "$(quote "$dir")" "$(quote "$test")"
		for f in "$@" "${flags[@]}"; do printf ' %s' "$(quote "$f")"; done
		echo
		echo "rc=\$?; t=\$(awk -v a=\"\$t0\" -v b=\"\$(date +%s.%N)\" 'BEGIN{printf \"%.3fs\", b-a}')"
		echo "if [ \$rc = 0 ]; then echo \"ok  	$ip	\$t\"; else echo \"FAIL	$ip	\$t\"; fail=1; fi"
	} >>"$script"
}

while read -r ip dir ntests; do
	[ "$ntests" != 00 ] || continue
	add_pkg "$ip" "$dir" -test.count=1
done < <(cd "$repo" && go list -f '{{.ImportPath}} {{.Dir}} {{len .TestGoFiles}}{{len .XTestGoFiles}}' "${unit_pkgs[@]}")

read -r ip dir < <(cd "$repo" && go list -f '{{.ImportPath}} {{.Dir}}' ./tests/integration)
add_pkg "$ip" "$dir" -test.count=1 -test.timeout=15m -test.run "$integration_run"

echo 'exit $fail' >>"$script"

"$vm_dir/run.sh" --workdir "$out" "${runopts[@]}" -- sh "$script"
