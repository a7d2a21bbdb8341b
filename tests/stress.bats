#!/usr/bin/env bats
# Stress: 10 000 clients at once, a storm of 20 000 connects, abusive
# clients all at once, a UDP flood; every byte checked, the servers' totals
# held against what the clients counted, their memory against the
# per-connection bound. Loopback only: as root each test runs in a network
# namespace of its own (its tens of thousands of TIME_WAIT sockets go with
# it, and no port of this machine is touched); otherwise on this machine's
# loopback. Every count is fixed, every wait bounded, every process stopped
# by PID. The clients are tests/helpers/echo_client.c, built -O2 without
# sanitizers, so under `make sanitize` only sockctl is slower; the counts
# are the same there (the file takes ~6 s, plain or sanitized).
load helpers/common
load helpers/servers
load helpers/stress

setup_file() {
	build_echo_client
}

# close_sum NAME WHY: "COUNT IN OUT" over NAME's close lines ending in
# "(WHY" (all of them when WHY is empty).
close_sum() {
	awk -v why="($2" '/^close / && index($0, why) {
		n++; i += $3; o += $6 } END { printf "%d %d %d\n", n, i, o }' \
		"$BATS_TEST_TMPDIR/$1.out"
}

@test "10 000 clients at once get every byte back; RSS grows under 1 KiB a connection; totals match" {
	ulimit -n 10240 2>/dev/null ||
		skip "needs ulimit -n 10240 for 10 000 connections (hard limit $(ulimit -Hn))"
	netns
	server es echo-server 0
	local rss0 rss1 cl
	rss0=$(rss_kb "$srv_pid")
	bg_client cl -m many -n 10000 -c 500 -b 1000 -s 17 -H -t 60
	cl=$bg_pid
	wait_line cl '^held ' 60
	[ "$wait_match" = "held 10000 connections, 10000000 bytes verified" ]
	# all 10 000 are open on the server at this moment
	run grep -c '^accept ' "$BATS_TEST_TMPDIR/es.out"
	assert_output 10000
	run grep -c ' (10000 open)$' "$BATS_TEST_TMPDIR/es.out"
	assert_output 1
	rss1=$(rss_kb "$srv_pid")
	echo "server RSS ${rss0} KiB idle, ${rss1} KiB with 10000 clients"
	[ $((rss1 - rss0)) -lt 10000 ]
	# and it still serves newcomers in full
	nec -m many -n 10 -b 200000 -s 18
	assert_success
	kill -USR1 "$cl"
	wait_exit "$cl" 60
	[ "$exit_status" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/cl.out"
	assert_line --partial "ok 10000 connections, 1000 bytes each, 10000000 bytes verified, at most 10000 open"
	wait_lines es '^close ' 10010 30
	stop_server
	run grep '^summary: ' "$BATS_TEST_TMPDIR/es.out"
	assert_output --regexp '^summary: 10010 clients \(0 refused, 0 reset, 0 idle\), 12000000 bytes in, 12000000 out, at most 10010 open, '
	run close_sum es eof
	assert_output "10010 12000000 12000000"
	run grep -c ': 1000 bytes in, 1000 out, .*client closed first (eof)$' "$BATS_TEST_TMPDIR/es.out"
	assert_output 10000
}

@test "a storm of 20 000 connects and closes, a quarter reset: the server takes each one, counts the resets, keeps no memory, keeps serving" {
	ulimit -n 4096 2>/dev/null || true
	netns
	# 2 x 10 000 from the storm and 100 after it: --count proves it took
	# all. ASan's quarantine keeps freed memory resident; emptied at
	# once, RSS shows what the server holds (LeakSanitizer sees the rest
	# at exit)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		server es echo-server --count 20100 0
	local rss0 rss1 rss2
	rss0=$(rss_kb "$srv_pid")
	# every 4th resets, except the 20 of the 40 one-byte sync connections
	# (every 250th) that fall on one
	nec -m storm -n 10000 -c 64 -r 4 -t 60
	assert_success
	assert_output --regexp '^storm 10000 connections, 2480 reset, 40 bytes echoed, '
	rss1=$(rss_kb "$srv_pid")
	nec -m storm -n 10000 -c 64 -r 4 -t 60
	assert_success
	assert_output --regexp '^storm 10000 connections, 2480 reset, 40 bytes echoed, '
	rss2=$(rss_kb "$srv_pid")
	echo "server RSS ${rss0} KiB before, ${rss1} KiB after 10 000, ${rss2} KiB after 20 000 connections"
	# the second 10 000 cost nothing lasting (a 100-byte leak each: 1 MB)
	[ $((rss2 - rss1)) -lt 512 ]
	nec -m many -n 100 -b 10000 -s 19
	assert_success
	wait_exit "$srv_pid" 30
	[ "$exit_status" -eq 0 ]
	run grep '^summary: ' "$BATS_TEST_TMPDIR/es.out"
	assert_output --regexp '^summary: 20100 clients \(0 refused, 4960 reset, 0 idle\), 1000080 bytes in, 1000080 out, '
	run close_sum es reset
	assert_output "4960 0 0"
	run close_sum es eof
	assert_output "15140 1000080 1000080"
}

@test "slow, never-reading and resetting clients all at once: the others get every byte, RSS stays bounded, totals add up" {
	netns
	server es echo-server 0
	local rss0 rss1 nr stalled slow rst norm
	rss0=$(rss_kb "$srv_pid")
	# 10 clients that fill every buffer on the way and never read
	bg_client nr -m noread -n 10 -t 60
	nr=$bg_pid
	wait_line nr '^stalled [0-9]+' 30
	stalled=${wait_match#stalled }
	# then, all at once: 20 sending one byte every 25 ms, 50 resetting
	# mid-echo, 200 normal ones
	bg_client slow -m many -n 20 -b 40 -d 25 -s 3 -t 30
	slow=$bg_pid
	bg_client rst -m reset -n 50 -b 300000 -s 9 -t 30
	rst=$bg_pid
	bg_client norm -m many -n 200 -c 200 -b 100000 -s 5 -t 30
	norm=$bg_pid
	wait_exit "$norm" 40
	[ "$exit_status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/norm.err"; false; }
	wait_exit "$rst" 40
	[ "$exit_status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/rst.err"; false; }
	wait_exit "$slow" 40
	[ "$exit_status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/slow.err"; false; }
	grep -q '^ok 200 connections, 100000 bytes each, 20000000 bytes verified' "$BATS_TEST_TMPDIR/norm.out"
	grep -q '^ok 20 connections, 40 bytes each, 800 bytes verified' "$BATS_TEST_TMPDIR/slow.out"
	# the never-readers are still connected and still stalled: each may
	# cost the server at most its 64 KiB echo buffer
	kill -0 "$nr"
	rss1=$(rss_kb "$srv_pid")
	echo "server RSS ${rss0} KiB before, ${rss1} KiB with 10 stalled clients holding ${stalled} bytes in flight"
	[ $((rss1 - rss0)) -lt $((10 * (64 + 16) + 2048)) ]
	# a second wave after the abuse
	nec -m many -n 100 -b 10000 -s 8
	assert_success
	stop_pid "$nr"
	wait_lines es '^close ' 380 30
	stop_server
	local in out
	run grep '^summary: ' "$BATS_TEST_TMPDIR/es.out"
	# 10 + 20 + 50 + 200 + 100 clients; the 50 resetting and the 10
	# never-readers (closed with unread data) end in a reset
	assert_output --regexp '^summary: 380 clients \(0 refused, 60 reset, 0 idle\), [0-9]+ bytes in, [0-9]+ out, '
	in=$(sed -E 's/.*idle\), ([0-9]+) bytes in.*/\1/' <<<"$output")
	out=$(sed -E 's/.* bytes in, ([0-9]+) out.*/\1/' <<<"$output")
	# the ones that closed cleanly: exactly what they sent, echoed in full
	run close_sum es eof
	assert_output "320 21000800 21000800"
	run close_sum es ""
	assert_output "380 $in $out"
	# and nothing came from nowhere
	[ "$in" -le $((21000800 + 50 * 300000 + stalled)) ]
	[ "$out" -le "$in" ]
}

@test "a UDP flood, 8 sockets x 20 000 datagrams: each reply unaltered at its own socket; loss only as the server's counted drops" {
	netns
	server ue udp-echo 0
	local rss0 rss1 sent sbytes got rbytes lost
	rss0=$(rss_kb "$srv_pid")
	nec -m udpflood -c 8 -n 20000 -w 64 -b 1400 -s 5 -t 60
	assert_success
	[[ "$output" =~ ^udpflood\ 8\ sockets:\ sent\ ([0-9]+)\ \(([0-9]+)\ bytes\),\ received\ ([0-9]+)\ \(([0-9]+)\ bytes\),\ lost\ ([0-9]+) ]]
	sent=${BASH_REMATCH[1]} sbytes=${BASH_REMATCH[2]}
	got=${BASH_REMATCH[3]} rbytes=${BASH_REMATCH[4]} lost=${BASH_REMATCH[5]}
	[ "$sent" -eq 160000 ]
	[ $((got + lost)) -eq "$sent" ]
	# still serving, every size
	nec -m udp -z 1,1400,65507 -s 6
	assert_success
	rss1=$(rss_kb "$srv_pid")
	echo "server RSS ${rss0} KiB before, ${rss1} KiB after the flood"
	# its buffers are allocated once, at start
	[ $((rss1 - rss0)) -lt 2048 ]
	stop_server
	run grep '^summary: ' "$BATS_TEST_TMPDIR/ue.out"
	assert_output --regexp "^summary: $((sent + 3)) datagrams in \($((sbytes + 66908)) bytes\), $((got + 3)) out \($((rbytes + 66908)) bytes\), $lost dropped, 0 truncated, "
}
