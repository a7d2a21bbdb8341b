#!/usr/bin/env bats
# What comes from outside, chosen by someone hostile: a --expect pattern
# that glibc's matcher takes minutes for, a reply that makes an ordinary
# pattern slow, and bytes meant for the terminal (escape sequences,
# invalid UTF-8) in process names, hosts and replies.
load helpers/common
load helpers/connect

setup() {
	T=$BATS_TEST_TMPDIR
}

# ms_since T0: milliseconds since T0 (a value of $EPOCHREALTIME).
ms_since() {
	local now=$EPOCHREALTIME
	echo $(( (${now/./} - ${1/./}) / 1000 ))
}

@test "a backreference in --expect is a usage error that says why" {
	start_listener es "$SOCKCTL" echo-server 0
	local t0=$EPOCHREALTIME
	sc 2 -t 1s connect --send "$(printf 'a%.0s' {1..100})" \
		--expect '(.*)(.*)(.*)\3\2\1x' "127.0.0.1:$listen_port"
	[ "$(ms_since "$t0")" -lt 5000 ]
	assert_stderr_contains "'\\3' at offset 12 is a backreference"
	assert_stderr_contains "exponential"
	[ "${#stderr_lines[@]}" -ge 1 ]
}

@test "a match that cannot end in time is expect-failed within -t" {
	local big
	big=$(head -c 60000 /dev/zero | tr '\0' a)
	start_listener es "$SOCKCTL" echo-server 0
	local t0=$EPOCHREALTIME
	# glibc's regexec() took 4.6 s here, and longer for 64 KB
	sc 10 -v -t 1s connect --send "$big" --expect '(.*a){20}x' \
		"127.0.0.1:$listen_port"
	[ "$(ms_since "$t0")" -lt 5000 ]
	assert_stderr_contains "expect-failed"
	# glibc's matcher is cut off; musl's (TRE, no backtracking) ends in
	# time and finds no match: either way -t holds and the cause says so
	[[ "$stderr" == *"matching 60000 bytes did not end within the time limit"* ||
	   "$stderr" == *"did not match /(.*a){20}x/ within 1000 ms"* ]]
	# a cut-off match says so, never "did not match"
	if [[ "$stderr" == *"did not end within the time limit"* ]]; then
		assert_stderr_contains "cut off at the time limit (1000 ms): the pattern is too costly"
		[[ "$stderr" != *"did not match"* ]]
		run --separate-stderr "$SOCKCTL" --json -t 1s connect --send "$big" \
			--expect '(.*a){20}x' "127.0.0.1:$listen_port"
		[[ "$output" == *'"reason":"expect-failed"'* && "$output" == *"cut off"* ]]
	fi
}

# jfield PORT KEY: KEY of the --json result (in $output) for port PORT.
jfield() {
	python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["port"] == int(sys.argv[1]):
        print(r[sys.argv[2]])
' "$1" "$2" <<<"$output"
}

@test "a costly match holds up no other target and leaves no child behind" {
	require_python
	local big slow quick pid t0
	big=$(head -c 60000 /dev/zero | tr '\0' a)
	start_listener es "$SOCKCTL" echo-server 0
	slow=$listen_port
	# the other target answers 300 ms after the request: while the first
	# target's match runs (it ran in the loop, and held this up to -t)
	PY_DELAY=0.3 PY_REPLY="$(printf 'a%.0s' {1..20})x" \
		py_listener quick 127.0.0.1 reply
	quick=$listen_port
	# a targets file in this test's own directory names this run
	printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$slow" "$quick" >"$T/targets"
	t0=$EPOCHREALTIME
	sc 10 --json -v -t 2s connect --send "$big" --expect '(.*a){20}x' \
		--targets "$T/targets"
	# the run is bounded by -t, with a margin for a slow machine
	[ "$(ms_since "$t0")" -lt 4500 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jfield "$quick" reason)" = ok ]
	# its own measurement: done long before the other's match was cut off
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < 1000)' \
		"$(jfield "$quick" elapsed_ms)"
	[ "$(jfield "$slow" reason)" = expect-failed ]
	# glibc's matcher is cut off at -t (musl's ends in time, no match)
	[[ "$(jfield "$slow" message)" == *"cut off at the time limit (2000 ms)"* ||
	   "$(jfield "$slow" message)" == *"did not match"* ]]
	# the match ran in a child, which is gone (killed, or done) and reaped:
	# nothing of this run is left
	[[ "$stderr" =~ "expect: matching 60000 bytes in child pid "([0-9]+) ]]
	pid=${BASH_REMATCH[1]}
	run ! kill -0 "$pid"
	run pgrep -f -- "$T/targets"
	[ "$status" -eq 1 ]
}

@test "an ordinary pattern still matches a long reply" {
	local big
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	start_listener es "$SOCKCTL" echo-server 0
	sc 0 -t 5s connect --send "${big}HTTP/1.1 200 ok" \
		--expect 'HTTP/1\.[01] 200' "127.0.0.1:$listen_port"
	sc 10 -t 1s connect --send "$big" --expect '^b' "127.0.0.1:$listen_port"
	assert_stderr_contains "did not match /^b/"
}

@test "a long literal pattern is not refused as too many repeats" {
	local x alt
	x=$(head -c 2100 /dev/zero | tr '\0' x)
	alt=$(printf 'a|%.0s' {1..1500})b
	start_listener es "$SOCKCTL" echo-server 0
	sc 0 -t 5s connect --send "$x" --expect "$x" "127.0.0.1:$listen_port"
	sc 0 -t 5s connect --send "b" --expect "$alt" "127.0.0.1:$listen_port"
	# what repeats copy is still counted
	sc 2 connect --expect 'a{3000}' 127.0.0.1:1
	assert_stderr_contains "more than 2048 copies"
}

# no_raw_bytes: neither stdout nor stderr of the last sc holds an ESC, a
# 0xff byte or a BOM (they are written as \xNN).
no_raw_bytes() {
	if printf '%s%s' "$output" "$stderr" | LC_ALL=C grep -q $'\x1b\|\xff\|\xef\xbb\xbf'; then
		{ echo "raw bytes reached the terminal:"; printf '%s\n%s\n' "$output" "$stderr" | cat -v; } >&2
		return 1
	fi
}

@test "a holder's process name with ESC and invalid UTF-8 is escaped in text, exact in JSON" {
	start_listener evil python3 "$BATS_TEST_DIRNAME/helpers/evil_name.py"
	sc 7 probe-bind "127.0.0.1:$listen_port"
	assert_stderr_contains 'held by pid'
	assert_stderr_contains '\x1b[31mevil\xff'
	no_raw_bytes
	sc 7 --json probe-bind "127.0.0.1:$listen_port"
	# still one valid JSON object, the name escaped the JSON way
	python3 -c 'import json, sys; json.loads(sys.stdin.read())' <<<"$output"
	[[ "$output" == *'\u001b[31mevil'* ]]
}

@test "hosts from a targets file with 0xff or a BOM are escaped" {
	printf '\xef\xbb\xbf127.0.0.1:1\n' >"$T/bom"
	sc 2 connect --targets "$T/bom"
	assert_stderr_contains "'\\xef\\xbb\\xbf127.0.0.1'"
	no_raw_bytes
	printf '\xff\x1b[31mx:1\n' >"$T/ff"
	sc 2 connect --targets "$T/ff"
	assert_stderr_contains '\xff\x1b[31mx'
	no_raw_bytes
}

@test "a peer reply with ESC is escaped in the expect-failed message" {
	start_listener es "$SOCKCTL" echo-server 0
	sc 10 -t 1s connect --send '\x1b[2J\xffhi' --expect '^nomatch' \
		"127.0.0.1:$listen_port"
	assert_stderr_contains '\x1b[2J\xffhi'
	no_raw_bytes
}

@test "-q: a usage error is one line on stderr" {
	sc 2 -q connect --expect '(' 127.0.0.1:1
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	sc 2 -q bogus
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	assert_stderr_contains "unknown command 'bogus'"
	sc 2 -q
	[ "${#stderr_lines[@]}" -eq 1 ]
	# without -q the usage still follows
	sc 2 bogus
	[ "${#stderr_lines[@]}" -gt 5 ]
}

@test "-q: a server keeps its listening line, and nothing else" {
	start_listener es "$SOCKCTL" -q echo-server --once 0
	sc 0 connect --send hi --expect hi "127.0.0.1:$listen_port"
	local i
	for ((i = 0; i < 250; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.02
	done
	run ! kill -0 "$bg_pid"
	[ "$(wc -l <"$T/es.out")" -eq 1 ]
	grep -q '^listening on 127.0.0.1:' "$T/es.out"
	[ ! -s "$T/es.err" ]
}

@test "-q: probe-bind --hold keeps its holding line, and nothing else" {
	local i
	start_listener hold "$SOCKCTL" -q probe-bind --hold 1s 127.0.0.1:0
	for ((i = 0; i < 250; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.02
	done
	[ "$(wc -l <"$T/hold.out")" -eq 1 ]
	grep -q '^holding 127.0.0.1:' "$T/hold.out"
	[ ! -s "$T/hold.err" ]
}
