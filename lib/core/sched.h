/*
 * probe-connect's targets over one event loop: at most `jobs` in flight,
 * the results handed back in argument order. A target is read from its
 * source (lib/core/targets) only when it can start, and a finished one waits
 * for those before it in a reorder window of SCHED_WIN_PER_JOB x jobs
 * slots: memory is flat in the number of targets, whatever their count.
 * Mechanism: never prints; the caller probes and prints a slot through
 * struct sched_ops.
 */
#ifndef SOCKCTL_SCHED_H
#define SOCKCTL_SCHED_H

#include <stddef.h>

#include "loop.h"
#include "targets.h"

#define SCHED_WIN_PER_JOB	4

/* What the caller does with a slot (its own struct, slot_size bytes). */
struct sched_ops {
	/* the target read into the slot, where tsrc_next() writes it */
	struct target	*(*target)(void *slot);
	/* start probing it, the seq-th target (from 0); it may be done
	 * before this returns */
	void		 (*start)(void *arg, void *slot, size_t seq);
	int		 (*done)(const void *slot);
	/* 1 while one of its connects is in flight: printing (which reads
	 * /proc for evidence) then waits, so no timing is skewed */
	int		 (*busy)(const void *slot);
	/* print its results and free them; the slot is reused after */
	void		 (*print)(void *arg, void *slot);
};

struct sched {
	const struct sched_ops	*ops;
	void			*arg;
	struct loop		*lp;
	struct tsrc		*src;
	char			*slots;
	size_t			 slot_size;
	size_t			 win;		/* slots */
	size_t			 next_start;	/* targets started */
	size_t			 next_print;	/* targets printed */
	size_t			 live_from;	/* all before it are done */
	long long		 active;	/* started, not done */
	long long		 jobs;
	int			 src_done;	/* nothing more to read */
	int			 bad;		/* a bad target stopped it */
	char			 err[TARGETS_ERR_MAX];	/* then: why */
	struct loop_io		 sio;		/* waiting for a line */
	int			 in_kick;
};

/*
 * Sets s up; its window holds SCHED_WIN_PER_JOB x jobs slots. Returns 0,
 * or -1 with errno set (ENOMEM).
 */
int	sched_init(struct sched *s, struct loop *lp, struct tsrc *src,
	    long long jobs, size_t slot_size, const struct sched_ops *ops,
	    void *arg);
void	sched_free(struct sched *s);

/*
 * Starts what may start (reading targets as it goes), prints what is
 * done in order, and stops the loop when every target read is printed
 * and the source is over (s->bad: a bad target ended it; s->err says
 * why). Call it after any event that may have finished a probe.
 */
void	sched_kick(struct sched *s);

/* A started probe is over (its slot's done() now returns 1). */
void	sched_ended(struct sched *s);

/* The slots started and not yet printed, in order: fn on each. */
void	sched_each(struct sched *s, void (*fn)(void *arg, void *slot),
	    void *arg);

/*
 * How many of jobs probes fit under the open-files limit when each takes
 * per_job descriptors and reserve more stay free: at least 1, jobs when
 * there is no limit to speak of. *limit and *open say what was found (-1:
 * not looked at).
 */
long long sched_fd_fit(long long jobs, int per_job, int reserve,
	    long *limit, long *open);

#endif
