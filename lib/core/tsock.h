/*
 * The traced program's sockets, the mechanism tier of `sockctl trace`:
 * each process's socket descriptors and the sockets behind them (shared
 * across dup() and fork()), built from the calls lib/core/ptrace hands
 * over, and the facts of each stage (addresses, the TCP state after it,
 * bytes) read from the socket itself through pidfd_getfd(). What
 * happens goes to an event callback while the calling thread is still
 * held. Memory: one record per open socket (at most TS_MAX_SOCKS) and per
 * descriptor of one (TS_MAX_FDS); a socket's record goes when its last
 * descriptor closes. Never prints.
 */
#ifndef SOCKCTL_TSOCK_H
#define SOCKCTL_TSOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ptrace.h"

#define TS_MAX_SOCKS	65536	/* open sockets followed at once */
#define TS_MAX_FDS	262144	/* their descriptors, in every process */

/* The lifecycle stages a trace reports (tsk_name() spells them). */
enum ts_stage {
	TSK_SOCKET, TSK_BIND, TSK_LISTEN, TSK_ACCEPT, TSK_CONNECT,
	TSK_SHUTDOWN, TSK_CLOSE, TSK_SEND, TSK_RECV, TSK__COUNT
};

/* How a connect's outcome was learned. */
enum ts_via { TSV_CALL, TSV_SO_ERROR, TSV_IO, TSV_AGAIN };

/* How a socket ended. */
enum ts_end {
	TSE_OPEN,		/* still open (at the end of the trace) */
	TSE_CLOSED,		/* closed by the program */
	TSE_PEER_FIRST,		/* the peer closed first, then the program */
	TSE_RESET,		/* reset (ECONNRESET, EPIPE, or unread data) */
	TSE_EXIT,		/* open when its process exited */
	TSE_FAILED,		/* its connect failed */
};

/* One socket of the program. */
struct ts_sock {
	uint64_t		 id;
	pid_t			 pid;		/* the process that made it */
	int			 fd;		/* its first descriptor */
	int			 family;	/* AF_INET, AF_INET6, AF_UNIX */
	int			 type;		/* SOCK_STREAM, SOCK_DGRAM... */
	struct sockaddr_storage	 local;		/* family 0: unknown */
	struct sockaddr_storage	 remote;
	int			 listening;
	int			 connecting;	/* a connect in progress */
	int			 connected;
	int			 failed;	/* its connect failed */
	int			 accepted;	/* made by accept() */
	int			 adopted;	/* open before the trace saw it */
	int			 peer_closed;	/* a receive returned 0 */
	int			 reset;		/* ECONNRESET or EPIPE seen */
	int			 rcvtimeo;	/* SO_RCVTIMEO set, not 0 */
	int			 sndtimeo;	/* SO_SNDTIMEO set, not 0 */
	int			 state;		/* TCP state last seen, -1 */
	int64_t			 t_open;	/* clock_ns() */
	int64_t			 t_peer_closed;
	uint64_t		 sent, rcvd;	/* bytes */
	uint64_t		 nsend, nrecv;	/* calls */
	unsigned long		 unread;	/* bytes unread at close */
	int			 refs;		/* descriptors, every process */
	struct ts_sock		*prev, *next;
};

enum ts_kind {
	TSE_STAGE,	/* a lifecycle stage succeeded */
	TSE_IO,		/* one send or receive (stage TSK_SEND/TSK_RECV) */
	TSE_FAIL,	/* a socket call failed: err, at stage */
	TSE_PROBLEM,	/* a lifecycle problem: problem */
	TSE_SUMMARY,	/* the socket's life is over: end */
};

enum ts_problem {
	TSP_NONE,
	TSP_CLOSE_WAIT,		/* the peer closed, the program never did */
	TSP_UNREAD,		/* closed with unread data: a reset went */
	TSP_BLOCKED_CONNECT,	/* connect() blocked, no SO_SNDTIMEO */
	TSP_BLOCKED_RECV,	/* a receive blocked, no SO_RCVTIMEO */
};

/* What the callback gets; s is valid only during the call. */
struct ts_event {
	enum ts_kind		 kind;
	enum ts_stage		 stage;
	const struct ts_sock	*s;		/* NULL: a call on no socket
						 * the trace follows */
	pid_t			 pid, tid;
	int			 fd;
	int			 err;		/* TSE_FAIL: errno */
	struct sockaddr_storage	 addr;		/* the call's address (bind,
						 * connect, sendto), family
						 * 0: none */
	int			 state;		/* TCP state after, -1 */
	uint64_t		 bytes;		/* TSE_IO */
	int			 eof;		/* TSE_IO: a receive of 0 */
	enum ts_via		 via;		/* connect: how it was learned */
	int64_t			 wait_ns;	/* how long the call took */
	enum ts_problem		 problem;
	enum ts_end		 end;		/* TSE_SUMMARY */
	int64_t			 t_ns;		/* clock_ns() of the event */
	/* a failed bind: how the socket was made, for the evidence */
	int			 reuseport;
	int			 v6only;	/* -1 unknown */
	int			 nonblock;
};

typedef void	ts_event_fn(void *arg, const struct ts_event *e);

struct ts;

/*
 * Returns a new table whose events go to fn(arg, ...), or NULL (ENOMEM).
 * slow_ns: a connect or receive that blocks longer is a problem.
 * io: report each send and receive (TSE_IO) too.
 */
struct ts	*ts_new(ts_event_fn *fn, void *arg, int64_t slow_ns, int io);

/*
 * Ends every socket still open (TSE_SUMMARY with end TSE_OPEN, after a
 * close-wait-leak problem where its state says so) and frees t.
 */
void		 ts_free(struct ts *t);

/* The hooks for lib/core/ptrace (arg: the struct ts). */
void		 ts_hooks(struct ts *t, struct pt_hooks *h);

/* Counts: sockets not followed because the table was full. */
uint64_t	 ts_dropped(const struct ts *t);

/*
 * A call still blocked at the end (pt_pending()): a connect or receive
 * blocked longer than slow_ns is reported as a problem.
 */
void		 ts_pending(struct ts *t, const struct pt_sys *s);

/* "socket", "bind", ..., "recv". */
const char	*tsk_name(enum ts_stage st);

/* "open", "closed", "peer-closed-first", "reset", "exit", "failed". */
const char	*tse_name(enum ts_end e);

#endif
