#!/usr/bin/env bats
# Unix socket paths with no live socket where they point (issue 28, "one
# step short"): a file re-created under a live server, a missing path
# beside a live socket of a similar name, a directory, symbolic links,
# ENOTDIR; and the permission wording (the owner locked out by its own
# mode, a primary group the process was started without, the server's
# own setting for a lasting mode). Paths in a fresh mktemp -d only.
load helpers/common
load helpers/unix

@test "a socket file re-created under a live server: probe-bind and connect both name the server, neither says rm" {
	sock_up srv listen "$D/s.sock"
	local srv=$bg_pid
	rm "$D/s.sock"
	sock_up st stale "$D/s.sock"
	[ -S "$D/s.sock" ]
	sc 7 probe-bind "$D/s.sock"
	assert_stderr_contains "pid $srv (python3, user $(id -un)) listens on a socket bound to $D/s.sock, but the file now at $D/s.sock is another one"
	assert_stderr_contains "restart that server so it binds $D/s.sock anew"
	[[ "$stderr" != *"rm $D/s.sock"* ]]
	[[ "$stderr" != *"is a stale socket file: nothing listens"* ]]
	sc 4 connect "$D/s.sock"
	assert_stderr_contains "pid $srv (python3, user $(id -un)) listens on a socket bound to $D/s.sock"
	[[ "$stderr" != *"rm $D/s.sock"* ]]
}

@test "a socket file re-created under a live server, read from /proc/net/unix (no file ids): still no rm" {
	sock_up srv listen "$D/s.sock"
	local srv=$bg_pid
	rm "$D/s.sock"
	sock_up st stale "$D/s.sock"
	SOCKCTL_PROC_ROOT=//proc sc 7 probe-bind "$D/s.sock"
	assert_stderr_contains "pid $srv (python3, user $(id -un)) listens on a socket bound to $D/s.sock"
	[[ "$stderr" != *"rm $D/s.sock"* ]]
	[[ "$stderr" != *"is held by"* ]]
	SOCKCTL_PROC_ROOT=//proc sc 4 connect "$D/s.sock"
	assert_stderr_contains "pid $srv (python3, user $(id -un)) listens on a socket bound to $D/s.sock"
	[[ "$stderr" != *"rm $D/s.sock"* ]]
}

@test "a new server bound the path of a removed one: probe-bind and connect name the same live pid" {
	sock_up old listen "$D/s.sock"
	rm "$D/s.sock"
	sock_up new listen "$D/s.sock"
	local new=$bg_pid
	sc 7 probe-bind "$D/s.sock"
	assert_stderr_contains "$D/s.sock is held by pid $new (python3"
	assert_stderr_contains "do not remove a live server's socket"
	[[ "$stderr" != *"rm $D/s.sock"* ]]
	sc 0 connect "$D/s.sock"
	assert_output --partial "(pid $new, python3"
}

@test "a missing path names a live socket of a similar name elsewhere (mysql.sock, mysqld.sock)" {
	mkdir -p "$D/tmp" "$D/run/mysqld"
	sock_up db listen "$D/run/mysqld/mysqld.sock"
	sc 4 connect "$D/tmp/mysql.sock"
	assert_stderr_contains "connect: refused (ENOENT)"
	assert_stderr_contains "a live socket with a similar name: $D/run/mysqld/mysqld.sock (pid $bg_pid, python3"
	assert_stderr_contains "sockctl connect $D/run/mysqld/mysqld.sock"
}

@test "a missing path names a live socket of the same name in another directory" {
	mkdir -p "$D/a" "$D/b"
	sock_up app listen "$D/a/app-$$.sock"
	sc 4 connect "$D/b/app-$$.sock"
	assert_stderr_contains "a live socket with the same name elsewhere: $D/a/app-$$.sock (pid $bg_pid"
	# a removed server's name is not offered as live
	rm "$D/a/app-$$.sock"
	sc 4 connect "$D/b/app-$$.sock"
	[[ "$stderr" != *"same name elsewhere"* ]]
}

@test "a directory given instead of a socket lists the sockets in it (connect and probe-bind)" {
	mkdir "$D/run"
	sock_up srv listen "$D/run/app.sock"
	sc 4 connect "$D/run"
	assert_stderr_contains "$D/run is a directory, not a socket (waiting will not make it one); the socket in it: app.sock"
	assert_stderr_contains "fix:   connect to the socket file itself: sockctl connect $D/run/app.sock"
	sc 7 probe-bind "$D/run"
	assert_stderr_contains "the socket in it: app.sock"
	mkdir "$D/empty"
	sc 4 connect "$D/empty"
	assert_stderr_contains "$D/empty is a directory, not a socket, and no socket is in it"
}

@test "connect --wait does not retry a directory: it will not become a socket" {
	mkdir "$D/run"
	run --separate-stderr timeout 10 "$SOCKCTL" -v connect --wait 30s "$D/run"
	[ "$status" -eq 4 ] || { echo "exit $status"; echo "$stderr"; false; }
	assert_stderr_contains "is a directory"
	[[ "$stderr" != *"retrying in"* ]]
	# a missing socket is still waited for
	run --separate-stderr "$SOCKCTL" -v connect --wait 1s "$D/run/x.sock"
	[ "$status" -eq 4 ]
	assert_stderr_contains "retrying in"
}

@test "symbolic links: where they point (dangling, a regular file, a loop: ELOOP explained)" {
	ln -s "$D/nowhere.sock" "$D/dangling"
	sc 4 connect "$D/dangling"
	assert_stderr_contains "$D/dangling is a symbolic link to $D/nowhere.sock, which does not exist (a dangling link)"
	echo data >"$D/file"
	ln -s "$D/file" "$D/tofile"
	sc 4 connect "$D/tofile"
	assert_stderr_contains "$D/tofile is a symbolic link to $D/file, which is a regular file"
	[[ "$stderr" != *"rm $D/"* ]]
	ln -s "$D/loop-b" "$D/loop-a"
	ln -s "$D/loop-a" "$D/loop-b"
	sc 4 connect "$D/loop-a"
	assert_stderr_contains "connect: refused (ELOOP)"
	assert_stderr_contains "its links go round in a loop"
	sc 4 --json connect "$D/loop-a"
	run jq -e '.errno == "ELOOP" and .reason == "refused"' <<<"$output"
	[ "$status" -eq 0 ]
	sc 7 probe-bind "$D/tofile"
	assert_stderr_contains "bind() never follows a link"
	[ "$(cat "$D/file")" = data ]
}

@test "ENOTDIR: the file in the way is named, and no mkdir -p over it (bind and connect)" {
	echo keep >"$D/conf"
	sc 9 probe-bind "$D/conf/x.sock"
	assert_stderr_contains "bind: address-not-available (ENOTDIR)"
	assert_stderr_contains "$D/conf is a regular file, not a directory (ENOTDIR)"
	[[ "$stderr" != *"mkdir -p"* ]]
	sc 4 connect "$D/conf/x.sock"
	assert_stderr_contains "$D/conf is a regular file, not a directory"
	[ "$(cat "$D/conf")" = keep ]
}

@test "root: the owner locked out by its own mode 0077 is told chmod u+w, not sudo -u itself" {
	require_root
	open_dir
	sock_up srv listen "$D/s.sock"
	chown 65534:65534 "$D/s.sock"
	chmod 0077 "$D/s.sock"
	as_nobody 8 connect "$D/s.sock"
	assert_stderr_contains "uid 65534 (nobody) owns $D/s.sock, and its mode 0077 gives the owner no write (w) permission"
	assert_stderr_contains "chmod u+w $D/s.sock"
	[[ "$stderr" != *"sudo -u nobody"* ]]
}

@test "root: a primary group the process was started without is not 'added after login'" {
	require_root
	open_dir
	local pg
	pg=$(getent passwd 65534 | cut -d: -f4)
	[ -n "$pg" ] || skip "no passwd entry for uid 65534"
	sock_up srv listen "$D/s.sock"
	chgrp "$pg" "$D/s.sock"
	chmod 0660 "$D/s.sock"
	local other=$((pg == 1 ? 2 : 1))
	run --separate-stderr setpriv --reuid=65534 --regid="$other" --clear-groups \
		"$SOCKCTL" connect "$D/s.sock"
	[ "$status" -eq 8 ] || { echo "$stderr"; false; }
	assert_stderr_contains "is the primary group of nobody (/etc/passwd), but this process runs with group"
	[[ "$stderr" != *"after this login"* ]]
	[[ "$stderr" != *"usermod"* ]]
}

@test "root: a lasting fix names the server's own setting (redis: unixsocketperm), not a chmod alone" {
	require_root
	open_dir
	start_bg redis python3 -c 'import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"redis-server", 0, 0, 0)
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
print("ready", flush=True); time.sleep(60)' "$D/redis.sock"
	wait_line redis '^ready'
	chmod 0600 "$D/redis.sock"
	# nobody cannot see root's holder: the file's name tells
	as_nobody 8 connect "$D/redis.sock"
	assert_stderr_contains "a chmod is lost when the server re-creates the socket at its next start: set it in the server (by the socket's owner or name, redis.conf's unixsocketperm"
	# root sees the holder (and is never refused): its command tells
	sc 0 connect "$D/redis.sock"
	assert_output --partial "(pid $bg_pid, redis-server, user root)"
}

@test "root: PostgreSQL's socket name gets its own setting; an unknown server the usual ones" {
	require_root
	open_dir
	sock_up pg listen "$D/.s.PGSQL.5999"
	chmod 0600 "$D/.s.PGSQL.5999"
	as_nobody 8 connect "$D/.s.PGSQL.5999"
	assert_stderr_contains "postgresql.conf's unix_socket_permissions"
	sock_up other listen "$D/other.sock"
	chmod 0600 "$D/other.sock"
	as_nobody 8 connect "$D/other.sock"
	assert_stderr_contains "set it in the server (redis: unixsocketperm; PostgreSQL: unix_socket_permissions; systemd: SocketMode=; docker: its group)"
}
