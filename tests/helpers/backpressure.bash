# Helpers of tests/backpressure.bats: an output nobody reads.
# Load with `load helpers/backpressure` after helpers/common and servers.

# unread_fifo NAME: makes the fifo $BATS_TEST_TMPDIR/NAME.fifo and holds it
# open read-write in this shell without reading it, so a process writing
# there fills the pipe (64 KiB) and then finds it full, never closed. Sets
# NAME_fd (e.g. out_fd) to the descriptor.
unread_fifo() {
	local name=$1 fd
	mkfifo "$BATS_TEST_TMPDIR/$name.fifo"
	exec {fd}<>"$BATS_TEST_TMPDIR/$name.fifo"
	printf -v "${name}_fd" '%s' "$fd"
}

# read_first_line NAME: reads one line from fifo NAME (bounded, 10 s), as
# a script reads a server's port; sets first_line. bash reads a pipe one
# byte at a time, so nothing after that line is taken.
read_first_line() {
	local fd_var="${1}_fd"
	first_line=
	read -r -t 10 -u "${!fd_var}" first_line || {
		echo "no line on $1 within 10 s" >&2
		return 1
	}
}

# drain_fifo NAME: once the writers of fifo NAME have exited, reads what
# it holds into $BATS_TEST_TMPDIR/NAME.drained (bounded, 10 s) and closes
# this shell's descriptors on it (the one from unread_fifo is the last
# writer: closed, cat sees the end).
drain_fifo() {
	local name=$1 fd_var="${1}_fd" r
	exec {r}<"$BATS_TEST_TMPDIR/$name.fifo"
	eval "exec ${!fd_var}>&-"
	timeout 10 cat <&"$r" >"$BATS_TEST_TMPDIR/$name.drained"
	exec {r}<&-
}

# stop_timed PID: SIGTERM to PID; waits for it (bounded, 10 s) and sets
# exit_status and stop_ms, the milliseconds it took to exit.
stop_timed() {
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$1"
	wait_exit "$1" 10 || return 1
	t1=$(date +%s%N)
	stop_ms=$(((t1 - t0) / 1000000))
	echo "stopped in $stop_ms ms, exit $exit_status"
}
