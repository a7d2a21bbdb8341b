#!/usr/bin/env bats
# Unix domain sockets in every command (SPEC "Unix domain sockets"): real
# sockets made by the tests in a fresh directory, never a fixed path.
load helpers/common
load helpers/unix

# json_get KEY: the value of KEY in the JSON line $output, as Python prints it.
json_get() {
	python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v = v[k] if v is not None else None
print("null" if v is None else v)' "$output" "$1"
}

@test "connect to a live Unix socket names its server (pid, command, user)" {
	sock_up srv listen "$D/live.sock"
	sc 0 connect "$D/live.sock"
	assert_output --regexp "^connected to $D/live.sock \(pid $bg_pid, python3, user $(id -un)\) in [0-9.]+ ms$"
	sc 0 --json connect "unix:$D/live.sock"
	[ "$(json_get family)" = unix ]
	[ "$(json_get address)" = "$D/live.sock" ]
	[ "$(json_get port)" = null ]
	[ "$(json_get peer.pid)" = "$bg_pid" ]
	[ "$(json_get peer.command)" = python3 ]
	[ "$(json_get peer.user)" = "$(id -un)" ]
}

@test "connect -v traces the Unix lifecycle" {
	sock_up srv listen "$D/live.sock"
	sc 0 -v connect "$D/live.sock"
	assert_stderr_contains "socket(AF_UNIX, SOCK_STREAM) = fd "
	assert_stderr_contains "connect($D/live.sock): connected in "
	assert_stderr_contains "close(fd "
}

@test "peer is null for an IP target" {
	python3 - <<'PY' >/dev/null 2>&1 || skip "no loopback"
import socket; socket.socket().bind(("127.0.0.1", 0))
PY
	start_listener tcp python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(4)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True); time.sleep(60)'
	sc 0 --json connect "127.0.0.1:$listen_port"
	[ "$(json_get peer)" = null ]
}

@test "a stale socket file is refused (exit 4) with its owner, age and rm fix" {
	sock_up st stale "$D/stale.sock"
	[ -S "$D/stale.sock" ]
	sc 4 connect "$D/stale.sock"
	assert_stderr_contains "connect: refused (ECONNREFUSED)"
	assert_stderr_contains "is a stale socket file: no process listens on it (owner $(id -un)"
	assert_stderr_contains "most servers (PostgreSQL, MySQL, redis, php-fpm) replace their stale socket file at start"
	assert_stderr_contains "remove it first: rm $D/stale.sock"
	sc 4 --json connect "$D/stale.sock"
	[ "$(json_get reason)" = refused ]
	[ "$(json_get errno)" = ECONNREFUSED ]
	[ "$(json_get family)" = unix ]
	[ "$(json_get peer)" = null ]
}

@test "a regular file is refused and named for what it is, never to be removed" {
	echo data >"$D/notasock"
	sc 4 connect "$D/notasock"
	assert_stderr_contains "$D/notasock is a regular file, not a socket"
	[[ "$stderr" != *"rm $D/notasock"* ]]
	sc 4 connect "$D"
	assert_stderr_contains "is a directory, not a socket"
}

@test "a missing directory is refused (ENOENT) and names the deepest that exists" {
	sc 4 connect "$D/run/postgresql/.s.PGSQL.5432"
	assert_stderr_contains "connect: refused (ENOENT)"
	assert_stderr_contains "$D is the deepest directory of the path that exists"
	sc 4 --json connect "$D/run/x.sock"
	[ "$(json_get errno)" = ENOENT ]
	[ "$(json_get stage)" = connect ]
}

@test "a missing socket beside a sibling of another port says wrong port" {
	sock_up pg listen "$D/.s.PGSQL.5433"
	sc 4 connect "$D/.s.PGSQL.5432"
	assert_stderr_contains "its directory $D exists"
	assert_stderr_contains "sockets in $D: .s.PGSQL.5433"
	assert_stderr_contains "probably the wrong name or port"
	assert_stderr_contains "connect to $D/.s.PGSQL.5433 if that is the server"
}

@test "a datagram socket connected as a stream is EPROTOTYPE, exit 1, naming probe-udp" {
	sock_up dg dgram "$D/dg.sock"
	sc 1 connect "$D/dg.sock"
	assert_stderr_contains "connect: error (EPROTOTYPE)"
	assert_stderr_contains "is a datagram socket (SOCK_DGRAM)"
	assert_stderr_contains "sockctl probe-udp $D/dg.sock"
	sc 1 --json connect "$D/dg.sock"
	[ "$(json_get errno)" = EPROTOTYPE ]
	[ "$(json_get reason)" = error ]
}

@test "a listener whose queue is full and never accepts is a timeout (exit 5) naming it" {
	sock_up full fill "$D/full.sock" 1
	sc 5 connect "$D/full.sock"
	assert_stderr_contains "connect: timeout (EAGAIN)"
	assert_stderr_contains "the accept queue of $D/full.sock is full"
	assert_stderr_contains "the backlog is 1; pid $bg_pid (python3"
	assert_stderr_contains "is not calling accept()"
	sc 5 --json connect "$D/full.sock"
	[ "$(json_get reason)" = timeout ]
	[ "$(json_get errno)" = EAGAIN ]
}

@test "a path of 120 bytes is a usage error giving its length and the limit" {
	local p
	p=$D/$(printf 'x%.0s' $(seq $((119 - ${#D}))))
	[ ${#p} -eq 120 ]
	sc 2 connect "$p"
	assert_stderr_contains "is 120 bytes long, more than the 107 that sun_path holds (108 with its NUL)"
	sc 2 probe-bind "$p"
	assert_stderr_contains "is 120 bytes long"
	sc 2 echo-server "$p"
	sc 2 probe-udp "$p"
}

@test "an abstract name: bound connects, unbound is refused" {
	local n="@sockctl-test-$$-$RANDOM"
	sc 4 connect "$n"
	assert_stderr_contains "no socket is bound to the abstract name $n"
	sock_up ab listen "$n"
	sc 0 --json connect "$n"
	[ "$(json_get address)" = "$n" ]
	[ "$(json_get family)" = unix ]
	[ "$(json_get peer.pid)" = "$bg_pid" ]
}

@test "--wait retries a missing socket until a late server creates it" {
	local w rc=0 i
	# the server comes only after --wait has seen the file missing once
	start_bg w "$SOCKCTL" -v connect --wait 10s --interval 50ms "$D/late.sock"
	w=$bg_pid
	for ((i = 0; i < 500; i++)); do
		grep -q 'round 1: ' "$BATS_TEST_TMPDIR/w.err" && break
		sleep 0.02
	done
	start_bg late python3 "$UNIX_PY" listen "$D/late.sock"
	wait "$w" || rc=$?
	[ "$rc" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/w.out"
	assert_output --regexp "^connected to $D/late.sock \(pid [0-9]+, python3, user .*ready after"
}

@test "--wait gives up on a stale file with the last cause" {
	sock_up st stale "$D/stale.sock"
	sc 4 connect --wait 300ms --interval 50ms "$D/stale.sock"
	assert_stderr_contains "is a stale socket file"
	assert_stderr_contains "still failing when --wait ran out"
}

@test "root: a socket of mode 0600 is permission-denied for nobody, naming the file" {
	require_root
	open_dir
	sock_up srv listen "$D/s.sock"
	chmod 0600 "$D/s.sock"
	as_nobody 8 connect "$D/s.sock"
	assert_stderr_contains "connect: permission-denied (EACCES)"
	assert_stderr_contains "the socket $D/s.sock (owner root, group root, mode 0600) does not give uid 65534"
	assert_stderr_contains "write (w) permission; this process's groups: 65534"
	as_nobody 8 --json connect "$D/s.sock"
	[ "$(json_get reason)" = permission-denied ]
	[ "$(json_get exit_code)" = 8 ]
}

@test "root: a directory of mode 0700 is permission-denied for nobody, naming the directory" {
	require_root
	open_dir
	mkdir -m 0700 "$D/priv"
	sock_up srv listen "$D/priv/s.sock"
	chmod 0666 "$D/priv/s.sock"
	as_nobody 8 connect "$D/priv/s.sock"
	assert_stderr_contains "the directory $D/priv (owner root, group root, mode 0700) does not give uid 65534"
	assert_stderr_contains "search (x) permission"
}

@test "root: a group added after login says log in again or newgrp (private /etc/group)" {
	require_root
	command -v unshare >/dev/null || skip "no unshare"
	open_dir
	local gid=54321
	while getent group "$gid" >/dev/null; do gid=$((gid + 1)); done
	cp /etc/group "$D/group"
	echo "sockctltest:x:$gid:nobody" >>"$D/group"
	sock_up srv listen "$D/docker.sock"
	chgrp "$gid" "$D/docker.sock"
	chmod 0660 "$D/docker.sock"
	run --separate-stderr unshare -m sh -c '
		mount --make-rprivate / 2>/dev/null
		mount --bind "$1" /etc/group || exit 99
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$2" connect "$3"' \
		sh "$D/group" "$SOCKCTL" "$D/docker.sock"
	[ "$status" -ne 99 ] || skip "cannot bind-mount /etc/group here"
	[ "$status" -eq 8 ] || { echo "$stderr"; false; }
	assert_stderr_contains "/etc/group lists nobody in group sockctltest, but this process does not carry it"
	assert_stderr_contains "you were added to group sockctltest after this login started"
	assert_stderr_contains "newgrp sockctltest"
	# the machine's own /etc/group is untouched
	run ! grep -q '^sockctltest:' /etc/group
}

@test "probe-bind on a free path binds, listens, and removes its own file" {
	sc 0 probe-bind "$D/free.sock"
	assert_output "$D/free.sock (stream): bound and listening, then closed"
	[ ! -e "$D/free.sock" ]
	sc 0 --json probe-bind --udp "$D/free.sock"
	[ "$(json_get family)" = unix ]
	[ "$(json_get proto)" = dgram ]
	[ "$(json_get port)" = null ]
	[ ! -e "$D/free.sock" ]
}

@test "probe-bind names the live holder of a path (port-in-use, exit 7)" {
	sock_up srv listen "$D/live.sock"
	sc 7 probe-bind "$D/live.sock"
	assert_stderr_contains "bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "$D/live.sock is held by pid $bg_pid (python3, user $(id -un))"
	sc 7 --json probe-bind "$D/live.sock"
	[ "$(json_get owners.0.pid)" = "$bg_pid" ] 2>/dev/null ||
		python3 -c 'import json,sys; o=json.loads(sys.argv[1])["owners"]; assert o[0]["pid"]==int(sys.argv[2]), o' "$output" "$bg_pid"
	[ -S "$D/live.sock" ]
}

@test "probe-bind on a stale file says remove it; on a regular file never" {
	sock_up st stale "$D/stale.sock"
	sc 7 probe-bind "$D/stale.sock"
	assert_stderr_contains "is a stale socket file: nothing listens on it"
	assert_stderr_contains "replace their stale socket file at start"
	assert_stderr_contains "rm $D/stale.sock"
	echo keep >"$D/data"
	sc 7 probe-bind "$D/data"
	assert_stderr_contains "$D/data is a regular file, not a socket"
	[[ "$stderr" != *"rm $D/data"* ]]
	[ "$(cat "$D/data")" = keep ]
}

@test "probe-bind in a missing directory is address-not-available (exit 9)" {
	sc 9 probe-bind "$D/no/such/dir/x.sock"
	assert_stderr_contains "bind: address-not-available (ENOENT)"
	assert_stderr_contains "the directory $D/no/such/dir does not exist; the deepest that does is $D"
	assert_stderr_contains "mkdir -p $D/no/such/dir"
}

@test "root: probe-bind in a directory nobody may write is permission-denied (exit 8)" {
	require_root
	open_dir
	mkdir -m 0755 "$D/ro"
	as_nobody 8 probe-bind "$D/ro/x.sock"
	assert_stderr_contains "bind: permission-denied (EACCES)"
	assert_stderr_contains "the directory $D/ro (owner root, group root, mode 0755) may not be written by uid 65534"
}

@test "probe-bind --hold on a path and an abstract name, then removes only its own file" {
	start_listener h "$SOCKCTL" probe-bind --hold 30s "$D/held.sock"
	[ "$listen_addr" = "$D/held.sock" ]
	sc 7 probe-bind "$D/held.sock"
	assert_stderr_contains "held by pid $bg_pid (sockctl"
	stop_bg "$bg_pid"
	[ ! -e "$D/held.sock" ]
	# a file that replaced it is left alone
	start_listener h2 "$SOCKCTL" probe-bind --hold 30s "$D/held.sock"
	rm "$D/held.sock"
	echo other >"$D/held.sock"
	stop_bg "$bg_pid"
	[ "$(cat "$D/held.sock")" = other ]
	local n="@sockctl-hold-$$-$RANDOM"
	start_listener h3 "$SOCKCTL" probe-bind --hold 30s "$n"
	sc 0 connect "$n"
	assert_output --partial "(pid $bg_pid, sockctl"
}

@test "echo-server on a path echoes byte-exact and removes its file on SIGTERM" {
	start_listener es "$SOCKCTL" echo-server "$D/echo.sock"
	[ "$listen_addr" = "$D/echo.sock" ]
	head -c 100000 /dev/urandom >"$D/in"
	python3 -c 'import socket,sys
c=socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
c.sendall(open(sys.argv[2],"rb").read()); c.shutdown(socket.SHUT_WR)
out=b""
while True:
    b=c.recv(65536)
    if not b: break
    out+=b
open(sys.argv[3],"wb").write(out)' "$D/echo.sock" "$D/in" "$D/out"
	cmp "$D/in" "$D/out"
	sc 0 connect "$D/echo.sock"
	assert_output --partial "(pid $bg_pid, sockctl"
	stop_bg "$bg_pid"
	[ ! -e "$D/echo.sock" ]
}

@test "echo-server on a path: streams are spliced or copied byte-exact, and a client that hangs up mid-echo or never reads stops nothing" {
	start_bg es "$SOCKCTL" -v echo-server "$D/s.sock"
	wait_line es '^listening on '
	local es_pid=$bg_pid
	# 2: sends 4 MB and never reads, 3: sends 4 MB and hangs up unread;
	# then 20 streams of 2 MB at once (more than the 16 pipes), each checked
	run timeout 60 python3 -c 'import os, socket, sys, threading
p = sys.argv[1]
stall = socket.socket(socket.AF_UNIX); stall.connect(p); stall.setblocking(False)
blob = os.urandom(1 << 20)
sent = 0
for _ in range(2000):
    try:
        sent += stall.send(blob)
    except BlockingIOError:
        break
gone = socket.socket(socket.AF_UNIX); gone.connect(p); gone.settimeout(20)
try:
    for _ in range(4):
        gone.sendall(blob)
except OSError:
    pass
gone.close()
bad = []
def one(i):
    data = os.urandom(2000000)
    c = socket.socket(socket.AF_UNIX); c.connect(p); c.settimeout(30)
    t = threading.Thread(target=lambda: (c.sendall(data), c.shutdown(socket.SHUT_WR)))
    t.start()
    got = bytearray()
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        got += b
    t.join()
    if bytes(got) != data:
        bad.append(i)
ts = [threading.Thread(target=one, args=(i,)) for i in range(20)]
for t in ts: t.start()
for t in ts: t.join()
print("stalled", sent, "bad", bad)
stall.close()' "$D/s.sock"
	assert_success
	assert_output --regexp '^stalled [0-9]+ bad \[\]$'
	# flow control stopped the stalled client: a few send buffers' worth,
	# not the 2000 MiB it tried
	(( $(awk '{ print $2 }' <<<"$output") < 8 * 1048576 ))
	kill -0 "$es_pid"
	sc 0 connect --send 'hi\n' --expect hi "$D/s.sock"
	stop_bg "$es_pid"
	grep -q "SO_SNDBUF, 512 KiB): a streaming Unix connection" "$BATS_TEST_TMPDIR/es.err"
	grep -q "echoed by splice() through a pipe of 256 KiB" "$BATS_TEST_TMPDIR/es.err"
	grep -q "splice(pipe to fd [0-9]*): [0-9]* of [0-9]* bytes" "$BATS_TEST_TMPDIR/es.err"
}

@test "echo-server --json on a path: family unix, port null" {
	start_bg ej "$SOCKCTL" --json echo-server "$D/j.sock"
	wait_line ej '"event":"listening"'
	python3 -c 'import json,sys; o=json.loads(sys.argv[1])
assert o["family"]=="unix" and o["port"] is None and o["address"]==sys.argv[2], o' "$wait_match" "$D/j.sock"
}

@test "echo-server refuses a stale file without --unlink and takes it with it" {
	sock_up st stale "$D/s.sock"
	sc 7 echo-server "$D/s.sock"
	assert_stderr_contains "is a stale socket file"
	assert_stderr_contains "--unlink"
	[ -S "$D/s.sock" ]
	start_listener es "$SOCKCTL" echo-server --unlink "$D/s.sock"
	sc 0 connect "$D/s.sock"
	assert_output --partial "(pid $bg_pid, sockctl"
}

@test "echo-server --unlink never removes a regular file or another process's live socket" {
	echo keep >"$D/f"
	sc 7 echo-server --unlink "$D/f"
	assert_stderr_contains "is a regular file, not a socket"
	[ "$(cat "$D/f")" = keep ]
	sock_up live listen "$D/live.sock"
	sc 7 echo-server --unlink "$D/live.sock"
	assert_stderr_contains "held by pid $bg_pid (python3"
	sc 0 connect "$D/live.sock"
	assert_output --partial "(pid $bg_pid, python3"
}

# Datagram sockets: udp-echo and probe-udp on a path or an abstract name.

# dgram_client PATH OUT: sends datagrams of several sizes (random bytes, a
# NUL, an empty one) from an autobound name and writes what came back, in
# order, to OUT; the sent bytes go to OUT.sent.
dgram_client() {
	python3 -c 'import os,socket,sys
c=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); c.bind(""); c.settimeout(10)
sent=b""; got=b""
for n in (1, 0, 100, 4096, 60000):
    d=os.urandom(n).replace(b"\0", b"\1")[:-1] + b"\0" if n else b""
    c.sendto(d, sys.argv[1]); sent+=d
    r,who=c.recvfrom(65536); got+=r
open(sys.argv[2]+".sent","wb").write(sent); open(sys.argv[2],"wb").write(got)' "$1" "$2"
}

@test "udp-echo on a path echoes every datagram byte-exact to its sender" {
	start_listener ue "$SOCKCTL" udp-echo "$D/echo.sock"
	[ "$listen_addr" = "$D/echo.sock" ]
	[ -S "$D/echo.sock" ]
	dgram_client "$D/echo.sock" "$D/got"
	cmp "$D/got.sent" "$D/got"
	[ "$(stat -c %s "$D/got")" -eq $((1 + 100 + 4096 + 60000)) ]
}

@test "udp-echo on a path: a sender that bound no name is counted, said in -v, and the server goes on" {
	start_bg ue "$SOCKCTL" -v udp-echo "$D/echo.sock"
	wait_line ue '^listening on '
	python3 -c 'import socket,sys
u=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); u.sendto(b"unbound", sys.argv[1])' "$D/echo.sock"
	sc 0 probe-udp -c 2 --interval 10ms "$D/echo.sock"
	assert_output --regexp "^dgram $D/echo.sock \(pid $bg_pid, sockctl, user $(id -un)\): 2 sent, 2 received, 0% loss"
	stop_bg "$bg_pid"
	grep -q "recv: 7 bytes from an unbound socket: no address to reply to, not answered" "$BATS_TEST_TMPDIR/ue.err"
	grep -q "3 datagrams in (.*), 2 out .*1 dropped (1 from unbound senders: no address to reply to)" "$BATS_TEST_TMPDIR/ue.out"
}

@test "udp-echo --json on a path: family unix, proto dgram, port null; the summary counts unaddressed" {
	start_bg uj "$SOCKCTL" --json udp-echo "$D/j.sock"
	wait_line uj '"event":"listening"'
	python3 -c 'import json,sys; o=json.loads(sys.argv[1])
assert o["family"]=="unix" and o["port"] is None and o["address"]==sys.argv[2] and o["proto"]=="dgram", o' "$wait_match" "$D/j.sock"
	stop_bg "$bg_pid"
	grep -q '"event":"summary".*"unaddressed":0' "$BATS_TEST_TMPDIR/uj.out"
}

@test "udp-echo refuses a stale file without --unlink (exit 7) and takes it over with it" {
	sock_up st stale "$D/s.sock"
	sc 7 udp-echo "$D/s.sock"
	assert_stderr_contains "udp-echo $D/s.sock: bind: port-in-use (EADDRINUSE)"
	assert_stderr_contains "$D/s.sock is a stale socket file"
	assert_stderr_contains "--unlink"
	[ -S "$D/s.sock" ]
	sc 7 --json udp-echo "$D/s.sock"
	[ "$(json_get proto)" = dgram ]
	[ "$(json_get family)" = unix ]
	start_listener ue "$SOCKCTL" udp-echo --unlink "$D/s.sock"
	sc 0 probe-udp -c 1 "$D/s.sock"
	assert_output --partial "(pid $bg_pid, sockctl"
}

@test "udp-echo --unlink never removes a regular file or a live socket; names the holder" {
	echo keep >"$D/f"
	sc 7 udp-echo --unlink "$D/f"
	assert_stderr_contains "$D/f is a regular file, not a socket"
	[[ "$stderr" != *"rm $D/f"* ]]
	[ "$(cat "$D/f")" = keep ]
	sock_up live dgram "$D/live.sock"
	sc 7 udp-echo --unlink "$D/live.sock"
	assert_stderr_contains "$D/live.sock is held by pid $bg_pid (python3, user $(id -un)): a datagram socket (SOCK_DGRAM) bound to it"
	[ -S "$D/live.sock" ]
}

@test "udp-echo in a missing directory is exit 9; as nobody in a directory it may not write, exit 8" {
	sc 9 udp-echo "$D/no/dir/e.sock"
	assert_stderr_contains "the directory $D/no/dir does not exist; the deepest that does is $D"
	[ "$(id -u)" = 0 ] || return 0
	open_dir
	mkdir -m 0755 "$D/ro"
	as_nobody 8 udp-echo "$D/ro/e.sock"
	assert_stderr_contains "bind: permission-denied (EACCES)"
	assert_stderr_contains "the directory $D/ro (owner root, group root, mode 0755) may not be written by uid 65534"
}

@test "udp-echo removes its own file on SIGTERM, and leaves a file that replaced it" {
	start_listener ue "$SOCKCTL" udp-echo "$D/e.sock"
	stop_bg "$bg_pid"
	[ ! -e "$D/e.sock" ]
	start_listener ue2 "$SOCKCTL" udp-echo "$D/e.sock"
	rm "$D/e.sock"
	echo other >"$D/e.sock"
	stop_bg "$bg_pid"
	[ "$(cat "$D/e.sock")" = other ]
}

@test "probe-udp on a path: sent, received, rtt, the server named; JSON family unix, port null, peer" {
	start_listener ue "$SOCKCTL" udp-echo "$D/e.sock"
	sc 0 probe-udp -c 3 --interval 10ms "$D/e.sock"
	assert_output --regexp "^dgram $D/e.sock \(pid $bg_pid, sockctl, user $(id -un)\): 3 sent, 3 received, 0% loss, rtt min/avg/max [0-9.]+/[0-9.]+/[0-9.]+ ms$"
	sc 0 --json probe-udp -c 2 --interval 10ms "unix:$D/e.sock"
	[ "$(json_get family)" = unix ]
	[ "$(json_get address)" = "$D/e.sock" ]
	[ "$(json_get port)" = null ]
	[ "$(json_get received)" = 2 ]
	[ "$(json_get peer.pid)" = "$bg_pid" ]
	sc 0 -v probe-udp -c 1 "$D/e.sock"
	assert_stderr_contains "socket(AF_UNIX, SOCK_DGRAM) = fd "
	assert_stderr_contains "bind(autobind) ok: @"
	assert_stderr_contains "connect($D/e.sock) ok: from @"
	assert_stderr_contains "recv: 29 bytes (reply 1)"
}

@test "probe-udp on an abstract name: bound answers, unbound is refused (exit 4)" {
	local n="@sockctl-dg-$$-$RANDOM"
	sc 4 probe-udp "$n"
	assert_stderr_contains "connect: refused (ECONNREFUSED)"
	assert_stderr_contains "no socket is bound to the abstract name $n"
	start_listener ue "$SOCKCTL" udp-echo "$n"
	sc 0 --json probe-udp -c 1 "$n"
	[ "$(json_get address)" = "$n" ]
	[ "$(json_get peer.pid)" = "$bg_pid" ]
}

@test "probe-udp on a missing path: ENOENT (exit 4), the directory, a sibling socket" {
	sock_up sib dgram "$D/app.1.sock"
	sc 4 probe-udp "$D/app.2.sock"
	assert_stderr_contains "connect: refused (ENOENT)"
	assert_stderr_contains "its directory $D exists, but nothing has created app.2.sock there"
	assert_stderr_contains "sockets in $D: app.1.sock"
	sc 4 probe-udp "$D/run/x/e.sock"
	assert_stderr_contains "$D is the deepest directory of the path that exists"
}

@test "probe-udp on a stale file and on a regular file: ECONNREFUSED (exit 4), what the file is" {
	sock_up st stale "$D/stale.sock"
	sc 4 probe-udp "$D/stale.sock"
	assert_stderr_contains "connect: refused (ECONNREFUSED)"
	assert_stderr_contains "$D/stale.sock is a stale socket file: no process has a socket bound to it (owner $(id -un)"
	assert_stderr_contains "rm $D/stale.sock"
	sc 4 --json probe-udp "$D/stale.sock"
	[ "$(json_get errno)" = ECONNREFUSED ]
	[ "$(json_get sent)" = 0 ]
	[ "$(json_get peer)" = null ]
	echo keep >"$D/f"
	sc 4 probe-udp "$D/f"
	assert_stderr_contains "$D/f is a regular file, not a socket"
	[[ "$stderr" != *"rm $D/f"* ]]
}

@test "probe-udp on a stream socket is EPROTOTYPE (exit 1), naming connect" {
	sock_up st listen "$D/st.sock"
	sc 1 probe-udp "$D/st.sock"
	assert_stderr_contains "connect: error (EPROTOTYPE)"
	assert_stderr_contains "$D/st.sock is a stream socket (SOCK_STREAM), and probe-udp connects with SOCK_DGRAM"
	assert_stderr_contains "sockctl connect $D/st.sock"
}

@test "probe-udp on a server that reads and never replies: timeout (exit 5), loss 100%, the server named" {
	sock_up sink sink "$D/sink.sock"
	sc 5 -t 300ms probe-udp -c 2 --interval 10ms "$D/sink.sock"
	assert_stderr_contains "recv: timeout"
	assert_stderr_contains "sent 2 datagrams to $D/sink.sock; no reply within 300 ms"
	assert_stderr_contains "pid $bg_pid (python3, user $(id -un)) holds $D/sink.sock and read the 2 datagrams, but sent nothing back"
	sc 5 --json -t 300ms probe-udp -c 1 "$D/sink.sock"
	[ "$(json_get reason)" = timeout ]
	[ "$(json_get loss_pct)" = 100.0 ]
}

@test "probe-udp on a server that never reads: its full queue is a timeout (exit 5) naming it" {
	sock_up full dgramfull "$D/full.sock"
	sc 5 -t 300ms probe-udp -c 1 "$D/full.sock"
	assert_stderr_contains "send: timeout (EAGAIN)"
	assert_stderr_contains "the receive queue of $D/full.sock is full"
	assert_stderr_contains "pid $bg_pid (python3, user $(id -un)) holds that socket and is not reading it"
	assert_stderr_contains "strace -p $bg_pid"
	sc 5 --json -t 300ms probe-udp -c 1 "$D/full.sock"
	[ "$(json_get stage)" = send ]
	[ "$(json_get errno)" = EAGAIN ]
	[ "$(json_get sent)" = 0 ]
}

@test "probe-udp on a datagram socket connected to another peer: EPERM (exit 8) says so" {
	sock_up co connected "$D/co.sock"
	sc 8 probe-udp "$D/co.sock"
	assert_stderr_contains "connect: permission-denied (EPERM)"
	assert_stderr_contains "the datagram socket at $D/co.sock (held by pid $bg_pid (python3"
	assert_stderr_contains "is connected to another socket"
	[[ "$stderr" != *"security module"* ]]
}

@test "root: probe-udp as nobody on a datagram socket of mode 0600 is permission-denied, naming the file" {
	require_root
	open_dir
	sock_up srv dgram "$D/s.sock"
	chmod 0600 "$D/s.sock"
	as_nobody 8 probe-udp "$D/s.sock"
	assert_stderr_contains "connect: permission-denied (EACCES)"
	assert_stderr_contains "the socket $D/s.sock (owner root, group root, mode 0600) does not give uid 65534"
}

@test "echo-server -v on a path traces no TCP states" {
	start_bg es "$SOCKCTL" -v echo-server "$D/e.sock"
	wait_line es '^listening on '
	sc 0 connect --send 'hi\n' "$D/e.sock"
	stop_bg "$bg_pid"
	grep -q "accept(fd [0-9]*) = fd [0-9]* from an unbound client socket" "$BATS_TEST_TMPDIR/es.err"
	grep -q "recv(fd [0-9]*): EOF" "$BATS_TEST_TMPDIR/es.err"
	run ! grep -q "TCP state" "$BATS_TEST_TMPDIR/es.err"
}

@test "bash completion: probe-udp and udp-echo complete file names after a '/', no port after a path" {
	local comp=$BATS_TEST_DIRNAME/../completions/sockctl.bash
	: >"$D/abc.sock"
	run bash -c 'source "$1"; COMP_WORDS=(sockctl probe-udp "$2"); COMP_CWORD=2
_sockctl; printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$D/ab"
	assert_output "$D/abc.sock"
	run bash -c 'source "$1"; COMP_WORDS=(sockctl probe-udp "$2" ""); COMP_CWORD=3
_sockctl; printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$D/abc.sock"
	assert_output ""
	run bash -c 'source "$1"; COMP_WORDS=(sockctl udp-echo "$2"); COMP_CWORD=2
_sockctl; printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "unix:$D/ab"
	assert_output "unix:$D/abc.sock"
}

@test "two echo-server --unlink started together on one stale file: never both alive, the file is the live one's" {
	local round a b ea eb k alive=0 bad=0
	local barrier='touch "$1"; n=0
while [ ! -e "$2" ] && [ $n -lt 200000 ]; do n=$((n + 1)); done
shift 2; exec "$@"'
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/orig.sock"
	# (not $i: bats' run, under sc, sets a global i)
	for ((round = 0; round < ${RACE_RUNS:-25}; round++)); do
		# a stale socket file: a hard link to one no socket is bound to
		ln "$D/orig.sock" "$D/s.sock"
		# both wait at a barrier, then start at the same moment
		rm -f "$D/go" "$D/ready.a" "$D/ready.b" "$BATS_TEST_TMPDIR"/[ab].out
		start_bg a sh -c "$barrier" sh "$D/ready.a" "$D/go" "$SOCKCTL" echo-server --unlink "$D/s.sock"
		a=$bg_pid
		start_bg b sh -c "$barrier" sh "$D/ready.b" "$D/go" "$SOCKCTL" echo-server --unlink "$D/s.sock"
		b=$bg_pid
		for ((k = 0; k < 500; k++)); do
			[ -e "$D/ready.a" ] && [ -e "$D/ready.b" ] && break
			sleep 0.01
		done
		: >"$D/go"
		# each has either said "listening" or exited (bounded)
		for ((k = 0; k < 500; k++)); do
			ea=0 eb=0
			kill -0 "$a" 2>/dev/null || ea=1
			kill -0 "$b" 2>/dev/null || eb=1
			{ [ $ea = 1 ] || grep -q '^listening' "$BATS_TEST_TMPDIR/a.out"; } &&
				{ [ $eb = 1 ] || grep -q '^listening' "$BATS_TEST_TMPDIR/b.out"; } && break
			sleep 0.02
		done
		alive=$(((1 - ea) + (1 - eb)))
		if [ "$alive" -ne 1 ]; then
			echo "run $round: $alive servers alive" >&2
			cat "$BATS_TEST_TMPDIR/a.err" "$BATS_TEST_TMPDIR/b.err" >&2
			bad=$((bad + 1))
		else
			# the file at the path is the survivor's live socket
			sc 0 connect "$D/s.sock"
			[[ "$output" == *"(pid $([ $ea = 0 ] && echo "$a" || echo "$b"), sockctl"* ]] || bad=$((bad + 1))
		fi
		stop_bg "$a"
		stop_bg "$b"
		# the loser removed nothing; the survivor removed its own file
		[[ ! -e "$D/s.sock" ]] || { echo "run $round: file left" >&2; bad=$((bad + 1)); }
		rm -f "$D/s.sock"
	done
	[ "$bad" -eq 0 ]
}

@test "echo-server --json: a Unix client that bound no name is null in peer and address, port null" {
	start_bg ej "$SOCKCTL" --json echo-server --count 1 "$D/j.sock"
	local pid=$bg_pid
	wait_line ej '"event":"listening"'
	sc 0 connect "$D/j.sock"
	wait_line ej '"event":"close"'
	run jq -s -e '[.[] | select(.event == "accept" or .event == "close")] |
		length == 2 and all(.[]; .peer == null and .address == null and
		.port == null and .family == "unix")' "$BATS_TEST_TMPDIR/ej.out"
	[ "$status" -eq 0 ]
}

@test "an abstract name bound by the other socket type: told as a path is (error, not 'nothing bound'), both ways" {
	local name="@sockctl-type-$$-$BATS_TEST_NUMBER"
	start_listener dg "$SOCKCTL" udp-echo "$name"
	sc 1 connect "$name"
	assert_stderr_contains "$name is a datagram socket (SOCK_DGRAM)"
	assert_stderr_contains "held by pid $bg_pid (sockctl"
	assert_stderr_contains "sockctl probe-udp $name"
	[[ "$stderr" != *"no socket is bound"* ]]
	stop_bg "$bg_pid"
	start_listener st "$SOCKCTL" echo-server "$name"
	sc 1 probe-udp -c 1 "$name"
	assert_stderr_contains "$name is a stream socket (SOCK_STREAM)"
	assert_stderr_contains "sockctl connect $name"
}
