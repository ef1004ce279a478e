# lib.sh - shared helpers for the engine suite (sourced by run.sh).
#
# A scenario is a shell function run in a subshell; it fails by calling
# `die` (or one of the expect_* helpers), which exits that subshell.

# --- reporting --------------------------------------------------------------

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

log() { printf '%s\n' "$*" >&2; }

# die MSG: fail the current scenario. The marker file makes the failure
# count even when die runs inside a command substitution.
die() {
	printf 'FAILED: %s\n' "$*" >&2
	[ -n "${FAIL_MARK:-}" ] && printf '%s\n' "$*" >>"$FAIL_MARK"
	exit 1
}

# skip MSG: the scenario does not apply here (not counted as a failure).
skip() { printf 'SKIPPED: %s\n' "$*" >&2; exit 77; }

expect_eq() { # GOT WANT WHAT
	[ "$1" = "$2" ] || die "$3: got '$1', want '$2'"
}

expect_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in *"$2"*) ;; *) die "$3: '$2' not in: $(printf '%s' "$1" | head -c 800)" ;; esac
}

expect_not_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in *"$2"*) die "$3: unexpected '$2' in: $(printf '%s' "$1" | head -c 800)" ;; *) ;; esac
}

expect_match() { # STRING ERE WHAT
	printf '%s' "$1" | grep -Eq -- "$2" || die "$3: '$1' does not match /$2/"
}

# expect_rc WANT WHAT CMD...: run CMD, compare its exit status.
expect_rc() {
	local want=$1 what=$2 rc=0 out
	shift 2
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = "$want" ] || die "$what: exit status $rc, want $want (output: $(printf '%s' "$out" | tail -c 600))"
}

# run CMD...: run CMD, die with its output if it fails; prints its stdout.
run() {
	local out rc=0
	out=$("$@" 2>"$W/run.err") || rc=$?
	if [ "$rc" != 0 ]; then
		die "'$*' exited $rc: $(tail -c 800 "$W/run.err") $(printf '%s' "$out" | tail -c 400)"
	fi
	printf '%s' "$out"
}

# retry N CMD...: run CMD up to N times, 0.2s apart, until it succeeds.
retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# selected ENGINE SCENARIO: honour ONLY (regexp on "engine scenario").
selected() {
	[ -z "${ONLY:-}" ] && return 0
	printf '%s %s\n' "$1" "$2" | grep -Eq -- "$ONLY"
}

# scenario ENGINE NAME FUNCTION: run one scenario, print PASS/FAIL/SKIP.
scenario() {
	local engine=$1 name=$2 fn=$3 out rc=0 t0 t1
	selected "$engine" "$name" || return 0
	out=$W/out/$engine-$name.log
	t0=$(date +%s.%N)
	FAIL_MARK=$W/out/$engine-$name.failed
	rm -f "$FAIL_MARK"
	("$fn") >"$out" 2>&1 </dev/null || rc=$?
	[ -s "$FAIL_MARK" ] && [ "$rc" = 0 ] && rc=1
	FAIL_MARK=
	t1=$(date +%s.%N)
	local took
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1fs", b-a}')
	case $rc in
	0)
		PASSED=$((PASSED + 1))
		printf 'PASS %s %s (%s)\n' "$engine" "$name" "$took"
		;;
	77)
		SKIPPED=$((SKIPPED + 1))
		printf 'SKIP %s %s: %s\n' "$engine" "$name" "$(grep -m1 '^SKIPPED:' "$out" | cut -c10-)"
		;;
	*)
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$engine $name")
		printf 'FAIL %s %s (%s)\n' "$engine" "$name" "$took"
		sed 's/^/    | /' "$out" | tail -n "${FAIL_LINES:-15}"
		last_calls 1
		;;
	esac
	# Each engine defines <engine>_reset to remove what a scenario left.
	"${engine}_reset" >/dev/null 2>&1 || true
}

# --- the runtime under test -------------------------------------------------

# make_wrapper NAME REAL: $W/bin/NAME execs REAL after logging its argv to
# $W/calls-NAME.log, so a failure can show the exact command line an engine
# used. The wrapper keeps the name engines identify the runtime by.
make_wrapper() {
	local name=$1 real=$2
	mkdir -p "$W/bin"
	cat >"$W/bin/$name" <<EOF
#!/bin/sh
printf '%s %s\n' "\$(date +%T.%N | cut -c1-12)" "\$*" >>"$W/calls-$name.log"
exec "$real" "\$@"
EOF
	chmod 0755 "$W/bin/$name"
}

# last_calls N: the runtime's last N command lines other than delete (for
# failure reports).
last_calls() {
	grep -Ev ' delete( --force)? [^ ]+$' "$W/calls-$RT_NAME.log" 2>/dev/null | tail -n "${1:-1}" | sed 's/^/    last call: /'
}

# --- cleanup helpers ---------------------------------------------------------

# umount_under DIR: unmount everything mounted below DIR (deepest first).
umount_under() {
	local d=$1 m
	[ -d "$d" ] || return 0
	awk -v d="$d/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}

# rm_cgroups NAME: remove cgroup directories named NAME (and below) in every
# v1 hierarchy and in the unified one, deepest first. Also where a
# hierarchy's cgroup of this shell is nested (a relative cgroup parent
# lands below it, e.g. memory/<session cgroup>/NAME). rmdir only removes
# empty cgroups.
rm_cgroups() {
	local name=$1 d
	find /sys/fs/cgroup -maxdepth 5 -type d -name "$name" 2>/dev/null | while read -r d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# kill_procs_mentioning STR: SIGKILL every process whose command line
# contains STR (a path under this run's private work directory, so only
# processes this suite started: shims, conmons, leftover containers).
kill_procs_mentioning() {
	local str=$1 p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$str"; then
			kill -KILL "${p#/proc/}" 2>/dev/null || true
		fi
	done
}

# kill_cgroup NAME: SIGKILL the processes left in the pids cgroup NAME (and
# below): containers this suite started.
kill_cgroup() {
	local f p
	[ -d "/sys/fs/cgroup/pids/$1" ] || return 0
	find "/sys/fs/cgroup/pids/$1" -name cgroup.procs | while read -r f; do
		for p in $(cat "$f"); do kill -KILL "$p" 2>/dev/null || true; done
	done
	sleep 0.2
}

# kill_pidfile FILE: stop a daemon we started (by pid), wait for it.
kill_pidfile() {
	local f=$1 pid i
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
}
