#!/usr/bin/env bats
# sockctl trace at its edges: sends and receives through read()/write()
# (stopped for with -v only), a connect() that a DROP rule keeps waiting
# (blocked-connect, in a namespace the test makes), a program in a network
# namespace of its own (evidence read there), a setuid program (runs
# without its privileges, and says so) and a call through another ABI
# (i386's int $0x80: named, never missed unseen). The programs are
# tests/helpers/trace_prog.c and small Python scripts the tests start.
load helpers/common
load helpers/connect
load helpers/py

setup() {
	TP=$HELPERS/trace_prog
	[ -x "$TP" ] || skip "trace_prog is not built (make helpers)"
}

teardown() {
	stop_all_bg
	ns_cleanup
}

serve() {
	start_listener srv "$TP" serve "$@"
}

@test "the program gets exactly its own arguments" {
	sc 0 trace -o /dev/null -- python3 -c 'import sys; print(sys.argv)' a -v
	[ "$output" = "['-c', 'a', '-v']" ]
}

@test "-v: write(), writev() and read() on sockets are sends and receives, one line each, counted per socket" {
	serve
	sc 0 -v trace -- "$TP" rw "$listen_port"
	local pid fd
	read -r pid fd < <(sed -nE 's/.*pid ([0-9]+) fd ([0-9]+) socket +ipv4 stream$/\1 \2/p' <<<"$stderr")
	[ -n "$pid" ] && [ -n "$fd" ]
	# write() and writev() of 6 bytes, two read()s of 3
	[ "$(grep -c "pid $pid fd $fd send     6 bytes" <<<"$stderr")" -eq 2 ]
	[ "$(grep -c "pid $pid fd $fd recv     3 bytes" <<<"$stderr")" -eq 2 ]
	assert_stderr_contains "sent 12 bytes in 2 calls, received 6 bytes in 2 calls"
	# a Unix socketpair: no kernel byte counters, the calls are the count
	assert_stderr_contains "unix stream: "
	assert_stderr_contains "sent 4 bytes in 1 call, received 0 bytes in 0 calls, closed by the program"
	[[ $stderr != *"counted with -v only"* ]]
	assert_stderr_contains "sent 0 bytes in 0 calls, received 4 bytes in 1 call"
	sc 0 --json -v trace -- "$TP" rw "$listen_port"
	run jq -s -e '[.[] | select(.event == "stage" and .stage == "send")] | length == 3' <<<"$stderr"
	assert_success
}

@test "without -v read() and write() do not stop the program: TCP bytes come from the kernel, the per-call lines and Unix counts are -v's" {
	serve
	sc 0 trace -- "$TP" rw "$listen_port"
	[[ $stderr != *" send "* ]]
	# TCP: the kernel's counts at close, with no call count
	assert_stderr_contains "sent 12 bytes, received 6 bytes, closed by the program"
	# a Unix socket has no kernel counts: its summary says so
	assert_stderr_contains "unix stream: "
	assert_stderr_contains "closed by the program (read() and write() are counted with -v only)"
	# the help says which
	sc 0 trace --help
	assert_output --partial "read(), write(), readv() and writev() are stopped for only with -v"
}

@test "root: a connect() whose SYNs a DROP rule eats, longer than --slow with no SO_SNDTIMEO, is blocked-connect" {
	require_root
	command -v nft >/dev/null || skip "needs nft"
	command -v python3 >/dev/null || skip "needs python3"
	ns_new tbc
	ip -n "$ns" addr add 198.51.100.7/32 dev lo
	ip netns exec "$ns" nft add table inet sctr
	ip netns exec "$ns" nft add chain inet sctr in '{ type filter hook input priority 0; }'
	ip netns exec "$ns" nft add rule inet sctr in ip daddr 198.51.100.7 tcp dport 9 drop
	# the program gives up after 1.2 s (a timer, not a socket timeout)
	local prog='
import signal, socket, struct, sys
def give_up(*a): sys.exit(3)
signal.signal(signal.SIGALRM, give_up)
signal.setitimer(signal.ITIMER_REAL, 1.2)
s = socket.socket()
if len(sys.argv) > 1:
	s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(sys.argv[1]), 0))
s.connect(("198.51.100.7", 9))'
	in_ns "$ns" 3 trace --slow 300ms -- python3 -c "$prog"
	assert_stderr_contains "connect: blocked-connect"
	assert_stderr_contains "198.51.100.7:9"
	assert_stderr_contains "the program exited with status 3"
	in_ns "$ns" 3 --json trace --slow 300ms -- python3 -c "$prog"
	run jq -s -e 'any(.[]; .reason == "blocked-connect" and .fd >= 3)' <<<"$stderr"
	assert_success
	# with a send timeout set, the wait is the program's choice: none
	in_ns "$ns" 3 trace --slow 300ms -- python3 -c "$prog" 5
	[[ $stderr != *blocked-connect* ]]
}

@test "root: a program in a network namespace of its own: a held port's holder is found in its namespace, not sockctl's" {
	require_root
	command -v unshare >/dev/null || skip "needs unshare"
	command -v python3 >/dev/null || skip "needs python3"
	# the holder and the failing bind are both inside the new namespace;
	# sockctl's namespace has nothing on that port
	sc 1 trace -- unshare -n sh -c 'ip link set lo up && exec python3 -c "
import os, socket, sys
print(os.getpid(), flush=True)
a = socket.socket(); a.bind((\"127.0.0.1\", 0)); a.listen()
b = socket.socket()
try: b.bind(a.getsockname())
except OSError: sys.exit(1)"'
	local pid=$output
	[[ $pid =~ ^[0-9]+$ ]]
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "held by pid $pid (python3"
	[[ $stderr != *"evidence was read in sockctl's network namespace"* ]]
}

@test "a setuid program is named: it runs without its privileges under trace (no new privileges); as root, it really does" {
	local p=$BATS_TEST_TMPDIR/idprog
	cp "$(command -v id)" "$p"
	chmod u+s "$p"
	if [ "$(id -u)" != 0 ]; then
		# its owner is us: it gains nothing, no note
		sc 0 trace -- "$p" -u
		[[ $stderr != *"note:"* ]]
		skip "the rest needs root (a program owned by another user)"
	fi
	chown 65534 "$p"
	chmod u+s "$p"
	# untraced it runs as its owner; traced as the caller
	[ "$("$p" -u)" = 65534 ] || skip "$BATS_TEST_TMPDIR is mounted nosuid"
	sc 0 trace -- "$p" -u
	[ "$output" = 0 ]
	assert_stderr_contains "note: $p is set-user-ID 65534: under trace it runs without those privileges, as user 0"
	assert_stderr_contains "sockctl trace -p PID"
	sc 0 --json trace -- "$p" -u
	run jq -s -e 'any(.[]; .event == "trace-note" and .note == "setuid" and .pid == null)' <<<"$stderr"
	assert_success
	if "$PY" -c 'import jsonschema' 2>/dev/null; then
		printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/note.json"
		schema_ok "$BATS_TEST_TMPDIR/note.json"
	fi
}

@test "a socket call through another ABI (i386's int \$0x80) is named, not missed unseen" {
	run "$TP" int80
	[ "$status" -eq 0 ] || skip "this kernel runs no i386 calls (int \$0x80 exits $status)"
	sc 0 trace -- "$TP" int80
	assert_stderr_contains "runs i386 code: its socket calls are not followed"
	sc 0 --json trace -- "$TP" int80
	run jq -s -e 'any(.[]; .event == "trace-note" and .note == "foreign-abi")' <<<"$stderr"
	assert_success
}
