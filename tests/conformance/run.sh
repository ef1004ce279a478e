#!/bin/sh
# Runs the OCI runtime-tools v0.9.0 validation suite against a runc-compatible
# runtime. See README.md beside this file.
#
# Usage: tests/conformance/run.sh [RUNTIME] [TEST...]
#   RUNTIME   path or $PATH name of the runtime (default: <repo>/bin/brig)
#   TEST...   run only these tests (default: all 58)
# Environment:
#   TIMEOUT=60              seconds per test (then SIGTERM to its process group,
#                           SIGKILL 5 s later)
#   EXPECTED=<file>         expected-failure list (default: expected-failures.txt here,
#                           expected-failures-cgroup2.txt on a cgroup2-only host;
#                           /dev/null to see raw results)
#   OUT=<dir>               logs: <name>.tap, <name>.err, results.txt
#                           (default $CONFORMANCE_CACHE/logs/<runtime name>)
#   CONFORMANCE_CACHE=<dir> build cache (default tests/conformance/.cache)
#   SKIP_BUILD=1            use the existing build (e.g. where there is no Go)
# Prints one line per test (PASS, FAIL, XFAIL, XPASS), then a summary and
# "N passed, N failed, N skipped" where failed counts only failures not on
# the expected list and skipped counts the expected failures. Exits 1 if a
# test not on the list failed or the run left something behind, 2 on setup errors.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${CONFORMANCE_CACHE:-$HERE/.cache}
TIMEOUT=${TIMEOUT:-60}
if [ -z "${EXPECTED:-}" ]; then
	# The suite reads cgroup v1 only: a cgroup2-only host has its own list.
	if grep -q '^[^ ]* /sys/fs/cgroup cgroup2 ' /proc/self/mounts; then
		EXPECTED=$HERE/expected-failures-cgroup2.txt
	else
		EXPECTED=$HERE/expected-failures.txt
	fi
fi

if [ "$(id -u)" != 0 ]; then
	echo "conformance: the suite needs root" >&2
	exit 2
fi

RUNTIME=${1:-$REPO/bin/brig}
[ $# -gt 0 ] && shift
case $RUNTIME in
*/*) # the tests run in the build dir: make a path absolute
	RUNTIME=$(cd "$(dirname "$RUNTIME")" 2>/dev/null && pwd)/$(basename "$RUNTIME") ;;
esac
if ! command -v "$RUNTIME" >/dev/null 2>&1; then
	echo "conformance: runtime $RUNTIME not found or not executable" >&2
	exit 2
fi
RTNAME=$(basename "$RUNTIME")
RTNAME=${RTNAME%.sh}

if [ "${SKIP_BUILD:-}" != 1 ]; then
	"$HERE/build.sh" "$CACHE" || { echo "conformance: build failed" >&2; exit 2; }
fi
BIN=$(cd "$CACHE/bin" 2>/dev/null && pwd) || { echo "conformance: no build in $CACHE/bin" >&2; exit 2; }

OUT=${OUT:-$CACHE/logs/$RTNAME}
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/*.tap "$OUT"/*.err "$OUT/results.txt"

# Per-run scratch dir: bundles go here (the suite uses ioutil.TempDir("")),
# and its path marks what this run created.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/brig-conformance.XXXXXX") || exit 2
# Every process the tests start inherits this; used to find strays.
MARK=BRIG_CONFORMANCE_RUN=$(basename "$WORK")
# mktemp made it 0700; tests with a user namespace (linux_uid_mappings,
# linux_ns_nopath) need a mapped, unprivileged root to reach the bundle.
chmod 0755 "$WORK"

if [ $# -gt 0 ]; then
	TESTS="$*"
else
	TESTS=$(cd "$BIN" && for f in *; do
		case $f in runtimetest | *.tar.gz) continue ;; esac
		[ -x "$f" ] && [ -f "$f" ] && echo "$f"
	done)
fi

# reason_for NAME: the expected-failure reason for NAME, empty if not listed.
reason_for() {
	[ -r "$EXPECTED" ] || return 0
	awk -v n="$1" '$1 == n { sub(/^[^ \t]+[ \t]+/, ""); print; exit }' "$EXPECTED"
}

CGROOT=/sys/fs/cgroup
cgroup_dirs() { find "$CGROOT" -mindepth 1 -type d 2>/dev/null | sort; }
CG_BEFORE=$WORK/cgroups.before
cgroup_dirs >"$CG_BEFORE"

# cleanup NAME: remove what test NAME left behind; prints one line per item
# (empty output: nothing was left). Touches only things this run made.
cleanup() {
	# Containers whose bundle is in our scratch dir.
	for id in $("$RUNTIME" list -q 2>/dev/null); do
		bundle=$("$RUNTIME" state "$id" 2>/dev/null | sed -n 's/^[[:space:]]*"bundle": "\(.*\)",\{0,1\}$/\1/p')
		case $bundle in "$WORK"/*) ;; *) continue ;; esac
		"$RUNTIME" kill "$id" KILL >/dev/null 2>&1
		"$RUNTIME" delete -f "$id" >/dev/null 2>&1 || "$RUNTIME" delete "$id" >/dev/null 2>&1
		echo "container $id (bundle $bundle)"
	done
	# Processes started by the test (they carry $MARK in their environment).
	for env in /proc/[0-9]*/environ; do
		pid=${env#/proc/}
		pid=${pid%/environ}
		[ "$pid" = $$ ] && continue
		if { tr '\0' '\n' <"$env"; } 2>/dev/null | grep -qx "$MARK"; then
			kill -KILL "$pid" 2>/dev/null && echo "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null))"
		fi
	done
	# Mounts under our scratch dir, innermost first.
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null && echo "mount $m"
	done
	# Cgroups the suite names (cgrouptest, testdir) or named by a container
	# id (a UUID), created since the run started; children before parents.
	cgroup_dirs | comm -13 "$CG_BEFORE" - | sort -r | while read -r d; do
		case ${d#"$CGROOT"/} in
		*cgrouptest* | */testdir | */testdir/* | *[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*) ;;
		*) continue ;;
		esac
		rmdir "$d" 2>/dev/null && echo "cgroup $d"
	done
}

# tap_summary FILE: "<plan> <ok> <notok> <first failure>". Some tests print
# several TAP documents (plans are added up); the hook tests report a failure
# only as a YAML diagnostic {"error": ...} outside any test point, with plan
# 1..0: such a diagnostic counts as a failed subtest.
tap_summary() {
	awk '
		function failed(desc) { notok++; if (first == "") first = desc }
		/^TAP version/ { after_point = 0 }
		/^1\.\.[0-9]+/ { plan += substr($1, 4) + 0 }
		/^ok( |$)/ { ok++; after_point = 1 }
		/^not ok( |$)/ {
			after_point = 1
			d = $0; sub(/^not ok [0-9]* *-? */, "", d); failed(d)
		}
		/^  ---$/ && !after_point { orphan = 1 }
		/^  \.\.\.$/ { orphan = 0 }
		orphan && /^    "error": "/ {
			d = $0; sub(/^    "error": "/, "", d); sub(/\\n.*/, "", d); sub(/",?$/, "", d)
			failed(d)
		}
		END { printf "%d %d %d %s\n", plan, ok, notok, first }' "$1"
}

# run_test NAME: runs test NAME in its own session (so a timeout ends all of
# its processes) with a watchdog; sets rc. Not coreutils' or busybox'
# timeout: busybox' leaves a watcher behind that kills the pid later.
run_test() {
	(cd "$BIN" && exec setsid env "$MARK" RUNTIME="$RUNTIME" TMPDIR="$tmp" "./$1") \
		>"$OUT/$1.tap" 2>"$OUT/$1.err" </dev/null &
	tpid=$!
	# shellcheck disable=SC2016 # expanded by the inner sh
	setsid sh -c 'sleep "$1"; : >"$3"; kill -TERM "-$2"; sleep 5; kill -KILL "-$2"' \
		sh "$TIMEOUT" "$tpid" "$WORK/$1.timeout" >/dev/null 2>&1 </dev/null &
	wpid=$!
	wait "$tpid" 2>/dev/null
	rc=$?
	kill -KILL "-$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
}

# On Ctrl-C or SIGTERM: end the running test, clean up, remove the scratch dir.
interrupted() {
	[ -n "${tpid:-}" ] && kill -KILL "-$tpid" 2>/dev/null
	[ -n "${wpid:-}" ] && kill -KILL "-$wpid" 2>/dev/null
	cleanup >/dev/null
	rm -rf "$WORK"
	echo "conformance: interrupted" >&2
	exit 130
}
trap interrupted INT TERM

npass=0 nfail=0 nxfail=0 nxpass=0 nleak=0 unexpected=""
start=$(date +%s)
for name in $TESTS; do
	if [ ! -x "$BIN/$name" ]; then
		echo "conformance: no such test: $name" >&2
		rm -rf "$WORK"
		exit 2
	fi
	tmp=$WORK/$name
	mkdir -p "$tmp" && chmod 0755 "$tmp"
	t0=$(date +%s)
	run_test "$name"
	secs=$(($(date +%s) - t0))

	leaks=$(cleanup)
	if [ -n "$leaks" ]; then
		nleak=$((nleak + 1))
		printf 'runner: left behind after the test, removed:\n%s\n' "$leaks" >>"$OUT/$name.err"
	fi
	rm -rf "$tmp"

	summary=$(tap_summary "$OUT/$name.tap")
	read -r plan ok notok first <<EOF
$summary
EOF
	why=""
	if [ -e "$WORK/$name.timeout" ]; then
		why="timed out after ${TIMEOUT}s, $ok subtests passed before"
	elif [ "$notok" -gt 0 ]; then
		why="$notok/$((ok + notok)) subtests failed: $first"
	elif [ "$rc" -ne 0 ]; then
		last=$(grep -v '^[[:space:]]*$' "$OUT/$name.err" | grep -v '^runner: \|^container \|^process \|^mount \|^cgroup ' | tail -n 1)
		why="exit $rc after $ok/$plan subtests: $last"
	elif [ "$ok" -ne "$plan" ]; then
		# plan 0 and no test points passes: process_rlimits_fail prints no
		# TAP at all and signals failure only by its exit status.
		why="incomplete TAP: $ok of plan $plan passed"
	fi

	reason=$(reason_for "$name")
	if [ -z "$why" ] && [ -z "$reason" ]; then
		line="PASS $name"
		npass=$((npass + 1))
	elif [ -z "$why" ]; then
		line="XPASS $name (on expected-failure list but passed)"
		nxpass=$((nxpass + 1))
	elif [ -n "$reason" ]; then
		line="XFAIL $name ($reason) [$why]"
		nxfail=$((nxfail + 1))
	else
		line="FAIL $name ($why)"
		nfail=$((nfail + 1))
		unexpected="$unexpected $name"
	fi
	printf '%s\n' "$line"
	printf '%s\t%ss\n' "$line" "$secs" >>"$OUT/results.txt"
	[ -n "$leaks" ] && echo "  cleaned up after $name: $(echo "$leaks" | awk '{ n[$1]++ } END { for (k in n) { printf "%s%d %s", sep, n[k], k; sep = ", " } }')"
done

# Whatever survived the per-test cleanup is a leftover of the whole run.
left=$(cleanup)
rm -rf "$WORK"
[ -d "$WORK" ] && left="$left
dir $WORK"
elapsed=$(($(date +%s) - start))

total=$((npass + nfail + nxfail + nxpass))
echo "expected-failure list: $EXPECTED"
echo "conformance ($RUNTIME): $npass PASS, $nfail FAIL, $nxfail XFAIL, $nxpass XPASS of $total tests in ${elapsed}s; logs in $OUT"
[ -n "$unexpected" ] && echo "unexpected failures:$unexpected"
[ "$nleak" -gt 0 ] && echo "runner had to clean up after $nleak tests (see 'runner:' in their .err logs)"
if [ -n "$left" ]; then
	echo "LEFT BEHIND after the run:"
	echo "$left"
fi
echo "$((npass + nxpass)) passed, $nfail failed, $nxfail skipped"
[ -z "$unexpected" ] && [ -z "$left" ]
