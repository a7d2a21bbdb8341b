/*
 * The private half of lib/core/dial: what the attempt's exchange (dialx.c:
 * send, recv, expect) and the dialer (dial.c) call of each other. Not
 * for other modules.
 */
#ifndef SOCKCTL_DIALPRIV_H
#define SOCKCTL_DIALPRIV_H

#include <stdint.h>

#include "dial.h"
#include "reason.h"

#define TRACE(d, ...) do {						\
	if ((d)->cfg->trace != NULL)					\
		dial_trace((d), __VA_ARGS__);				\
} while (0)

/* One trace line, "LABEL: ...", to the run's trace callback. */
void	dial_trace(const struct dial *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* ", TCP state X" after a stage; "" for a Unix socket (no TCP state). */
const char	*dial_state_of(int fd);

/* Calls the run's after callback: an event of d's was handled. */
void	dial_after(struct dial *d);

/* The attempt is over: ok, or failed at stage with err (or dx). */
void	dial_att_finish(struct dial_att *a, int ok, enum stage st, int err,
	    int dx);

/* Arms the attempt's timer for ms, or what is left of the deadline. */
void	dial_att_arm(struct dial_att *a, int64_t ms);

/* dialx.c: connected with --send: sends (again when writable). */
void	dialx_send(struct dial_att *a);

/* dialx.c: waits for the reply, within -t (--send alone: a grace). */
void	dialx_recv_start(struct dial_att *a);

/* dialx.c: reads what came of the reply, and matches it. */
void	dialx_recv(struct dial_att *a);

/* dialx.c: the timer fired while a child matched: expect-cut-off. */
void	dialx_cut(struct dial_att *a);

#endif
