/* Reason slugs and exit codes: the SPEC's result table, one line each. */
#ifndef SOCKCTL_REASON_H
#define SOCKCTL_REASON_H

#define REASON_LIST(X)						\
	X(RS_OK,		"ok",			0)		\
	X(RS_ERROR,	"error",		1)		\
	X(RS_USAGE,	"usage",		2)		\
	X(RS_DNS,	"dns-failure",		3)		\
	X(RS_REFUSED,	"refused",		4)		\
	X(RS_TIMEOUT,	"timeout",		5)		\
	X(RS_UNREACH,	"unreachable",		6)		\
	X(RS_INUSE,	"port-in-use",		7)		\
	X(RS_PERM,	"permission-denied",	8)		\
	X(RS_ADDRNA,	"address-not-available", 9)		\
	X(RS_EXPECT,	"expect-failed",	10)		\
	X(RS_RESET,	"reset",		11)		\
	X(RS_RESOURCE,	"resource-limit",	12)		\
	X(RS_UNHEALTHY,	"unhealthy",		13)		\
	/* inspect's findings: each a reason of its own, exit 13 */	\
	X(RS_CLOSE_WAIT, "close-wait-leak",	13)		\
	X(RS_ACCEPT_FULL, "accept-queue-full",	13)		\
	X(RS_NOT_ACCEPTING, "not-accepting",	13)		\
	X(RS_SOCKET_FILE_GONE, "socket-file-gone", 13)		\
	X(RS_SYN_FLOOD,	"syn-flood",		13)		\
	X(RS_TIME_WAIT,	"time-wait-pile",	13)		\
	X(RS_PEER_NOT_READING, "peer-not-reading", 13)		\
	X(RS_RETRANS,	"retransmitting",	13)		\
	X(RS_FD_LIMIT,	"fd-limit",		13)		\
	X(RS_BLOCKED_RECV, "blocked-recv",	13)		\
	X(RS_BLOCKED_CONNECT, "blocked-connect", 13)		\
	X(RS_UDP_DROPS,	"udp-drops",		13)		\
	/* trace: a program closed a socket with unread data, exit 13 */	\
	X(RS_UNREAD_CLOSE, "unread-at-close",	13)		\
	/* --proto: answered, but not ready (starting, too many clients) */ \
	X(RS_NOT_READY,	"not-ready",		14)

enum reason {
#define X(id, slug, code) id,
	REASON_LIST(X)
#undef X
	RS__COUNT
};

/* Lifecycle stages a failure can happen in. */
#define STAGE_LIST(X)			\
	X(ST_NONE,	"none")		\
	X(ST_ARGS,	"args")		\
	X(ST_RESOLVE,	"resolve")	\
	X(ST_SOCKET,	"socket")	\
	X(ST_SETSOCKOPT, "setsockopt")	\
	X(ST_BIND,	"bind")		\
	X(ST_LISTEN,	"listen")	\
	X(ST_ACCEPT,	"accept")	\
	X(ST_CONNECT,	"connect")	\
	X(ST_SEND,	"send")		\
	X(ST_RECV,	"recv")		\
	X(ST_EXPECT,	"expect")	\
	X(ST_CLOSE,	"close")

enum stage {
#define X(id, name) id,
	STAGE_LIST(X)
#undef X
	ST__COUNT
};

/*
 * reason_slug() returns the slug of r ("port-in-use"), reason_exit() its
 * exit code. reason_by_slug() returns the reason named s, or -1.
 */
const char	*reason_slug(enum reason r);
int		 reason_exit(enum reason r);
int		 reason_by_slug(const char *s);
const char	*stage_name(enum stage s);

/*
 * Conditions of sockctl's own that are no errno value (a failure record's
 * dx), each with the name explain --list gives it.
 */
#define COND_LIST(X)							\
	/* the reply did not match --expect */				\
	X(DX_EXPECT_MISMATCH, "expect-mismatch")			\
	/* the peer closed before --expect matched */			\
	X(DX_EXPECT_CLOSED, "expect-closed")				\
	/* matching did not end within -t */				\
	X(DX_EXPECT_CUT, "expect-cut-off")				\
	/* the peer closed during the exchange */			\
	X(DX_PEER_CLOSED, "peer-closed")				\
	/* the name resolved to no usable address */			\
	X(DX_NO_ADDRESS, "no-address")					\
	/* no UDP reply within the time limit */			\
	X(DX_UDP_SILENCE, "udp-silence")				\
	/* UDP replies came, none an echo of a request */		\
	X(DX_UDP_NO_ECHO, "udp-no-echo")				\
	/* Unix domain sockets: errno values whose words differ for a path */ \
	/* connect: no socket at the path (ENOENT) */			\
	X(DX_UNIX_MISSING, "unix-missing")				\
	/* connect: stale file, no socket, unbound name */		\
	X(DX_UNIX_REFUSED, "unix-refused")				\
	/* connect: the listener's queue is full */			\
	X(DX_UNIX_QUEUE_FULL, "unix-queue-full")			\
	/* connect: a directory or the file refuses */			\
	X(DX_UNIX_DENIED, "unix-denied")				\
	/* connect: stream vs datagram (EPROTOTYPE) */			\
	X(DX_UNIX_WRONG_TYPE, "unix-wrong-type")			\
	/* bind: the path exists */					\
	X(DX_UNIX_IN_USE, "unix-in-use")				\
	/* bind: its directory does not exist */			\
	X(DX_UNIX_NO_DIR, "unix-no-dir")				\
	/* bind: its directory may not be written */			\
	X(DX_UNIX_DIR_DENIED, "unix-dir-denied")			\
	/* send: the receiver's datagram queue is full */		\
	X(DX_UNIX_DGRAM_FULL, "unix-dgram-full")			\
	/* datagrams delivered, no reply within -t */			\
	X(DX_UNIX_SILENCE, "unix-silence")				\
	/* inspect: problems of live sockets, which no call returns */	\
	/* some finding; the ones below name it */			\
	X(DX_UNHEALTHY, "unhealthy")					\
	/* CLOSE_WAIT kept: close() never called */			\
	X(DX_CLOSE_WAIT_LEAK, "close-wait-leak")			\
	/* a listener's accept queue is full */				\
	X(DX_ACCEPT_QUEUE_FULL, "accept-queue-full")			\
	/* the same connections queued at both reads, queue not full */	\
	X(DX_NOT_ACCEPTING, "not-accepting")				\
	/* a Unix listener's path leads elsewhere, or nowhere */	\
	X(DX_SOCKET_FILE_GONE, "socket-file-gone")			\
	/* half-open connections, SYN cookies */			\
	X(DX_SYN_FLOOD, "syn-flood")					\
	/* TIME_WAIT near the ephemeral range */			\
	X(DX_TIME_WAIT_PILE, "time-wait-pile")				\
	/* send queue full, the peer's window 0 */			\
	X(DX_PEER_NOT_READING, "peer-not-reading")			\
	/* retransmission counters rose */				\
	X(DX_RETRANSMITTING, "retransmitting")				\
	/* open descriptors near RLIMIT_NOFILE */			\
	X(DX_FD_LIMIT, "fd-limit")					\
	/* a receive no timeout or keepalive ends */			\
	X(DX_BLOCKED_RECV, "blocked-recv")				\
	/* connect() whose SYNs go unanswered */			\
	X(DX_BLOCKED_CONNECT, "blocked-connect")			\
	/* a datagram socket's drop counter rose */			\
	X(DX_UDP_DROPS, "udp-drops")					\
	/* trace: closed with unread data, a reset went */		\
	X(DX_UNREAD_CLOSE, "unread-at-close")				\
	/* --proto (lib/core/proto): it answered, not ready yet */	\
	X(DX_NOT_READY, "not-ready")					\
	/* --proto: an answer waiting will not change */		\
	X(DX_PROTO_REPLY, "proto-reply")				\
	/* --proto: connected, and the server sent nothing */		\
	X(DX_PROTO_SILENT, "proto-silent")

enum {
	DX_NONE,
#define X(id, name) id,
	COND_LIST(X)
#undef X
	DX__COUNT
};

/*
 * reason_dx_name() returns the name of a DX_ condition ("expect-mismatch"),
 * or NULL; reason_dx_lookup() the condition named name (case ignored), or 0.
 */
const char	*reason_dx_name(int code);
int		 reason_dx_lookup(const char *name);

#endif
