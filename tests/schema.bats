#!/usr/bin/env bats
# docs/sockctl.schema.json holds every object sockctl prints with --json:
# real output of every command, success and failure paths, is checked
# against it with python3-jsonschema (draft 2020-12).
load helpers/common
load helpers/py

setup() {
	require_py jsonschema python3-jsonschema
	J=$BATS_TEST_TMPDIR/json
	: >"$J"
}

# keep EXIT ARGS...: sc, then the JSON lines of stdout appended to $J.
keep() {
	sc "$@"
	[ -n "$output" ] || { echo "no JSON from sockctl ${*:2}" >&2; return 1; }
	printf '%s\n' "$output" >>"$J"
}

# free_port: a loopback port nothing listens on now (sets free_port).
free_port() {
	start_listener gone "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	free_port=$listen_port
	stop_bg "$bg_pid"
}

@test "the schema is valid draft 2020-12 and refuses what sockctl never prints" {
	local ok='{"command":"probe-bind","target":"127.0.0.1:1","ok":true,"reason":"ok","exit_code":0,"stage":null,"errno":null,"message":"m","hint":null,"address":"127.0.0.1","port":1,"family":"ipv4","elapsed_ms":0.1,"proto":"tcp","owners":null}'
	echo "$ok" >"$J"
	schema_ok "$J"
	# an unknown reason, a reason whose exit code is another's, an unknown
	# family, a missing key, a key nobody prints, an unknown event
	local bad
	for bad in 's/"reason":"ok"/"reason":"unhealthy"/' \
		's/"exit_code":0/"exit_code":4/' \
		's/"ok":true/"ok":false/' \
		's/"ipv4"/"ipx"/' \
		's/"hint":null,//' \
		's/"owners":null/"owners":null,"extra":1/' \
		's/.*/{"event":"opened","command":"echo-server"}/'; do
		sed -e "$bad" <<<"$ok" >"$J"
		run "$PY" "$BATS_TEST_DIRNAME/helpers/schema_check.py" "$SCHEMA" "$J"
		[ "$status" -eq 1 ] || { echo "accepted ($bad): $(cat "$J")" >&2; return 1; }
	done
}

@test "probe-bind: success, bare port, port-in-use with owners, UDP, unknown address, DNS failure, --hold" {
	keep 0 --json probe-bind 127.0.0.1:0
	keep 0 --json probe-bind 0
	keep 0 --json probe-bind --udp 127.0.0.1:0
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	keep 7 --json probe-bind "127.0.0.1:$listen_port"
	grep -q '"owners":\[{' "$J"
	# TEST-NET-3: assigned to no interface here
	keep 9 --json probe-bind 203.0.113.7:0
	keep 3 --json probe-bind a..b:80
	keep 0 --json probe-bind --hold 100ms 127.0.0.1:0
	grep -q '"event":"holding"' "$J"
	schema_ok "$J"
}

@test "probe-connect: success with --send/--expect, refused, expect-failed, DNS failure, --all, several targets" {
	free_port
	start_listener echo "$SOCKCTL" echo-server 127.0.0.1:0
	keep 0 --json connect --send 'ping\n' --expect ping "127.0.0.1:$listen_port"
	grep -q '"reply":' "$J"
	keep 10 --json -t 1s connect --send 'ping\n' --expect '^pong' "127.0.0.1:$listen_port"
	keep 4 --json connect "127.0.0.1:$free_port"
	keep 3 --json connect a..b:80
	keep 0 --json connect --all "localhost:$listen_port"
	keep 4 --json connect "127.0.0.1:$listen_port" "127.0.0.1:$free_port" a..b:80
	schema_ok "$J"
}

@test "probe-udp: echoed, refused, DNS failure" {
	start_listener udp "$SOCKCTL" udp-echo 127.0.0.1:0
	keep 0 --json probe-udp -c 2 --interval 10ms 127.0.0.1 "$listen_port"
	stop_bg "$bg_pid"
	keep 4 --json -t 500ms probe-udp -c 1 127.0.0.1 "$listen_port"
	keep 3 --json probe-udp a..b 53
	schema_ok "$J"
}

@test "explain: every row of --list, an errno by name and number, a getaddrinfo code" {
	keep 0 --json explain --list
	keep 0 --json explain ECONNREFUSED
	keep 0 --json explain 98
	keep 0 --json explain EAI_NONAME
	[ "$(wc -l <"$J")" -gt 20 ]
	schema_ok "$J"
}

@test "echo-server: listening, accept, close and summary events; a server that cannot start" {
	start_bg es "$SOCKCTL" --json echo-server --once 127.0.0.1:0
	wait_line es '"event":"listening"'
	local port
	port=$(sed -nE 's/.*"port":([0-9]+).*/\1/p' <<<"$wait_match")
	sc 0 connect --send 'hi\n' --expect hi "127.0.0.1:$port"
	wait_line es '"event":"summary"'
	cat "$BATS_TEST_TMPDIR/es.out" >>"$J"
	grep -q '"event":"accept"' "$J"
	grep -q '"event":"close"' "$J"
	# the port is taken: the server's failure is a result like probe-bind's
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	keep 7 --json echo-server "127.0.0.1:$listen_port"
	keep 3 --json echo-server a..b:0
	schema_ok "$J"
}

@test "udp-echo: listening and summary events; a port in use" {
	start_bg ue "$SOCKCTL" --json udp-echo --count 1 127.0.0.1:0
	wait_line ue '"event":"listening"'
	local port
	port=$(sed -nE 's/.*"port":([0-9]+).*/\1/p' <<<"$wait_match")
	sc 0 probe-udp -c 1 127.0.0.1 "$port"
	wait_line ue '"event":"summary"'
	cat "$BATS_TEST_TMPDIR/ue.out" >>"$J"
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 30s 127.0.0.1:0
	keep 7 --json udp-echo "127.0.0.1:$listen_port"
	schema_ok "$J"
}

@test "a server's dropped-lines event (stdout not read) is in the schema" {
	# what lib/logq writes when a reader comes back after lines were lost
	echo '{"event":"dropped","command":"echo-server","log_dropped":12}' >"$J"
	schema_ok "$J"
}

@test "inspect: a finding (close-wait-leak) and the summary; a healthy port's summary" {
	local peer=$BATS_TEST_DIRNAME/helpers/inspect_peer.py
	start_bg srv timeout -k 5 60 python3 "$peer" leak
	wait_line srv '^listening on'
	local port=${wait_match##*:}
	start_bg cl timeout -k 5 60 python3 "$peer" clients 127.0.0.1 "$port" 2 close
	wait_line cl '^ready'
	keep 13 --json inspect --sample 200ms "$port"
	grep -q '"reason":"close-wait-leak"' "$J"
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	keep 0 --json inspect --sample 0 "$listen_port"
	schema_ok "$J"
}

@test "inspect: not-accepting, --listening's listener events, and what it could not judge" {
	local peer=$BATS_TEST_DIRNAME/helpers/inspect_peer.py
	start_bg srv timeout -k 5 60 python3 "$peer" nonaccept 127.0.0.1 64
	wait_line srv '^listening on'
	local port=${wait_match##*:}
	start_bg cl timeout -k 5 60 python3 "$peer" clients 127.0.0.1 "$port" 2
	wait_line cl '^ready'
	keep 13 --json inspect --sample 200ms "$port"
	grep -q '"reason":"not-accepting"' "$J"
	start_bg u timeout -k 5 60 python3 "$peer" leak "$BATS_TEST_TMPDIR/l.sock"
	wait_line u '^listening on'
	keep 0 --json inspect --listening "$port" "$BATS_TEST_TMPDIR/l.sock"
	grep -q '"event":"listener","command":"inspect","proto":"unix"' "$J"
	# a --pid that is gone by the last read
	start_bg gone sleep 60
	local gone=$bg_pid
	sc_gone "$gone" 1 --json inspect --sample 1s --pid "$gone"
	printf '%s\n' "$output" >>"$J"
	grep -q '"reason":"error"' "$J"
	schema_ok "$J"
}

@test "a usage error prints no JSON: stdout stays empty" {
	sc 2 --json probe-bind 99999
	[ -z "$output" ]
	sc 2 --json connect
	[ -z "$output" ]
	sc 2 --json explain NOSUCHERROR
	[ -z "$output" ]
}
