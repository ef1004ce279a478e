#!/usr/bin/env bash
# Installs the host packages that brig's tests need. Idempotent: a fast no-op
# when everything is present; runs `apt-get update` only when an install is
# needed (and at most once). qemu is left to tests/vm/setup.sh. iproute2:
# `ip` (veth tests) and `rdma` (the soft-RoCE device in the cgroup v2 VM).
set -euo pipefail

PKGS=(busybox-static runc crun libseccomp-dev strace jq iproute2)

missing=()
for p in "${PKGS[@]}"; do
	# dpkg-query prints "install ok installed" only for fully installed packages.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the index first: it is often already current.
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
