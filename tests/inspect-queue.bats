#!/usr/bin/env bats
# inspect and accept queues: a listener that holds the same connections at
# both reads (not-accepting), made real on loopback and on Unix paths the
# test makes; a healthy server with clients stays exit 0.
load helpers/common
load helpers/connect
load helpers/inspect
load helpers/py

teardown() {
	# a stopped process takes no SIGTERM until it runs again
	[ -n "${stopped_pid:-}" ] && kill -CONT "$stopped_pid" 2>/dev/null
	stop_all_bg
}

@test "a listener that never accepts, its queue 3/128, is not-accepting with the process, its state and how to look" {
	require_python
	peer srv nonaccept 127.0.0.1 128
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 3
	sc 13 inspect --sample 300ms "$listen_port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "127.0.0.1:$listen_port of pid $srv (python3"
	assert_stderr_contains "has 3 connections waiting in its accept queue (backlog 128, not full)"
	assert_stderr_contains "3 of them the same at both reads"
	# for how long: tcp_info's age of the oldest, in seconds
	[[ $stderr =~ "the same at both reads 0.3 s apart, the oldest for "[0-9]+\.[0-9]" s: the process is not calling accept()" ]]
	assert_stderr_contains "pid $srv (python3) is sleeping"
	assert_stderr_contains "cat /proc/$srv/stack"
	assert_stderr_contains "py-spy dump --pid $srv"
	assert_stderr_contains "strace -p $srv"
	# the queued connections are no one's leak
	[[ $stderr != *close-wait-leak* ]]
	[[ $stderr != *accept-queue-full* ]]
	sc 13 --json inspect --sample 300ms "$listen_port"
	assert_line --index 0 --partial '"reason":"not-accepting"'
	assert_line --index 0 --partial "\"pid\":$srv,"
	assert_line --index 0 --partial '"count":3'
	# --pid of the server sees its queue too
	sc 13 inspect --sample 300ms --pid "$srv"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "has 3 connections waiting"
	# and the whole machine
	sc 13 --json inspect --sample 300ms
	run jq -s -e --argjson p "$srv" --arg l "127.0.0.1:$listen_port" \
		'any(.[]; .reason == "not-accepting" and .pid == $p and .local == $l and .count == 3)' <<<"$output"
	[ "$status" -eq 0 ]
}

@test "openmetrics: not-accepting is one sockctl_finding series with the listener's pid, and its queue and backlog" {
	require_python
	require_py prometheus_client python3-prometheus-client
	peer srv nonaccept 127.0.0.1 128
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 3
	sc 13 --openmetrics inspect --sample 300ms "$listen_port"
	[ "${lines[-1]}" = "# EOF" ]
	local om=$output
	om_parse "$om"
	run grep -c '^sockctl_finding {.*"reason":"not-accepting"' <<<"$output"
	[ "$output" = 1 ]
	[[ $om == *"sockctl_finding{"*"reason=\"not-accepting\",pid=\"$srv\",local=\"127.0.0.1:$listen_port\"} 1"* ]]
	[[ $om == *"sockctl_listen_queue_length{"*"address=\"127.0.0.1:$listen_port\"} 3"* ]]
	[[ $om == *"sockctl_listen_backlog{"*"address=\"127.0.0.1:$listen_port\"} 128"* ]]
}

@test "clients that gave up while queued are counted in the queue, never a close-wait-leak" {
	require_python
	peer srv nonaccept 127.0.0.1 128
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 2 close
	sc 13 inspect --sample 300ms "$listen_port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "2 of them were closed by their client while they waited"
	[[ $stderr != *close-wait-leak* ]]
	[[ $stderr != *"another namespace"* ]]
}

@test "a Unix listener that never accepts, its queue 2/16, is not-accepting" {
	require_python
	local path=$BATS_TEST_TMPDIR/q.sock
	peer srv nonaccept "$path" 16
	local srv=$peer_pid
	peer cl clients "$path" 0 2
	sc 13 inspect --sample 300ms "$path"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "unix $path of pid $srv (python3"
	assert_stderr_contains "has 2 connections waiting in its accept queue (backlog 16, not full)"
	assert_stderr_contains "ss -xl"
	# the summary counts them as queued, not as no connections
	assert_output --partial "unix $path listening, queue 2/16, pid $srv (python3, user $(id -un)): 2 in the accept queue"
	[[ $output != *"no connections (2"* ]]
	sc 13 --json inspect --sample 300ms "$path"
	assert_line --index 0 --partial '"reason":"not-accepting"'
	assert_line --index 0 --partial '"count":2'
}

@test "a stopped echo-server with clients waiting is not-accepting and says it is stopped; resumed, it is healthy" {
	require_python
	start_listener es "$SOCKCTL" echo-server 127.0.0.1:0
	local es=$bg_pid port=$listen_port
	peer cl1 clients 127.0.0.1 "$port" 2
	kill -STOP "$es"
	stopped_pid=$es
	peer cl2 clients 127.0.0.1 "$port" 3
	sc 13 inspect --sample 300ms "$port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "has 3 connections waiting"
	assert_stderr_contains "pid $es (sockctl) is stopped"
	assert_stderr_contains "kill -CONT $es"
	# its waits line says stopped, not "waits in epoll_wait()" (musl's
	# epoll_wait() is epoll_pwait())
	assert_output --regexp "pid $es waits: 1 thread is stopped in epoll_p?wait\(\)"
	kill -CONT "$es"
	stopped_pid=
	sc 0 inspect --sample 300ms "$port"
	[[ $stderr != *not-accepting* ]]
	assert_output --partial "listening, queue 0/"
}

@test "a healthy server with clients has no finding, exit 0" {
	require_python
	start_listener es "$SOCKCTL" echo-server 127.0.0.1:0
	peer cl clients 127.0.0.1 "$listen_port" 4
	sc 0 inspect --sample 300ms "$listen_port"
	assert_output --partial "0 findings"
	assert_output --partial "ESTAB 8"
	sc 0 inspect --sample 0 "$listen_port"
}

@test "a listener shared by a master and its worker is one holder line naming both, in inspect and --listening" {
	require_python
	start_bg mw timeout -k 5 60 python3 -c '
import os, signal, socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
if os.fork() == 0:
    signal.pause()
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
signal.pause()'
	wait_line mw '^listening on' || return 1
	local port=${wait_match##*:} master worker
	master=$(child_of "$bg_pid")
	worker=$(child_of "$master")
	[ -n "$worker" ]
	echo "$worker" >>"$BATS_TEST_TMPDIR/pids"
	local me both
	me=$(id -un)
	# the holders come in pid order: once pids wrap, the worker's may be
	# the lower one
	if ((master < worker)); then
		both="pid $master (python3, user $me) and pid $worker (python3, user $me)"
	else
		both="pid $worker (python3, user $me) and pid $master (python3, user $me)"
	fi
	sc 0 inspect --sample 0 "$port"
	assert_output --partial "queue 0/16, $both:"
	sc 0 inspect --listening "$port"
	assert_output --partial "$both"
	sc 0 --json inspect --listening "$port"
	run jq -s -e --argjson m "$master" --argjson w "$worker" \
		'(.[0].holders | map(.pid) | sort) == ([$m, $w] | sort)' <<<"$output"
	[ "$status" -eq 0 ]
}

@test "a server that accepts one connection a second while ten wait is not-accepting that says it accepts too slowly" {
	require_python
	start_bg slow timeout -k 5 60 python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
kept = []
while True:
    time.sleep(1)
    kept.append(s.accept()[0])'
	wait_line slow '^listening on' || return 1
	local port=${wait_match##*:}
	peer cl clients 127.0.0.1 "$port" 10
	sc 13 inspect --sample 1500ms "$port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "it calls accept(), but more slowly than connections arrive"
	assert_stderr_contains "that waited at the first read, and left these"
}
