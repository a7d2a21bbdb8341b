# Helpers of the server tests (echo-server, udp-echo, probe-udp):
# load with `load helpers/servers` after helpers/common.

# build_echo_client: sets ECHO_CLIENT to the test client, building it into
# the file's temporary directory unless ECHO_CLIENT names a built one.
build_echo_client() {
	if [ -n "${ECHO_CLIENT:-}" ] && [ -x "$ECHO_CLIENT" ]; then
		export ECHO_CLIENT
		return 0
	fi
	ECHO_CLIENT=$BATS_FILE_TMPDIR/echo_client
	"${CC:-cc}" -std=c11 -D_GNU_SOURCE -O2 -o "$ECHO_CLIENT" \
		"$BATS_TEST_DIRNAME/helpers/echo_client.c" || return 1
	export ECHO_CLIENT
}

# ec ARGS...: runs the test client against 127.0.0.1 $listen_port with
# `run`, keeping stderr apart.
ec() {
	run --separate-stderr "$ECHO_CLIENT" "$@" 127.0.0.1 "$listen_port"
}

# start_json_listener NAME CMD...: start_bg, then waits for the JSON
# "listening" event; sets bg_pid, listen_port.
start_json_listener() {
	local name=$1
	start_bg "$@"
	wait_line "$name" '"event":"listening"' || return 1
	listen_port=$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$wait_match")
}

# rss_kb PID: the resident set of PID in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# wait_exit PID [SECONDS]: waits (bounded, default 10 s) for PID to exit
# and sets exit_status; fails when it is still running.
wait_exit() {
	local pid=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 50; i++)); do
		# a child that exited stays a zombie until waited for
		if ! kill -0 "$pid" 2>/dev/null ||
			[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
			wait "$pid"
			exit_status=$?
			return 0
		fi
		sleep 0.02
	done
	echo "process $pid still running after ${limit}s" >&2
	return 1
}

# wait_count NAME REGEX N [SECONDS]: waits (bounded, default 10 s) until N
# lines of NAME's stdout match REGEX.
wait_count() {
	local name=$1 re=$2 want=$3 limit=${4:-10} i n
	for ((i = 0; i < limit * 50; i++)); do
		n=$(grep -c -E -- "$re" "$BATS_TEST_TMPDIR/$name.out" 2>/dev/null || true)
		[ "${n:-0}" -ge "$want" ] && return 0
		sleep 0.02
	done
	echo "timed out after ${limit}s waiting for $want lines /$re/ in $name's output (have ${n:-0}):" >&2
	cat "$BATS_TEST_TMPDIR/$name.out" "$BATS_TEST_TMPDIR/$name.err" >&2
	return 1
}

# stop_pid PID: stops one background process and reaps it, whatever its
# exit status (stop_bg's `wait` trips set -e when the process dies of the
# signal).
stop_pid() {
	stop_bg "$1"
}

# jfields [KEY=VALUE] KEY...: reads JSON Lines on stdin (each line must
# parse) and prints, for each object (only those whose KEY is VALUE when
# the first argument has an '='), the values of the KEYs separated by
# spaces: null, true and false as JSON writes them. Uses python3, which
# every machine of this project has (jq may be missing).
jfields() {
	python3 -c '
import json, sys
args = sys.argv[1:]
flt = None
if args and "=" in args[0]:
    k, v = args.pop(0).split("=", 1)
    flt = (k, v)
def fmt(x):
    if x is None:
        return "null"
    if x is True:
        return "true"
    if x is False:
        return "false"
    return str(x)
for line in sys.stdin:
    o = json.loads(line)
    if flt and fmt(o.get(flt[0])) != flt[1]:
        continue
    print(" ".join(fmt(o[k]) if k in o else "MISSING:" + k for k in args))
' "$@"
}
