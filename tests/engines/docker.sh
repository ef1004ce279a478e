# docker.sh - dockerd (with its own managed containerd and
# containerd-shim-runc-v2) using the runtime under test via --add-runtime.
#
# Private: --data-root, --exec-root, --pidfile, the API socket, an empty
# --config-file, cgroup parent brig-e2e-docker. No iptables, no bridge, no
# ip_forward change: containers use --network none or host.

DK_DIR=
DK_CG=brig-e2e-docker
DK_RT=

dk() { timeout "${CMD_TIMEOUT:-60}" /usr/bin/docker "$@"; }
dkrun() { dk run --network none "$@"; }

docker_setup() {
	DK_DIR=$W/docker
	mkdir -p "$DK_DIR"/{root,exec,cli}
	echo '{}' >"$DK_DIR/daemon.json"
	# "runc" is a reserved runtime name in dockerd.
	DK_RT=$RT_NAME
	[ "$DK_RT" = runc ] && DK_RT=refrunc
	export DOCKER_HOST=unix://$DK_DIR/docker.sock DOCKER_CONFIG=$DK_DIR/cli
	setsid dockerd --config-file "$DK_DIR/daemon.json" \
		--data-root "$DK_DIR/root" --exec-root "$DK_DIR/exec" --pidfile "$DK_DIR/docker.pid" \
		-H "$DOCKER_HOST" --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--bridge=none --userland-proxy=false --storage-driver overlay2 \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$DK_CG" \
		--add-runtime "$DK_RT=$WRAP" --default-runtime "$DK_RT" \
		--init-path "$(command -v docker-init)" \
		>"$DK_DIR/dockerd.log" 2>&1 </dev/null &
	echo $! >"$DK_DIR/dockerd.spawned"
	local i
	for i in $(seq 100); do
		dk version >/dev/null 2>&1 && break
		kill -0 "$(cat "$DK_DIR/dockerd.spawned")" 2>/dev/null || { tail -20 "$DK_DIR/dockerd.log"; return 1; }
		sleep 0.2
	done
	dk version >/dev/null || { tail -20 "$DK_DIR/dockerd.log"; return 1; }
	dk import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:e2e >/dev/null || return 1
}

docker_reset() {
	local ids
	ids=$(dk ps -aq)
	[ -z "$ids" ] || dk rm -f $ids
	dk volume prune -f
}

docker_teardown() {
	[ -n "$DK_DIR" ] || return 0
	docker_reset >/dev/null 2>&1 || true
	# dockerd stops its containerd (and that its shims) on SIGTERM.
	kill_pidfile "$DK_DIR/dockerd.spawned"
	kill_procs_mentioning "$DK_DIR/"
	kill_cgroup "$DK_CG"
	umount_under "$DK_DIR"
	rm_cgroups "$DK_CG"
	unset DOCKER_HOST DOCKER_CONFIG
}

DIMG=busybox:e2e

dk_inspect() { dk inspect --format "$2" "$1"; }

# --- scenarios ---------------------------------------------------------------

dk_run_rm() {
	local out
	out=$(run dkrun --rm --name c1 --hostname box -e FOO=bar -w /tmp $DIMG sh -c 'echo hello $FOO $(hostname) $(pwd)')
	expect_eq "$out" "hello bar box /tmp" "output"
	sleep 0.2
	dk inspect c1 >/dev/null 2>&1 && die "c1 still exists after --rm"
	# the runtime named in the container
	run dkrun -d --name c2 $DIMG sleep 300 >/dev/null
	expect_eq "$(dk_inspect c2 '{{.HostConfig.Runtime}}')" "$DK_RT" "runtime"
}

dk_exit_codes() {
	expect_rc 42 "exit 42" dkrun --rm $DIMG sh -c 'exit 42'
	expect_rc 0 "true" dkrun --rm $DIMG true
	expect_rc 127 "missing command" dkrun --rm $DIMG /no/such/cmd
	expect_rc 126 "not executable" dkrun --rm $DIMG /etc/passwd
	expect_rc 137 "child SIGKILL" dkrun --rm $DIMG sh -c 'sh -c "kill -9 \$\$"; exit $?'
}

dk_exec() {
	run dkrun -d --name c1 $DIMG sleep 300 >/dev/null
	expect_eq "$(run dk exec c1 echo hi)" "hi" "exec echo"
	expect_eq "$(run dk exec -u 1000:1000 c1 sh -c 'echo $(id -u):$(id -g)')" "1000:1000" "exec -u"
	expect_eq "$(run dk exec -u user c1 id -un)" "user" "exec -u name"
	expect_eq "$(run dk exec -e X=1 -w /tmp c1 sh -c 'echo $X $(pwd)')" "1 /tmp" "exec env/cwd"
	expect_rc 3 "exec exit status" dk exec c1 sh -c 'exit 3'
	expect_eq "$(run dk exec --privileged=false --user 0 c1 sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 0 "exec nnp"
	local t
	t=$(run script -qec "/usr/bin/docker exec -it c1 tty" /dev/null </dev/null | tr -d '\r')
	expect_match "$t" '/dev/pts/[0-9]+' "exec -it tty"
	run dk exec -d c1 sh -c 'echo detached > /tmp/d' >/dev/null
	retry 25 dk exec c1 test -f /tmp/d || die "exec -d did not run"
	expect_eq "$(run dk exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "sleep 300 " "pid 1 seen by exec"
}

dk_logs() {
	run dkrun -d --name c1 $DIMG sh -c 'echo out; echo err >&2' >/dev/null
	run dk wait c1 >/dev/null
	local l
	l=$(dk logs c1 2>&1)
	expect_contains "$l" out "logs stdout"
	expect_contains "$l" err "logs stderr"
}

dk_tty_run() {
	local out
	out=$(run dkrun --rm -t $DIMG sh -c 'tty' </dev/null | tr -d '\r')
	expect_match "$out" '^/dev/pts/[0-9]+' "run -t tty"
	# a detached tty container, then an exec with a tty into it
	run dkrun -dt --name c1 $DIMG sh >/dev/null
	out=$(run script -qec "/usr/bin/docker exec -it c1 sh -c 'tty; echo \$TERM'" /dev/null </dev/null | tr -d '\r')
	expect_match "$out" '/dev/pts/[0-9]+' "exec -it into a tty container"
}

dk_top() {
	run dkrun -d --name c1 $DIMG sh -c 'sleep 300 & sleep 301' >/dev/null
	sleep 0.3
	local t
	t=$(run dk top c1)
	expect_contains "$t" "sleep 300" "top (runtime ps)"
	expect_contains "$t" "sleep 301" "top (runtime ps)"
}

dk_pause() {
	run dkrun -d --name c1 $DIMG sh -c 'while :; do sleep 0.05; done' >/dev/null
	run dk pause c1 >/dev/null
	expect_eq "$(dk_inspect c1 '{{.State.Status}}')" paused "status after pause"
	local id
	id=$(dk_inspect c1 '{{.Id}}')
	expect_eq "$(cat /sys/fs/cgroup/freezer/$DK_CG/$id/freezer.state)" FROZEN "freezer.state"
	run dk unpause c1 >/dev/null
	expect_eq "$(dk_inspect c1 '{{.State.Status}}')" running "status after unpause"
	run dk exec c1 true >/dev/null
}

dk_signals() {
	run dkrun -d --name c1 $DIMG sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	run dk kill -s USR1 c1 >/dev/null
	local i l
	for i in $(seq 25); do
		l=$(dk logs c1 2>&1)
		case $l in *got-usr1*) break ;; esac
		sleep 0.2
	done
	expect_contains "$l" got-usr1 "USR1 delivered"
	run dk stop -t 10 c1 >/dev/null
	expect_contains "$(dk logs c1 2>&1)" got-term "TERM delivered by stop"
	expect_eq "$(dk_inspect c1 '{{.State.ExitCode}}')" 7 "exit code after TERM trap"
	# --stop-signal
	run dkrun -d --name c2 --stop-signal USR2 $DIMG sh -c 'trap "exit 9" USR2; while :; do sleep 0.1; done' >/dev/null
	sleep 0.3
	run dk stop -t 10 c2 >/dev/null
	expect_eq "$(dk_inspect c2 '{{.State.ExitCode}}')" 9 "exit code after stop-signal"
}

dk_kill() {
	run dkrun -d --name c1 $DIMG sleep 300 >/dev/null
	run dk kill c1 >/dev/null
	run dk wait c1 >/dev/null
	expect_eq "$(dk_inspect c1 '{{.State.ExitCode}}')" 137 "exit code after kill"
	run dkrun -d --name c2 $DIMG sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
	run dk stop -t 1 c2 >/dev/null
	expect_eq "$(dk_inspect c2 '{{.State.ExitCode}}')" 137 "exit code after stop timeout"
	# kill of a container with children: every process goes (kill --all on exit)
	run dkrun -d --name c3 $DIMG sh -c 'sleep 300 & sleep 300 & wait' >/dev/null
	local id
	id=$(dk_inspect c3 '{{.Id}}')
	run dk kill c3 >/dev/null
	run dk wait c3 >/dev/null
	[ -z "$(cat /sys/fs/cgroup/pids/$DK_CG/$id/cgroup.procs 2>/dev/null)" ] || die "processes left in the container's cgroup"
}

dk_stop_start() {
	run dkrun -d --name c1 $DIMG sleep 300 >/dev/null
	run dk stop -t 1 c1 >/dev/null
	expect_eq "$(dk_inspect c1 '{{.State.Status}}')" exited "status after stop"
	run dk start c1 >/dev/null
	expect_eq "$(dk_inspect c1 '{{.State.Status}}')" running "status after start"
	local p1 p2
	p1=$(dk_inspect c1 '{{.State.Pid}}')
	run dk restart -t 1 c1 >/dev/null
	p2=$(dk_inspect c1 '{{.State.Pid}}')
	expect_eq "$(dk_inspect c1 '{{.State.Status}}')" running "status after restart"
	[ "$p1" != "$p2" ] || die "restart kept pid $p1"
	run dk exec c1 true >/dev/null
	run dk rm -f c1 >/dev/null
	# create, then start later
	run dk create --network none --name c2 $DIMG sh -c 'echo started' >/dev/null
	run dk start -a c2 >/dev/null
	expect_eq "$(dk_inspect c2 '{{.State.ExitCode}}')" 0 "exit code of a created then started container"
}

dk_stats() {
	run dkrun -d --name c1 --memory 64m $DIMG sleep 300 >/dev/null
	local s
	s=$(run dk stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' c1)
	expect_match "$s" '/ 64MiB 1$' "stats"
}

dk_update() {
	run dkrun -d --name c1 --memory 64m --memory-swap 128m $DIMG sleep 300 >/dev/null
	run dk update --memory 96m --memory-swap 192m --cpu-shares 512 --cpus 0.5 --pids-limit 77 c1 >/dev/null
	local out
	out=$(run dk exec c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares \
		/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max)
	expect_eq "$(echo $out)" "$((96 * 1024 * 1024)) 512 50000 77" "limits after update"
	expect_eq "$(dk_inspect c1 '{{.HostConfig.Memory}}')" $((96 * 1024 * 1024)) "inspect after update"
	# a restart keeps the updated limits
	run dk restart -t 0 c1 >/dev/null
	expect_eq "$(run dk exec c1 cat /sys/fs/cgroup/pids/pids.max)" 77 "pids.max after restart"
}

dk_oom() {
	local rc=0
	dkrun --name c1 --memory 32m --memory-swap 32m $DIMG sh -c 'tail /dev/zero' >/dev/null 2>&1 || rc=$?
	expect_eq "$rc" 137 "exit status"
	expect_eq "$(dk_inspect c1 '{{.State.OOMKilled}}')" true "OOMKilled"
}

dk_limits() {
	local out
	out=$(run dkrun --rm --memory 64m --pids-limit 50 --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 $DIMG sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max \
			/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us \
			/sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus')
	expect_eq "$(echo $out)" "67108864 50 50000 100000 512 0" "limits"
	out=$(dkrun --rm --pids-limit 10 $DIMG sh -c 'for i in $(seq 20); do sleep 5 & done 2>&1; wait' 2>&1 || true)
	expect_match "$out" "can't fork|Resource temporarily unavailable|fork" "pids limit enforced"
	out=$(run dkrun --rm --ulimit nofile=512:1024 $DIMG sh -c 'ulimit -n; ulimit -Hn')
	expect_eq "$(echo $out)" "512 1024" "ulimit"
	out=$(run dkrun --rm --shm-size 8m $DIMG sh -c 'grep " /dev/shm " /proc/mounts')
	expect_contains "$out" "size=8192k" "shm size"
}

dk_readonly() {
	local out
	out=$(run dkrun --rm --read-only --tmpfs /tmp $DIMG sh -c 'touch /x 2>&1; touch /tmp/ok && echo tmp-ok')
	expect_contains "$out" "Read-only file system" "write to /"
	expect_contains "$out" tmp-ok "write to /tmp"
}

dk_user() {
	expect_eq "$(run dkrun --rm --user 1000:1000 $DIMG sh -c 'echo $(id -u):$(id -g)')" "1000:1000" "id"
	expect_eq "$(run dkrun --rm --user 1000 --group-add 5 $DIMG id -G)" "1000 5" "groups"
	expect_eq "$(run dkrun --rm --user user $DIMG sh -c 'id -un; echo $HOME')" "user
/home/user" "user by name"
	expect_eq "$(run dkrun --rm --user 1000 $DIMG sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000" "non-root caps"
}

dk_caps() {
	expect_eq "$(run dkrun --rm --cap-drop all $DIMG sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000" "cap-drop all"
	expect_eq "$(run dkrun --rm --cap-drop all --cap-add NET_ADMIN $DIMG sh -c 'grep CapEff /proc/self/status | cut -f2')" 0000000000001000 "cap-add NET_ADMIN"
	expect_eq "$(run dkrun --rm $DIMG sh -c 'grep CapBnd /proc/self/status | cut -f2')" 00000000a80425fb "default bounding set"
	expect_rc 1 "chown without CAP_CHOWN" dkrun --rm --cap-drop CHOWN $DIMG chown 1000 /tmp
	run dkrun --rm $DIMG chown 1000 /tmp >/dev/null
	local out
	out=$(run dkrun --rm --cap-add SYS_ADMIN --security-opt seccomp=unconfined $DIMG sh -c 'mkdir /m && mount -t tmpfs t /m && echo mounted')
	expect_eq "$out" mounted "mount with SYS_ADMIN"
}

dk_seccomp() {
	expect_eq "$(run dkrun --rm $DIMG sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 2 "default profile"
	expect_eq "$(run dkrun --rm --security-opt seccomp=unconfined $DIMG sh -c 'grep Seccomp: /proc/self/status | cut -f2')" 0 "unconfined"
	cat >"$W/deny-mkdir.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
	local out
	out=$(dkrun --rm --security-opt seccomp="$W/deny-mkdir.json" $DIMG sh -c 'mkdir /tmp/x 2>&1; echo rc=$?')
	expect_contains "$out" "Operation not permitted" "explicit profile denies mkdir"
	# without CAP_SYS_ADMIN the default profile denies unshare(CLONE_NEWNS)
	out=$(dkrun --rm $DIMG sh -c 'unshare -m true 2>&1; echo rc=$?')
	expect_contains "$out" "rc=1" "unshare -m under the default profile"
	# exec gets the container's filter
	run dkrun -d --name c1 --security-opt seccomp="$W/deny-mkdir.json" $DIMG sleep 300 >/dev/null
	out=$(dk exec c1 sh -c 'mkdir /tmp/y 2>&1; echo rc=$?')
	expect_contains "$out" "rc=1" "exec under the explicit profile"
}

dk_nnp() {
	expect_eq "$(run dkrun --rm $DIMG sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 0 "default"
	expect_eq "$(run dkrun --rm --security-opt no-new-privileges $DIMG sh -c 'grep NoNewPrivs /proc/self/status | cut -f2')" 1 "no-new-privileges"
}

dk_network() {
	expect_eq "$(run dkrun --rm $DIMG sh -c 'ls /sys/class/net | tr "\n" " "')" "lo " "network none"
	expect_eq "$(run dk run --rm --network host $DIMG sh -c 'ls /sys/class/net | wc -l')" "$(ls /sys/class/net | wc -l)" "network host"
	expect_eq "$(run dk run --rm --network host $DIMG hostname)" "$(hostname)" "hostname with network host"
	run dkrun -d --name c1 $DIMG sleep 300 >/dev/null
	expect_eq "$(run dk run --rm --network container:c1 $DIMG readlink /proc/self/ns/net)" "$(run dk exec c1 readlink /proc/self/ns/net)" "network container:"
}

dk_mounts() {
	mkdir -p "$W/ddata"
	echo from-host >"$W/ddata/in"
	local out
	out=$(run dkrun --rm -v "$W/ddata:/data" $DIMG sh -c 'cat /data/in; echo from-ctr > /data/out')
	expect_eq "$out" from-host "read bind mount"
	expect_eq "$(cat "$W/ddata/out")" from-ctr "write bind mount"
	out=$(dkrun --rm -v "$W/ddata:/data:ro" $DIMG sh -c 'echo x > /data/out2' 2>&1 || true)
	expect_contains "$out" "Read-only file system" "ro bind mount"
	out=$(run dkrun --rm --mount "type=bind,src=$W/ddata/in,dst=/etc/in.conf,readonly" $DIMG cat /etc/in.conf)
	expect_eq "$out" from-host "file bind mount"
	out=$(run dkrun --rm --tmpfs /scratch:size=1m,mode=1770 $DIMG sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch')
	expect_contains "$out" "tmpfs /scratch tmpfs" "tmpfs mount"
	expect_contains "$out" "size=1024k" "tmpfs size"
	expect_contains "$out" 1770 "tmpfs mode"
	run dkrun --rm -v vol1:/v $DIMG sh -c 'echo persisted > /v/f' >/dev/null
	expect_eq "$(run dkrun --rm -v vol1:/v $DIMG cat /v/f)" persisted "named volume"
	# /etc/hosts, /etc/resolv.conf and /etc/hostname are bind mounts from the engine
	out=$(run dkrun --rm --hostname hh $DIMG sh -c 'cat /etc/hostname; grep -c . /etc/hosts')
	expect_contains "$out" hh "/etc/hostname"
}

dk_devices() {
	local out
	out=$(run dkrun --rm --device /dev/null:/dev/mynull --device /dev/zero $DIMG sh -c 'stat -c "%F %t:%T" /dev/mynull; echo x > /dev/mynull && echo write-ok; head -c 3 /dev/zero | wc -c')
	expect_contains "$out" "character special file 1:3" "device node"
	expect_contains "$out" write-ok "write to device"
	out=$(dkrun --rm $DIMG sh -c 'mknod /tmp/sda b 8 0 && head -c1 /tmp/sda; echo rc=$?' 2>&1 || true)
	expect_contains "$out" "Operation not permitted" "device cgroup denies"
	# a device outside docker's default list, allowed read-only: opening it
	# for writing is denied by the device cgroup
	out=$(dkrun --rm --device /dev/loop-control:/dev/lc:r $DIMG sh -c ': > /dev/lc; echo rc=$?' 2>&1 || true)
	expect_contains "$out" "Operation not permitted" "read-only device permission"
}

dk_sysctls() {
	local out
	out=$(run dkrun --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shm_rmid_forced=1 $DIMG sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced')
	expect_eq "$(echo $out)" "1 1" "sysctls"
}

dk_init() {
	local out
	out=$(run dkrun --rm --init $DIMG sh -c 'cat /proc/1/cmdline | tr "\0" " "')
	expect_contains "$out" docker-init "pid 1 is the init"
	run dkrun -d --init --name c1 $DIMG sleep 300 >/dev/null
	local t0=$SECONDS
	run dk stop -t 10 c1 >/dev/null
	[ $((SECONDS - t0)) -lt 5 ] || die "stop with --init took $((SECONDS - t0))s"
}

dk_pid_host() {
	local out
	out=$(run dkrun --rm --pid host $DIMG sh -c 'echo $$; cat /proc/1/comm')
	expect_eq "$(echo "$out" | tail -1)" "$(cat /proc/1/comm)" "pid 1 is the host's"
	run dkrun -d --name c1 $DIMG sleep 300 >/dev/null
	out=$(run dkrun --rm --pid container:c1 $DIMG sh -c 'cat /proc/1/cmdline | tr "\0" " "')
	expect_eq "$out" "sleep 300 " "pid container:"
}

dk_ipc_uts() {
	run dkrun -d --name c1 --ipc shareable $DIMG sleep 300 >/dev/null
	expect_eq "$(run dkrun --rm --ipc container:c1 $DIMG readlink /proc/self/ns/ipc)" "$(run dk exec c1 readlink /proc/self/ns/ipc)" "joined ipc namespace"
	expect_eq "$(run dkrun --rm --uts host $DIMG hostname)" "$(hostname)" "uts host"
}

dk_restart_policy() {
	run dkrun -d --name c1 --restart on-failure:2 $DIMG sh -c 'sleep 0.3; exit 3' >/dev/null
	local i n s
	for i in $(seq 60); do
		n=$(dk_inspect c1 '{{.RestartCount}}')
		s=$(dk_inspect c1 '{{.State.Status}}')
		[ "$n" = 2 ] && [ "$s" = exited ] && break
		sleep 0.3
	done
	expect_eq "$n/$s" 2/exited "restart count/status"
	expect_eq "$(dk_inspect c1 '{{.State.ExitCode}}')" 3 "final exit code"
}

dk_healthcheck() {
	run dkrun -d --name c1 --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 1 $DIMG sh -c 'touch /tmp/ok; sleep 300' >/dev/null
	local i s
	for i in $(seq 50); do
		s=$(dk_inspect c1 '{{.State.Health.Status}}')
		[ "$s" = healthy ] && break
		sleep 0.2
	done
	expect_eq "$s" healthy "health"
	run dk exec c1 rm /tmp/ok >/dev/null
	for i in $(seq 50); do
		s=$(dk_inspect c1 '{{.State.Health.Status}}')
		[ "$s" = unhealthy ] && break
		sleep 0.2
	done
	expect_eq "$s" unhealthy "health after rm"
}

dk_info() {
	local out
	out=$(run dk info --format '{{.DefaultRuntime}} {{json .Runtimes}}')
	expect_contains "$out" "$DK_RT {" "default runtime"
	expect_contains "$out" "\"path\":\"$WRAP\"" "runtime path"
}

docker_scenarios() {
	scenario docker info dk_info
	scenario docker run-rm dk_run_rm
	scenario docker exit-codes dk_exit_codes
	scenario docker exec dk_exec
	scenario docker logs dk_logs
	scenario docker tty dk_tty_run
	scenario docker top dk_top
	scenario docker pause-unpause dk_pause
	scenario docker signals dk_signals
	scenario docker kill dk_kill
	scenario docker stop-start-restart dk_stop_start
	scenario docker stats dk_stats
	scenario docker update dk_update
	scenario docker oom dk_oom
	scenario docker limits dk_limits
	scenario docker read-only dk_readonly
	scenario docker user dk_user
	scenario docker caps dk_caps
	scenario docker seccomp dk_seccomp
	scenario docker no-new-privileges dk_nnp
	scenario docker network dk_network
	scenario docker mounts dk_mounts
	scenario docker devices dk_devices
	scenario docker sysctls dk_sysctls
	scenario docker init dk_init
	scenario docker pid-ipc dk_pid_host
	scenario docker ipc-uts dk_ipc_uts
	scenario docker restart-policy dk_restart_policy
	scenario docker healthcheck dk_healthcheck
}
