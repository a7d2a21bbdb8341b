/*
 * Evidence for a name that connected nowhere (probe-connect's resolve
 * stage): what the resolver said, what else the name has, which
 * nameservers were asked. Never prints.
 */
#ifndef SOCKCTL_EVDNS_H
#define SOCKCTL_EVDNS_H

#include "dial.h"
#include "out.h"

/*
 * Fills r (stage resolve, reason, cause, fix) for round rd of host, which
 * connected nowhere: the name does not exist or has no address of the
 * family asked for (naming those it has), the resolver did not answer
 * (naming the nameservers), or a limit was hit.
 */
void	evdns_explain(const struct ctx *c, const char *host,
	    const struct dial_round *rd, struct result *r);

#endif
