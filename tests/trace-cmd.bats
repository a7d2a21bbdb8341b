#!/usr/bin/env bats
# sockctl trace: real programs (tests/helpers/trace_prog.c, started by the
# tests) followed through their sockets' lives, each failure explained as
# the probes explain it, the program's exit code and signal kept, -p on a
# running server left running, the JSON against the schema, valgrind.
# (tests/trace.bats is the global -v; this is the trace command.)
load helpers/common
load helpers/py

setup_file() {
	export TP=$HELPERS/trace_prog
	[ -x "$TP" ] || skip "build the helpers first (make helpers)"
}

setup() {
	[ -x "$TP" ] || skip "trace_prog is not built (make helpers)"
	T=$BATS_TEST_TMPDIR/trace.log
}

teardown() {
	stop_all_bg
}

# serve [close]: a helper server on 127.0.0.1:0; sets listen_port, bg_pid.
serve() {
	start_listener srv "$TP" serve "$@"
}

@test "bind on a port another process holds is port-in-use naming the holder's pid; exit is the program's" {
	serve
	local holder=$bg_pid
	sc 1 trace -- "$TP" bind "$listen_port"
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "held by pid $holder (trace_prog"
	assert_stderr_contains "the program exited with status 1"
}

@test "a blocking connect refused is refused (ECONNREFUSED) with the probes' cause, and its socket ends failed" {
	serve
	stop_bg "$bg_pid"	# its port is free now
	sc 2 trace -- "$TP" connect "$listen_port"
	assert_stderr_contains "connect: refused (ECONNREFUSED)"
	assert_stderr_contains "nothing listens on port $listen_port on this machine"
	assert_stderr_contains "its connect failed"
}

@test "a non-blocking connect refused counts where the program learns it, through SO_ERROR" {
	serve
	stop_bg "$bg_pid"
	sc 2 --json trace -- "$TP" nbconnect "$listen_port"
	run jq -s -e 'any(.[]; .reason == "refused" and .learned == "so_error" and .errno == "ECONNREFUSED" and .port == '"$listen_port"')' <<<"$stderr"
	assert_success
	# EINPROGRESS is no failure: one result only
	[ "$(jq -s '[.[] | select(.reason)] | length' <<<"$stderr")" -eq 1 ]
	run jq -s -e 'any(.[]; .event == "stage" and .stage == "connect" and .learned == "pending")' <<<"$stderr"
	assert_success
}

@test "stages in order with pid, fd, addresses and TCP state; -v counts each send and receive" {
	serve
	sc 0 -v trace -- "$TP" echo "$listen_port"
	local pid fd
	read -r pid fd < <(sed -nE 's/.*pid ([0-9]+) fd ([0-9]+) socket +ipv4 stream$/\1 \2/p' <<<"$stderr")
	[ -n "$pid" ] && [ -n "$fd" ]
	assert_stderr_contains "pid $pid fd $fd connect  127.0.0.1:"
	assert_stderr_contains "-> 127.0.0.1:$listen_port ESTABLISHED"
	assert_stderr_contains "pid $pid fd $fd send     6 bytes"
	assert_stderr_contains "pid $pid fd $fd recv     3 bytes"
	assert_stderr_contains "FIN_WAIT1"
	assert_stderr_contains "sent 6 bytes in 1 call, received 3 bytes in 1 call, closed by the program"
}

@test "a child after fork, a thread, an exec'ed program, a thread that execs and a vfork child are all followed" {
	serve
	local m
	for m in fork thread exec thread-exec vfork; do
		sc 0 --json trace -- "$TP" "$m" "$listen_port"
		run jq -s -e 'any(.[]; .event == "stage" and .stage == "connect" and .remote == "127.0.0.1:'"$listen_port"'" and .state == "ESTABLISHED")' <<<"$stderr"
		[ "$status" -eq 0 ] || { echo "$m: no connect stage" >&2; echo "$stderr" >&2; return 1; }
		run jq -s -e 'any(.[]; .event == "socket-summary" and .bytes_sent == 6 and .bytes_received == 3)' <<<"$stderr"
		[ "$status" -eq 0 ] || { echo "$m: no summary" >&2; echo "$stderr" >&2; return 1; }
	done
	# the fork's connect is the child's, the thread's has its own tid
	sc 0 --json trace -- "$TP" fork "$listen_port"
	local parent=${output#parent }
	run jq -s -e 'any(.[]; .event == "stage" and .stage == "connect" and .pid != '"$parent"')' <<<"$stderr"
	assert_success
	sc 0 --json trace -- "$TP" thread "$listen_port"
	run jq -s -e 'any(.[]; .event == "stage" and .stage == "connect" and .tid != .pid)' <<<"$stderr"
	assert_success
}

@test "a program that leaves CLOSE_WAIT is close-wait-leak" {
	serve close
	sc 0 trace -- "$TP" closewait "$listen_port"
	assert_stderr_contains "close: close-wait-leak"
	assert_stderr_contains "in CLOSE_WAIT: the peer closed its end (a receive returned 0)"
}

@test "a close with unread data is unread-at-close, and its socket ends reset" {
	serve
	sc 0 --json trace -- "$TP" unread "$listen_port"
	run jq -s -e 'any(.[]; .reason == "unread-at-close" and .exit_code == 13 and .fd >= 3)' <<<"$stderr"
	assert_success
	run jq -s -e 'any(.[]; .event == "socket-summary" and .ended == "reset")' <<<"$stderr"
	assert_success
}

@test "a receive that blocks longer than --slow with no SO_RCVTIMEO is blocked-recv; under it, none" {
	serve late
	sc 0 trace --slow 150ms -- "$TP" recv "$listen_port"
	assert_stderr_contains "recv: blocked-recv"
	assert_stderr_contains "no SO_RCVTIMEO on the socket"
	sc 0 trace --slow 5s -- "$TP" recv "$listen_port"
	[[ $stderr != *blocked-recv* ]]
}

@test "a Unix connect to a path that does not exist gets the probes' Unix evidence" {
	local path=$BATS_TEST_TMPDIR/none/app.sock
	sc 1 trace -- python3 -c 'import socket,sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$path"
	assert_stderr_contains "connect: refused (ENOENT)"
	assert_stderr_contains "no socket at $path"
	assert_stderr_contains "unix stream"
}

@test "socket() at the program's descriptor limit is resource-limit (EMFILE) naming the program's own limit" {
	sc 1 trace -- "$TP" emfile
	assert_stderr_contains "socket: resource-limit (EMFILE)"
	assert_stderr_contains "its open files limit: soft"
}

@test "a program killed by SIGTERM ends sockctl by SIGTERM; one that exits 3 exits 3" {
	sc 143 trace -- "$TP" signal
	assert_stderr_contains "killed by SIGTERM"
	sc 3 trace -- "$TP" exit3
	assert_stderr_contains "exited with status 3; 1 socket followed"
}

@test "-o FILE takes the trace; the program keeps its own stdout and stderr" {
	sc 0 trace -o "$T" -- "$TP" fail-stdout
	[ "$output" = "out" ]
	[ -z "$stderr" ]
	grep -q 'exited with status 0' "$T"
}

@test "a command that cannot be run exits 127 and says so" {
	run -127 --separate-stderr "$SOCKCTL" trace -- "$BATS_TEST_TMPDIR/no-such-program"
	assert_stderr_contains "cannot run"
	assert_stderr_contains "ENOENT"
}

@test "usage: no command, a command and -p, --duration without -p" {
	sc 2 trace
	assert_stderr_contains "give a command"
	sc 2 trace -p 1 -- true
	sc 2 trace --duration 1s -- true
	sc 2 trace --slow 2x -- true
}

@test "-p on a running server: its connections are followed, and after --duration it keeps serving, not stopped" {
	serve
	local srv=$bg_pid
	"$SOCKCTL" trace -o "$T" -p "$srv" --duration 3s 3>&- &
	local tr=$! i
	# the attach is done when the server's listener has been seen through
	# its first traced call: poke until the accept shows (bounded)
	for ((i = 0; i < 100; i++)); do
		"$TP" echo "$listen_port" >/dev/null
		grep -q ' accept ' "$T" 2>/dev/null && break
		sleep 0.05
	done
	wait "$tr"
	grep -q " accept   127.0.0.1:$listen_port <- 127.0.0.1:" "$T"
	grep -q "detached from pid $srv" "$T"
	[ "$(awk '{print $3}' "/proc/$srv/stat")" != T ]
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$srv/status"
	run "$TP" echo "$listen_port"
	assert_success
}

@test "-p on a process another tracer holds is permission-denied naming that tracer" {
	"$SOCKCTL" trace -o "$T" -- "$TP" serve >"$BATS_TEST_TMPDIR/srv.out" 3>&- &
	local tr=$! srv i
	echo "$tr" >>"$BATS_TEST_TMPDIR/pids"
	wait_line srv 'listening on '
	srv=$(pgrep -P "$tr" -f trace_prog | head -1)
	[ -n "$srv" ]
	sc 8 trace -p "$srv"
	assert_stderr_contains "permission-denied (EPERM)"
	assert_stderr_contains "already traced by pid $tr (sockctl)"
	sc 8 --json trace -p "$srv"
	run jq -e '.reason == "permission-denied" and .pid == '"$srv" <<<"$output$stderr"
	assert_success
}

@test "a thousand connect/close pairs: every socket summarised, memory flat" {
	serve
	"$HELPERS/maxrss" "$BATS_TEST_TMPDIR/rss1" "$SOCKCTL" trace -o "$T" -- "$TP" loop 100 "$listen_port"
	"$HELPERS/maxrss" "$BATS_TEST_TMPDIR/rss2" "$SOCKCTL" trace -o "$T" -- "$TP" loop 2000 "$listen_port"
	grep -q '2000 sockets followed' "$T"
	[ "$(grep -c '^socket pid' "$T")" -eq 2000 ]
	local a b
	a=$(cat "$BATS_TEST_TMPDIR/rss1") b=$(cat "$BATS_TEST_TMPDIR/rss2")
	[ "$b" -lt $((a + 2048)) ] || { echo "rss grew: $a KiB -> $b KiB" >&2; return 1; }
}

@test "the JSON lines of trace (stages, results, summaries, the end, a refused attach) are valid against the schema" {
	require_py jsonschema python3-jsonschema
	local J=$BATS_TEST_TMPDIR/json
	serve
	sc 1 --json trace -- "$TP" bind "$listen_port"
	printf '%s\n' "$stderr" >"$J"
	grep -q '"owners":\[{' "$J"
	sc 0 --json -v trace -- "$TP" unread "$listen_port"
	printf '%s\n' "$stderr" >>"$J"
	sc 0 --json trace -- "$TP" fork "$listen_port"
	printf '%s\n' "$stderr" >>"$J"
	sc 143 --json trace -- "$TP" signal
	printf '%s\n' "$stderr" >>"$J"
	sc 1 --json trace -p 4194000
	printf '%s\n' "$stdout$stderr" >>"$J"
	grep -q '"event":"trace-end"' "$J"
	grep -q '"event":"socket-summary"' "$J"
	schema_ok "$J"
}

@test "valgrind: the tracer is clean on a failing bind, a refused connect, a fork, a -p attach and -v read/write" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if nm "$SOCKCTL" 2>/dev/null | grep -q __asan_init; then
		skip "the binary under test is built with ASan"
	fi
	serve
	local srv=$bg_pid f n=0
	vgrun() {
		local want=$1
		shift
		run --separate-stderr valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect \
			--log-file="$BATS_TEST_TMPDIR/vg.%p" "$SOCKCTL" "$@"
		[ "$status" -eq "$want" ] || { echo "sockctl $*: exit $status, expected $want" >&2; echo "$stderr" >&2; return 1; }
	}
	vgrun 1 trace -- "$TP" bind "$listen_port"
	vgrun 2 trace -- "$TP" connect 1
	vgrun 0 --json -v trace -- "$TP" fork "$listen_port"
	vgrun 0 trace -p "$srv" --duration 300ms
	# -v: read() and write() on sockets stopped for and counted
	vgrun 0 -v trace -- "$TP" rw "$listen_port"
	for f in "$BATS_TEST_TMPDIR"/vg.*; do
		# the child's log before its exec is valgrind's too
		grep -q 'ERROR SUMMARY' "$f" || continue
		n=$((n + 1))
		grep -q 'ERROR SUMMARY: 0 errors' "$f" || { cat "$f" >&2; return 1; }
	done
	[ "$n" -ge 5 ]
}
