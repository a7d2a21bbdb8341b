/*
 * Evidence for a failed UDP probe, the diagnosis tier of probe-udp: who
 * sent the ICMP error behind a refusal (the target itself, this
 * machine's firewall, a router), and for a target on this machine which
 * UDP sockets hold its port. Reached through the diagnosis table's hook
 * column, as the other commands' evidence is. Never prints.
 */
#ifndef SOCKCTL_EVUDP_H
#define SOCKCTL_EVUDP_H

#include <sys/socket.h>

#include "icmp.h"
#include "result.h"

/* What the probe saw. */
struct evudp_facts {
	const struct sockaddr	*dst;		/* the target, with its port */
	struct icmp_ev		 icmp;		/* origin 0: none was read */
	long long		 sent, answered;
};

/*
 * Appends to r (stage, errno or DX_ condition already recorded and
 * diagnosed) the evidence its table row's hook asks for: the ICMP error
 * and its sender, the local UDP sockets on the port, the descriptor or
 * memory limits.
 */
void	evudp_explain(const struct ev_env *c, const struct evudp_facts *f,
	    struct result *r);

#endif
