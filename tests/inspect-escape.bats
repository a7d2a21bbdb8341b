#!/usr/bin/env bats
# One escaping rule for every byte from outside, in all text output
# (lib/base/esc: esc_text()): a process that renames itself with terminal
# escapes and U+202E, and socket names with a newline, reach the terminal
# as \xNN; a backslash as \\, so \xNN is never the name's own text.
load helpers/common
load helpers/connect
load helpers/inspect

RENAMED=$BATS_TEST_DIRNAME/helpers/renamed.py
# the name as text: ESC ] 0 ; x BEL ESC [ 2 J, U+202E, a backslash
SHOWN='\x1b]0;x\x07\x1b[2J\xe2\x80\xae\\'

# no_raw: neither stdout nor stderr of the last sc holds ESC, BEL or
# U+202E, and no line starts with a forged "sockctl: forged".
no_raw() {
	if printf '%s%s' "$output" "$stderr" | LC_ALL=C grep -q $'\x1b\|\x07\|\xe2\x80\xae'; then
		{ echo "raw bytes reached the terminal:"; printf '%s\n%s\n' "$output" "$stderr" | cat -v; } >&2
		return 1
	fi
	if printf '%s\n%s\n' "$output" "$stderr" | grep -q '^forged'; then
		echo "a newline from outside split a line" >&2
		return 1
	fi
}

@test "a listener renamed with escapes and U+202E is escaped in inspect's summary and findings, probe-bind and --listening" {
	require_python
	start_listener ev python3 "$RENAMED" 127.0.0.1
	local port=$listen_port ev_pid=$bg_pid
	sc 0 inspect --sample 0 "$port"
	assert_output --partial "($SHOWN, user"
	no_raw
	sc 7 probe-bind "127.0.0.1:$port"
	assert_stderr_contains "$SHOWN"
	no_raw
	sc 0 inspect --listening "$port"
	assert_output --partial "($SHOWN, user"
	no_raw
	sc 0 --json inspect --sample 0 "$port"
	# JSON keeps the name exact, escaped the JSON way
	[[ $output == *'"process":"\u001b]0;x\u0007\u001b[2J'* ]]
	# a finding's cause and state lines: it never accepts, two clients wait
	peer cl clients 127.0.0.1 "$port" 2
	sc 13 inspect --sample 300ms "$port"
	assert_stderr_contains "accept: not-accepting"
	assert_stderr_contains "of pid $ev_pid ($SHOWN, user"
	assert_stderr_contains "pid $ev_pid ($SHOWN) is sleeping"
	no_raw
}

@test "a Unix path and an abstract name with a newline stay on one line in inspect, and in echo-server's log" {
	require_python
	start_bg ev python3 "$RENAMED" "$BATS_TEST_TMPDIR/a\\nforged.sock"
	wait_line ev '^listening' || return 1
	local pid
	pid=$(pgrep -n -f "$RENAMED $BATS_TEST_TMPDIR") || return 1
	sc 0 inspect --sample 0 --pid "$pid"
	assert_output --partial "unix $BATS_TEST_TMPDIR/a\\x0aforged.sock listening"
	no_raw
	# a client bound to "@x\nforged ..." connects to echo-server's path
	start_listener es "$SOCKCTL" echo-server "$BATS_TEST_TMPDIR/es.sock"
	python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX)
c.bind("\0x\nforged line")
c.connect(sys.argv[1])
c.close()' "$BATS_TEST_TMPDIR/es.sock"
	wait_line es '^close ' || return 1
	run grep -c '^forged' "$BATS_TEST_TMPDIR/es.out"
	[ "$output" = 0 ]
	grep -qF 'accept @x\x0aforged line' "$BATS_TEST_TMPDIR/es.out"
}

@test "esc: a backslash is doubled, so a name's own \\xff is not a byte" {
	require_python
	start_bg bs python3 -c '
import ctypes, signal, socket
ctypes.CDLL(None).prctl(15, b"a\\xff", 0, 0, 0)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
signal.pause()'
	wait_line bs '^listening' || return 1
	local port=${wait_match##*:}
	sc 0 inspect --sample 0 "$port"
	assert_output --partial '(a\\xff, user'
}

@test "a thread in recv() on a Unix path with a newline, ESC and a backslash: the 'pid N waits:' line stays one line, escaped" {
	require_python
	start_bg wr python3 -c '
import os, socket, sys
p = sys.argv[1] + "/w\nforged \x1b[2J\\.sock"
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(p)
a, _ = s.accept()
print("ready %d" % os.getpid(), flush=True)
a.recv(10)' "$BATS_TEST_TMPDIR"
	wait_line wr '^ready' || return 1
	local pid=${wait_match#ready } i
	# bounded: until its thread sleeps in the Unix receive
	for ((i = 0; i < 200; i++)); do
		[ "$(cat "/proc/$pid/wchan" 2>/dev/null)" = unix_stream_read_generic ] && break
		sleep 0.05
	done
	sc 0 inspect --sample 200ms --pid "$pid"
	assert_output --partial "pid $pid waits: 1 thread waits in recvfrom() on a Unix stream socket $BATS_TEST_TMPDIR/w\\x0aforged \\x1b[2J\\\\.sock"
	no_raw
}
