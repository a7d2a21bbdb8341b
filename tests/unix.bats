#!/usr/bin/env bats
# Unix domain sockets in every command (SPEC "Unix domain sockets"): real
# sockets made by the tests in a fresh directory, never a fixed path.
load helpers/common

UNIX_PY=$BATS_TEST_DIRNAME/helpers/unix_sock.py

setup() {
	D=$(mktemp -d "${TMPDIR:-/tmp}/sockctl-unix.XXXXXX")
}

teardown() {
	stop_all_bg
	rm -rf "$D"
}

# sock_up NAME MODE PATH [ARG]: starts unix_sock.py and waits for "ready".
sock_up() {
	local name=$1
	shift
	start_bg "$name" python3 "$UNIX_PY" "$@"
	wait_line "$name" '^ready'
}

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
	assert_stderr_contains "fix:   remove it, then start the server: rm $D/stale.sock"
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
	( sleep 0.6; exec python3 "$UNIX_PY" listen "$D/late.sock" ) >/dev/null 2>&1 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	sc 0 connect --wait 10s --interval 50ms "$D/late.sock"
	assert_output --regexp "^connected to $D/late.sock \(pid [0-9]+, python3, user .*ready after"
}

@test "--wait gives up on a stale file with the last cause" {
	sock_up st stale "$D/stale.sock"
	sc 4 connect --wait 300ms --interval 50ms "$D/stale.sock"
	assert_stderr_contains "is a stale socket file"
	assert_stderr_contains "still failing when --wait ran out"
}

# as_nobody EXIT ARGS...: sc as uid/gid 65534 with no supplementary group.
as_nobody() {
	local want=$1
	shift
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKCTL" "$@"
	[ "$status" -eq "$want" ] || { echo "exit $status, expected $want"; echo "$stderr"; return 1; }
}

# open_dir: $D reachable by nobody (mktemp and BATS make 0700 directories).
open_dir() {
	chmod 0755 "$D"
	local p=$D
	while p=$(dirname "$p") && [ "$p" != / ]; do
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$p" ||
			skip "$p is not searchable by nobody"
	done
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
	! grep -q '^sockctltest:' /etc/group
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
