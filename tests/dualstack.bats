#!/usr/bin/env bats
# probe-bind and the dual stack, shared sockets, a client's source port, the
# hidden holder and the -v trace: each case made real (tests/helpers/listen.py
# listeners and clients on port 0, loopback only).
load helpers/common

# the user the test runs as: the holders below are its own processes
ME=$(id -un)

LISTEN_PY=$BATS_TEST_DIRNAME/helpers/listen.py

# py NAME MODE ARGS...: a listen.py listener or client; sets bg_pid,
# listen_addr, listen_port (and wait_match, its whole line).
py() {
	local name=$1
	shift
	start_listener "$name" python3 "$LISTEN_PY" "$@"
}

need_ipv6() {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this machine"
	command -v python3 >/dev/null || skip "needs python3"
}

# json_line N: line N (from 0) of the last sc's stdout.
json_line() {
	sed -n "$(($1 + 1))p" <<<"$output"
}

@test "explicit [::]:PORT while 0.0.0.0:PORT is held: port-in-use naming IPV6_V6ONLY and --v6only; --v6only then binds" {
	need_ipv6
	py v4 v4 0.0.0.0
	port=$listen_port
	sc 7 probe-bind "[::]:$port"
	assert_stderr_contains "sockctl: probe-bind [::]:$port: bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "held by pid $bg_pid (python3, user $ME), LISTEN on 0.0.0.0:$port"
	assert_stderr_contains "a [::] socket takes IPv4 too unless it sets IPV6_V6ONLY"
	assert_stderr_contains "IPV6_V6ONLY (sockctl: --v6only) would separate them"
	assert_stderr_contains "sockctl probe-bind --v6only '[::]:$port'"
	sc 7 --json probe-bind "[::]:$port"
	assert_output --partial '"reason":"port-in-use"'
	assert_output --partial "\"owners\":[{\"pid\":$bg_pid,\"command\":\"python3\",\"user\":\"$ME\",\"local\":\"0.0.0.0:$port\",\"state\":\"LISTEN\"}]"
	assert_output --partial 'IPV6_V6ONLY (sockctl: --v6only)'
	sc 0 probe-bind --v6only "[::]:$port"
	assert_output "[::]:$port/tcp: bound and listening, then closed"
}

@test "bare PORT with IPv4 held: 0.0.0.0 fails, the v6-only [::] result binds and warns" {
	need_ipv6
	py v4 v4 0.0.0.0
	port=$listen_port
	sc 7 --json probe-bind "$port"
	[ "${#lines[@]}" -eq 2 ]
	json_line 0 | grep -q '"target":"0.0.0.0:'"$port"'","ok":false,"reason":"port-in-use"'
	json_line 1 | grep -q '"target":"\[::\]:'"$port"'","ok":true'
	json_line 1 | grep -q "only a v6-only server can bind \[::\]:$port: IPv4 port $port is in use"
	sc 7 probe-bind "$port"
	assert_output "[::]:$port/tcp: bound and listening, then closed"
	assert_stderr_contains "note: "
	assert_stderr_contains "only a v6-only server can bind [::]:$port"
	assert_stderr_contains "set IPV6_V6ONLY in the server (sockctl: --v6only)"
}

@test "bare PORT with nothing on IPv4: the [::] result has no dual-stack warning" {
	need_ipv6
	py v6 v6only
	port=$listen_port
	stop_bg "$bg_pid"
	sc 0 probe-bind "$port"
	[[ "$stderr" != *"only a v6-only server"* ]]
}

@test "a v6-only [::] listener is not named as a holder of 0.0.0.0, and a bare PORT's 0.0.0.0 binds beside it" {
	need_ipv6
	py v6 v6only
	v6pid=$bg_pid port=$listen_port
	sc 7 --json probe-bind "$port"
	json_line 0 | grep -q '"target":"0.0.0.0:'"$port"'","ok":true'
	json_line 1 | grep -q '"reason":"port-in-use"'
	json_line 1 | grep -q "\"owners\":\[{\"pid\":$v6pid,"
	sc 7 probe-bind "$port"
	assert_stderr_contains "held by pid $v6pid (python3, user $ME), LISTEN on [::]:$port (v6-only)"
	# 127.0.0.1 held too: 0.0.0.0 fails, and only that holder is named
	start_listener h "$SOCKCTL" probe-bind --hold 60s "127.0.0.1:$port"
	sc 7 --json probe-bind "0.0.0.0:$port"
	assert_output --partial "\"owners\":[{\"pid\":$bg_pid,\"command\":\"sockctl\""
	refute_output --partial "\"pid\":$v6pid"
	sc 7 probe-bind "0.0.0.0:$port"
	[[ "$stderr" != *"pid $v6pid"* ]]
}

@test "a dual-stack [::] listener is named as a holder of 0.0.0.0, marked dual-stack" {
	need_ipv6
	py dual dual
	port=$listen_port
	sc 7 probe-bind "0.0.0.0:$port"
	assert_stderr_contains "held by pid $bg_pid (python3, user $ME), LISTEN on [::]:$port (dual-stack: takes IPv4 too)"
	assert_stderr_contains "[::]:$port is dual-stack (IPV6_V6ONLY off): it takes IPv4 too, so it blocks 0.0.0.0:$port"
	sc 7 --json probe-bind "127.0.0.1:$port"
	assert_output --partial "\"pid\":$bg_pid"
	assert_output --partial "\"local\":\"[::]:$port\""
}

@test "explicit [::] follows net.ipv6.bindv6only: 1 in the proc tree binds v6-only beside 0.0.0.0" {
	need_ipv6
	py v4 v4 0.0.0.0
	port=$listen_port
	sc 7 -v probe-bind "[::]:$port"
	assert_stderr_contains "setsockopt(IPV6_V6ONLY, 0) ok"
	# tests/fixtures/proc5 says net.ipv6.bindv6only = 1
	SOCKCTL_PROC_ROOT=$BATS_TEST_DIRNAME/fixtures/proc5 sc 0 -v probe-bind "[::]:$port"
	assert_stderr_contains "setsockopt(IPV6_V6ONLY, 1) ok"
}

@test "a forking server whose two children share its listener: one line naming three pids, three JSON owners" {
	command -v python3 >/dev/null || skip "needs python3"
	py f fork 2
	read -r c1 c2 <<<"${wait_match##*children }"
	sc 7 probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "held by pid $bg_pid (python3, user $ME) and 2 more processes: $c1, $c2 (user $ME), LISTEN on 127.0.0.1:$listen_port"
	[ "$(grep -c 'held by' <<<"$stderr")" -eq 1 ]
	sc 7 --json probe-bind "127.0.0.1:$listen_port"
	[ "$(grep -o '"pid":[0-9]*' <<<"$output" | sort -u | wc -l)" -eq 3 ]
	for p in "$bg_pid" "$c1" "$c2"; do
		assert_output --partial "{\"pid\":$p,\"command\":\"python3\",\"user\":\"$ME\",\"local\":\"127.0.0.1:$listen_port\",\"state\":\"LISTEN\"}"
	done
}

@test "a pre-fork server with 20 workers loses none: the rest are counted" {
	command -v python3 >/dev/null || skip "needs python3"
	py f fork 20
	sc 7 probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "held by pid $bg_pid (python3, user $ME) and 20 more processes: "
	assert_stderr_contains "and 5 more not listed, LISTEN on 127.0.0.1:$listen_port"
}

@test "a client's source port: the local end of an outgoing connection, ip_local_reserved_ports as the fix" {
	command -v python3 >/dev/null || skip "needs python3"
	py srv v4 127.0.0.1
	lport=$listen_port srvpid=$bg_pid
	py cli client 127.0.0.1 "$lport"
	cport=$listen_port
	sc 7 probe-bind "127.0.0.1:$cport"
	assert_stderr_contains "held by pid $bg_pid (python3, user $ME): the local end of an outgoing connection to 127.0.0.1:$lport (ESTAB on 127.0.0.1:$cport)"
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	if [ "$cport" -ge "$lo" ] && [ "$cport" -le "$hi" ]; then
		assert_stderr_contains "port $cport is in the ephemeral range $lo-$hi (net.ipv4.ip_local_port_range): a client took it"
		assert_stderr_contains "sudo sysctl -w net.ipv4.ip_local_reserved_ports="
		assert_stderr_contains "/etc/sysctl.d/"
	fi
	sc 7 --json probe-bind "127.0.0.1:$cport"
	assert_output --partial "outgoing connection to 127.0.0.1:$lport"
	assert_output --partial "\"pid\":$bg_pid"
	assert_output --partial '"state":"ESTAB"'
	# the server's side of the same connection is no outgoing one
	sc 7 probe-bind "127.0.0.1:$lport"
	assert_stderr_contains "held by pid $srvpid (python3, user $ME), LISTEN on 127.0.0.1:$lport"
	assert_stderr_contains "1 connection accepted on the port"
	[[ "$stderr" != *"outgoing"* ]]
}

@test "a root holder seen by nobody: named by user, with who is asking and that root would see the process" {
	require_root
	command -v setpriv >/dev/null || skip "needs setpriv"
	command -v python3 >/dev/null || skip "needs python3"
	bin=$SOCKCTL
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin"; then
		# BATS_TEST_TMPDIR may be 0700: a 0755 directory of our own
		d=$(mktemp -d /tmp/sockctl-nobody.XXXXXX)
		chmod 755 "$d"
		cp "$SOCKCTL" "$d/sockctl"
		chmod 755 "$d/sockctl"
		bin=$d/sockctl
	fi
	py h v4 0.0.0.0
	me=$(getent passwd 65534 | cut -d: -f1)
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" probe-bind "0.0.0.0:$listen_port"
	[ "${d:-}" = "" ] || rm -rf "$d"
	[ "$status" -eq 7 ]
	assert_stderr_contains "held by a process of user root (uid 0), LISTEN on 0.0.0.0:$listen_port; run as root to see which process (you are ${me:-uid 65534}${me:+, uid 65534})"
	assert_stderr_contains "ask user root to stop it"
}

@test "-v names every stage of probe-bind in order, with the TCP state after it" {
	sc 0 -v probe-bind --reuseaddr --reuseport 127.0.0.1:0
	want=(
		'socket\(AF_INET, SOCK_STREAM\) = fd [0-9]+, TCP state CLOSE'
		'setsockopt\(SO_REUSEADDR, 1\) ok'
		'setsockopt\(SO_REUSEPORT, 1\) ok'
		'bind\(127\.0\.0\.1:0\) ok: 127\.0\.0\.1:[0-9]+, TCP state CLOSE'
		'listen\(backlog [0-9]+\) ok, TCP state LISTEN'
		'close\(fd [0-9]+\)'
	)
	prev=0
	for re in "${want[@]}"; do
		n=$(grep -n -E "ms\] $re" <<<"$stderr" | head -1 | cut -d: -f1)
		[ -n "$n" ] || { echo "no trace line /$re/ in: $stderr" >&2; return 1; }
		[ "$n" -gt "$prev" ] || { echo "/$re/ out of order in: $stderr" >&2; return 1; }
		prev=$n
	done
}

@test "-v: IPv6 shows IPV6_V6ONLY with its value, UDP has no TCP state, a failed bind names the errno" {
	if [ -e /proc/net/if_inet6 ]; then
		sc 0 -v probe-bind --v6only '[::1]:0'
		assert_stderr_contains "socket(AF_INET6, SOCK_STREAM) = fd "
		assert_stderr_contains "setsockopt(IPV6_V6ONLY, 1) ok, TCP state CLOSE"
	fi
	sc 0 -v probe-bind --udp 127.0.0.1:0
	assert_stderr_contains "socket(AF_INET, SOCK_DGRAM) = fd "
	[[ "$stderr" != *"TCP state"* ]]
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	sc 7 -v probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "bind(127.0.0.1:$listen_port): EADDRINUSE ("
	assert_stderr_contains "close(fd "
}

@test "a port inside the ephemeral range: one label on the note, not two" {
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	port=$listen_port
	stop_bg "$bg_pid"
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	[ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ] || skip "port 0 gave $port outside $lo-$hi"
	sc 0 probe-bind "127.0.0.1:$port"
	assert_stderr_contains "sockctl: probe-bind: note: port $port lies in the ephemeral range $lo-$hi"
	[[ "$stderr" != *"warning:"* ]]
}

@test "nginx's 0.0.0.0:P and v6-only [::]:P: '[::]:P' names the [::] holder first, no --v6only advice" {
	need_ipv6
	py ng nginx
	port=$listen_port
	sc 7 probe-bind "[::]:$port"
	# the direct holder is the first cause line
	[[ "${stderr_lines[1]}" == *"held by pid $bg_pid (python3, user $ME), LISTEN on [::]:$port (v6-only)"* ]]
	assert_stderr_contains "LISTEN on 0.0.0.0:$port"
	assert_stderr_contains "the IPv4 holder blocks a dual-stack [::]:$port too"
	[[ "$stderr" != *"--v6only"* ]]
	[[ "$stderr" != *"binds beside it"* ]]
	[[ "$stderr" != *"stop the IPv4 holder"* ]]
	sc 7 --json probe-bind "[::]:$port"
	run jq -e --arg l "[::]:$port" '.owners[0].local == $l' <<<"$output"
	[ "$status" -eq 0 ]
	# the v6-only advice would fail too: [::]:P itself is held
	sc 7 probe-bind --v6only "[::]:$port"
}

@test "bare PORT with only TIME_WAIT on IPv4: the [::] note says what SO_REUSEADDR changes" {
	need_ipv6
	port=$("$HELPERS/timewait" reuse)
	sc 7 probe-bind "$port"
	assert_stderr_contains "IPv4 port $port is held only by TIME_WAIT leftovers of closed connections"
	assert_stderr_contains "binds it when the server sets SO_REUSEADDR before bind()"
	[[ "$stderr" != *"only a v6-only server can bind"* ]]
	port=$("$HELPERS/timewait" noreuse)
	sc 7 probe-bind "$port"
	assert_stderr_contains "IPv4 port $port is held only by TIME_WAIT leftovers whose sockets did not set SO_REUSEADDR"
	assert_stderr_contains "with or without SO_REUSEADDR, until they expire"
	# held (--hold): the same answer without a second bind of [::]
	port=$("$HELPERS/timewait" reuse)
	sc 7 probe-bind --hold 10ms "$port"
	assert_stderr_contains "binds it when the server sets SO_REUSEADDR before bind()"
}
