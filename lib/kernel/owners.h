/*
 * Who owns the sockets: one walk of ROOT/[0-9]*\/fd for a whole run, kept
 * as a table from socket inode to process, with each process's count of
 * open descriptors; the command, user and RLIMIT_NOFILE of a process are
 * read only when asked for. Never prints.
 */
#ifndef SOCKCTL_OWNERS_H
#define SOCKCTL_OWNERS_H

#include <stddef.h>

#include "procnet.h"

struct owners_proc {
	int		pid;
	int		nfds;		/* descriptors open at the walk */
	int		nsock;		/* of them sockets */
	long		soft;		/* RLIMIT_NOFILE soft limit; -1
					 * unknown, -2 not read yet */
	long		hard;
	int		loaded;		/* o is filled */
	int		mark;		/* the caller's: owns a socket asked
					 * about */
	struct pn_owner	o;
};

struct owners;

/*
 * Walks the descriptors of every process below root (only_pid > 0: of that
 * one alone). Returns the table, or NULL with errno set (ENOMEM; ENOENT
 * when only_pid has no directory there).
 */
struct owners	*owners_walk(const char *root, int only_pid);
void		 owners_free(struct owners *w);

/*
 * Returns the process holding the socket with inode ino (the first one
 * seen when several share it; *nshare gets how many do), or NULL.
 */
struct owners_proc *owners_of(struct owners *w, unsigned long ino,
	    int *nshare);

/*
 * Every process holding socket ino: the one owners_of() names first, then
 * the others in the order of the walk (pids ascending), at most max of
 * them in out. Returns how many hold it (which may be more than max).
 */
size_t		 owners_holders(struct owners *w, unsigned long ino,
		    struct owners_proc **out, size_t max);

/* Returns process pid of the walk, or NULL. */
struct owners_proc *owners_pid(struct owners *w, int pid);

/* The i-th process of the walk (i < owners_count()), in pid order. */
size_t		 owners_count(const struct owners *w);
struct owners_proc *owners_at(struct owners *w, size_t i);

/* Number of processes whose descriptors this user may not read. */
int		 owners_unreadable(const struct owners *w);

/* Fills p->o (command, uid, user) once; returns &p->o. */
const struct pn_owner *owners_who(struct owners *w, struct owners_proc *p);

/*
 * Reads p's RLIMIT_NOFILE from ROOT/PID/limits once; returns the soft
 * limit, or -1 when unknown (p->hard then -1 too).
 */
long		 owners_limit(struct owners *w, struct owners_proc *p);

#endif
