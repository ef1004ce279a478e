#!/usr/bin/env bash
# run.sh - end-to-end tests: podman, containerd (ctr) and Docker running
# containers with brig (or runc, the reference) as their OCI runtime.
#
# usage: tests/engines/run.sh [-r brig|runc|PATH] [-e ENGINES] [-k] [ONLY]
#   -r RUNTIME  runtime under test: brig (default: $BRIG or <repo>/bin/brig),
#               runc (/usr/sbin/runc), or a path to a runc-compatible binary
#   -e ENGINES  comma-separated subset of podman,containerd,docker (default all)
#   -k          keep the work directory (logs, calls-<runtime>.log)
#   ONLY        extended regexp on "ENGINE SCENARIO", e.g. 'podman (exec|oom)'
#
# Every daemon runs with private state, sockets and cgroup parent; nothing of
# the host's services is touched. Prints one PASS/FAIL line per scenario and
# "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

runtime=${RUNTIME:-brig}
engines=${ENGINES:-podman,containerd,docker}
keep=${KEEP:-}
while getopts "r:e:kh" o; do
	case $o in
	r) runtime=$OPTARG ;;
	e) engines=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,14p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
ONLY=${1:-${ONLY:-}}

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 2; }

. "$here/lib.sh"
. "$here/podman.sh"
. "$here/containerd.sh"
. "$here/docker.sh"

# --- dependencies ---------------------------------------------------------------

install_deps() {
	local missing=() c p
	for c in podman:podman conmon:conmon catatonit:catatonit containerd:containerd \
		ctr:containerd containerd-shim-runc-v2:containerd dockerd:docker.io \
		/usr/bin/docker:docker.io docker-init:docker.io jq:jq busybox:busybox-static \
		runc:runc; do
		p=${c#*:}
		c=${c%%:*}
		command -v "$c" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } ||
		{ log "run.sh: cannot install ${missing[*]}"; exit 2; }
}

# --- set-up and clean-up ------------------------------------------------------

W=$(mktemp -d /tmp/brig-engines.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/out"
STARTED=()

cleanup() {
	local e
	cd /
	for e in "${STARTED[@]}"; do
		"${e}_teardown" >/dev/null 2>&1 || true
	done
	umount_under "$W"
	if [ -n "$keep" ]; then
		log "work directory kept: $W"
	else
		rm -rf "$W" 2>/dev/null || { sleep 1; umount_under "$W"; rm -rf "$W"; } || log "could not remove $W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_deps

case $runtime in
brig)
	real=${BRIG:-$repo/bin/brig}
	[ -x "$real" ] || { log "run.sh: $real not found: run make build"; exit 2; }
	RT_NAME=brig
	;;
runc)
	real=$(command -v runc)
	RT_NAME=runc
	;;
*)
	real=$(readlink -f "$runtime")
	RT_NAME=$(basename "$real")
	;;
esac
# A private copy: the binary under test must not change while the suite runs.
mkdir -p "$W/real"
cp "$real" "$W/real/$RT_NAME"
make_wrapper "$RT_NAME" "$W/real/$RT_NAME"
WRAP=$W/bin/$RT_NAME
log "runtime: $RT_NAME ($real): $("$W/real/$RT_NAME" --version 2>&1 | head -1)"

# The image: a busybox rootfs from scripts/mkbundle.sh, as a tar.
BRIG_BINARY=$W/real/$RT_NAME "$repo/scripts/mkbundle.sh" "$W/bundle" >/dev/null ||
	{ log "run.sh: mkbundle.sh failed"; exit 2; }
tar -C "$W/bundle/rootfs" -cf "$W/busybox.tar" .

# conmon 2.1.6 creates a file named "oom" in its working directory.
cd "$W" || exit 2
t0=$SECONDS
IFS=, read -ra engine_list <<<"$engines"
for e in "${engine_list[@]}"; do
	case $e in
	podman | containerd | docker) ;;
	*) log "run.sh: unknown engine '$e' (podman, containerd, docker)"; exit 2 ;;
	esac
	STARTED+=("$e")
	# In this shell: setup sets the engine's variables.
	if ! "${e}_setup" >"$W/out/$e-setup.log" 2>&1; then
		FAILED=$((FAILED + 1))
		printf 'FAIL %s setup\n' "$e"
		tail -n 20 "$W/out/$e-setup.log" | sed 's/^/    | /'
		continue
	fi
	"${e}_scenarios"
	"${e}_teardown" >/dev/null 2>&1 || true
	STARTED=("${STARTED[@]/$e/}")
done

printf '%d passed, %d failed, %d skipped (runtime %s, %ds)\n' "$PASSED" "$FAILED" "$SKIPPED" "$RT_NAME" $((SECONDS - t0))
[ "$FAILED" = 0 ]
