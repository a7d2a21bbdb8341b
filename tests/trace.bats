#!/usr/bin/env bats
# -v: every lifecycle stage, in order, with the TCP state the kernel
# reports, for the servers and probe-udp (probe-bind and probe-connect
# have theirs in their own files).
load helpers/common

# stage_order FILE REGEX...: each REGEX matches a line of FILE, each
# after the line the previous one matched.
stage_order() {
	local file=$1 last=0 n re
	shift
	for re in "$@"; do
		n=$(grep -n -E -- "$re" "$file" | awk -F: -v l="$last" '$1 > l { print $1; exit }')
		if [ -z "$n" ]; then
			echo "no line matching /$re/ after line $last of:" >&2
			cat "$file" >&2
			return 1
		fi
		last=$n
	done
}

@test "echo-server -v traces socket, setsockopt, bind, listen, accept, recv, send, close" {
	start_listener srv "$SOCKCTL" -v echo-server --count 1 0
	sc 0 connect --send 'hello\n' --expect '^hello$' "$listen_addr"
	local i
	for ((i = 0; i < 500; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.02
	done
	run ! kill -0 "$bg_pid"
	stage_order "$BATS_TEST_TMPDIR/srv.err" \
		'socket\(AF_INET, SOCK_STREAM\) = fd [0-9]+' \
		'setsockopt\(SO_REUSEADDR, 1\) ok' \
		"bind\\(127\\.0\\.0\\.1:0\\) ok: $listen_addr, TCP state CLOSE" \
		'listen\(.*\) ok, TCP state LISTEN' \
		'accept\(fd [0-9]+\) = fd [0-9]+ from 127\.0\.0\.1:[0-9]+, TCP state ESTABLISHED' \
		'recv\(fd [0-9]+\): 6 bytes' \
		'send\(fd [0-9]+\): 6 of 6 bytes' \
		"recv\\(fd [0-9]+\\): EOF, the client's FIN; TCP state CLOSE_WAIT" \
		'close\(fd [0-9]+\): TCP state CLOSE_WAIT before it \(the client closed first\)'
	# the trace is stderr's; stdout keeps its log lines
	grep -q '^accept 127.0.0.1:' "$BATS_TEST_TMPDIR/srv.out"
	run ! grep -q 'socket(' "$BATS_TEST_TMPDIR/srv.out"
}

@test "echo-server -v on :: says IPV6_V6ONLY is off" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this machine"
	start_listener srv "$SOCKCTL" -v echo-server '[::]:0'
	stop_bg "$bg_pid"
	stage_order "$BATS_TEST_TMPDIR/srv.err" \
		'socket\(AF_INET6, SOCK_STREAM\) = fd [0-9]+' \
		'setsockopt\(IPV6_V6ONLY, 0\) ok' \
		'bind\(\[::\]:0\) ok: \[::\]:[0-9]+, TCP state CLOSE' \
		'listen\(.*\) ok, TCP state LISTEN' \
		'close\(fd [0-9]+\): the listening socket'
}

@test "a failed bind under -v names the stage and the errno" {
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	run --separate-stderr "$SOCKCTL" -v echo-server "$listen_addr"
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"socket(AF_INET, SOCK_STREAM) = fd "* ]]
	[[ "$stderr" == *"bind($listen_addr): EADDRINUSE ("* ]]
}

@test "udp-echo and probe-udp -v trace socket, bind/connect, send, recv, close" {
	start_listener srv "$SOCKCTL" -v udp-echo --count 2 0
	sc 0 -v -c 2 --interval 10ms probe-udp "$listen_addr"
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/cli.err"
	stage_order "$BATS_TEST_TMPDIR/cli.err" \
		'socket\(AF_INET, SOCK_DGRAM\) = fd [0-9]+' \
		"connect\\($listen_addr\\) ok: from 127\\.0\\.0\\.1:[0-9]+" \
		'send: 29 bytes \(datagram 1 of 2\)' \
		'recv: 29 bytes \(reply 1\)' \
		'send: 29 bytes \(datagram 2 of 2\)' \
		'recv: 29 bytes \(reply 2\)' \
		'close\(fd [0-9]+\)'
	local i
	for ((i = 0; i < 500; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.02
	done
	run ! kill -0 "$bg_pid"
	stage_order "$BATS_TEST_TMPDIR/srv.err" \
		'socket\(AF_INET, SOCK_DGRAM\) = fd [0-9]+' \
		"bind\\(127\\.0\\.0\\.1:0\\) ok: $listen_addr" \
		'recvmmsg\(fd [0-9]+\) = 1 datagram' \
		'recv: 29 bytes from 127\.0\.0\.1:[0-9]+' \
		'sendmmsg\(fd [0-9]+\) = 1 datagram sent back' \
		'recv: 29 bytes from 127\.0\.0\.1:[0-9]+'
}

@test "probe-udp -v against a closed port shows the ICMP error at recv" {
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	stop_bg "$bg_pid"
	sc 4 -v -c 1 probe-udp "$listen_addr"
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/cli.err"
	stage_order "$BATS_TEST_TMPDIR/cli.err" \
		'socket\(AF_INET, SOCK_DGRAM\)' 'connect\(' 'send: ' \
		'recv: ECONNREFUSED' 'close\(fd'
}
