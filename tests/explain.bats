#!/usr/bin/env bats
load helpers/common

@test "explain ECONNREFUSED names the reason, exit code, cause and fix" {
	sc 0 explain ECONNREFUSED
	assert_output --partial "ECONNREFUSED (111"
	assert_output --partial "refused, exit 4"
	assert_output --partial "cause:"
	assert_output --partial "fix:"
}

@test "explain takes an errno number: 98 is EADDRINUSE, port-in-use" {
	sc 0 explain 98
	assert_output --partial "EADDRINUSE"
	assert_output --partial "port-in-use, exit 7"
}

@test "explain EAI_NONAME says the name does not exist, dns-failure" {
	sc 0 explain EAI_NONAME
	assert_output --partial "dns-failure, exit 3"
	assert_output --partial "no such name"
}

@test "explain is case-insensitive for names" {
	sc 0 explain econnrefused
	assert_output --partial "ECONNREFUSED"
}

@test "explain --json gives one object per row with the SPEC keys" {
	sc 0 --json explain ETIMEDOUT
	for key in command target ok reason exit_code stage errno message hint address port family elapsed_ms; do
		assert_output --partial "\"$key\":"
	done
	assert_output --partial '"reason":"timeout"'
}

@test "explain of an unknown name exits 2 and names it" {
	sc 2 explain EBOGUS
	assert_stderr_contains "'EBOGUS'"
}

@test "explain without an argument is a usage error" {
	sc 2 explain
	assert_stderr_contains "missing ERROR"
}

@test "explain --list covers every reason slug but ok and usage" {
	sc 0 explain --list
	for slug in error dns-failure refused timeout unreachable port-in-use permission-denied address-not-available expect-failed reset resource-limit not-ready unhealthy; do
		assert_output --partial ": $slug, exit"
	done
}

@test "explain not-ready: exit 14, what a server that is not ready says, and --wait with --proto as the fix" {
	sc 0 explain not-ready
	assert_output --partial "not-ready, exit 14"
	assert_output --partial "answered in its own protocol that it is not ready"
	assert_output --partial "--wait"
	assert_output --partial "--proto"
}

@test "explain of a reason slug lists the errors behind it" {
	sc 0 explain port-in-use
	assert_output --partial "EADDRINUSE"
}

@test "explain of a known errno without its own row gives the generic answer, exit 0" {
	sc 0 explain ENOENT
	assert_output --partial "ENOENT (2"
	assert_output --partial "error, exit 1"
}

@test "explain 0 is a usage error: errno 0 is success, not an error" {
	sc 2 explain 0
	assert_stderr_contains "'0' is no error"
	[ -z "$output" ]
}

@test "explain ENOTSUP answers as EOPNOTSUPP does, and EDEADLOCK as EDEADLK" {
	sc 0 explain EOPNOTSUPP
	local a=$output
	sc 0 explain ENOTSUP
	[ "$output" = "$a" ]
	sc 0 explain EDEADLOCK
	assert_output --partial "EDEADLK"
}

@test "explain --json: ok is false for a failure's row, true only for ok" {
	sc 0 --json explain 98
	assert_output --partial '"ok":false,"reason":"port-in-use","exit_code":7'
	refute_output --partial '"ok":true'
}

@test "explain takes a condition's name as --list prints it: unix-refused, expect-mismatch" {
	sc 0 explain --list
	assert_output --partial "unix-refused at connect: refused, exit 4"
	sc 0 explain unix-refused
	assert_output --partial "unix-refused at connect: refused, exit 4"
	assert_output --partial "cause:"
	sc 0 explain EXPECT-MISMATCH
	assert_output --partial "expect-mismatch"
	assert_output --partial "expect-failed, exit 10"
	# a name that is also a reason slug still lists the slug's rows
	sc 0 explain syn-flood
	assert_output --partial "syn-flood, exit 13"
	sc 2 explain unix-bogus
	assert_stderr_contains "'unix-bogus'"
}

@test "every condition --list names is taken by explain and completed by bash" {
	sc 0 explain --list
	names=$(printf '%s\n' "$output" | awk '/^[a-z]/ { sub(/:$/, "", $1); print $1 }' | sort -u)
	[ -n "$names" ]
	words=$(bash -c 'source "$1"; echo "$_sockctl_explain_words"' _ "$BATS_TEST_DIRNAME/../completions/sockctl.bash")
	for n in $names; do
		sc 0 explain "$n"
		assert_output --partial "$n"
		[[ " $(echo $words) " == *" $n "* ]] || fail "bash completion lacks '$n'"
	done
}

@test "explain takes text pasted from logs: strerror messages, nginx, Python, Go, PostgreSQL and MySQL lines" {
	sc 0 explain 'Connection refused'
	assert_output --partial "ECONNREFUSED (111"
	sc 0 explain 'bind() to 0.0.0.0:80 failed (98: Address already in use)'
	assert_output --partial "EADDRINUSE (98"
	assert_output --partial "the line names 0.0.0.0:80: check it from here with sockctl probe-bind 0.0.0.0:80"
	sc 0 explain '[Errno 111] Connection refused'
	assert_output --partial "ECONNREFUSED (111"
	sc 0 explain 'dial tcp 10.0.0.5:5432: connect: connection refused'
	assert_output --partial "ECONNREFUSED (111"
	assert_output --partial "check it from here with sockctl connect 10.0.0.5:5432"
	sc 0 --json explain 'dial tcp 10.0.0.5:5432: connect: connection refused'
	run jq -s -e 'all(.[]; .errno == "ECONNREFUSED" and .address == "10.0.0.5" and
		.port == 5432 and .family == "ipv4")' <<<"$output"
	[ "$status" -eq 0 ]
	sc 0 explain 'dial tcp: lookup db.internal: no such host'
	assert_output --partial "EAI_NONAME"
	sc 0 explain 'connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or directory'
	assert_output --partial "unix-missing"
	assert_output --partial "sockctl connect /run/postgresql/.s.PGSQL.5432"
	sc 0 explain "Can't connect to local MySQL server through socket '/run/mysqld/mysqld.sock' (111)"
	assert_output --partial "unix-refused"
	sc 0 explain 'read: connection reset by peer'
	assert_output --partial "ECONNRESET"
	sc 2 explain 'all is well'
	assert_stderr_contains "unknown error 'all is well'"
}

@test "a pasted line that names its call gets that stage's rows alone: Go's dial tcp is no UDP recv, a recvfrom is, nginx's unix: upstream is a path" {
	sc 0 explain 'dial tcp 10.0.0.5:5432: connect: connection refused'
	[[ "$output" != *"at recv"* ]]
	[ "$(grep -c '^ECONNREFUSED' <<<"$output")" -eq 1 ]
	sc 0 --json explain 'dial tcp 10.0.0.5:5432: connect: connection refused'
	[ "${#lines[@]}" -eq 1 ]
	sc 0 explain 'read udp 127.0.0.1:5353->127.0.0.1:53: recvfrom: connection refused'
	assert_output --partial "ECONNREFUSED (111, Connection refused) at recv"
	[ "$(grep -c '^ECONNREFUSED' <<<"$output")" -eq 1 ]
	assert_output --partial "check it from here with sockctl probe-udp 127.0.0.1:53"
	sc 0 explain '2024/01/01 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)'
	[ "$(grep -c '^EADDRINUSE' <<<"$output")" -eq 1 ]
	assert_output --partial "at bind"
	sc 0 explain 'connect() to unix:/run/php/php-fpm.sock failed (2: No such file or directory) while connecting to upstream'
	assert_output --partial "unix-missing"
	assert_output --partial "sockctl connect /run/php/php-fpm.sock"
	# a message alone names no call: every row of its errno
	sc 0 explain '[Errno 111] Connection refused'
	[ "$(grep -c '^ECONNREFUSED' <<<"$output")" -eq 2 ]
}

@test "explain knows EAI_OVERFLOW and every Linux errno number (133 is EHWPOISON)" {
	sc 0 explain EAI_OVERFLOW
	assert_output --partial "getnameinfo()"
	[[ "$output" != *"has no explanation"* ]]
	sc 0 explain 133
	assert_output --partial "EHWPOISON (133"
	sc 0 explain 132
	assert_output --partial "ERFKILL (132"
}
