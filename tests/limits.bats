#!/usr/bin/env bats
# Resource limits: too few file descriptors (ulimit -n), a used-up
# ephemeral port range, too little address space (ulimit -v). Each ends in
# the right answer or a resource-limit (or the SPEC's) diagnosis that names
# the limit; never a crash, a hang, a spinning server or a lost result.
# Loopback only: as root in a network namespace of the test's own (the port
# range is shrunk only there). ulimit -v does not apply to an ASan build
# (it reserves terabytes of address space), so those tests skip under
# `make sanitize`.
load helpers/common
load helpers/servers
load helpers/stress

setup_file() {
	build_echo_client
}

# free_ports N: prints N TCP ports of 127.0.0.1 (in the test's namespace)
# that nothing listens on: bound at once, then released.
free_ports() {
	"${NS[@]}" python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

@test "probe-connect -j 64 under ulimit -n 16: 40 targets on 8 ports each get their own right answer" {
	netns
	local live=() port i closed
	for i in 1 2 3 4; do
		server "es$i" echo-server 0
		live+=("$listen_port")
	done
	read -r -a closed <<<"$(free_ports 4)"
	for i in $(seq 0 39); do
		port=${live[i % 4]} host=127.0.0.1
		((i % 8 >= 4)) && port=${closed[i % 4]}
		((i % 3 == 0)) && host=localhost
		echo "$host:$port"
	done >"$BATS_TEST_TMPDIR/targets"
	run --separate-stderr limited 16 "$SOCKCTL" --json probe-connect -j 64 \
		--targets "$BATS_TEST_TMPDIR/targets"
	[ "$status" -eq 4 ]
	run jfields target reason errno <<<"$output"
	assert_success
	[ "${#lines[@]}" -eq 40 ]
	for i in $(seq 0 39); do
		port=${live[i % 4]} host=127.0.0.1 want="ok null"
		((i % 8 >= 4)) && port=${closed[i % 4]} want="refused ECONNREFUSED"
		((i % 3 == 0)) && host=localhost
		[ "${lines[i]}" = "$host:$port $want" ] || {
			echo "line $i: ${lines[i]}, expected $host:$port $want" >&2
			return 1
		}
	done
	# in text it says why it went slower than -j 64
	run --separate-stderr limited 16 "$SOCKCTL" probe-connect -j 64 \
		--targets "$BATS_TEST_TMPDIR/targets"
	[ "$status" -eq 4 ]
	assert_stderr_contains "not 64: the open files limit is 16 (ulimit -n)"
	[[ "$stderr" != *EMFILE* ]]
}

@test "probe-connect with no descriptor left: resource-limit (EMFILE), exit 12, naming the limit" {
	netns
	server es echo-server 0
	# six: stdio, the event loop and its pipe; no socket fits
	run --separate-stderr limited 6 "$SOCKCTL" probe-connect "127.0.0.1:$listen_port"
	[ "$status" -eq 12 ]
	assert_stderr_contains "socket: resource-limit (EMFILE)"
	assert_stderr_contains "soft 6, hard 6 (ulimit -n)"
	# the name lookup fails for want of a descriptor, not for the name
	run --separate-stderr limited 6 "$SOCKCTL" --json probe-connect "localhost:$listen_port"
	[ "$status" -eq 12 ]
	run jfields stage reason errno <<<"$output"
	assert_output "resolve resource-limit EMFILE"
	# five: not even the event loop
	run --separate-stderr limited 5 "$SOCKCTL" --json probe-connect "127.0.0.1:$listen_port" localhost:1
	[ "$status" -eq 12 ]
	[[ "$output" == *"not probed: no event loop could be set up"* ]]
	# one result per target, each by its own text
	run jfields target reason errno exit_code <<<"$output"
	assert_output "127.0.0.1:$listen_port resource-limit EMFILE 12
localhost:1 resource-limit EMFILE 12"
	run --separate-stderr limited 5 "$SOCKCTL" probe-connect "127.0.0.1:$listen_port"
	[ "$status" -eq 12 ]
	assert_stderr_contains "resource-limit (EMFILE)"
	assert_stderr_contains "soft 5, hard 5 (ulimit -n)"
}

@test "probe-bind under ulimit -n 4: port-in-use, and it says it could not look for the holder (not 'no process owns it')" {
	netns
	start_listener h "${NS[@]}" "$SOCKCTL" probe-bind --hold 60s 127.0.0.1:0
	run --separate-stderr limited 4 "$SOCKCTL" probe-bind "127.0.0.1:$listen_port"
	[ "$status" -eq 7 ]
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "which process holds it is unknown"
	assert_stderr_contains "open files limit (4, ulimit -n)"
	[[ "$stderr" != *"no process in this PID namespace"* ]]
	# with a few more it names the holder
	run --separate-stderr limited 16 "$SOCKCTL" probe-bind "127.0.0.1:$listen_port"
	[ "$status" -eq 7 ]
	assert_stderr_contains "held by pid $bg_pid (sockctl"
}

@test "echo-server under ulimit -n 16 with 30 clients: serves those it holds, does not spin, serves the rest once fds free up" {
	netns
	start_listener es limited 16 "$SOCKCTL" echo-server 0
	srv_pid=$bg_pid
	local slow waiting t0 t1
	# 10 slow clients (a byte every 60 ms for 3 s) fill its 10 free fds
	bg_client slow -m many -n 10 -b 50 -d 60 -H -s 3 -t 60
	slow=$bg_pid
	wait_lines es '^accept ' 10
	# 20 more wait in the listen queue
	bg_client waiting -m many -n 20 -c 20 -b 1000 -s 4 -t 60
	waiting=$bg_pid
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q EMFILE "$BATS_TEST_TMPDIR/es.err" && break
		sleep 0.02
	done
	grep -q 'accept: EMFILE .*fd limit 16' "$BATS_TEST_TMPDIR/es.err"
	# starved before the slow clients were through
	run ! grep -q '^held' "$BATS_TEST_TMPDIR/slow.out"
	# a second of waiting clients it cannot accept costs it almost no CPU
	t0=$(cpu_ticks "$srv_pid")
	sleep 1
	t1=$(cpu_ticks "$srv_pid")
	echo "server CPU while starved: $((t1 - t0)) ticks in 1 s"
	[ $((t1 - t0)) -lt 20 ]
	# the slow ones got every byte meanwhile; the waiting ones still wait
	wait_line slow '^held 10 connections, 500 bytes verified' 30
	kill -0 "$waiting"
	[ "$(grep -c '^accept ' "$BATS_TEST_TMPDIR/es.out")" -eq 10 ]
	# once they leave, the waiting 20 are served in full
	kill -USR1 "$slow"
	wait_exit "$slow" 30
	[ "$exit_status" -eq 0 ]
	wait_exit "$waiting" 30
	[ "$exit_status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/waiting.err"; false; }
	grep -q '^ok 20 connections, 1000 bytes each, 20000 bytes verified' "$BATS_TEST_TMPDIR/waiting.out"
	wait_lines es '^close ' 30
	stop_server
	# said once per shortage, and each shortage ends: E A E A ... (E)
	run awk '/EMFILE/ { printf "E" } /available again/ { printf "A" }' \
		"$BATS_TEST_TMPDIR/es.err"
	assert_output --regexp '^(EA)+E?$'
	run grep '^summary: ' "$BATS_TEST_TMPDIR/es.out"
	assert_output --regexp '^summary: 30 clients \(0 refused, 0 reset, 0 idle\), 20500 bytes in, 20500 out, '
}

@test "echo-server under ulimit -n 16 with a churn of 300 clients, 30 at once: one fd-shortage line per episode, with its count" {
	netns
	start_listener es limited 16 "$SOCKCTL" echo-server 0
	srv_pid=$bg_pid
	bg_client churn -m many -n 300 -c 30 -b 200 -t 60
	wait_exit "$bg_pid" 60
	[ "$exit_status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/churn.err"; false; }
	grep -q '^ok 300 connections' "$BATS_TEST_TMPDIR/churn.out"
	stop_server
	cat "$BATS_TEST_TMPDIR/es.err"
	# each freed descriptor takes one waiting client and the next accept
	# fails again: one shortage, not a line pair per client (was ~2 x 270)
	local e a
	e=$(grep -c 'accept: EMFILE' "$BATS_TEST_TMPDIR/es.err")
	a=$(grep -c 'available again after .* s: [0-9]* clients\? waited in the listen queue, [0-9]* accepts\? short of a descriptor' "$BATS_TEST_TMPDIR/es.err")
	[ "$e" -ge 1 ] && [ "$e" -le 2 ]
	[ "$a" -eq "$e" ]
}

@test "udp-echo under ulimit -n 16 echoes a flood from 8 sockets; probe-udp needs only 4" {
	netns
	start_listener ue limited 16 "$SOCKCTL" udp-echo 0
	srv_pid=$bg_pid
	nec -m udpflood -c 8 -n 2000 -s 7 -t 30
	assert_success
	[[ "$output" =~ sent\ 16000\ .*received\ ([0-9]+)\ .*lost\ ([0-9]+) ]]
	local got=${BASH_REMATCH[1]} lost=${BASH_REMATCH[2]}
	run --separate-stderr limited 4 "$SOCKCTL" probe-udp -c 3 --interval 10ms 127.0.0.1 "$listen_port"
	[ "$status" -eq 0 ]
	assert_output --partial "3 sent, 3 received, 0% loss"
	stop_server
	run grep '^summary: ' "$BATS_TEST_TMPDIR/ue.out"
	assert_output --regexp "^summary: 16003 datagrams in \([0-9]+ bytes\), $((got + 3)) out \([0-9]+ bytes\), $lost dropped, "
}

@test "probe-udp -c 1000000 under ulimit -v 8 MiB: resource-limit (ENOMEM), exit 12, naming ulimit -v" {
	sanitized && skip "ASan reserves terabytes of address space: ulimit -v cannot apply"
	run --separate-stderr bash -c 'ulimit -v 8192 && exec "$@"' _ \
		"$SOCKCTL" probe-udp -c 1000000 --interval 0 -t 100ms 127.0.0.1 9
	[ "$status" -eq 12 ]
	assert_stderr_contains "resource-limit (ENOMEM)"
	assert_stderr_contains "(ulimit -v 8192)"
}

@test "probe-bind and explain under a shrinking ulimit -v: a result or resource-limit naming ulimit -v, never a signal" {
	sanitized && skip "ASan reserves terabytes of address space: ulimit -v cannot apply"
	local kib cmd hit=0
	# below about 2.5 MiB the dynamic loader itself fails (exit 127);
	# a few steps above that, the first allocations fail
	for kib in 2400 2500 2600 2700 2800 3000 3500; do
		for cmd in "probe-bind 0" "explain ECONNREFUSED" "--json probe-bind 0"; do
			# the loader's own failure (127) is told apart as 199
			run --separate-stderr bash -c 'ulimit -v "$1" && shift && "$@"
				rc=$?; exit $((rc == 127 ? 199 : rc))' _ "$kib" "$SOCKCTL" $cmd
			case $status in
			0 | 199) ;;
			12)	hit=1
				assert_stderr_contains "resource-limit (ENOMEM)"
				assert_stderr_contains "ulimit -v $kib" ;;
			*)	echo "ulimit -v $kib, $cmd: exit $status: $stderr" >&2
				return 1 ;;
			esac
		done
	done
	echo "some step reached the resource-limit path: $hit"
}

@test "probe-connect under a shrinking ulimit -v: every result names its own target (never 'a window of N targets'), text and JSON" {
	sanitized && skip "ASan reserves terabytes of address space: ulimit -v cannot apply"
	local kib p1 p2 want t line hit=0 ran=0
	read -r p1 p2 <<<"$(free_ports 2)"
	want=" 127.0.0.1:$p1 127.0.0.1:$p2 --targets $BATS_TEST_TMPDIR/t "
	echo "127.0.0.1:$p1" >"$BATS_TEST_TMPDIR/t"
	# from where the loader fails to where everything fits (-j 64 needs
	# a window of 256 targets, which no longer fits near 3.2 MiB)
	for kib in 2900 3000 3100 3200 3300 3400 3600 4000; do
		for json in "" --json; do
			run --separate-stderr bash -c 'ulimit -v "$1" && shift && "$@"
				rc=$?; exit $((rc == 127 ? 199 : rc))' _ "$kib" \
				"$SOCKCTL" $json connect -t 1s "127.0.0.1:$p1" 127.0.0.1 "$p2" \
				--targets "$BATS_TEST_TMPDIR/t"
			case $status in
			199) continue ;;
			4) ran=1 ;;
			12) hit=1 ;;
			*) echo "ulimit -v $kib $json: exit $status: $stderr" >&2; return 1 ;;
			esac
			[[ "$output$stderr" != *"window of"* ]]
			if [ -n "$json" ] && [ -n "$output" ]; then
				while read -r t; do
					[[ "$want" == *" $t "* ]] || { echo "ulimit -v $kib: target '$t'" >&2; return 1; }
				done < <(jq -r .target <<<"$output")
			fi
			if [ -z "$json" ]; then
				while read -r line; do
					t=${line#sockctl: probe-connect }
					t=${t%%: *}
					[[ "$want" == *" $t "* ]] || { echo "ulimit -v $kib: '$line'" >&2; return 1; }
				done < <(grep '^sockctl: probe-connect ' <<<"$stderr")
			fi
			if [ "$status" -eq 12 ]; then
				echo "ulimit -v $kib $json: $stderr$output"
				# before any result: the output buffer, else each target
				[[ "$stderr$output" == *"not probed: no "* ||
				   "$stderr" == *"out of memory for the output buffer"* ]]
				[[ "$stderr$output" == *"ulimit -v $kib"* ]]
			fi
		done
	done
	# the steps must reach a run that probed (-j halved to fit)
	[ "$ran" -eq 1 ]
	echo "some step ended in resource-limit: $hit"
}

@test "servers with too few descriptors to start say resource-limit (EMFILE) and exit 12" {
	netns
	run --separate-stderr limited 4 "$SOCKCTL" echo-server 0
	echo "echo-server: exit $status, $stderr"
	[ "$status" -eq 12 ]
	assert_stderr_contains "resource-limit (EMFILE)"
	assert_stderr_contains "ulimit -n"
	run --separate-stderr limited 4 "$SOCKCTL" udp-echo 0
	echo "udp-echo: exit $status, $stderr"
	[ "$status" -eq 12 ]
	assert_stderr_contains "resource-limit (EMFILE)"
	assert_stderr_contains "ulimit -n"
}

@test "root: a used-up ephemeral port range gives address-not-available (EADDRNOTAVAIL) at connect, naming the range" {
	need_netns
	server es echo-server 0
	# four ports for every client here, none of them the server's
	local lo=50000
	[ "$listen_port" -ge 50000 ] && [ "$listen_port" -le 50003 ] && lo=40000
	"${NS[@]}" sysctl -q -w net.ipv4.ip_local_port_range="$lo $((lo + 3))"
	bg_client hold -m hold -n 4 -t 60
	local hold=$bg_pid
	wait_line hold '^held 4$'
	run --separate-stderr "${NS[@]}" "$SOCKCTL" probe-connect "127.0.0.1:$listen_port"
	[ "$status" -eq 9 ]
	assert_stderr_contains "connect: address-not-available (EADDRNOTAVAIL)"
	assert_stderr_contains "net.ipv4.ip_local_port_range is $lo-$((lo + 3)) (4 ports); 4 sockets here go to 127.0.0.1:$listen_port"
	run --separate-stderr "${NS[@]}" "$SOCKCTL" --json probe-connect "localhost:$listen_port"
	[ "$status" -eq 9 ]
	run jfields stage reason errno <<<"$output"
	assert_output "connect address-not-available EADDRNOTAVAIL"
	# a fifth client of the test's own fails the same way
	nec -m hold -n 1 -t 1
	assert_failure
	[[ "$stderr" == *"Cannot assign requested address"* ]]
	# the fix it gives works: a wider range, and it connects
	"${NS[@]}" sysctl -q -w net.ipv4.ip_local_port_range="$lo $((lo + 7))"
	run --separate-stderr "${NS[@]}" "$SOCKCTL" probe-connect "127.0.0.1:$listen_port"
	[ "$status" -eq 0 ]
	kill -0 "$hold"
}

@test "probe-connect streams 60 000 targets in 32 MiB of address space (ulimit -v): every one probed, none out of memory" {
	sanitized && skip "ASan reserves terabytes of address space: ulimit -v cannot apply"
	# all read first, they took 1.4 KiB each: ENOMEM even under 100 MiB
	awk 'BEGIN { for (i = 0; i < 60000; i++) printf "127.0.0.1:%d\n", 1 + i % 60000 }' \
		>"$BATS_TEST_TMPDIR/targets"
	run --separate-stderr bash -c 'ulimit -v 32768 && exec "$@"' _ \
		"$SOCKCTL" -q probe-connect -t 100ms --targets "$BATS_TEST_TMPDIR/targets"
	echo "exit $status, ${#stderr_lines[@]} lines; $(grep -v refused <<<"$stderr" | head -n 3)"
	[ "$status" -eq 4 ] || [ "$status" -eq 0 ]
	[[ "$stderr" != *ENOMEM* && "$stderr" != *resource-limit* ]]
	# one line per closed port (a few may have a listener of this machine)
	[ "${#stderr_lines[@]}" -gt 59000 ]
	[ -z "$output" ]
}

@test "resolver threads that cannot start under ulimit -v: names are resolved inline, every result right" {
	sanitized && skip "ASan reserves terabytes of address space: ulimit -v cannot apply"
	netns
	server es echo-server 0
	local closed
	closed=$(free_ports 1)
	# a thread wants a 1 GiB stack (ulimit -s) in 256 MiB of address space
	run --separate-stderr "${NS[@]}" bash -c 'ulimit -s 1048576 && ulimit -v 262144 && exec "$@"' _ \
		"$SOCKCTL" -v --json probe-connect "localhost:$listen_port" "localhost:$closed" \
		"localhost:$listen_port"
	[ "$status" -eq 4 ]
	# musl sizes a thread's stack itself (128 KiB), not from ulimit -s:
	# the static build's threads start, and only the results are checked
	if [[ "$stderr" != *"no resolver thread"* ]]; then
		static_binary || assert_stderr_contains "no resolver thread"
	fi
	run jfields target reason <<<"$output"
	assert_output "$(printf 'localhost:%s ok\nlocalhost:%s refused\nlocalhost:%s ok' \
		"$listen_port" "$closed" "$listen_port")"
}
