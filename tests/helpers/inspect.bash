# The inspect tests' troubled peers (tests/helpers/inspect_peer.py): load
# with `load helpers/inspect` after helpers/common.

PEER=$BATS_TEST_DIRNAME/helpers/inspect_peer.py

# child_of PID: the one child of PID (the process under timeout(1)).
child_of() {
	ps -o pid= --ppid "$1" | tr -d ' ' | head -n 1
}

# peer NAME ARGS...: the python helper in the background, up (bounded);
# sets bg_pid (what to stop), peer_pid (the python process itself) and,
# for a TCP listener, listen_port.
peer() {
	local name=$1
	shift
	start_bg "$name" timeout -k 5 60 python3 "$PEER" "$@"
	wait_line "$name" '^(listening on|ready)' || return 1
	if [[ $wait_match == "listening on "*:* ]]; then
		listen_port=${wait_match##*:}
	fi
	peer_pid=$(child_of "$bg_pid")
}
