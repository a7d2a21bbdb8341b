#!/usr/bin/env bats
# peer-not-reading, from the sender's side: its window closed (the persist
# timer, or a window below one segment) and its fix worded by what the
# sender does: blocked in send() or an event loop that queues.
load helpers/common
load helpers/connect
load helpers/inspect

# wchan_is PID NAME: a thread of PID sleeps in NAME (bounded wait).
wchan_is() {
	local i t
	for ((i = 0; i < 100; i++)); do
		for t in /proc/"$1"/task/*/wchan; do
			[ "$(cat "$t" 2>/dev/null)" = "$2" ] && return 0
		done
		sleep 0.05
	done
	echo "no thread of $1 in $2" >&2
	return 1
}

@test "a sender blocked in send() to a peer that never reads: the persist timer judged, the fix a write timeout" {
	require_python
	peer srv noread
	peer snd sender 127.0.0.1 "$listen_port" block
	local snd=$peer_pid
	wchan_is "$snd" wait_woken
	sc 13 inspect --sample 300ms "$listen_port"
	assert_stderr_contains "send: peer-not-reading"
	assert_stderr_contains "pid $snd (python3"
	[[ $stderr == *"receive window is 0"* || $stderr == *"less than one segment"* ]]
	assert_stderr_contains "pid $snd (python3) is blocked in send()"
	assert_stderr_contains "SO_SNDTIMEO"
}

@test "an event-loop sender to a peer that never reads: it queues, the fix bounds its buffer" {
	require_python
	peer srv noread
	peer snd sender 127.0.0.1 "$listen_port" loop
	local snd=$peer_pid
	sc 13 inspect --sample 300ms "$listen_port"
	assert_stderr_contains "send: peer-not-reading"
	assert_stderr_contains "pid $snd (python3) is an event loop"
	assert_stderr_contains "client-output-buffer-limit"
	[[ $stderr != *"is blocked in send()"* ]]
}
