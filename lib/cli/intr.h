/*
 * A run cut short by SIGINT or SIGTERM (a CI timeout, Ctrl-C): what every
 * client prints then. The results finished so far are printed as they
 * are; each target not finished gets a result that says it was
 * interrupted, with its last cause so far; the run exits 128 + the
 * signal (130, 143), as a shell reports a process the signal killed.
 * The signals themselves are read where the command waits (lib/core/loop:
 * loop_stop_sigs, loop_sigfd(), loop_sigwait()).
 */
#ifndef SOCKCTL_INTR_H
#define SOCKCTL_INTR_H

#include "result.h"

/* The exit code of a run that sig cut short: 128 + sig. */
int	intr_exit(int sig);

/*
 * Makes r the result of a target that sig interrupted, while doing what
 * fmt says ("connecting to 10.0.0.5:5432, try 3"). When have_cause, r
 * already holds the last cause so far (a failure, or a success so far,
 * e.g. probe-udp's replies): it is kept, and a cause line (a note on a
 * success) says that it was interrupted. Otherwise r becomes an `error`
 * at stage st whose message says that no attempt had ended. r->target,
 * r->elapsed_ms and the JSON keys are the caller's.
 */
void	intr_result(struct result *r, int sig, int have_cause, enum stage st,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
