/*
 * The tracer, the mechanism tier of `sockctl trace`: runs a program (or
 * attaches to a running one) under ptrace and follows every process and
 * thread it starts, handing each traced system call to hooks while its
 * thread is held. Started programs get a seccomp filter just before
 * execve() that stops only the socket-related calls (pt_traced_nr()); an
 * attached process stops at every call. It never prints.
 */
#ifndef SOCKCTL_PTRACE_H
#define SOCKCTL_PTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "fail.h"

/* One system call of one thread: its entry, and at exit its result. */
struct pt_sys {
	pid_t		 tgid;		/* the process */
	pid_t		 tid;		/* the thread */
	long		 nr;		/* the native system call number */
	uint64_t	 args[6];
	int64_t		 rval;		/* exit: the return value, or -errno */
	int		 is_error;	/* exit: rval is -errno */
	int64_t		 entry_ns;	/* clock_ns() at entry */
	int64_t		 exit_ns;	/* clock_ns() at exit */
};

/*
 * What the tracer tells its user; every hook is optional and runs while
 * the thread (or process) it names is held in a ptrace stop.
 */
struct pt_hooks {
	/* a traced call is about to run; returns 0 when its exit need not
	 * be seen (the thread then runs on without stopping there) */
	int	(*entry)(void *arg, const struct pt_sys *s);
	/* a traced call returned; s carries its entry */
	void	(*exit)(void *arg, const struct pt_sys *s);
	/* a new process child of parent; files: it shares parent's fd table */
	void	(*fork)(void *arg, pid_t parent, pid_t child, int files);
	/* tgid ran execve() (its close-on-exec descriptors are gone) */
	void	(*exec)(void *arg, pid_t tgid);
	/* tgid's last thread is exiting: its descriptors are still open */
	void	(*proc_exit)(void *arg, pid_t tgid);
	/* tgid made a system call of another ABI than sockctl's (abi:
	 * "i386", "x32"): those calls are not followed; once a process */
	void	(*foreign)(void *foreign_arg, pid_t tgid, const char *abi);
	void	*foreign_arg;
	void	*arg;
	/* about every 100 ms and when pt_run() returns (flush output) */
	void	(*idle)(void *idle_arg);
	void	*idle_arg;
};

struct pt;

/* Returns a new tracer with hooks h (copied), or NULL (errno ENOMEM). */
struct pt	*pt_new(const struct pt_hooks *h);
void		 pt_free(struct pt *t);

/*
 * Starts argv[0] (looked up in PATH) as a traced child with the seccomp
 * filter; its stdin, stdout and stderr are sockctl's. Returns its pid, or
 * -1 with f set (ST_NONE and the errno of fork or PTRACE_SEIZE). Whether
 * the program could be run is known once pt_run() saw the child end:
 * pt_exec_error().
 */
pid_t		 pt_spawn(struct pt *t, char *const argv[], struct fail *f);

/*
 * After the spawned child ended: the errno that kept execvp() from
 * running the program (ENOENT, EACCES...), or 0 when it ran.
 */
int		 pt_exec_error(struct pt *t);

/*
 * Why an attach the kernel refused: what this machine shows (each 0 or
 * "" when not found).
 */
struct pt_why {
	int	 err;			/* the errno of PTRACE_SEIZE */
	pid_t	 tracer;		/* TracerPid of the process */
	char	 tracer_comm[32];
	uid_t	 uid;			/* the process's real uid */
	int	 has_uid;
	uid_t	 my_uid;
	int	 yama;			/* kernel.yama.ptrace_scope, -1: none */
	int	 cap_ptrace;		/* we hold CAP_SYS_PTRACE */
	char	 comm[32];		/* the process's name */
};

/*
 * Attaches to every thread of process pid (PTRACE_SEIZE, then INTERRUPT;
 * threads that start meanwhile too). Returns 0, or -1 with why filled
 * (why->err ESRCH: no such process).
 */
int		 pt_attach(struct pt *t, pid_t pid, struct pt_why *why);

/*
 * Runs the traced programs: handles each stop (the hooks see the calls)
 * until every traced thread is gone (returns 0), a signal of watch
 * arrives (returns 1, *si says which and who sent it: its si_code; the
 * watched signals are caught while it runs and blocked when it returns,
 * so one that comes later waits for the next call), or the deadline (a
 * clock_ns() value, 0: none) passes (returns 2). Uses SIGALRM (an
 * interval timer) while it runs. Returns -1 with errno set when waiting
 * failed.
 */
int		 pt_run(struct pt *t, const sigset_t *watch, int64_t deadline_ns,
		    siginfo_t *si);

/*
 * Detaches every thread still traced, each left running (a signal it was
 * about to get is delivered; a thread stopped by SIGSTOP stays as the
 * user stopped it). Returns the number of threads that could not be
 * detached (gone in the meantime does not count).
 */
int		 pt_detach_all(struct pt *t);

/*
 * How the spawned program ended: returns 1 when it has, with *code its
 * exit status or *sig the signal that killed it (the other 0).
 */
int		 pt_ended(const struct pt *t, int *code, int *sig);

/* Number of threads traced now. */
size_t		 pt_threads(const struct pt *t);

/*
 * Reads len bytes at addr of thread tid's memory into buf
 * (process_vm_readv). Returns the number read, or -1 with errno set.
 */
ssize_t		 pt_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * The descriptor limit of process pid (RLIMIT_NOFILE, LONG_MAX for none)
 * and the descriptors it has open. Returns 0, or -1 (all -1) when the
 * limit cannot be read; *open is -1 when /proc does not say.
 */
int		 pt_nofile(pid_t pid, long *soft, long *hard, long *open);

/*
 * Whether the program argv0 (looked up in PATH as execvp() would) gains
 * privileges when run: set-user-ID to another user than sockctl's
 * (*why 'u', *owner its uid), set-group-ID to another group ('g', *owner
 * its gid) or file capabilities while sockctl is not root ('c'). Under
 * the trace it runs without them (no new privileges: the seccomp filter
 * requires it). Returns 1 and fills path (the file found), or 0.
 */
int		 pt_setid(const char *argv0, char *path, size_t len, int *why,
		    long *owner);

/* Whether the seccomp filter stops system call nr (-- COMMAND mode). */
int		 pt_traced_nr(long nr);

/*
 * Also stop at read(), write(), readv() and writev() (pt_io_nr()), for
 * the sends and receives they make on sockets; before pt_spawn() or
 * pt_attach(). Every such call of the program then stops at its entry,
 * on a socket or not: a program writing files runs slower.
 */
void		 pt_trace_io(struct pt *t, int on);
int		 pt_io_nr(long nr);

/*
 * Enters the network namespace of process pid when it is not sockctl's
 * (so that socket tables and evidence are read where the program's
 * sockets live). Returns 1 entered (*back: the descriptor for
 * pt_netns_leave()), 0 the same namespace (or pid's cannot be read), or
 * -1 with errno set (setns() refused: no CAP_SYS_ADMIN there).
 */
int		 pt_netns_enter(pid_t pid, int *back);
/* Returns to sockctl's own namespace (back -1: nothing to do). */
void		 pt_netns_leave(int back);

/* The calls a thread held in: entry recorded, exit not yet seen. */
typedef void	 pt_pending_fn(void *arg, const struct pt_sys *s);
void		 pt_pending(const struct pt *t, pt_pending_fn *fn, void *arg);

#endif
