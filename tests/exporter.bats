#!/usr/bin/env bats
# exporter: /probe and /metrics over HTTP/1.1, both exposition formats,
# bad requests, -j, --allow, hostile clients, and a real Prometheus
# scraping it. One exporter (and one Prometheus) per file, on free
# loopback ports; tests that need other flags start their own.
load helpers/common
load helpers/servers
load helpers/py
load helpers/connect
load helpers/inspect

ABUSE=$BATS_TEST_DIRNAME/helpers/http_abuse.py

# ex_start DIR NAME ARGS...: an exporter with ARGS on 127.0.0.1:0, its
# output in DIR/NAME.out and .err; sets ex_pid and ex_port.
ex_start() {
	local dir=$1 name=$2 i
	shift 2
	"$SOCKCTL" exporter --listen 127.0.0.1:0 "$@" >"$dir/$name.out" \
		2>"$dir/$name.err" 3>&- &
	ex_pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q '^listening on ' "$dir/$name.out" 2>/dev/null && break
		sleep 0.02
	done
	ex_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/$name.out")
	[ -n "$ex_port" ] || { cat "$dir/$name.out" "$dir/$name.err" >&2; return 1; }
}

# A port nothing listens on (free a moment ago).
closed_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_file() {
	local d=$BATS_FILE_TMPDIR
	ex_start "$d" ex -t 2s -j 8
	echo "$ex_pid" >"$d/ex.pid"
	export EX_PORT=$ex_port
	export CLOSED_PORT=$(closed_port)
	prom_start
}

teardown_file() {
	local p
	for p in ex prom; do
		[ -f "$BATS_FILE_TMPDIR/$p.pid" ] && stop_bg "$(cat "$BATS_FILE_TMPDIR/$p.pid")"
	done
	return 0
}

# get PATH [CURL-ARGS...]: a request to the file's exporter; the body in
# $output, the headers in $BATS_TEST_TMPDIR/h, the status in $code.
get() {
	local path=$1
	shift
	run curl -sS --max-time 20 -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/body" \
		-w '%{http_code}' "$@" "http://127.0.0.1:${PORT:-$EX_PORT}$path"
	code=$output
	output=$(cat "$BATS_TEST_TMPDIR/body")
	mapfile -t lines <<<"$output"
}

ctype() {
	sed -n 's/^Content-Type: \(.*\)\r$/\1/p' "$BATS_TEST_TMPDIR/h"
}

# --- a real Prometheus (Debian's prometheus), scraping both endpoints ---

prom_start() {
	local d=$BATS_FILE_TMPDIR
	command -v prometheus >/dev/null || return 0
	PROM_PORT=$(closed_port)
	cat >"$d/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: sockctl_probe
	    metrics_path: /probe
	    params:
	      module: [connect]
	    static_configs:
	      - targets: ['127.0.0.1:$EX_PORT', '127.0.0.1:$CLOSED_PORT']
	    relabel_configs:
	      - source_labels: [__address__]
	        target_label: __param_target
	      - source_labels: [__param_target]
	        target_label: instance
	      - target_label: __address__
	        replacement: 127.0.0.1:$EX_PORT
	  - job_name: sockctl_metrics
	    static_configs:
	      - targets: ['127.0.0.1:$EX_PORT']
	EOF
	mkdir -p "$d/tsdb"
	prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
		>"$d/prom.log" 2>&1 3>&- &
	echo $! >"$d/prom.pid"
	export PROM_PORT
}

# prom_query PROMQL: the query's result vector as JSON lines on stdout.
prom_query() {
	curl -sS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" |
		"$PY" -c 'import json,sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(json.dumps({**r["metric"], "value": r["value"][1]}, sort_keys=True))'
}

@test "a real Prometheus scrapes /probe and /metrics: up 1, success and the refused reason arrive" {
	command -v prometheus >/dev/null || skip "prometheus is not installed (apt-get install prometheus; tests/run.sh does as root)"
	local i ok=0 refused up
	for ((i = 0; i < 60; i++)); do
		refused=$(prom_query 'sockctl_probe_failure{reason="refused"} == 1' 2>/dev/null || true)
		up=$(prom_query 'up == 1' 2>/dev/null || true)
		if [[ "$refused" == *"127.0.0.1:$CLOSED_PORT"* ]] &&
			[[ "$up" == *'"job": "sockctl_metrics"'* ]] &&
			[ "$(grep -c '"job": "sockctl_probe"' <<<"$up")" -eq 2 ]; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ "$ok" -eq 1 ] || { echo "refused: $refused"; echo "up: $up"; cat "$BATS_FILE_TMPDIR/prom.log"; } >&2
	[ "$ok" -eq 1 ]
	run prom_query "sockctl_probe_success{instance=\"127.0.0.1:$EX_PORT\"}"
	assert_output --partial '"value": "1"'
	run prom_query "sockctl_probe_success{instance=\"127.0.0.1:$CLOSED_PORT\"}"
	assert_output --partial '"value": "0"'
	run prom_query 'sockctl_sockets{job="sockctl_metrics",state="LISTEN"} > 0'
	assert_output --partial '"state": "LISTEN"'
	# Prometheus asked for OpenMetrics, and the log line says so
	run grep -c 'Prometheus' "$BATS_FILE_TMPDIR/ex.err"
	run grep -E "\"GET /probe\?module=connect&target=127\.0\.0\.1%3A$CLOSED_PORT\" 200 [0-9]+ [0-9.]+ ms: refused \(ECONNREFUSED\)" "$BATS_FILE_TMPDIR/ex.err"
	assert_success
}

# --- /probe ---

@test "first line is 'listening on 127.0.0.1:PORT'" {
	run head -n 1 "$BATS_FILE_TMPDIR/ex.out"
	assert_output "listening on 127.0.0.1:$EX_PORT"
}

@test "/probe of an open port: 200, success 1, reason ok 0, connect seconds, text 0.0.4; promtool accepts both formats" {
	require_py prometheus_client python3-prometheus-client
	if command -v promtool >/dev/null; then
		get "/probe?target=127.0.0.1:$CLOSED_PORT" -H 'Accept: application/openmetrics-text'
		run promtool check metrics <<<"$output"
		assert_success
	fi
	get "/probe?target=127.0.0.1:$EX_PORT"
	[ "$code" = 200 ]
	[ "$(ctype)" = "text/plain; version=0.0.4; charset=utf-8" ]
	if command -v promtool >/dev/null; then
		local body=$output
		run promtool check metrics <<<"$body"
		assert_success
		output=$body
		mapfile -t lines <<<"$output"
	fi
	run "$PY" "$BATS_TEST_DIRNAME/helpers/prom_parse.py" <<<"$output"
	assert_success
	assert_line 'sockctl_probe_success {} 1.0'
	assert_line 'sockctl_probe_failure {"reason":"ok"} 0.0'
	assert_line 'sockctl_probe_exit_code {} 0.0'
	assert_line --regexp '^sockctl_probe_connect_seconds [{][}] [0-9.e-]+$'
	assert_line --regexp '^sockctl_probe_duration_seconds [{][}] [0-9.e-]+$'
}

@test "/probe of a refused port: 200 with success 0, failure{reason=refused} 1, exit code 4, and a log line with the cause" {
	get "/probe?target=127.0.0.1:$CLOSED_PORT&module=connect"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 0'
	assert_line 'sockctl_probe_failure{reason="refused"} 1'
	assert_line 'sockctl_probe_exit_code 4'
	run grep -E "GET /probe\?target=127\.0\.0\.1:$CLOSED_PORT&module=connect\" 200 .*: refused \(ECONNREFUSED\) at connect: " "$BATS_FILE_TMPDIR/ex.err"
	assert_success
}

@test "Accept: application/openmetrics-text gets OpenMetrics 1.0.0 that prometheus_client parses, with # EOF" {
	require_py prometheus_client python3-prometheus-client
	get "/probe?target=localhost:$CLOSED_PORT" -H 'Accept: application/openmetrics-text; version=1.0.0'
	[ "$code" = 200 ]
	[ "$(ctype)" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ]
	[ "$(tail -n 1 <<<"$output")" = "# EOF" ]
	run "$PY" "$BATS_TEST_DIRNAME/helpers/om_parse.py" <<<"$output"
	assert_success
	assert_line 'sockctl_probe_failure {"reason":"refused"} 1.0'
	assert_line --regexp '^sockctl_probe_resolve_seconds [{][}] [0-9.e-]+$'
	assert_line --partial 'sockctl_probe_duration_seconds/gauge/seconds'
}

@test "content negotiation: Prometheus 2's Accept gets OpenMetrics, */* and text/plain get 0.0.4" {
	get "/probe?target=127.0.0.1:$EX_PORT" -H 'Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
	[ "$(ctype)" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ]
	get "/probe?target=127.0.0.1:$EX_PORT" -H 'Accept: */*'
	[ "$(ctype)" = "text/plain; version=0.0.4; charset=utf-8" ]
	get "/probe?target=127.0.0.1:$EX_PORT" -H 'Accept: text/plain;q=0.9,application/openmetrics-text;q=0.5'
	[ "$(ctype)" = "text/plain; version=0.0.4; charset=utf-8" ]
	refute_output --partial '# EOF'
}

@test "a bad /probe request is a 400 that says what is wrong" {
	get "/probe"
	[ "$code" = 400 ]
	assert_output --partial "missing parameter 'target'"
	get "/probe?target=nohostport"
	[ "$code" = 400 ]
	assert_output --partial "missing port in 'nohostport'"
	get "/probe?target=127.0.0.1:1&module=ftp"
	[ "$code" = 400 ]
	assert_output --partial "unknown module 'ftp'"
	get "/probe?target=127.0.0.1:1&colour=red"
	[ "$code" = 400 ]
	assert_output --partial "unknown parameter 'colour'"
	get "/probe?target=127.0.0.1:1&timeout=2x"
	[ "$code" = 400 ]
	assert_output --partial "invalid duration '2x' for timeout"
	get "/probe?target=127.0.0.1:1&target=127.0.0.1:2"
	[ "$code" = 400 ]
	assert_output --partial "given twice"
	get "/probe?target=127.0.0.1:1&expect=%28"
	[ "$code" = 400 ]
	assert_output --partial "invalid expect pattern"
	get "/probe?target=127.0.0.1:1" -H 'X-Prometheus-Scrape-Timeout-Seconds: soon'
	[ "$code" = 400 ]
	assert_output --partial "X-Prometheus-Scrape-Timeout-Seconds"
}

@test "the --proto modules: http is ready on a 200, a 404 is expect-failed quoting the server, redis on HTTP fails, a closed port is refused" {
	get "/probe?target=127.0.0.1:$EX_PORT&module=http"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 1'
	get "/probe?target=127.0.0.1:$EX_PORT&module=http&http_path=/nope"
	assert_line 'sockctl_probe_failure{reason="expect-failed"} 1'
	run grep -F "module=http&http_path=/nope\" 200" "$BATS_FILE_TMPDIR/ex.err"
	assert_output --partial "(said 'HTTP/1.1 404 Not Found')"
	get "/probe?target=127.0.0.1:$EX_PORT&module=redis"
	assert_line 'sockctl_probe_success 0'
	local m
	for m in postgres mysql smtp; do
		get "/probe?target=127.0.0.1:$CLOSED_PORT&module=$m"
		assert_line 'sockctl_probe_failure{reason="refused"} 1'
	done
	get "/probe?target=127.0.0.1:$EX_PORT&module=connect&http_path=/x"
	[ "$code" = 400 ]
	assert_output --partial "http_path is for module http"
	get "/probe?target=127.0.0.1:$EX_PORT&module=redis&send=PING"
	[ "$code" = 400 ]
	assert_output --partial "no send or expect"
}

@test "FAKE smtp 421 through /probe?module=smtp is not-ready (exit code 14), its words in the log" {
	start_listener fake "$PY" "$BATS_TEST_DIRNAME/helpers/proto_fake.py" smtp-421
	get "/probe?target=127.0.0.1:$listen_port&module=smtp"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 0'
	assert_line 'sockctl_probe_failure{reason="not-ready"} 1'
	assert_line 'sockctl_probe_exit_code 14'
	run grep -F "module=smtp\" 200" "$BATS_FILE_TMPDIR/ex.err"
	assert_output --partial "421"
}

@test "module udp: refused by ICMP; module bind: port-in-use on a held port, ok on a free one" {
	get "/probe?target=127.0.0.1:$CLOSED_PORT&module=udp"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_failure{reason="refused"} 1'
	get "/probe?target=127.0.0.1:$EX_PORT&module=bind"
	assert_line 'sockctl_probe_failure{reason="port-in-use"} 1'
	assert_line 'sockctl_probe_exit_code 7'
	get "/probe?target=127.0.0.1:$CLOSED_PORT&module=bind"
	assert_line 'sockctl_probe_success 1'
	get "/probe?target=localhost:$CLOSED_PORT&module=bind"
	[ "$code" = 400 ]
	assert_output --partial "module bind takes an address"
}

@test "module udp with send and expect: an echo matches, a wrong pattern is expect-failed" {
	start_listener ue "$SOCKCTL" udp-echo 127.0.0.1:0
	get "/probe?target=127.0.0.1:$listen_port&module=udp&send=hello%5Cn&expect=^hel"
	assert_line 'sockctl_probe_success 1'
	get "/probe?target=127.0.0.1:$listen_port&module=udp&send=hello&expect=^bye"
	assert_line 'sockctl_probe_failure{reason="expect-failed"} 1'
}

@test "root: module udp tries the next address of a name when the first refuses (::1, then 127.0.0.1)" {
	have_ipv6_lo || skip "no IPv6 loopback here"
	[ "$(id -u)" = 0 ] || skip "a private /etc/hosts needs root"
	local d=$BATS_TEST_TMPDIR i port
	start_listener ue "$SOCKCTL" udp-echo 127.0.0.1:0
	local echo_port=$listen_port
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$d/hosts"
	unshare -m bash -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$d/hosts" \
		"$SOCKCTL" exporter --listen 127.0.0.1:0 >"$d/dual.out" 2>"$d/dual.err" 3>&- &
	echo $! >>"$d/pids"
	for ((i = 0; i < 500; i++)); do
		grep -q '^listening on ' "$d/dual.out" 2>/dev/null && break
		sleep 0.02
	done
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$d/dual.out")
	[ -n "$port" ]
	PORT=$port get "/probe?target=dual.test:$echo_port&module=udp"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 1'
	run grep -F "bytes back from 127.0.0.1:$echo_port (the addresses before it failed)" "$d/dual.err"
	assert_success
	# both refuse: the failure is still refused, at once
	PORT=$port get "/probe?target=dual.test:$CLOSED_PORT&module=udp"
	assert_line 'sockctl_probe_failure{reason="refused"} 1'
}

@test "unknown paths are 404, POST is 405" {
	get "/nope"
	[ "$code" = 404 ]
	get "/metrics" -X POST
	[ "$code" = 405 ]
	run grep -F 'Allow: GET, HEAD' "$BATS_TEST_TMPDIR/h"
	assert_success
}

@test "/ is a landing page linking /metrics and /probe; HEAD has no body" {
	get "/"
	[ "$code" = 200 ]
	assert_output --partial 'href="metrics"'
	assert_output --partial 'href="probe?'
	run curl -sS -I "http://127.0.0.1:$EX_PORT/"
	assert_output --partial "Content-Length: "
}

@test "the scrape-timeout header, less 0.5 s, limits a probe of a silent target" {
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 60s 127.0.0.1:0
	get "/probe?target=127.0.0.1:$listen_port&module=udp" -H 'X-Prometheus-Scrape-Timeout-Seconds: 1.5'
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_failure{reason="timeout"} 1'
	# -t is 2s here: the header's 1.5 s less 0.5 s is what bound it (the
	# probe's own duration, not the wall clock of a loaded machine)
	assert_line --regexp '^sockctl_probe_duration_seconds (0\.9[0-9]*|1\.[0-4][0-9]*)$'
	get "/probe?target=127.0.0.1:$listen_port&module=udp&timeout=300ms"
	[ "$code" = 200 ]
	assert_line --regexp '^sockctl_probe_duration_seconds 0\.[0-4]'
}

@test "-j 1: a second probe while one runs is a 503 that names -j" {
	local d=$BATS_TEST_TMPDIR
	start_listener hold "$SOCKCTL" probe-bind --udp --hold 60s 127.0.0.1:0
	local silent=$listen_port
	ex_start "$d" ex1 -j 1 -t 3s
	echo "$ex_pid" >>"$d/pids"
	curl -sS -o "$d/first" "http://127.0.0.1:$ex_port/probe?target=127.0.0.1:$silent&module=udp" 3>&- &
	echo $! >>"$d/pids"
	local i
	for ((i = 0; i < 200; i++)); do
		PORT=$ex_port get "/metrics"
		grep -q '^sockctl_exporter_probes_in_flight 1$' <<<"$output" && break
		sleep 0.02
	done
	PORT=$ex_port get "/probe?target=127.0.0.1:$silent&module=udp"
	[ "$code" = 503 ]
	assert_output --partial "(-j 1)"
	run grep -F 'Retry-After: 1' "$d/h"
	assert_success
}

@test "--allow: a target it does not match is 403; a Unix path needs it, then works" {
	local d=$BATS_TEST_TMPDIR
	ex_start "$d" exa --allow '127.0.0.1:*' --allow "$d/*.sock"
	echo "$ex_pid" >>"$d/pids"
	PORT=$ex_port get "/probe?target=localhost:$EX_PORT"
	[ "$code" = 403 ]
	assert_output --partial "not allowed by --allow"
	PORT=$ex_port get "/probe?target=127.0.0.1:$EX_PORT"
	[ "$code" = 200 ]
	start_listener es "$SOCKCTL" echo-server "$d/echo.sock"
	PORT=$ex_port get "/probe?target=$d/echo.sock"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 1'
	# the file's exporter has no --allow: no Unix path at all
	get "/probe?target=$d/echo.sock"
	[ "$code" = 403 ]
	assert_output --partial "a Unix socket target needs --allow"
}

# --- /metrics ---

@test "/metrics: sockets per state, this listener's queue and backlog, exporter counters; promtool accepts both formats" {
	require_py prometheus_client python3-prometheus-client
	get "/"
	get "/metrics"
	[ "$code" = 200 ]
	assert_line --regexp '^sockctl_sockets[{]state="LISTEN"[}] [1-9][0-9]*$'
	assert_line "sockctl_listen_queue_length{address=\"127.0.0.1:$EX_PORT\"} 0"
	assert_line --regexp "^sockctl_listen_backlog[{]address=\"127\.0\.0\.1:$EX_PORT\"[}] [1-9][0-9]*$"
	assert_line --regexp '^sockctl_exporter_requests_total[{]code="2xx"[}] [1-9][0-9]*$'
	assert_line --regexp '^sockctl_exporter_probes_total [0-9]+$'
	assert_line '# TYPE sockctl_exporter_probes_total counter'
	refute_output --regexp ' [0-9]+ [0-9]{10,}$'	# no timestamps
	local body=$output
	run "$PY" "$BATS_TEST_DIRNAME/helpers/prom_parse.py" <<<"$body"
	assert_success
	if command -v promtool >/dev/null; then
		run promtool check metrics <<<"$body"
		assert_success
	fi
	get "/metrics" -H 'Accept: application/openmetrics-text'
	[ "$(ctype)" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ]
	assert_line '# TYPE sockctl_exporter_probes counter'
	run "$PY" "$BATS_TEST_DIRNAME/helpers/om_parse.py" <<<"$output"
	assert_success
	assert_line --partial 'sockctl_exporter_scrape_duration_seconds/gauge/seconds'
}

@test "/metrics judges against the previous scrape: a CLOSE_WAIT kept between two scrapes is a finding" {
	start_bg leak "$PY" "$BATS_TEST_DIRNAME/helpers/inspect_peer.py" leak
	wait_line leak '^listening on '
	local port=${wait_match##*:}
	start_bg cl "$PY" "$BATS_TEST_DIRNAME/helpers/inspect_peer.py" clients 127.0.0.1 "$port" 3 close
	wait_line cl '^ready'
	get "/metrics"
	sleep 1.1	# the CLOSE_WAIT must stay across two scrapes, as in inspect --sample
	get "/metrics"
	assert_line --regexp "^sockctl_finding[{]reason=\"close-wait-leak\",target=\"[^\"]*\"[}] [1-9]"
	assert_line --regexp "^sockctl_port_sockets[{]address=\"127\.0\.0\.1:$port\",state=\"CLOSE_WAIT\"[}] ([3-9]|[1-9][0-9]+)$"
}

# series_once: no series of $output (a /metrics body) twice
series_once() {
	local dup
	dup=$(grep -v '^#' <<<"$output" | sed 's/ [^ ]*$//' | sort | uniq -d)
	[ -z "$dup" ] || { echo "series twice: $dup" >&2; return 1; }
}

# finding_pairs: the "reason target" pairs of the sockctl_finding series
# in $output, sorted
finding_pairs() {
	sed -n 's/^sockctl_finding{reason="\([^"]*\)",target="\([^"]*\)"} [0-9]*$/\1 \2/p' <<<"$output" | sort
}

@test "/metrics carries whole-machine inspect's Unix findings: a leaking Unix server, a listener whose file is gone; Unix listeners' queues; each series once" {
	require_python
	local d=$BATS_TEST_TMPDIR
	local path=$d/leak.sock gone=$d/run/gone.sock
	peer srv leak "$path"
	peer cl clients "$path" 0 3 close
	mkdir "$d/run"
	peer g leak "$gone"
	mv "$d/run" "$d/moved"
	get "/metrics"
	get "/metrics"
	[ "$code" = 200 ]
	series_once
	assert_line "sockctl_finding{reason=\"close-wait-leak\",target=\"$path\"} 1"
	assert_line "sockctl_finding{reason=\"socket-file-gone\",target=\"$gone\"} 1"
	assert_line "sockctl_listen_queue_length{address=\"$path\"} 0"
	assert_line --regexp "^sockctl_listen_backlog[{]address=\"${path//./\\.}\"[}] [1-9][0-9]*$"
	assert_line --regexp '^sockctl_unix_sockets [1-9][0-9]*$'
	local mine
	mine=$(finding_pairs | grep -F "$d/")
	# the same findings as inspect of the whole machine
	sc 13 --json inspect --sample 300ms
	run jq -r --arg d "$d/" 'select(.reason != null and (.target | startswith($d))) | "\(.reason) \(.target)"' <<<"$output"
	[ "$(sort -u <<<"$output")" = "$mine" ]
}

@test "/metrics carries inspect's waits: udp-drops of a flooded UDP receiver, blocked-recv of a process not-accepting names" {
	require_python
	local waiter=$BATS_TEST_DIRNAME/helpers/waiter.py
	start_bg u timeout -k 5 60 python3 "$waiter" udp 2048
	wait_line u '^ready' 20
	local upid uport
	read -r _ upid uport <<<"$wait_match"
	start_bg w timeout -k 5 60 python3 "$waiter" recv 0 recv queued
	wait_line w '^ready' 20
	local wpid wport
	read -r _ wpid _ _ wport <<<"$wait_match"
	get "/metrics"
	start_bg f timeout -k 5 30 python3 "$waiter" flood "$uport" 6000
	wait_line f '^sending' 20
	sleep 0.5	# the flood runs between the two scrapes, as in a sample
	get "/metrics"
	series_once
	assert_line "sockctl_finding{reason=\"udp-drops\",target=\"pid $upid\"} 1"
	assert_line --regexp "^sockctl_finding[{]reason=\"not-accepting\",target=\"[^\"]*:$wport\"[}] 1$"
	assert_line "sockctl_finding{reason=\"blocked-recv\",target=\"pid $wpid\"} 1"
}

@test "a /metrics scrape does not hold the loop: while one is stuck reading, / and a probe are answered at once, then it is" {
	local d=$BATS_TEST_TMPDIR root=$BATS_TEST_TMPDIR/proc i
	cp -r "$BATS_TEST_DIRNAME/fixtures/proc1" "$root"
	# opening a FIFO waits for a writer: the scrape stays in its read of
	# the counters until the test writes
	mkfifo "$root/net/netstat"
	SOCKCTL_PROC_ROOT=$root ex_start "$d" slow -t 2s
	local pid=$ex_pid port=$ex_port
	echo "$pid" >>"$d/pids"
	curl -sS --max-time 30 -o "$d/m.body" -w '%{http_code}' \
		"http://127.0.0.1:$port/metrics" >"$d/m.code" 2>&1 3>&- &
	local mc=$!
	echo "$mc" >>"$d/pids"
	# the scrape runs in a thread of its own: wait (bounded) for it
	for ((i = 0; i < 500; i++)); do
		[ "$(ls "/proc/$pid/task" | wc -l)" -ge 2 ] && break
		sleep 0.02
	done
	[ "$(ls "/proc/$pid/task" | wc -l)" -ge 2 ]
	PORT=$port get "/"
	[ "$code" = 200 ]
	PORT=$port get "/probe?target=127.0.0.1:$port"
	[ "$code" = 200 ]
	assert_line 'sockctl_probe_success 1'
	# the scrape still waits, unanswered
	kill -0 "$mc"
	[ ! -s "$d/m.code" ]
	echo >"$root/net/netstat"
	wait_exit "$mc" 20
	[ "$(cat "$d/m.code")" = 200 ]
	grep -q '^sockctl_sockets{state="LISTEN"} ' "$d/m.body"
	# the log: / and the probe were answered before the scrape
	run grep -o '"GET /[a-z]*' "$d/slow.err"
	assert_output $'"GET /\n"GET /probe\n"GET /metrics'
}

# --- hostile clients ---

@test "a slowloris client is cut off after -t, and another scrape meanwhile is answered at once" {
	local t0 t1
	start_bg slow "$PY" "$ABUSE" slowloris 127.0.0.1 "$EX_PORT" 8
	sleep 0.3	# let it start dripping; bounded by the helper's own 8 s
	t0=$(date +%s%N)
	get "/metrics"
	t1=$(date +%s%N)
	[ "$code" = 200 ]
	[ $(((t1 - t0) / 1000000)) -lt 1500 ]
	wait_exit "$bg_pid" 10
	[ "$exit_status" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/slow.out"
	assert_line 'HTTP/1.1 408 Request Timeout'
	assert_line --regexp '^closed after [12]\.[0-9] s$'
	run grep -F 'cut off: the request head was not complete within the time limit' "$BATS_FILE_TMPDIR/ex.err"
	assert_success
}

@test "a 9 KiB and a 1 MiB request head are 431, memory stays bounded; garbage is 400; all close the connection" {
	local rss0 rss1
	run "$PY" "$ABUSE" bighead 127.0.0.1 "$EX_PORT"
	assert_success
	assert_output 'HTTP/1.1 431 Request Header Fields Too Large'
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$BATS_FILE_TMPDIR/ex.pid")/status")
	run "$PY" "$ABUSE" bighead 127.0.0.1 "$EX_PORT" 1024
	assert_success
	assert_output 'HTTP/1.1 431 Request Header Fields Too Large'
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$BATS_FILE_TMPDIR/ex.pid")/status")
	# the head is cut at 8 KiB: the 1 MiB never reaches memory
	[ "$rss1" -lt $((rss0 + 512)) ] || { echo "RSS $rss0 -> $rss1 KiB" >&2; return 1; }
	run "$PY" "$ABUSE" garbage 127.0.0.1 "$EX_PORT"
	assert_success
	assert_output --partial 'HTTP/1.1 400 Bad Request'
}

@test "pipelined requests are answered in order; a half-closed client still gets its answer" {
	run "$PY" "$ABUSE" pipeline 127.0.0.1 "$EX_PORT" 5
	assert_success
	assert_output "$(printf 'HTTP/1.1 200 OK\nHTTP/1.1 404 Not Found\nHTTP/1.1 200 OK\nHTTP/1.1 404 Not Found\nHTTP/1.1 200 OK\nanswers 5')"
	run "$PY" "$ABUSE" halfclose 127.0.0.1 "$EX_PORT"
	assert_success
	assert_output "$(printf 'HTTP/1.1 200 OK\neof')"
}

@test "a client that never reads is cut off after -t; memory stays bounded and scrapes go on" {
	local pid rss0 rss1
	pid=$(cat "$BATS_FILE_TMPDIR/ex.pid")
	rss0=$(rss_kb "$pid")
	start_bg noread "$PY" "$ABUSE" noread 127.0.0.1 "$EX_PORT" 20000 15
	wait_line noread '^sent [0-9]+' 15
	get "/metrics"
	[ "$code" = 200 ]
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q 'cut off: the client did not take the answer' "$BATS_FILE_TMPDIR/ex.err" && break
		sleep 0.02
	done
	run grep -c 'cut off: the client did not take the answer' "$BATS_FILE_TMPDIR/ex.err"
	[ "$output" -ge 1 ] || { tail -5 "$BATS_FILE_TMPDIR/ex.err"; cat "$BATS_TEST_TMPDIR/noread."*; } >&2
	[ "$output" -ge 1 ]
	rss1=$(rss_kb "$pid")
	# ASan's quarantine keeps freed answers for a while: no bound there
	if ! nm "$SOCKCTL" 2>/dev/null | grep -q __asan_init; then
		[ $((rss1 - rss0)) -lt 8192 ]
	fi
}

# --- the server's life ---

@test "on a Unix path: curl --unix-socket works; SIGTERM stops it cleanly and removes the file it made, -q logs nothing" {
	local d=$BATS_TEST_TMPDIR
	"$SOCKCTL" exporter -q --listen "$d/ex.sock" >"$d/u.out" 2>"$d/u.err" 3>&- &
	local pid=$!
	echo "$pid" >>"$d/pids"
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q '^listening on ' "$d/u.out" && break
		sleep 0.02
	done
	run curl -sS --unix-socket "$d/ex.sock" "http://x/probe?target=127.0.0.1:$CLOSED_PORT"
	assert_line 'sockctl_probe_failure{reason="refused"} 1'
	kill -TERM "$pid"
	wait_exit "$pid"
	[ "$exit_status" -eq 0 ]
	[ ! -e "$d/ex.sock" ]
	[ ! -s "$d/u.err" ]
	run cat "$d/u.out"
	assert_line "listening on $d/ex.sock"
}

@test "a file already at the --listen path is refused and left alone" {
	local d=$BATS_TEST_TMPDIR
	echo keep >"$d/taken.sock"
	sc 7 exporter --listen "$d/taken.sock"
	[ "$(cat "$d/taken.sock")" = keep ]
}

@test "SIGINT stops it with exit 0 and a summary that counts requests and probes" {
	local d=$BATS_TEST_TMPDIR
	ex_start "$d" exs
	echo "$ex_pid" >>"$d/pids"
	PORT=$ex_port get "/probe?target=127.0.0.1:$CLOSED_PORT"
	PORT=$ex_port get "/"
	kill -INT "$ex_pid"
	wait_exit "$ex_pid"
	[ "$exit_status" -eq 0 ]
	run grep -E '^summary: 2 requests on [0-9]+ connections, 1 probes, 0 connections cut off, .*stopped by SIGINT' "$d/exs.out"
	assert_success
}

@test "usage: an argument, an empty --allow, a bad -j" {
	sc 2 exporter 9812
	assert_stderr_contains "goes after --listen"
	sc 2 exporter --allow ''
	assert_stderr_contains "--allow needs a pattern"
	sc 2 exporter -j 0
}

@test "valgrind: an exporter session with probes, /metrics and hostile clients, stopped by SIGTERM" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if nm "$SOCKCTL" 2>/dev/null | grep -q __asan_init; then
		skip "the binary under test is built with ASan"
	fi
	local d=$BATS_TEST_TMPDIR i f
	valgrind --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --log-file="$d/vg.%p" \
		"$SOCKCTL" exporter --listen 127.0.0.1:0 -t 1s >"$d/vg.out" 2>"$d/vg.err" 3>&- &
	local pid=$!
	echo "$pid" >>"$d/pids"
	for ((i = 0; i < 1500; i++)); do
		grep -q '^listening on ' "$d/vg.out" && break
		sleep 0.02
	done
	local port
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$d/vg.out")
	[ -n "$port" ]
	PORT=$port get "/probe?target=127.0.0.1:$port"
	PORT=$port get "/probe?target=localhost:$CLOSED_PORT&module=connect"
	PORT=$port get "/probe?target=127.0.0.1:$CLOSED_PORT&module=udp"
	PORT=$port get "/probe?target=127.0.0.1:$port&module=bind"
	PORT=$port get "/probe?target=x"
	PORT=$port get "/metrics"
	PORT=$port get "/metrics"
	run "$PY" "$ABUSE" pipeline 127.0.0.1 "$port" 3
	run "$PY" "$ABUSE" bighead 127.0.0.1 "$port"
	run "$PY" "$ABUSE" slowloris 127.0.0.1 "$port" 5
	kill -TERM "$pid"
	wait_exit "$pid" 60
	[ "$exit_status" -eq 0 ]
	for f in "$d"/vg.[0-9]*; do
		grep -q 'ERROR SUMMARY: 0 errors' "$f" || { cat "$f" >&2; return 1; }
		grep -q 'All heap blocks were freed' "$f" ||
			{ grep -q 'definitely lost: 0 bytes' "$f" && grep -q 'indirectly lost: 0 bytes' "$f"; } ||
			{ cat "$f" >&2; return 1; }
	done
}

@test "--json: the listening and summary events match the schema" {
	require_py jsonschema python3-jsonschema
	local d=$BATS_TEST_TMPDIR
	"$SOCKCTL" --json exporter --listen 127.0.0.1:0 >"$d/j.out" 2>"$d/j.err" 3>&- &
	local pid=$! i
	echo "$pid" >>"$d/pids"
	for ((i = 0; i < 500; i++)); do
		grep -q '"listening"' "$d/j.out" && break
		sleep 0.02
	done
	kill -TERM "$pid"
	wait_exit "$pid"
	[ "$exit_status" -eq 0 ]
	run grep -c '"event":"summary"' "$d/j.out"
	assert_output 1
	schema_ok "$d/j.out"
}
