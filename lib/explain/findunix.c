/*
 * inspect's judging of the Unix sockets on a PATH target (UNIX_DIAG with
 * PEER, RQLEN, MEMINFO, SHUTDOWN): the listener's line and its full queue
 * (findings.c), and the connections on the path whose other end is gone
 * or does not read, each seen at both reads. Every socket of the dump is
 * kept (small: a Unix socket's inode, peer and queues) because the other
 * end of a connection on the path is a socket bound to nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "diag.h"
#include "grow.h"
#include "findpriv.h"

static void
take(struct usock *x, const struct unixdiag_sock *u)
{
	int stream = u->type == SOCK_STREAM || u->type == SOCK_SEQPACKET;

	memset(x, 0, sizeof(*x));
	x->ino = u->inode;
	x->peer = u->peer;
	x->uid = u->uid;
	x->group = -1;
	x->rq = u->has_queue ? (uint32_t)u->rqueue : 0;
	x->wmem = u->wmem;
	x->sndbuf = u->sndbuf;
	/*
	 * The other end closed: the kernel shut this one down both ways and
	 * its peer, released, has no inode any more (an end that waits in a
	 * listener's queue has none either, but is not shut down).
	 */
	if (stream && u->state == UNIXDIAG_ESTABLISHED && u->peer == 0 &&
	    u->has_shutdown && u->shutdown == 3)
		x->flags |= U_GONE;
	/* unix_stream_sendmsg() waits while wmem >= sndbuf */
	if (stream && u->state == UNIXDIAG_ESTABLISHED && u->has_mem &&
	    u->sndbuf > 0 && u->wmem >= u->sndbuf)
		x->flags |= U_FULL;
}

/* Keeps the accept queue of listener u in *v; 0 or -1 (ENOMEM). */
static int
keep_queue(struct upair **v, size_t *n, size_t *cap,
    const struct unixdiag_sock *u)
{
	if (u->state != UNIXDIAG_LISTEN)
		return 0;
	for (size_t i = 0; i < u->nicons && i < FINDINGS_MAX_QUEUE; i++) {
		if (grow((void **)v, cap, *n, sizeof(**v), 64) == -1)
			return -1;
		(*v)[*n].lis = u->inode;
		(*v)[(*n)++].cli = unixdiag_icon(u, i);
	}
	return 0;
}

int
findunix_base(struct findings *f, const struct unixdiag_sock *u)
{
	if (keep_queue(&f->qb, &f->nqb, &f->capqb, u) == -1)
		return -1;
	if (grow((void **)&f->ub, &f->capub, f->nub,
	    sizeof(*f->ub), 64) == -1)
		return -1;
	take(&f->ub[f->nub++], u);
	return 0;
}

/* The summary line of the path u is bound to; NULL when memory ran out. */
static struct findings_group *
unix_group(struct findings *f, const struct unixdiag_sock *u,
    struct owners_proc *p)
{
	struct findings_group *g = NULL;
	char name[sizeof(g->path)];

	/* a socket bound to nothing: a client, or one of socketpair() */
	esc_str(u->name[0] != '\0' ? u->name : "(unnamed)", name,
	    sizeof(name));

	for (size_t i = 0; i < f->ng; i++)
		if (f->g[i].kind == FG_UNIX &&
		    strcmp(f->g[i].path, name) == 0 &&
		    (u->state != UNIXDIAG_LISTEN ||
		    f->g[i].states[PN_LISTEN] == 0))
			g = &f->g[i];
	if (g == NULL && (g = findings_group_new(f, FG_UNIX, p,
	    u->uid >= 0 ? (unsigned)u->uid : 0)) == NULL)
		return NULL;
	snprintf(g->path, sizeof(g->path), "%s", name);
	/* the whole machine: Unix lines only where a finding is */
	g->hide = f->cfg.whole;
	if (u->state == UNIXDIAG_LISTEN) {
		g->states[PN_LISTEN]++;
		g->proc = p;
		g->qlen = u->rqueue;
		g->backlog = u->wqueue;
		g->has_backlog = u->has_queue;
	} else
		g->states[u->state == UNIXDIAG_ESTABLISHED ? PN_ESTABLISHED :
		    PN_CLOSE]++;
	return g;
}

/*
 * Whether listener u's path still leads to it, looked up where its process
 * sees files (ROOT/PID/root: a container's own mounts): 0 it does, or it
 * cannot be told (no owner seen, a relative or abstract name, no VFS
 * inode, a directory this user may not search); 1 nothing is there; 2
 * another file is (its mode in *mode).
 */
static int
file_gone(const struct findings *f, const struct unixdiag_sock *u,
    const struct owners_proc *p, unsigned *mode)
{
	char path[4300];
	struct stat st;

	if (u->abstract || !u->has_vfs || u->name[0] != '/' || p == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/root%s", f->cfg.root, p->pid,
	    u->name);
	if (stat(path, &st) == -1)
		return errno == ENOENT || errno == ENOTDIR ? 1 : 0;
	*mode = (unsigned)st.st_mode;
	return unixdiag_is_path(u, u->name, st.st_dev, st.st_ino) ? 0 : 2;
}

int
findunix_sock(struct findings *f, const struct unixdiag_sock *u,
    struct owners_proc *p, int on)
{
	struct usock *x;
	int gi = -1;

	if (on) {
		struct findings_group *g;

		if (p != NULL)
			p->mark = 1;
		f->unix_n++;
		if ((g = unix_group(f, u, p)) == NULL)
			return -1;
		gi = (int)(g - f->g);
		if (u->state == UNIXDIAG_LISTEN && (g->ino = u->inode,
		    keep_queue(&f->ql, &f->nql, &f->capql, u) == -1))
			return -1;
		if (u->state == UNIXDIAG_LISTEN)
			g->file_gone = file_gone(f, u, p, &g->file_mode);
	}
	if (grow((void **)&f->ul, &f->capul, f->nul,
	    sizeof(*f->ul), 64) == -1)
		return -1;
	x = &f->ul[f->nul++];
	take(x, u);
	x->proc = p;
	x->group = gi;
	return 0;
}

static int
cmp_ino(const void *a, const void *b)
{
	const struct usock *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

static const struct usock *
find(const struct usock *v, size_t n, unsigned long ino)
{
	struct usock k;

	if (ino == 0 || n == 0)
		return NULL;
	k.ino = ino;
	return bsearch(&k, v, n, sizeof(*v), cmp_ino);
}

static struct uagg *
uagg_get(struct findings *f, enum uk kind, const struct usock *holder,
    const struct usock *peer, int recv_listens)
{
	struct uagg *a;

	for (size_t i = 0; i < f->nua; i++) {
		a = &f->ua[i];
		if (a->kind == kind && a->group == holder->group &&
		    a->proc == holder->proc && (holder->proc != NULL ||
		    a->uid == holder->uid) && a->recv_listens == recv_listens &&
		    (peer == NULL || a->peer_proc == peer->proc))
			return a;
	}
	if (grow((void **)&f->ua, &f->capua, f->nua,
	    sizeof(*f->ua), 64) == -1)
		return NULL;
	a = &f->ua[f->nua++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->group = holder->group;
	a->proc = holder->proc;
	a->uid = holder->uid;
	a->recv_listens = recv_listens;
	if (peer != NULL) {
		a->peer_proc = peer->proc;
		a->peer_uid = peer->uid;
	}
	return a;
}

/*
 * snd writes to rcv and cannot go on (its buffer full), rcv has data
 * unread, both at the two reads, and rcv's unread bytes did not change:
 * it read nothing (a reader that keeps up would have moved them).
 */
static int
not_reading(const struct findings *f, const struct usock *snd,
    const struct usock *rcv)
{
	const struct usock *s0 = find(f->ub, f->nub, snd->ino);
	const struct usock *r0 = find(f->ub, f->nub, rcv->ino);

	return (snd->flags & U_FULL) && rcv->rq > 0 && s0 != NULL &&
	    r0 != NULL && (s0->flags & U_FULL) && s0->peer == snd->peer &&
	    r0->rq == rcv->rq;
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct upair *x = a, *y = b;

	if (x->lis != y->lis)
		return (x->lis > y->lis) - (x->lis < y->lis);
	return (x->cli > y->cli) - (x->cli < y->cli);
}

int
findunix_queues(struct findings *f)
{
	if (f->cfg.sample_ms == 0)
		return 0;
	if (f->nqb > 1)
		qsort(f->qb, f->nqb, sizeof(*f->qb), cmp_pair);
	for (size_t i = 0; i < f->ng; i++) {
		struct findings_group *g = &f->g[i];
		long zl = 0, zb = 0;

		if (g->kind != FG_UNIX || g->ino == 0)
			continue;
		for (size_t k = 0; k < f->nql; k++) {
			if (f->ql[k].lis != g->ino)
				continue;
			g->queued++;
			if (f->ql[k].cli == 0)
				zl++;
			else if (f->nqb > 0 && bsearch(&f->ql[k], f->qb, f->nqb,
			    sizeof(*f->qb), cmp_pair) != NULL)
				g->stuck++;
		}
		for (size_t k = 0; k < f->nqb; k++)
			zb += f->qb[k].lis == g->ino && f->qb[k].cli == 0;
		/* clients that closed: as many at both reads stayed */
		g->stuck += zl < zb ? zl : zb;
		g->gaveup += zl < zb ? zl : zb;
	}
	return 0;
}

static int
add(struct findings *f, struct uagg *a, enum reason r, int dx,
    enum stage st)
{
	struct finding *x;

	if (grow((void **)&f->f, &f->capf, f->nf,
	    sizeof(*f->f), 64) == -1)
		return -1;
	x = &f->f[f->nf++];
	memset(x, 0, sizeof(*x));
	x->reason = r;
	x->dx = dx;
	x->stage = st;
	x->u = a;
	return 0;
}

int
findunix_judge(struct findings *f)
{
	size_t na0 = f->nua;

	for (size_t i = 0; i < f->ng; i++)
		if (f->g[i].kind == FG_UNIX && f->g[i].file_gone &&
		    findings_note(f, RS_SOCKET_FILE_GONE, DX_SOCKET_FILE_GONE,
		    ST_LISTEN, NULL, &f->g[i], NULL) == -1)
			return -1;
	/* one read cannot tell a leak or a stall from a moment */
	if (f->cfg.sample_ms == 0 || f->nul == 0)
		return 0;
	if (f->nub > 1)
		qsort(f->ub, f->nub, sizeof(*f->ub), cmp_ino);
	if (f->nul > 1)
		qsort(f->ul, f->nul, sizeof(*f->ul), cmp_ino);
	for (size_t i = 0; i < f->nul; i++) {
		const struct usock *x = &f->ul[i], *y, *x0;
		struct uagg *a = NULL;

		if (x->group < 0)
			continue;
		x0 = find(f->ub, f->nub, x->ino);
		if ((x->flags & U_GONE) && x0 != NULL && (x0->flags & U_GONE)) {
			if ((a = uagg_get(f, UK_GONE, x, NULL, 0)) == NULL)
				return -1;
			a->count++;
			continue;
		}
		if ((y = find(f->ul, f->nul, x->peer)) == NULL)
			continue;
		if (not_reading(f, x, y))
			a = uagg_get(f, UK_NOREAD, x, y, 0);
		else if (not_reading(f, y, x)) {
			/* the sender is the other end: it holds the finding */
			struct usock h = *y;

			h.group = x->group;
			a = uagg_get(f, UK_NOREAD, &h, x, 1);
		} else
			continue;
		if (a == NULL)
			return -1;
		a->count++;
		a->sum += a->recv_listens ? x->rq : y->rq;
		a->sndbuf = a->recv_listens ? y->sndbuf : x->sndbuf;
	}
	for (size_t i = na0; i < f->nua; i++)
		if (f->ua[i].kind == UK_GONE && add(f, &f->ua[i],
		    RS_CLOSE_WAIT, DX_CLOSE_WAIT_LEAK, ST_CLOSE) == -1)
			return -1;
	for (size_t i = na0; i < f->nua; i++)
		if (f->ua[i].kind == UK_NOREAD && add(f, &f->ua[i],
		    RS_PEER_NOT_READING, DX_PEER_NOT_READING, ST_SEND) == -1)
			return -1;
	return 0;
}
