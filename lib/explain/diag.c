#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "diag.h"

#define E(st, code, r, cause, fix, hook) \
	{ st, DK_ERRNO, code, r, cause, fix, hook }
#define A(code, cause, fix, hook) \
	{ ST_RESOLVE, DK_EAI, code, RS_DNS, cause, fix, hook }
#define X(st, code, r, cause, fix) \
	{ st, DK_SOCKCTL, code, r, cause, fix, DH_NONE }
#define XH(st, code, r, cause, fix, hook) \
	{ st, DK_SOCKCTL, code, r, cause, fix, hook }

/*
 * Rows for a particular stage come before the row for any stage (ST_NONE)
 * of the same error; diag_find() prefers them.
 */
static const struct diag table[] = {
	/* refused */
	E(ST_NONE, ECONNREFUSED, RS_REFUSED,
	    "nothing is listening on that port: the host answered the "
	    "connection with a reset (a firewall REJECT with tcp-reset looks "
	    "the same)",
	    "start the service, or check the port and the address it listens "
	    "on (ss -ltn on the server)", DH_LOCAL_LISTENER),
	E(ST_RECV, ECONNREFUSED, RS_REFUSED,
	    "an ICMP port-unreachable came back: no UDP socket is bound to "
	    "that port on the target",
	    "start the service, or check the port (ss -lun on the server)",
	    DH_LOCAL_LISTENER),
	/* timeout */
	E(ST_NONE, ETIMEDOUT, RS_TIMEOUT,
	    "no answer within the time limit: the SYN went unanswered (host "
	    "down, a firewall that drops, or a listener whose accept queue is "
	    "full)",
	    "check that the host is up and that no firewall drops the port; "
	    "raise --timeout if the path is slow", DH_ACCEPT_QUEUE),
	/* unreachable */
	E(ST_NONE, ENETUNREACH, RS_UNREACH,
	    "no route to that network from this machine",
	    "check the routing table (ip route get ADDRESS) and the "
	    "interface that should carry it", DH_ROUTE),
	E(ST_NONE, EHOSTUNREACH, RS_UNREACH,
	    "the host is unreachable: a router reported it, or a neighbour on "
	    "the local network never answered ARP/neighbour discovery",
	    "check that the host is up and on the network (ip neigh; "
	    "ip route get ADDRESS)", DH_ROUTE),
	E(ST_NONE, ENETDOWN, RS_UNREACH,
	    "the network interface for that route is down",
	    "bring the interface up (ip link set DEV up) or use another "
	    "route", DH_ROUTE),
	E(ST_NONE, EHOSTDOWN, RS_UNREACH,
	    "the host is down",
	    "check that the host is powered and on the network", DH_ROUTE),
	/* port in use */
	E(ST_BIND, EADDRINUSE, RS_INUSE,
	    "another socket already holds that port",
	    "stop the process that holds it, or choose another port (port 0 "
	    "picks a free one)", DH_PORT_OWNERS),
	E(ST_NONE, EADDRINUSE, RS_INUSE,
	    "the address and port are already in use",
	    "choose another port, or stop what holds it", DH_PORT_OWNERS),
	/* permission */
	E(ST_BIND, EACCES, RS_PERM,
	    "ports below net.ipv4.ip_unprivileged_port_start need the "
	    "CAP_NET_BIND_SERVICE capability",
	    "use a port at or above the threshold, or grant the capability "
	    "(setcap cap_net_bind_service=+ep BINARY, or systemd "
	    "AmbientCapabilities=CAP_NET_BIND_SERVICE), or lower the sysctl",
	    DH_PRIV_PORT),
	E(ST_CONNECT, EACCES, RS_PERM,
	    "the connection was refused by policy: a firewall rule on this "
	    "machine (REJECT with an admin-prohibited ICMP), a prohibit route, "
	    "or for IPv6 often a remote firewall's ICMPv6 administratively "
	    "prohibited",
	    "check the local firewall (nft list ruleset; iptables -S OUTPUT) "
	    "and routes (ip route get ADDRESS)", DH_POLICY),
	E(ST_CONNECT, EPERM, RS_PERM,
	    "a firewall rule or security policy on this machine refused the "
	    "outgoing packet",
	    "check the local firewall (nft list ruleset; iptables -S OUTPUT), "
	    "SELinux/AppArmor and seccomp policy", DH_POLICY),
	E(ST_NONE, EACCES, RS_PERM,
	    "permission denied by the kernel",
	    "run with the needed privilege or capability", DH_NONE),
	E(ST_NONE, EPERM, RS_PERM,
	    "the operation is not permitted for this user or by a security "
	    "policy",
	    "run with the needed privilege, or check SELinux/AppArmor/seccomp",
	    DH_NONE),
	/* address not available */
	E(ST_BIND, EADDRNOTAVAIL, RS_ADDRNA,
	    "that address is not assigned to any interface on this machine",
	    "bind an address this machine has (see the list), 0.0.0.0 or ::, "
	    "or add the address to an interface", DH_LOCAL_ADDRS),
	E(ST_CONNECT, EADDRNOTAVAIL, RS_ADDRNA,
	    "no local address or port is free for this connection: the "
	    "ephemeral port range is used up towards that destination, or the "
	    "address family is disabled",
	    "let sockets in TIME_WAIT expire, widen "
	    "net.ipv4.ip_local_port_range, or reuse connections",
	    DH_EPHEMERAL),
	E(ST_NONE, EADDRNOTAVAIL, RS_ADDRNA,
	    "the requested address is not available on this machine",
	    "use an address this machine has", DH_LOCAL_ADDRS),
	E(ST_NONE, EAFNOSUPPORT, RS_ADDRNA,
	    "this address family is not supported here (IPv6 disabled, or "
	    "not built into the kernel)",
	    "use the other family (-4 or -6), or enable it "
	    "(sysctl net.ipv6.conf.all.disable_ipv6=0)", DH_LOCAL_ADDRS),
	/* reset */
	E(ST_NONE, ECONNRESET, RS_RESET,
	    "the peer reset the connection (it closed with data unread, "
	    "crashed, or a proxy in between gave up)",
	    "check the service's logs; a proxy that accepts and resets often "
	    "has no healthy backend", DH_EXCHANGE),
	E(ST_NONE, EPIPE, RS_RESET,
	    "the peer closed the connection while we were still sending",
	    "check the service's logs and what it expects to receive",
	    DH_EXCHANGE),
	E(ST_NONE, ECONNABORTED, RS_RESET,
	    "the connection was aborted before it could be used",
	    "retry; if it persists, check the peer's logs", DH_EXCHANGE),
	/* resource limits */
	E(ST_NONE, EMFILE, RS_RESOURCE,
	    "this process has used up its file descriptor limit (ulimit -n)",
	    "raise the limit (ulimit -n, LimitNOFILE= in systemd) or close "
	    "unused descriptors", DH_FD_LIMIT),
	E(ST_NONE, ENFILE, RS_RESOURCE,
	    "the system-wide file table is full (fs.file-max)",
	    "raise fs.file-max or find the process that leaks descriptors",
	    DH_FD_LIMIT),
	E(ST_NONE, ENOBUFS, RS_RESOURCE,
	    "the kernel ran out of buffer space for sockets",
	    "check memory pressure and net.core/net.ipv4 buffer sysctls",
	    DH_MEMORY),
	E(ST_NONE, ENOMEM, RS_RESOURCE,
	    "the kernel or this process ran out of memory",
	    "free memory or raise the memory limit (ulimit -v, cgroup limits)",
	    DH_MEMORY),
	/* socket() */
	E(ST_SOCKET, EPROTONOSUPPORT, RS_ERROR,
	    "the kernel does not support this protocol",
	    "use another protocol or load its kernel module", DH_NONE),
	E(ST_CONNECT, EINVAL, RS_UNREACH,
	    "the route to that address is a blackhole (connect() fails at "
	    "once with EINVAL), or TCP cannot connect to it (a broadcast or "
	    "multicast address)",
	    "check the route (ip route get ADDRESS shows 'blackhole') and "
	    "the address", DH_ROUTE),
	E(ST_NONE, EINVAL, RS_ERROR,
	    "the kernel rejected an argument (for example the socket is "
	    "already bound or listening)",
	    "run with -v to see the stage, and report it if it persists",
	    DH_NONE),
	E(ST_NONE, ENETRESET, RS_RESET,
	    "the network dropped the connection",
	    "retry, and check the network path", DH_EXCHANGE),
	E(ST_NONE, EMSGSIZE, RS_ERROR,
	    "the message is too large for this socket (UDP: at most 65507 "
	    "bytes over IPv4, or the path MTU without fragmentation)",
	    "send a smaller message", DH_NONE),

	/* getaddrinfo() */
	A(EAI_NONAME,
	    "no such name: the resolver answered that it does not exist "
	    "(this will not change by waiting)",
	    "check the spelling, or the search domains in /etc/resolv.conf; "
	    "use an IP address to skip DNS", DH_RESOLVER),
	A(EAI_AGAIN,
	    "the name could not be resolved now: the resolver did not answer "
	    "(temporary; retrying may work)",
	    "check that the nameserver is reachable (see the list), or retry "
	    "with --wait", DH_RESOLVER),
	A(EAI_FAIL,
	    "the resolver failed permanently for this name (SERVFAIL or a "
	    "broken zone)",
	    "check the name's DNS servers; use an IP address to skip DNS",
	    DH_RESOLVER),
#ifdef EAI_NODATA
	A(EAI_NODATA,
	    "the name exists but has no address of the asked family",
	    "drop -4/-6, or add the missing A/AAAA record", DH_RESOLVER),
#endif
#ifdef EAI_ADDRFAMILY
	A(EAI_ADDRFAMILY,
	    "the name has no address of the asked family",
	    "drop -4/-6, or add the missing A/AAAA record", DH_RESOLVER),
#endif
	A(EAI_SERVICE,
	    "the service name is not known for this socket type",
	    "use a port number, or a name from /etc/services", DH_NONE),
	A(EAI_FAMILY,
	    "the address family is not supported",
	    "drop -4/-6", DH_NONE),
	A(EAI_MEMORY,
	    "the resolver ran out of memory",
	    "free memory and retry", DH_NONE),
	A(EAI_OVERFLOW,
	    "a name did not fit the buffer the program gave getnameinfo() "
	    "(a reverse lookup): the host or service name is longer than the "
	    "program expected",
	    "a bug of the program that called it: it should pass NI_MAXHOST "
	    "and NI_MAXSERV bytes, or skip the reverse lookup (NI_NUMERICHOST)",
	    DH_NONE),
	A(EAI_SYSTEM,
	    "the resolver failed with a system error",
	    "check /etc/nsswitch.conf and /etc/resolv.conf", DH_RESOLVER),

	/* sockctl's own conditions */
	XH(ST_EXPECT, DX_EXPECT_MISMATCH, RS_EXPECT,
	    "the reply did not match the --expect pattern",
	    "check what the service sends (see the reply), or the pattern",
	    DH_EXCHANGE),
	XH(ST_EXPECT, DX_EXPECT_CLOSED, RS_EXPECT,
	    "the peer closed the connection before the reply matched "
	    "--expect",
	    "check that the service answers what was sent (--send)",
	    DH_EXCHANGE),
	XH(ST_EXPECT, DX_EXPECT_CUT, RS_EXPECT,
	    "matching the reply against --expect was cut off at the time "
	    "limit: the pattern is too costly for a reply this long",
	    "use a cheaper pattern (anchor it with ^, no .* before a literal, "
	    "no nested repeats), or a longer -t", DH_EXCHANGE),
	XH(ST_NONE, DX_PEER_CLOSED, RS_RESET,
	    "the peer closed the connection during the exchange",
	    "check the service's logs; a proxy that accepts and then closes "
	    "often has no healthy backend",
	    DH_EXCHANGE),
	X(ST_RESOLVE, DX_NO_ADDRESS, RS_ADDRNA,
	    "the name resolved, but to no address usable here (check -4/-6)",
	    "drop -4/-6, or use an address of a family this host has"),
	XH(ST_RECV, DX_UDP_SILENCE, RS_TIMEOUT,
	    "no UDP reply within the time limit; UDP gives no answer by "
	    "design unless the service replies, so this alone cannot tell a "
	    "silent service from a dropped packet",
	    "check that the service replies to this payload (--send), and "
	    "that no firewall drops UDP on the path", DH_LOCAL_LISTENER),
	X(ST_RECV, DX_UDP_NO_ECHO, RS_EXPECT,
	    "datagrams came back, but none is an echo of a request sent: "
	    "sockctl's own payload carries a sequence number and a token, so "
	    "an echo names the request it answers; these replies are "
	    "something else",
	    "probe with the payload this service expects (--send TEXT): "
	    "replies to it are counted in order of arrival"),
	/* Unix domain sockets (SPEC "Unix domain sockets"): the errno is
	 * kept in the result, the words are the path's */
	XH(ST_CONNECT, DX_UNIX_MISSING, RS_REFUSED,
	    "no socket at that path: nothing has created it (the server is not "
	    "running, or it binds another path), or a symbolic link on the "
	    "way leads nowhere (dangling, or round a loop: ELOOP)",
	    "start the server, or check the path it binds (ss -xl lists the "
	    "bound Unix sockets; namei -l PATH shows where links lead)",
	    DH_UNIX_CONNECT),
	XH(ST_CONNECT, DX_UNIX_REFUSED, RS_REFUSED,
	    "nothing listens on that socket: a stale file left by a server "
	    "that exited without removing it, a file that is no socket, or an "
	    "abstract name nobody bound",
	    "start the server; remove a stale socket file first (rm PATH)",
	    DH_UNIX_CONNECT),
	XH(ST_CONNECT, DX_UNIX_QUEUE_FULL, RS_TIMEOUT,
	    "the listener's accept queue is full (connect() failed with "
	    "EAGAIN): the server is not calling accept(), or not fast enough",
	    "check the server: is it stuck or overloaded? A larger listen() "
	    "backlog absorbs bursts", DH_UNIX_CONNECT),
	XH(ST_CONNECT, DX_UNIX_DENIED, RS_PERM,
	    "permission denied: connecting needs search permission on every "
	    "directory of the path and write permission on the socket file",
	    "give this user access (the socket's group: sudo usermod -aG GROUP "
	    "USER, then log in again), or run as a user that has it",
	    DH_UNIX_CONNECT),
	XH(ST_CONNECT, DX_UNIX_WRONG_TYPE, RS_ERROR,
	    "the socket at that path is of the other type (stream vs "
	    "datagram): the kernel answers EPROTOTYPE",
	    "use sockctl probe-udp for a datagram socket, sockctl connect for "
	    "a stream socket", DH_UNIX_CONNECT),
	XH(ST_BIND, DX_UNIX_IN_USE, RS_INUSE,
	    "the path already exists: bind() never replaces a file, so a live "
	    "server's socket, a stale socket file or another file is in the "
	    "way",
	    "stop the server that holds it, or remove a stale socket file "
	    "(rm PATH); choose another path for any other file",
	    DH_UNIX_BIND),
	XH(ST_BIND, DX_UNIX_NO_DIR, RS_ADDRNA,
	    "the directory of the socket path does not exist (ENOENT), a "
	    "component of it is a file, not a directory (ENOTDIR), or its "
	    "links go round a loop (ELOOP)",
	    "create a missing directory (mkdir -p DIR), or choose a path in "
	    "one that exists; a file in the way (ENOTDIR) means a wrong path: "
	    "never make a directory over it", DH_UNIX_BIND),
	XH(ST_BIND, DX_UNIX_DIR_DENIED, RS_PERM,
	    "the directory of the socket path may not be written by this user "
	    "(bind() creates a file there), or its filesystem is read-only",
	    "choose a directory this user may write (e.g. $XDG_RUNTIME_DIR), "
	    "or fix the directory's owner and mode", DH_UNIX_BIND),
	XH(ST_SEND, DX_UNIX_DGRAM_FULL, RS_TIMEOUT,
	    "the receiving datagram socket's queue is full (send() kept "
	    "failing with EAGAIN for the time limit): the server is not "
	    "reading its datagrams",
	    "check the server: is it stuck or overloaded? A Unix datagram "
	    "socket queues at most net.unix.max_dgram_qlen datagrams; "
	    "senders wait until it reads", DH_UNIX_CONNECT),
	XH(ST_RECV, DX_UNIX_SILENCE, RS_TIMEOUT,
	    "the datagrams were delivered to the socket (a Unix socket loses "
	    "none on the way), and no reply came within the time limit: the "
	    "server does not answer them",
	    "check that the server replies to the sender's address (the one "
	    "recvfrom() gives), or send what it expects (--send)",
	    DH_UNIX_CONNECT),
	/* inspect's findings (SPEC "inspect"): what one read of the live
	 * sockets shows, or what changed between two */
	X(ST_NONE, DX_UNHEALTHY, RS_UNHEALTHY,
	    "inspect found a problem with sockets that are alive: each finding "
	    "is a reason of its own, with exit 13",
	    "see the findings (sockctl explain close-wait-leak, "
	    "accept-queue-full, not-accepting, socket-file-gone, syn-flood, "
	    "time-wait-pile, peer-not-reading, retransmitting, fd-limit, "
	    "blocked-recv, blocked-connect, udp-drops)"),
	X(ST_CLOSE, DX_CLOSE_WAIT_LEAK, RS_CLOSE_WAIT,
	    "connections stayed in CLOSE_WAIT through the sample (or, on a "
	    "Unix path, stayed connected to an end that is gone): the peer "
	    "closed its end (its FIN arrived), and the process that owns the "
	    "socket never called close(); a descriptor leak that ends in "
	    "EMFILE",
	    "fix the application to close() the socket once read() returns "
	    "0 (the peer's FIN); restarting the process frees them for now"),
	X(ST_ACCEPT, DX_ACCEPT_QUEUE_FULL, RS_ACCEPT_FULL,
	    "a listener's accept queue is full, or the kernel's ListenOverflows "
	    "counter rose: the application does not call "
	    "accept() fast enough, and the kernel drops new connections "
	    "(clients see a timeout, not an error)",
	    "make the application accept faster (more workers, no blocking "
	    "work before accept()); a larger listen() backlog, with "
	    "net.core.somaxconn at least as large, absorbs bursts"),
	X(ST_ACCEPT, DX_NOT_ACCEPTING, RS_NOT_ACCEPTING,
	    "connections waited in a listener's accept queue through the "
	    "whole sample (the same ones at both reads), though the queue is "
	    "not full: the process that owns the listener is not calling "
	    "accept() (stopped, blocked elsewhere, or busy); clients connect "
	    "and then wait for an answer that does not come",
	    "see what the process is doing (cat /proc/PID/stack; py-spy dump "
	    "--pid PID; strace -p PID); a stopped one resumes with kill -CONT "
	    "PID; make it accept() on its own thread or event loop, never "
	    "behind blocking work"),
	X(ST_LISTEN, DX_SOCKET_FILE_GONE, RS_SOCKET_FILE_GONE,
	    "a Unix listener's path no longer leads to it: its socket file "
	    "was removed, or replaced by another file; clients get ENOENT or "
	    "ECONNREFUSED while the server runs and listens",
	    "restart the server so it binds its path again (a socket file "
	    "cannot be re-linked), and find what removes it (a tmp cleaner "
	    "such as systemd-tmpfiles, a second instance, a deploy that "
	    "replaces the directory)"),
	X(ST_LISTEN, DX_SYN_FLOOD, RS_SYN_FLOOD,
	    "half-open connections (SYN_RECV) fill a listener's SYN queue (more "
	    "than its listen() backlog; with SYN cookies off, 3/4 of "
	    "net.ipv4.tcp_max_syn_backlog) while the kernel answers SYNs with "
	    "cookies or drops them: more handshakes start than complete (a SYN "
	    "flood, or clients that cannot complete them because the SYN-ACK "
	    "or their last ACK is lost)",
	    "keep net.ipv4.tcp_syncookies=1 (real clients get through a full "
	    "queue); give listen() a larger backlog, with net.core.somaxconn "
	    "at least as large, and net.ipv4.tcp_max_syn_backlog when cookies "
	    "are off; from many sources it may be an attack: filter or "
	    "rate-limit SYNs upstream; from one, find why its handshakes do "
	    "not complete (a firewall, an asymmetric route)"),
	X(ST_CONNECT, DX_TIME_WAIT_PILE, RS_TIME_WAIT,
	    "TIME_WAIT sockets to one destination approach the size of "
	    "net.ipv4.ip_local_port_range: each closed connection keeps its "
	    "local port for 60 s, and new connections there will soon fail "
	    "with EADDRNOTAVAIL",
	    "reuse connections (HTTP keep-alive, a connection pool); "
	    "sysctl -w net.ipv4.tcp_tw_reuse=1 lets new outgoing connections "
	    "take TIME_WAIT ports; widen net.ipv4.ip_local_port_range"),
	X(ST_SEND, DX_PEER_NOT_READING, RS_PEER_NOT_READING,
	    "an established connection's send queue stayed full through the "
	    "sample with the peer's receive window closed (the persist timer "
	    "probes it), or a Unix connection's sender buffer stayed full with "
	    "the receiver's unread bytes unchanged: the peer does not read "
	    "(named when it is a process of this machine)",
	    "find out why the peer stopped reading (blocked, overloaded, "
	    "deadlocked); give the sender a write timeout so it does not hang "
	    "with it"),
	X(ST_SEND, DX_RETRANSMITTING, RS_RETRANS,
	    "connections retransmitted segments during the sample: segments "
	    "or their acknowledgements are lost on the path (a firewall that "
	    "drops, congestion, a faulty link); with both ends on this "
	    "machine, lo included, a firewall rule here",
	    "check the path to the peer (mtr -T, ping) and firewalls that "
	    "drop (nft list ruleset; iptables -S)"),
	X(ST_SOCKET, DX_FD_LIMIT, RS_FD_LIMIT,
	    "a process has nearly as many descriptors open as its "
	    "RLIMIT_NOFILE soft limit: its next accept() or socket() fails "
	    "with EMFILE",
	    "raise the process's limit (ulimit -n, LimitNOFILE= in systemd, "
	    "prlimit --nofile) or find the descriptors it leaks "
	    "(ls -l /proc/PID/fd)"),
	X(ST_RECV, DX_BLOCKED_RECV, RS_BLOCKED_RECV,
	    "a thread waited in a receive (recv/read/recvmsg, or a poll, "
	    "select or epoll_wait on that socket alone with no timeout) "
	    "through the whole sample on a TCP connection where nothing "
	    "arrived for longer, and nothing ends the wait: no receive "
	    "timeout (SO_RCVTIMEO), and TCP keepalive off or slower than the "
	    "wait; if the peer is gone without a reset, it waits forever",
	    "give the receive a timeout (SO_RCVTIMEO, a poll() timeout; "
	    "Python: sock.settimeout(30)), and turn on TCP keepalive "
	    "(SO_KEEPALIVE with TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT) so a "
	    "vanished peer ends it; sockctl inspect --pid PID names the "
	    "thread, the descriptor and the connection"),
	X(ST_CONNECT, DX_BLOCKED_CONNECT, RS_BLOCKED_CONNECT,
	    "a thread waits in connect() on a socket in SYN_SENT whose SYNs "
	    "are being retransmitted: the destination does not answer (a "
	    "firewall that drops, a host that is down); the kernel gives up "
	    "only after net.ipv4.tcp_syn_retries retries (6: about 127 s)",
	    "give the connect a timeout (a non-blocking connect with poll(), "
	    "SO_SNDTIMEO, TCP_USER_TIMEOUT or TCP_SYNCNT; Python: "
	    "socket.create_connection(addr, timeout=5)); check the path to "
	    "the destination (sockctl probe-connect HOST:PORT)"),
	X(ST_RECV, DX_UDP_DROPS, RS_UDP_DROPS,
	    "a UDP or Unix datagram socket dropped datagrams during the "
	    "sample (its own drop counter rose): they arrive faster than the "
	    "process reads them, or its receive buffer is too small",
	    "read faster (more readers, less work per datagram) and give the "
	    "socket a larger receive buffer: SO_RCVBUF up to "
	    "net.core.rmem_max, and raise that first (sysctl -w "
	    "net.core.rmem_max=8388608)"),
	/* trace (SPEC "trace"): what a program did to its own socket, seen
	 * as it did it */
	X(ST_CLOSE, DX_UNREAD_CLOSE, RS_UNREAD_CLOSE,
	    "the program closed a TCP socket whose receive queue still held "
	    "data it never read: the kernel answers that with a reset "
	    "instead of a FIN, so the peer sees ECONNRESET and may lose what "
	    "it sent last",
	    "read until recv() returns 0 (or shutdown(SHUT_WR) and drain) "
	    "before close(); a protocol that pipelines requests must read "
	    "them all"),
	/* --proto (SPEC probe-connect "Readiness") */
	XH(ST_EXPECT, DX_NOT_READY, RS_NOT_READY,
	    "the service accepted the connection and answered in its own "
	    "protocol that it is not ready: starting up, shutting down, in "
	    "recovery, loading its data, or out of client slots",
	    "wait for it (sockctl connect --wait 60s ... --proto NAME), or "
	    "see the server's words and its log", DH_EXCHANGE),
	XH(ST_EXPECT, DX_PROTO_REPLY, RS_EXPECT,
	    "the service answered in a way that waiting will not change: an "
	    "error status, a refusal of this host, or not the protocol asked "
	    "for at all (see what it said)",
	    "check the port and --proto, and the server's configuration for "
	    "what it said", DH_EXCHANGE),
	XH(ST_RECV, DX_PROTO_SILENT, RS_TIMEOUT,
	    "connected, but the server sent nothing within the time limit: a "
	    "proxy with no backend, or a server that is stuck",
	    "check the service behind the port (its log, its backend); "
	    "raise -t if it is only slow", DH_EXCHANGE),
};

static const struct diag generic = {
	ST_NONE, DK_ERRNO, 0, RS_ERROR,
	"the operation failed for a reason sockctl has no explanation for",
	"run with -v to see the stage and error, and check the system logs",
	DH_NONE,
};


const struct diag *
diag_find(enum stage st, enum diag_kind kind, int code)
{
	const struct diag *any = NULL;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct diag *d = &table[i];

		if (d->kind != kind || d->code != code)
			continue;
		if (d->stage == st)
			return d;
		if (d->stage == ST_NONE && any == NULL)
			any = d;
		/* an EAI or sockctl row matches at any stage */
		if (kind != DK_ERRNO && any == NULL)
			any = d;
	}
	return any != NULL ? any : &generic;
}

const struct diag *
diag_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct diag *
diag_of(enum stage st, int dx, int eai, int err)
{
	if (dx != 0)
		return diag_find(st, DK_SOCKCTL, dx);
	if (eai != 0)
		return diag_find(st, DK_EAI, eai);
	return diag_find(st, DK_ERRNO, err);
}
