/*
 * Evidence for a failed connect, the diagnosis tier of probe-connect: it
 * turns the facts lib/core/dial gathered (the errno, the ICMP error and who
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
#include "listen.h"
#include "result.h"

/* What the evidence needs of a run; lc starts zeroed. */
struct evconn {
	const struct ev_env	*c;	/* proc_root, timeout, family */
	const char		*expect;	/* --expect pattern, or NULL */
	size_t			 sendlen;	/* bytes sent (--send) */
	long long		 jobs;		/* targets at once (-j) */
	struct listen_cache	 lc;
};

/* Frees what ev holds (its listener cache). */
void	evconn_free(struct evconn *ev);

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

#endif
