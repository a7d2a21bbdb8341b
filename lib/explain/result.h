/*
 * The result record: what one probe, server start or finding concluded,
 * with every key of the SPEC's JSON form, and the facts a diagnosis reads
 * from the command line (struct ev_env). The diagnosis tier fills it; the
 * CLI tier (lib/cli/out) prints it.
 */
#ifndef SOCKCTL_RESULT_H
#define SOCKCTL_RESULT_H

#include <stdint.h>

#include "json.h"
#include "reason.h"

/* What the diagnosis needs of the command line and the environment. */
struct ev_env {
	const char	*proc_root;	/* "/proc", or SOCKCTL_PROC_ROOT */
	int		 family;	/* AF_UNSPEC, AF_INET (-4), AF_INET6 (-6) */
	int64_t		 timeout_ms;	/* -t, default 5000 */
};

/* One probe result: every key of the SPEC's JSON form. */
struct result {
	const char	*command;	/* the command that made it */
	char		 target[320];
	enum reason	 reason;
	enum stage	 stage;		/* ST_NONE: null */
	int		 err;		/* errno value, 0: none */
	int		 eai;		/* getaddrinfo code, 0: none */
	int		 dx;		/* a DX_ condition of reason.h, 0: none */
	char		 message[2048];	/* success line, or the cause */
	char		 hint[1024];	/* the fix, or a note on success */
	char		 address[112];	/* address or Unix path, "": null */
	int		 port;		/* -1: null */
	int		 family;	/* AF_INET, AF_INET6, 0: null */
	double		 elapsed_ms;	/* < 0: null */
	struct jbuf	 extra;		/* command-specific keys (a fragment) */
};

/* Initialises r for command (e.g. "probe-bind") with every field null
 * and reason ok. */
void	result_init(struct result *r, const char *command);
void	result_free(struct result *r);

/*
 * Fills reason, message and hint of r from the diagnosis table for its
 * stage and err, eai or dx (diag.h), keeping any message already set.
 */
void	result_diagnose(struct result *r);

/* Appends to r->message / r->hint (a new line when not empty). */
void	result_cause(struct result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	result_fix(struct result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
