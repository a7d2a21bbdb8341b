#!/usr/bin/env bats
# valgrind memcheck over the commands: zero errors, nothing definitely or
# indirectly lost. Skips when valgrind is missing or the binary is
# sanitized (ASan and valgrind do not mix).
load helpers/common

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if nm "$SOCKCTL" 2>/dev/null | grep -q __asan_init; then
		skip "the binary under test is built with ASan"
	fi
}

# vg EXIT ARGS...: sockctl under memcheck must exit EXIT with a clean report.
vg() {
	local want=$1
	shift
	run --separate-stderr valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$SOCKCTL" "$@"
	if [ "$status" -ne "$want" ]; then
		{ echo "exit $status, expected $want"; echo "$stderr"; } >&2
		return 1
	fi
	if grep -q '^==[0-9]*==' <<<"$stderr"; then
		{ echo "valgrind reported:"; echo "$stderr"; } >&2
		return 1
	fi
}

@test "valgrind: probe-bind success on both wildcards" {
	vg 0 probe-bind 0
}

@test "valgrind: probe-bind port-in-use with owners, text and JSON" {
	start_listener h "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	vg 7 probe-bind "127.0.0.1:$listen_port"
	vg 7 --json probe-bind "127.0.0.1:$listen_port"
}

@test "valgrind: probe-bind address-not-available and a name that resolves" {
	vg 9 probe-bind 203.0.113.7:0
	vg 0 probe-bind localhost 0
}

@test "valgrind: explain, every row" {
	vg 0 explain --list
	vg 0 --json explain ECONNREFUSED
	vg 2 explain EBOGUS
}

@test "valgrind: usage errors" {
	vg 2 probe-bind 70000
	vg 2 --timeout 5x probe-bind 0
}
