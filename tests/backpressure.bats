#!/usr/bin/env bats
# The servers' output never blocks them (issue 15): a stdout or stderr
# nobody reads costs log lines, dropped, counted and said, never a client
# and never the response to SIGTERM; an output that is read loses nothing.
load helpers/common
load helpers/servers
load helpers/backpressure

setup_file() {
	build_echo_client
}

# check_log FILE: what came through a pipe after the listening line (read
# by the test) is whole lines of the log; sets n_logged to the accept and
# close lines among them.
check_log() {
	local f=$1
	run grep -v -c -E '^(listening on |accept 127\.0\.0\.1:[0-9]+ \([0-9]+ open\)$|close 127\.0\.0\.1:[0-9]+: [0-9]+ bytes in, [0-9]+ out, [0-9.]+ ms, (client|server) closed first \([a-z-]+\)$|\([0-9]+ log lines dropped: stdout was not read\)$|summary: )' "$f"
	assert_output 0
	n_logged=$(grep -c -E '^(accept|close) ' "$f" || true)
}

@test "stdout on a pipe nobody reads: 2000 clients served, SIGTERM stops it within 1 s, exit 0, the drops are counted" {
	unread_fifo out
	"$SOCKCTL" echo-server 0 >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/es.err" 3>&- {out_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	read_first_line out
	[[ "$first_line" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]]
	listen_port=${first_line##*:}
	# 4000 lines of about 100 bytes: far more than the pipe and the queue
	ec -m many -n 2000 -c 1 -b 64 -t 60
	assert_success
	assert_output --partial "ok 2000 connections"
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	[ "$stop_ms" -lt 1000 ]
	run grep -E '^sockctl: echo-server: [0-9]+ log lines dropped: stdout was not read$' "$BATS_TEST_TMPDIR/es.err"
	assert_success
	local dropped=${output#sockctl: echo-server: }
	dropped=${dropped%% *}
	# what the pipe held, drained now: whole lines; with the dropped
	# ones, every line of the 2000 clients and the summary, which did
	# not fit either
	drain_fifo out
	check_log "$BATS_TEST_TMPDIR/out.drained"
	echo "in the pipe $n_logged, dropped $dropped"
	[ "$n_logged" -gt 0 ]
	[ $((n_logged + dropped)) -eq 4001 ]
}

@test "stdout read again after a backlog: '(N log lines dropped: stdout was not read)' where they were, the summary counts N, nothing else lost" {
	unread_fifo out
	"$SOCKCTL" echo-server 0 >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/es.err" 3>&- {out_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	read_first_line out
	listen_port=${first_line##*:}
	ec -m many -n 2000 -c 1 -b 64 -t 60
	assert_success
	# a reader comes: the backlog flows, then the note
	local r
	exec {r}<"$BATS_TEST_TMPDIR/out.fifo"
	cat <&"$r" >"$BATS_TEST_TMPDIR/drain.out" 3>&- {out_fd}>&- &
	local cat_pid=$!
	echo "$cat_pid" >>"$BATS_TEST_TMPDIR/pids"
	exec {r}<&-
	wait_line drain '^\([0-9]+ log lines dropped: stdout was not read\)$'
	local dropped=${wait_match#(}
	dropped=${dropped%% *}
	# the next client's lines come after it, and nothing more is dropped
	ec -n 1 -b 10
	assert_success
	wait_line drain '^close .*: 10 bytes in, 10 out, '
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	wait_line drain '^summary: '
	[[ "$wait_match" == "summary: 2001 clients "*", $dropped log lines dropped, stopped by SIGTERM" ]]
	exec {out_fd}>&-
	wait_exit "$cat_pid"
	check_log "$BATS_TEST_TMPDIR/drain.out"
	echo "logged $n_logged, dropped $dropped"
	[ $((n_logged + dropped)) -eq 4002 ]
	run grep -c 'dropped' "$BATS_TEST_TMPDIR/drain.out"
	assert_output 2
	# the last client's lines follow the note
	run tail -n 3 "$BATS_TEST_TMPDIR/drain.out"
	assert_line --index 0 --regexp '^accept 127\.0\.0\.1:[0-9]+ \(1 open\)$'
	assert_line --index 1 --regexp '^close 127\.0\.0\.1:[0-9]+: 10 bytes in, 10 out, '
}

@test "--json on a pipe nobody reads: every line one whole object, the dropped event, log_dropped in the summary" {
	unread_fifo out
	"$SOCKCTL" --json echo-server 0 >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/es.err" 3>&- {out_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	read_first_line out
	[[ "$first_line" == '{"event":"listening",'* ]]
	listen_port=$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$first_line")
	ec -m many -n 2000 -c 1 -b 64 -t 60
	assert_success
	local r
	exec {r}<"$BATS_TEST_TMPDIR/out.fifo"
	cat <&"$r" >"$BATS_TEST_TMPDIR/drain.out" 3>&- {out_fd}>&- &
	local cat_pid=$!
	echo "$cat_pid" >>"$BATS_TEST_TMPDIR/pids"
	exec {r}<&-
	wait_line drain '"event":"dropped"'
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	[ "$stop_ms" -lt 1000 ]
	wait_line drain '"event":"summary"'
	exec {out_fd}>&-
	wait_exit "$cat_pid"
	# each line parses; the events in order, the counts agree
	run jfields event <"$BATS_TEST_TMPDIR/drain.out"
	assert_success
	run jfields event=dropped command log_dropped <"$BATS_TEST_TMPDIR/drain.out"
	local dropped=${output#echo-server }
	[[ "$dropped" =~ ^[0-9]+$ ]]
	run jfields event=summary clients log_dropped stderr_dropped signal <"$BATS_TEST_TMPDIR/drain.out"
	assert_output "2000 $dropped 0 SIGTERM"
	local n
	n=$(grep -c -E '"event":"(accept|close)"' "$BATS_TEST_TMPDIR/drain.out")
	[ $((n + dropped)) -eq 4000 ]
}

@test "-v with stderr on a pipe nobody reads: 2000 clients served, stdout's log whole, SIGTERM within 1 s, stderr's drops counted" {
	unread_fifo err
	"$SOCKCTL" -v echo-server 0 >"$BATS_TEST_TMPDIR/es.out" \
		2>"$BATS_TEST_TMPDIR/err.fifo" 3>&- {err_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	wait_line es '^listening on '
	listen_port=${wait_match##*:}
	ec -m many -n 2000 -c 1 -b 64 -t 60
	assert_success
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	[ "$stop_ms" -lt 1000 ]
	# stdout was read (a file): every line there
	[ "$(grep -c '^accept ' "$BATS_TEST_TMPDIR/es.out")" -eq 2000 ]
	[ "$(grep -c '^close ' "$BATS_TEST_TMPDIR/es.out")" -eq 2000 ]
	run grep -E '^summary: 2000 clients .*, [0-9]+ stderr lines dropped, stopped by SIGTERM$' "$BATS_TEST_TMPDIR/es.out"
	assert_success
	# the trace that got through: whole lines, from the start
	drain_fifo err
	run head -n 1 "$BATS_TEST_TMPDIR/err.drained"
	assert_output --regexp '^\[ *[0-9.]+ ms\] socket\(AF_INET, SOCK_STREAM\) = fd [0-9]+'
	run grep -v -c -E '^(\[ *[0-9.]+ ms\] .+|\([0-9]+ lines dropped: stderr was not read\))$' "$BATS_TEST_TMPDIR/err.drained"
	assert_output 0
}

@test "udp-echo -v with stdout and stderr on pipes nobody reads: 2000 datagrams echoed, SIGTERM within 1 s, exit 0" {
	unread_fifo out
	unread_fifo err
	"$SOCKCTL" -v udp-echo 0 >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/err.fifo" 3>&- {out_fd}>&- {err_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	read_first_line out
	[[ "$first_line" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+$ ]]
	listen_port=${first_line##*:}
	# 3 trace lines a datagram, one at a time: stderr is full long before
	ec -m udpflood -n 2000 -c 1 -w 1 -b 100
	assert_success
	assert_output --regexp 'sent 2000 .*received 2000 .*lost 0'
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	[ "$stop_ms" -lt 1000 ]
	# stdout had room for the summary, which counts stderr's drops
	drain_fifo out
	run grep -E '^summary: 2000 datagrams in .*, [0-9]+ stderr lines dropped, stopped by SIGTERM$' "$BATS_TEST_TMPDIR/out.drained"
	assert_success
	drain_fifo err
	run grep -v -c -E '^(\[ *[0-9.]+ ms\] .+|\([0-9]+ lines dropped: stderr was not read\))$' "$BATS_TEST_TMPDIR/err.drained"
	assert_output 0
}

@test "a log written to a file loses nothing: 2000 clients, 2000 accept and 2000 close lines in order" {
	start_listener es "$SOCKCTL" echo-server 0
	srv_pid=$bg_pid
	ec -m many -n 2000 -c 1 -b 64 -t 60
	assert_success
	wait_count es '^close ' 2000
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 0 ]
	local f=$BATS_TEST_TMPDIR/es.out
	[ "$(grep -c '^accept ' "$f")" -eq 2000 ]
	[ "$(grep -c '^close ' "$f")" -eq 2000 ]
	run ! grep -q dropped "$f" "$BATS_TEST_TMPDIR/es.err"
	# one client at a time: accept then close of the same peer, 2000 times
	run awk '
		NR == 1 { next }
		/^summary: / { next }
		/^accept / { if (open != "") bad++; open = $2; next }
		/^close / { p = $2; sub(/:$/, "", p); if (p != open) bad++; open = ""; n++; next }
		{ bad++ }
		END { print n, bad + 0 }' "$f"
	assert_output "2000 0"
}

@test "a stdout whose reader has gone: the server keeps serving, and at exit names EPIPE (exit 1: its results are lost)" {
	unread_fifo out
	"$SOCKCTL" echo-server 0 >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/es.err" 3>&- {out_fd}>&- &
	srv_pid=$!
	echo "$srv_pid" >>"$BATS_TEST_TMPDIR/pids"
	read_first_line out
	listen_port=${first_line##*:}
	exec {out_fd}>&-
	ec -m many -n 200 -c 1 -b 64 -t 60
	assert_success
	kill -0 "$srv_pid"
	stop_timed "$srv_pid"
	[ "$exit_status" -eq 1 ]
	[ "$stop_ms" -lt 1000 ]
	run cat "$BATS_TEST_TMPDIR/es.err"
	assert_output --regexp '^sockctl: echo-server: cannot write to stdout: EPIPE \(Broken pipe\); [0-9]+ log lines are lost$'
}
