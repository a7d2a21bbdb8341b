#!/usr/bin/env bats
# inspect and Unix sockets beyond a PATH target: --pid and the whole
# machine see them too, and a listener whose file is gone is a finding.
# Every socket is made here, in the test's own temp directory.
load helpers/common
load helpers/connect
load helpers/inspect

# leaking_unix_server: a Unix server that never closes, 3 clients gone.
leaking_unix_server() {
	path=$BATS_TEST_TMPDIR/leak.sock
	peer srv leak "$path"
	srv=$peer_pid
	peer cl clients "$path" 0 3 close
}

@test "--pid of a Unix server that leaks is close-wait-leak on its path" {
	require_python
	leaking_unix_server
	sc 13 inspect --sample 300ms --pid "$srv"
	assert_stderr_contains "close: close-wait-leak"
	assert_stderr_contains "pid $srv (python3, user"
	assert_stderr_contains "holds 3 connections on unix $path"
	assert_output --partial "unix $path listening"
	sc 13 --json inspect --sample 300ms --pid "$srv"
	assert_line --index 0 --partial '"reason":"close-wait-leak"'
	assert_line --index 0 --partial '"family":"unix"'
	assert_line --index 0 --partial '"count":3'
	assert_line --index 1 --partial '"unix":4'
}

@test "the whole machine sees a Unix server that leaks" {
	require_python
	leaking_unix_server
	sc 13 --json inspect --sample 300ms
	run jq -s -e --argjson p "$srv" --arg path "$path" \
		'any(.[]; .reason == "close-wait-leak" and .pid == $p and .local == $path and .count == 3)' <<<"$output"
	[ "$status" -eq 0 ]
}

@test "--pid of a Unix listener with a full queue is accept-queue-full" {
	require_python
	local path=$BATS_TEST_TMPDIR/full.sock
	peer srv nonaccept "$path" 1
	local srv=$peer_pid
	peer cl clients "$path" 0 4
	sc 13 inspect --sample 200ms --pid "$srv"
	assert_stderr_contains "accept: accept-queue-full"
	assert_stderr_contains "the listener on unix $path of pid $srv (python3"
}

@test "a Unix listener whose directory was moved away is socket-file-gone naming the process, and a file put in its place too" {
	require_python
	mkdir "$BATS_TEST_TMPDIR/run"
	local path=$BATS_TEST_TMPDIR/run/app.sock
	peer srv leak "$path"
	local srv=$peer_pid
	sc 0 inspect --sample 0 "$path"
	mv "$BATS_TEST_TMPDIR/run" "$BATS_TEST_TMPDIR/moved"
	sc 13 inspect --sample 0 "$path"
	assert_stderr_contains "listen: socket-file-gone"
	assert_stderr_contains "pid $srv (python3, user"
	assert_stderr_contains "nothing is at that path any more"
	sc 13 inspect --sample 200ms --pid "$srv"
	assert_stderr_contains "listen: socket-file-gone"
	mkdir "$BATS_TEST_TMPDIR/run"
	: >"$path"
	sc 13 --json inspect --sample 0 "$path"
	assert_line --index 0 --partial '"reason":"socket-file-gone"'
	assert_line --index 0 --partial "\"pid\":$srv,"
	assert_line --index 0 --partial 'a regular file'
	sc 13 --openmetrics inspect --sample 0 "$path"
	[[ $output == *"sockctl_finding{"*"reason=\"socket-file-gone\",pid=\"$srv\",local=\"$path\"} 1"* ]]
	[ "${lines[-1]}" = "# EOF" ]
	# the whole machine judges it too
	sc 13 --json inspect --sample 0
	run jq -s -e --argjson p "$srv" --arg l "$path" \
		'any(.[]; .reason == "socket-file-gone" and .pid == $p and .local == $l)' <<<"$output"
	[ "$status" -eq 0 ]
	# moved back: healthy again
	rm -r "$BATS_TEST_TMPDIR/run"
	mv "$BATS_TEST_TMPDIR/moved" "$BATS_TEST_TMPDIR/run"
	sc 0 inspect --sample 0 "$path"
}
