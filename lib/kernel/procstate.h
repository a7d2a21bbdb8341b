/*
 * What a process is doing, as /proc tells anyone allowed to look: its
 * state (running, sleeping, stopped), where its threads sleep in the kernel
 * (wchan), and whether one waits to send or sits in an event loop. For
 * inspect's findings about a process that does not accept or does not
 * read. Never prints.
 */
#ifndef SOCKCTL_PROCSTATE_H
#define SOCKCTL_PROCSTATE_H

/* At most this many threads are read per process. */
#define PROCSTATE_MAX_TASKS	64

struct procstate {
	int	found;		/* ROOT/PID/stat was read */
	char	state;		/* the main thread's: 'R', 'S', 'D', 'T'
				 * (stopped), 't' (traced), 'Z'; 0 unknown */
	char	wchan[64];	/* where the main thread sleeps ("" unknown,
				 * or running); ".constprop.0" and such cut */
	int	nthreads;	/* from stat; 0 unknown */
	int	stopped;	/* threads stopped (T, t) */
	int	in_send;	/* threads waiting for room to send
				 * (sk_stream_wait_memory, sock_wait_for_wmem,
				 * unix_wait_for_peer) */
	int	in_loop;	/* threads in poll, select or epoll_wait */
	int	in_accept;	/* threads in accept() */
	int	wchan_hidden;	/* a wchan read was refused or showed 0 */
};

/*
 * Reads process pid below root (the main thread's stat and wchan, and each
 * thread's, up to PROCSTATE_MAX_TASKS). Returns 0, or -1 with errno set:
 * ENOENT the process is gone, EACCES it may not be read.
 */
int		procstate_read(const char *root, int pid, struct procstate *ps);

/* "stopped", "running", "sleeping", "in uninterruptible sleep" ... */
const char	*procstate_word(char state);

#endif
