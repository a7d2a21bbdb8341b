/*
 * inspect's output besides its results (lib/cli: the printing tier): the
 * summary per port or process, what the threads wait on, and the
 * OpenMetrics series of each finding, in text, --json or --openmetrics.
 */
#ifndef SOCKCTL_INSPOUT_H
#define SOCKCTL_INSPOUT_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "findwait.h"
#include "out.h"

/* What a run of inspect read and judged. */
struct inspout {
	struct ctx		*c;
	struct findings		*f;
	struct owners		*w;
	struct waits		*wt;
	int			 with_unix;	/* Unix sockets were read */
};

/* The waits, then the summary lines and the totals (nf findings). */
void	inspout_text(const struct inspout *u, int nf);

/* The {"event":"summary",...} object. */
void	inspout_json(const struct inspout *u, int nf, const char *target,
	    int64_t sample);

/* The summary's and the waits' families. */
void	inspout_om(const struct inspout *u, const char *target);

/* The sockctl_finding series of finding i (result r), of wait i. */
void	inspout_om_finding(const struct inspout *u, const struct result *r,
	    size_t i);
void	inspout_om_wait(const struct inspout *u, const struct result *r,
	    int i);

#endif
