#!/usr/bin/env bats
# --openmetrics: the probes' results in the OpenMetrics text format, read
# back with python3-prometheus-client's parser (a real client, not a
# regex): values, labels, escaping, one block per family, # EOF last.
load helpers/common
load helpers/py

setup() {
	require_py prometheus_client.openmetrics.parser python3-prometheus-client
}

# free_port: a loopback TCP port that was free a moment ago and that
# nothing listens on now (sets free_port).
free_port() {
	start_listener gone "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	free_port=$listen_port
	stop_bg "$bg_pid"
}

@test "connect to an open and a closed port: success, exit code and failure series per target, exit 4" {
	free_port
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	sc 4 --openmetrics connect "127.0.0.1:$listen_port" "127.0.0.1:$free_port"
	[ "${lines[-1]}" = "# EOF" ]
	# the parser's labels as JSON with sorted keys: address command [reason] target
	local a='"address":"127.0.0.1","command":"probe-connect"'
	local up="$a,\"target\":\"127.0.0.1:$listen_port\""
	local down="$a,\"target\":\"127.0.0.1:$free_port\""
	# the refused one is explained on stderr as in the text form
	assert_stderr_contains "127.0.0.1:$free_port: connect: refused (ECONNREFUSED)"
	assert_stderr_contains "cause:"
	om_parse "$output"
	assert_line "sockctl_probe_success {$up} 1.0"
	assert_line "sockctl_probe_success {$down} 0.0"
	assert_line "sockctl_probe_exit_code {$up} 0.0"
	assert_line "sockctl_probe_exit_code {$down} 4.0"
	assert_line "sockctl_probe_failure {$a,\"reason\":\"ok\",\"target\":\"127.0.0.1:$listen_port\"} 0.0"
	assert_line "sockctl_probe_failure {$a,\"reason\":\"refused\",\"target\":\"127.0.0.1:$free_port\"} 1.0"
	assert_line --regexp "^sockctl_probe_duration_seconds \{$up\} [0-9.e-]+$"
	assert_line "families: sockctl_probe_success/gauge/,sockctl_probe_duration_seconds/gauge/seconds,sockctl_probe_exit_code/gauge/,sockctl_probe_failure/gauge/"
	# two results: two samples per family, no 0-valued series for other reasons
	[ "$(grep -c '^sockctl_probe_failure ' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^sockctl_probe_success ' <<<"$output")" -eq 2 ]
}

@test "every family's # TYPE and # HELP come once, before its samples, and families do not interleave" {
	free_port
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	sc 4 --openmetrics connect "127.0.0.1:$free_port" "127.0.0.1:$listen_port" "127.0.0.1:$free_port"
	local fam prev="" seen=" " name
	for fam in success duration_seconds exit_code failure; do
		[ "$(grep -c "^# TYPE sockctl_probe_$fam " <<<"$output")" -eq 1 ]
		[ "$(grep -c "^# HELP sockctl_probe_$fam " <<<"$output")" -eq 1 ]
	done
	# the family of each line: a name once left never comes back
	while read -r name; do
		[ "$name" = "$prev" ] && continue
		[[ $seen != *" $name "* ]] || { echo "family $name interleaved" >&2; echo "$output" >&2; return 1; }
		seen+="$name "
		prev=$name
	done < <(sed -nE 's/^(# [A-Z]+ )?(sockctl_[a-z_]+).*/\2/p' <<<"$output")
	# the target given twice is one series (OpenMetrics allows each once)
	[ "$(grep -c "^sockctl_probe_success{.*127.0.0.1:$free_port" <<<"$output")" -eq 1 ]
	om_parse "$output"
}

@test "a DNS failure has an empty address label and reason dns-failure" {
	# a name with an empty label: glibc refuses it without asking a server
	sc 3 --openmetrics connect a..b:80
	om_parse "$output"
	assert_line 'sockctl_probe_failure {"address":"","command":"probe-connect","reason":"dns-failure","target":"a..b:80"} 1.0'
	assert_line 'sockctl_probe_exit_code {"address":"","command":"probe-connect","target":"a..b:80"} 3.0'
}

@test "probe-bind: a held port is port-in-use (exit 7), a free bare port two successes" {
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	sc 7 --openmetrics probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains "port-in-use (EADDRINUSE)"
	om_parse "$output"
	assert_line "sockctl_probe_failure {\"address\":\"127.0.0.1\",\"command\":\"probe-bind\",\"reason\":\"port-in-use\",\"target\":\"127.0.0.1:$listen_port\"} 1.0"
	assert_line "sockctl_probe_exit_code {\"address\":\"127.0.0.1\",\"command\":\"probe-bind\",\"target\":\"127.0.0.1:$listen_port\"} 7.0"

	sc 0 --openmetrics probe-bind 0
	[ -z "$stderr" ]
	om_parse "$output"
	assert_line --regexp '^sockctl_probe_success \{"address":"0.0.0.0","command":"probe-bind","target":"0.0.0.0:[0-9]+"\} 1.0$'
	[ "$(grep -c '^sockctl_probe_success ' <<<"$output")" -ge 1 ]
}

@test "probe-udp: an echo answers (success 1), a closed port is refused (exit 4)" {
	start_listener udp "$SOCKCTL" udp-echo 127.0.0.1:0
	sc 0 --openmetrics probe-udp -c 2 --interval 10ms 127.0.0.1 "$listen_port"
	om_parse "$output"
	assert_line "sockctl_probe_success {\"address\":\"127.0.0.1\",\"command\":\"probe-udp\",\"target\":\"127.0.0.1:$listen_port\"} 1.0"
	stop_bg "$bg_pid"
	sc 4 --openmetrics -t 500ms probe-udp -c 1 127.0.0.1 "$listen_port"
	om_parse "$output"
	assert_line "sockctl_probe_failure {\"address\":\"127.0.0.1\",\"command\":\"probe-udp\",\"reason\":\"refused\",\"target\":\"127.0.0.1:$listen_port\"} 1.0"
}

@test "label values with a quote, a backslash, a newline and stray bytes are escaped and read back" {
	local unit=${SOCKCTL%/*}/unit/test_om f=$BATS_TEST_TMPDIR/hostile.om
	[ -x "$unit" ] || skip "no $unit (make unit)"
	run "$unit" "$f"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	om_parse "$(cat "$f")"
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"a\"b"} 1.0'
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"back\\slash"} 0.0'
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"new\nline"} 1.0'
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"\\\"\n"} 0.0'
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"café"} 1.0'
	assert_line 'sockctl_probe_success {"address":"127.0.0.1","command":"probe-connect","target":"stray � byte"} 0.0'
	assert_line 'sockctl_probe_failure {"address":"127.0.0.1","command":"probe-connect","reason":"dns-failure","target":"back\\slash"} 1.0'
	assert_line 'sockctl_probe_failure {"address":"127.0.0.1","command":"probe-connect","reason":"ok","target":"a\"b"} 0.0'
	[ "$(tail -n 1 "$f")" = "# EOF" ]
}

@test "a hostile target line in a targets file never reaches stdout half-written" {
	local t=$BATS_TEST_TMPDIR/targets
	printf '%s\n' 'a"b\c.invalid:80' >"$t"
	run --separate-stderr "$SOCKCTL" --openmetrics connect --targets "$t"
	if [ "$status" -eq 2 ]; then
		# today the host is refused as a usage error: no exposition at all
		[ -z "$output" ]
		[[ $stderr == *'invalid host'* ]]
	else
		# a sockctl that takes such a name must escape it
		[ "$status" -eq 3 ]
		om_parse "$output"
		assert_line --partial '"target":"a\"b\\c.invalid:80"'
	fi
}

@test "-q with --openmetrics: the exposition on stdout, one line on stderr per failure" {
	free_port
	sc 4 -q --openmetrics connect "127.0.0.1:$free_port"
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_stderr_contains "refused (ECONNREFUSED)"
	om_parse "$output"
	assert_line --partial '"reason":"refused"'
}

@test "--json and --openmetrics together are a usage error naming both, in either order" {
	sc 2 --json --openmetrics probe-bind 0
	[ -z "$output" ]
	assert_stderr_contains "--json and --openmetrics"
	sc 2 probe-bind 0 --openmetrics --json
	[ -z "$output" ]
	assert_stderr_contains "--json and --openmetrics"
}

@test "servers, explain and probe-bind --hold refuse --openmetrics with a usage error naming them" {
	sc 2 --openmetrics echo-server 127.0.0.1:0
	[ -z "$output" ]
	assert_stderr_contains "echo-server"
	assert_stderr_contains "--openmetrics is for the probes"
	sc 2 --openmetrics udp-echo 127.0.0.1:0
	assert_stderr_contains "udp-echo"
	sc 2 explain ECONNREFUSED --openmetrics
	assert_stderr_contains "explain"
	sc 2 --openmetrics probe-bind --hold 1s 127.0.0.1:0
	[ -z "$output" ]
	assert_stderr_contains "--hold and --openmetrics"
}

@test "--openmetrics with --help prints the help only, a usage error nothing on stdout" {
	sc 0 --openmetrics probe-connect --help
	assert_output --partial "usage: sockctl probe-connect"
	refute_output --partial "# EOF"
	sc 2 --openmetrics probe-connect
	[ -z "$output" ]
}

@test "an exposition that cannot be written is exit 1 naming the errno" {
	run --separate-stderr sh -c '"$1" --openmetrics probe-bind 127.0.0.1:0 >/dev/full' sh "$SOCKCTL"
	[ "$status" -eq 1 ]
	[[ $stderr == *"ENOSPC"* ]]
}

@test "inspect: sockets per state and a listener's queue and backlog, parsed; exit 0 when healthy" {
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	sc 0 --openmetrics inspect --sample 0 "$listen_port"
	[ "${lines[-1]}" = "# EOF" ]
	om_parse "$output"
	local l="\"address\":\"127.0.0.1:$listen_port\",\"command\":\"inspect\",\"target\":\"$listen_port\""
	assert_line "sockctl_sockets {\"command\":\"inspect\",\"state\":\"LISTEN\",\"target\":\"$listen_port\"} 1.0"
	assert_line "sockctl_listen_queue_length {$l} 0.0"
	assert_line --regexp "^sockctl_listen_backlog \{$l\} [1-9][0-9]*\.0$"
	refute_line --partial "sockctl_finding"
}

@test "inspect: a finding is one sockctl_finding series with its reason, exit 13" {
	start_bg srv timeout -k 5 60 python3 "$BATS_TEST_DIRNAME/helpers/inspect_peer.py" leak
	wait_line srv '^listening on'
	local port=${wait_match##*:}
	start_bg cl timeout -k 5 60 python3 "$BATS_TEST_DIRNAME/helpers/inspect_peer.py" clients 127.0.0.1 "$port" 3 close
	wait_line cl '^ready'
	sc 13 --openmetrics inspect --sample 200ms "$port"
	[ "${lines[-1]}" = "# EOF" ]
	om_parse "$output"
	assert_line --regexp '^sockctl_finding \{.*"reason":"close-wait-leak".*\} 1\.0$'
}

@test "inspect: two SO_REUSEPORT processes leaking on one port are two sockctl_finding series, told apart by pid" {
	local peer=$BATS_TEST_DIRNAME/helpers/inspect_peer.py
	start_bg rp1 timeout -k 5 60 python3 "$peer" leakrp 0
	wait_line rp1 '^listening on'
	local port=${wait_match##*:}
	start_bg rp2 timeout -k 5 60 python3 "$peer" leakrp "$port"
	wait_line rp2 '^listening on'
	# 16 connections: the kernel's hash gives each listener some
	start_bg cl timeout -k 5 60 python3 "$peer" clients 127.0.0.1 "$port" 16 close
	wait_line cl '^ready'
	sc 13 --json inspect --sample 200ms "$port"
	run jq -s -e '[.[] | select(.reason == "close-wait-leak") | .pid] | unique | length == 2' <<<"$output"
	[ "$status" -eq 0 ]
	sc 13 --openmetrics inspect --sample 200ms "$port"
	om_parse "$output"
	run grep -c '^sockctl_finding {.*"reason":"close-wait-leak"' <<<"$output"
	[ "$output" = 2 ]
}
