/*
 * The private half of lib/findings: what the judge (findings.c) keeps and
 * the texts (findtext.c) read. Not for other modules.
 */
#ifndef SOCKCTL_FINDPRIV_H
#define SOCKCTL_FINDPRIV_H

#include "findings.h"

/* What the first read saw of a socket, by its cookie. */
struct base {
	uint64_t	key;
	uint32_t	total_retrans;
	uint8_t		state;
	uint8_t		flags;
};

#define B_CW		0x01	/* in CLOSE_WAIT */
#define B_PNR		0x02	/* send queue waiting, the peer's window 0 */
#define B_RTX		0x04	/* RTO timeouts outstanding */
#define B_FULL		0x08	/* a listener with a full accept queue */

/* Sockets that share a finding: by kind, owner and one address. */
enum gk { GK_CW, GK_TW, GK_PNR, GK_RTX };

struct agg {
	enum gk			 kind;
	struct owners_proc	*proc;
	unsigned		 uid;
	struct sockaddr_storage	 key;		/* GK_TW: the destination;
						 * GK_RTX: the peer's address */
	struct sockaddr_storage	 local, remote;	/* of the first socket */
	int			 many_local, many_remote;
	int			 nshare;
	long			 count;
	uint64_t		 sum;		/* bytes queued, segments */
	uint32_t		 max;		/* oldest age, largest RTO */
	/* GK_PNR, GK_RTX: the other end when it is a socket of this machine */
	int			 peer;		/* found by findings_judge() */
	struct owners_proc	*peer_proc;	/* its owner, NULL unseen */
	unsigned		 peer_uid;
	unsigned long		 peer_rxq;	/* bytes it has not read */
};

struct finding {
	enum reason		 reason;
	int			 dx;
	enum stage		 stage;
	const struct agg	*a;		/* or: */
	const struct findings_group *g;		/* a listener */
	struct owners_proc	*proc;		/* fd-limit */
};

struct findings {
	struct findings_cfg	 cfg;
	struct base		*b;
	size_t			 nb, capb;
	struct findings_group	*g;
	size_t			 ng, capg;
	int			*port_listen;	/* port -> group index + 1 */
	unsigned char		*lports;	/* bit per port: a local LISTEN
						 * socket was seen on it */
	struct agg		*a;
	size_t			 na, capa;
	struct finding		*f;
	size_t			 nf, capf;
	long			 states[FINDINGS_NSTATES];
	long			 udp, unix_n;
	struct counters		 k1, k2;
	long			 range_lo, range_hi;
	int			 nlook;		/* inetdiag_lookup()s made */
};

/* At most this many exact lookups of a socket's other end per run. */
#define FINDINGS_MAX_LOOKUPS	64

/* b - a of a counter over the sample; -1 for one read or unknown. */
long long	findings_delta(const struct findings *f, long long a,
		    long long b);

/* The integer sysctl at ROOT/rel, or -1. */
long		findings_sysctl(const struct findings *f, const char *rel);

#endif
