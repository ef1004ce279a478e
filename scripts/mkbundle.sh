#!/usr/bin/env bash
# mkbundle.sh DIR [args...] - make a busybox OCI bundle in DIR.
#
#   DIR/rootfs       busybox-static + one symlink per applet, /etc/passwd and
#                    /etc/group (root and user 1000), empty /proc /sys /dev /tmp
#   DIR/config.json  from `brig spec` (BRIG_BINARY, else <repo>/bin/brig, else a
#                    built-in default), with terminal=false and process.args set
#                    to the given args (default: sh)
#
# An existing DIR/rootfs is refreshed and DIR/config.json is overwritten.
set -euo pipefail

usage() { echo "usage: $0 DIR [args...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac

dir=$1; shift
[ $# -gt 0 ] || set -- sh

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
	for c in /bin/busybox /usr/bin/busybox; do
		if [ -x "$c" ]; then busybox=$c; break; fi
	done
fi
if [ -z "$busybox" ]; then
	echo "mkbundle: busybox not found (install busybox-static: scripts/install-deps.sh)" >&2
	exit 1
fi
# A dynamically linked busybox would not run inside an empty rootfs.
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "mkbundle: $busybox is not statically linked (install busybox-static)" >&2
	exit 1
fi
command -v jq >/dev/null 2>&1 || { echo "mkbundle: jq is required" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rootfs=$dir/rootfs

mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root,home/user}
chmod 1777 "$rootfs/tmp"
chown 1000:1000 "$rootfs/home/user" 2>/dev/null || true
install -m 0755 "$busybox" "$rootfs/bin/busybox"
# `busybox --list-full` gives paths like usr/bin/env; keep them so PATH and
# scripts with #!/usr/bin/env work; fall back to /bin for plain --list.
if applets=$("$busybox" --list-full 2>/dev/null); then
	for a in $applets; do
		d=$(dirname "$a")
		mkdir -p "$rootfs/$d"
		[ "$a" = "bin/busybox" ] && continue
		ln -sfn /bin/busybox "$rootfs/$a"
	done
else
	for a in $("$busybox" --list); do
		[ "$a" = busybox ] && continue
		ln -sfn busybox "$rootfs/bin/$a"
	done
fi

cat > "$rootfs/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$rootfs/etc/group" <<'GR'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
GR
echo brig > "$rootfs/etc/hostname"

default_spec() {
	cat <<'JSON'
{
	"ociVersion": "1.3.0",
	"process": {
		"terminal": true,
		"user": {"uid": 0, "gid": 0},
		"args": ["sh"],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "brig",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
	],
	"linux": {
		"resources": {"devices": [{"allow": false, "access": "rwm"}]},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
		"maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
		"readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
	}
}
JSON
}

brig=${BRIG_BINARY:-$repo/bin/brig}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -x "$brig" ] && "$brig" spec --bundle "$tmp" >/dev/null 2>&1 && [ -s "$tmp/config.json" ]; then
	base=$tmp/config.json
else
	default_spec > "$tmp/default.json"
	base=$tmp/default.json
fi

args_json=$(jq -cn '$ARGS.positional' --args -- "$@")
jq --argjson args "$args_json" \
	'.process.terminal = false | .process.args = $args | .root.path = "rootfs"' \
	"$base" > "$dir/config.json.tmp"
mv "$dir/config.json.tmp" "$dir/config.json"

echo "bundle ready: $dir (args: $*)"
