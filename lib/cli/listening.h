/*
 * inspect --listening: what listens where, as ss -ltnpux shows it, one
 * line per listening socket (TCP listeners, bound unconnected UDP sockets,
 * Unix listeners and bound datagram sockets): its address (a [::] marked
 * v6-only or dual-stack), every process that holds it, its queue and
 * backlog; text, --json (one "listener" event each) or --openmetrics
 * (queue length and backlog per listener).
 */
#ifndef SOCKCTL_LISTENING_H
#define SOCKCTL_LISTENING_H

#include "out.h"

#define LISTENING_MAX_SEL	32

/* Which sockets: all when every count is 0. */
struct listening_sel {
	int		 pid;			/* held by it; 0 any */
	int		 nport;
	int		 port[LISTENING_MAX_SEL];
	int		 npath;
	const char	*path[LISTENING_MAX_SEL];	/* Unix names */
	const char	*target;		/* what the user gave, or NULL */
};

/*
 * Reads the sockets and their owners below c's proc root and prints them.
 * Returns the exit code: 0, or that of the failure it printed (the
 * sockets could not be read).
 */
int	listening_run(struct ctx *c, const struct listening_sel *sel);

#endif
