/*
 * Evidence for a failed connect, the diagnosis tier of probe-connect: it
 * turns the facts lib/dial gathered (the errno, the ICMP error and who
 * sent it, the timings) and what this machine shows (its listeners and
 * their accept queues, routes, ARP, sysctls, resolv.conf) into the cause
 * and fix of a struct result. It never prints.
 */
#ifndef SOCKCTL_EVCONN_H
#define SOCKCTL_EVCONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dial.h"
#include "out.h"
#include "procnet.h"

/*
 * The TCP listeners of this machine, read once and shared by every result
 * whose attempt ended before the read: a sweep of a thousand closed ports
 * asks the kernel once, not a thousand times. Past EVCONN_LC_MAX
 * listeners each lookup asks for its own port instead. Zero it to start.
 */
#define EVCONN_LC_MAX	4096

struct evconn_lcache {
	struct pn_sock		*v;
	size_t			 n;
	size_t			 cap;
	int64_t			 at_ns;		/* when read; 0: never */
	int			 over;		/* too many, or no memory */
};

/* What the evidence needs of a run; lc starts zeroed. */
struct evconn {
	const struct ctx	*c;		/* proc_root, timeout, family */
	const char		*expect;	/* --expect pattern, or NULL */
	size_t			 sendlen;	/* bytes sent after connecting */
	long long		 jobs;		/* targets at once (-j) */
	struct evconn_lcache	 lc;
};

/* Frees the listener cache of ev. */
void	evconn_free(struct evconn *ev);

/* The listeners seen for one destination address and port. */
struct evconn_listen {
	int			 nlisten;	/* LISTEN sockets on the port */
	int			 match;		/* one takes connections to dst */
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
int	evconn_listeners(const char *root, struct evconn_lcache *lc,
	    const struct sockaddr *dst, int64_t since_ns,
	    struct evconn_listen *ls);

/*
 * Returns 1 when the matching listener of ls has more connections waiting
 * than its backlog: the kernel drops new SYNs, the application is not
 * calling accept(). Without the backlog (/proc/net/tcp) any wait counts.
 */
int	evconn_queue_full(const struct evconn_listen *ls);

/* Returns the reason a's outcome maps to in the diagnosis table. */
enum reason evconn_reason(const struct dial_att *a);

/*
 * Appends to r the cause and fix of failed attempt a from this machine's
 * evidence: the listener and its accept queue for a local target, the
 * ICMP error and its sender, the routes (an IPv4-only network), ARP, the
 * port range, the reply of the exchange, the descriptor limits.
 */
void	evconn_explain(struct evconn *ev, const struct dial_att *a,
	    struct result *r);

/*
 * Fills r (stage resolve, reason, cause, fix) for round rd of host, which
 * connected nowhere: the name does not exist or has no address of the
 * family asked for (naming those it has), the resolver did not answer
 * (naming the nameservers), or a limit was hit.
 */
void	evconn_dns(struct evconn *ev, const char *host,
	    const struct dial_round *rd, struct result *r);

/* Returns the failure that speaks for a failed round rd. */
const struct dial_att *evconn_representative(const struct dial_round *rd);

/*
 * When some addresses of host answered in rd and others did not, says so
 * in one sentence into buf ("localhost listens on IPv4 only (::1:
 * refused); ..."). Returns 1 when it wrote one.
 */
int	evconn_conclude(const struct dial_round *rd, const char *host,
	    char *buf, size_t len);

#endif
