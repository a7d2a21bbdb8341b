#!/usr/bin/env bats
# Output discipline: a result that cannot be written is never an "ok".
load helpers/common

# a port nothing listens on (probe-bind 0 gives a free one)
free_port() {
	"$SOCKCTL" --json probe-bind 127.0.0.1:0 | sed -E 's/.*"port":([0-9]+).*/\1/'
}

@test "a result written to /dev/full is exit 1 naming ENOSPC, not exit 0" {
	start_listener srv "$SOCKCTL" echo-server 0
	run --separate-stderr bash -c '"$1" --json connect "$2" >/dev/full' _ "$SOCKCTL" "$listen_addr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot write to stdout: ENOSPC"* ]]
	[[ "$stderr" == *"results are lost"* ]]
	run --separate-stderr bash -c '"$1" probe-bind 127.0.0.1:0 >/dev/full' _ "$SOCKCTL"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ENOSPC"* ]]
}

@test "with stdout closed a result is exit 1 naming EBADF, and no socket takes fd 1" {
	start_listener srv "$SOCKCTL" echo-server 0
	run --separate-stderr bash -c '"$1" --json connect "$2" >&-' _ "$SOCKCTL" "$listen_addr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot write to stdout: EBADF"* ]]
	# nothing of the result reached the server through a socket on fd 1
	wait_line srv '^close '
	[[ "$wait_match" == *": 0 bytes in, 0 out,"* ]]
}

@test "a failed probe whose JSON cannot be written is exit 1, not its own code" {
	local port
	port=$(free_port)
	run --separate-stderr bash -c '"$1" --json connect "127.0.0.1:$2" >/dev/full' _ "$SOCKCTL" "$port"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"ENOSPC"* ]]
}

@test "-q writes nothing to stdout, so a closed stdout is no error" {
	run --separate-stderr bash -c '"$1" -q probe-bind 127.0.0.1:0 >&-' _ "$SOCKCTL"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "a failed result is one write(2) on stderr, with and without -q (a sweep costs one write a target)" {
	command -v strace >/dev/null || skip "needs strace"
	# LeakSanitizer cannot run under ptrace
	if grep -qa __asan_init "$SOCKCTL"; then
		skip "a sanitized build cannot run under strace"
	fi
	local p1 p2 p3 q
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	for q in "" -q; do
		# shellcheck disable=SC2086 # -q or nothing
		run strace -f -e trace=write,writev -o "$BATS_TEST_TMPDIR/st" "$SOCKCTL" $q \
			connect "127.0.0.1:$p1" "127.0.0.1:$p2" "127.0.0.1:$p3"
		[ "$status" -eq 4 ]
		# (musl's stdio writes with writev)
		[ "$(grep -c '^[0-9]* *writev\{0,1\}(2,' "$BATS_TEST_TMPDIR/st")" -eq 3 ]
	done
}
