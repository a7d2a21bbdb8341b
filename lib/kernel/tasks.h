/*
 * What each thread of a process waits in: /proc/PID/task/TID/syscall (the
 * system call's number and arguments; reading it needs the right to
 * ptrace the process), stat (the thread's state) and wchan (a tie-breaker
 * only: recv, send and connect all show wait_woken on current kernels),
 * classified by system call, with the one descriptor it waits on, the
 * descriptors a poll() or select() watches (read from the process's
 * memory with process_vm_readv when permitted) and whether the wait has a
 * timeout. Also a descriptor's kind (/proc/PID/fd) and its fdinfo (flags,
 * an epoll set's descriptors). Never prints.
 *
 * For inspect's waits (lib/findwait) and for any finding that wants to
 * say what a process's threads do ("thread 4243 is blocked in recvfrom
 * on fd 7"): tasks_read() once, then tasks_free().
 */
#ifndef SOCKCTL_TASKS_H
#define SOCKCTL_TASKS_H

#include <stddef.h>

/* What a thread waits in, by system call. */
enum task_kind {
	TK_UNKNOWN,	/* its syscall file could not be read (see denied) */
	TK_RUNNING,	/* on a CPU, or runnable: no wait */
	TK_NOSYS,	/* stopped or waiting outside any system call */
	TK_RECV,	/* read, readv, recvfrom, recvmsg, recvmmsg: on fd */
	TK_SEND,	/* write, writev, sendto, sendmsg, sendmmsg: on fd */
	TK_CONNECT,	/* connect: on fd */
	TK_ACCEPT,	/* accept, accept4: on fd */
	TK_POLL,	/* poll, ppoll: fds[] */
	TK_SELECT,	/* select, pselect6: fds[] */
	TK_EPOLL,	/* epoll_wait, epoll_pwait, epoll_pwait2: the epoll fd */
	TK_SLEEP,	/* nanosleep, clock_nanosleep, pause */
	TK_FUTEX,	/* futex: a lock or a condition (another thread) */
	TK_OTHER	/* another call (name when known, else its number) */
};

/* At most this many descriptors of a poll or select are kept. */
#define TASKS_MAX_FDS	8

/* One thread. */
struct task_wait {
	int		 tid;
	char		 state;		/* stat's: R, S, D, T, t, Z, ...; '?' */
	enum task_kind	 kind;
	long		 nr;		/* the system call's number; -1 none */
	const char	*name;		/* "recvfrom"; NULL: not known here */
	unsigned long	 args[6];
	int		 fd;		/* RECV SEND CONNECT ACCEPT EPOLL; -1 */
	int		 forever;	/* POLL SELECT EPOLL: no timeout */
	long		 timeout_ms;	/* POLL, EPOLL: the argument; -1 none */
	int		 nfds;		/* POLL SELECT: descriptors watched */
	int		 fds[TASKS_MAX_FDS];	/* POLL SELECT: the first ones */
	int		 has_fds;	/* fds[] read (min(nfds, MAX) of them) */
	int		 fds_errno;	/* why they could not be read, or 0 */
	char		 wchan[32];	/* "" unknown */
};

/* A process's threads. */
struct tasks {
	int			 pid;
	int			 denied;	/* threads whose syscall file was
						 * refused (EACCES/EPERM): root
						 * would see them */
	size_t			 n;		/* threads read */
	size_t			 more;		/* past TASKS_MAX, not read */
	struct task_wait	*t;
};

/* At most this many threads of one process are read. */
#define TASKS_MAX	4096

/*
 * Reads the threads of pid below root ("/proc", or a fixture tree) into
 * *out (freed with tasks_free()). A thread that ended meanwhile is left
 * out. Returns 0, or -1 with errno set: ESRCH no such process, EACCES its
 * task directory may not be read, ENOMEM.
 */
int	tasks_read(const char *root, int pid, struct tasks *out);
void	tasks_free(struct tasks *t);

/*
 * The same, lightly, to compare with a later tasks_read(): only the
 * threads that wait in a call of kinds (a bit 1u << TK_... each), each
 * with its kind, number, arguments and state (no wchan, no descriptors of
 * a poll: a syscall file, and a stat file for the threads kept).
 */
int	tasks_read_light(const char *root, int pid, unsigned kinds,
	    struct tasks *out);

/* The thread tid of t, or NULL. */
const struct task_wait *tasks_find(const struct tasks *t, int tid);

/*
 * Parses one syscall file's text into w (kind, nr, name, args, fd,
 * forever, timeout_ms, nfds; not the descriptors a poll watches).
 * Returns 0, or -1 when it is not of the kernel's form.
 */
int	tasks_parse_syscall(const char *text, struct task_wait *w);

/* The state letter of a stat file's text ("12 (a b) S 1 ..."), or '?'. */
char	tasks_parse_state(const char *text);

/* The name of system call nr on this machine's architecture, or NULL. */
const char *tasks_syscall_name(long nr);

/* The architecture the table knows ("x86_64"), or NULL: not known here. */
const char *tasks_arch(void);

/* A descriptor's kind (tasks_fd()). */
enum { FDK_OTHER, FDK_SOCKET, FDK_EPOLL };

/*
 * What fd of pid is: FDK_SOCKET (with *ino its inode), FDK_EPOLL or
 * FDK_OTHER. Returns the kind, or -1 with errno set (ENOENT: no such fd,
 * EACCES: not ours to see).
 */
int	tasks_fd(const char *root, int pid, int fd, unsigned long *ino);

/* A descriptor's /proc/PID/fdinfo. */
#define TASKS_MAX_TFDS	16
struct tasks_fdinfo {
	int		has_flags;
	unsigned long	flags;		/* open flags (O_NONBLOCK ...) */
	int		ntfd;		/* an epoll set: descriptors watched */
	int		tfd[TASKS_MAX_TFDS];	/* the first ones */
};

/* Parses fdinfo text into *fi. Returns 0, or -1: no flags line. */
int	tasks_parse_fdinfo(const char *text, struct tasks_fdinfo *fi);

/* Reads fd's fdinfo of pid. Returns 0, or -1 with errno set. */
int	tasks_fdinfo(const char *root, int pid, int fd,
	    struct tasks_fdinfo *fi);

#endif
