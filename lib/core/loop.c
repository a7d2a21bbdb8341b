#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

#define LOOP_BATCH	256

struct loop {
	int			 epfd;
	int			 sigfd;		/* -1 without stop signals */
	int			 stop;
	int			 stop_sig;
	int64_t			 now;
	struct epoll_event	 evs[LOOP_BATCH];
	int			 nev;		/* events of the current batch */
	int			 iev;		/* the one being dispatched */
	struct loop_timer	**heap;		/* min-heap on when_ms */
	size_t			 nheap;
	size_t			 capheap;
};

struct loop *
loop_new(const int *sigs)
{
	struct loop *l;
	struct epoll_event ev;
	sigset_t set;
	int save;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->sigfd = -1;
	l->now = clock_ms();
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd == -1)
		goto fail;
	if (sigs != NULL && sigs[0] != 0) {
		sigemptyset(&set);
		for (const int *s = sigs; *s != 0; s++)
			sigaddset(&set, *s);
		if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
			goto fail;
		l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (l->sigfd == -1)
			goto fail;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = NULL;	/* NULL marks the signalfd */
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) == -1)
			goto fail;
	}
	return l;
fail:
	save = errno;
	loop_free(l);
	errno = save;
	return NULL;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->sigfd != -1)
		close(l->sigfd);
	if (l->epfd != -1)
		close(l->epfd);
	free(l->heap);
	free(l);
}

int
loop_watch(struct loop *l, struct loop_io *io, int events)
{
	struct epoll_event ev;

	if (io->added && io->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	if (events & LOOP_READ)
		ev.events |= EPOLLIN;
	if (events & LOOP_WRITE)
		ev.events |= EPOLLOUT;
	ev.data.ptr = io;
	if (epoll_ctl(l->epfd, io->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    io->fd, &ev) == -1)
		return -1;
	io->added = 1;
	io->events = events;
	return 0;
}

void
loop_unwatch(struct loop *l, struct loop_io *io)
{
	if (io->added) {
		/* fails harmlessly when the fd is already closed */
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
		io->added = 0;
		io->events = 0;
	}
	/* the batch is at most LOOP_BATCH long: a bounded scan */
	for (int i = l->iev + 1; i < l->nev; i++)
		if (l->evs[i].data.ptr == io)
			l->evs[i].data.ptr = l;
}

static void
heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->slot = a + 1;
	l->heap[b]->slot = b + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->when_ms <= l->heap[i]->when_ms)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void
heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->nheap && l->heap[c]->when_ms < l->heap[m]->when_ms)
			m = c;
		if (c + 1 < l->nheap &&
		    l->heap[c + 1]->when_ms < l->heap[m]->when_ms)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	size_t i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	l->nheap--;
	if (i == l->nheap)
		return;
	l->heap[i] = l->heap[l->nheap];
	l->heap[i]->slot = i + 1;
	heap_down(l, i);
	heap_up(l, i);
}

int
loop_timer_set(struct loop *l, struct loop_timer *t, int64_t ms)
{
	struct loop_timer **nh;

	loop_timer_cancel(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 16;

		nh = realloc(l->heap, cap * sizeof(*nh));
		if (nh == NULL)
			return -1;
		l->heap = nh;
		l->capheap = cap;
	}
	t->when_ms = l->now + (ms > 0 ? ms : 0);
	l->heap[l->nheap] = t;
	t->slot = ++l->nheap;
	heap_up(l, l->nheap - 1);
	return 0;
}

int64_t
loop_now(const struct loop *l)
{
	return l->now;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

/* Reads the pending stop signals; the first one stops the loop. */
static void
read_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (l->stop_sig == 0)
			l->stop_sig = (int)si.ssi_signo;
		l->stop = 1;
	}
}

static void
run_timers(struct loop *l)
{
	while (!l->stop && l->nheap > 0 && l->heap[0]->when_ms <= l->now) {
		struct loop_timer *t = l->heap[0];

		loop_timer_cancel(l, t);
		t->fn(l, t);
	}
}

int
loop_run(struct loop *l)
{
	int timeout, n;

	while (!l->stop) {
		timeout = -1;
		if (l->nheap > 0) {
			int64_t d = l->heap[0]->when_ms - clock_ms();

			timeout = d <= 0 ? 0 : d > 86400000 ? 86400000 : (int)d;
		}
		n = epoll_wait(l->epfd, l->evs, LOOP_BATCH, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		l->now = clock_ms();
		l->nev = n;
		for (l->iev = 0; l->iev < n && !l->stop; l->iev++) {
			struct epoll_event *e = &l->evs[l->iev];
			struct loop_io *io = e->data.ptr;
			int ev = 0;

			if (io == NULL) {
				read_signals(l);
				continue;
			}
			if ((void *)io == (void *)l)
				continue;	/* unwatched during this batch */
			if (e->events & EPOLLIN)
				ev |= LOOP_READ;
			if (e->events & EPOLLOUT)
				ev |= LOOP_WRITE;
			if (e->events & (EPOLLHUP | EPOLLERR))
				ev |= LOOP_HUP;
			io->fn(l, io, ev);
		}
		l->nev = 0;
		l->iev = 0;
		run_timers(l);
	}
	return l->stop_sig;
}
