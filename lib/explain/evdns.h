/*
 * Evidence for a name that did not resolve, the diagnosis tier: whether
 * the answer is final (no such name) or temporary (the resolver did not
 * answer, within the limit or at all), the nameservers asked, and the
 * other family's addresses when -4/-6 found none. Shared by every command
 * that resolves: probe-connect (through its dialer's round), probe-udp,
 * probe-bind and the servers. Never prints.
 */
#ifndef SOCKCTL_EVDNS_H
#define SOCKCTL_EVDNS_H

#include "dial.h"
#include "result.h"

/* What the lookup of one name came to. */
struct evdns_facts {
	const char	*host;
	int		 eai;		/* getaddrinfo()'s code, 0 */
	int		 err;		/* errno, for EAI_SYSTEM */
	int		 cut;		/* no answer within the limit: given up */
	double		 waited_ms;	/* how long it waited, when cut */
	int		 by_wait;	/* the limit was --wait's deadline */
	int		 naddr;		/* addresses of a usable family */
	int		 numeric;	/* host was an address literal */
};

/*
 * Records the failed lookup f in r (stage resolve, the EAI code or the
 * errno, or DX_NO_ADDRESS when the name had no address of the family
 * asked for), then appends what was found: final or temporary, the
 * nameservers, the other family's addresses, or the limit that stopped
 * the lookup (EMFILE, ENOMEM); reason, cause and fix come from the
 * diagnosis table where no evidence says more.
 */
void	evdns_explain(const struct ev_env *c, const struct evdns_facts *f,
	    struct result *r);

/* evdns_explain() for round rd of host, which connected nowhere. */
void	evdns_round(const struct ev_env *c, const char *host,
	    const struct dial_round *rd, struct result *r);

#endif
