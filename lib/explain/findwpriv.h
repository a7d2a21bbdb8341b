/*
 * The private half of lib/findwait: what the judge (findwait.c) keeps and
 * the texts (findwtext.c) read. Not for other modules.
 */
#ifndef SOCKCTL_FINDWPRIV_H
#define SOCKCTL_FINDWPRIV_H

#include "findwait.h"
#include "sockopts.h"
#include "tasks.h"

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
	struct wfind		*f;
	size_t			 nf, capf;
	size_t			 nudp;		/* udp-drops findings */
};

/* At most this many udp-drops findings (the rest are many of one kind). */
#define WAITS_MAX_UDP	32

#endif
