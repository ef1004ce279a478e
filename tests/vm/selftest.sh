#!/usr/bin/env bash
# selftest.sh checks the VM harness itself: cgroup2 controllers, user
# namespaces, pivot_root, workdir writes, exit status propagation, timeout, and
# N consecutive boots (default 5). Prints boot times. Exit 0 if all pass.
set -uo pipefail
run=$(dirname "${BASH_SOURCE[0]}")/run.sh
boots=${1:-5}
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }

work=$(mktemp -d /tmp/brig-vm-selftest.XXXXXX)
trap 'rm -rf -- "$work"' EXIT

out=$("$run" --workdir "$work" -- cat /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null)
missing=
for c in cpu cpuset io memory pids hugetlb; do
	[ "$(grep -cw "$c" <<<"$out")" = 2 ] || missing="$missing $c"
done
[ -z "$missing" ] && ok "cgroup2 controllers enabled: $(head -n1 <<<"$out")" || ko "controllers missing:$missing ($out)"

out=$("$run" --workdir "$work" -- sh -c 'grep -c cgroup /proc/mounts; stat -fc %t /sys/fs/cgroup' 2>&1)
[ "$out" = "$(printf '1\n63677270')" ] && ok "only cgroup2 mounted" || ko "cgroup mounts: $out"

"$run" --workdir "$work" -- unshare -Ur true && ok "unshare -Ur true" || ko "unshare -Ur"

"$run" --workdir "$work" -- unshare -m sh -c '
	set -e
	mount -t tmpfs t /mnt
	mkdir /mnt/old
	cp /bin/busybox /mnt/
	cd /mnt
	pivot_root . old
	/busybox umount -l /old
	/busybox test ! -e /old/usr' && ok "pivot_root in a mount namespace" || ko "pivot_root"

"$run" --workdir "$work" -- sh -c '
	set -e
	cd /sys/fs/cgroup
	mkdir t
	echo 50000 100000 >t/cpu.max
	echo 64M >t/memory.max
	echo 10 >t/pids.max
	echo $$ >t/cgroup.procs
	grep -q "^0::/t$" /proc/self/cgroup' && ok "child cgroup with cpu/memory/pids limits" || ko "child cgroup"

"$run" --workdir "$work" -- sh -c 'pwd >cwd; id -u >>cwd; touch /usr/x 2>/dev/null && echo rw >>cwd; true'
[ "$(cat "$work/cwd" 2>/dev/null)" = "$(printf '%s\n0' "$work")" ] && ok "cwd=workdir, root, host / read-only, workdir writable" || ko "workdir: $(cat "$work/cwd" 2>/dev/null)"

"$run" --workdir "$work" -- sh -c 'exit 7'
rc=$?
[ $rc = 7 ] && ok "exit status 7 propagated" || ko "exit status: got $rc, want 7"

"$run" --workdir "$work" --timeout 20 -- sleep 60 2>/dev/null
rc=$?
[ $rc = 124 ] && ok "timeout -> 124" || ko "timeout: got $rc, want 124"

for i in $(seq "$boots"); do
	t0=$(date +%s.%N)
	out=$("$run" --workdir "$work" -- echo boot-$i 2>&1)
	rc=$?
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
	[ $rc = 0 ] && [ "$out" = "boot-$i" ] && ok "boot $i/$boots in ${t}s" || ko "boot $i/$boots (rc $rc): $out"
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
