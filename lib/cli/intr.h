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
 * Makes rs[0..n-1], the results of one target that sig interrupted after
 * elapsed_ms, say so, and what was under way (fmt: "connecting to
 * 10.0.0.5:5432, try 3"). When have_cause, each already holds the last
 * cause so far (a failure, or a success so far, e.g. probe-udp's
 * replies): it is kept, and a cause line (a note on a success) says that
 * it was interrupted. Otherwise each becomes an `error` at stage st (its
 * errno and conditions cleared) whose message says that no attempt had
 * ended. The target and the JSON keys are the caller's.
 */
void	intr_results(struct result *rs, int n, int sig, int have_cause,
	    enum stage st, double elapsed_ms, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));

#endif
