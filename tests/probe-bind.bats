#!/usr/bin/env bats
# probe-bind: every diagnosis made real by the test itself, loopback only.
load helpers/common
load helpers/connect

# hold NAME ADDR [OPTIONS...]: a sockctl that holds ADDR; sets bg_pid,
# listen_addr and listen_port.
hold() {
	local name=$1 addr=$2
	shift 2
	start_listener "$name" "$SOCKCTL" probe-bind --hold 60s "$@" "$addr"
}

# as_nobody CMD...: runs CMD as uid/gid 65534 with no capabilities.
as_user() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all "$@"
}

@test "a free port binds, listens and closes: exit 0, one line on stdout" {
	sc 0 probe-bind 127.0.0.1:0
	assert_output --regexp '^127\.0\.0\.1:[0-9]+/tcp: bound and listening, then closed$'
	[ -z "$stderr" ]
}

@test "without an address both wildcards are probed, one JSON line each" {
	sc 0 --json probe-bind 0
	[ "${#lines[@]}" -ge 1 ]
	assert_line --index 0 --partial '"target":"0.0.0.0:'
	if [ -e /proc/net/if_inet6 ]; then
		assert_line --index 1 --partial '"target":"[::]:'
	fi
}

@test "-4 probes only 0.0.0.0" {
	sc 0 --json -4 probe-bind 0
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial '"family":"ipv4"'
}

@test "JSON result carries every SPEC key, proto and owners" {
	sc 0 --json probe-bind 127.0.0.1:0
	for key in command target ok reason exit_code stage errno message hint address port family elapsed_ms proto owners; do
		assert_output --partial "\"$key\":"
	done
	assert_output --partial '"ok":true'
	assert_output --partial '"reason":"ok"'
	assert_output --partial '"proto":"tcp"'
}

@test "a held port gives exit 7, names the holder's pid, command, user and state" {
	hold h 127.0.0.1:0
	sc 7 probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "held by pid $bg_pid (sockctl, user $(id -un)), LISTEN on 127.0.0.1:$listen_port"
	assert_stderr_contains "fix:"
}

@test "a held port in JSON lists the owner object" {
	hold h 127.0.0.1:0
	sc 7 --json probe-bind "127.0.0.1:$listen_port"
	assert_output --partial '"reason":"port-in-use"'
	assert_output --partial '"errno":"EADDRINUSE"'
	assert_output --partial '"stage":"bind"'
	assert_output --partial "\"owners\":[{\"pid\":$bg_pid,\"command\":\"sockctl\""
	assert_output --partial "\"state\":\"LISTEN\""
}

@test "a listener on 127.0.0.1 blocks the wildcard 0.0.0.0, and says so" {
	hold h 127.0.0.1:0
	sc 7 probe-bind "0.0.0.0:$listen_port"
	assert_stderr_contains "pid $bg_pid"
	assert_stderr_contains "blocks the wildcard 0.0.0.0:$listen_port"
}

@test "a wildcard listener blocks 127.0.0.1, and says so" {
	hold h 0.0.0.0:0
	sc 7 probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "pid $bg_pid"
	assert_stderr_contains "the wildcard 0.0.0.0:$listen_port holds the port on every local address"
}

@test "UDP: a bound port is port-in-use with state UNCONN" {
	hold h 127.0.0.1:0 --udp
	sc 7 probe-bind --udp "127.0.0.1:$listen_port"
	assert_stderr_contains "held by pid $bg_pid"
	assert_stderr_contains "UNCONN on 127.0.0.1:$listen_port"
}

@test "TIME_WAIT only: told apart from a listener; SO_REUSEADDR tried and works when the old socket set it" {
	port=$("$HELPERS/timewait" reuse)
	sc 7 probe-bind "127.0.0.1:$port"
	assert_stderr_contains "TIME_WAIT leftover"
	assert_stderr_contains "no live socket"
	assert_stderr_contains "with SO_REUSEADDR the bind succeeds (tried just now)"
	sc 0 probe-bind --reuseaddr "127.0.0.1:$port"
}

@test "TIME_WAIT of a socket without SO_REUSEADDR: says reuseaddr fails too, both sides need it" {
	port=$("$HELPERS/timewait" noreuse)
	sc 7 --json probe-bind "127.0.0.1:$port"
	assert_output --partial '"state":"TIME_WAIT"'
	assert_output --partial 'even with SO_REUSEADDR the bind fails'
	assert_output --partial '"pid":null'
}

@test "--wait retries until the holder is gone" {
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	local holder=$bg_pid i
	# the holder goes only once the waiting probe has met it (its -v
	# trace names the EADDRINUSE): no race with a timed hold
	start_bg w "$SOCKCTL" -v probe-bind --wait 20s "127.0.0.1:$listen_port"
	local waiter=$bg_pid
	for ((i = 0; i < 500; i++)); do
		grep -q EADDRINUSE "$BATS_TEST_TMPDIR/w.err" && break
		sleep 0.02
	done
	grep -q EADDRINUSE "$BATS_TEST_TMPDIR/w.err"
	stop_bg "$holder"
	for ((i = 0; i < 1000; i++)); do
		kill -0 "$waiter" 2>/dev/null || break
		sleep 0.02
	done
	wait "$waiter"
	grep -q "free after waiting" "$BATS_TEST_TMPDIR/w.out"
}

@test "--wait gives up after DUR and still names the holder" {
	hold h 127.0.0.1:0
	sc 7 probe-bind --wait 300ms "127.0.0.1:$listen_port"
	assert_stderr_contains "still in use after waiting"
	assert_stderr_contains "pid $bg_pid"
}

@test "--hold prints the bound address first and exits 0 on SIGTERM" {
	hold h 127.0.0.1:0
	[[ "$wait_match" == "holding 127.0.0.1:"*" (tcp) for 60s" ]]
	kill -TERM "$bg_pid"
	wait "$bg_pid"
}

@test "a foreign address is address-not-available and lists the local addresses" {
	sc 9 probe-bind 203.0.113.7:0
	assert_stderr_contains "(EADDRNOTAVAIL)"
	assert_stderr_contains "203.0.113.7 is not assigned to any interface"
	assert_stderr_contains "127.0.0.1 (lo)"
}

@test "a foreign IPv6 address is address-not-available" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this machine"
	sc 9 probe-bind '[2001:db8::7]:0'
	assert_stderr_contains "(EADDRNOTAVAIL)"
	assert_stderr_contains "::1 (lo)"
}

@test "a privileged port as an unprivileged user: sysctl value, uid and missing capability" {
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	[ "$start" -gt 80 ] || skip "ip_unprivileged_port_start is $start: port 80 is not privileged here"
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "needs setpriv to drop root"
		run --separate-stderr as_user 65534 "$SOCKCTL" probe-bind 127.0.0.1:80
	else
		run --separate-stderr "$SOCKCTL" probe-bind 127.0.0.1:80
	fi
	[ "$status" -eq 8 ]
	assert_stderr_contains "permission-denied (EACCES)"
	assert_stderr_contains "net.ipv4.ip_unprivileged_port_start ($start)"
	assert_stderr_contains "lacks CAP_NET_BIND_SERVICE"
	assert_stderr_contains "setcap cap_net_bind_service=+ep"
	assert_stderr_contains "AmbientCapabilities=CAP_NET_BIND_SERVICE"
}

@test "--wait does not retry permission-denied" {
	require_root
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	[ "$start" -gt 80 ] || skip "port 80 is not privileged here"
	run --separate-stderr as_user 65534 "$SOCKCTL" --json probe-bind --wait 60s 127.0.0.1:80
	[ "$status" -eq 8 ]
	elapsed=$(grep -o '"elapsed_ms":[0-9]*' <<<"$output" | cut -d: -f2)
	[ "$elapsed" -lt 30000 ]
}

@test "root binds a privileged port" {
	require_root
	sc 0 probe-bind 127.0.0.1:80
}

@test "another user's holder is named by user when its process is hidden" {
	require_root
	command -v setpriv >/dev/null || skip "needs setpriv"
	start_listener h as_user 65534 "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	run --separate-stderr as_user 65533 "$SOCKCTL" probe-bind "127.0.0.1:$listen_port"
	[ "$status" -eq 7 ]
	assert_stderr_contains "held by a process of user $(getent passwd 65534 | cut -d: -f1) (uid 65534)"
	assert_stderr_contains "LISTEN on 127.0.0.1:$listen_port; run as root to see which process (you are uid 65533)"
}

@test "a socket whose process is in another PID namespace: no process here owns it" {
	require_root
	hold h 127.0.0.1:0
	run --separate-stderr unshare --pid --fork --mount-proc "$SOCKCTL" probe-bind "127.0.0.1:$listen_port"
	[ "$status" -eq 7 ]
	assert_stderr_contains "no process here owns"
	assert_stderr_contains "another PID namespace"
}

@test "out of file descriptors is resource-limit with the current limit" {
	# one free descriptor: the dynamic loader needs it at start, the first
	# held socket takes it, so the second address finds none
	run --separate-stderr bash -c 'exec 3>&-; ulimit -n 4; exec "$0" probe-bind --hold 1ms 127.0.0.1 0 --json -4; ' "$SOCKCTL"
	[ "$status" -eq 0 ]
	run --separate-stderr bash -c 'exec 3>&-; ulimit -n 4; exec "$0" probe-bind --hold 1ms 0' "$SOCKCTL"
	[ -e /proc/net/if_inet6 ] || skip "needs two wildcard families"
	[ "$status" -eq 12 ]
	assert_stderr_contains "resource-limit (EMFILE)"
	assert_stderr_contains "soft 4"
}

@test "a port inside the ephemeral range binds with a warning" {
	hold h 127.0.0.1:0
	port=$listen_port
	stop_bg "$bg_pid"
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	[ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ] || skip "port 0 gave $port outside $lo-$hi"
	sc 0 probe-bind "127.0.0.1:$port"
	assert_stderr_contains "lies in the ephemeral range $lo-$hi"
}

@test "-v traces each stage with a timestamp" {
	sc 0 -v probe-bind 127.0.0.1:0
	assert_stderr_contains "ms] socket(AF_INET, SOCK_STREAM)"
	assert_stderr_contains "ms] bind(127.0.0.1:0) ok"
	assert_stderr_contains "ms] listen("
	assert_stderr_contains "ms] close(fd "
}

@test "-q prints nothing on success and one line on failure" {
	sc 0 -q probe-bind 127.0.0.1:0
	[ -z "$output" ] && [ -z "$stderr" ]
	hold h 127.0.0.1:0
	sc 7 -q probe-bind "127.0.0.1:$listen_port"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "global options after the command work the same" {
	sc 0 probe-bind 127.0.0.1:0 --json
	assert_output --partial '"ok":true'
}

@test "ADDRESS PORT as two arguments" {
	sc 0 probe-bind 127.0.0.1 0
}

@test "a service name works as the port" {
	grep -qw '^http' /etc/services || skip "no /etc/services entry for http"
	sc 9 --json probe-bind 203.0.113.7:http
	assert_output --partial '"port":80'
}

@test "usage errors exit 2 and name the bad value" {
	sc 2 probe-bind 70000
	assert_stderr_contains "'70000'"
	sc 2 probe-bind --hold 5x 0
	assert_stderr_contains "invalid duration '5x' for --hold"
	sc 2 probe-bind --timeout 5x 0
	assert_stderr_contains "'5x' for --timeout"
	sc 2 probe-bind
	assert_stderr_contains "missing PORT"
	sc 2 probe-bind ::1:80
	assert_stderr_contains "needs brackets"
	sc 2 probe-bind --bogus 0
	assert_stderr_contains "unknown option '--bogus'"
	sc 2 probe-bind --wait
	assert_stderr_contains "--wait needs a value"
	sc 2 probe-bind nosuchservice
	assert_stderr_contains "'nosuchservice'"
	# several endpoints are taken (80 443); a bad one among them is named
	sc 2 probe-bind 1 2 70000
	assert_stderr_contains "70000"
}

@test "root: a silent resolver stops probe-bind, the servers and inspect at -t, and the nameservers are named" {
	require_root
	local cmd
	for cmd in "probe-bind slow.test:0" "echo-server slow.test:0" \
	    "udp-echo slow.test:0"; do
		# shellcheck disable=SC2086 # the command and its argument
		silent_dns_run 3 -t 500ms $cmd
		[[ "$stderr" == *"gave no answer for slow.test within"* ]]
		[[ "$stderr" == *"nameservers: 127.0.0.1 (from /etc/resolv.conf)"* ]]
		# glibc alone would wait timeout:5 x attempts:2
		[ "$elapsed_ms" -lt 4000 ]
	done
	# inspect too: a name that does not resolve is dns-failure (3)
	silent_dns_run 3 -t 500ms inspect slow.test:80
	[[ "$stderr" == *"gave no answer for slow.test within"* ]]
	[ "$elapsed_ms" -lt 4000 ]
}

@test "--wait with only TIME_WAIT left: the TTY progress line says a SO_REUSEADDR bind succeeds; the fix names --reuseaddr --wait" {
	port=$("$HELPERS/timewait" reuse)
	run -0 script -qec "'$SOCKCTL' probe-bind --wait 1s 127.0.0.1:$port; echo rc=\$?" /dev/null
	[[ "$output" == *"only TIME_WAIT left: a SO_REUSEADDR bind succeeds now (--reuseaddr)"* ]]
	[[ "$output" == *"rc=7"* ]]
	sc 7 probe-bind --wait 300ms "127.0.0.1:$port"
	assert_stderr_contains "still in use after waiting"
	assert_stderr_contains "sockctl probe-bind --reuseaddr --wait 0s 127.0.0.1:$port"
	sc 0 probe-bind --reuseaddr --wait 1s "127.0.0.1:$port"
	# a socket that did not set SO_REUSEADDR: no such claim
	port=$("$HELPERS/timewait" noreuse)
	sc 7 probe-bind --wait 300ms "127.0.0.1:$port"
	[[ "$stderr" != *"--reuseaddr --wait"* ]]
}

@test "several endpoints: one result each, in order; the exit code is the first failure's" {
	hold h 127.0.0.1:0
	sc 0 probe-bind 127.0.0.1:0 127.0.0.1:0
	[ "${#lines[@]}" -eq 2 ]
	sc 7 --json probe-bind 127.0.0.1:0 "127.0.0.1:$listen_port" 127.0.0.1 0
	run jq -s -e --arg t "127.0.0.1:$listen_port" 'length == 3 and .[0].ok and
		.[1].target == $t and .[1].reason == "port-in-use" and .[2].ok' <<<"$output"
	[ "$status" -eq 0 ]
	local d
	d=$(mktemp -d)
	sc 0 probe-bind "$d/a.sock" 127.0.0.1:0 "@sockctl-test-$$"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "$d/a.sock (stream): bound and listening, then closed" ]]
	[[ ! -e "$d/a.sock" ]]
	rm -rf "$d"
	sc 2 probe-bind 0 nosuchservice
	assert_stderr_contains "nosuchservice"
}

@test "root: port 80 held by root, probed as nobody in a private network namespace: EACCES says the port is also held" {
	require_root
	command -v unshare >/dev/null || skip "needs unshare"
	command -v python3 >/dev/null || skip "needs python3"
	run --separate-stderr timeout 30 unshare -n bash -c '
		ip link set lo up
		python3 -c "
import socket, time
s = socket.socket(); s.bind((\"0.0.0.0\", 80)); s.listen()
print(\"ready\", flush=True); time.sleep(20)" >"$1/h.out" 3>&- &
		h=$!
		for ((i = 0; i < 500; i++)); do grep -q ready "$1/h.out" && break; sleep 0.02; done
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$2" --json probe-bind 80 >"$1/j.out"
		echo "json exit $?"
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$2" probe-bind 0.0.0.0:80
		echo "exit $?"
		kill $h' _ "$BATS_TEST_TMPDIR" "$SOCKCTL"
	[[ "$output" == *"exit 8"* ]]
	[[ "$stderr" == *"permission-denied (EACCES)"* ]]
	[[ "$stderr" == *"the port is also in use: held by a process of user root (uid 0), LISTEN on 0.0.0.0:80"* ]]
	[[ "$stderr" == *"first free the port"* ]]
	run jq -s -e '.[0].reason == "permission-denied" and (.[0].owners | length) >= 1 and
		.[0].owners[0].local == "0.0.0.0:80" and .[0].owners[0].user == "root"' "$BATS_TEST_TMPDIR/j.out"
	[ "$status" -eq 0 ]
}
