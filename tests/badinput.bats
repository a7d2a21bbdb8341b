#!/usr/bin/env bats
# Hostile arguments for every command, as tables: each row gives the exit
# code it must end with (2 for usage, or the SPEC's), a text stderr must
# hold (the bad value, quoted as typed), and the arguments. No row may
# crash: exit below 128, no sanitizer report. Nothing here reaches the
# network: every row fails before a socket is made.
load helpers/common

setup() {
	H300=$(printf 'a%.0s' {1..300})
	T=$BATS_TEST_TMPDIR
	bad=0
}

# row EXIT TEXT ARGS...: runs sockctl ARGS (stdin /dev/null, at most 10 s)
# and checks the exit code, that stderr holds TEXT, and that it did not
# crash. Failures are counted in $bad and described; table_done fails the
# test when any row failed, so one run reports every bad row.
row() {
	local want=$1 text=$2 why=
	shift 2
	run --separate-stderr timeout -k 2 10 "$SOCKCTL" "$@" </dev/null
	if [ "$status" -ge 124 ]; then
		why="crashed or hung (exit $status)"
	elif [ "$status" -ne "$want" ]; then
		why="exit $status, expected $want"
	elif [[ "$stderr" != *"$text"* ]]; then
		why="stderr does not name the bad value: $text"
	elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' <<<"$stderr"; then
		why="sanitizer report"
	fi
	[ -z "$why" ] && return 0
	bad=$((bad + 1))
	{
		printf 'sockctl'; printf " '%s'" "$@"; echo
		echo "  $why"
		sed 's/^/  stderr: /' <<<"$stderr" | head -n 8
	} >&2
}

table_done() {
	[ "$bad" -eq 0 ] || { echo "$bad bad rows" >&2; return 1; }
}

@test "bad input: global options and command names" {
	row 2 "unknown command ''"		''
	row 2 "unknown command 'bogus'"		bogus
	row 2 "unknown command 'bogus'"		help bogus
	row 2 "unknown option '--bogus'"	--bogus explain EPIPE
	row 2 "unknown option '-'"		- explain EPIPE
	row 2 "unknown option '-x' in '-q4x'"	-q4x explain EPIPE
	row 2 "--timeout needs a value"		-t
	row 2 "--timeout needs a value"		explain EPIPE --timeout
	row 2 "--color needs a value"		explain EPIPE --color
	row 2 "invalid duration '' for --timeout" --timeout= explain EPIPE
	row 2 "'5x' for --timeout"		-t 5x explain EPIPE
	row 2 "'-1s' for --timeout"		--timeout -1s explain EPIPE
	row 2 "'-1' for --timeout"		explain EPIPE -t -1
	row 2 "more than 0 (got '0')"		-t 0 explain EPIPE
	row 2 "more than 0 (got '0ms')"		explain -t0ms EPIPE
	row 2 "'1e3s' for --timeout"		-t 1e3s explain EPIPE
	row 2 "'99999999999999999999' for --timeout" -t 99999999999999999999 explain EPIPE
	row 2 "'bogus' for --color"		--color bogus explain EPIPE
	row 2 "'' for --color"			explain --color= EPIPE
	row 2 "-4 and -6"			-4 -6 explain EPIPE
	row 2 "'--json=1'"			--json=1 explain EPIPE
	row 2 "'--quiet=no'"			explain --quiet=no EPIPE
	table_done
}

@test "bad input: probe-bind" {
	row 2 "empty endpoint"			probe-bind ''
	row 2 "'99999999999999999999'"		probe-bind 99999999999999999999
	row 2 "unknown option '-1'"		probe-bind -1
	row 2 "port '-1'"			probe-bind -- -1
	row 2 "port 'abc'"			probe-bind abc
	row 2 "port '70000'"			probe-bind 70000
	row 2 "port '65536'"			probe-bind 127.0.0.1:65536
	row 2 "port '65536'"			probe-bind 127.0.0.1 65536
	row 2 "'::1:80' needs brackets"		probe-bind ::1:80
	row 2 "missing ']' in '[::1'"		probe-bind '[::1'
	row 2 "'zz' inside [ ]"			probe-bind '[zz]:80'
	row 2 "missing port in '127.0.0.1:'"	probe-bind 127.0.0.1:
	row 2 "(300 characters"			probe-bind "$H300:80"
	row 2 "(300 characters"			probe-bind "$H300" 80
	row 2 "too many arguments: '3'"		probe-bind 1 2 3
	row 2 "unknown option '--bogus'"	probe-bind --bogus 0
	row 2 "'--udp=1'"			probe-bind --udp=1 0
	row 2 "--hold needs a value"		probe-bind 0 --hold
	row 2 "--wait needs a value"		probe-bind 0 -w
	row 2 "'5x' for --hold"			probe-bind --hold 5x 0
	row 2 "'-1s' for --wait"		probe-bind --wait -1s 0
	row 2 "'1e3s' for --hold"		probe-bind --hold 1e3s 0
	row 2 "'99999999999999999999' for --wait" probe-bind -w 99999999999999999999 0
	row 2 "'' for --hold"			probe-bind --hold= 0
	table_done
}

@test "bad input: probe-connect arguments and options" {
	row 2 "missing TARGET"			connect
	row 2 "empty endpoint"			connect ''
	row 2 "'99999999999999999999'"		connect 127.0.0.1:99999999999999999999
	# for probe-connect, -- starts COMMAND: 127.0.0.1 is a target without a port
	row 2 "missing port in '127.0.0.1'"	probe-connect 127.0.0.1 -- -1
	row 2 "missing TARGET"			probe-connect -- -1
	row 2 "port 'abc'"			connect 127.0.0.1:abc
	row 2 "port '70000'"			connect 127.0.0.1:70000
	row 2 "port '65536'"			connect 127.0.0.1 65536
	row 2 "port '0' of '127.0.0.1'"		connect 127.0.0.1:0
	row 2 "'::1:80' needs brackets"		connect ::1:80
	row 2 "'::1:80' needs brackets"		connect 127.0.0.1:1 ::1:80
	row 2 "missing port in 'host'"		connect host
	row 2 "'zz' inside [ ]"			connect '[zz]:80'
	row 2 "port '80x'"			connect '[::1]:80x'
	row 2 "(300 characters"			connect "$H300:80"
	row 2 "(300 characters"			probe-connect "$H300" 80
	row 2 "unknown option '--bogus'"	connect --bogus 127.0.0.1:1
	row 2 "'--all=1'"			connect --all=1 127.0.0.1:1
	row 2 "--wait needs a value"		connect 127.0.0.1:1 --wait
	row 2 "--send needs a value"		connect 127.0.0.1:1 --send
	row 2 "--expect needs a value"		connect 127.0.0.1:1 --expect
	row 2 "--jobs needs a value"		connect 127.0.0.1:1 -j
	row 2 "'5x' for --wait"			connect --wait 5x 127.0.0.1:1
	row 2 "'-1s' for --interval"		connect --interval -1s 127.0.0.1:1
	row 2 "'1e3s' for --wait"		connect --wait 1e3s 127.0.0.1:1
	row 2 "'99999999999999999999' for --interval" connect --interval 99999999999999999999 127.0.0.1:1
	row 2 "--jobs '0'"			connect -j 0 127.0.0.1:1
	row 2 "--jobs '-1'"			connect -j -1 127.0.0.1:1
	row 2 "'1x' for --jobs"			connect -j 1x 127.0.0.1:1
	row 2 "'' for --jobs"			connect --jobs= 127.0.0.1:1
	row 2 "'99999999999999999999' for --jobs" connect -j 99999999999999999999 127.0.0.1:1
	row 2 "--jobs '4097'"			connect --jobs 4097 127.0.0.1:1
	table_done
}

@test "bad input: probe-connect --send and --expect" {
	local nested='((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+' slow='^' i
	for ((i = 0; i < 30; i++)); do slow+='(a?)+'; done
	row 2 "'\\q' at offset 1"			connect --send 'a\q' 127.0.0.1:1
	row 2 "trailing '\\'"			connect --send 'a\' 127.0.0.1:1
	row 2 "'\\x' at offset 0"			connect --send '\xg' 127.0.0.1:1
	row 2 "pattern '('"			connect --expect '(' 127.0.0.1:1
	row 2 "pattern '[a'"			connect --expect '[a' 127.0.0.1:1
	row 2 "pattern 'a{99999}'"		connect --expect 'a{99999}' 127.0.0.1:1
	# found by fuzzing: glibc's regcomp() takes GB of memory or minutes
	row 2 "'++' at offset 1"		connect --expect 'a++' 127.0.0.1:1
	row 2 "'*?' at offset 1"		connect --expect 'x*?y' 127.0.0.1:1
	row 2 "pattern '$nested'"		connect --expect "$nested" 127.0.0.1:1
	row 2 "more than 2048 copies"		connect --expect "$nested" 127.0.0.1:1
	table_done
	# glibc takes minutes to compile this one, so a trial in a child gives
	# up after a second; musl (make test-static) compiles it at once
	run --separate-stderr timeout -k 2 10 "$SOCKCTL" connect --expect "$slow" 127.0.0.1:1 </dev/null
	echo "$stderr"
	if [ "$status" -eq 2 ]; then
		assert_stderr_contains "more than a second"
	else
		[ "$status" -eq 4 ]
	fi
}

@test "bad input: probe-connect --targets files" {
	printf 'garbage\n' >"$T/g1"
	printf '127.0.0.1:1\n::1:80\n' >"$T/g2"
	printf 'a b c\n' >"$T/g3"
	printf '127.0.0.1:1\n\177ELF\0\1\2\n' >"$T/g4"
	head -c 3000 /dev/zero | tr '\0' a >"$T/g5"
	printf '# comment\nh 70000\n' >"$T/g6"
	printf 'h:0\n' >"$T/g7"
	printf '%s 80\n' "$H300" >"$T/g8"
	printf '# only comments\n\n   \n' >"$T/g9"
	mkdir "$T/dir"
	row 2 "g1:1: missing port in 'garbage'"	connect --targets "$T/g1"
	row 2 "g2:2: IPv6 address in '::1:80'"	connect --targets "$T/g2"
	row 2 "g3:1: expected HOST:PORT or HOST PORT, got more" connect --targets "$T/g3"
	row 2 "g4:2: NUL byte at column 5"	connect --targets "$T/g4"
	row 2 "g5:1: line too long"		connect --targets "$T/g5"
	row 2 "g6:2: port '70000'"		connect --targets "$T/g6"
	row 2 "g7:1: port '0' of 'h'"		connect --targets "$T/g7"
	row 2 "g8:1: host name too long (300 characters" connect --targets "$T/g8"
	row 2 "no target in --targets '$T/g9'"	connect --targets "$T/g9"
	row 2 "'$T/missing': No such file"	connect --targets "$T/missing"
	row 2 "'$T/dir': Is a directory"	connect --targets "$T/dir"
	row 2 "no target in --targets '/dev/null'" connect --targets /dev/null
	row 2 "no target in --targets '-'"	connect --targets -
	row 2 "--targets file ''"		connect --targets ''
	row 2 "--targets needs a value"		connect --targets
	table_done
}

@test "bad input: IPv6 scopes (an unknown interface, a malformed index, a scope off link-local)" {
	local c
	for c in connect probe-bind echo-server udp-echo; do
		row 2 "unknown interface 'nosuchif'"	$c '[fe80::1%nosuchif]:80'
		row 2 "unknown interface '1x'"	$c '[fe80::1%1x]:80'
		row 2 "no interface with index '99999'" $c '[fe80::1%99999]:80'
		row 2 "unknown interface 'bogus'"	$c '[::1%bogus]:1'
		row 2 "scope '%lo' on an address that is not link-local" $c '[::1%lo]:1'
		row 2 "empty scope after '%'"	$c '[fe80::1%]:1'
		row 2 "unknown interface 'nosuchif'"	$c 'fe80::1%nosuchif' 80
		row 2 "'host' is not an IPv6 address"	$c 'host%lo:1'
		row 2 "'fe80::zz' is not an IPv6 address" $c '[fe80::zz]:1'
	done
	row 2 "unknown interface 'nosuchif'"	probe-udp '[fe80::1%nosuchif]:53'
	row 2 "unknown interface 'nosuchif'"	inspect '[fe80::1%nosuchif]:53'
	printf '127.0.0.1:1\n[fe80::1%%nosuchif]:80\n' >"$T/scope"
	row 2 "scope:2: fe80::1%nosuchif: unknown interface 'nosuchif'" connect --targets "$T/scope"
	table_done
}

@test "bad input: IPv4 only in dotted-quad form (no inet_aton shorthands)" {
	local c a
	for c in connect probe-bind echo-server udp-echo probe-udp inspect; do
		for a in 0 0x0 0.0 127.1 0x7f.1 127.0.1 1.2.3.4. 017.0.0.1 1.2.3.256; do
			row 2 "'$a' is not an IPv4 address" $c "$a:1"
		done
		[ "$c" = inspect ] || row 2 "'0' is not an IPv4 address" $c 0 1
	done
	printf '127.0.0.1:1\n127.1:80\n' >"$T/short"
	row 2 "short:2: '127.1' is not an IPv4 address" connect --targets "$T/short"
	table_done
}

@test "bad input: echo-server and udp-echo" {
	local c
	for c in echo-server udp-echo; do
		row 2 "empty endpoint"		$c ''
		row 2 "'99999999999999999999'"	$c 99999999999999999999
		row 2 "unknown option '-1'"	$c -1
		row 2 "port '-1'"		$c -- -1
		row 2 "port 'abc'"		$c abc
		row 2 "port '70000'"		$c 127.0.0.1:70000
		row 2 "port '65536'"		$c 65536
		row 2 "'::1:80' needs brackets"	$c ::1:80
		row 2 "(300 characters"		$c "$H300:0"
		row 2 "got 3 arguments"		$c 0 1 2
		row 2 "unknown option '--bogus'" $c --bogus 0
		row 2 "'--upper=yes'"		$c --upper=yes 0
		row 2 "--count needs a value"	$c 0 --count
		row 2 "--count '0'"		$c --count 0 0
		row 2 "--count '-1'"		$c --count -1 0
		row 2 "'1x' for --count"	$c --count 1x 0
		row 2 "'99999999999999999999' for --count" $c --count 99999999999999999999 0
	done
	row 2 "--max-conns '0'"			echo-server --max-conns 0 0
	row 2 "--max-conns '-1'"		echo-server --max-conns -1 0
	row 2 "'1x' for --max-conns"		echo-server --max-conns 1x 0
	row 2 "'99999999999999999999' for --max-conns" echo-server --max-conns 99999999999999999999 0
	row 2 "--idle-timeout needs a value"	echo-server 0 --idle-timeout
	row 2 "'5x' for --idle-timeout"		echo-server --idle-timeout 5x 0
	row 2 "'-1s' for --idle-timeout"	echo-server --idle-timeout -1s 0
	row 2 "'1e3s' for --idle-timeout"	echo-server --idle-timeout 1e3s 0
	row 2 "'99999999999999999999' for --idle-timeout" echo-server --idle-timeout 99999999999999999999 0
	row 2 "'--once=1'"			echo-server --once=1 0
	table_done
}

@test "bad input: probe-udp" {
	row 2 "missing HOST PORT"		probe-udp
	row 2 "empty endpoint"			probe-udp ''
	row 2 "missing port in '127.0.0.1'"	probe-udp 127.0.0.1
	row 2 "'99999999999999999999'"		probe-udp 127.0.0.1 99999999999999999999
	row 2 "port '-1'"			probe-udp 127.0.0.1 -- -1
	row 2 "port 'abc'"			probe-udp 127.0.0.1:abc
	row 2 "port '70000'"			probe-udp 127.0.0.1:70000
	row 2 "port '0' of '127.0.0.1'"		probe-udp 127.0.0.1:0
	row 2 "'::1:80' needs brackets"		probe-udp ::1:80
	row 2 "(300 characters"			probe-udp "$H300" 80
	row 2 "got 3 arguments"			probe-udp 1 2 3
	row 2 "unknown option '--bogus'"	probe-udp --bogus 127.0.0.1:9
	row 2 "--count needs a value"		probe-udp 127.0.0.1:9 -c
	row 2 "--count '0'"			probe-udp -c 0 127.0.0.1:9
	row 2 "--count '-1'"			probe-udp -c -1 127.0.0.1:9
	row 2 "'1x' for --count"		probe-udp -c 1x 127.0.0.1:9
	row 2 "'99999999999999999999' for --count" probe-udp -c 99999999999999999999 127.0.0.1:9
	row 2 "--count '1000001'"		probe-udp --count 1000001 127.0.0.1:9
	row 2 "'5x' for --interval"		probe-udp --interval 5x 127.0.0.1:9
	row 2 "'-1s' for --interval"		probe-udp --interval -1s 127.0.0.1:9
	row 2 "'1e3s' for --interval"		probe-udp --interval 1e3s 127.0.0.1:9
	row 2 "'99999999999999999999' for --interval" probe-udp --interval 99999999999999999999 127.0.0.1:9
	row 2 "'\\q' at offset 1"			probe-udp --send 'x\q' 127.0.0.1:9
	row 2 "--send needs a value"		probe-udp 127.0.0.1:9 --send
	table_done
}

@test "bad input: explain" {
	row 2 "missing ERROR"			explain
	row 2 "unknown error ''"		explain ''
	row 2 "unknown error '99999999999999999999'" explain 99999999999999999999
	row 2 "unknown option '-1'"		explain -1
	row 2 "unknown error '-1'"		explain -- -1
	row 2 "unknown error '1x'"		explain 1x
	row 2 "unknown error '4096'"		explain 4096
	row 2 "unknown error 'EBOGUS'"		explain EBOGUS
	row 2 "unknown error 'EAI_BOGUS'"	explain EAI_BOGUS
	row 2 "unknown error 'aaaaaaaaaaaaaaaaaaaa" explain "$H300"
	row 2 "got 2 arguments"			explain ECONNREFUSED EPIPE
	row 2 "unknown option '--bogus'"	explain --bogus
	row 2 "'--list=1'"			explain --list=1
	table_done
}
