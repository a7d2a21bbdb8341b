/*
 * Output: the context passed down from main, JSON building, and the one
 * place that writes results. Other lib/ modules never print; they may call
 * out_trace().
 */
#ifndef SOCKCTL_OUT_H
#define SOCKCTL_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "nomem.h"
#include "reason.h"
#include "result.h"

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct om;

/* Everything a command needs from the command line and the environment. */
struct ctx {
	const char	*cmd;		/* command name, e.g. "probe-bind" */
	int		 json;		/* --json */
	int		 openmetrics;	/* --openmetrics */
	struct om	*om;		/* --openmetrics: the samples so far,
					 * written by out_finish() */
	int		 quiet;		/* -q */
	int		 trace;		/* -v */
	struct ev_env	 env;		/* what a diagnosis needs: proc_root,
					 * family (-4, -6), timeout_ms (-t) */
	int		 timeout_set;	/* -t was given */
	enum color_mode	 color;
	int64_t		 t0_ns;		/* clock_ns() at start, for -v */
	FILE		*out;
	FILE		*err;
	int		 hold;		/* results: flush c->out only when
					 * stderr is written or at out_flush() */
	int		*werr;		/* gets the errno of the first failed
					 * write to out (NULL: not kept) */
	/* set while a server runs: the lines for stderr (trace, errors,
	 * notes) go to errsink(errsink_arg, line, len), a queue that never
	 * blocks (lib/cli/logq), instead of through err */
	void		(*errsink)(void *, const char *, size_t);
	void		*errsink_arg;
};

/*
 * Writes r in the form the options ask for (text, --json, -q) and returns
 * its exit code. With --openmetrics, r's samples are kept for out_finish()
 * and a failure's text still goes to stderr (one line with -q).
 */
int	out_result(const struct ctx *c, const struct result *r);

/*
 * With c->hold set, result lines on c->out wait in its buffer (a sweep of
 * thousands of ports is one write, not thousands); anything written to
 * c->err flushes them first, so the two streams keep their order.
 * out_flush() writes what waits.
 */
void	out_flush(const struct ctx *c);

/*
 * Before a command runs: a standard descriptor that is closed (sockctl
 * started with >&-) is opened on /dev/null (stdin, stderr) or /dev/full
 * (stdout), so no socket takes its number and a result written there
 * fails instead of reaching a socket; *werr is set to EBADF for a closed
 * stdout.
 */
void	out_guard_fds(int *werr);

/*
 * After a command ran: writes the --openmetrics exposition when a result
 * was kept (nothing when none was: --help, a usage error), flushes
 * stdout, and when any write to it failed says so on stderr (naming the
 * errno: the results are lost) and returns 1 (error); otherwise returns
 * rc.
 */
int	out_finish(const struct ctx *c, int rc);

/* Writes one JSON object as a line on stdout, flushed unless c->hold. */
void	out_json(const struct ctx *c, const struct jbuf *jb);

/*
 * A server's first line, "listening on ADDR:PORT" (or the JSON event
 * "listening"), flushed. Printed even with -q: the port chosen for port 0
 * is the interface of a server.
 */
struct sockaddr;
void	out_listening(const struct ctx *c, const char *proto,
	    const struct sockaddr *sa);

/*
 * probe-bind --hold's line, "holding ADDR (PROTO) for DUR" (or the JSON
 * event "holding"), flushed. Under -q too, in text: a script needs the
 * address.
 */
void	out_holding(const struct ctx *c, const char *proto,
	    const struct sockaddr *sa, int64_t hold_ms);

/* With -v, writes "[   12.345 ms] " and the message to stderr. */
void	out_trace(const struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* out_trace() as a sock_trace_fn (lib/core/sock.h): arg is the struct ctx. */
void	out_trace_cb(void *arg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* "sockctl: CMD: message" on stderr; out_usage() returns 2 for usage errors. */
void	out_err(const struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	out_usage(const struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A warning or note for a person: stderr, not with -q or --json. */
void	out_note(const struct ctx *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * A server (echo-server, udp-echo) that could not start: prints the
 * diagnosis and evidence of the failed stage st (err, or eai for a name
 * that did not resolve) for sa, or for target when sa is NULL, as one
 * result. Returns its exit code.
 */
int	out_server_failed(struct ctx *c, const struct sockaddr *sa, int udp,
	    enum stage st, int err, int eai, const char *target);

/* Returns whether to colour output written to f. */
int	out_color(const struct ctx *c, FILE *f);

#endif
