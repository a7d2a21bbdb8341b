#!/usr/bin/env bats
# probe-udp: against udp-echo (ok), a closed port (refused), and a bound
# socket that never answers (timeout).
load helpers/common
load helpers/connect
load helpers/servers

setup_file() {
	build_echo_client
}

echo_server() {
	start_listener ue "$SOCKCTL" udp-echo "$@" || return 1
	srv_pid=$bg_pid
}

ms_now() {
	date +%s%3N
}

@test "against udp-echo: 3 sent, 3 received, exit 0 with RTTs" {
	echo_server 0
	sc 0 probe-udp --interval 10ms 127.0.0.1 "$listen_port"
	assert_output --partial "3 sent, 3 received, 0% loss"
	assert_output --regexp "rtt min/avg/max [0-9.]+/[0-9.]+/[0-9.]+ ms"
}

@test "HOST:PORT works as well as HOST PORT" {
	echo_server 0
	sc 0 probe-udp -c 1 "127.0.0.1:$listen_port"
	assert_output --partial "1 sent, 1 received"
}

@test "--json has the SPEC keys, sent, received and the RTTs" {
	echo_server 0
	sc 0 --json probe-udp -c 4 --interval 5ms 127.0.0.1 "$listen_port"
	local json=$output
	run jfields command ok reason exit_code address port family sent received <<<"$json"
	assert_output "probe-udp true ok 0 127.0.0.1 $listen_port ipv4 4 4"
	run jfields rtt_min_ms rtt_avg_ms rtt_max_ms <<<"$json"
	awk '{ exit !($1 > 0 && $1 <= $2 && $2 <= $3) }' <<<"$output"
}

@test "every SPEC key is present in the JSON" {
	echo_server 0
	sc 0 --json probe-udp -c 1 127.0.0.1 "$listen_port"
	for key in command target ok reason exit_code stage errno message hint address port family elapsed_ms sent received rtt_min_ms rtt_avg_ms rtt_max_ms; do
		assert_output --partial "\"$key\":"
	done
}

@test "--interval paces the datagrams, and nothing waits after the last reply" {
	echo_server 0
	local t0 t1
	t0=$(ms_now)
	sc 0 probe-udp -c 3 --interval 200ms 127.0.0.1 "$listen_port"
	t1=$(ms_now)
	[ $((t1 - t0)) -ge 400 ]
	[ $((t1 - t0)) -lt 1500 ]
}

@test "--send decodes C escapes: the server counts the decoded bytes" {
	echo_server 0
	sc 0 probe-udp -c 1 --send 'ab\x41\0\r\n' 127.0.0.1 "$listen_port"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	run grep '^summary: 1 datagrams in (6 bytes)' "$BATS_TEST_TMPDIR/ue.out"
	assert_success
}

@test "a bad escape in --send is a usage error that names it" {
	sc 2 probe-udp --send 'a\q' 127.0.0.1 9
	assert_stderr_contains "'\\q'"
	sc 2 probe-udp --send 'a\x' 127.0.0.1 9
	assert_stderr_contains "\\x"
}

@test "closed port: ICMP port unreachable is refused, exit 4, ECONNREFUSED" {
	echo_server 0
	local port=$listen_port
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	sc 4 probe-udp -c 3 --interval 10ms 127.0.0.1 "$port"
	assert_stderr_contains "refused (ECONNREFUSED)"
	assert_stderr_contains "port-unreachable"
	sc 4 --json probe-udp -c 1 127.0.0.1 "$port"
	run jfields reason errno stage received <<<"$output"
	assert_output "refused ECONNREFUSED recv 0"
}

@test "a bound socket that never answers: timeout, exit 5, with the UDP caveat" {
	start_listener sink "$ECHO_CLIENT" -m udpsink -t 30 127.0.0.1 0
	sc 5 -t 300ms probe-udp -c 2 --interval 10ms 127.0.0.1 "$listen_port"
	assert_stderr_contains "recv: timeout"
	assert_stderr_contains "UDP gives no answer by design"
	assert_stderr_contains "no reply within 300 ms"
	sc 5 --json -t 200ms probe-udp -c 1 127.0.0.1 "$listen_port"
	run jfields reason exit_code sent received rtt_avg_ms <<<"$output"
	assert_output "timeout 5 1 0 null"
}

@test "IPv6: [::1]:PORT against udp-echo on ::1" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 on this host"
	echo_server '[::1]:0'
	sc 0 probe-udp -c 1 "[::1]:$listen_port"
	assert_output --partial "1 received"
}

@test "root: a name that does not resolve is dns-failure, exit 3" {
	# looked up against a dnsmasq of the test's own in a fresh namespace:
	# never this machine's resolver
	require_root
	dns_run 3 127.0.0.1 probe-udp -c 1 no-such-host.test 9
	[[ "$stderr" == *"dns-failure (EAI_NONAME)"* ]]
}

@test "root: a silent resolver is given up after -t, not glibc's 10 s, and the nameservers are named" {
	require_root
	silent_dns_run 3 -t 500ms probe-udp -c 1 slow.test 9
	[[ "$stderr" == *"dns-failure (EAI_AGAIN)"* ]]
	[[ "$stderr" == *"gave no answer for slow.test within"* ]]
	[[ "$stderr" == *"nameservers: 127.0.0.1 (from /etc/resolv.conf)"* ]]
	# glibc alone would wait timeout:5 x attempts:2; -t is 0.5 s
	[ "$elapsed_ms" -lt 4000 ]
}

@test "usage errors: no port, port 0, a bad count" {
	sc 2 probe-udp 127.0.0.1
	sc 2 probe-udp 127.0.0.1 0
	sc 2 probe-udp -c 0 127.0.0.1 9
	assert_stderr_contains "-c"
}

# peer MODE [ARG]: starts tests/helpers/udp_peer.py (a UDP peer that
# answers badly) and reads its port.
peer() {
	start_listener peer python3 "$BATS_TEST_DIRNAME/helpers/udp_peer.py" "$@"
}

@test "a burst of other datagrams to the first probe is not '3 received': expect-failed, exit 10" {
	peer burst
	sc 10 -t 1s --interval 100ms probe-udp "$listen_addr"
	assert_stderr_contains "none is an echo of a request sent"
	assert_stderr_contains "3 were no echo of any request sent"
	[ -z "$output" ]
	sc 10 --json -t 1s --interval 100ms probe-udp "$listen_addr"
	assert_output --partial '"ok":false,"reason":"expect-failed"'
	assert_output --partial '"received":0,'
	assert_output --partial '"unmatched":3'
	assert_output --partial '"rtt_min_ms":null'
}

@test "a request answered twice counts once; the second answer is said apart" {
	peer dup
	sc 0 --json -c 3 -t 1s --interval 100ms probe-udp "$listen_addr"
	assert_output --partial '"sent":3,"received":3,'
	[[ "$output" =~ \"duplicate\":[1-3], ]]
	sc 0 -c 3 -t 1s --interval 100ms probe-udp "$listen_addr"
	assert_output --partial "3 sent, 3 received, 0% loss"
	assert_stderr_contains "a second answer to one request"
}

@test "replies that come after -t are late, not received: timeout, exit 5" {
	peer late 1.3
	sc 5 --json -c 3 -t 1s --interval 500ms probe-udp "$listen_addr"
	assert_output --partial '"received":0,'
	[[ "$output" =~ \"late\":[12], ]]
	assert_output --partial "came after -t (1000 ms) and"
}

@test "--send with replies that are no echo: counted in order, and the note says so" {
	peer other
	sc 0 -c 2 -t 1s --interval 100ms --send 'query' probe-udp "$listen_addr"
	assert_output --partial "2 sent, 2 received"
	assert_stderr_contains "no echo of what was sent, so replies were matched to requests in order of arrival"
	# sockctl's own payload: the same replies are no answer
	sc 10 -c 2 -t 1s --interval 100ms probe-udp "$listen_addr"
	assert_stderr_contains "2 datagrams came back, none of them an echo"
}

@test "udp-echo --upper's upper-cased echo still answers its request" {
	start_listener ue "$SOCKCTL" udp-echo --upper 0
	sc 0 --json -c 2 --interval 10ms probe-udp "$listen_addr"
	assert_output --partial '"sent":2,"received":2,'
	assert_output --partial '"unmatched":0'
}

@test "a refusal names who sent the ICMP error and that nothing here is bound to the port" {
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	stop_bg "$bg_pid"
	sc 4 -c 1 probe-udp "$listen_addr"
	assert_stderr_contains "came from 127.0.0.1, the target itself"
	assert_stderr_contains "no UDP socket here is bound to port $listen_port"
}

@test "a port bound on another local address: refused, and the evidence says where it is bound" {
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.2:0
	sc 4 -c 1 probe-udp "127.0.0.1:$listen_port"
	assert_stderr_contains "UDP port $listen_port is bound, but on 127.0.0.2:$listen_port, not on the address probed"
}

@test "silence from a bound local socket says the datagrams arrived and were not answered" {
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	sc 5 -t 300ms -c 1 probe-udp "$listen_addr"
	assert_stderr_contains "UDP port $listen_port is bound ($listen_addr): the datagrams arrived"
}

# with_hosts FILE CMD...: CMD in a private mount namespace where FILE is
# /etc/hosts (the machine's own file is never touched)
with_hosts() {
	unshare -m bash -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$@"
}

@test "root: a name whose first address refuses at once: the next is tried, and the note names the one that refused" {
	have_ipv6_lo || skip "no IPv6 loopback here"
	[ "$(id -u)" = 0 ] || skip "a private /etc/hosts needs root"
	local h=$BATS_TEST_TMPDIR/hosts
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$h"
	echo_server 127.0.0.1:0
	run --separate-stderr with_hosts "$h" "$SOCKCTL" -v probe-udp -c 1 dual.test "$listen_port"
	[ "$status" -eq 0 ]
	assert_output --partial "udp dual.test:$listen_port (127.0.0.1:$listen_port): 1 sent, 1 received"
	[[ $stderr == *"[::1]:$listen_port: ECONNREFUSED at once; trying the next address dual.test resolved to (2 of 2)"* ]]
	[[ $stderr == *"note: the addresses tried before it failed at once: [::1]:$listen_port ECONNREFUSED"* ]]
	# both refuse: still refused (exit 4), the last one's evidence, both named
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	stop_bg "$bg_pid"
	run --separate-stderr with_hosts "$h" "$SOCKCTL" probe-udp -c 1 dual.test "$listen_port"
	[ "$status" -eq 4 ]
	[[ $stderr == *"came from 127.0.0.1, the target itself"* ]]
	[[ $stderr == *"the addresses tried before it failed at once too: [::1]:$listen_port ECONNREFUSED"* ]]
}

@test "root: silence is not retried on the name's next address: it has spent the probe's time" {
	[ "$(id -u)" = 0 ] || skip "a private /etc/hosts needs root"
	local h=$BATS_TEST_TMPDIR/hosts
	printf '127.0.0.1 quiet.test\n127.0.0.2 quiet.test\n' >"$h"
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	run --separate-stderr with_hosts "$h" "$SOCKCTL" -v -t 200ms probe-udp -c 1 quiet.test "$listen_port"
	[ "$status" -eq 5 ]
	[[ $stderr != *"trying the next address"* ]]
	[[ $stderr != *127.0.0.2* ]]
}
