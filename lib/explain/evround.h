/*
 * A round of connect attempts as a whole, the diagnosis tier of
 * probe-connect beside lib/explain/evconn (one failed attempt's
 * evidence): which failure speaks for the round, what it says beyond that
 * failure (only some addresses answered, an address given up by RFC 8305),
 * and how it went for --wait. It never prints.
 */
#ifndef SOCKCTL_EVROUND_H
#define SOCKCTL_EVROUND_H

#include <stddef.h>

#include "dial.h"
#include "result.h"

/* Returns the failure that speaks for a failed round rd. */
const struct dial_att *evround_representative(const struct dial_round *rd);

/*
 * When some addresses of host answered in rd and others did not, says so
 * in one sentence into buf ("localhost listens on IPv4 only (::1:
 * refused); ..."). Returns 1 when it wrote one.
 */
int	evround_conclude(const struct dial_round *rd, const char *host,
	    char *buf, size_t len);

/*
 * Appends to r, the result of attempt a of round rd of host, what the
 * round says beyond a: that only some addresses answered (a fix when a
 * connected, a cause when not), which address was given up when a won
 * (RFC 8305), and with list set, when every address failed, each one's
 * reason.
 */
void	evround_explain(const struct dial_round *rd, const char *host,
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
int	evround_outcome(const struct dial_round *rd, int all, int exchange,
	    int *retry, char *why, size_t len);

#endif
