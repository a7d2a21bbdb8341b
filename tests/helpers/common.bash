# Shared by every bats file: load with `load helpers/common`.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

SOCKCTL=${SOCKCTL:-$BATS_TEST_DIRNAME/../build/sockctl}
# C helpers built by `make helpers` next to the binary under test
HELPERS=${HELPERS:-$(dirname "$SOCKCTL")/helpers}

# sc EXIT ARGS...: runs sockctl, asserts its exit code, and keeps stdout
# ($output, $lines) and stderr ($stderr, $stderr_lines) apart. A run that
# hangs is stopped after SC_TIMEOUT seconds (default 120), so one hang
# fails one test instead of the whole suite.
sc() {
	local want=$1
	shift
	run --separate-stderr timeout --kill-after=5 "${SC_TIMEOUT:-120}" \
		"$SOCKCTL" "$@"
	if [ "$status" -ne "$want" ]; then
		{
			echo "sockctl $*"
			if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
				echo "no exit within ${SC_TIMEOUT:-120} s: stopped by timeout"
			fi
			echo "exit $status, expected $want"
			echo "--- stdout"; echo "$output"
			echo "--- stderr"; echo "$stderr"
		} >&2
		return 1
	fi
}

# assert_stderr_contains TEXT: stderr of the last sc holds TEXT.
assert_stderr_contains() {
	if [[ "$stderr" != *"$1"* ]]; then
		{ echo "stderr lacks: $1"; echo "--- stderr"; echo "$stderr"; } >&2
		return 1
	fi
}

# start_bg NAME CMD...: starts CMD in the background with stdout in
# $BATS_TEST_TMPDIR/NAME.out and stderr in NAME.err; sets bg_pid.
start_bg() {
	local name=$1
	shift
	"$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	bg_pid=$!
	echo "$bg_pid" >>"$BATS_TEST_TMPDIR/pids"
}

# wait_line NAME REGEX [SECONDS]: waits (bounded, default 10 s) until a line
# of NAME's stdout matches REGEX; sets wait_match to that line.
wait_line() {
	local name=$1 re=$2 limit=${3:-10} i
	for ((i = 0; i < limit * 50; i++)); do
		wait_match=$(grep -m1 -E -- "$re" "$BATS_TEST_TMPDIR/$name.out" 2>/dev/null) &&
			return 0
		sleep 0.02
	done
	echo "timed out after ${limit}s waiting for /$re/ in $name's output:" >&2
	cat "$BATS_TEST_TMPDIR/$name.out" "$BATS_TEST_TMPDIR/$name.err" >&2
	return 1
}

# start_listener NAME CMD...: start_bg, then wait for "listening on A:P" or
# "bound ... A:P"; sets bg_pid, listen_addr and listen_port.
start_listener() {
	local name=$1
	start_bg "$@"
	wait_line "$name" '(listening on|holding) ' || return 1
	listen_addr=$(sed -E 's/.*(listening on|holding) ([^ ]+).*/\2/' <<<"$wait_match")
	listen_port=${listen_addr##*:}
}

# stop_bg PID: stops one background process and reaps it; one that has not
# exited 10 s after SIGTERM (e.g. stuck in a sanitizer's exit) gets SIGKILL.
stop_bg() {
	local i
	kill "$1" 2>/dev/null || true
	for ((i = 0; i < 500; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.02
	done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# Every test's background processes are stopped by PID.
stop_all_bg() {
	local p
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r p; do
		kill "$p" 2>/dev/null || true
	done <"$BATS_TEST_TMPDIR/pids"
	while read -r p; do
		stop_bg "$p"
	done <"$BATS_TEST_TMPDIR/pids"
	rm -f "$BATS_TEST_TMPDIR/pids"
}

teardown() {
	stop_all_bg
}

# require_root: skips a test that needs root, with the reason.
require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, other uids)"
}

# in_fresh_netns: true when this shell is in a network namespace with only
# a loopback interface (made by the test itself, e.g. unshare -n).
in_fresh_netns() {
	# /sys/class/net shows the host's devices under `unshare -n` unless sysfs
	# is remounted; ip asks the kernel for this namespace's own
	local n
	n=$(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -cv '^lo$')
	[ "$n" -eq 0 ]
}

# sc_gone PID EXIT ARGS...: sc with -v, in the background; once sockctl
# says its first read is done, PID is killed, so the process is gone
# before the second read whatever the load. Asserts EXIT; sets $output
# and $stderr (the -v lines kept).
sc_gone() {
	local victim=$1 want=$2 p i rc=0
	shift 2
	"$SOCKCTL" -v "$@" >"$BATS_TEST_TMPDIR/gone.out" 2>"$BATS_TEST_TMPDIR/gone.err" 3>&- &
	p=$!
	echo "$p" >>"$BATS_TEST_TMPDIR/pids"
	for ((i = 0; i < 1500; i++)); do
		grep -q 'first read done' "$BATS_TEST_TMPDIR/gone.err" && break
		kill -0 "$p" 2>/dev/null || break
		sleep 0.02
	done
	kill "$victim"
	wait "$p" || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/gone.out")
	stderr=$(cat "$BATS_TEST_TMPDIR/gone.err")
	if [ "$rc" -ne "$want" ]; then
		{ echo "sockctl -v $*"; echo "exit $rc, expected $want"; echo "--- stdout"; echo "$output"; echo "--- stderr"; echo "$stderr"; } >&2
		return 1
	fi
}
