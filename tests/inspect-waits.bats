#!/usr/bin/env bats
# inspect: what a process waits on (SPEC "What the process waits on"):
# threads blocked in recv() and connect(), a UDP socket that drops, and
# the normal waits (accept, an event loop) that are only summarised. The
# waiting threads are tests/helpers/waiter.py's, on loopback or inside a
# namespace the test makes.
load helpers/common
load helpers/connect
load helpers/py

WAITER=$BATS_TEST_DIRNAME/helpers/waiter.py

teardown() {
	stop_all_bg
	ns_cleanup
}

# waiter NAME ARGS...: the helper in the background, up (bounded); its
# "ready ..." line split into $r1 $r2 $r3 $r4 (pid first).
waiter() {
	local name=$1
	shift
	start_bg "$name" timeout -k 5 60 python3 "$WAITER" "$@"
	wait_line "$name" '^ready' 20 || return 1
	read -r _ r1 r2 r3 r4 <<<"$wait_match"
}

# in_wait PID TID: waits (bounded) until the thread sleeps in the kernel
# on a socket (wchan wait_woken: recv and connect both show it).
in_wait() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(cat "/proc/$1/task/$2/wchan" 2>/dev/null)" = wait_woken ] &&
			return 0
		sleep 0.05
	done
	echo "thread $2 of pid $1 never waited on a socket" >&2
	return 1
}

@test "a thread blocked in recv() on a silent loopback peer is blocked-recv with pid, tid, fd and the connection, exit 13" {
	require_python
	waiter w recv
	local pid=$r1 tid=$r2 fd=$r3 port=$r4
	in_wait "$pid" "$tid"
	sc 13 inspect --pid "$pid" --sample 1s
	assert_stderr_contains "recv: blocked-recv"
	assert_stderr_contains "thread $tid of pid $pid (python3"
	assert_stderr_contains "waits in recvfrom() on fd $fd"
	assert_stderr_contains "-> 127.0.0.1:$port"
	assert_stderr_contains "no receive timeout (SO_RCVTIMEO 0)"
	assert_stderr_contains "TCP keepalive off"
	assert_stderr_contains "SO_RCVTIMEO"
	assert_stderr_contains "SO_KEEPALIVE 1"
	[[ $output == *"pid $pid waits: "*"recvfrom() on tcp "*"(blocked-recv)"* ]]
	sc 13 --json inspect --pid "$pid" --sample 500ms
	assert_line --index 0 --partial '"reason":"blocked-recv"'
	assert_line --index 0 --partial "\"tid\":$tid,\"fd\":$fd,\"syscall\":\"recvfrom\""
	assert_line --index 0 --partial "\"remote\":\"127.0.0.1:$port\""
	[[ ${lines[-1]} == *'"event":"summary"'*'"waits":[{"pid":'$pid* ]]
}

@test "the same recv() with SO_RCVTIMEO set is no finding: the summary says its timeout, exit 0" {
	require_python
	waiter w recv 30
	local pid=$r1 tid=$r2
	in_wait "$pid" "$tid"
	sc 0 inspect --pid "$pid" --sample 1s
	[[ $stderr != *blocked-recv* ]]
	[[ $output == *"pid $pid waits: 1 thread waits in recvfrom() on tcp "*", receive timeout 30 s"* ]]
}

@test "once the server answers, the recv() returns and the blocked-recv is gone, exit 0" {
	require_python
	waiter w recv
	local pid=$r1 tid=$r2
	in_wait "$pid" "$tid"
	sc 13 inspect --pid "$pid" --sample 500ms
	assert_stderr_contains "recv: blocked-recv"
	kill -USR1 "$pid"
	wait_line w '^answered' 20
	sc 0 inspect --pid "$pid" --sample 500ms
	[[ $stderr != *blocked-recv* ]]
	[[ $output != *"recvfrom() on tcp"* ]]
}

@test "a process another finding names (not-accepting) has its threads judged at both reads: its recv() that nothing ends is blocked-recv too" {
	require_python
	waiter w recv 0 recv queued
	local pid=$r1 tid=$r2 fd=$r3 port=$r4
	in_wait "$pid" "$tid"
	# a port target: the process is named by not-accepting, not by --pid
	sc 13 inspect "$port" --sample 1s
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "recv: blocked-recv"
	assert_stderr_contains "thread $tid of pid $pid (python3"
	assert_stderr_contains "at both reads 1.0 s apart"
	[[ $output == *"pid $pid waits: 1 thread waits in recvfrom() on tcp "*"(blocked-recv)"* ]]
	sc 13 --json inspect "$port" --sample 500ms
	run jq -s -e "any(.[]; .reason == \"blocked-recv\" and .tid == $tid and .fd == $fd and .pid == $pid)" <<<"$output"
	[ "$status" -eq 0 ]
}

@test "a thread in poll() on that socket alone with no timeout is blocked-recv too, with syscall poll" {
	require_python
	waiter w recv 0 poll
	local pid=$r1 tid=$r2 fd=$r3 i
	# poll's wchan is not wait_woken: wait until the call is the poll
	for ((i = 0; i < 100; i++)); do
		sc 0 inspect --pid "$pid" --sample 0
		[[ $output == *"poll() on tcp"* ]] && break
		sleep 0.1
	done
	sc 13 --json inspect --pid "$pid" --sample 1s
	# (a stray connection to its listener, which accepts once, may come
	# first as not-accepting on a shared machine)
	run grep '"reason":"blocked-recv"' <<<"$output"
	[ "${#lines[@]}" -eq 1 ]
	assert_line --index 0 --partial "\"tid\":$tid,\"fd\":$fd,\"syscall\":\"poll\""
	[[ ${lines[0]} == *"the poll has no timeout (SO_RCVTIMEO does not bound a poll)"* ]]
}

@test "threads in accept() and an epoll_wait() loop are only summarised, exit 0" {
	require_python
	waiter w accept
	local pid=$r1 port=$r2 i
	# the three threads reach their calls (bounded)
	for ((i = 0; i < 100; i++)); do
		sc 0 inspect --pid "$pid" --sample 0
		[[ $output == *"2 threads wait in accept"*"epoll_wait() on 3 descriptors"* ]] && break
		sleep 0.1
	done
	sc 0 inspect --pid "$pid" --sample 300ms
	[[ $output == *"pid $pid waits: 2 threads wait in accept"*"() on tcp 127.0.0.1:$port"* ]]
	[[ $output == *"1 thread waits in epoll_wait() on 3 descriptors"* ]]
	[[ $stderr != *blocked-* ]]
	sc 0 --json inspect --pid "$pid" --sample 0
	[[ ${lines[-1]} == *'"syscalls":{'*'"epoll_wait":1'* ]]
	sc 0 --openmetrics inspect --pid "$pid" --sample 0
	[[ $output == *"sockctl_threads_waiting{command=\"inspect\",target=\"pid $pid\",pid=\"$pid\",syscall=\"accept4\"} 2"* ]]
	[[ $output == *"sockctl_threads_waiting{command=\"inspect\",target=\"pid $pid\",pid=\"$pid\",syscall=\"epoll_wait\"} 1"* ]]
	[[ $output != *sockctl_finding* ]]
}

@test "a UDP receiver that never reads while the test floods it is udp-drops with a count and SO_RCVBUF/rmem_max in the fix, and it goes once it reads" {
	require_python
	waiter u udp 2048
	local pid=$r1 port=$r2
	start_bg f timeout -k 5 30 python3 "$WAITER" flood "$port" 6000
	local flood=$bg_pid
	wait_line f '^sending' 20
	sc 13 inspect --pid "$pid" --sample 500ms
	assert_stderr_contains "recv: udp-drops"
	assert_stderr_contains "pid $pid (python3"
	assert_stderr_contains "UDP socket 127.0.0.1:$port dropped"
	assert_stderr_contains "net.core.rmem_max is "
	assert_stderr_contains "SO_RCVBUF"
	assert_stderr_contains "sysctl -w net.core.rmem_max="
	[[ $stderr =~ dropped\ ([0-9]+)\ datagram ]]
	((BASH_REMATCH[1] > 0))
	sc 13 --json inspect --pid "$pid" --sample 300ms
	assert_line --index 0 --partial '"reason":"udp-drops"'
	assert_line --index 0 --partial "\"local\":\"127.0.0.1:$port\""
	if "$PY" -c 'import jsonschema' 2>/dev/null; then
		printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/udp.json"
		schema_ok "$BATS_TEST_TMPDIR/udp.json"
	fi
	sc 13 --openmetrics inspect --pid "$pid" --sample 300ms
	[[ $output == *'sockctl_finding{'*'reason="udp-drops"'*"pid=\"$pid\""*"socket=\"127.0.0.1:$port\""*'} 1'* ]]
	kill -USR1 "$pid"
	wait_line u '^fixed'
	sc 0 inspect --pid "$pid" --sample 300ms
	[[ $stderr != *udp-drops* ]]
	# still flooded: the drops stopped because it reads
	kill -0 "$flood"
}

@test "a Unix datagram receiver that never reads while a sender floods it: the kernel holds the sender (EAGAIN or a wait in sendto()), its drop counter stays 0, so no udp-drops is claimed" {
	require_python
	local d
	d=$(mktemp -d)
	start_bg u timeout -k 5 60 python3 "$WAITER" unixdgram "$d/log.sock" 2048
	wait_line u '^ready' 20
	read -r _ pid tid <<<"$wait_match"
	# the sender's thread reaches its wait in sendto() (bounded)
	local i
	for ((i = 0; i < 100; i++)); do
		sc 0 inspect --pid "$pid" --sample 0
		[[ $output == *"sendto() on a Unix datagram socket"* ]] && break
		sleep 0.1
	done
	sc 0 inspect --pid "$pid" --sample 500ms
	[[ $output == *"pid $pid waits: 1 thread waits in sendto() on a Unix datagram socket"* ]]
	[[ $stderr != *udp-drops* ]]
	# what the kernel says of the receiver: queued, none dropped
	run ss -xmaH
	[[ $output == *"$d/log.sock "*"d0)"* ]]
	rm -rf "$d"
}

@test "json: the new findings and the summary's waits match the schema" {
	require_python
	require_py jsonschema python3-jsonschema
	waiter w recv
	in_wait "$r1" "$r2"
	sc 13 --json inspect --pid "$r1" --sample 1s
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	schema_ok "$BATS_TEST_TMPDIR/out.json"
}

@test "openmetrics: threads waiting per call and the finding, each series once" {
	require_python
	require_py prometheus_client python3-prometheus-client
	waiter w recv
	in_wait "$r1" "$r2"
	sc 13 --openmetrics inspect --pid "$r1" --sample 1s
	local om=$output
	om_parse "$om"
	[ "$status" -eq 0 ]
	[[ $om == *"sockctl_threads_waiting{command=\"inspect\",target=\"pid $r1\",pid=\"$r1\",syscall=\"recvfrom\"} 1"* ]]
	[[ $om == *'sockctl_finding{'*'reason="blocked-recv"'*"tid=\"$r2\""* ]]
}

@test "root: connect() to an address whose SYNs a DROP rule eats is blocked-connect with the retries and tcp_syn_retries" {
	require_root
	require_python
	command -v nft >/dev/null || skip "needs nft"
	ns_new bc
	ip -n "$ns" addr add 198.51.100.7/32 dev lo
	ip netns exec "$ns" nft add table inet scw
	ip netns exec "$ns" nft add chain inet scw in '{ type filter hook input priority 0; }'
	ip netns exec "$ns" nft add rule inet scw in ip daddr 198.51.100.7 tcp dport 9 drop
	start_bg c ip netns exec "$ns" timeout -k 5 60 python3 "$WAITER" connect 198.51.100.7 9
	wait_line c '^ready' 20
	read -r _ pid tid fd <<<"$wait_match"
	in_wait "$pid" "$tid"
	in_ns "$ns" 13 inspect --pid "$pid" --sample 1500ms
	[[ $stderr == *"connect: blocked-connect"* ]]
	[[ $stderr == *"thread $tid of pid $pid (python3"* ]]
	[[ $stderr == *"waits in connect() on fd $fd to 198.51.100.7:9"* ]]
	[[ $stderr == *"SYN was retransmitted"* ]]
	[[ $stderr == *"net.ipv4.tcp_syn_retries"* ]]
	[[ $stderr == *"give the connect a timeout"* ]]
	# one finding per fact: the stuck connect is not also retransmitting
	[[ $stderr != *retransmitting* ]]
	in_ns "$ns" 13 --json inspect --pid "$pid" --sample 0
	assert_line --partial '"reason":"blocked-connect"'
	assert_line --partial "\"tid\":$tid,\"fd\":$fd,\"syscall\":\"connect\""
	assert_line --partial '"remote":"198.51.100.7:9"'
	refute_line --partial '"reason":"retransmitting"'
	if "$PY" -c 'import jsonschema' 2>/dev/null; then
		printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/bc.json"
		schema_ok "$BATS_TEST_TMPDIR/bc.json"
	fi
	in_ns "$ns" 13 --openmetrics inspect --pid "$pid" --sample 0
	[[ $output == *'sockctl_finding{'*'reason="blocked-connect"'*"tid=\"$tid\""*'} 1'* ]]
	[[ $output == *"syscall=\"connect\"} 1"* ]]
	[[ $output != *'reason="retransmitting"'* ]]
	# the whole machine: retransmitting names the process, whose thread
	# is then judged at both reads: blocked-connect alone again
	in_ns "$ns" 13 --json inspect --sample 1500ms
	run jq -s -e "any(.[]; .reason == \"blocked-connect\" and .tid == $tid) and all(.[]; .reason != \"retransmitting\")" <<<"$output"
	[ "$status" -eq 0 ]
}

# as_nobody ARGS...: sockctl ARGS as uid 65534 (run --separate-stderr);
# the binary is copied out of a build directory closed to others.
as_nobody() {
	local bin=$SOCKCTL d=
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin"; then
		d=$(mktemp -d /tmp/sockctl-nobody.XXXXXX)
		chmod 755 "$d"
		cp "$SOCKCTL" "$d/sockctl"
		chmod 755 "$d/sockctl"
		bin=$d/sockctl
	fi
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" "$@"
	[ -z "$d" ] || rm -rf "$d"
}

@test "root: as a non-root user against root's blocked process: says what needs root, no finding claimed, never exit 0" {
	require_root
	require_python
	waiter w recv
	in_wait "$r1" "$r2"
	as_nobody inspect --pid "$r1" --sample 300ms
	# nothing could be judged: permission-denied (issue 22), not a 0
	[ "$status" -eq 8 ]
	[[ $stderr == *"may not be read by this user"* ]]
	[[ $stderr == *"sudo sockctl inspect --pid $r1"* ]]
	[[ $stderr != *blocked-recv* ]]
}

@test "root: as a non-root user, root's process named by not-accepting: the finding says root would name it, its blocked recv() is not guessed" {
	require_root
	require_python
	waiter w recv 0 recv queued
	local pid=$r1 tid=$r2 port=$r4
	in_wait "$pid" "$tid"
	as_nobody inspect "$port" --sample 500ms
	[ "$status" -eq 13 ]
	[[ $stderr == *"accept: not-accepting"* ]]
	[[ $stderr == *"a process of uid 0 (root; run as root to name it)"* ]]
	[[ $stderr == *"sudo sockctl inspect 127.0.0.1:$port"* ]]
	[[ $stderr != *blocked-recv* ]]
	[[ $output != *"waits in recvfrom"* ]]
}
