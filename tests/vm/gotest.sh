#!/usr/bin/env bash
# gotest.sh compiles Go test binaries on the host (fast, native) and runs them
# all in ONE cgroup2 VM boot, each with cwd = its package dir like `go test`.
#
#   tests/vm/gotest.sh [run.sh options except --workdir] PKG... [-- TEST FLAGS...]
#   e.g. tests/vm/gotest.sh ./cgroups/... -- -v -run 'TestV2'
#
# go test flags such as -v -run -count are passed on as -test.v -test.run ...
# Prints go test style "ok  pkg" / "FAIL pkg" lines; exit 0 only if all pass.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runopts=()
pkgs=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout | --mem | --cpus | --root-cache) runopts+=("$1" "$2"); shift 2 ;;
	--workdir | --workdir=*) vm_die "gotest.sh picks its own workdir (the binaries live there)" ;;
	--verbose | --*=*) runopts+=("$1"); shift ;;
	--) shift; break ;;
	*) pkgs+=("$1"); shift ;;
	esac
done
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
flags=()
for f in "$@"; do
	case $f in
	-test.*) flags+=("$f") ;;
	-v | -short | -failfast | -json) flags+=("-test.${f#-}") ;;
	-run | -skip | -count | -timeout | -bench | -benchtime | -cpu | -parallel | -list | -shuffle) flags+=("-test.${f#-}") ;;
	-run=* | -skip=* | -count=* | -timeout=* | -bench=* | -benchtime=* | -cpu=* | -parallel=* | -list=* | -shuffle=*) flags+=("-test.${f#-}") ;;
	*) flags+=("$f") ;;
	esac
done

repo=$(cd "$vm_dir/../.." && pwd)
# The binaries must live in the workdir: the guest's /tmp is its own tmpfs.
out=$(mktemp -d /tmp/brig-vm-gotest.XXXXXX)
trap 'rm -rf -- "$out"' EXIT

quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
script=$out/run-tests.sh
{
	echo 'fail=0'
} >"$script"
n=0
while read -r ip dir ntests; do
	[ "$ntests" != 00 ] || continue
	n=$((n + 1))
	bin=$out/$n.test
	(cd "$repo" && go test -c -o "$bin" "$ip") || { echo "FAIL	$ip [build failed]"; exit 2; }
	{
		echo "t0=\$(date +%s.%N)"
		printf 'cd %s && %s' "$(quote "$dir")" "$(quote "$bin")"
		for f in "${flags[@]}"; do printf ' %s' "$(quote "$f")"; done
		echo
		echo "rc=\$?; t=\$(awk -v a=\"\$t0\" -v b=\"\$(date +%s.%N)\" 'BEGIN{printf \"%.3fs\", b-a}')"
		echo "if [ \$rc = 0 ]; then echo \"ok  	$ip	\$t\"; else echo \"FAIL	$ip	\$t\"; fail=1; fi"
	} >>"$script"
done < <(cd "$repo" && go list -f '{{.ImportPath}} {{.Dir}} {{len .TestGoFiles}}{{len .XTestGoFiles}}' "${pkgs[@]}")
echo 'exit $fail' >>"$script"
[ $n -gt 0 ] || { vm_log "no test files in ${pkgs[*]}"; exit 0; }

"$vm_dir/run.sh" --workdir "$out" "${runopts[@]}" -- sh "$script"
