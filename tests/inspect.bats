#!/usr/bin/env bats
# inspect: live sockets in trouble, made here on loopback or inside
# namespaces the test creates; each finding appears with its condition and
# goes once the condition is gone.
load helpers/common
load helpers/connect
load helpers/inspect

teardown() {
	stop_all_bg
	ns_cleanup
}

# fix NAME PID: SIGUSR1 takes the trouble away; waits for "fixed".
fix() {
	kill -USR1 "$2"
	wait_line "$1" '^fixed'
}

# json_valid: every line of $output parses as JSON.
json_valid() {
	python3 -c '
import json, sys
for n, l in enumerate(sys.stdin, 1):
    json.loads(l)
' <<<"$output"
}

@test "inspect --help names the options" {
	sc 0 inspect --help
	assert_output --partial -- "--pid"
	assert_output --partial -- "--sample"
}

@test "a target no socket matches says nothing is there; one that matches does not" {
	local gone=$BATS_TEST_TMPDIR/nothing-here.sock
	sc 0 inspect --sample 0 "unix:$gone"
	assert_output --partial "0 findings"
	assert_stderr_contains "note: no socket on this machine matches unix:$gone: nothing listens there and no connection uses it"
	start_listener es "$SOCKCTL" echo-server 127.0.0.1:0
	sc 0 inspect --sample 0 "127.0.0.1:$listen_port"
	assert_output --partial "listening"
	[[ "$stderr" != *"no socket on this machine matches"* ]]
}

@test "a server that never closes after the client's FIN is close-wait-leak, exit 13, and it goes once it closes" {
	require_python
	peer srv leak
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 3 close
	sc 13 inspect --sample 200ms "$listen_port"
	assert_stderr_contains "close: close-wait-leak"
	assert_stderr_contains "pid $srv (python3"
	assert_stderr_contains "3 connections in CLOSE_WAIT on 127.0.0.1:$listen_port"
	assert_stderr_contains "close()"
	sc 13 --json inspect --sample 200ms "$listen_port"
	json_valid
	assert_line --index 0 --partial '"reason":"close-wait-leak"'
	assert_line --index 0 --partial '"exit_code":13'
	assert_line --index 0 --partial "\"pid\":$srv"
	assert_line --index 0 --partial '"count":3'
	assert_line --index 0 --partial '"remote":null'
	assert_line --index 1 --partial '"event":"summary"'
	assert_line --index 1 --partial '"CLOSE_WAIT":3'
	fix srv "$srv"
	sc 0 inspect --sample 200ms "$listen_port"
	[[ $stderr != *close-wait-leak* ]]
}

@test "a listener with backlog 1 that never accepts is accept-queue-full with queue and backlog, and it goes once it accepts" {
	require_python
	peer srv nonaccept
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 4
	sc 13 inspect --sample 200ms "127.0.0.1:$listen_port"
	assert_stderr_contains "accept: accept-queue-full"
	assert_stderr_contains "against a backlog of 1"
	assert_stderr_contains "pid $srv (python3"
	assert_stderr_contains "net.core.somaxconn"
	assert_stderr_contains "accept() faster"
	# the requests whose last ACK the full queue dropped are not a flood
	[[ $stderr != *syn-flood* ]]
	fix srv "$srv"
	sc 0 inspect --sample 200ms "127.0.0.1:$listen_port"
	[[ $stderr != *accept-queue-full* ]]
}

@test "a sender whose peer never reads is peer-not-reading, and it goes once the peer reads" {
	require_python
	peer srv noread
	local srv=$peer_pid
	peer snd sender 127.0.0.1 "$listen_port"
	local snd=$peer_pid
	sc 13 inspect --sample 500ms "$listen_port"
	assert_stderr_contains "send: peer-not-reading"
	assert_stderr_contains "pid $snd (python3"
	assert_stderr_contains "receive window is "
	[[ $stderr == *"receive window is 0"* || $stderr == *"less than one segment"* ]]
	# the receiver is a process here: named, with what it has not read
	assert_stderr_contains "the peer is pid $srv (python3, user"
	assert_stderr_contains "on this machine: its receive queue holds"
	assert_stderr_contains "/proc/$srv/stack"
	sc 13 --json inspect --sample 500ms "$listen_port"
	json_valid
	assert_line --index 0 --partial '"reason":"peer-not-reading"'
	assert_line --index 0 --partial "\"pid\":$snd,"
	assert_line --index 0 --partial "\"peer\":{\"pid\":$srv,\"process\":\"python3\""
	fix srv "$srv"
	sc 0 inspect --sample 200ms "$listen_port"
	[[ $stderr != *peer-not-reading* ]]
}

@test "a process near a small ulimit -n is fd-limit with its count and limit, and it goes once it closes them" {
	require_python
	start_bg fds bash -c "ulimit -n 64 && exec timeout -k 5 60 python3 '$PEER' fds 58"
	wait_line fds '^ready' || return 1
	local pid=${wait_match#ready }
	sc 13 inspect --sample 0 --pid "$pid"
	assert_stderr_contains "socket: fd-limit"
	assert_stderr_contains "soft limit of 64"
	assert_stderr_contains "prlimit --pid $pid"
	sc 13 --json inspect --sample 0 --pid "$pid"
	json_valid
	assert_line --index 0 --partial '"reason":"fd-limit"'
	fix fds "$pid"
	sc 0 inspect --sample 0 --pid "$pid"
}

@test "a healthy echo-server with idle clients exits 0 with a summary and no finding" {
	"$SOCKCTL" echo-server --help >/dev/null 2>&1 || skip "echo-server is not built yet"
	start_listener e timeout -k 5 30 "$SOCKCTL" echo-server 127.0.0.1:0
	local srv
	srv=$(child_of "$bg_pid")
	peer cl clients 127.0.0.1 "$listen_port" 3
	sc 0 inspect --sample 200ms "$listen_port"
	assert_output --partial "tcp 127.0.0.1:$listen_port listening, queue 0/"
	assert_output --partial "pid $srv (sockctl"
	assert_output --partial "ESTAB 3"
	assert_output --partial "0 findings"
	[ -z "$stderr" ]
	sc 0 --json inspect --sample 0 "$listen_port"
	json_valid
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial '"event":"summary"'
	assert_output --partial '"ESTAB":6'
}

@test "--pid takes one process's sockets only" {
	require_python
	peer a leak
	local a=$peer_pid
	peer b leak
	local b=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 2 close
	sc 0 inspect --sample 200ms --pid "$a"
	[[ $stderr != *close-wait-leak* ]]
	assert_output --partial "pid $a (python3"
	sc 13 inspect --sample 200ms --pid "$b"
	assert_stderr_contains "2 connections in CLOSE_WAIT"
}

@test "a Unix path target names its listener, and a full queue there is accept-queue-full" {
	require_python
	local sock=$BATS_TEST_TMPDIR/app.sock
	start_bg u timeout -k 5 30 python3 -c '
import socket, sys, signal
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
cs = []
for i in range(int(sys.argv[2])):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except BlockingIOError: pass
    cs.append(c)
print("connected", flush=True)
signal.pause()
' "$sock" 3
	wait_line u '^connected' || return 1
	sc 13 inspect --sample 0 "$sock"
	assert_stderr_contains "accept: accept-queue-full"
	assert_stderr_contains "$sock"
	assert_output --partial "unix $sock listening, queue 2/1"
}

@test "a Unix path whose server never closes after its clients hang up is close-wait-leak, and it goes once it closes" {
	require_python
	local sock=$BATS_TEST_TMPDIR/leak.sock
	peer srv leak "$sock"
	local srv=$peer_pid
	peer cl clients "$sock" 0 3 close
	sc 13 inspect --sample 200ms "$sock"
	assert_stderr_contains "close: close-wait-leak"
	assert_stderr_contains "pid $srv (python3"
	assert_stderr_contains "3 connections on unix $sock whose other end has closed"
	assert_stderr_contains "close()"
	sc 13 --json inspect --sample 200ms "$sock"
	json_valid
	assert_line --index 0 --partial '"reason":"close-wait-leak"'
	assert_line --index 0 --partial '"count":3'
	assert_line --index 0 --partial "\"local\":\"$sock\""
	# one read cannot tell a leak from a close about to happen
	sc 0 inspect --sample 0 "$sock"
	fix srv "$srv"
	sc 0 inspect --sample 200ms "$sock"
	[[ $stderr != *close-wait-leak* ]]
}

@test "a Unix path whose server never reads is peer-not-reading naming both ends, and it goes once it reads" {
	require_python
	local sock=$BATS_TEST_TMPDIR/noread.sock
	peer srv noread "$sock"
	local srv=$peer_pid
	peer snd sender "$sock" 0
	local snd=$peer_pid
	sc 13 inspect --sample 300ms "$sock"
	assert_stderr_contains "send: peer-not-reading"
	assert_stderr_contains "pid $snd (python3, user"
	assert_stderr_contains "to its server, pid $srv (python3, user"
	assert_stderr_contains "SO_SNDBUF"
	assert_stderr_contains "/proc/$srv/stack"
	sc 13 --json inspect --sample 300ms "$sock"
	json_valid
	assert_line --index 0 --partial '"reason":"peer-not-reading"'
	assert_line --index 0 --partial "\"pid\":$snd,"
	assert_line --index 0 --partial "\"peer\":{\"pid\":$srv,"
	fix srv "$srv"
	sc 0 inspect --sample 300ms "$sock"
	[[ $stderr != *peer-not-reading* ]]
}

@test "a Unix client that never reads what its server writes is peer-not-reading naming the client, and it goes once the client hangs up" {
	require_python
	local sock=$BATS_TEST_TMPDIR/talk.sock
	start_bg srv timeout -k 5 30 python3 -c '
import select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
print("listening on " + sys.argv[1], flush=True)
c, _ = s.accept(); c.setblocking(False)
try:
    while True: c.send(b"x" * 65536)
except BlockingIOError: pass
print("full", flush=True)
select.select([c], [], [])
c.close()
print("closed", flush=True)
select.select([s], [], [])
' "$sock"
	wait_line srv '^listening' || return 1
	local srv
	srv=$(child_of "$bg_pid")
	peer cl clients "$sock" 0 1
	local cl=$peer_pid
	wait_line srv '^full' || return 1
	sc 13 inspect --sample 300ms "$sock"
	assert_stderr_contains "send: peer-not-reading"
	assert_stderr_contains "pid $srv (python3, user"
	assert_stderr_contains "to its client, pid $cl (python3, user"
	fix cl "$cl"
	wait_line srv '^closed' || return 1
	sc 0 inspect --sample 300ms "$sock"
	[[ $stderr != *peer-not-reading* ]]
	[[ $stderr != *close-wait-leak* ]]
}

@test "a Unix path with a healthy listener is exit 0 with its summary" {
	require_python
	local sock=$BATS_TEST_TMPDIR/ok.sock
	start_bg u timeout -k 5 30 python3 -c '
import socket, sys, signal
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(16)
print("ready", flush=True)
signal.pause()
' "$sock"
	wait_line u '^ready' || return 1
	sc 0 inspect --sample 0 "unix:$sock"
	assert_output --partial "unix $sock listening, queue 0/16"
}

@test "bad --sample and --pid values are usage errors that name the value" {
	sc 2 inspect --sample 2x
	assert_stderr_contains "2x"
	sc 2 inspect --sample -1s
	assert_stderr_contains "-1s"
	sc 2 inspect --pid abc
	assert_stderr_contains "abc"
	sc 2 inspect --pid 0
	assert_stderr_contains "'0'"
	sc 2 inspect --pid 4194303
	assert_stderr_contains "4194303"
	sc 2 inspect 70000
	assert_stderr_contains "70000"
}

@test "the whole machine: every --json line is valid JSON and the summary comes last" {
	sc_any() { run --separate-stderr "$SOCKCTL" "$@"; }
	sc_any --json inspect --sample 100ms
	[ "$status" -eq 0 ] || [ "$status" -eq 13 ]
	json_valid
	[[ ${lines[-1]} == *'"event":"summary"'* ]]
}

@test "root: TIME_WAIT to one destination near a narrow ip_local_port_range is time-wait-pile, and widening the range fixes it" {
	require_root
	require_python
	"$SOCKCTL" echo-server --help >/dev/null 2>&1 || skip "echo-server is not built yet"
	ns_new tw
	start_listener e ip netns exec "$ns" timeout -k 5 60 "$SOCKCTL" echo-server 127.0.0.1:0
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 40063"
	# 60 connections, each closed by the client first: TIME_WAIT here
	ip netns exec "$ns" timeout -k 5 20 python3 -c '
import socket, sys
port = int(sys.argv[1])
for i in range(60):
    c = socket.create_connection(("127.0.0.1", port))
    c.close()
' "$listen_port"
	in_ns "$ns" 13 inspect --sample 0
	[[ $stderr == *"connect: time-wait-pile"* ]]
	[[ $stderr == *"TIME_WAIT to 127.0.0.1:$listen_port"* ]]
	[[ $stderr == *"(40000-40063)"* ]]
	[[ $stderr == *"tcp_tw_reuse"* ]]
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
	in_ns "$ns" 0 inspect --sample 0
	[[ $stderr != *time-wait-pile* ]]
}

# drop_run ADDR: in a fresh namespace $ns, an echo-server on ADDR:0 ($srv,
# $listen_port) and a client that sends to it every 50 ms; then an nft
# rule that drops what goes to the port (table inet scc).
drop_run() {
	ns_new rtx
	[ "$1" = 127.0.0.1 ] || ip -n "$ns" addr add "$1/32" dev lo
	start_listener e ip netns exec "$ns" timeout -k 5 60 "$SOCKCTL" echo-server "$1:0"
	srv=$(child_of "$bg_pid")
	start_bg cl ip netns exec "$ns" timeout -k 5 60 python3 -c '
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
for i in range(400):
    c.send(b"x" * 100)
    time.sleep(0.05)
' "$1" "$listen_port"
	wait_line cl '^ready' || return 1
	ip netns exec "$ns" nft add table inet scc
	ip netns exec "$ns" nft add chain inet scc in '{ type filter hook input priority 0; }'
	ip netns exec "$ns" nft add rule inet scc in tcp dport "$listen_port" drop
}

# drop_fixed: removes the rule, waits (bounded) until the client's send
# queue is empty (the next retransmission got through) and asserts that
# retransmitting is gone.
drop_fixed() {
	local i
	ip netns exec "$ns" nft delete table inet scc
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$ns" ss -tnH state established "( dport = :$listen_port )" |
			awk '$2 != 0 { bad = 1 } END { exit bad }' && break
		sleep 0.1
	done
	in_ns "$ns" 0 inspect --sample 500ms "$listen_port"
	[[ $stderr != *retransmitting* ]]
}

@test "root: a DROP rule added mid-connection is retransmitting, and it goes once the rule is removed" {
	require_root
	require_python
	command -v nft >/dev/null || skip "needs nft"
	"$SOCKCTL" echo-server --help >/dev/null 2>&1 || skip "echo-server is not built yet"
	drop_run 198.51.100.1 || return 1
	in_ns "$ns" 13 inspect --sample 1500ms "$listen_port"
	[[ $stderr == *"send: retransmitting"* ]]
	[[ $stderr == *"198.51.100.1"* ]]
	drop_fixed
}

# tcpext NS NAME: the TcpExt counter NAME of /proc/net/netstat in NS.
tcpext() {
	ip netns exec "$1" awk -v k="$2" '
		$1 == "TcpExt:" && !n { for (i = 2; i <= NF; i++) name[i] = $i; n = 1; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (name[i] == k) print $i }
	' /proc/net/netstat
}

# count_in NS SS-ARGS...: how many sockets ss shows in NS.
count_in() {
	local n=$1
	shift
	ip netns exec "$n" ss -tnH "$@" | wc -l
}

@test "root: SYN-ACKs dropped at the client fill the listener's SYN queue: syn-flood with port, count and fix, and it goes once the handshakes complete" {
	require_root
	require_python
	command -v nft >/dev/null || skip "needs nft"
	ns_pair
	ip netns exec "$ns_a" sysctl -qw net.ipv4.tcp_syncookies=1
	start_bg srv ip netns exec "$ns_a" timeout -k 5 90 python3 "$PEER" leak 198.51.100.1 8
	wait_line srv '^listening on' || return 1
	local port=${wait_match##*:} i
	# the client never sees the SYN-ACKs: its handshakes stay half-open
	ip netns exec "$ns_b" nft add table inet scc
	ip netns exec "$ns_b" nft add chain inet scc in '{ type filter hook input priority 0; }'
	ip netns exec "$ns_b" nft add rule inet scc in tcp sport "$port" 'tcp flags & (syn | ack) == syn | ack' drop
	start_bg fl ip netns exec "$ns_b" timeout -k 5 90 python3 "$PEER" synflood 198.51.100.1 "$port"
	local fl=$bg_pid
	wait_line fl '^ready' || return 1
	for ((i = 0; i < 100; i++)); do
		(($(count_in "$ns_a" state syn-recv) > 8)) && break
		sleep 0.1
	done
	local c1 c2
	c1=$(tcpext "$ns_a" SyncookiesSent)
	in_ns "$ns_a" 13 inspect --sample 1s "$port"
	c2=$(tcpext "$ns_a" SyncookiesSent)
	# the counter the finding judges is the one that rose
	((c2 > c1))
	[[ $stderr == *"listen: syn-flood"* ]]
	[[ $stderr == *"listener on 198.51.100.1:$port"* ]]
	[[ $stderr == *"has 9 half-open connections"* ]]
	[[ $stderr == *"backlog of 8"* ]]
	[[ $stderr == *"SYN cookie during the sample"* ]]
	[[ $stderr == *"all come from 198.51.100.2"* ]]
	[[ $stderr == *"tcp_syncookies=1"* ]]
	[[ $stderr == *"net.core.somaxconn"* ]]
	[[ $stderr == *"tcp_max_syn_backlog"* ]]
	[[ $stderr == *"attack"* ]]
	[[ $output == *"SYN_RECV 9"* ]]
	in_ns "$ns_a" 13 --json inspect --sample 500ms "$port"
	json_valid
	assert_line --index 0 --partial '"reason":"syn-flood"'
	assert_line --index 0 --partial '"count":9'
	assert_line --index 0 --partial "\"local\":\"198.51.100.1:$port\""
	# fixed: the SYN-ACKs arrive, no new SYNs; each handshake completes at
	# its next SYN retransmission (bounded wait)
	ip netns exec "$ns_b" nft delete table inet scc
	fix fl "$(child_of "$fl")"
	for ((i = 0; i < 300; i++)); do
		(($(count_in "$ns_a" state syn-recv) == 0)) &&
			(($(count_in "$ns_b" state syn-sent) == 0)) && break
		sleep 0.1
	done
	in_ns "$ns_a" 0 inspect --sample 1s "$port"
	[[ $stderr != *syn-flood* ]]
	[[ $output == *"SYN_RECV"* ]] && { echo "$output" >&2; return 1; }
	[[ $output == *"ESTAB"* ]] || { echo "$output" >&2; return 1; }
}

@test "root: a DROP of loopback traffic to a local port is retransmitting, naming the local peer, and it goes once the rule is removed" {
	require_root
	require_python
	command -v nft >/dev/null || skip "needs nft"
	"$SOCKCTL" echo-server --help >/dev/null 2>&1 || skip "echo-server is not built yet"
	drop_run 127.0.0.1 || return 1
	in_ns "$ns" 13 inspect --sample 1500ms "$listen_port"
	[[ $stderr == *"send: retransmitting"* ]]
	[[ $stderr == *"to 127.0.0.1"* ]]
	[[ $stderr == *"the other end is pid $srv (sockctl"* ]]
	[[ $stderr == *"firewall rule here"* ]]
	in_ns "$ns" 13 --json inspect --sample 1s "$listen_port"
	json_valid
	# both ends may retransmit (the client's data, the server's echo):
	# whichever comes first, the client's side names the server as peer
	jq -s -e --argjson p "$srv" \
	    'any(.[]; .reason == "retransmitting" and .peer.pid == $p)' \
	    <<<"$output" >/dev/null
	drop_fixed
}
