#!/bin/sh
# Runs crun in a private mount namespace without the cgroup2 mount at
# /sys/fs/cgroup/unified: on a hybrid cgroup host crun 1.8 otherwise takes
# that controller-less cgroup2 tree for the cgroup hierarchy and fails.
# On a pure v1 or pure v2 host there is nothing to unmount and this is just
# crun. Usage: RUNTIME=$PWD/crun-hybrid.sh run.sh ...  (CRUN overrides the binary)
# shellcheck disable=SC2016 # $0 and $@ expand in the inner sh
exec unshare -m sh -c '
	if grep -q " /sys/fs/cgroup/unified cgroup2 " /proc/self/mounts; then
		umount /sys/fs/cgroup/unified || exit 1
	fi
	exec "$0" "$@"' "${CRUN:-crun}" "$@"
