/*
 * Evidence for a failed bind (probe-bind) and for a server that could not
 * start (ev_server). A shortage of descriptors or memory is evlimits.
 */
#ifndef SOCKCTL_EVIDENCE_H
#define SOCKCTL_EVIDENCE_H

#include <sys/socket.h>

#include "result.h"

/*
 * Records the failure (st, err) of binding sa in r, fills reason, cause
 * and fix from the diagnosis table, then the evidence found on this
 * machine: the port's holders (and whether SO_REUSEADDR would bind past
 * TIME_WAIT, by trying it), the privileged-port sysctl and capability, the
 * local addresses, the descriptor limits. Appends "owners" (a list, or
 * null) to r->extra.
 */
void	ev_bind(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
	    int udp, enum stage st, int err);

/* How the failed bind was made, so the evidence binds the same way. */
struct ev_how {
	int	udp;
	int	reuseport;	/* SO_REUSEPORT was set */
	int	v6only;		/* AF_INET6: the IPV6_V6ONLY it had */
};

/*
 * ev_bind() for a bind made as how says (ev_bind() is a dual-stack [::]
 * without SO_REUSEPORT, as the servers bind): the SO_REUSEADDR trial binds
 * the same way, and a [::] without IPV6_V6ONLY is blocked by IPv4 holders.
 */
void	ev_bind_how(const struct ev_env *c, struct result *r,
	    const struct sockaddr *sa, const struct ev_how *how, enum stage st,
	    int err);

/*
 * Fills r for a server that could not start: target (sa formatted, or
 * target when sa is NULL), address fields, and ev_bind()'s diagnosis and
 * evidence; for a name that did not resolve (eai) the table's DNS row.
 */
void	ev_server(const struct ev_env *c, struct result *r,
	    const struct sockaddr *sa, int udp, enum stage st, int err, int eai,
	    const char *target);

#endif
