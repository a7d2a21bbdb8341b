#!/usr/bin/env bats
# udp-echo: every size of datagram back byte for byte, options, totals.
load helpers/common
load helpers/servers

setup_file() {
	build_echo_client
}

# server NAME ARGS...: starts udp-echo ARGS and reads its port.
server() {
	local name=$1
	shift
	start_listener "$name" "$SOCKCTL" udp-echo "$@" || return 1
	srv_pid=$bg_pid
}

@test "first line is 'listening on 127.0.0.1:PORT' and port 0 picks a free port" {
	server ue 0
	[[ "$listen_addr" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$listen_port" -gt 0 ]
	run head -n 1 "$BATS_TEST_TMPDIR/ue.out"
	assert_output "listening on $listen_addr"
}

@test "datagrams from 1 to 65507 bytes come back byte for byte, never larger" {
	server ue 0
	ec -m udp -z 1,2,100,1400,1472,1473,9000,32768,65506,65507 -s 21
	assert_success
	assert_output --partial "ok datagram 65507"
}

@test "an empty datagram gets an empty reply" {
	server ue 0
	ec -m udp -z 0
	assert_success
}

@test "--upper replies upper-cased, other bytes unchanged" {
	server ue --upper 0
	ec -m udp -u -z 1,1000,65507 -s 4
	assert_success
}

@test "--count 3 exits 0 after three datagrams, with totals" {
	server ue --count 3 0
	ec -m udp -z 10,20,30
	assert_success
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep '^summary: 3 datagrams in (60 bytes), 3 out (60 bytes), 0 dropped' "$BATS_TEST_TMPDIR/ue.out"
	assert_success
}

@test "SIGTERM prints the totals and exits 0" {
	server ue 0
	ec -m udp -z 1,10
	assert_success
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep '^summary: 2 datagrams in (11 bytes), 2 out (11 bytes)' "$BATS_TEST_TMPDIR/ue.out"
	assert_success
	assert_output --partial "stopped by SIGTERM"
}

@test "--json: listening and summary events" {
	start_json_listener ue "$SOCKCTL" --json udp-echo 0
	srv_pid=$bg_pid
	ec -m udp -z 5
	assert_success
	kill -INT "$srv_pid"
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run jfields event address family proto <"$BATS_TEST_TMPDIR/ue.out"
	assert_line --index 0 "listening 127.0.0.1 ipv4 udp"
	run jfields event=summary datagrams_in datagrams_out bytes_in dropped signal <"$BATS_TEST_TMPDIR/ue.out"
	assert_output "1 1 5 0 SIGINT"
}

@test "a port already bound gives exit 7, port-in-use at bind" {
	server ue 0
	sc 7 udp-echo "127.0.0.1:$listen_port"
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
}

@test "[::1]:0 serves IPv6" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this host"
	server ue '[::1]:0'
	[[ "$listen_addr" == "[::1]:"* ]]
	run "$ECHO_CLIENT" -m udp -z 1,65000 ::1 "$listen_port"
	assert_success
}

@test "bad arguments are usage errors" {
	sc 2 udp-echo --count 0 0
	assert_stderr_contains "--count"
	sc 2 udp-echo 1.2.3.4:99999
	assert_stderr_contains "99999"
}
