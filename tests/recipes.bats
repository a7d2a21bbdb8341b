#!/usr/bin/env bats
# The recipes of docs/: ci-recipes.md, wait-for-services.sh, prometheus.md
# and its unit files and alert rules, run or checked as far as this
# machine allows (loopback only; no Docker, Kubernetes or Prometheus here).
load helpers/common
load helpers/py

ROOT=$BATS_TEST_DIRNAME/..
DOCS=$ROOT/docs

# free_port: a loopback port nothing listens on now (sets free_port).
free_port() {
	start_listener gone "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	free_port=$listen_port
	stop_bg "$bg_pid"
}

@test "wait-for-services.sh waits for a server that starts late, then runs the command" {
	free_port
	# the server's own start is late (1 s); the script's wait is what is tested
	start_bg late sh -c 'sleep 1; exec "$1" echo-server "127.0.0.1:$2"' sh "$SOCKCTL" "$free_port"
	SOCKCTL=$SOCKCTL run --separate-stderr sh "$DOCS/wait-for-services.sh" -t 20 \
		"127.0.0.1:$free_port" -- echo ran
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr" >&2; cat "$BATS_TEST_TMPDIR"/late.* >&2; return 1; }
	[ "$output" = ran ]
	# what is left of -t 20 when it starts waiting (a loaded machine may
	# have spent a second already)
	[[ $stderr =~ "waiting up to "(20|19|18)"s for 127.0.0.1:$free_port" ]]
	[[ $stderr == *"127.0.0.1:$free_port is up"* ]]
	# it was the late server that answered
	grep -q "listening on 127.0.0.1:$free_port" "$BATS_TEST_TMPDIR/late.out"
}

@test "wait-for-services.sh runs under dash with two services, one late" {
	command -v dash >/dev/null || skip "dash is not installed"
	start_listener early "$SOCKCTL" echo-server 127.0.0.1:0
	local early=$listen_addr
	free_port
	start_bg late sh -c 'sleep 1; exec "$1" echo-server "127.0.0.1:$2"' sh "$SOCKCTL" "$free_port"
	SOCKCTL=$SOCKCTL run --separate-stderr dash "$DOCS/wait-for-services.sh" -t 20 \
		"$early" "127.0.0.1:$free_port"
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr" >&2; return 1; }
	[[ $stderr == *"$early is up"* ]]
	[[ $stderr == *"127.0.0.1:$free_port is up"* ]]
}

@test "every sockctl command line in docs/ and the README names only options sockctl has" {
	local files=("$DOCS"/*.md "$ROOT/README.md" "$DOCS/wait-for-services.sh")
	run "$PY" "$BATS_TEST_DIRNAME/helpers/doc_options.py" "$SOCKCTL" "${files[@]}"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# the compose, Kubernetes and Docker exec arrays are among them
	[[ $output =~ ^([0-9]+)\ command\ lines ]]
	[ "${BASH_REMATCH[1]}" -ge 30 ]
}

@test "the option checker catches an unknown option in shell and exec-array form" {
	local f=$BATS_TEST_TMPDIR/bad.md
	printf '%s\n' 'sockctl connect --nope db:5432' \
		'  test: ["CMD", "sockctl", "-q", "--frob", "connect", "127.0.0.1:5432"]' \
		'command: ["/sockctl", "connect", "--wait", "1s", "x:1"]' >"$f"
	run "$PY" "$BATS_TEST_DIRNAME/helpers/doc_options.py" "$SOCKCTL" "$f"
	[ "$status" -eq 1 ]
	assert_line --partial "bad.md:1: --nope (connect)"
	assert_line --partial "bad.md:2: --frob (connect)"
	refute_line --partial "bad.md:3:"
}

@test "the Kubernetes, compose and Docker checks of ci-recipes.md give their exit codes here" {
	# the exec arrays as the kubelet, compose and Docker would run them
	local cmd n=0
	free_port
	start_listener up "$SOCKCTL" echo-server 127.0.0.1:0
	while IFS= read -r cmd; do
		n=$((n + 1))
		cmd=${cmd//127.0.0.1:8080/127.0.0.1:$listen_port}
		cmd=${cmd//127.0.0.1:5432/127.0.0.1:$listen_port}
		eval "set -- $cmd"
		shift	# the binary's name in the array
		sc 0 "$@"
		cmd=${cmd//127.0.0.1:$listen_port/127.0.0.1:$free_port}
		eval "set -- $cmd"
		shift
		sc 4 "$@"
	done < <(grep -hoE '\["(/sockctl|CMD", "sockctl)", "-q"[^]]*\]' "$DOCS/ci-recipes.md" |
		sed -E 's/^\["CMD", /[/; s/^\[//; s/\]$//; s/", "/" "/g')
	# Docker's exec form, Kubernetes' readinessProbe, compose's healthcheck
	[ "$n" -ge 3 ] || { echo "only $n exec arrays found in ci-recipes.md" >&2; return 1; }
}

@test "systemd-analyze verify accepts the unit files of prometheus.md" {
	command -v systemd-analyze >/dev/null || skip "systemd is not installed"
	# --man=no: the man page of Documentation= is not installed here
	run systemd-analyze verify --man=no "$DOCS/sockctl-probe.service" "$DOCS/sockctl-probe.timer"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ -z "$output" ] || { echo "$output" >&2; return 1; }
}

# exec_start: the service's ExecStart as sh runs it: systemd's $$ is $,
# and its ${VAR} are the Environment= names, set by the caller.
exec_start() {
	sed -n 's/^ExecStart=//p' "$DOCS/sockctl-probe.service" | sed 's/\$\$/$/g'
}

@test "the service's ExecStart writes a whole sockctl.prom even when a probe fails, and renames it" {
	require_py prometheus_client.openmetrics.parser python3-prometheus-client
	local dir=$BATS_TEST_TMPDIR/collector line
	mkdir "$dir"
	free_port
	start_listener up "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	printf '%s\n' '# the services' "127.0.0.1:$listen_port" "127.0.0.1:$free_port" >"$BATS_TEST_TMPDIR/targets"
	line=$(exec_start)
	[[ $line == "/bin/sh -c '"*"'" ]]
	COLLECTOR_DIR=$dir SOCKCTL=$SOCKCTL TARGETS=$BATS_TEST_TMPDIR/targets \
		run --separate-stderr eval "$line"
	# a refused probe is a result: the unit succeeds
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr" >&2; return 1; }
	[ -f "$dir/sockctl.prom" ]
	[ ! -e "$dir/sockctl.prom.tmp" ]
	[ "$(tail -n 1 "$dir/sockctl.prom")" = "# EOF" ]
	om_parse "$(cat "$dir/sockctl.prom")"
	assert_line --partial "\"reason\":\"refused\",\"target\":\"127.0.0.1:$free_port\"} 1.0"
	assert_line --partial "\"target\":\"127.0.0.1:$listen_port\"} 1.0"

	# a targets file that cannot be read: the old file stays, the unit fails
	cp "$dir/sockctl.prom" "$BATS_TEST_TMPDIR/before"
	COLLECTOR_DIR=$dir SOCKCTL=$SOCKCTL TARGETS=$BATS_TEST_TMPDIR/missing \
		run --separate-stderr eval "$line"
	[ "$status" -ne 0 ]
	cmp "$dir/sockctl.prom" "$BATS_TEST_TMPDIR/before"
	[ ! -e "$dir/sockctl.prom.tmp" ]
}

@test "the alert rules parse, page on sockctl_probe_success == 0 and take the reason from the failure series" {
	require_py yaml python3-yaml
	run "$PY" - "$DOCS/sockctl-alerts.rules.yml" <<-'EOF'
		import re, sys, yaml
		doc = yaml.safe_load(open(sys.argv[1]))
		rules = [r for g in doc["groups"] for r in g["rules"]]
		known = {"sockctl_probe_success", "sockctl_probe_failure",
		         "sockctl_probe_exit_code", "sockctl_probe_duration_seconds",
		         "node_textfile_mtime_seconds", "node_textfile_scrape_error"}
		for r in rules:
		    assert r["alert"] and r["expr"] and r["annotations"]["summary"], r
		    for name in re.findall(r"\b(sockctl_[a-z_]+|node_[a-z_]+)", r["expr"]):
		        assert name in known, f"{r['alert']}: unknown metric {name}"
		page = [r for r in rules if r["labels"].get("severity") == "page"]
		assert len(page) == 1
		e = page[0]["expr"]
		assert "sockctl_probe_success == 0" in e
		assert "group_left (reason)" in e and "sockctl_probe_failure == 1" in e
		assert "$labels.reason" in page[0]["annotations"]["summary"]
		print(len(rules), "rules")
	EOF
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	if command -v promtool >/dev/null; then
		run promtool check rules "$DOCS/sockctl-alerts.rules.yml"
		[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	fi
}

@test "docs/prometheus.md names only files that exist in the repository" {
	local f missing=""
	for f in $(grep -oE '\]\(([a-z0-9._-]+)\)' "$DOCS/prometheus.md" | sed -E 's/^\]\(//; s/\)$//'); do
		[ -e "$DOCS/$f" ] || missing+=" $f"
	done
	for f in sockctl-probe.service sockctl-probe.timer sockctl-alerts.rules.yml; do
		grep -qF "$f" "$DOCS/prometheus.md" || missing+=" (not named: $f)"
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}
