# Helpers for tests/probe-connect.bats: scripted listeners and network
# namespaces with firewall rules. Load after helpers/common.

# require_python: skips a test whose listener needs python3.
require_python() {
	command -v python3 >/dev/null 2>&1 || skip "needs python3 for a scripted listener"
}

# py_listener NAME ADDR MODE: a TCP listener on ADDR port 0 that prints
# "listening on ADDR:PORT" (so start_listener reads it) and lives at most
# 30 s. MODE: hold (listens, never accepts), full (backlog 0, queue filled
# by its own connections: new SYNs are dropped), close (accepts, closes at
# once), reset (accepts, resets at once), reply (accepts, reads the
# request, then after $PY_DELAY seconds sends $PY_REPLY and closes).
py_listener() {
	local name=$1 addr=$2 mode=$3
	start_listener "$name" timeout -k 5 30 python3 -c '
import os, socket, sys, time, struct
addr, mode = sys.argv[1], sys.argv[2]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((addr, 0))
s.listen(0 if mode == "full" else 16)
port = s.getsockname()[1]
keep = []
if mode == "full":
    # backlog 0 holds one connection; the next SYNs are dropped
    for i in range(2):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect((addr, port))
        except BlockingIOError:
            pass
        keep.append(c)
    time.sleep(0.3)
host = "[%s]" % addr if fam == socket.AF_INET6 else addr
print("listening on %s:%d" % (host, port), flush=True)
end = time.time() + 30
while time.time() < end:
    if mode in ("close", "reset"):
        s.settimeout(1)
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        if mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                struct.pack("ii", 1, 0))
        c.close()
    elif mode == "reply":
        s.settimeout(1)
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.settimeout(2)
        try:
            c.recv(65536)
        except OSError:
            pass
        time.sleep(float(os.environ.get("PY_DELAY", "0")))
        c.sendall(os.environ.get("PY_REPLY", "").encode())
        # a FIN, not a reset: read what is left until the client closes
        c.shutdown(socket.SHUT_WR)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()
    else:
        time.sleep(1)
' "$addr" "$mode"
}

# free_port: prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# have_ipv6_lo: true when ::1 can be bound here.
have_ipv6_lo() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null
}

# ns_new TAG: creates a network namespace of this test (its name goes to
# $ns), checks that it holds only a loopback interface before anything is
# sent, and brings lo up. ns_cleanup deletes every one made.
ns_new() {
	ns="scc-$1-$$-${BATS_TEST_NUMBER:-0}"
	ip netns add "$ns" || return 1
	echo "$ns" >>"$BATS_TEST_TMPDIR/netns"
	if ! ip netns exec "$ns" bash -c "$(declare -f in_fresh_netns); in_fresh_netns"; then
		echo "namespace $ns is not fresh" >&2
		return 1
	fi
	ip -n "$ns" link set lo up
}

ns_cleanup() {
	local n
	[ -f "$BATS_TEST_TMPDIR/netns" ] || return 0
	while read -r n; do
		ip netns del "$n" 2>/dev/null
	done <"$BATS_TEST_TMPDIR/netns"
	rm -f "$BATS_TEST_TMPDIR/netns"
}

# ns_pair: two fresh namespaces $ns_a and $ns_b joined by a veth pair:
# a 198.51.100.1/24 2001:db8:1::1/64, b 198.51.100.2/24 2001:db8:1::2/64.
ns_pair() {
	ns_new a || return 1
	ns_a=$ns
	ns_new b || return 1
	ns_b=$ns
	ip link add sccva$$ netns "$ns_a" type veth peer name sccvb$$ netns "$ns_b" || return 1
	ip -n "$ns_a" addr add 198.51.100.1/24 dev sccva$$
	ip -n "$ns_b" addr add 198.51.100.2/24 dev sccvb$$
	ip -n "$ns_a" addr add 2001:db8:1::1/64 dev sccva$$ nodad
	ip -n "$ns_b" addr add 2001:db8:1::2/64 dev sccvb$$ nodad
	ip -n "$ns_a" link set sccva$$ up
	ip -n "$ns_b" link set sccvb$$ up
}

# require_fw: skips unless nft or iptables can set rules.
require_fw() {
	command -v nft >/dev/null 2>&1 || command -v iptables >/dev/null 2>&1 ||
		skip "needs nft or iptables (apt-get install nftables)"
}

# fw NS in|out 4|6 PORT ACTION: one firewall rule in namespace NS for TCP
# to PORT. ACTION: drop, tcp-reset, port-unreach, host-unreach, admin.
fw() {
	local n=$1 dir=$2 fam=$3 port=$4 act=$5 v ipt chain
	if command -v nft >/dev/null 2>&1; then
		case $act in
		drop) v=drop ;;
		tcp-reset) v="reject with tcp reset" ;;
		port-unreach) v="reject with icmpx type port-unreachable" ;;
		host-unreach) v="reject with icmpx type host-unreachable" ;;
		admin) v="reject with icmpx type admin-prohibited" ;;
		esac
		chain=$([ "$dir" = in ] && echo input || echo output)
		ip netns exec "$n" nft add table inet scc 2>/dev/null
		ip netns exec "$n" nft add chain inet scc "$dir" "{ type filter hook $chain priority 0; }" 2>/dev/null
		ip netns exec "$n" nft add rule inet scc "$dir" meta nfproto ipv$fam tcp dport "$port" $v
		return
	fi
	ipt=$([ "$fam" = 6 ] && echo ip6tables || echo iptables)
	chain=$([ "$dir" = in ] && echo INPUT || echo OUTPUT)
	case $act in
	drop) v="-j DROP" ;;
	tcp-reset) v="-j REJECT --reject-with tcp-reset" ;;
	port-unreach) v="-j REJECT --reject-with $([ "$fam" = 6 ] && echo icmp6-port-unreachable || echo icmp-port-unreachable)" ;;
	host-unreach) v="-j REJECT --reject-with $([ "$fam" = 6 ] && echo icmp6-addr-unreachable || echo icmp-host-unreachable)" ;;
	admin) v="-j REJECT --reject-with $([ "$fam" = 6 ] && echo icmp6-adm-prohibited || echo icmp-admin-prohibited)" ;;
	esac
	ip netns exec "$n" "$ipt" -A "$chain" -p tcp --dport "$port" $v
}

# in_ns NS EXIT ARGS...: sc inside namespace NS.
in_ns() {
	local n=$1 want=$2
	shift 2
	run --separate-stderr ip netns exec "$n" "$SOCKCTL" "$@"
	if [ "$status" -ne "$want" ]; then
		{
			echo "(in $n) sockctl $*"
			echo "exit $status, expected $want"
			echo "--- stdout"; echo "$output"
			echo "--- stderr"; echo "$stderr"
		} >&2
		return 1
	fi
}

# dns_run EXIT NAMESERVER ARGS...: sockctl in a fresh network namespace
# with a private /etc/resolv.conf (a mount namespace) naming NAMESERVER.
# With NAMESERVER 127.0.0.1 a dnsmasq runs there for the zone .test:
# a4.test has only an A record, a6.test only AAAA, any other name is
# NXDOMAIN.
dns_run() {
	local want=$1 nsrv=$2
	shift 2
	if [ "$nsrv" = 127.0.0.1 ]; then
		command -v dnsmasq >/dev/null 2>&1 ||
			skip "needs dnsmasq (apt-get install dnsmasq-base)"
	fi
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$nsrv" >"$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr unshare -n -m bash -c '
		[ "$(ip -o link show | grep -cv ": lo:")" -eq 0 ] || exit 91
		ip link set lo up
		mount --bind "$1" /etc/resolv.conf || exit 90
		pid=
		if [ "$2" = 127.0.0.1 ]; then
			timeout -k 5 20 dnsmasq --keep-in-foreground --no-resolv \
			    --no-hosts --listen-address=127.0.0.1 --bind-interfaces \
			    --port=53 --pid-file= --local=/test/ \
			    --host-record=a4.test,198.51.100.7 \
			    --host-record=a6.test,2001:db8::7 \
			    --log-facility=/dev/null 3>&- &
			pid=$!
			for i in $(seq 100); do
				grep -q "0100007F:0035 " /proc/net/udp && break
				sleep 0.05
			done
		fi
		shift 2
		"$@"
		rc=$?
		[ -n "$pid" ] && { kill "$pid"; wait "$pid"; }
		exit $rc' _ "$BATS_TEST_TMPDIR/resolv.conf" "$nsrv" "$SOCKCTL" "$@"
	if [ "$status" -ne "$want" ]; then
		{ echo "sockctl $* (nameserver $nsrv, in a fresh namespace)"
		  echo "exit $status, expected $want"
		  echo "--- stdout"; echo "$output"; echo "--- stderr"; echo "$stderr"; } >&2
		return 1
	fi
}

# silent_dns_run EXIT ARGS...: sockctl in a fresh network namespace whose
# private /etc/resolv.conf names 127.0.0.1 (timeout:5 attempts:2, glibc's
# default), where a UDP socket is bound to port 53 and never answers: a
# resolver that is silent. Sets elapsed_ms to how long sockctl took.
silent_dns_run() {
	local want=$1
	shift
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr unshare -n -m bash -c '
		[ "$(ip -o link show | grep -cv ": lo:")" -eq 0 ] || exit 91
		ip link set lo up
		mount --bind "$1" /etc/resolv.conf || exit 90
		"$2" -q probe-bind --udp --hold 60s 127.0.0.1:53 3>&- &
		pid=$!
		for i in $(seq 100); do
			grep -q "0100007F:0035 " /proc/net/udp && break
			sleep 0.05
		done
		shift 2
		t0=$(date +%s%N)
		"$@"
		rc=$?
		echo "elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))" >&2
		kill "$pid"; wait "$pid" 2>/dev/null
		exit $rc' _ "$BATS_TEST_TMPDIR/resolv.conf" "$SOCKCTL" "$SOCKCTL" "$@"
	elapsed_ms=$(sed -n 's/^elapsed_ms=//p' <<<"$stderr")
	if [ "$status" -ne "$want" ]; then
		{ echo "sockctl $* (a silent nameserver, in a fresh namespace)"
		  echo "exit $status, expected $want"
		  echo "--- stdout"; echo "$output"; echo "--- stderr"; echo "$stderr"; } >&2
		return 1
	fi
}
