/*
 * The diagnosis table: (stage, error) -> reason, cause, fix, and the
 * evidence a command should gather. The probes and `explain` read this one
 * table, so they never disagree.
 */
#ifndef SOCKCTL_DIAG_H
#define SOCKCTL_DIAG_H

#include <stddef.h>

#include "reason.h"

enum diag_kind {
	DK_ERRNO,	/* code is an errno value */
	DK_EAI,		/* code is a getaddrinfo() EAI_* value */
	DK_SOCKCTL,	/* code is one of sockctl's own conditions below */
};

/* Conditions that are no errno value. */
enum {
	DX_EXPECT_MISMATCH = 1,	/* the reply did not match --expect */
	DX_EXPECT_CLOSED,	/* the peer closed before --expect matched */
	DX_EXPECT_CUT,		/* matching did not end within -t */
	DX_PEER_CLOSED,		/* the peer closed during the exchange */
	DX_NO_ADDRESS,		/* the name resolved to no usable address */
	DX_UDP_SILENCE,		/* no UDP reply within the time limit */
	DX_UDP_NO_ECHO,		/* UDP replies came, none an echo of a request */
	/* Unix domain sockets: errno values whose words differ for a path */
	DX_UNIX_MISSING,	/* connect: no socket at the path (ENOENT) */
	DX_UNIX_REFUSED,	/* connect: stale file, no socket, unbound name */
	DX_UNIX_QUEUE_FULL,	/* connect: the listener's queue is full */
	DX_UNIX_DENIED,		/* connect: a directory or the file refuses */
	DX_UNIX_WRONG_TYPE,	/* connect: stream vs datagram (EPROTOTYPE) */
	DX_UNIX_IN_USE,		/* bind: the path exists */
	DX_UNIX_NO_DIR,		/* bind: its directory does not exist */
	DX_UNIX_DIR_DENIED,	/* bind: its directory may not be written */
	DX_UNIX_DGRAM_FULL,	/* send: the receiver's datagram queue is full */
	DX_UNIX_SILENCE,	/* datagrams delivered, no reply within -t */
	/* inspect: problems of live sockets, which no call returns */
	DX_UNHEALTHY,		/* some finding; the ones below name it */
	DX_CLOSE_WAIT_LEAK,	/* CLOSE_WAIT kept: close() never called */
	DX_ACCEPT_QUEUE_FULL,	/* a listener's accept queue is full */
	DX_SYN_FLOOD,		/* half-open connections, SYN cookies */
	DX_TIME_WAIT_PILE,	/* TIME_WAIT near the ephemeral range */
	DX_PEER_NOT_READING,	/* send queue full, the peer's window 0 */
	DX_RETRANSMITTING,	/* retransmission counters rose */
	DX_FD_LIMIT,		/* open descriptors near RLIMIT_NOFILE */
	/* trace: lifecycle problems of a traced program's socket */
	DX_UNREAD_CLOSE,	/* closed with unread data: a reset went */
	DX_BLOCKED_CONNECT,	/* connect() blocked, no send timeout */
	DX_BLOCKED_RECV,	/* a receive blocked, no receive timeout */
};

/* Evidence a command gathers on this machine for a row. */
enum diag_hook {
	DH_NONE,
	DH_PORT_OWNERS,		/* who holds the port (lib/procnet) */
	DH_PRIV_PORT,		/* the sysctl, uid and capability */
	DH_LOCAL_ADDRS,		/* which addresses are local */
	DH_FD_LIMIT,		/* RLIMIT_NOFILE and fs.file-max */
	DH_EPHEMERAL,		/* ip_local_port_range, sockets in use */
	DH_RESOLVER,		/* nameservers from /etc/resolv.conf */
	DH_LOCAL_LISTENER,	/* is anything listening here on that port */
	DH_UNIX_CONNECT,	/* the path, its file, its listener (lib/evunix) */
	DH_UNIX_BIND,		/* what holds the path, its directory */
	DH_ACCEPT_QUEUE,	/* silence: a local listener's full accept
				 * queue, else the path (no ICMP, no reset) */
	DH_ROUTE,		/* no route: routes, neighbours, the ICMP
				 * error and who sent it (MSG_ERRQUEUE) */
	DH_POLICY,		/* refused by policy: the ICMP error, this
				 * machine's firewall */
	DH_EXCHANGE,		/* the send/expect exchange: what came back */
	DH_MEMORY,		/* ulimit -v and the memory in use */
};

struct diag {
	enum stage	 stage;		/* ST_NONE: any stage */
	enum diag_kind	 kind;
	int		 code;
	enum reason	 reason;
	const char	*cause;
	const char	*fix;
	enum diag_hook	 hook;
};

/*
 * Returns the row for (stage, kind, code): the row of that stage if there
 * is one, else the row for any stage, else a generic row (never NULL).
 */
const struct diag *diag_find(enum stage st, enum diag_kind kind, int code);

/*
 * The row for a failure record: its DX_ condition when dx is not 0, else
 * its getaddrinfo code when eai is not 0, else its errno (never NULL).
 */
const struct diag *diag_of(enum stage st, int dx, int eai, int err);

/* Returns the table and its length in *n. */
const struct diag *diag_table(size_t *n);

/* Returns the name of a DK_SOCKCTL code ("expect-mismatch"), or NULL. */
const char	*diag_dx_name(int code);

/*
 * Returns the DK_SOCKCTL code named name (as --list and diag_dx_name()
 * spell it, case ignored), or 0 when no condition has that name.
 */
int		 diag_dx_lookup(const char *name);

#endif
