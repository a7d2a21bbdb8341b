# The Unix socket files' shared setup (tests/unix.bats, unix-paths.bats):
# load with `load helpers/unix` after helpers/common. Each test gets a
# fresh directory $D, removed in teardown with everything it started.

UNIX_PY=$BATS_TEST_DIRNAME/helpers/unix_sock.py

setup() {
	D=$(mktemp -d "${TMPDIR:-/tmp}/sockctl-unix.XXXXXX")
}

teardown() {
	stop_all_bg
	rm -rf "$D"
}

# sock_up NAME MODE PATH [ARG]: starts unix_sock.py and waits for "ready".
sock_up() {
	local name=$1
	shift
	start_bg "$name" python3 "$UNIX_PY" "$@"
	wait_line "$name" '^ready'
}

# as_nobody EXIT ARGS...: sockctl as uid/gid 65534, no other groups.
as_nobody() {
	local want=$1
	shift
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKCTL" "$@"
	[ "$status" -eq "$want" ] || { echo "exit $status, expected $want"; echo "$stderr"; return 1; }
}

# open_dir: $D reachable by nobody (mktemp and BATS make 0700 directories).
open_dir() {
	chmod 0755 "$D"
	local p=$D
	while p=$(dirname "$p") && [ "$p" != / ]; do
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$p" ||
			skip "$p is not searchable by nobody"
	done
}
