#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "loop.h"
#include "sched.h"
#include "sysinfo.h"
#include "targets.h"

static void *
slot(const struct sched *s, size_t seq)
{
	return s->slots + (seq % s->win) * s->slot_size;
}

/* The source's descriptor is readable: read on. */
static void
src_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct sched *s = io->arg;

	(void)ev;
	(void)loop_watch(lp, io, 0);
	sched_kick(s);
}

int
sched_init(struct sched *s, struct loop *lp, struct tsrc *src,
    long long jobs, size_t slot_size, const struct sched_ops *ops, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->lp = lp;
	s->src = src;
	s->jobs = jobs;
	s->ops = ops;
	s->arg = arg;
	s->slot_size = slot_size;
	s->win = (size_t)jobs * SCHED_WIN_PER_JOB;
	s->slots = calloc(s->win, slot_size);
	if (s->slots == NULL)
		return -1;
	s->sio.fd = -1;
	return 0;
}

void
sched_free(struct sched *s)
{
	if (s->sio.added)
		loop_unwatch(s->lp, &s->sio);
	free(s->slots);
	s->slots = NULL;
}

void
sched_ended(struct sched *s)
{
	s->active--;
}

void
sched_each(struct sched *s, void (*fn)(void *, void *), void *arg)
{
	for (size_t i = s->next_print; i < s->next_start; i++)
		fn(arg, slot(s, i));
}

/* Reads the next target into the next slot: 1, or 0 when none (yet). */
static int
read_one(struct sched *s)
{
	void *sl = slot(s, s->next_start);
	int rc;

	memset(sl, 0, s->slot_size);
	rc = tsrc_next(s->src, 1, s->ops->target(sl), s->err, sizeof(s->err));
	if (rc == TARGETS_AGAIN) {
		s->sio.fd = s->src->fd;
		s->sio.fn = src_io;
		s->sio.arg = s;
		if (loop_watch(s->lp, &s->sio, LOOP_READ) == 0)
			return 0;
		/* no epoll for it: wait for the line here */
		rc = tsrc_next(s->src, 0, s->ops->target(sl), s->err,
		    sizeof(s->err));
	}
	if (rc == 1)
		return 1;
	s->src_done = 1;
	s->bad = rc == -1;
	return 0;
}

static int
in_flight(struct sched *s)
{
	/* a finished probe stays finished: step over those once, so a
	 * sweep of thousands of targets is not a scan per event */
	if (s->live_from < s->next_print)
		s->live_from = s->next_print;
	while (s->live_from < s->next_start &&
	    s->ops->done(slot(s, s->live_from)))
		s->live_from++;
	for (size_t i = s->live_from; i < s->next_start; i++)
		if (s->ops->busy(slot(s, i)))
			return 1;
	return 0;
}

void
sched_kick(struct sched *s)
{
	int printed;

	if (s->in_kick)
		return;
	s->in_kick = 1;
	do {
		while (!s->src_done && s->active < s->jobs &&
		    s->next_start - s->next_print < s->win && read_one(s)) {
			s->active++;
			s->ops->start(s->arg, slot(s, s->next_start),
			    s->next_start);
			s->next_start++;
		}
		printed = 0;
		while (s->next_print < s->next_start &&
		    s->ops->done(slot(s, s->next_print)) &&
		    (s->active == 0 || !in_flight(s))) {
			s->ops->print(s->arg, slot(s, s->next_print++));
			printed = 1;
		}
	} while (printed && !s->src_done);
	if (s->src_done && s->next_print >= s->next_start)
		loop_stop(s->lp);
	s->in_kick = 0;
}

long long
sched_fd_fit(long long jobs, int per_job, int reserve, long *limit,
    long *open)
{
	struct rlimit rl;
	long fit;

	*limit = *open = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1L << 30)
		return jobs;
	*limit = (long)rl.rlim_cur;
	*open = si_fds_open("/proc", *limit);
	if (*open < 0)
		*open = *limit;		/* opendir hit the limit */
	fit = (*limit - *open - reserve) / per_job;
	if (fit < 1)
		fit = 1;
	return fit < jobs ? fit : jobs;
}
