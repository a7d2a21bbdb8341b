/*
 * The exporter's /metrics: this machine's live sockets as inspect judges
 * them (lib/findings), each scrape judged against the sockets and
 * counters of the scrape before it instead of sleeping a sample, and the
 * exporter's own figures. Never prints; composes the families into an
 * expo (lib/cli/expo).
 */
#ifndef SOCKCTL_XMETRICS_H
#define SOCKCTL_XMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "expo.h"
#include "findwait.h"
#include "inetdiag.h"
#include "out.h"
#include "unixdiag.h"

#define XM_BASE_MAX	65536	/* sockets remembered for the next scrape
				 * (TCP; Unix as many again) */
#define XM_GROUPS_MAX	512	/* listeners with series of their own */
#define XM_FINDINGS_MAX	256	/* sockctl_finding series */
#define XM_ICONS_MAX	4096	/* a Unix listener's queue remembered */

/*
 * What one scrape remembers for the next: its TCP and Unix sockets (a
 * Unix listener's accept queue copied: uprev[i].icons is owned), the
 * datagram sockets' drop counters and the threads' waits (wprev, a first
 * read as inspect's), and the counters.
 */
struct xmetrics {
	struct inetdiag_sock	*prev;
	size_t			 nprev;
	struct unixdiag_sock	*uprev;
	size_t			 nuprev;
	struct waits		*wprev;
	int64_t			 prev_ns;	/* 0: no scrape yet */
	struct counters		 k;		/* the last scrape's */
};

/* The exporter's own figures. */
struct xm_self {
	uint64_t	probes;		/* run in all */
	long		in_flight;
	uint64_t	codes[6];	/* answers by class: [2] 2xx ... */
	size_t		conns;		/* open now */
	uint64_t	cut;		/* connections cut off */
	double		last_scrape_s;	/* the last /metrics collection */
};

/*
 * One scrape into e: the judge of this machine's sockets against the last
 * scrape, then the exporter's figures. Returns 0, or -1 with a message in
 * err (the socket tables could not be read, no memory).
 */
int	xmetrics_scrape(struct xmetrics *m, const struct ctx *c,
	    const struct xm_self *self, struct expo *e, char *err,
	    size_t errlen);

void	xmetrics_free(struct xmetrics *m);

#endif
