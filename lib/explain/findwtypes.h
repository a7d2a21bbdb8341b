/*
 * The types of lib/explain/findwait: the summary of a watched process
 * (public), and what the judge (findwait.c) keeps and the texts
 * (findwtext.c) read, which no other module touches. Includes nothing of
 * findwait itself.
 */
#ifndef SOCKCTL_FINDWTYPES_H
#define SOCKCTL_FINDWTYPES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "owners.h"
#include "reason.h"
#include "sockopts.h"
#include "tasks.h"
#include "unixdiag.h"

/* The summary of one watched process. */
struct waits_count {
	const char	*syscall;	/* "accept4"; "running", "?" */
	int		 threads;
};

#define WAITS_MAX_LINES	8
#define WAITS_MAX_CALLS	16

struct waits_proc {
	int			 pid;
	int			 also;		/* another finding names it
						 * (waits_also()) */
	int			 once;		/* read once: no first read to
						 * judge its waits by */
	int			 gone;		/* it ended before the last read */
	int			 denied;	/* its waits are not ours to see */
	int			 threads;
	int			 ncount;
	struct waits_count	 count[WAITS_MAX_CALLS];	/* by call */
	int			 nline;
	char			 line[WAITS_MAX_LINES][224];
	/* "2 threads wait in accept() on 0.0.0.0:8080" */
	unsigned char		 stop[WAITS_MAX_LINES];	/* the line's threads
							 * are stopped */
	int			 more;		/* lines left out */
};


/* A datagram socket's drop counter at the first read. */
struct dgbase {
	uint64_t	key;
	uint32_t	drops;
};

/* One finding. */
struct wfind {
	enum reason		 reason;
	int			 dx;
	enum stage		 stage;
	int			 pid;		/* 0: unknown (udp-drops) */
	struct owners_proc	*proc;		/* udp-drops: the owner */
	unsigned		 uid;
	int			 tid, fd;	/* -1: none */
	const char		*sys;		/* the call's name, or NULL */
	int			 pollish;	/* poll/select/epoll, alone */
	struct sockopts		 o;		/* blocked-*: the limits */
	int			 nonblock;	/* O_NONBLOCK; -1 unknown */
	int			 timer;		/* inet_diag's, -1 unknown */
	uint32_t		 timer_ms;
	unsigned long		 peer_ino;	/* blocked-recv: the other end's
						 * socket on this machine, 0 */
	unsigned		 peer_uid;
	long			 syn_retries;	/* the kernel's, -1 unknown */
	int			 syn_own;	/* from TCP_SYNCNT */
	/* udp-drops */
	int			 unix_;		/* a Unix datagram socket */
	char			 path[UNIXDIAG_NAME_MAX];
	struct sockaddr_storage	 local, remote;
	uint32_t		 drops, rcvbuf, rmem;
	long			 rmem_max;
};

struct waits {
	const char		*root;
	int64_t			 sample_ms;
	struct dgbase		*b;
	size_t			 nb, capb;
	int			 sorted;
	struct waits_proc	*p;		/* the watched processes */
	struct tasks		*ta;		/* their first read */
	size_t			 np, capp, capt;
	struct tasks		*first;		/* the whole machine's first
						 * read (waits_first()), by
						 * pid */
	size_t			 nfirst, capfirst, kept;
	struct wfind		*f;
	size_t			 nf, capf;
	size_t			 nudp;		/* udp-drops findings */
};

/* At most this many threads are kept of the whole machine's first read. */
#define WAITS_MAX_FIRST	16384

/* At most this many udp-drops findings (the rest are many of one kind). */
#define WAITS_MAX_UDP	32

#endif
