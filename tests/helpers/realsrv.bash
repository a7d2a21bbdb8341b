# Real servers for tests/proto.bats (Debian's redis-server, postgresql,
# mariadb-server, nginx, python3-aiosmtpd), each started once per file in
# a directory of $SRV_ROOT (made by srv_root: a temporary directory the
# servers' own users can reach, unlike $BATS_FILE_TMPDIR, whose parents
# only root may enter) on a free port: load with `load helpers/realsrv`
# after helpers/common. Started processes are listed in
# $BATS_FILE_TMPDIR/srv.pids and stopped by PID in teardown_file
# (stop_servers). A server whose package is missing is not started, and
# its tests skip with the package's name.

PY=${PYTHON3:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)

# free_port: a TCP port of 127.0.0.1 that nothing holds now (bound on port
# 0 and released: a server that needs its port on the command line gets it)
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# srv_root: makes $SRV_ROOT; stop_servers removes it.
srv_root() {
	SRV_ROOT=$(mktemp -d /tmp/sockctl-srv.XXXXXX) || return 1
	chmod 755 "$SRV_ROOT"
	echo "$SRV_ROOT" >"$BATS_FILE_TMPDIR/srv.root"
	export SRV_ROOT
}

# srv_note PID: stop_servers stops PID.
srv_note() {
	echo "$1" >>"$BATS_FILE_TMPDIR/srv.pids"
}

# as_user USER CMD...: CMD as USER when root (PostgreSQL will not run as
# root; setpriv execs, so $! is the server's pid), as is otherwise.
as_user() {
	local u=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"
	else
		"$@"
	fi
}

# until_ok SECONDS CMD...: runs CMD every 50 ms until it succeeds; fails
# after SECONDS.
until_ok() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "not true after ${limit}s: $*" >&2
	return 1
}

# stop_servers: every server of the file, by PID; a server that has not
# exited 10 s after SIGTERM gets SIGKILL.
stop_servers() {
	local p i
	[ -f "$BATS_FILE_TMPDIR/srv.pids" ] || return 0
	while read -r p; do
		kill "$p" 2>/dev/null || true
	done <"$BATS_FILE_TMPDIR/srv.pids"
	while read -r p; do
		for ((i = 0; i < 500; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.02
		done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done <"$BATS_FILE_TMPDIR/srv.pids"
	rm -f "$BATS_FILE_TMPDIR/srv.pids"
	if [ -f "$BATS_FILE_TMPDIR/srv.root" ]; then
		rm -rf "$(cat "$BATS_FILE_TMPDIR/srv.root")"
		rm -f "$BATS_FILE_TMPDIR/srv.root"
	fi
	if [ -f "$BATS_FILE_TMPDIR/srv.netns" ]; then
		local ns veth
		read -r ns veth <"$BATS_FILE_TMPDIR/srv.netns"
		ip netns del "$ns" 2>/dev/null || true
		ip link del "$veth" 2>/dev/null || true
		rm -f "$BATS_FILE_TMPDIR/srv.netns"
	fi
}

# srv_netns: as root, a network namespace SRV_NS joined to this one by a
# veth pair on a /31 of 198.51.100.0/24: SRV_NS_HOST is this side's address
# (servers listen there too), SRV_NS_PEER the namespace's. A client there
# is not on loopback, so MariaDB keeps a host cache entry for it. Not root,
# or no free /31: nothing is set, and the tests that need it skip.
# stop_servers deletes both.
srv_netns() {
	[ "$(id -u)" = 0 ] || return 0
	local tag=$$ veth ns n i
	ns=sockctl-srv-$tag
	veth=scs$tag
	veth=${veth:0:13}
	# a /31 no other run holds now (several people test on this machine)
	for ((i = 0; i < 20; i++)); do
		n=$(((RANDOM % 120) * 2 + 10))
		ip -o addr show to "198.51.100.$n/31" | grep -q . || break
	done
	[ "$i" -lt 20 ] || return 0
	ip netns add "$ns" || return 1
	echo "$ns ${veth}a" >"$BATS_FILE_TMPDIR/srv.netns"
	ip link add "${veth}a" type veth peer name "${veth}b" netns "$ns" &&
		ip addr add "198.51.100.$n/31" dev "${veth}a" &&
		ip link set "${veth}a" up &&
		ip -n "$ns" addr add "198.51.100.$((n + 1))/31" dev "${veth}b" &&
		ip -n "$ns" link set "${veth}b" up &&
		ip -n "$ns" link set lo up || return 1
	SRV_NS=$ns SRV_NS_HOST=198.51.100.$n SRV_NS_PEER=198.51.100.$((n + 1))
	export SRV_NS SRV_NS_HOST SRV_NS_PEER
}

# start_redis: REDIS_PORT, REDIS_SOCK.
start_redis() {
	command -v redis-server >/dev/null || return 0
	local d=$SRV_ROOT/redis
	mkdir -p "$d"
	REDIS_PORT=$(free_port)
	REDIS_SOCK=$d/redis.sock
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --unixsocket "$REDIS_SOCK" \
		--dir "$d" --save '' --appendonly no --busy-reply-threshold 100 \
		>"$d/log" 2>&1 3>&- &
	srv_note $!
	until_ok 10 redis-cli -p "$REDIS_PORT" ping || { cat "$d/log" >&2; return 1; }
	export REDIS_PORT REDIS_SOCK
}

# start_postgres: PG_PORT, PG_DIR (its socket directory), PG_BIN, PG_USER.
# max_connections 3 with no slot kept for superusers, so three sessions
# fill it; client_connection_check_interval ends a session whose client
# is killed.
start_postgres() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$PG_BIN" ] || return 0
	PG_DIR=$SRV_ROOT/pg
	PG_USER=$(id -un)
	[ "$(id -u)" = 0 ] && PG_USER=postgres
	mkdir -p "$PG_DIR"
	chown "$PG_USER" "$PG_DIR"
	as_user "$PG_USER" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	PG_PORT=$(free_port)
	as_user "$PG_USER" "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" \
		-c listen_addresses=127.0.0.1 -c max_connections=3 \
		-c superuser_reserved_connections=0 -c fsync=off \
		-c client_connection_check_interval=100ms \
		>"$PG_DIR/log" 2>&1 3>&- &
	srv_note $!
	until_ok 20 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" ||
		{ cat "$PG_DIR/log" >&2; return 1; }
	export PG_PORT PG_DIR PG_BIN PG_USER
}

# start_mariadb: MY_PORT, MY_SOCK, MY_DIR. max_connections is 10 (its
# least), and one more for an account with SUPER. It listens on
# $SRV_NS_HOST too when srv_netns made it (a comma list: MariaDB >= 10.11),
# and resolves names: with skip-name-resolve, 10.11 keeps no host cache,
# so max_connect_errors never blocks a host.
start_mariadb() {
	command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || return 0
	MY_DIR=$SRV_ROOT/my
	local user=()
	mkdir -p "$MY_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown mysql "$MY_DIR"
		user=(--user=mysql)
	fi
	mariadb-install-db --no-defaults "${user[@]}" --datadir="$MY_DIR/data" \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$MY_DIR/install.log" 2>&1 || { cat "$MY_DIR/install.log" >&2; return 1; }
	MY_PORT=$(free_port)
	MY_SOCK=$MY_DIR/my.sock
	/usr/sbin/mariadbd --no-defaults "${user[@]}" --datadir="$MY_DIR/data" \
		--socket="$MY_SOCK" --port="$MY_PORT" --bind-address="127.0.0.1${SRV_NS_HOST:+,$SRV_NS_HOST}" \
		--skip-networking=0 --pid-file="$MY_DIR/my.pid" --max-connections=10 \
		--skip-log-bin --innodb-buffer-pool-size=16M --log-error="$MY_DIR/err.log" \
		>"$MY_DIR/out" 2>&1 3>&- &
	srv_note $!
	until_ok 30 mariadb-admin -S "$MY_SOCK" -uroot ping ||
		{ cat "$MY_DIR/err.log" >&2; return 1; }
	export MY_PORT MY_SOCK MY_DIR
}

# start_nginx: NGX_PORT, NGX_SOCK, NGX_DIR: / is 200, /down 503 with
# Retry-After, /limited 429, anything else 404; the access log keeps the
# Host header.
start_nginx() {
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || return 0
	NGX_DIR=$SRV_ROOT/nginx
	NGX_PORT=$(free_port)
	NGX_SOCK=$NGX_DIR/nginx.sock
	mkdir -p "$NGX_DIR"
	cat >"$NGX_DIR/nginx.conf" <<EOF
worker_processes 1;
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/error.log;
events { worker_connections 64; }
http {
	access_log $NGX_DIR/access.log;
	log_format host '\$host \$request';
	client_body_temp_path $NGX_DIR/body;
	proxy_temp_path $NGX_DIR/proxy;
	fastcgi_temp_path $NGX_DIR/fastcgi;
	uwsgi_temp_path $NGX_DIR/uwsgi;
	scgi_temp_path $NGX_DIR/scgi;
	server {
		listen 127.0.0.1:$NGX_PORT;
		listen unix:$NGX_SOCK;
		access_log $NGX_DIR/host.log host;
		location = / { return 200 "ok\n"; }
		location = /down { add_header Retry-After 30 always; return 503; }
		location = /limited { return 429; }
		location / { return 404; }
	}
}
EOF
	/usr/sbin/nginx -e "$NGX_DIR/error.log" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" \
		-g 'daemon off;' >"$NGX_DIR/out" 2>&1 3>&- &
	srv_note $!
	until_ok 10 test -S "$NGX_SOCK" || { cat "$NGX_DIR/error.log" >&2; return 1; }
	export NGX_PORT NGX_SOCK NGX_DIR
}

# start_smtp: SMTP_PORT. aiosmtpd (python3-aiosmtpd) is a real RFC 5321
# server that runs as any user on any port with no configuration or spool
# (exim and OpenSMTPD want root, a spool and a system user).
start_smtp() {
	"$PY" -c 'import aiosmtpd' 2>/dev/null || return 0
	SMTP_PORT=$(free_port)
	"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
		>"$BATS_FILE_TMPDIR/smtp.log" 2>&1 3>&- &
	srv_note $!
	until_ok 10 "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT)).close()" ||
		{ cat "$BATS_FILE_TMPDIR/smtp.log" >&2; return 1; }
	export SMTP_PORT
}

# need VAR PACKAGE: skips the test when the server behind VAR did not start.
need() {
	[ -n "${!1:-}" ] || skip "$2 is not installed (apt-get install $2; tests/run.sh does as root)"
}
