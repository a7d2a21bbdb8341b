#!/usr/bin/env bats
# probe-connect --proto (SPEC probe-connect "Readiness") against the real
# servers users run -- redis-server, PostgreSQL, MariaDB, nginx, aiosmtpd
# -- each started once for the file on a free port in a temporary
# directory, their not-ready states made real (MariaDB's host blocked by
# max_connect_errors from a network namespace, as root); and `-- COMMAND`.
# The FAKES, from tests/helpers/proto_fake.py and named FAKE in the test's
# name, are only what no real server here says on demand: SMTP 421 and 554
# (aiosmtpd has no such state), and a reply with terminal escapes in it.

load helpers/common
load helpers/realsrv
load helpers/py

setup_file() {
	srv_root
	srv_netns
	start_redis
	start_postgres
	start_mariadb
	start_nginx
	start_smtp
}

teardown_file() {
	stop_servers
}

# fake MODE: starts the fake server (tests/helpers/proto_fake.py) for one test.
fake() {
	start_listener fake "$PY" "$BATS_TEST_DIRNAME/helpers/proto_fake.py" "$1"
}

# --- the command line ---

@test "--proto with --send or --expect is a usage error" {
	sc 2 connect --proto redis --send 'PING\r\n' 127.0.0.1:1
	assert_stderr_contains "does not mix"
	sc 2 connect --proto redis --expect PONG 127.0.0.1:1
}

@test "an unknown --proto names the protocols it takes" {
	sc 2 connect --proto ftp 127.0.0.1:1
	assert_stderr_contains "unknown protocol 'ftp'"
	assert_stderr_contains "http, redis, postgres, mysql, smtp"
}

@test "--http-status, --http-path and --user are checked before connecting" {
	sc 2 connect --proto http --http-status 20x 127.0.0.1:1
	assert_stderr_contains "invalid --http-status '20x'"
	sc 2 connect --proto http --http-path 'no-slash' 127.0.0.1:1
	assert_stderr_contains "invalid --http-path"
	sc 2 connect --proto redis --http-path / 127.0.0.1:1
	assert_stderr_contains "--http-path needs --proto http"
	sc 2 connect --proto redis --user app 127.0.0.1:1
	assert_stderr_contains "--user needs --proto postgres"
}

# --- redis ---

@test "redis: +PONG is ready, over TCP and its Unix socket, with proto and server_said" {
	need REDIS_PORT redis-server
	sc 0 connect --proto redis "127.0.0.1:$REDIS_PORT"
	assert_output --partial "redis: ready, '+PONG'"
	sc 0 --json connect --proto redis "$REDIS_SOCK"
	jq -e '.proto == "redis" and .server_said == "+PONG" and .peer.command == "redis-server"' <<<"$output"
}

@test "redis: -NOAUTH is up, and the result says a password is needed" {
	need REDIS_PORT redis-server
	redis-cli -p "$REDIS_PORT" config set requirepass s3cret >/dev/null
	sc 0 connect --proto redis "127.0.0.1:$REDIS_PORT"
	redis-cli -p "$REDIS_PORT" -a s3cret --no-auth-warning config set requirepass '' >/dev/null
	assert_output --partial "a password is needed ('-NOAUTH"
	assert_stderr_contains "AUTH"
}

@test "redis: -BUSY under a long script is not-ready (14), quoting the server; --wait rides it out" {
	need REDIS_PORT redis-server
	# a script of up to 60 s; SCRIPT KILL ends it once --wait has seen
	# it busy (-v 'round 1')
	start_bg script redis-cli -p "$REDIS_PORT" eval 'local t = tonumber(redis.call("time")[1]) + 60 while tonumber(redis.call("time")[1]) < t do end return 1' 0
	until_ok 10 bash -c "redis-cli -p $REDIS_PORT ping | grep -q BUSY"
	sc 14 connect -t 2s --proto redis "127.0.0.1:$REDIS_PORT"
	assert_stderr_contains "not-ready"
	assert_stderr_contains "'-BUSY Redis is busy running a script"
	assert_stderr_contains "SCRIPT KILL"
	local w rc=0
	start_bg wait "$SOCKCTL" -v connect --wait 20s --interval 200ms --proto redis "127.0.0.1:$REDIS_PORT"
	w=$bg_pid
	until_ok 10 grep -q "round 1: not-ready" "$BATS_TEST_TMPDIR/wait.err"
	redis-cli -p "$REDIS_PORT" script kill
	wait "$w" || rc=$?
	[ "$rc" -eq 0 ]
	grep -Eq "attempts, ready after" "$BATS_TEST_TMPDIR/wait.out"
}

@test "redis: -LOADING while a dataset loads is not-ready, then ready under --wait" {
	need REDIS_PORT redis-server
	local d=$SRV_ROOT/loading port
	mkdir -p "$d"
	port=$(free_port)
	# a redis of its own, saved with 2000 keys, restarted to load them
	# at 1 ms a key
	start_bg saving redis-server --bind 127.0.0.1 --port "$port" --dir "$d" --save ''
	until_ok 10 redis-cli -p "$port" ping
	seq 1 2000 | sed 's/.*/SET key:& value-&/' | redis-cli -p "$port" >/dev/null
	redis-cli -p "$port" save >/dev/null
	stop_bg "$bg_pid"
	start_bg loading redis-server --bind 127.0.0.1 --port "$port" --dir "$d" --save '' \
		--key-load-delay 1000 --loading-process-events-interval-bytes 1024
	until_ok 10 bash -c "redis-cli -p $port ping | grep -q LOADING"
	sc 14 connect --proto redis "127.0.0.1:$port"
	assert_stderr_contains "'-LOADING Redis is loading the dataset in memory'"
	assert_stderr_contains "loading its dataset"
	sc 0 connect --wait 30s --interval 200ms --proto redis "127.0.0.1:$port"
	assert_output --partial "redis: ready"
	assert_output --regexp "ready after [0-9.]+ s"
}

# --- PostgreSQL ---

@test "postgres: accepting connections over TCP and its Unix socket; the missing role is named" {
	need PG_PORT postgresql
	sc 0 connect --proto postgres "127.0.0.1:$PG_PORT"
	assert_output --partial "postgres: accepting connections"
	assert_output --partial "'role \"sockctl\" does not exist'"
	assert_stderr_contains "--user"
	sc 0 --json connect --proto postgres --user postgres "unix:$PG_DIR/.s.PGSQL.$PG_PORT"
	jq -e '.proto == "postgres" and .server_said == "ReadyForQuery" and .peer.command == "postgres"' <<<"$output"
}

@test "postgres: a password request is up, as pg_isready says" {
	need PG_PORT postgresql
	# a password for TCP from this host: the server asks, and sockctl
	# stops there
	echo "host all all 127.0.0.1/32 md5" >"$PG_DIR/data/pg_hba.conf"
	echo "local all all trust" >>"$PG_DIR/data/pg_hba.conf"
	as_user "$PG_USER" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
	until_ok 10 bash -c "! psql -h 127.0.0.1 -p $PG_PORT -U postgres -w -c 'select 1'"
	sc 0 connect --proto postgres --user postgres "127.0.0.1:$PG_PORT"
	echo "host all all 127.0.0.1/32 trust" >"$PG_DIR/data/pg_hba.conf"
	echo "local all all trust" >>"$PG_DIR/data/pg_hba.conf"
	as_user "$PG_USER" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
	until_ok 10 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -w -c 'select 1'
	assert_output --partial "accepting connections (asks for a password"
	run "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -U postgres
	assert_success
}

# waits_out PROTO [--user U] PID...: a --wait probe in the background
# reports one failed round (-v), then the PIDs are stopped, and the probe
# ends ready, saying after how long.
waits_out() {
	local proto=$1 user=() p w port rc=0
	shift
	if [[ $1 == --user ]]; then
		user=(--user "$2")
		shift 2
	fi
	port=$PG_PORT
	[[ $proto == mysql ]] && port=$MY_PORT
	start_bg wait "$SOCKCTL" -v connect --wait 30s --interval 200ms --proto "$proto" "${user[@]}" "127.0.0.1:$port"
	w=$bg_pid
	until_ok 10 grep -q "round 1: not-ready" "$BATS_TEST_TMPDIR/wait.err"
	for p in "$@"; do
		stop_bg "$p"
	done
	wait "$w" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/wait.err" >&2; return 1; }
	grep -Eq "ready after [0-9.]+ s" "$BATS_TEST_TMPDIR/wait.out"
}

@test "postgres: max_connections reached is not-ready (53300), then ready when a slot frees" {
	need PG_PORT postgresql
	local -a hold=("" "" "")
	# Three sessions fill the server. A holder can lose its slot to the
	# checking psql and exit; fill starts it again, so the check ends
	# only with all three holders alive and a fourth session turned away.
	fill() {
		local i
		for i in 0 1 2; do
			if [[ -z ${hold[i]} ]] || ! kill -0 "${hold[i]}" 2>/dev/null; then
				start_bg "hold$i" psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -c 'select pg_sleep(60)'
				hold[i]=$bg_pid
			fi
		done
		psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -c 'select 1' 2>&1 | grep -q 'too many clients'
	}
	until_ok 20 fill
	sc 14 connect --proto postgres "127.0.0.1:$PG_PORT"
	assert_stderr_contains "SQLSTATE 53300"
	assert_stderr_contains "'sorry, too many clients already'"
	# --wait sees the server full once, then one holder goes (its backend
	# ends within client_connection_check_interval) and --wait rides it out
	waits_out postgres --user postgres "${hold[0]}"
}

@test "postgres: not PostgreSQL at the port is expect-failed (10), and says what came" {
	need NGX_PORT nginx
	sc 10 connect --wait 10s --proto postgres "127.0.0.1:$NGX_PORT"
	assert_stderr_contains "expect-failed"
	assert_stderr_contains "it began 'HTTP/1.1 400 Bad Request"
	assert_stderr_contains "looks like an HTTP server"
	# a wrong protocol does not change by waiting: no retry
	[[ "$stderr" != *"still failing when --wait ran out"* ]]
}

# --- MariaDB ---

@test "mysql: a protocol-10 greeting is ready, with the server's version, over TCP and the socket" {
	need MY_PORT mariadb-server
	sc 0 connect --proto mysql "127.0.0.1:$MY_PORT"
	assert_output --regexp "mysql: ready, server version 10\.[0-9.]+-MariaDB"
	sc 0 --json connect --proto mysql "$MY_SOCK"
	jq -e '.proto == "mysql" and (.server_said | test("MariaDB")) and .peer.command == "mariadbd"' <<<"$output"
}

@test "mysql: probing never counts as a broken handshake (max_connect_errors), unlike a bare close" {
	need MY_PORT mariadb-server
	local before after
	preauth() {
		mariadb -S "$MY_SOCK" -uroot -N -e "show global status like 'Aborted_connects_preauth'" | awk '{ print $2 }'
	}
	before=$(preauth)
	for _ in 1 2 3; do
		sc 0 connect --proto mysql "127.0.0.1:$MY_PORT"
	done
	after=$(preauth)
	[ "$after" -eq "$before" ]
	# the control: a client that closes after the greeting is counted
	timeout 5 bash -c "exec 5<>/dev/tcp/127.0.0.1/$MY_PORT; head -c 10 <&5 >/dev/null"
	until_ok 5 bash -c "[ \$(mariadb -S '$MY_SOCK' -uroot -N -e \"show global status like 'Aborted_connects_preauth'\" | awk '{print \$2}') -gt $after ]"
}

@test "mysql: an account without a password makes the probe a clean login and COM_QUIT" {
	need MY_PORT mariadb-server
	local before after
	mariadb -S "$MY_SOCK" -uroot -e "create user if not exists 'probe'@'localhost'; create user if not exists 'probe'@'127.0.0.1'"
	before=$(mariadb -S "$MY_SOCK" -uroot -N -e "show global status like 'Aborted_connects'" | awk '{ print $2 }')
	sc 0 connect --proto mysql --user probe "127.0.0.1:$MY_PORT"
	after=$(mariadb -S "$MY_SOCK" -uroot -N -e "show global status like 'Aborted_connects'" | awk '{ print $2 }')
	[ "$after" -eq "$before" ]
}

@test "mysql: Too many connections (1040) is not-ready, then ready when the sessions end" {
	need MY_PORT mariadb-server
	local i
	# 10 slots and one more for SUPER: 11 sessions fill the server; two
	# more, as the check below may take a slot while one of them comes
	local -a hold=()
	for i in $(seq 13); do
		start_bg "hold$i" mariadb -S "$MY_SOCK" -uroot -e 'select sleep(60)'
		hold+=("$bg_pid")
	done
	until_ok 10 bash -c "mariadb -S $MY_SOCK -uroot -e 'select 1' 2>&1 | grep -q 'Too many connections'"
	sc 14 connect --proto mysql "127.0.0.1:$MY_PORT"
	assert_stderr_contains "error 1040: 'Too many connections'"
	assert_stderr_contains "max_connections"
	waits_out mysql "${hold[@]}"
}

@test "mysql: host blocked (1129) by max_connect_errors fails at once with flush-hosts" {
	need MY_PORT mariadb-server
	require_root
	[ -n "${SRV_NS:-}" ] || skip "no network namespace (srv_netns found no free /31 of 198.51.100.0/24)"
	# MariaDB keeps no host cache for loopback clients: the blocked host is
	# the namespace's end of the veth
	mariadb -S "$MY_SOCK" -uroot -e "create user if not exists 'probe'@'198.51.100.%'; set global max_connect_errors = 1; flush hosts"
	# each connection reads the greeting and hangs up mid-handshake (one
	# aborted connect) until the greeting is the 1129 error instead
	local i blocked=
	for ((i = 0; i < 10; i++)); do
		if ip netns exec "$SRV_NS" timeout 5 bash -c \
			'exec 5<>"/dev/tcp/$1/$2" && dd bs=512 count=1 <&5 2>/dev/null | grep -aq "is blocked"' \
			_ "$SRV_NS_HOST" "$MY_PORT"; then
			blocked=1
			break
		fi
	done
	[ -n "$blocked" ]
	local me=$SOCKCTL
	SOCKCTL=ip sc 10 netns exec "$SRV_NS" "$me" -v connect --wait 10s --proto mysql "$SRV_NS_HOST:$MY_PORT"
	assert_stderr_contains "error 1129"
	assert_stderr_contains "is blocked because of many connection errors"
	assert_stderr_contains "mysqladmin flush-hosts"
	assert_stderr_contains "max_connect_errors"
	[[ "$stderr" != *"still failing when --wait ran out"* ]]
	# fails at once: --wait 10s did not retry (-v shows each attempt)
	[ "$(grep -c 'socket(AF_INET, SOCK_STREAM)' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" != *"retrying in"* ]]
	mariadb -S "$MY_SOCK" -uroot -e "set global max_connect_errors = 100; flush hosts"
}

# --- nginx ---

@test "http: 200 is ready, the Host header carries host and port, over TCP and a Unix socket" {
	need NGX_PORT nginx
	sc 0 connect --proto http "127.0.0.1:$NGX_PORT"
	assert_output --partial "http: ready, 'HTTP/1.1 200 OK'"
	grep -q "^127.0.0.1 GET / HTTP/1.1" "$NGX_DIR/host.log"
	sc 0 --json connect --proto http "unix:$NGX_SOCK"
	jq -e '.server_said == "HTTP/1.1 200 OK" and .peer.command == "nginx"' <<<"$output"
}

@test "http: 404 is expect-failed (10) at once, quoting the status line; --http-status takes it" {
	need NGX_PORT nginx
	sc 10 connect --wait 10s --proto http --http-path /missing "127.0.0.1:$NGX_PORT"
	assert_stderr_contains "'HTTP/1.1 404 Not Found'"
	assert_stderr_contains "--http-status 404"
	[[ "$stderr" != *"still failing when --wait ran out"* ]]
	sc 0 connect --proto http --http-path /missing --http-status 204,404 "127.0.0.1:$NGX_PORT"
}

@test "http: 503 is not-ready (14) with Retry-After quoted; 429 too" {
	need NGX_PORT nginx
	sc 14 connect --proto http --http-path /down "127.0.0.1:$NGX_PORT"
	assert_stderr_contains "'HTTP/1.1 503 Service Temporarily Unavailable'"
	assert_stderr_contains "Retry-After: 30"
	sc 14 --json connect --proto http --http-path /limited "127.0.0.1:$NGX_PORT"
	jq -e '.reason == "not-ready" and .exit_code == 14 and (.server_said | startswith("HTTP/1.1 429"))' <<<"$output"
}

@test "http: --openmetrics carries not-ready" {
	need NGX_PORT nginx
	sc 14 --openmetrics connect --proto http --http-path /down "127.0.0.1:$NGX_PORT"
	assert_output --regexp 'sockctl_probe_failure\{.*reason="not-ready"\} 1'
	assert_output --partial 'sockctl_probe_exit_code{'
}

# --- SMTP ---

@test "smtp: aiosmtpd's 220 greeting is ready, and the probe says QUIT" {
	need SMTP_PORT python3-aiosmtpd
	sc 0 -v connect --proto smtp "127.0.0.1:$SMTP_PORT"
	assert_output --regexp "smtp: ready, '220 "
	assert_stderr_contains "goodbye: 6 of 6 bytes sent"
}

@test "smtp: FAKE 421 is not-ready (14); FAKE 554 is expect-failed (10)" {
	fake smtp-421
	sc 14 connect --proto smtp "127.0.0.1:$listen_port"
	assert_stderr_contains "'421 mail.example.test Service not available"
	stop_bg "$bg_pid"
	fake smtp-554
	sc 10 connect --proto smtp "127.0.0.1:$listen_port"
	assert_stderr_contains "'554 mail.example.test No SMTP service here'"
}

# --- what is no answer ---

@test "a server that sends nothing is timeout (5): connected, but the server sent nothing" {
	start_listener echo "$SOCKCTL" echo-server 127.0.0.1:0
	sc 5 connect -t 300ms --proto mysql "127.0.0.1:$listen_port"
	assert_stderr_contains "connected, but the server sent nothing within 300 ms"
}

@test "FAKE garbage with terminal escapes is quoted escaped, never raw" {
	fake garbage
	sc 10 connect --proto smtp "127.0.0.1:$listen_port"
	assert_stderr_contains "\\x1b[31mhello"
	[[ "$stderr" != *$'\e'* ]]
	sc 10 --json connect --proto redis "127.0.0.1:$listen_port"
	jq -e '.server_said | startswith("\\x1b[31m")' <<<"$output"
}

@test "--targets with -j: several services checked at once, in argument order" {
	need REDIS_PORT redis-server
	need NGX_PORT nginx
	printf '%s\n' "127.0.0.1:$REDIS_PORT" "$REDIS_SOCK" "127.0.0.1:$NGX_PORT" >"$BATS_TEST_TMPDIR/t"
	sc 10 --json connect --targets "$BATS_TEST_TMPDIR/t" -j 3 --proto redis
	[ "${#lines[@]}" -eq 3 ]
	jq -s -e '.[0].ok and .[1].ok and (.[2].reason == "expect-failed")' <<<"$output"
}

@test "--proto results, ready, not ready and failed, are valid against the JSON Schema" {
	need NGX_PORT nginx
	require_py jsonschema python3-jsonschema
	local f=$BATS_TEST_TMPDIR/out.jsonl
	sc 0 --json connect --proto http "127.0.0.1:$NGX_PORT" "unix:$NGX_SOCK"
	echo "$output" >"$f"
	sc 14 --json connect --proto http --http-path /down "127.0.0.1:$NGX_PORT"
	echo "$output" >>"$f"
	sc 10 --json connect --proto postgres "127.0.0.1:$NGX_PORT"
	echo "$output" >>"$f"
	sc 0 --json connect "127.0.0.1:$NGX_PORT"
	echo "$output" >>"$f"
	jq -s -e 'length == 5 and .[4].proto == null and .[4].server_said == null' "$f"
	schema_ok "$f"
}

# --- -- COMMAND ---

@test "-- COMMAND takes sockctl's pid and passes its exit code" {
	need REDIS_PORT redis-server
	run bash -c 'echo "$$"; exec "$0" connect -q --proto redis "$1" -- sh -c "echo \$\$; exit 7"' \
		"$SOCKCTL" "127.0.0.1:$REDIS_PORT"
	[ "$status" -eq 7 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "${lines[1]}" ]
}

@test "-- COMMAND runs after every target, results first; not when one fails at the end of --wait" {
	need REDIS_PORT redis-server
	sc 0 connect --proto redis "127.0.0.1:$REDIS_PORT" "$REDIS_SOCK" -- echo started
	[ "${lines[2]}" = started ]
	sc 4 connect --wait 300ms --interval 50ms "127.0.0.1:$REDIS_PORT" 127.0.0.1:1 -- touch "$BATS_TEST_TMPDIR/ran"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	assert_stderr_contains "still failing when --wait ran out"
}

@test "-- COMMAND is not run when the service is not ready" {
	fake smtp-421
	sc 14 connect --wait 300ms --interval 50ms --proto smtp "127.0.0.1:$listen_port" -- touch "$BATS_TEST_TMPDIR/ran"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "-- COMMAND that cannot be run: 127 when missing, 126 when not executable" {
	start_listener echo "$SOCKCTL" echo-server 127.0.0.1:0
	run -127 --separate-stderr "$SOCKCTL" connect "127.0.0.1:$listen_port" -- ./no-such-app --flag
	[[ "$stderr" == *"cannot run './no-such-app'"* ]]
	[[ "$stderr" == *ENOENT* ]]
	[[ "$stderr" == *"there is no file at that path"* ]]
	run -127 --separate-stderr "$SOCKCTL" connect "127.0.0.1:$listen_port" -- no-such-app-here
	[[ "$stderr" == *"in any directory of \$PATH"* ]]
	[[ "$stderr" == *"give its path (./no-such-app-here)"* ]]
	# a script whose interpreter is missing: ENOENT too, but not "no file"
	printf '#!/no/such/interpreter\necho hi\n' >"$BATS_TEST_TMPDIR/app-no-interp"
	chmod +x "$BATS_TEST_TMPDIR/app-no-interp"
	run -127 --separate-stderr "$SOCKCTL" connect "127.0.0.1:$listen_port" -- "$BATS_TEST_TMPDIR/app-no-interp"
	[[ "$stderr" == *"the interpreter its first line (#!) names"* ]]
	[[ "$stderr" != *"no file at that path"* ]]
	PATH=$BATS_TEST_TMPDIR:$PATH run -127 --separate-stderr "$SOCKCTL" connect "127.0.0.1:$listen_port" -- app-no-interp
	[[ "$stderr" == *"the interpreter its first line (#!) names"* ]]
	touch "$BATS_TEST_TMPDIR/app"
	sc 126 connect "127.0.0.1:$listen_port" -- "$BATS_TEST_TMPDIR/app"
	assert_stderr_contains "EACCES"
	sc 2 connect "127.0.0.1:$listen_port" --
	assert_stderr_contains "'--' needs a COMMAND"
}

# --- last: these change the servers for good ---

@test "mysql: host not allowed (1130) fails at once, naming the account's host part" {
	need MY_PORT mariadb-server
	# no account may connect from this host any more: the server's last test
	mariadb -S "$MY_SOCK" -uroot -N -e "select concat('rename user ', quote(user), '@', quote(host), ' to ', quote(user), '@', quote(concat('192.0.2.', @n := @n + 1)), ';') from mysql.user, (select @n := 0) n" >"$BATS_TEST_TMPDIR/rename.sql"
	mariadb -S "$MY_SOCK" -uroot <"$BATS_TEST_TMPDIR/rename.sql"
	sc 10 connect --wait 10s --proto mysql "127.0.0.1:$MY_PORT"
	assert_stderr_contains "error 1130"
	assert_stderr_contains "is not allowed to connect"
	[[ "$stderr" != *"still failing when --wait ran out"* ]]
}

@test "postgres: a smart shutdown waiting on a session is not-ready (57P03), quoted" {
	need PG_PORT postgresql
	start_bg session psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -c 'select pg_sleep(20)'
	until_ok 10 bash -c "psql -h $PG_DIR -p $PG_PORT -U postgres -Atc \"select count(*) from pg_stat_activity where query like 'select pg_sleep%'\" | grep -qx 1"
	as_user "$PG_USER" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m smart -W >/dev/null
	until_ok 10 bash -c "psql -h $PG_DIR -p $PG_PORT -U postgres -c 'select 1' 2>&1 | grep -q 'shutting down'"
	sc 14 connect --proto postgres "127.0.0.1:$PG_PORT"
	assert_stderr_contains "SQLSTATE 57P03"
	assert_stderr_contains "'the database system is shutting down'"
	assert_stderr_contains "smart shutdown"
}
