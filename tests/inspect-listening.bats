#!/usr/bin/env bats
# inspect --listening: what listens where, as ss -ltnpux would, in text,
# --json and --openmetrics. One process holds a socket of each kind (made
# here: loopback and [::], Unix paths in the test's temp directory) and a
# connected pair that must not be listed.
load helpers/common
load helpers/connect
load helpers/inspect
load helpers/py

# listeners: one python process with a dual-stack and a v6-only [::] TCP
# listener, a bound UDP socket, a Unix stream listener and a bound Unix
# datagram socket, and an established connection to the first listener.
# Sets lpid, p_dual, p_v6, p_udp, p_client, dir.
listeners() {
	require_python
	have_ipv6_lo || skip "IPv6 loopback is not available here"
	dir=$BATS_TEST_TMPDIR
	start_bg lst timeout -k 5 60 python3 -c '
import signal, socket, sys
d = sys.argv[1]
dual = socket.socket(socket.AF_INET6)
dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
dual.bind(("::", 0)); dual.listen(7)
v6 = socket.socket(socket.AF_INET6)
v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
v6.bind(("::", 0)); v6.listen(9)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
us = socket.socket(socket.AF_UNIX); us.bind(d + "/s.sock"); us.listen(3)
ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(d + "/d.sock")
cl = socket.create_connection(("127.0.0.1", dual.getsockname()[1]))
acc, _ = dual.accept()
print("ready %d %d %d %d" % (dual.getsockname()[1], v6.getsockname()[1],
      udp.getsockname()[1], cl.getsockname()[1]), flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()' "$dir"
	wait_line lst '^ready ' || return 1
	read -r _ p_dual p_v6 p_udp p_client <<<"$wait_match"
	lpid=$(child_of "$bg_pid")
	[ -n "$lpid" ]
}

@test "--listening: TCP dual-stack and v6-only, UDP, Unix stream and datagram, each with its process and queue; a connection is not listed" {
	listeners
	local me
	me=$(id -un)
	sc 0 inspect --listening "$p_dual" "$p_v6" "$p_udp" "$dir/s.sock" "$dir/d.sock"
	assert_line --regexp "^tcp +\[::\]:$p_dual \(dual-stack: IPv4 too\) +queue 0/7 +pid $lpid \(python3, user $me\)$"
	assert_line --regexp "^tcp +\[::\]:$p_v6 \(v6-only\) +queue 0/9 +pid $lpid \(python3, user $me\)$"
	assert_line --regexp "^udp +127\.0\.0\.1:$p_udp +recv-q 0 +pid $lpid \(python3, user $me\)$"
	assert_line --regexp "^unix +$dir/s\.sock +queue 0/3 +pid $lpid \(python3, user $me\)$"
	assert_line --regexp "^unix +$dir/d\.sock +recv-q 0 +\(dgram\) pid $lpid \(python3, user $me\)$"
	# five sockets, five lines: the established pair on $p_dual is no listener
	[ "${#lines[@]}" -eq 5 ]
	[[ $output != *":$p_client"* ]]
	[[ $output != *ESTAB* ]]
	[ -z "$stderr" ]
}

@test "--listening -4 keeps IPv4 and the dual-stack [::] (it takes IPv4 too), -6 only IPv6; neither lists Unix sockets" {
	listeners
	sc 0 -4 inspect --listening "$p_dual" "$p_v6" "$p_udp" "$dir/s.sock"
	assert_line --regexp "^tcp +\[::\]:$p_dual \(dual-stack: IPv4 too\) "
	assert_line --regexp "^udp +127\.0\.0\.1:$p_udp "
	[ "${#lines[@]}" -eq 2 ]
	[[ $output != *":$p_v6"* ]]
	[[ $output != *s.sock* ]]
	sc 0 -6 inspect --listening "$p_dual" "$p_v6" "$p_udp" "$dir/s.sock"
	assert_line --regexp "^tcp +\[::\]:$p_dual "
	assert_line --regexp "^tcp +\[::\]:$p_v6 \(v6-only\) "
	[ "${#lines[@]}" -eq 2 ]
	[[ $output != *"127.0.0.1:$p_udp"* ]]
	[[ $output != *s.sock* ]]
}

@test "--listening with --pid, and with no target at all, lists the same process's sockets" {
	listeners
	sc 0 inspect --listening --pid "$lpid"
	[ "${#lines[@]}" -eq 5 ]
	assert_line --regexp "^tcp +\[::\]:$p_v6 \(v6-only\) "
	assert_line --regexp "^unix +$dir/d\.sock "
	# the whole machine: ours are among them
	sc 0 inspect --listening
	assert_line --regexp "^tcp +\[::\]:$p_dual \(dual-stack: IPv4 too\) +queue 0/7 +pid $lpid "
	assert_line --regexp "^udp +127\.0\.0\.1:$p_udp +recv-q 0 +pid $lpid "
	assert_line --regexp "^unix +$dir/s\.sock +queue 0/3 +pid $lpid "
}

@test "--json --listening: one listener event per socket with proto, v6only, type, queue, backlog and holders, valid against the schema" {
	listeners
	require_py jsonschema python3-jsonschema
	sc 0 --json inspect --listening "$p_dual" "$p_v6" "$p_udp" "$dir/s.sock" "$dir/d.sock"
	[ "${#lines[@]}" -eq 5 ]
	local j
	j=$(printf '%s\n' "$output")
	run jq -s -e --argjson d "$p_dual" --argjson v "$p_v6" --argjson u "$p_udp" \
		--arg s "$dir/s.sock" --arg g "$dir/d.sock" --argjson p "$lpid" '
		all(.[]; .event == "listener" and .command == "inspect" and .holders == [{"pid": $p, "process": "python3", "user": .holders[0].user}] and .hidden == false) and
		any(.[]; .proto == "tcp" and .port == $d and .family == "ipv6" and .v6only == false and .queue == 0 and .backlog == 7) and
		any(.[]; .proto == "tcp" and .port == $v and .v6only == true and .backlog == 9) and
		any(.[]; .proto == "udp" and .port == $u and .family == "ipv4" and .address == "127.0.0.1" and .backlog == null) and
		any(.[]; .proto == "unix" and .local == $s and .type == "stream" and .backlog == 3 and .port == null) and
		any(.[]; .proto == "unix" and .local == $g and .type == "dgram" and .backlog == null)' <<<"$j"
	[ "$status" -eq 0 ]
	printf '%s\n' "$j" >"$BATS_TEST_TMPDIR/l.json"
	schema_ok "$BATS_TEST_TMPDIR/l.json"
}

@test "--openmetrics --listening: each stream listener's queue and backlog, parsed, no finding judged" {
	listeners
	require_py prometheus_client python3-prometheus-client
	sc 0 --openmetrics inspect --listening "$p_dual" "$p_v6" "$dir/s.sock"
	[ "${lines[-1]}" = "# EOF" ]
	[[ $output != *sockctl_finding* ]]
	om_parse "$output"
	assert_line --regexp "^sockctl_listen_backlog \{.*\"address\": ?\"\[::\]:$p_dual\".*\} 7\.0$"
	assert_line --regexp "^sockctl_listen_backlog \{.*\"address\": ?\"\[::\]:$p_v6\".*\} 9\.0$"
	assert_line --regexp "^sockctl_listen_backlog \{.*\"address\": ?\"$dir/s\.sock\".*\} 3\.0$"
	assert_line --regexp "^sockctl_listen_queue_length \{.*\"address\": ?\"\[::\]:$p_dual\".*\} 0\.0$"
}
