/*
 * The socket table's private state, shared by lib/core/tsock.c (the
 * table, descriptors, the facts read from a socket) and lib/core/tscall.c
 * (what each system call does to it). Nothing else includes it.
 */
#ifndef SOCKCTL_TSPRIV_H
#define SOCKCTL_TSPRIV_H

/* tsock.h comes first: the table's public types */

#define TS_BUCKETS	256	/* processes */
#define TS_FDB		64	/* descriptors of one process, grown */

struct ts_fd {
	int		 fd;
	int		 cloexec;
	struct ts_sock	*s;
	struct ts_fd	*next;
};

struct ts_proc {
	pid_t		 tgid;
	int		 pidfd;		/* -1: not opened yet, -2: failed */
	size_t		 nfd;
	size_t		 nb;		/* buckets */
	struct ts_fd	**fb;
	struct ts_proc	*next;
};

struct ts {
	ts_event_fn	*fn;
	void		*arg;
	int64_t		 slow_ns;
	int		 io;
	struct ts_proc	*pr[TS_BUCKETS];
	struct ts_sock	*socks;		/* open ones, newest first */
	size_t		 nsocks;
	size_t		 nfds;
	uint64_t	 next_id;
	uint64_t	 dropped;
	enum ts_end	 ending;	/* how open sockets end now: at exit,
					 * or still open at the end */
	/* a close's facts read at its entry (the socket is gone at exit) */
	pid_t		 close_tid;
	int		 close_fd;
	int		 close_state;
	unsigned long	 close_unread;
	uint64_t	 close_acked, close_rcvd;
	int		 close_have;
};

struct ts_proc	*tsp_proc(struct ts *t, pid_t tgid, int make);
struct ts_fd	*tsp_fd(struct ts_proc *p, int fd);
struct ts_sock	*tsp_sock_new(struct ts *t, pid_t pid, int fd, int family,
		    int type);
int		 tsp_fd_add(struct ts *t, struct ts_proc *p, int fd,
		    struct ts_sock *s, int cloexec);
void		 tsp_fd_drop(struct ts *t, struct ts_proc *p, int fd,
		    const struct pt_sys *sys, enum ts_end how);
int		 tsp_getfd(struct ts *t, struct ts_proc *p, int fd);
void		 tsp_addrs(struct ts_sock *s, int dfd);
int		 tsp_state(int dfd, uint64_t *acked, uint64_t *rcvd);
void		 tsp_ev_init(struct ts_event *e, enum ts_kind k,
		    enum ts_stage st, const struct ts_sock *s,
		    const struct pt_sys *sys, int fd);
void		 tsp_emit(struct ts *t, struct ts_event *e);
void		 tsp_problem(struct ts *t, struct ts_sock *s,
		    const struct pt_sys *sys, int fd, enum ts_problem pb,
		    int64_t wait_ns);
struct ts_sock	*tsp_adopt(struct ts *t, struct ts_proc *p, int fd);
void		 tsp_on_exit(void *arg, const struct pt_sys *sys);
int		 tsp_on_entry(void *arg, const struct pt_sys *sys);

#endif
