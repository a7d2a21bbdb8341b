#!/usr/bin/env bats
# inspect as another user: what it may not read is said, never guessed.
# Root starts the processes; sockctl runs as nobody (setpriv). Root only.
load helpers/common
load helpers/connect
load helpers/inspect

# as_nobody EXIT ARGS...: sc as uid 65534, no groups.
as_nobody() {
	local want=$1
	shift
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	run --separate-stderr timeout -k 5 60 setpriv --reuid=65534 \
		--regid=65534 --clear-groups "$SOCKCTL" "$@"
	if [ "$status" -ne "$want" ]; then
		echo "as nobody: sockctl $*: exit $status, expected $want" >&2
		echo "--- stdout"; echo "$output"; echo "--- stderr"; echo "$stderr"
		return 1
	fi
}

@test "as nobody, --pid of root's leaking server says what it may not read and exits 8, never 0" {
	require_root
	require_python
	peer srv leak
	local srv=$peer_pid
	peer cl clients 127.0.0.1 "$listen_port" 3 close
	as_nobody 8 inspect --sample 0 --pid "$srv"
	assert_stderr_contains "permission-denied"
	assert_stderr_contains "pid $srv (python3, user root) may not be read by this user"
	assert_stderr_contains "sudo sockctl inspect --pid $srv"
	as_nobody 8 --json inspect --sample 0 --pid "$srv"
	assert_line --index 0 --partial '"reason":"permission-denied"'
	# root sees it
	sc 13 inspect --sample 200ms --pid "$srv"
	assert_stderr_contains "close-wait-leak"
}

@test "as nobody, root's leak is hidden from this user, and the clients' closed sockets belong to no process" {
	require_root
	require_python
	peer srv leak
	peer cl clients 127.0.0.1 "$listen_port" 3 close
	as_nobody 13 inspect --sample 200ms "$listen_port"
	assert_stderr_contains "close-wait-leak"
	assert_stderr_contains "a process of uid 0 (root; run as root to name it)"
	# the clients' FIN_WAIT2 sockets: closed, no process holds them
	assert_output --partial "no process (closed sockets the kernel finishes): FIN_WAIT2 3"
	run ! grep -E 'uid 0 .*FIN_WAIT2' <<<"$output"
}

@test "as nobody, root's server that does not accept is not-accepting, its process and state hidden, root named as who would see them" {
	require_root
	require_python
	peer srv nonaccept 127.0.0.1 64
	peer cl clients 127.0.0.1 "$listen_port" 2
	as_nobody 13 inspect --sample 300ms "$listen_port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "a process of uid 0 (root; run as root to name it)"
	assert_stderr_contains "its state is too: root would see both"
	assert_stderr_contains "sudo sockctl inspect 127.0.0.1:$listen_port"
}

@test "--pid of a process that exits during the sample says so and exits 1" {
	require_python
	peer srv leak
	local srv=$peer_pid
	sc_gone "$srv" 1 inspect --sample 2s --pid "$srv"
	assert_stderr_contains "pid $srv exited during the sample"
}

@test "a name the resolver never answers is dns-failure, exit 3" {
	require_root
	silent_dns_run 3 inspect -t 1s db.example:80
	[[ $stderr == *"resolve: dns-failure"* ]]
}
