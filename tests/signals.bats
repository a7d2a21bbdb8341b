#!/usr/bin/env bats
# Signals (issue 28): a client cut short by SIGINT or SIGTERM prints every
# result it finished and, for each target it had not, a result saying it
# was interrupted with its last cause so far, then exits 128 + the signal;
# a server (and probe-bind --hold) cleans up its socket file on every
# terminating signal as on SIGTERM. Each process is started with default
# signal dispositions (a background job of a script ignores SIGINT).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/connect

setup() {
	D=$(mktemp -d "${TMPDIR:-/tmp}/sockctl-sig.XXXXXX")
}

teardown() {
	stop_all_bg
	rm -rf "$D"
}

# sig_bg NAME ARGS...: sockctl ARGS in the background, every signal at its
# default disposition; stdout and stderr in NAME.out and NAME.err.
sig_bg() {
	local name=$1
	shift
	start_bg "$name" env --default-signal "$SOCKCTL" "$@"
}

# wait_err NAME REGEX: waits (at most 10 s) for a line of NAME's stderr.
wait_err() {
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q -E -- "$2" "$BATS_TEST_TMPDIR/$1.err" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "no /$2/ in $1's stderr after 10 s:" >&2
	cat "$BATS_TEST_TMPDIR/$1.out" "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# signal_wait PID SIG: sends SIG and reaps PID (at most 10 s); sets rc.
signal_wait() {
	local i
	kill -s "$2" "$1"
	for ((i = 0; i < 500; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.02
	done
	rc=0
	wait "$1" || rc=$?
}

@test "connect -t 10s A B: SIGTERM prints A's refusal and B as interrupted, exit 143" {
	require_python
	py_listener full 127.0.0.1 full
	local full=$listen_port
	local closed
	closed=$(free_port)
	sig_bg c -v connect -t 10s "127.0.0.1:$closed" "127.0.0.1:$full"
	local pid=$bg_pid
	# A's result waits while B's connect is in flight (no skewed timing)
	wait_err c "connect\(127.0.0.1:$closed\).*ECONNREFUSED"
	signal_wait "$pid" TERM
	[ "$rc" -eq 143 ]
	grep -q 'connect: refused (ECONNREFUSED)' "$BATS_TEST_TMPDIR/c.err"
	grep -q "probe-connect 127.0.0.1:$full: connect: error" "$BATS_TEST_TMPDIR/c.err"
	grep -q "interrupted by SIGTERM after [0-9.]* s, while connecting to 127.0.0.1:$full" "$BATS_TEST_TMPDIR/c.err"
}

@test "connect B A with B unfinished: SIGINT still prints A (held behind B), exit 130" {
	require_python
	py_listener full 127.0.0.1 full
	local full=$listen_port closed
	closed=$(free_port)
	sig_bg c --json -v connect -t 10s "127.0.0.1:$full" "127.0.0.1:$closed"
	local pid=$bg_pid
	wait_err c "connect\(127.0.0.1:$closed\).*ECONNREFUSED"
	signal_wait "$pid" INT
	[ "$rc" -eq 130 ]
	run jq -s -e --arg f "127.0.0.1:$full" --arg c "127.0.0.1:$closed" '
		length == 2 and .[0].target == $f and .[0].reason == "error" and
		(.[0].message | test("interrupted by SIGINT")) and
		.[1].target == $c and .[1].reason == "refused"' "$BATS_TEST_TMPDIR/c.out"
	[ "$status" -eq 0 ]
}

@test "connect --wait: SIGTERM gives the last cause so far, not nothing" {
	sig_bg c -v connect --wait 60s --interval 50ms "127.0.0.1:$(free_port)"
	local pid=$bg_pid
	wait_err c 'round 2: .*retrying'
	signal_wait "$pid" TERM
	[ "$rc" -eq 143 ]
	grep -q 'connect: refused (ECONNREFUSED)' "$BATS_TEST_TMPDIR/c.err"
	grep -q 'interrupted by SIGTERM after [0-9.]* s, while waiting to retry 127.0.0.1:[0-9]*, try [0-9]*; the cause above is the last one so far' "$BATS_TEST_TMPDIR/c.err"
}

@test "probe-bind --wait: SIGINT names the holder and says it was interrupted, exit 130" {
	require_python
	start_listener hold python3 "$BATS_TEST_DIRNAME/helpers/listen.py" v4
	local port=$listen_port holder=$bg_pid
	sig_bg b -v probe-bind --wait 60s "127.0.0.1:$port"
	local pid=$bg_pid
	wait_err b 'EADDRINUSE'
	signal_wait "$pid" INT
	[ "$rc" -eq 130 ]
	grep -q "held by pid $holder (python3" "$BATS_TEST_TMPDIR/b.err"
	grep -q 'interrupted by SIGINT after [0-9.]* s, while waiting for 127.0.0.1:'"$port"' to be free (--wait)' "$BATS_TEST_TMPDIR/b.err"
}

@test "probe-bind --wait P1 P2: SIGTERM during P1 reports P2 as not tried" {
	require_python
	start_listener hold python3 "$BATS_TEST_DIRNAME/helpers/listen.py" v4
	local port=$listen_port
	sig_bg b --json -v probe-bind --wait 60s "127.0.0.1:$port" 127.0.0.1:0
	local pid=$bg_pid
	wait_err b 'EADDRINUSE'
	signal_wait "$pid" TERM
	[ "$rc" -eq 143 ]
	run jq -s -e '
		length == 2 and .[0].reason == "port-in-use" and
		(.[0].message | test("interrupted by SIGTERM")) and
		.[1].reason == "error" and (.[1].message | test("was not tried"))' "$BATS_TEST_TMPDIR/b.out"
	[ "$status" -eq 0 ]
}

@test "probe-udp -c 100: SIGINT prints the counts so far, exit 130" {
	start_listener ue "$SOCKCTL" udp-echo 0
	local port=$listen_port
	sig_bg u --json -v probe-udp -c 100 --interval 20ms 127.0.0.1 "$port"
	local pid=$bg_pid
	wait_err u 'reply 3\)'
	signal_wait "$pid" INT
	[ "$rc" -eq 130 ]
	run jq -s -e '
		length == 1 and .[0].ok == true and .[0].sent < 100 and
		.[0].received >= 3 and (.[0].hint | test("interrupted by SIGINT"))' "$BATS_TEST_TMPDIR/u.out"
	[ "$status" -eq 0 ]
}

@test "probe-udp with no reply yet: SIGTERM says none was answered, exit 143" {
	start_listener sink python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
time.sleep(30)'
	sig_bg u -v probe-udp -c 100 --interval 20ms 127.0.0.1 "$listen_port"
	local pid=$bg_pid
	wait_err u 'datagram 3 of 100'
	signal_wait "$pid" TERM
	[ "$rc" -eq 143 ]
	grep -q 'interrupted by SIGTERM after [0-9.]* s, while sending datagram [0-9]* of 100, none answered yet' "$BATS_TEST_TMPDIR/u.err"
}

@test "echo-server, udp-echo and probe-bind --hold remove their socket file on SIGHUP, SIGALRM, SIGUSR1" {
	local sig
	# a name per signal: start_bg's redirection happens in the child, so
	# a reused name could be read before it is truncated
	for sig in HUP ALRM USR1 USR2 QUIT; do
		sig_bg "es$sig" echo-server "$D/es-$sig.sock"
		local es=$bg_pid
		wait_line "es$sig" 'listening on'
		sig_bg "ue$sig" udp-echo "$D/ue-$sig.sock"
		local ue=$bg_pid
		wait_line "ue$sig" 'listening on'
		sig_bg "hb$sig" probe-bind --hold 60s "$D/hb-$sig.sock"
		local hb=$bg_pid
		wait_line "hb$sig" 'holding'
		[ -S "$D/es-$sig.sock" ] && [ -S "$D/ue-$sig.sock" ] && [ -S "$D/hb-$sig.sock" ]
		signal_wait "$es" "$sig"
		[ "$rc" -eq 0 ] || { echo "echo-server: SIG$sig gave exit $rc" >&2; return 1; }
		grep -q "stopped by SIG$sig" "$BATS_TEST_TMPDIR/es$sig.out"
		signal_wait "$ue" "$sig"
		[ "$rc" -eq 0 ] || { echo "udp-echo: SIG$sig gave exit $rc" >&2; return 1; }
		signal_wait "$hb" "$sig"
		[ "$rc" -eq 0 ] || { echo "probe-bind --hold: SIG$sig gave exit $rc" >&2; return 1; }
		[[ ! -e "$D/es-$sig.sock" ]] || { echo "echo-server left its file on SIG$sig" >&2; return 1; }
		[[ ! -e "$D/ue-$sig.sock" ]] || { echo "udp-echo left its file on SIG$sig" >&2; return 1; }
		[[ ! -e "$D/hb-$sig.sock" ]] || { echo "probe-bind --hold left its file on SIG$sig" >&2; return 1; }
		# the next start finds the path free
		sc 0 probe-bind "$D/es-$sig.sock"
	done
}

@test "connect -- COMMAND: COMMAND starts with no signal blocked (sockctl's own blocking is undone before exec)" {
	start_listener es "$SOCKCTL" echo-server 0
	sc 0 connect "127.0.0.1:$listen_port" -- sh -c 'grep SigBlk /proc/self/status'
	assert_output --partial "SigBlk:	0000000000000000"
}
