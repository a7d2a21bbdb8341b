/*
 * The TCP listeners of this machine (lib/kernel/procnet) that take connections
 * for a destination, with their accept queues: the lookup behind "nothing
 * listens", "listens only on ..." and "the application is not calling
 * accept()". Never prints.
 */
#ifndef SOCKCTL_LISTEN_H
#define SOCKCTL_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "procnet.h"

/*
 * The TCP listeners of this machine, read once and shared by every lookup
 * for an attempt that ended before the read: a sweep of a thousand closed
 * ports asks the kernel once, not a thousand times. Past LISTEN_CACHE_MAX
 * listeners each lookup asks for its own port instead. Zero it to start.
 */
#define LISTEN_CACHE_MAX	4096

struct listen_cache {
	struct pn_sock		*v;
	size_t			 n;
	size_t			 cap;
	int64_t			 at_ns;		/* when read; 0: never */
	int			 over;		/* too many, or no memory */
};

/* Frees the cache's table (lc may be read again after). */
void	listen_cache_free(struct listen_cache *lc);

/* The listeners seen for one destination address and port. */
struct listen_match {
	int			 nlisten;	/* LISTEN sockets on the port */
	int			 match;		/* one takes dst's connections */
	int			 match_v6any;	/* only through [::] */
	struct pn_sock		 m;		/* that one */
	char			 where[256];	/* the addresses listened on */
	int			 fam[2];	/* IPv4, IPv6 listeners seen */
};

/*
 * Fills *ls with the TCP listeners on dst's port that ROOT shows, from the
 * cache lc when it was read after since_ns (else it is read again first);
 * with lc NULL, or a cache that overflowed, only that port is asked for.
 * Returns 0, or -1 with errno set when no table could be read (*ls then
 * shows no listener).
 */
int	listen_lookup(const char *root, struct listen_cache *lc,
	    const struct sockaddr *dst, int64_t since_ns,
	    struct listen_match *ls);

/*
 * Returns 1 when the matching listener of ls has more connections waiting
 * than its backlog: the kernel drops new SYNs, the application is not
 * calling accept(). Without the backlog (/proc/net/tcp) any wait counts.
 */
int	listen_queue_full(const struct listen_match *ls);

#endif
