#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "esc.h"
#include "grow.h"
#include "inetdiag.h"
#include "listening.h"
#include "nomem.h"
#include "om.h"
#include "owners.h"
#include "unixdiag.h"

/* At most this many holders of one socket are named in text. */
#define MAX_NAMED	4
/* and at most this many in JSON */
#define MAX_HOLDERS	64

enum { P_TCP, P_UDP, P_UNIX };

struct lent {
	int			 proto;		/* P_* */
	struct sockaddr_storage	 local;		/* TCP, UDP */
	char			 name[UNIXDIAG_NAME_MAX];	/* Unix, raw */
	int			 utype;		/* Unix: SOCK_STREAM ... */
	int			 v6only;	/* -1 unknown */
	unsigned long		 queue, backlog;
	int			 has_backlog;
	unsigned long		 ino;
	long			 uid;		/* -1 unknown */
};

struct lrun {
	struct ctx			*c;
	const struct listening_sel	*sel;
	struct owners			*w;
	struct lent			*e;
	size_t				 n, cap;
	int				 failed;
};

static struct lent *
more(struct lrun *r)
{
	if (grow((void **)&r->e, &r->cap, r->n, sizeof(*r->e), 128) == -1) {
		r->failed = 1;
		return NULL;
	}
	memset(&r->e[r->n], 0, sizeof(r->e[r->n]));
	return &r->e[r->n++];
}

/* Whether the selection takes a socket of inode ino (port, or name). */
static int
chosen(struct lrun *r, unsigned long ino, int port, const char *name)
{
	const struct listening_sel *s = r->sel;
	struct owners_proc *hp[MAX_HOLDERS];
	size_t nh;
	int hit = s->nport == 0 && s->npath == 0;

	for (int i = 0; i < s->nport && !hit && port >= 0; i++)
		hit = s->port[i] == port;
	for (int i = 0; i < s->npath && !hit && name != NULL; i++)
		hit = strcmp(s->path[i], name) == 0;
	if (!hit || s->pid == 0)
		return hit;
	nh = owners_holders(r->w, ino, hp, MAX_HOLDERS);
	for (size_t i = 0; i < nh && i < MAX_HOLDERS; i++)
		if (hp[i]->pid == s->pid)
			return 1;
	return 0;
}

/*
 * Whether -4 or -6 (fam) takes d: -6 the IPv6 sockets; -4 the IPv4 ones
 * and a dual-stack [::], which takes IPv4 connections too.
 */
static int
family_takes(int fam, const struct inetdiag_sock *d)
{
	const struct sockaddr *sa = (const struct sockaddr *)&d->s.local;

	if (fam == AF_UNSPEC || sa->sa_family == fam)
		return 1;
	return fam == AF_INET && sa->sa_family == AF_INET6 &&
	    sa_is_wildcard(sa) && d->s.v6only != 1;
}

static int
inet_fn(const struct inetdiag_sock *d, void *arg)
{
	struct lrun *r = arg;
	int port = sa_port((const struct sockaddr *)&d->s.local);
	struct lent *e;

	/* UDP: bound and not connected (ss -lu's UNCONN) */
	if (d->s.proto == IPPROTO_UDP && (d->s.state != PN_CLOSE ||
	    port <= 0))
		return 0;
	if (!family_takes(r->c->env.family, d) ||
	    !chosen(r, d->s.inode, port, NULL))
		return 0;
	if ((e = more(r)) == NULL)
		return 1;
	e->proto = d->s.proto == IPPROTO_TCP ? P_TCP : P_UDP;
	e->local = d->s.local;
	e->v6only = d->s.v6only;
	e->queue = d->s.rxq;
	e->backlog = d->s.backlog;
	e->has_backlog = d->s.has_backlog;
	e->ino = d->s.inode;
	e->uid = d->s.uid;
	return 0;
}

static int
unix_fn(const struct unixdiag_sock *u, void *arg)
{
	struct lrun *r = arg;
	struct lent *e;

	/* listeners, and datagram sockets bound to a name, unconnected */
	if (u->state != UNIXDIAG_LISTEN && (u->type != SOCK_DGRAM ||
	    u->name[0] == '\0' || u->peer != 0))
		return 0;
	/* -4, -6: IP sockets only */
	if (r->c->env.family != AF_UNSPEC ||
	    !chosen(r, u->inode, -1, u->name))
		return 0;
	if ((e = more(r)) == NULL)
		return 1;
	e->proto = P_UNIX;
	snprintf(e->name, sizeof(e->name), "%s", u->name);
	e->utype = u->type;
	e->v6only = -1;
	e->queue = u->rqueue;
	e->backlog = u->wqueue;
	e->has_backlog = u->state == UNIXDIAG_LISTEN && u->has_queue;
	e->ino = u->inode;
	e->uid = u->uid;
	return 0;
}

static int
cmp_ent(const void *a, const void *b)
{
	const struct lent *x = a, *y = b;
	int px, py;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->proto == P_UNIX)
		return strcmp(x->name, y->name);
	px = sa_port((const struct sockaddr *)&x->local);
	py = sa_port((const struct sockaddr *)&y->local);
	if (px != py)
		return px - py;
	return x->local.ss_family - y->local.ss_family;
}

/* The address as text: escaped path, or "[::]:80 (v6-only)". */
static void
addr_text(const struct lent *e, char *buf, size_t len)
{
	char a[ADDRSTR_MAX];

	if (e->proto == P_UNIX) {
		esc_str(e->name, buf, len);
		return;
	}
	sa_fmt((const struct sockaddr *)&e->local, a, sizeof(a));
	if (e->local.ss_family == AF_INET6 &&
	    sa_is_wildcard((const struct sockaddr *)&e->local) &&
	    e->v6only >= 0)
		snprintf(buf, len, "%s (%s)", a, e->v6only ? "v6-only" :
		    "dual-stack: IPv4 too");
	else
		snprintf(buf, len, "%s", a);
}

static const char *
proto_name(const struct lent *e)
{
	return e->proto == P_TCP ? "tcp" : e->proto == P_UDP ? "udp" :
	    "unix";
}

/* Whether this user may not see who holds a socket of uid. */
static int
hidden(struct lrun *r, long uid)
{
	return owners_unreadable(r->w) > 0 && getuid() != 0 &&
	    (uid < 0 || (unsigned long)uid != (unsigned long)getuid());
}

static void
put_text(struct lrun *r, const struct lent *e, int width)
{
	struct owners_proc *hp[MAX_NAMED];
	char a[ESC_SIZE(UNIXDIAG_NAME_MAX) + 32], q[64], user[64];
	size_t nh = owners_holders(r->w, e->ino, hp, MAX_NAMED);
	FILE *o = r->c->out;

	addr_text(e, a, sizeof(a));
	if (e->has_backlog)
		snprintf(q, sizeof(q), "queue %lu/%lu", e->queue, e->backlog);
	else
		snprintf(q, sizeof(q), "recv-q %lu", e->queue);
	fprintf(o, "%-4s %-*s  %-14s  ", e->proto == P_UNIX && e->utype ==
	    SOCK_DGRAM ? "unix" : proto_name(e), width, a, q);
	if (e->proto == P_UNIX && e->utype != SOCK_STREAM)
		fprintf(o, "(%s) ", unixdiag_type_name(e->utype));
	for (size_t i = 0; i < nh && i < MAX_NAMED; i++) {
		const struct pn_owner *w = owners_who(r->w, hp[i]);

		fprintf(o, "%spid %d (%s, user %s)", i == 0 ? "" : i + 1 ==
		    nh ? " and " : ", ", hp[i]->pid, w->tcomm, w->user);
	}
	if (nh > MAX_NAMED)
		fprintf(o, " and %zu more", nh - MAX_NAMED);
	if (nh == 0) {
		if (e->uid >= 0)
			pn_user((unsigned)e->uid, user, sizeof(user));
		if (e->uid < 0)
			fprintf(o, "no process seen here");
		else if (hidden(r, e->uid))
			fprintf(o, "a process of uid %ld (%s; hidden from this "
			    "user, run as root to name it)", e->uid, user);
		else
			fprintf(o, "no process seen here (uid %ld, %s: another "
			    "namespace's, or passed on)", e->uid, user);
	}
	fputc('\n', o);
}

static void
put_json(struct lrun *r, const struct lent *e)
{
	struct owners_proc *hp[MAX_HOLDERS];
	size_t nh = owners_holders(r->w, e->ino, hp, MAX_HOLDERS);
	char a[ADDRSTR_MAX];
	struct jbuf jb;

	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", "listener");
	jb_kstr(&jb, "command", "inspect");
	jb_kstr(&jb, "proto", proto_name(e));
	if (e->proto == P_UNIX) {
		jb_kstr(&jb, "local", e->name);
		jb_kstr(&jb, "address", e->name);
		jb_knull(&jb, "port");
		jb_kstr(&jb, "family", "unix");
		jb_knull(&jb, "v6only");
		jb_kstr(&jb, "type", unixdiag_type_name(e->utype));
	} else {
		const struct sockaddr *sa = (const struct sockaddr *)&e->local;

		jb_kstr(&jb, "local", sa_fmt(sa, a, sizeof(a)));
		jb_kstr(&jb, "address", sa_fmt_host(sa, a, sizeof(a)));
		jb_kint(&jb, "port", sa_port(sa));
		jb_kstr(&jb, "family", family_name(sa->sa_family));
		if (sa->sa_family == AF_INET6 && sa_is_wildcard(sa) &&
		    e->v6only >= 0)
			jb_kbool(&jb, "v6only", e->v6only);
		else
			jb_knull(&jb, "v6only");
		jb_knull(&jb, "type");
	}
	jb_kint(&jb, "queue", (long long)e->queue);
	if (e->has_backlog)
		jb_kint(&jb, "backlog", (long long)e->backlog);
	else
		jb_knull(&jb, "backlog");
	if (e->uid >= 0)
		jb_kint(&jb, "uid", e->uid);
	else
		jb_knull(&jb, "uid");
	jb_arr_open(&jb, "holders");
	for (size_t i = 0; i < nh && i < MAX_HOLDERS; i++) {
		const struct pn_owner *w = owners_who(r->w, hp[i]);

		jb_obj_open(&jb);
		jb_kint(&jb, "pid", hp[i]->pid);
		jb_kstr(&jb, "process", w->comm);
		jb_kstr(&jb, "user", w->user);
		jb_obj_close(&jb);
	}
	jb_arr_close(&jb);
	jb_kbool(&jb, "hidden", nh == 0 && hidden(r, e->uid));
	jb_obj_close(&jb);
	out_json(r->c, &jb);
	jb_free(&jb);
}

static void
put_om(struct lrun *r, const struct lent *e)
{
	struct owners_proc *hp[1];
	char a[ESC_SIZE(UNIXDIAG_NAME_MAX) + 32], pid[16] = "";
	struct om_label l[5] = { { "command", "inspect" },
	    { "target", r->sel->target != NULL ? r->sel->target : "" },
	    { "address", a }, { "proto", proto_name(e) }, { "pid", pid } };

	if (!e->has_backlog)
		return;
	if (e->proto == P_UNIX)
		snprintf(a, sizeof(a), "%s", e->name);
	else
		sa_fmt((const struct sockaddr *)&e->local, a, sizeof(a));
	if (owners_holders(r->w, e->ino, hp, 1) > 0)
		snprintf(pid, sizeof(pid), "%d", hp[0]->pid);
	om_sample(r->c->om, OM_LISTEN_QLEN, l, 5, (double)e->queue);
	om_sample(r->c->om, OM_LISTEN_BACKLOG, l, 5, (double)e->backlog);
}

int
listening_run(struct ctx *c, const struct listening_sel *sel)
{
	struct lrun r;
	int width = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.sel = sel;
	if ((r.w = owners_walk(c->env.proc_root, 0)) == NULL)
		nomem_exit("the owners' table");
	if (inetdiag_scan(c->env.proc_root, IPPROTO_TCP, PN_STATE(PN_LISTEN),
	    inet_fn, &r) == -1) {
		out_err(c, "cannot read the TCP sockets: %s", strerror(errno));
		owners_free(r.w);
		free(r.e);
		return reason_exit(RS_ERROR);
	}
	(void)inetdiag_scan(c->env.proc_root, IPPROTO_UDP, PN_STATE(PN_CLOSE),
	    inet_fn, &r);
	if (unixdiag_scan(c->env.proc_root, unix_fn, &r) == -1)
		out_note(c, "cannot read the Unix sockets: %s",
		    strerror(errno));
	if (r.failed)
		nomem_exit("the listeners' table");
	if (r.n > 1)
		qsort(r.e, r.n, sizeof(*r.e), cmp_ent);
	for (size_t i = 0; i < r.n; i++) {
		char a[ESC_SIZE(UNIXDIAG_NAME_MAX) + 32];
		int n;

		addr_text(&r.e[i], a, sizeof(a));
		n = (int)strlen(a);
		if (n > width)
			width = n < 40 ? n : 40;
	}
	for (size_t i = 0; i < r.n; i++) {
		if (c->openmetrics && c->om != NULL)
			put_om(&r, &r.e[i]);
		else if (c->json)
			put_json(&r, &r.e[i]);
		else if (!c->quiet)
			put_text(&r, &r.e[i], width);
	}
	if (!c->json && !c->quiet && !c->openmetrics) {
		if (r.n == 0)
			fprintf(c->out, "nothing listens%s\n", sel->target !=
			    NULL ? " there" : "");
		if (owners_unreadable(r.w) > 0 && getuid() != 0)
			out_note(c, "%d processes may not be read by this user: "
			    "run as root to name every holder",
			    owners_unreadable(r.w));
	}
	fflush(c->out);
	owners_free(r.w);
	free(r.e);
	return 0;
}
