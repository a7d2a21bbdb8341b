/*
 * A small epoll event loop: fd handlers, monotonic one-shot timers, and a
 * stop flag raised by signals (through a signalfd). The caller owns the
 * handler and timer records (struct loop_io, struct loop_timer), usually
 * embedded in its own per-connection struct, so watching an fd allocates
 * nothing and dispatch is one pointer away.
 */
#ifndef SOCKCTL_LOOP_H
#define SOCKCTL_LOOP_H

#include <stddef.h>
#include <stdint.h>

/* Event bits of loop_watch() and of a handler's events argument. */
#define LOOP_READ	0x1
#define LOOP_WRITE	0x2
#define LOOP_HUP	0x4	/* hang-up or error: always reported */

struct loop;
struct loop_io;
struct loop_timer;

typedef void	loop_io_fn(struct loop *, struct loop_io *, int events);
typedef void	loop_timer_fn(struct loop *, struct loop_timer *);

/* An fd being watched; set fd, fn and arg before loop_watch(). */
struct loop_io {
	int		 fd;
	int		 events;	/* LOOP_READ|LOOP_WRITE now watched */
	int		 added;		/* in the epoll set */
	loop_io_fn	*fn;
	void		*arg;
};

/* A one-shot timer; set fn and arg before loop_timer_set(). */
struct loop_timer {
	int64_t		 when_ms;	/* CLOCK_MONOTONIC deadline */
	size_t		 slot;		/* index in the heap, +1; 0: not set */
	loop_timer_fn	*fn;
	void		*arg;
};

/*
 * Returns a new loop, or NULL with errno set. When sigs is not NULL it is
 * a 0-terminated list of signals that stop the loop: they are blocked and
 * read from a signalfd, so no handler runs in signal context.
 */
struct loop	*loop_new(const int *sigs);

/* Frees the loop; the fds it watched are the caller's to close. */
void		 loop_free(struct loop *l);

/*
 * Watches io->fd for events (LOOP_READ|LOOP_WRITE, 0 to keep it quiet
 * but registered). Changing to the events already watched costs no
 * syscall. Returns 0, or -1 with errno set.
 */
int		 loop_watch(struct loop *l, struct loop_io *io, int events);

/*
 * Stops watching io; events for it still pending in the current batch are
 * dropped, so io may be freed right after (before or after its close()).
 */
void		 loop_unwatch(struct loop *l, struct loop_io *io);

/* (Re)arms t to fire once, ms milliseconds from loop_now(). */
int		 loop_timer_set(struct loop *l, struct loop_timer *t,
		    int64_t ms);
void		 loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Returns CLOCK_MONOTONIC in ms, as of the last wake-up of the loop. */
int64_t		 loop_now(const struct loop *l);

/*
 * Runs until loop_stop() or a stop signal. Returns the signal number that
 * stopped it, 0 after loop_stop(), or -1 with errno set when epoll fails.
 */
int		 loop_run(struct loop *l);
void		 loop_stop(struct loop *l);

#endif
