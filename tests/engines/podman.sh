# podman.sh - podman (via conmon) with the runtime under test.
#
# Everything is private: storage (--root/--runroot), libpod's tmp dir, the
# network config dir, a containers.conf passed through CONTAINERS_CONF and a
# cgroup parent (/brig-e2e-podman). Containers run with --network none
# unless a scenario says otherwise.

PM_DIR=
PM_CG=brig-e2e-podman

pm() {
	timeout "${CMD_TIMEOUT:-60}" podman \
		--root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --tmpdir "$PM_DIR/tmp" \
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
		--network-config-dir "$PM_DIR/net" --runtime "$WRAP" "$@"
}

# pmrun ARGS...: `podman run` with the suite's defaults.
pmrun() { pm run --network none --cgroup-parent "/$PM_CG" "$@"; }

podman_setup() {
	PM_DIR=$W/podman
	mkdir -p "$PM_DIR"/{root,runroot,tmp,net}
	# runtime_supports_json: conmon passes --log-format=json --log FILE only to
	# runtimes named here. default_ulimits: podman's default 1048576 for
	# nofile/nproc is above this host's hard limits (no CAP_SYS_RESOURCE).
	cat >"$PM_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
netns = "none"
init_path = "$(command -v catatonit)"
log_driver = "k8s-file"

[network]
network_backend = "cni"
network_config_dir = "$PM_DIR/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
tmp_dir = "$PM_DIR/tmp"
volume_path = "$PM_DIR/volumes"
helper_binaries_dir = ["/usr/libexec/podman", "/usr/lib/podman", "/usr/bin"]
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "brig"]
EOF
	cat >"$PM_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM_DIR/root"
runroot = "$PM_DIR/runroot"
EOF
	export CONTAINERS_CONF=$PM_DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf
	pm import --change 'CMD ["sh"]' "$W/busybox.tar" localhost/busybox:e2e >/dev/null
}

podman_reset() {
	pm pod rm -af -t 0
	pm rm -af -t 0
}

podman_teardown() {
	[ -n "$PM_DIR" ] || return 0
	podman_reset >/dev/null 2>&1 || true
	pm system reset -f >/dev/null 2>&1 || true
	kill_procs_mentioning "$PM_DIR/"
	kill_cgroup "$PM_CG"
	umount_under "$PM_DIR"
	rm_cgroups "$PM_CG"
	# conmon's cleanup left a libpod_parent if a test used no parent.
	rm_cgroups libpod_parent/brig-e2e 2>/dev/null || true
	unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF
}

IMG=localhost/busybox:e2e

# pm_wait_status NAME STATUS: wait (<=10s) until inspect shows STATUS.
pm_wait_status() {
	local i s
	for i in $(seq 50); do
		s=$(pm inspect --format '{{.State.Status}}' "$1" 2>/dev/null)
		[ "$s" = "$2" ] && return 0
		sleep 0.2
	done
	die "$1: status '$s', want '$2'"
}

pm_inspect() { pm inspect --format "$2" "$1"; }

# --- scenarios ---------------------------------------------------------------

pm_run_rm() {
	local out
	out=$(run pmrun --rm --name c1 --hostname box -e FOO=bar -w /tmp $IMG sh -c 'echo hello $FOO $(hostname) $(pwd)')
	expect_eq "$out" "hello bar box /tmp" "output"
	pm container exists c1 && die "c1 still exists after --rm"
	return 0
}

pm_exit_codes() {
	expect_rc 42 "exit 42" pmrun --rm $IMG sh -c 'exit 42'
	expect_rc 0 "true" pmrun --rm $IMG true
	expect_rc 127 "missing command" pmrun --rm $IMG /no/such/cmd
	expect_rc 137 "child SIGKILL" pmrun --rm $IMG sh -c 'sh -c "kill -9 \$\$"; exit $?'
}

pm_exec() {
	run pmrun -d --name c1 $IMG sleep 300 >/dev/null
	expect_eq "$(run pm exec c1 echo hi)" "hi" "exec echo"
	expect_eq "$(run pm exec -u 1000:1000 c1 sh -c 'echo $(id -u):$(id -g)')" "1000:1000" "exec -u"
	expect_eq "$(run pm exec -e X=1 -w /tmp c1 sh -c 'echo $X $(pwd)')" "1 /tmp" "exec env/cwd"
	expect_rc 3 "exec exit status" pm exec c1 sh -c 'exit 3'
	local t
	t=$(run pm exec -t c1 tty | tr -d '\r')
	expect_match "$t" '^/dev/pts/[0-9]+$' "exec -t tty"
	run pm exec -d c1 sh -c 'echo detached > /tmp/d' >/dev/null
	retry 25 pm exec c1 test -f /tmp/d || die "exec -d did not run"
	# the exec'd process is in the container's pid namespace
	expect_eq "$(run pm exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "sleep 300 " "pid 1 seen by exec"
}

pm_logs() {
	run pmrun -d --name c1 $IMG sh -c 'echo out; echo err >&2' >/dev/null
	run pm wait c1 >/dev/null
	local l
	l=$(pm logs c1 2>&1)
	expect_contains "$l" out "logs stdout"
	expect_contains "$l" err "logs stderr"
}

pm_tty_run() {
	local out
	out=$(run pmrun --rm -t $IMG sh -c 'tty; stty size' </dev/null | tr -d '\r')
	expect_match "$out" '^/dev/pts/[0-9]+' "run -t tty"
	# a tty container joining another container's pid namespace
	run pmrun -d --name c1 $IMG sleep 300 >/dev/null
	out=$(run pmrun --rm -t --pid container:c1 $IMG sh -c 'tty; cat /proc/1/cmdline' </dev/null | tr -d '\r')
	expect_match "$out" '^/dev/pts/[0-9]+' "run -t --pid container: tty"
}

pm_top() {
	run pmrun -d --name c1 $IMG sleep 300 >/dev/null
	local t
	t=$(run pm top c1 pid args)
	expect_contains "$t" "sleep 300" "top"
}

pm_pause() {
	run pmrun -d --name c1 $IMG sh -c 'while :; do date +%s%N > /tmp/t; sleep 0.05; done' >/dev/null
	run pm pause c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" paused "status after pause"
	local id
	id=$(pm_inspect c1 '{{.Id}}')
	expect_eq "$(cat /sys/fs/cgroup/freezer/$PM_CG/libpod-$id/freezer.state)" FROZEN "freezer.state"
	run pm unpause c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" running "status after unpause"
	run pm exec c1 true >/dev/null
}

pm_signals() {
	run pmrun -d --name c1 $IMG sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	run pm kill -s USR1 c1 >/dev/null
	local i l
	for i in $(seq 25); do
		l=$(pm logs c1 2>&1)
		case $l in *got-usr1*) break ;; esac
		sleep 0.2
	done
	expect_contains "$l" got-usr1 "USR1 delivered"
	run pm stop -t 10 c1 >/dev/null
	expect_contains "$(pm logs c1 2>&1)" got-term "TERM delivered by stop"
	expect_eq "$(pm_inspect c1 '{{.State.ExitCode}}')" 7 "exit code after TERM trap"
}

pm_kill() {
	run pmrun -d --name c1 $IMG sleep 300 >/dev/null
	run pm kill c1 >/dev/null
	run pm wait c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.ExitCode}}')" 137 "exit code after kill"
	# stop on a process ignoring TERM falls back to KILL
	run pmrun -d --name c2 $IMG sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
	run pm stop -t 1 c2 >/dev/null
	expect_eq "$(pm_inspect c2 '{{.State.ExitCode}}')" 137 "exit code after stop timeout"
}

pm_stop_start() {
	run pmrun -d --name c1 $IMG sleep 300 >/dev/null
	run pm stop -t 1 c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" exited "status after stop"
	run pm start c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" running "status after start"
	local p1 p2
	p1=$(pm_inspect c1 '{{.State.Pid}}')
	run pm restart -t 1 c1 >/dev/null
	p2=$(pm_inspect c1 '{{.State.Pid}}')
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" running "status after restart"
	[ "$p1" != "$p2" ] || die "restart kept pid $p1"
	run pm exec c1 true >/dev/null
	run pm rm -f c1 >/dev/null
}

pm_create_rm() {
	# a created (never started) container must be deletable
	run pm create --network none --cgroup-parent "/$PM_CG" --name c1 $IMG true >/dev/null
	run pm init c1 >/dev/null
	expect_eq "$(pm_inspect c1 '{{.State.Status}}')" initialized "status after init"
	run pm rm c1 >/dev/null
	# rm -f of a running container
	run pmrun -d --name c2 $IMG sleep 300 >/dev/null
	run pm rm -f -t 0 c2 >/dev/null
	pm container exists c2 && die "c2 still exists"
	return 0
}

pm_stats() {
	run pmrun -d --name c1 --memory 64m $IMG sleep 300 >/dev/null
	local s
	s=$(run pm stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' c1)
	expect_match "$s" '/ 67.11MB 1$|/ 64MiB 1$|64' "stats"
}

pm_update() {
	run pmrun -d --name c1 --memory 64m $IMG sleep 300 >/dev/null
	run pm update --memory 96m --cpu-shares 512 --cpus 0.5 c1 >/dev/null
	expect_eq "$(run pm exec c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" $((96 * 1024 * 1024)) "memory after update"
	expect_eq "$(run pm exec c1 cat /sys/fs/cgroup/cpu/cpu.shares)" 512 "cpu.shares after update"
	expect_eq "$(run pm exec c1 cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 50000 "cfs quota after update"
}

pm_oom() {
	local rc=0 id
	pmrun --name c1 --memory 32m --memory-swap 32m $IMG sh -c 'tail /dev/zero' >/dev/null 2>&1 || rc=$?
	expect_eq "$rc" 137 "exit status"
	# conmon 2.1.6 does not report OOMKilled on this cgroup v1 host even with
	# runc, so look at the kernel's count: a child is OOM-killed, the
	# container's init survives.
	run pmrun -d --name c2 --memory 32m --memory-swap 32m $IMG sh -c 'tail /dev/zero; echo survived; sleep 300' >/dev/null
	id=$(pm_inspect c2 '{{.Id}}')
	retry 50 grep -q survived $PM_DIR/root/overlay-containers/$id/userdata/ctr.log ||
		die "the OOM-killed child did not die: $(pm logs c2 2>&1 | tail -3)"
	expect_match "$(cat /sys/fs/cgroup/memory/$PM_CG/libpod-$id/memory.oom_control)" 'oom_kill 1' "oom_kill count"
}

pm_limits() {
	local out
	out=$(run pmrun --rm --memory 64m --pids-limit 50 --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 $IMG sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max \
			/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us \
			/sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus' | tr '\n' ' ')
	expect_eq "$(echo $out)" "67108864 50 50000 100000 512 0" "limits"
	# the pids limit is enforced
	out=$(pmrun --rm --pids-limit 10 $IMG sh -c 'for i in $(seq 20); do sleep 5 & done 2>&1; wait' 2>&1 || true)
	expect_match "$out" "can't fork|Resource temporarily unavailable|fork" "pids limit enforced"
}

pm_readonly() {
	local out
	out=$(run pmrun --rm --read-only $IMG sh -c 'touch /x 2>&1; touch /tmp/ok && echo tmp-ok')
	expect_contains "$out" "Read-only file system" "write to /"
	expect_contains "$out" tmp-ok "write to /tmp"
}

pm_user() {
	expect_eq "$(run pmrun --rm --user 1000:1000 $IMG id)" "uid=1000(user) gid=1000(user) groups=1000(user)" "id"
	expect_eq "$(run pmrun --rm --user 1000 --group-add 5 $IMG id -G)" "1000 5" "groups"
	expect_eq "$(run pmrun --rm --user 1000 $IMG sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000" "non-root caps"
}

pm_caps() {
	expect_eq "$(run pmrun --rm --cap-drop all $IMG sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000" "cap-drop all"
	local eff
	eff=$(run pmrun --rm --cap-drop all --cap-add NET_ADMIN $IMG sh -c 'grep CapEff /proc/self/status | cut -f2')
	expect_eq "$eff" 0000000000001000 "cap-add NET_ADMIN"
	expect_rc 1 "chown without CAP_CHOWN" pmrun --rm --cap-drop CHOWN $IMG chown 1000 /tmp
	run pmrun --rm $IMG chown 1000 /tmp >/dev/null
}

pm_privileged() {
	local out
	out=$(run pmrun --rm --privileged $IMG sh -c 'grep Seccomp: /proc/self/status; ls /dev | wc -l; mount | grep " /sys " ')
	expect_contains "$out" "Seccomp:	0" "no seccomp"
	expect_contains "$out" "rw," "sysfs rw"
}

pm_seccomp() {
	expect_eq "$(run pmrun --rm $IMG sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 2 "default profile"
	expect_eq "$(run pmrun --rm --security-opt seccomp=unconfined $IMG sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 0 "unconfined"
	cat >"$W/deny-mkdir.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
	local out
	out=$(pmrun --rm --security-opt seccomp="$W/deny-mkdir.json" $IMG sh -c 'mkdir /tmp/x 2>&1; echo rc=$?')
	expect_contains "$out" "Operation not permitted" "explicit profile denies mkdir"
	expect_contains "$out" "rc=1" "mkdir status"
}

pm_nnp() {
	expect_eq "$(run pmrun --rm $IMG sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 0 "default"
	expect_eq "$(run pmrun --rm --security-opt no-new-privileges $IMG sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 1 "no-new-privileges"
}

pm_network() {
	local out
	out=$(run pmrun --rm $IMG sh -c 'ls /sys/class/net | tr "\n" " "')
	expect_eq "$out" "lo " "network none"
	local host
	host=$(ls /sys/class/net | wc -l)
	out=$(run pm run --rm --network host --cgroup-parent "/$PM_CG" $IMG sh -c 'ls /sys/class/net | wc -l')
	expect_eq "$out" "$host" "network host"
}

pm_userns() {
	local out
	out=$(run pmrun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 $IMG sh -c 'cat /proc/self/uid_map; id -u; touch /root/x && echo write-ok')
	expect_match "$out" '^ +0 +100000 +65536' "uid_map"
	expect_contains "$out" write-ok "write in rootfs as mapped root"
	# the process runs as 100000 on the host
	run pmrun -d --name c1 --uidmap 0:100000:65536 --gidmap 0:100000:65536 $IMG sleep 300 >/dev/null
	local pid
	pid=$(pm_inspect c1 '{{.State.Pid}}')
	expect_eq "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" 100000 "host uid"
}

pm_mounts() {
	mkdir -p "$W/data"
	echo from-host >"$W/data/in"
	local out
	out=$(run pmrun --rm -v "$W/data:/data" $IMG sh -c 'cat /data/in; echo from-ctr > /data/out')
	expect_eq "$out" from-host "read bind mount"
	expect_eq "$(cat "$W/data/out")" from-ctr "write bind mount"
	out=$(pmrun --rm -v "$W/data:/data:ro" $IMG sh -c 'echo x > /data/out2' 2>&1 || true)
	expect_contains "$out" "Read-only file system" "ro bind mount"
	out=$(run pmrun --rm --tmpfs /scratch:size=1m,mode=1770 $IMG sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch')
	expect_contains "$out" "tmpfs /scratch tmpfs" "tmpfs mount"
	expect_contains "$out" "size=1024k" "tmpfs size"
	expect_contains "$out" 1770 "tmpfs mode"
	# a named volume
	run pmrun --rm -v vol1:/v $IMG sh -c 'echo persisted > /v/f' >/dev/null
	expect_eq "$(run pmrun --rm -v vol1:/v $IMG cat /v/f)" persisted "named volume"
	pm volume rm -f vol1 >/dev/null 2>&1 || true
}

pm_devices() {
	local out
	out=$(run pmrun --rm --device /dev/null:/dev/mynull --device /dev/zero $IMG sh -c 'stat -c "%F %t:%T" /dev/mynull; echo x > /dev/mynull && echo write-ok; head -c 3 /dev/zero | wc -c')
	expect_contains "$out" "character special file 1:3" "device node"
	expect_contains "$out" write-ok "write to device"
	expect_contains "$out" 3 "read /dev/zero"
	# a device not allowed: mknod works (CAP_MKNOD) but the cgroup denies open
	out=$(pmrun --rm $IMG sh -c 'mknod /tmp/sda b 8 0 && head -c1 /tmp/sda; echo rc=$?' 2>&1 || true)
	expect_contains "$out" "Operation not permitted" "device cgroup denies"
}

pm_sysctls() {
	local out
	out=$(run pmrun --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shm_rmid_forced=1 $IMG sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced' | tr '\n' ' ')
	expect_eq "$(echo $out)" "1 1" "sysctls"
}

pm_init() {
	local out
	out=$(run pmrun --rm --init $IMG sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$')
	expect_contains "$out" /run/podman-init "pid 1 is the init"
	# an init reaps and forwards: stop is quick
	run pmrun -d --init --name c1 $IMG sleep 300 >/dev/null
	local t0=$SECONDS
	run pm stop -t 10 c1 >/dev/null
	[ $((SECONDS - t0)) -lt 5 ] || die "stop with --init took $((SECONDS - t0))s"
}

pm_pid_host() {
	local out
	out=$(run pmrun --rm --pid host $IMG sh -c 'echo $$; cat /proc/1/comm')
	expect_eq "$(echo "$out" | tail -1)" "$(cat /proc/1/comm)" "pid 1 is the host's"
	[ "$(echo "$out" | head -1)" != 1 ] || die "shell is pid 1 with --pid host"
}

pm_ipc_uts() {
	run pmrun -d --name c1 --ipc shareable $IMG sleep 300 >/dev/null
	local a b
	a=$(run pm exec c1 readlink /proc/self/ns/ipc)
	b=$(run pmrun --rm --ipc container:c1 $IMG readlink /proc/self/ns/ipc)
	expect_eq "$b" "$a" "joined ipc namespace"
	expect_eq "$(run pmrun --rm --uts host $IMG hostname)" "$(hostname)" "uts host"
}

pm_pod() {
	run pm pod create --name p1 --network none --cgroup-parent "/$PM_CG" >/dev/null
	run pm run -d --pod p1 --name a $IMG sleep 300 >/dev/null
	run pm run -d --pod p1 --name b $IMG sleep 300 >/dev/null
	local na nb
	na=$(run pm exec a readlink /proc/self/ns/net)
	nb=$(run pm exec b readlink /proc/self/ns/net)
	expect_eq "$nb" "$na" "containers share the pod's network namespace"
	expect_eq "$(run pm exec a readlink /proc/self/ns/ipc)" "$(run pm exec b readlink /proc/self/ns/ipc)" "shared ipc"
	run pm pod stop -t 1 p1 >/dev/null
	expect_eq "$(pm_inspect a '{{.State.Status}}')" exited "a after pod stop"
	run pm pod start p1 >/dev/null
	expect_eq "$(pm_inspect b '{{.State.Status}}')" running "b after pod start"
	run pm pod rm -f -t 0 p1 >/dev/null
}

pm_restart_policy() {
	run pmrun -d --name c1 --restart on-failure:2 $IMG sh -c 'sleep 0.3; exit 3' >/dev/null
	local i n
	for i in $(seq 50); do
		n=$(pm_inspect c1 '{{.RestartCount}}')
		s=$(pm_inspect c1 '{{.State.Status}}')
		[ "$n" = 2 ] && [ "$s" = exited ] && break
		sleep 0.3
	done
	expect_eq "$n" 2 "restart count"
	expect_eq "$(pm_inspect c1 '{{.State.ExitCode}}')" 3 "final exit code"
	run pmrun -d --name c2 --restart always $IMG sh -c 'sleep 0.3; exit 0' >/dev/null
	for i in $(seq 50); do
		n=$(pm_inspect c2 '{{.RestartCount}}')
		[ "$n" -ge 2 ] && break
		sleep 0.3
	done
	[ "$n" -ge 2 ] || die "restart always: count $n"
}

pm_healthcheck() {
	run pmrun -d --name c1 --health-cmd 'test -f /tmp/ok' $IMG sh -c 'touch /tmp/ok; sleep 300' >/dev/null
	sleep 0.5
	run pm healthcheck run c1 >/dev/null
	run pm exec c1 rm /tmp/ok >/dev/null
	expect_rc 1 "unhealthy" pm healthcheck run c1
}

pm_info() {
	# podman runs `<runtime> --version` and shows its first line and commit
	local out
	out=$(run pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.Version}}')
	expect_contains "$out" "$RT_NAME $WRAP" "runtime name and path"
	expect_contains "$out" "commit:" "runtime version"
}

podman_scenarios() {
	scenario podman info pm_info
	scenario podman run-rm pm_run_rm
	scenario podman exit-codes pm_exit_codes
	scenario podman exec pm_exec
	scenario podman logs pm_logs
	scenario podman tty-run pm_tty_run
	scenario podman top pm_top
	scenario podman pause-unpause pm_pause
	scenario podman signals pm_signals
	scenario podman kill pm_kill
	scenario podman stop-start-restart pm_stop_start
	scenario podman create-rm pm_create_rm
	scenario podman stats pm_stats
	scenario podman update pm_update
	scenario podman oom pm_oom
	scenario podman limits pm_limits
	scenario podman read-only pm_readonly
	scenario podman user pm_user
	scenario podman caps pm_caps
	scenario podman privileged pm_privileged
	scenario podman seccomp pm_seccomp
	scenario podman no-new-privileges pm_nnp
	scenario podman network pm_network
	scenario podman userns pm_userns
	scenario podman mounts pm_mounts
	scenario podman devices pm_devices
	scenario podman sysctls pm_sysctls
	scenario podman init pm_init
	scenario podman pid-host pm_pid_host
	scenario podman ipc-uts pm_ipc_uts
	scenario podman pod pm_pod
	scenario podman restart-policy pm_restart_policy
	scenario podman healthcheck pm_healthcheck
}
