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

/* Evidence a command gathers on this machine for a row. */
enum diag_hook {
	DH_NONE,
	DH_PORT_OWNERS,		/* who holds the port (procnet) */
	DH_PRIV_PORT,		/* the sysctl, uid and capability */
	DH_LOCAL_ADDRS,		/* which addresses are local */
	DH_FD_LIMIT,		/* RLIMIT_NOFILE and fs.file-max */
	DH_EPHEMERAL,		/* ip_local_port_range, sockets in use */
	DH_RESOLVER,		/* nameservers from /etc/resolv.conf */
	DH_LOCAL_LISTENER,	/* is anything listening here on that port */
	DH_UNIX_CONNECT,	/* the path, its file, its listener (evunix) */
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

/* The DK_SOCKCTL codes are the DX_ conditions of reason.h. */

#endif
