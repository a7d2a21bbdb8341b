/*
 * The tracer's private state, shared by lib/core/ptrace.c (threads,
 * processes, starting a program) and lib/core/ptrun.c (the stops,
 * attaching, detaching). Nothing else includes it.
 */
#ifndef SOCKCTL_PTRPRIV_H
#define SOCKCTL_PTRPRIV_H

/* ptrace.h comes first: struct pt_sys, struct pt_hooks */

#define PT_BUCKETS	1024

struct pt_thread {
	pid_t			 tid;
	pid_t			 tgid;
	int			 in_call;	/* sys holds an entry */
	int			 exiting;	/* PTRACE_EVENT_EXIT seen */
	int			 stopped;	/* in a stop we did not end */
	int			 sig;		/* a signal to deliver at detach */
	int			 listening;	/* group-stop, PTRACE_LISTEN */
	int			 held;		/* new, its parent's event not
						 * seen yet: not resumed */
	struct pt_sys		 sys;
	struct pt_thread	*next;
};

struct pt_proc {
	pid_t			 tgid;
	int			 nlive;		/* threads not exiting */
	int			 foreign;	/* another ABI's call seen */
	struct pt_proc		*next;
};

struct pt {
	struct pt_hooks		 h;
	struct pt_thread	*th[PT_BUCKETS];
	struct pt_proc		*pr[PT_BUCKETS];
	size_t			 nthreads;
	pid_t			 root;		/* the spawned program, -1 */
	int			 root_done;
	int			 root_code;
	int			 root_sig;
	int			 seccomp;	/* the filter stops the calls */
	int			 io;		/* read/write... stop too */
	int			 rep_fd;	/* the child's exec errno, -1 */
	int			 exec_err;
	int			 nheld;		/* threads held */
};

struct pt_thread *ptp_thread(struct pt *t, pid_t tid);
struct pt_thread *ptp_add(struct pt *t, pid_t tid, pid_t tgid);
void		  ptp_remove(struct pt *t, struct pt_thread *th);
int		  ptp_live(struct pt *t, pid_t tgid);
void		  ptp_exiting(struct pt *t, struct pt_thread *th);
int		  ptp_traced(const struct pt *t, long nr);
int		  ptp_foreign(struct pt *t, pid_t tgid);

#endif
