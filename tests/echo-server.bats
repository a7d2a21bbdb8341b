#!/usr/bin/env bats
# echo-server: correctness under load, backpressure, abuse, options, events.
load helpers/common
load helpers/servers

setup_file() {
	build_echo_client
}

# server NAME ARGS...: starts echo-server ARGS in the background and reads
# its port; sets srv_pid and listen_port.
server() {
	local name=$1
	shift
	start_listener "$name" "$SOCKCTL" echo-server "$@" || return 1
	srv_pid=$bg_pid
}

@test "first line is 'listening on 127.0.0.1:PORT' and port 0 picks a free port" {
	server es 0
	[[ "$listen_addr" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$listen_port" -gt 0 ]
	run head -n 1 "$BATS_TEST_TMPDIR/es.out"
	assert_output "listening on $listen_addr"
}

@test "without a port it listens on 127.0.0.1 and a free port" {
	server es
	[[ "$listen_addr" =~ ^127\.0\.0\.1:[0-9]+$ ]]
}

@test "200 concurrent clients with random payloads get every byte back" {
	server es -q 0
	ec -n 200 -b 50000 -s 7
	assert_success
	assert_output --partial "ok 200 connections"
}

@test "--upper replies upper-cased, other bytes unchanged" {
	server es --upper 0
	ec -u -n 10 -b 20000 -s 3
	assert_success
}

@test "without --upper the reply is not upper-cased" {
	server es 0
	ec -u -n 1 -b 20000 -s 3
	assert_failure
}

@test "half-close: 8 MB in flight are echoed in full before the server closes" {
	server es 0
	ec -n 1 -b 8000000 -s 11
	assert_success
	wait_line es '^close '
	[[ "$wait_match" == *"8000000 bytes in, 8000000 out"* ]]
	[[ "$wait_match" == *"client closed first (eof)"* ]]
}

@test "accept and close lines name the peer, bytes, duration and who closed" {
	server es 0
	ec -n 1 -b 123
	assert_success
	wait_line es '^close '
	[[ "$wait_match" =~ ^close\ 127\.0\.0\.1:[0-9]+:\ 123\ bytes\ in,\ 123\ out,\ [0-9.]+\ ms,\ client\ closed\ first ]]
	run grep -E '^accept 127\.0\.0\.1:[0-9]+ \(1 open\)$' "$BATS_TEST_TMPDIR/es.out"
	assert_success
}

@test "a client that never reads is stalled at a bounded cost while others are served" {
	server es -q 0
	local rss0 rss1
	rss0=$(rss_kb "$srv_pid")
	start_bg noread "$ECHO_CLIENT" -m noread -t 30 127.0.0.1 "$listen_port"
	wait_line noread '^stalled [0-9]+' 20
	ec -n 50 -b 200000 -s 5
	assert_success
	# the stalled client is still there, still stalled
	kill -0 "$bg_pid"
	rss1=$(rss_kb "$srv_pid")
	echo "rss before ${rss0} KiB, after ${rss1} KiB"
	[ $((rss1 - rss0)) -lt 16384 ]
	kill -0 "$srv_pid"
}

@test "clients that reset mid-stream do not disturb the server" {
	server es 0
	ec -m reset -n 50 -b 300000 -s 9
	assert_success
	ec -n 20 -b 10000
	assert_success
	kill -0 "$srv_pid"
	run grep -c 'client closed first (reset' "$BATS_TEST_TMPDIR/es.out"
	[ "$output" -ge 1 ]
}

@test "out of fds under ulimit -n 32: says so once, keeps running, recovers" {
	start_listener es bash -c 'ulimit -n 32 && exec "$0" echo-server -q 0' "$SOCKCTL"
	srv_pid=$bg_pid
	start_bg hold "$ECHO_CLIENT" -m hold -n 40 -t 30 127.0.0.1 "$listen_port"
	local hold_pid=$bg_pid
	wait_line hold '^held 40'
	local i
	for ((i = 0; i < 250; i++)); do
		grep -q EMFILE "$BATS_TEST_TMPDIR/es.err" && break
		sleep 0.02
	done
	# let the 100 ms accept retry timer fire a few times: still one line
	sleep 0.5
	run grep -c EMFILE "$BATS_TEST_TMPDIR/es.err"
	assert_output 1
	kill -0 "$srv_pid"
	stop_pid "$hold_pid"
	ec -n 20 -b 5000
	assert_success
	# the shortage ends once the listen queue stayed empty for a second
	for ((i = 0; i < 250; i++)); do
		grep -q "available again" "$BATS_TEST_TMPDIR/es.err" && break
		sleep 0.02
	done
	run cat "$BATS_TEST_TMPDIR/es.err"
	assert_output --partial "available again after"
	assert_output --partial "clients waited in the listen queue"
	assert_output --partial "ulimit -n"
}

@test "SIGTERM closes every client, prints totals and exits 0" {
	server es 0
	ec -n 3 -b 100
	assert_success
	start_bg hold "$ECHO_CLIENT" -m hold -n 2 -t 30 127.0.0.1 "$listen_port"
	wait_line hold '^held 2'
	wait_count es '^accept ' 5
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep -E '^summary: 5 clients' "$BATS_TEST_TMPDIR/es.out"
	assert_success
	assert_output --partial "300 bytes in, 300 out"
	assert_output --partial "stopped by SIGTERM"
	run grep -c 'server closed first (shutdown)' "$BATS_TEST_TMPDIR/es.out"
	assert_output 2
}

@test "SIGINT exits 0 as well" {
	server es 0
	kill -INT "$srv_pid"
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep -c '^summary: 0 clients' "$BATS_TEST_TMPDIR/es.out"
	assert_output 1
}

@test "--once exits 0 after the first client leaves" {
	server es --once 0
	ec -n 1 -b 1000
	assert_success
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep -c '^close ' "$BATS_TEST_TMPDIR/es.out"
	assert_output 1
}

@test "--count 3 exits 0 after three clients" {
	server es --count 3 0
	ec -n 1 -b 10
	ec -n 1 -b 10
	kill -0 "$srv_pid"
	ec -n 1 -b 10
	assert_success
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run grep -c '^accept ' "$BATS_TEST_TMPDIR/es.out"
	assert_output 3
}

@test "--idle-timeout closes an idle client and says why; busy ones stay" {
	server es --idle-timeout 300ms 0
	ec -m eof -t 10
	assert_success
	local ms=${output//[!0-9]/}
	[ "$ms" -ge 250 ]
	[ "$ms" -lt 5000 ]
	wait_line es 'server closed first \(idle-timeout\)'
	ec -n 5 -b 100000
	assert_success
}

@test "--max-conns 2: the third client is refused cleanly and the log says so" {
	server es --max-conns 2 0
	start_bg hold "$ECHO_CLIENT" -m hold -n 2 -t 30 127.0.0.1 "$listen_port"
	local hold_pid=$bg_pid
	wait_line es '\(2 open\)'
	ec -m eof -t 5
	assert_success
	wait_line es '^refuse 127\.0\.0\.1:[0-9]+: --max-conns 2'
	stop_pid "$hold_pid"
	wait_count es '^close ' 2
	ec -n 2 -b 1000
	assert_success
}

@test "--json: listening, accept, close and summary events, one object per line" {
	start_json_listener es "$SOCKCTL" --json echo-server 0
	srv_pid=$bg_pid
	ec -n 1 -b 42
	assert_success
	wait_line es '"event":"close"'
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$exit_status" -eq 0 ]
	run jfields event <"$BATS_TEST_TMPDIR/es.out"
	assert_success
	assert_output "$(printf 'listening\naccept\nclose\nsummary')"
	run jfields event=listening address family port <"$BATS_TEST_TMPDIR/es.out"
	assert_output "127.0.0.1 ipv4 $listen_port"
	run jfields event=close bytes_in bytes_out closed_by why errno <"$BATS_TEST_TMPDIR/es.out"
	assert_output "42 42 client eof null"
	run jfields event=close duration_ms <"$BATS_TEST_TMPDIR/es.out"
	[[ "$output" =~ ^[0-9]+\.[0-9]+$ ]]
	run jfields event=summary clients bytes_in signal <"$BATS_TEST_TMPDIR/es.out"
	assert_output "1 42 SIGTERM"
}

@test "-q prints only the listening line" {
	server es -q 0
	ec -n 2 -b 10
	assert_success
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	run cat "$BATS_TEST_TMPDIR/es.out"
	assert_output "listening on $listen_addr"
}

@test "port in use gives exit 7, port-in-use at bind, with cause and fix" {
	server es 0
	sc 7 echo-server "127.0.0.1:$listen_port"
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "cause:"
	assert_stderr_contains "fix:"
	sc 7 --json echo-server "$listen_port"
	assert_output --partial '"reason":"port-in-use"'
	assert_output --partial '"stage":"bind"'
}

@test "an address that is not local gives exit 9, address-not-available" {
	sc 9 echo-server 192.0.2.1:0
	assert_stderr_contains "address-not-available (EADDRNOTAVAIL)"
}

@test ":: listens on IPv6 and IPv4 (dual-stack)" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this host"
	server es '[::]:0'
	[[ "$listen_addr" == "[::]:"* ]]
	ec -n 3 -b 1000
	assert_success
	run "$ECHO_CLIENT" -n 3 -b 1000 ::1 "$listen_port"
	assert_success
}

@test "0.0.0.0 listens on every IPv4 address" {
	server es 0.0.0.0:0
	[[ "$listen_addr" == "0.0.0.0:"* ]]
	ec -n 2 -b 100
	assert_success
}

@test "bad arguments are usage errors that name the value" {
	sc 2 echo-server 70000
	assert_stderr_contains "70000"
	sc 2 echo-server --once --count 2 0
	assert_stderr_contains "--once"
	sc 2 echo-server --idle-timeout 2x 0
	assert_stderr_contains "'2x'"
	sc 2 echo-server --max-conns 0 0
	assert_stderr_contains "--max-conns"
}

@test "--help lists the options" {
	sc 0 echo-server --help
	for o in --upper --max-conns --idle-timeout --once --count; do
		assert_output --partial -- "$o"
	done
}

@test "echo-server on a held port exits 7 and names the holder, as probe-bind does" {
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	sc 7 echo-server "127.0.0.1:$listen_port"
	assert_stderr_contains "held by pid $bg_pid (sockctl"
}

@test "udp-echo on a foreign address exits 9 and lists the local addresses" {
	sc 9 udp-echo 203.0.113.5:0
	assert_stderr_contains "127.0.0.1 (lo)"
}
