# Helpers of stress.bats and limits.bats: load with `load helpers/stress`
# after helpers/common and helpers/servers.

# sanitized: true when $SOCKCTL is built with AddressSanitizer (make
# sanitize builds build/san/sockctl with it).
# static_binary: true when the binary under test is statically linked
# (make test-static: musl).
static_binary() {
	! ldd "$SOCKCTL" >/dev/null 2>&1
}

sanitized() {
	grep -qa __asan_init "$SOCKCTL"
}

# netns: as root, starts a holder process in a fresh network namespace with
# lo up and sets NS to the prefix that runs a command in it (nsenter execs,
# so the PID stays the command's); the holder is stopped with the test's
# other processes. Elsewhere NS is empty: this machine's loopback.
netns() {
	NS=()
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
		command -v nsenter >/dev/null || return 0
	start_bg ns unshare -n sh -c 'ip link set lo up && echo ready && exec sleep 300'
	wait_line ns '^ready' || return 1
	NS=(nsenter -t "$bg_pid" -n)
	"${NS[@]}" bash -c "$(declare -f in_fresh_netns); in_fresh_netns" || {
		echo "the namespace of pid $bg_pid is not fresh" >&2
		return 1
	}
}

# need_netns: netns, but skips the test when no namespace can be made.
need_netns() {
	require_root
	netns || return 1
	[ "${#NS[@]}" -gt 0 ] || skip "needs unshare and nsenter (util-linux)"
}

# nec ARGS...: the test client against 127.0.0.1 $listen_port in the
# test's namespace, with `run`.
nec() {
	run --separate-stderr "${NS[@]}" "$ECHO_CLIENT" "$@" 127.0.0.1 "$listen_port"
}

# bg_client NAME ARGS...: the test client in the background; sets bg_pid.
bg_client() {
	local name=$1
	shift
	start_bg "$name" "${NS[@]}" "$ECHO_CLIENT" "$@" 127.0.0.1 "$listen_port"
}

# server NAME CMD ARGS...: a sockctl server in the test's namespace; sets
# srv_pid and listen_port.
server() {
	local name=$1
	shift
	start_listener "$name" "${NS[@]}" "$SOCKCTL" "$@" || return 1
	srv_pid=$bg_pid
}

# stop_server: SIGTERM, then the exit status must be 0.
stop_server() {
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid" 30
	[ "$exit_status" -eq 0 ]
}

# limited N CMD ARGS...: runs CMD (in the test's namespace) with ulimit -n
# N, soft and hard, and only stdin, stdout and stderr open, so N is exactly
# what CMD has. It execs, so the PID is CMD's: call it only through `run`
# or start_bg / start_listener, never bare in a test.
limited() {
	local n=$1
	shift
	exec "${NS[@]}" bash -c '
		for f in /proc/$$/fd/*; do
			# (no redirection here: bash would park stderr on an fd
			# this loop may close)
			[ -e "$f" ] && [ "${f##*/}" -gt 2 ] && eval "exec ${f##*/}>&-"
		done
		ulimit -n "$0" && exec "$@"' "$n" "$@"
}

# cpu_ticks PID: user + system CPU time of PID so far, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# wait_lines NAME REGEX N [SECONDS]: waits (bounded, default 10 s) until N
# lines of NAME's stdout match REGEX. (servers.bash's wait_count fails at
# once under set -e while no line matches yet: grep -c exits 1.)
wait_lines() {
	local name=$1 re=$2 want=$3 limit=${4:-10} i n=0
	for ((i = 0; i < limit * 50; i++)); do
		n=$(grep -c -E -- "$re" "$BATS_TEST_TMPDIR/$name.out" 2>/dev/null) || true
		[ "${n:-0}" -ge "$want" ] && return 0
		sleep 0.02
	done
	echo "timed out after ${limit}s waiting for $want lines /$re/ in $name's output (have ${n:-0}):" >&2
	tail -n 20 "$BATS_TEST_TMPDIR/$name.out" "$BATS_TEST_TMPDIR/$name.err" >&2
	return 1
}
