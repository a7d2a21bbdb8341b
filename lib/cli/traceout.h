/*
 * `sockctl trace`'s output, the CLI tier: one line per lifecycle stage
 * (text, or a JSON "stage" event), one per send or receive with -v, and
 * one summary per socket (text, or a JSON "socket-summary" event), to
 * c->out (stderr or -o FILE, chosen by the command). Failures and
 * problems are results: out_result().
 */
#ifndef SOCKCTL_TRACEOUT_H
#define SOCKCTL_TRACEOUT_H

#include "out.h"
#include "tsock.h"

/* Writes the stage (or -v's send/receive) line of e. */
void	to_stage(const struct ctx *c, const struct ts_event *e);

/* Writes the summary of the socket whose life e ends. */
void	to_summary(const struct ctx *c, const struct ts_event *e);

/*
 * A note on what limits the trace (kind: "setuid", "foreign-abi") about pid (0: none), as text or a JSON "trace-note" event.
 */
void	to_note(const struct ctx *c, int pid, const char *kind,
	    const char *message);

/*
 * The closing line: the pid detached from (-p), or how the program ended
 * (code, or sig when not 0), and sockets the table could not follow
 * (dropped), as text or a JSON "trace-end" event.
 */
void	to_end(const struct ctx *c, int detached, int code, int sig,
	    unsigned long long sockets, unsigned long long dropped);

#endif
