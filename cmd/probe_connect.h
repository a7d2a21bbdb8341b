/*
 * probe-connect's private header: a target over its rounds (struct probe)
 * and the run (struct run), shared by cmd/probe_connect.c (options,
 * rounds, --wait, -- COMMAND) and cmd/connect_out.c (the results and
 * --wait's progress line). Not for other commands.
 */
#ifndef SOCKCTL_PROBE_CONNECT_H
#define SOCKCTL_PROBE_CONNECT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "dial.h"
#include "evconn.h"
#include "loop.h"
#include "out.h"
#include "proto.h"
#include "sched.h"
#include "targets.h"

#define MIN_INTERVAL_MS	10

enum pstate { PS_QUEUED, PS_DIALING, PS_SLEEP, PS_DONE };

/* One target, over every round of --wait. */
struct probe {
	struct target		 t;		/* first: sched reads into it */
	struct run		*rn;
	enum pstate		 st;
	struct loop_timer	 tm;		/* the pause between rounds */
	struct dial		 d;
	int64_t			 t0_ns;
	int64_t			 end_ns;
	int			 rounds;
	struct dial_round	 last;		/* the last round that counts */
	int			 have_last;
	int			 ok;		/* that round succeeded */
	int			 retry;		/* that round may be retried */
	char			 why[128];	/* its cause, for progress */
};

struct run {
	struct ctx		*c;
	struct loop		*lp;
	struct tsrc		 src;
	struct sched		 sc;
	size_t			 nready;	/* done and ok */
	long long		 jobs;
	long long		 jobs_asked;	/* -j, before the fd limit */
	long			 fd_limit;
	int			 wait_set;
	int64_t			 interval_ms;
	char			*send;
	regex_t			 re;
	int			 have_re;
	int			 all;
	int			 rfd[2];	/* resolver threads' wake-ups */
	struct loop_io		 rio;
	int64_t			 t0_ns;
	int			 tty;
	int			 progress;	/* a progress line is showing */
	int			 exit_code;
	int			 http_status[PROTO_STATUS_MAX];
	struct dial_cfg		 dc;		/* what every dialer shares */
	struct evconn		 ev;		/* what the evidence needs */
};

/* Prints a probe's results (struct sched_ops's print). */
void	pc_print_probe(void *arg, void *slot);

/* --wait on a terminal: shows the first target still waiting, and why. */
void	pc_progress(struct run *rn);

/* Clears the progress line, if one shows. */
void	pc_progress_clear(struct run *rn);

#endif
