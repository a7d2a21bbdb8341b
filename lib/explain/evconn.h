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

/* Returns the failure that speaks for a failed round rd. */
const struct dial_att *evconn_representative(const struct dial_round *rd);

/*
 * When some addresses of host answered in rd and others did not, says so
 * in one sentence into buf ("localhost listens on IPv4 only (::1:
 * refused); ..."). Returns 1 when it wrote one.
 */
int	evconn_conclude(const struct dial_round *rd, const char *host,
	    char *buf, size_t len);

/*
 * Appends to r, the result of attempt a of round rd of host, what the
 * round says beyond a: that only some addresses answered (a fix when a
 * connected, a cause when not), which address was given up when a won
 * (RFC 8305), and with list set, when every address failed, each one's
 * reason.
 */
void	evconn_round(const struct dial_round *rd, const char *host,
	    const struct dial_att *a, int list, struct result *r);

/*
 * How round rd went from its reasons alone (cheap: the evidence is read
 * when the result is printed, so it delays no other target's timing):
 * returns 1 for success; else sets *retry (may --wait try again? with
 * exchange, --send/--expect, a reset or a wrong reply may pass next
 * time) and writes the cause for a progress line to why ("refused
 * (ECONNREFUSED)"). With all, every attempt counts, else the winner or
 * the representative failure.
 */
int	evconn_outcome(const struct dial_round *rd, int all, int exchange,
	    int *retry, char *why, size_t len);

#endif
