#!/usr/bin/env bats
# The command line as a whole: global options, help, usage errors, colour.
load helpers/common

@test "no command prints the usage to stderr and exits 2" {
	sc 2
	[ -z "$output" ]
	assert_stderr_contains "usage: sockctl"
}

@test "an unknown command exits 2 and names it" {
	sc 2 frobnicate
	assert_stderr_contains "unknown command 'frobnicate'"
}

@test "--version prints the version" {
	sc 0 --version
	assert_output --regexp '^sockctl [0-9]+\.[0-9]+'
}

@test "--help lists every command of the SPEC" {
	sc 0 --help
	for c in probe-bind probe-connect connect echo-server udp-echo probe-udp explain; do
		assert_output --partial "  $c "
	done
}

@test "help CMD and CMD --help print the same text" {
	sc 0 help probe-bind
	local a=$output
	sc 0 probe-bind --help
	[ "$a" = "$output" ]
	assert_output --partial "usage: sockctl probe-bind"
}

@test "help of an unknown command exits 2" {
	sc 2 help nope
	assert_stderr_contains "'nope'"
}

@test "an unknown global option exits 2 and names it" {
	sc 2 --frob probe-bind 0
	assert_stderr_contains "unknown option '--frob'"
}

@test "a bad --timeout names the option and the value" {
	sc 2 --timeout 5x probe-bind 0
	assert_stderr_contains "invalid duration '5x' for --timeout"
	sc 2 -t -1 probe-bind 0
	assert_stderr_contains "'-1' for --timeout"
	sc 2 --timeout 0 probe-bind 0
	assert_stderr_contains "--timeout must be more than 0"
	sc 2 --timeout 9999h probe-bind 0
	assert_stderr_contains "out of range"
}

@test "--timeout= and -tVALUE forms are accepted" {
	sc 0 --timeout=250ms probe-bind 127.0.0.1:0
	sc 0 -t1.5s probe-bind 127.0.0.1:0
}

@test "-4 and -6 together are a usage error" {
	sc 2 -4 -6 probe-bind 0
	assert_stderr_contains "-4 and -6"
}

@test "a bad --color value is named" {
	sc 2 --color sometimes probe-bind 0
	assert_stderr_contains "'sometimes' for --color"
}

@test "--color always colours the failure slug; never and NO_COLOR do not" {
	sc 9 --color always probe-bind 203.0.113.9:0
	[[ "$stderr" == *$'\e[1;31maddress-not-available'* ]]
	sc 9 --color never probe-bind 203.0.113.9:0
	[[ "$stderr" != *$'\e['* ]]
	NO_COLOR=1 run --separate-stderr "$SOCKCTL" probe-bind 203.0.113.9:0
	[[ "$stderr" != *$'\e['* ]]
}

@test "output to a pipe has no colour by default" {
	sc 9 probe-bind 203.0.113.9:0
	[[ "$stderr" != *$'\e['* ]]
}

@test "--json puts nothing but JSON lines on stdout" {
	sc 0 --json probe-bind 0
	while IFS= read -r l; do
		[[ "$l" == "{"*"}" ]]
	done <<<"$output"
}

@test "a failure's text form carries target, stage, slug, errno name, cause and fix" {
	sc 9 probe-bind 203.0.113.9:0
	assert_stderr_contains "sockctl: probe-bind 203.0.113.9:0: bind: address-not-available (EADDRNOTAVAIL)"
	assert_stderr_contains "  cause: "
	assert_stderr_contains "  fix:   "
}

@test "a failure's block reaches stderr in one write, so parallel jobs' blocks do not interleave" {
	command -v strace >/dev/null 2>&1 || skip "needs strace to count the writes"
	# LeakSanitizer cannot run under ptrace (make sanitize)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	run strace -qq -s 4096 -e trace=write,writev -e signal=none -o "$BATS_TEST_TMPDIR/trace" \
		"$SOCKCTL" probe-bind 203.0.113.9:0
	[ "$status" -eq 9 ]
	# the summary, cause and fix lines, all in the one write to fd 2
	# (musl's stdio writes with writev)
	run grep -cE '^writev?\(2, ' "$BATS_TEST_TMPDIR/trace"
	assert_output 1
	run grep -E '^writev?\(2, ' "$BATS_TEST_TMPDIR/trace"
	assert_output --partial 'address-not-available (EADDRNOTAVAIL)\n  cause: '
}

@test "a command's options may stand before its name: connect --wait" {
	# a closed port: --wait (given before the command) makes it retry
	sc 0 --json probe-bind 127.0.0.1:0
	local port
	port=$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$output")
	sc 4 --wait 1s --interval 200ms connect 127.0.0.1 "$port"
	assert_stderr_contains "still failing when --wait ran out"
	sc 4 --wait 1s -t 1s --interval 200ms connect "127.0.0.1:$port"
	assert_stderr_contains "still failing when --wait ran out"
}

@test "a command's options may stand before its name: probe-bind --udp" {
	sc 0 --json --udp probe-bind 127.0.0.1:0
	assert_output --partial '"proto":"udp"'
	sc 0 --udp --json probe-bind 127.0.0.1 0
	assert_output --partial '"proto":"udp"'
}

@test "a command's options may stand before its name: echo-server --upper --count" {
	start_listener srv "$SOCKCTL" --upper --count 1 echo-server 0
	sc 0 connect --send 'hi\n' --expect '^HI$' "$listen_addr"
	local i
	for ((i = 0; i < 250; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.02
	done
	run ! kill -0 "$bg_pid"
	grep -q '^summary: 1 client' "$BATS_TEST_TMPDIR/srv.out"
}

@test "an option before the command that the command does not take names it" {
	sc 2 --udp connect 127.0.0.1:1
	assert_stderr_contains "probe-connect: unknown option '--udp'"
	sc 2 --upper probe-bind 0
	assert_stderr_contains "probe-bind: unknown option '--upper'"
	sc 2 --wait 3s
	assert_stderr_contains "unknown option '--wait'"
	[ -z "$output" ]
}

@test "-q after a bad option: the usage error is still one line on stderr" {
	local a
	for a in "connect --bogus -q" "connect --bogus --quiet" "connect --bogus -vq" \
	    "--bogus connect -q" "probe-bind -j 2 -q" "echo-server --nope -q 0" \
	    "connect -t 5x -q"; do
		# shellcheck disable=SC2086
		sc 2 $a 127.0.0.1:1
		[ -z "$output" ]
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "sockctl $a: ${#stderr_lines[@]} lines" >&2; false; }
	done
	# a -q that is the value of an option is no -q
	sc 2 connect --send -q --bogus 127.0.0.1:1
	[ "${#stderr_lines[@]}" -eq 2 ]
}

@test "-q and -v together are a usage error, not a trace under -q" {
	sc 2 -q -v connect 127.0.0.1:1
	assert_stderr_contains "-q and -v exclude each other"
	[ "${#stderr_lines[@]}" -eq 1 ]
	sc 2 connect -q --trace 127.0.0.1:1
	assert_stderr_contains "-q and -v exclude each other"
}
