#!/usr/bin/env bats
# valgrind memcheck over the commands: zero errors, nothing definitely or
# indirectly lost, in every process (the --expect trial compile forks a
# child; it is checked too). Skips when valgrind is missing or the binary
# is sanitized (ASan and valgrind do not mix). Traffic: loopback only, or
# a namespace made by dns_run.
load helpers/common
load helpers/connect
load helpers/servers

setup_file() {
	build_echo_client
}

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if nm "$SOCKCTL" 2>/dev/null | grep -q __asan_init; then
		skip "the binary under test is built with ASan"
	fi
	# VG runs sockctl under memcheck, one log per process in vg.PID
	VG=$BATS_TEST_TMPDIR/vg-sockctl
	cat >"$VG" <<-EOF
	#!/bin/sh
	exec valgrind --error-exitcode=99 --leak-check=full \\
	    --errors-for-leak-kinds=definite,indirect \\
	    --show-leak-kinds=definite,indirect \\
	    --log-file="$BATS_TEST_TMPDIR/vg.%p" "$SOCKCTL" "\$@"
	EOF
	chmod +x "$VG"
}

teardown() {
	stop_all_bg
	ns_cleanup
}

# vg_clean: every memcheck log of this test reports 0 errors and nothing
# definitely or indirectly lost; prints the logs that do not.
vg_clean() {
	local f n=0 bad=0 clean
	for f in "$BATS_TEST_TMPDIR"/vg.*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		clean=0
		grep -q 'ERROR SUMMARY: 0 errors' "$f" &&
			{ grep -q 'All heap blocks were freed' "$f" ||
			{ grep -q 'definitely lost: 0 bytes' "$f" &&
			  grep -q 'indirectly lost: 0 bytes' "$f"; }; } && clean=1
		if [ "$clean" -eq 0 ]; then
			bad=1
			{ echo "--- $f"; cat "$f"; } >&2
		fi
	done
	[ "$n" -gt 0 ] || { echo "no valgrind log was written" >&2; return 1; }
	[ "$bad" -eq 0 ]
}

# vg EXIT ARGS...: sockctl under memcheck must exit EXIT with clean logs.
vg() {
	local want=$1
	shift
	rm -f "$BATS_TEST_TMPDIR"/vg.*
	run --separate-stderr "$VG" "$@"
	if [ "$status" -ne "$want" ]; then
		{ echo "sockctl $*: exit $status, expected $want"; echo "$stderr"
		  cat "$BATS_TEST_TMPDIR"/vg.*; } >&2
		return 1
	fi
	vg_clean
}

# udp_free_port: a UDP port on 127.0.0.1 that was free a moment ago.
udp_free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "valgrind: probe-bind success on both wildcards" {
	vg 0 probe-bind 0
}

@test "valgrind: probe-bind port-in-use with owners, text and JSON" {
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	vg 7 probe-bind "127.0.0.1:$listen_port"
	vg 7 --json probe-bind "127.0.0.1:$listen_port"
}

@test "valgrind: probe-bind address-not-available and a name that resolves" {
	vg 9 probe-bind 203.0.113.7:0
	vg 0 probe-bind localhost 0
}

@test "valgrind: explain, every row" {
	vg 0 explain --list
	vg 0 --json explain ECONNREFUSED
	vg 2 explain EBOGUS
}

@test "valgrind: usage errors" {
	vg 2 probe-bind 70000
	vg 2 --timeout 5x probe-bind 0
}

@test "valgrind: probe-connect success, plain, JSON, several targets, --send/--expect" {
	start_listener e timeout -k 5 60 "$SOCKCTL" echo-server 127.0.0.1:0
	vg 0 connect "127.0.0.1:$listen_port"
	assert_output --partial "connected"
	vg 0 --json -v connect localhost "$listen_port"
	printf '127.0.0.1:%s\nlocalhost %s\n' "$listen_port" "$listen_port" >"$BATS_TEST_TMPDIR/t"
	vg 0 connect -j 2 --targets "$BATS_TEST_TMPDIR/t" "127.0.0.1:$listen_port"
	# the trial compile forks: both processes' logs are checked
	vg 0 connect --send 'hello\r\n' --expect '^hel+o' "127.0.0.1:$listen_port"
	assert_output --partial "reply matched"
	[ "$(ls "$BATS_TEST_TMPDIR"/vg.* | wc -l)" -eq 2 ]
}

@test "valgrind: probe-connect refused, timeout, expect-failed, reset" {
	require_python
	vg 4 connect "127.0.0.1:$(free_port)"
	assert_stderr_contains "ECONNREFUSED"
	py_listener full 127.0.0.1 full
	vg 5 connect -t 1s "127.0.0.1:$listen_port"
	assert_stderr_contains "not calling accept()"
	start_listener e timeout -k 5 60 "$SOCKCTL" echo-server 127.0.0.1:0
	vg 10 connect -t 500ms --send 'hello\n' --expect '^bye' "127.0.0.1:$listen_port"
	assert_stderr_contains "expect-failed"
	py_listener rst 127.0.0.1 reset
	vg 11 connect --send 'GET / HTTP/1.0\r\n\r\n' "127.0.0.1:$listen_port"
	assert_stderr_contains "reset"
}

@test "valgrind: probe-connect --wait retries until it gives the last cause" {
	vg 4 connect --wait 300ms --interval 50ms "127.0.0.1:$(free_port)"
	assert_stderr_contains "still failing when --wait ran out"
}

@test "valgrind: probe-connect usage errors, --targets garbage, a refused --expect" {
	vg 2 connect 127.0.0.1:70000
	printf 'db:5432\nnoport\n' >"$BATS_TEST_TMPDIR/t"
	vg 2 connect --targets "$BATS_TEST_TMPDIR/t"
	vg 2 connect --expect 'a++' 127.0.0.1:1
	vg 2 connect --expect '(' 127.0.0.1:1
	vg 2 connect --send 'a\q' 127.0.0.1:1
}

@test "root: valgrind: probe-connect dns-failure through the test's own dnsmasq" {
	require_root
	# dns_run runs $SOCKCTL in a fresh namespace: run the memcheck wrapper
	SOCKCTL=$VG dns_run 3 127.0.0.1 connect nosuch.test:80
	assert_stderr_contains "EAI_NONAME"
	vg_clean
}

@test "valgrind: probe-udp success against udp-echo, and refused" {
	start_listener u timeout -k 5 60 "$SOCKCTL" udp-echo 127.0.0.1:0
	vg 0 probe-udp -c 3 --interval 20ms --send 'ping\n' 127.0.0.1 "$listen_port"
	vg 0 --json probe-udp -c 2 --interval 20ms "127.0.0.1:$listen_port"
	vg 4 probe-udp -c 2 --interval 20ms 127.0.0.1 "$(udp_free_port)"
	assert_stderr_contains "refused"
}

@test "valgrind: an echo-server session with clients, stopped by SIGTERM" {
	start_listener es "$VG" echo-server --max-conns 8 127.0.0.1:0
	local pid=$bg_pid
	ec -n 6 -b 5000
	assert_success
	ec -m reset -n 3 -b 20000
	start_bg hold "$ECHO_CLIENT" -m hold -n 2 -t 30 127.0.0.1 "$listen_port"
	wait_line hold '^held 2'
	wait_count es '^accept ' 11 30
	kill -TERM "$pid"
	wait_exit "$pid" 60
	[ "$exit_status" -eq 0 ]
	run grep -E '^summary: 11 clients' "$BATS_TEST_TMPDIR/es.out"
	assert_success
	vg_clean
}

@test "valgrind: a udp-echo session with clients, stopped by SIGTERM" {
	start_listener ue "$VG" udp-echo 127.0.0.1:0
	local pid=$bg_pid
	ec -m udp -z 1,100,1400,9000
	assert_success
	ec -m udpflood -n 50 -b 512 -c 2
	assert_success
	kill -TERM "$pid"
	wait_exit "$pid" 60
	[ "$exit_status" -eq 0 ]
	run grep -E '^summary' "$BATS_TEST_TMPDIR/ue.out"
	assert_success
	vg_clean
}
