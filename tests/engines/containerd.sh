# containerd.sh - a private containerd driven by ctr, with
# `ctr run --runtime io.containerd.runc.v2 --runc-binary <runtime>`: the
# containerd-shim-runc-v2 calls the runtime under test.
#
# Private: config, root, state, sockets, /opt dir, the shim's runtime root
# (--runc-root), fifo dir, namespace brig-e2e-containerd (hence the cgroup
# parent /brig-e2e-containerd). The image is an OCI archive built from the
# busybox rootfs tar and imported with `ctr image import`.

CT_DIR=
CT_NS=brig-e2e-containerd
CT_IMG=localhost/busybox:e2e

ct() { timeout "${CMD_TIMEOUT:-60}" ctr --address "$CT_DIR/containerd.sock" -n "$CT_NS" "$@"; }

# ctrun ARGS...: `ctr run` with the runtime under test.
ctrun() {
	ct run --runtime io.containerd.runc.v2 --runc-binary "$WRAP" --runc-root "$CT_DIR/runc-root" \
		--fifo-dir "$CT_DIR/fifo" "$@"
}

# ct_tty CMDLINE: run an shell-quoted ctr command line under a pty (script).
# timeout --foreground keeps ctr in the pty's foreground process group: a
# plain timeout makes its own group, and ctr's tcsetattr (raw mode) then
# stops it with SIGTTOU whenever script's shell does not exec it directly
# (SHELL unset, as under CI, means /bin/sh -c).
ct_tty() {
	script -qec "timeout --foreground -k 5 30 ctr --address $CT_DIR/containerd.sock -n $CT_NS $1" /dev/null </dev/null | tr -d '\r'
}

# mk_oci_archive TAR OUT: a single-layer OCI image archive named $CT_IMG.
mk_oci_archive() {
	local tar=$1 out=$2 d=$CT_DIR/oci l ls c cs m ms
	mkdir -p "$d/blobs/sha256"
	l=$(sha256sum "$tar" | cut -d' ' -f1)
	ls=$(stat -c %s "$tar")
	cp "$tar" "$d/blobs/sha256/$l"
	jq -cn --arg l "sha256:$l" '{architecture: "amd64", os: "linux",
		config: {Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
		rootfs: {type: "layers", diff_ids: [$l]}}' >"$d/config.json"
	c=$(sha256sum "$d/config.json" | cut -d' ' -f1)
	cs=$(stat -c %s "$d/config.json")
	mv "$d/config.json" "$d/blobs/sha256/$c"
	jq -cn --arg c "sha256:$c" --argjson cs "$cs" --arg l "sha256:$l" --argjson ls "$ls" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$d/manifest.json"
	m=$(sha256sum "$d/manifest.json" | cut -d' ' -f1)
	ms=$(stat -c %s "$d/manifest.json")
	mv "$d/manifest.json" "$d/blobs/sha256/$m"
	jq -cn --arg m "sha256:$m" --argjson ms "$ms" --arg name "$CT_IMG" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
			platform: {architecture: "amd64", os: "linux"},
			annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": "e2e"}}]}' >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs
}

containerd_setup() {
	CT_DIR=$W/containerd
	mkdir -p "$CT_DIR"/{root,state,opt,runc-root,fifo,logs}
	cat >"$CT_DIR/config.toml" <<EOF
version = 2
root = "$CT_DIR/root"
state = "$CT_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CT_DIR/containerd.sock"

[ttrpc]
  address = "$CT_DIR/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CT_DIR/opt"

[plugins."io.containerd.internal.v1.restart"]
  interval = "1s"
EOF
	setsid containerd --config "$CT_DIR/config.toml" --log-level warn \
		>"$CT_DIR/containerd.log" 2>&1 </dev/null &
	echo $! >"$CT_DIR/containerd.spawned"
	local i
	for i in $(seq 100); do
		ct version >/dev/null 2>&1 && break
		kill -0 "$(cat "$CT_DIR/containerd.spawned")" 2>/dev/null || { tail -20 "$CT_DIR/containerd.log"; return 1; }
		sleep 0.1
	done
	mk_oci_archive "$W/busybox.tar" "$CT_DIR/busybox-oci.tar" || return 1
	ct image import "$CT_DIR/busybox-oci.tar" >/dev/null || return 1
	ct image ls -q | grep -qx "$CT_IMG" || { ct image ls; return 1; }
}

containerd_reset() {
	local c
	# first stop the restart monitor from bringing anything back
	for c in $(ct container ls -q); do
		ct container label "$c" containerd.io/restart.status= >/dev/null 2>&1
	done
	for c in $(ct container ls -q); do
		ct task kill -s KILL "$c" >/dev/null 2>&1
		ct task rm -f "$c" >/dev/null 2>&1
		ct container rm "$c" >/dev/null 2>&1
	done
	return 0
}

containerd_teardown() {
	[ -n "$CT_DIR" ] || return 0
	containerd_reset >/dev/null 2>&1 || true
	kill_pidfile "$CT_DIR/containerd.spawned"
	kill_procs_mentioning "$CT_DIR/"
	kill_cgroup "$CT_NS"
	umount_under "$CT_DIR"
	rm_cgroups "$CT_NS"
}

# ct_status ID: the task's status (RUNNING, PAUSED, STOPPED, CREATED).
ct_status() { ct task ls | awk -v id="$1" '$1 == id {print $3}'; }
ct_pid() { ct task ls | awk -v id="$1" '$1 == id {print $2}'; }

# ct_wait_status ID STATUS
ct_wait_status() {
	local i s
	for i in $(seq 50); do
		s=$(ct_status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.2
	done
	die "$1: status '$s', want '$2'"
}

# ct_detach ID [CTR-RUN-OPTIONS...] -- CMD...: a detached task whose output
# goes to $CT_DIR/logs/ID.
ct_detach() {
	local id=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	run ctrun -d --log-uri "file://$CT_DIR/logs/$id" "${opts[@]}" "$CT_IMG" "$id" "$@" >/dev/null
	ct_wait_status "$id" RUNNING
}

# --- scenarios ---------------------------------------------------------------

ct_run_rm() {
	expect_eq "$(run ctrun --rm --env FOO=bar --cwd /tmp $CT_IMG c1 sh -c 'echo hello $FOO $(pwd)')" "hello bar /tmp" "output"
	ct container info c1 >/dev/null 2>&1 && die "c1 still exists after --rm"
	return 0
}

ct_exit_codes() {
	expect_rc 42 "exit 42" ctrun --rm $CT_IMG c1 sh -c 'exit 42'
	expect_rc 0 "true" ctrun --rm $CT_IMG c2 true
	expect_rc 137 "child SIGKILL" ctrun --rm $CT_IMG c3 sh -c 'sh -c "kill -9 \$\$"; exit $?'
	# a missing command fails the task start
	expect_rc 1 "missing command" ctrun --rm $CT_IMG c4 /no/such/cmd
}

ct_exec() {
	ct_detach c1 -- sleep 300
	expect_eq "$(run ct task exec --exec-id e1 c1 echo hi)" hi "exec echo"
	expect_eq "$(run ct task exec --exec-id e2 --user 1000 c1 id -u)" 1000 "exec --user"
	expect_eq "$(run ct task exec --exec-id e3 --cwd /tmp c1 pwd)" /tmp "exec --cwd"
	expect_rc 3 "exec exit status" ct task exec --exec-id e4 c1 sh -c 'exit 3'
	local t
	t=$(ct_tty "task exec --exec-id e5 --tty c1 tty")
	expect_match "$t" '/dev/pts/[0-9]+' "exec --tty"
	expect_eq "$(run ct task exec --exec-id e8 c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "sleep 300 " "pid 1 seen by exec"
}

ct_tty_run() {
	local out
	out=$(ct_tty "run --runtime io.containerd.runc.v2 --runc-binary $WRAP --runc-root $CT_DIR/runc-root --fifo-dir $CT_DIR/fifo --rm -t $CT_IMG c1 sh -c 'tty; stty size'")
	expect_match "$out" '/dev/pts/[0-9]+' "run -t"
}

ct_logs() {
	ct_detach c1 -- sh -c 'echo out; echo err >&2; sleep 300'
	retry 25 grep -q err "$CT_DIR/logs/c1" || die "log: $(cat "$CT_DIR/logs/c1")"
	expect_contains "$(cat "$CT_DIR/logs/c1")" out "stdout"
}

ct_ps() {
	ct_detach c1 -- sh -c 'sleep 300 & sleep 301'
	sleep 0.3
	local out
	out=$(run ct task ps c1)
	# busybox sh execs its last command: two processes
	[ "$(echo "$out" | tail -n +2 | wc -l)" = 2 ] || die "task ps: want 2 pids: $out"
	expect_contains "$out" "$(ct_pid c1)" "task ps lists the init"
}

ct_pause() {
	ct_detach c1 -- sleep 300
	run ct task pause c1 >/dev/null
	expect_eq "$(ct_status c1)" PAUSED "status after pause"
	expect_eq "$(cat /sys/fs/cgroup/freezer/$CT_NS/c1/freezer.state)" FROZEN "freezer.state"
	run ct task resume c1 >/dev/null
	expect_eq "$(ct_status c1)" RUNNING "status after resume"
	run ct task exec --exec-id e1 c1 true >/dev/null
}

ct_signals() {
	ct_detach c1 -- sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	run ct task kill -s USR1 c1 >/dev/null
	retry 25 grep -q got-usr1 "$CT_DIR/logs/c1" || die "USR1 not delivered"
	run ct task kill c1 >/dev/null
	ct_wait_status c1 STOPPED
	grep -q got-term "$CT_DIR/logs/c1" || die "TERM not delivered"
	run ct task rm c1 >/dev/null
}

ct_kill_all() {
	ct_detach c1 -- sh -c 'sleep 300 & sleep 300 & wait'
	sleep 0.3
	run ct task kill --all -s KILL c1 >/dev/null
	ct_wait_status c1 STOPPED
	[ -z "$(cat /sys/fs/cgroup/pids/$CT_NS/c1/cgroup.procs 2>/dev/null)" ] || die "processes left in the cgroup"
	run ct task rm c1 >/dev/null
	# rm -f of a running task
	ct_detach c2 -- sleep 300
	expect_rc 1 "task rm of a running task" ct task rm c2
	run ct task rm -f c2 >/dev/null
	ct task ls | grep -q '^c2 ' && die "c2 task left"
	return 0
}

ct_metrics() {
	ct_detach c1 --memory-limit 67108864 -- sleep 300
	local out
	out=$(run ct task metrics c1)
	expect_contains "$out" "memory.limit_in_bytes" "metrics"
	expect_contains "$out" 67108864 "metrics memory limit"
}

ct_oom() {
	local rc=0 ev
	timeout 60 ctr --address "$CT_DIR/containerd.sock" events >"$CT_DIR/events.log" 2>&1 &
	ev=$!
	sleep 0.2
	ctrun --rm --memory-limit 33554432 $CT_IMG c1 sh -c 'tail /dev/zero' >/dev/null 2>&1 || rc=$?
	sleep 0.5
	kill "$ev" 2>/dev/null
	wait "$ev" 2>/dev/null
	expect_eq "$rc" 137 "exit status"
	grep -q '/tasks/oom' "$CT_DIR/events.log" || die "no /tasks/oom event: $(head -c 600 "$CT_DIR/events.log")"
}

ct_limits() {
	# ctr's spec mounts no cgroupfs in the container: read the host side.
	ct_detach c1 --memory-limit 67108864 --cpu-quota 50000 --cpu-period 100000 --cpu-shares 512 -- sleep 300
	local c=$CT_NS/c1 out
	out=$(cat /sys/fs/cgroup/memory/$c/memory.limit_in_bytes /sys/fs/cgroup/cpu/$c/cpu.cfs_quota_us \
		/sys/fs/cgroup/cpu/$c/cpu.cfs_period_us /sys/fs/cgroup/cpu/$c/cpu.shares)
	expect_eq "$(echo $out)" "67108864 50000 100000 512" "limits"
	expect_eq "$(cat /sys/fs/cgroup/pids/$c/cgroup.procs)" "$(ct_pid c1)" "the init is in the cgroup"
}

ct_readonly() {
	local out
	out=$(run ctrun --rm --read-only $CT_IMG c1 sh -c 'touch /x 2>&1; echo done')
	expect_contains "$out" "Read-only file system" "write to /"
}

ct_caps() {
	expect_eq "$(run ctrun --rm --cap-drop CAP_CHOWN $CT_IMG c1 sh -c 'chown 1000 /tmp 2>/dev/null; echo $?')" 1 "cap-drop CHOWN"
	expect_eq "$(run ctrun --rm --cap-add CAP_SYS_ADMIN $CT_IMG c2 sh -c 'mkdir /m && mount -t tmpfs t /m && echo mounted')" mounted "cap-add SYS_ADMIN"
	expect_eq "$(run ctrun --rm $CT_IMG c3 sh -c 'grep CapBnd /proc/self/status | cut -f2')" 00000000a80425fb "default bounding set"
}

ct_privileged() {
	local out
	out=$(run ctrun --rm --privileged $CT_IMG c1 sh -c 'grep CapEff /proc/self/status; mount | grep " /sys "')
	expect_contains "$out" "rw," "sysfs rw"
}

ct_seccomp() {
	expect_eq "$(run ctrun --rm $CT_IMG c1 sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 0 "no profile by default"
	expect_eq "$(run ctrun --rm --seccomp $CT_IMG c2 sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 2 "--seccomp"
	cat >"$W/ct-deny-mkdir.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
	local out
	out=$(ctrun --rm --seccomp --seccomp-profile "$W/ct-deny-mkdir.json" $CT_IMG c3 sh -c 'mkdir /tmp/x 2>&1; echo rc=$?')
	expect_contains "$out" "Operation not permitted" "explicit profile"
}

ct_nnp() {
	expect_eq "$(run ctrun --rm $CT_IMG c1 sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 1 "ctr default"
	expect_eq "$(run ctrun --rm --allow-new-privs $CT_IMG c2 sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 0 "--allow-new-privs"
}

ct_network() {
	expect_eq "$(run ctrun --rm $CT_IMG c1 sh -c 'ls /sys/class/net | tr "\n" " "')" "lo " "own network namespace"
	expect_eq "$(run ctrun --rm --net-host $CT_IMG c2 sh -c 'ls /sys/class/net | wc -l')" "$(ls /sys/class/net | wc -l)" "--net-host"
}

ct_userns() {
	local out
	out=$(run ctrun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 $CT_IMG c1 sh -c 'cat /proc/self/uid_map; touch /root/x && echo write-ok')
	expect_match "$out" '^ +0 +100000 +65536' "uid_map"
	expect_contains "$out" write-ok "write as mapped root"
}

ct_mounts() {
	mkdir -p "$W/cdata"
	echo from-host >"$W/cdata/in"
	local out
	out=$(run ctrun --rm --mount "type=bind,src=$W/cdata,dst=/data,options=rbind:rw" $CT_IMG c1 sh -c 'cat /data/in; echo from-ctr > /data/out')
	expect_eq "$out" from-host "read bind mount"
	expect_eq "$(cat "$W/cdata/out")" from-ctr "write bind mount"
	out=$(ctrun --rm --mount "type=bind,src=$W/cdata,dst=/data,options=rbind:ro" $CT_IMG c2 sh -c 'echo x > /data/o2' 2>&1 || true)
	expect_contains "$out" "Read-only file system" "ro bind mount"
	out=$(run ctrun --rm --mount "type=tmpfs,src=tmpfs,dst=/scratch,options=size=1m" $CT_IMG c3 sh -c 'grep " /scratch " /proc/mounts')
	expect_contains "$out" "size=1024k" "tmpfs mount"
}

ct_devices() {
	local out
	out=$(run ctrun --rm --device /dev/loop-control $CT_IMG c1 sh -c 'stat -c "%F %t:%T" /dev/loop-control')
	expect_contains "$out" "character special file a:ed" "device node"
	out=$(ctrun --rm $CT_IMG c2 sh -c 'mknod /tmp/lc c 10 237 && : > /tmp/lc; echo rc=$?' 2>&1 || true)
	expect_contains "$out" "Operation not permitted" "device cgroup denies"
}

ct_pid_join() {
	# join another container's pid (and ipc) namespace by path
	ct_detach c1 -- sleep 300
	local pid out
	pid=$(ct_pid c1)
	out=$(run ctrun --rm --with-ns pid:/proc/$pid/ns/pid --with-ns ipc:/proc/$pid/ns/ipc $CT_IMG c2 sh -c 'cat /proc/1/cmdline | tr "\0" " "; readlink /proc/self/ns/ipc')
	expect_eq "$out" "sleep 300 $(readlink /proc/$pid/ns/ipc)" "joined pid and ipc namespaces"
}

ct_restart_monitor() {
	# containerd's restart monitor starts a new task (create + start) when
	# the labelled container's task is gone. The label goes on once the task
	# runs: the monitor would otherwise kill the task between create and start.
	ct_detach c1 -- sleep 300
	run ct container label c1 containerd.io/restart.status=running >/dev/null
	local p1 p2 i
	p1=$(ct_pid c1)
	run ct task kill -s KILL c1 >/dev/null
	for i in $(seq 60); do
		p2=$(ct_pid c1)
		[ -n "$p2" ] && [ "$p2" != "$p1" ] && [ "$(ct_status c1)" = RUNNING ] && break
		sleep 0.2
	done
	[ -n "$p2" ] && [ "$p2" != "$p1" ] || die "not restarted (pid $p1 -> '$p2', status $(ct_status c1))"
	run ct container label c1 containerd.io/restart.status=stopped >/dev/null
}

containerd_scenarios() {
	scenario containerd run-rm ct_run_rm
	scenario containerd exit-codes ct_exit_codes
	scenario containerd exec ct_exec
	scenario containerd tty ct_tty_run
	scenario containerd logs ct_logs
	scenario containerd ps ct_ps
	scenario containerd pause-resume ct_pause
	scenario containerd signals ct_signals
	scenario containerd kill-all ct_kill_all
	scenario containerd metrics ct_metrics
	scenario containerd oom ct_oom
	scenario containerd limits ct_limits
	scenario containerd read-only ct_readonly
	scenario containerd caps ct_caps
	scenario containerd privileged ct_privileged
	scenario containerd seccomp ct_seccomp
	scenario containerd no-new-privileges ct_nnp
	scenario containerd network ct_network
	scenario containerd userns ct_userns
	scenario containerd mounts ct_mounts
	scenario containerd devices ct_devices
	scenario containerd pid-join ct_pid_join
	scenario containerd restart-monitor ct_restart_monitor
}
