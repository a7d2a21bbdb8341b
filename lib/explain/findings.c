#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "findings.h"
#include "grow.h"
#include "sysinfo.h"

#include "findpriv.h"

struct findings *
findings_new(const struct findings_cfg *cfg)
{
	struct findings *f = calloc(1, sizeof(*f));
	int lo, hi;

	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	f->port_listen = calloc(65536, sizeof(int));
	f->lports = calloc(65536 / 8, 1);
	if (f->port_listen == NULL || f->lports == NULL) {
		free(f);
		return NULL;
	}
	f->range_lo = f->range_hi = -1;
	if (si_local_port_range(cfg->root, &lo, &hi) == 0) {
		f->range_lo = lo;
		f->range_hi = hi;
	}
	f->k1.retrans_segs = f->k2.retrans_segs = -1;
	return f;
}

void
findings_free(struct findings *f)
{
	if (f == NULL)
		return;
	free(f->b);
	free(f->g);
	free(f->port_listen);
	free(f->lports);
	free(f->a);
	free(f->f);
	free(f->ub);
	free(f->ul);
	free(f->ua);
	free(f->qb);
	free(f->ql);
	free(f);
}

static uint64_t
sock_key(const struct inetdiag_sock *d)
{
	if (d->cookie != 0)
		return d->cookie;
	return d->s.inode != 0 ? d->s.inode | 1ULL << 63 : 0;
}

/*
 * The receiver's window is closed for all this sender can send, and data
 * waits behind it. The persist timer says so (the kernel probes a window
 * with no room for a segment); a receiver with a small SO_RCVBUF may go on
 * advertising a few bytes (2048) rather than 0, so a window below one
 * segment with nothing in flight counts as closed as well, not 0 alone.
 */
static int
window_closed(const struct inetdiag_sock *d)
{
	if (!d->has_info || d->s.state != PN_ESTABLISHED || d->s.txq == 0)
		return 0;
	if (d->timer == INETDIAG_TIMER_PERSIST)
		return 1;
	if (d->has_snd_wnd)
		return d->snd_wnd == 0 || (d->snd_mss > 0 &&
		    d->snd_wnd < d->snd_mss && d->unacked == 0);
	/* older kernels: the persist timer runs (backoff, nothing in flight) */
	return d->backoff > 0 && d->retransmits == 0 && d->unacked == 0;
}

/*
 * A connection in a listener's accept queue: established (or closed by
 * its client since: CLOSE_WAIT) and held by no descriptor yet. A socket
 * whose process closed it is in another state (FIN_WAIT1, LAST_ACK).
 */
static int
in_queue(const struct inetdiag_sock *d)
{
	return d->s.proto == IPPROTO_TCP && d->s.inode == 0 &&
	    (d->s.state == PN_ESTABLISHED || d->s.state == PN_CLOSE_WAIT);
}

static int
listener_full(const struct pn_sock *s)
{
	/* the kernel's test: more waiting than the backlog */
	return s->has_backlog ? s->rxq > s->backlog : s->rxq > 0;
}

/* Notes that a local socket listens on s's port. */
static void
mark_lport(struct findings *f, const struct pn_sock *s)
{
	int port = sa_port((const struct sockaddr *)&s->local);

	if (port > 0 && port < 65536)
		f->lports[port / 8] |= (unsigned char)(1u << (port % 8));
}

/* Whether a local LISTEN socket was seen on the port of s's remote end. */
static int
to_listening_port(const struct findings *f, const struct pn_sock *s)
{
	int port = sa_port((const struct sockaddr *)&s->remote);

	return port > 0 && port < 65536 &&
	    (f->lports[port / 8] & (1u << (port % 8)));
}

static int
is_synrecv(int state)
{
	return state == PN_SYN_RECV || state == PN_NEW_SYN_RECV;
}

/*
 * The retransmissions of d, a connection to a listening port of this
 * machine over one of its own addresses: whether they are losses (a
 * firewall that drops that traffic, even on lo) rather than the listener
 * dropping what its full accept queue had no room for. A full queue drops
 * the SYN, or the client's last ACK and its data while the connection
 * waits as a request (SYN_RECV) on the listener's side (accept-queue-full
 * names that). So: an established connection counts when it is in
 * retransmission backoff now and the other end is a full socket here; a
 * SYN that goes unanswered only over a sample in which the listener had
 * room and dropped nothing (ListenOverflows did not rise).
 */
static int
local_loss(struct findings *f, const struct inetdiag_sock *d,
    const struct base *b)
{
	const struct pn_sock *s = &d->s;
	int port = sa_port((const struct sockaddr *)&s->remote);
	struct inetdiag_sock peer;

	if (s->state == PN_SYN_SENT) {
		long long ovf = findings_delta(f, f->k1.listen_overflows,
		    f->k2.listen_overflows);

		return b != NULL && d->total_retrans > b->total_retrans &&
		    ovf == 0 && f->port_listen[port] != 0 &&
		    !findlisten_full(&f->g[f->port_listen[port] - 1]);
	}
	if (d->retransmits == 0 || f->nlook >= FINDINGS_MAX_LOOKUPS)
		return 0;
	f->nlook++;
	if (inetdiag_lookup(f->cfg.root, IPPROTO_TCP, &s->remote, &s->local,
	    &peer) == -1)
		return 0;
	return peer.s.state != PN_LISTEN && !is_synrecv(peer.s.state);
}

/* Whether s's remote end is this machine (loopback, or its own address). */
static int
remote_here(struct findings *f, const struct pn_sock *s)
{
	const struct sockaddr *r = (const struct sockaddr *)&s->remote;

	if (sa_is_loopback(r))
		return 1;
	/* getifaddrs() each time: bounded like the lookups */
	if (f->nlook >= FINDINGS_MAX_LOOKUPS)
		return 1;
	f->nlook++;
	return si_is_local(r);
}

int
findings_base(struct findings *f, const struct inetdiag_sock *d)
{
	struct base *x;
	uint64_t key = sock_key(d);

	if (d->s.proto == IPPROTO_TCP && d->s.state == PN_LISTEN)
		mark_lport(f, &d->s);
	if (key == 0 || d->s.proto != IPPROTO_TCP ||
	    d->s.state == PN_TIME_WAIT || d->s.state == PN_SYN_RECV)
		return 0;
	if (grow((void **)&f->b, &f->capb, f->nb, sizeof(*f->b), 64) == -1)
		return -1;
	x = &f->b[f->nb++];
	x->key = key;
	x->state = (uint8_t)d->s.state;
	x->total_retrans = d->total_retrans;
	x->flags = 0;
	if (d->s.state == PN_CLOSE_WAIT)
		x->flags |= B_CW;
	if (window_closed(d))
		x->flags |= B_PNR;
	if (d->has_info && d->retransmits > 0)
		x->flags |= B_RTX;
	if (d->s.state == PN_LISTEN && listener_full(&d->s))
		x->flags |= B_FULL;
	if (in_queue(d))
		x->flags |= B_QUEUED;
	return 0;
}

static int
cmp_base(const void *a, const void *b)
{
	const struct base *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

void
findings_base_done(struct findings *f)
{
	if (f->nb > 1)
		qsort(f->b, f->nb, sizeof(*f->b), cmp_base);
}

static const struct base *
base_of(const struct findings *f, const struct inetdiag_sock *d)
{
	struct base k;

	if ((k.key = sock_key(d)) == 0 || f->nb == 0)
		return NULL;
	return bsearch(&k, f->b, f->nb, sizeof(*f->b), cmp_base);
}

static int
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return sa_same_addr((const struct sockaddr *)a,
	    (const struct sockaddr *)b);
}

static int
same_end(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return same_host(a, b) && sa_port((const struct sockaddr *)a) ==
	    sa_port((const struct sockaddr *)b);
}

/*
 * The aggregate of kind k for owner p (or uid) and key address; made when
 * new. Linear: findings are few, and only sockets with a problem get here.
 */
static struct agg *
agg_get(struct findings *f, enum gk k, struct owners_proc *p, unsigned uid,
    const struct sockaddr_storage *key, int with_port, int orphan)
{
	struct agg *a;

	for (size_t i = 0; i < f->na; i++) {
		a = &f->a[i];
		if (a->kind != k || a->proc != p || (p == NULL &&
		    (a->uid != uid || a->orphan != orphan)))
			continue;
		if (key == NULL || (with_port ? same_end(&a->key, key) :
		    same_host(&a->key, key)))
			return a;
	}
	if (grow((void **)&f->a, &f->capa, f->na, sizeof(*f->a), 64) == -1)
		return NULL;
	a = &f->a[f->na++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->proc = p;
	a->uid = uid;
	a->orphan = orphan;
	if (key != NULL)
		a->key = *key;
	return a;
}

static struct agg *
agg_add(struct findings *f, enum gk k, const struct inetdiag_sock *d,
    struct owners_proc *p, int nshare, const struct sockaddr_storage *key,
    int with_port)
{
	/* no descriptor: its process closed it (or it waits to be accepted) */
	struct agg *a = agg_get(f, k, p, d->s.uid, key, with_port,
	    p == NULL && d->s.inode == 0);

	if (a == NULL)
		return NULL;
	if (a->count == 0) {
		a->local = d->s.local;
		a->remote = d->s.remote;
	} else {
		a->many_local |= !same_end(&a->local, &d->s.local);
		a->many_remote |= !same_end(&a->remote, &d->s.remote);
	}
	if (nshare > a->nshare)
		a->nshare = nshare;
	a->count++;
	return a;
}

struct findings_group *
findings_group_new(struct findings *f, enum fg_kind k, struct owners_proc *p,
    unsigned uid)
{
	struct findings_group *g;

	if (grow((void **)&f->g, &f->capg, f->ng, sizeof(*f->g), 64) == -1)
		return NULL;
	g = &f->g[f->ng++];
	memset(g, 0, sizeof(*g));
	g->kind = k;
	g->proc = p;
	g->uid = uid;
	return g;
}

/* The summary line of a socket that no listener of ours takes. */
static struct findings_group *
group_of(struct findings *f, struct owners_proc *p, unsigned uid,
    unsigned long ino)
{
	/* no descriptor at all, or one in a process not seen here */
	enum fg_kind k = p != NULL ? FG_PROC : ino == 0 ? FG_NOPROC :
	    FG_UNSEEN;

	/* from the end: a process's sockets tend to come together */
	for (size_t i = f->ng; i-- > 0;)
		if (f->g[i].kind == k && f->g[i].proc == p &&
		    (k != FG_UNSEEN || f->g[i].uid == uid))
			return &f->g[i];
	return findings_group_new(f, k, p, uid);
}

int
findings_add(struct findings *f, const struct inetdiag_sock *d,
    struct owners_proc *p, int nshare)
{
	const struct pn_sock *s = &d->s;
	const struct base *b = base_of(f, d);
	int port = sa_port((const struct sockaddr *)&s->local), one;
	struct findings_group *g;
	struct agg *a;

	if (p != NULL)
		p->mark = 1;
	if (s->proto == IPPROTO_UDP) {
		f->udp++;
		return 0;
	}
	one = f->cfg.sample_ms == 0;
	f->states[s->state]++;
	if (s->state == PN_LISTEN) {
		if ((g = findings_group_new(f, FG_LISTEN, p, s->uid)) == NULL)
			return -1;
		g->local = s->local;
		g->qlen = s->rxq;
		g->backlog = s->backlog;
		g->has_backlog = s->has_backlog;
		g->cookie = b != NULL && (b->flags & B_FULL) ? 1 : 0;
		g->states[PN_LISTEN] = 1;
		g->ino = s->inode;
		g->nshare = nshare;
		mark_lport(f, s);
		if (port >= 0 && f->port_listen[port] == 0)
			f->port_listen[port] = (int)f->ng;
		return 0;
	}
	if (port >= 0 && f->port_listen[port] != 0)
		g = &f->g[f->port_listen[port] - 1];
	else if ((g = group_of(f, p, s->uid, s->inode)) == NULL)
		return -1;
	g->states[s->state]++;
	if (in_queue(d) && port >= 0 && f->port_listen[port] != 0) {
		/* its listener's queue: never anyone's leak */
		findlisten_queued(f, d, one ? d->has_info &&
		    d->last_ack_recv >= 1000 : b != NULL &&
		    (b->flags & B_QUEUED));
		return 0;
	}
	/* queued at the first read, accepted since */
	if (b != NULL && (b->flags & B_QUEUED) && port >= 0 &&
	    f->port_listen[port] != 0 && s->inode != 0)
		findlisten_accepted(f, d);
	if (is_synrecv(s->state)) {
		if (g->synrecv == 0)
			g->syn_from = s->remote;
		else if (!same_host(&g->syn_from, &s->remote))
			g->syn_many = 1;
		g->synrecv++;
	}

	if (s->state == PN_CLOSE_WAIT && (one ? d->has_info &&
	    d->last_ack_recv >= 1000 : b != NULL && (b->flags & B_CW))) {
		if ((a = agg_add(f, GK_CW, d, p, nshare, NULL, 0)) == NULL)
			return -1;
		if (d->has_info && d->last_ack_recv > a->max)
			a->max = d->last_ack_recv;
	} else if (s->state == PN_TIME_WAIT && (port < 0 ||
	    f->port_listen[port] == 0)) {
		if (agg_add(f, GK_TW, d, NULL, 0, &s->remote, 1) == NULL)
			return -1;
	} else if (window_closed(d) && (one ? d->backoff > 0 ||
	    d->probes > 0 || d->timer == INETDIAG_TIMER_PERSIST : b != NULL &&
	    (b->flags & B_PNR))) {
		if ((a = agg_add(f, GK_PNR, d, p, nshare, &s->remote, 1)) ==
		    NULL)
			return -1;
		a->sum += s->txq;
		if (d->backoff > a->max)
			a->max = d->backoff;
		if (d->has_snd_wnd && (!a->has_wnd || d->snd_wnd > a->wnd)) {
			a->has_wnd = 1;
			a->wnd = d->snd_wnd;
			a->mss = d->snd_mss;
		}
		a->persist |= d->timer == INETDIAG_TIMER_PERSIST;
	}
	if (d->has_info && (one ? d->retransmits > 0 : b != NULL &&
	    (d->total_retrans > b->total_retrans || (d->retransmits > 0 &&
	    (b->flags & B_RTX)))) && (!to_listening_port(f, s) ||
	    !remote_here(f, s) || local_loss(f, d, b))) {
		if ((a = agg_add(f, GK_RTX, d, p, nshare, &s->remote, 0)) ==
		    NULL)
			return -1;
		if (b != NULL && d->total_retrans > b->total_retrans)
			a->sum += d->total_retrans - b->total_retrans;
		if (s->state == PN_SYN_SENT) {
			a->nsyn++;
			if (b != NULL && d->total_retrans > b->total_retrans)
				a->syn_sum += d->total_retrans -
				    b->total_retrans;
		}
		if (d->rto_ms > a->max)
			a->max = d->rto_ms;
	}
	return 0;
}

int
findings_in_queue(const struct findings *f, const struct inetdiag_sock *d)
{
	int port = sa_port((const struct sockaddr *)&d->s.local);

	return in_queue(d) && port >= 0 && f->port_listen[port] != 0;
}

void
findings_counters(struct findings *f, const struct counters *a,
    const struct counters *b)
{
	f->k1 = *a;
	f->k2 = *b;
}

int
findings_note(struct findings *f, enum reason r, int dx, enum stage st,
    const struct agg *a, const struct findings_group *g,
    struct owners_proc *p)
{
	struct finding *x;

	if (grow((void **)&f->f, &f->capf, f->nf, sizeof(*f->f), 64) == -1)
		return -1;
	x = &f->f[f->nf++];
	x->reason = r;
	x->dx = dx;
	x->stage = st;
	x->a = a;
	x->g = g;
	x->proc = p;
	x->u = NULL;
	return 0;
}

long long
findings_delta(const struct findings *f, long long a, long long b)
{
	if (f->cfg.sample_ms == 0)
		return -1;
	return counters_delta(a, b);
}

long
findings_sysctl(const struct findings *f, const char *rel)
{
	long v;

	return si_read_long(f->cfg.root, rel, &v) == 0 ? v : -1;
}

/*
 * The other end of aggregate a's first connection, when it is a socket of
 * this machine (the kernel's exact lookup of the 4-tuple turned round).
 */
static void
find_peer(struct findings *f, struct owners *w, struct agg *a)
{
	struct inetdiag_sock peer;

	if (f->nlook >= FINDINGS_MAX_LOOKUPS)
		return;
	f->nlook++;
	if (inetdiag_lookup(f->cfg.root, IPPROTO_TCP, &a->remote, &a->local,
	    &peer) == -1 || peer.s.state == PN_LISTEN ||
	    is_synrecv(peer.s.state))
		return;
	a->peer = 1;
	a->peer_proc = w != NULL ? owners_of(w, peer.s.inode, NULL) : NULL;
	a->peer_uid = peer.s.uid;
	a->peer_rxq = peer.s.rxq;
}

int
findings_judge(struct findings *f, struct owners *w)
{
	long range = f->range_lo >= 0 ? f->range_hi - f->range_lo + 1 : -1;

	/* in the SPEC table's order */
	for (size_t i = 0; i < f->na; i++)
		if (f->a[i].kind == GK_CW && findings_note(f, RS_CLOSE_WAIT,
		    DX_CLOSE_WAIT_LEAK, ST_CLOSE, &f->a[i], NULL, NULL) == -1)
			return -1;
	if (findunix_queues(f) == -1 || findlisten_judge(f) == -1)
		return -1;
	for (size_t i = 0; i < f->na; i++)
		if (f->a[i].kind == GK_TW && range > 0 &&
		    f->a[i].count * 4 >= range * 3 && findings_note(f,
		    RS_TIME_WAIT, DX_TIME_WAIT_PILE, ST_CONNECT, &f->a[i], NULL,
		    NULL) == -1)
			return -1;
	for (size_t i = 0; i < f->na; i++)
		if (f->a[i].kind == GK_PNR || f->a[i].kind == GK_RTX)
			find_peer(f, w, &f->a[i]);
	for (size_t i = 0; i < f->na; i++)
		if (f->a[i].kind == GK_PNR && findings_note(f,
		    RS_PEER_NOT_READING, DX_PEER_NOT_READING, ST_SEND, &f->a[i],
		    NULL, NULL) == -1)
			return -1;
	for (size_t i = 0; i < f->na; i++)
		if (f->a[i].kind == GK_RTX && findings_note(f, RS_RETRANS,
		    DX_RETRANSMITTING, ST_SEND, &f->a[i], NULL, NULL) == -1)
			return -1;
	if (findunix_judge(f) == -1)
		return -1;
	for (size_t i = 0; w != NULL && i < owners_count(w); i++) {
		struct owners_proc *p = owners_at(w, i);
		long soft;

		/* a handful of descriptors is never near any real limit */
		if ((!f->cfg.whole && !p->mark) || p->nfds < 8)
			continue;
		soft = owners_limit(w, p);
		if (soft > 0 && (long)p->nfds * 10 >= soft * 9 &&
		    findings_note(f, RS_FD_LIMIT, DX_FD_LIMIT, ST_SOCKET, NULL,
		    NULL, p) == -1)
			return -1;
	}
	return (int)f->nf;
}

int
findings_unix_base(struct findings *f, const struct unixdiag_sock *u)
{
	return findunix_base(f, u);
}

int
findings_unix_sock(struct findings *f, const struct unixdiag_sock *u,
    struct owners_proc *p, int on)
{
	return findunix_sock(f, u, p, on);
}

void
findings_result(struct findings *f, struct owners *w, size_t i,
    const char *target, struct result *r)
{
	if (i < f->nf)
		findtext_result(f, w, &f->f[i], target, r);
}

void
findings_subject(const struct findings *f, size_t i, int *pid, char *local,
    size_t len)
{
	const struct finding *x;
	const struct owners_proc *p = NULL;

	*pid = 0;
	local[0] = '\0';
	if (i >= f->nf)
		return;
	x = &f->f[i];
	if (x->u != NULL) {
		p = x->u->proc;
		snprintf(local, len, "%s", f->g[x->u->group].path);
	} else if (x->a != NULL) {
		p = x->a->proc;
		if (!x->a->many_local)
			sa_fmt((const struct sockaddr *)&x->a->local, local,
			    len);
	} else if (x->g != NULL) {
		p = x->g->proc;
		if (x->g->kind == FG_UNIX)
			snprintf(local, len, "%s", x->g->path);
		else
			sa_fmt((const struct sockaddr *)&x->g->local, local,
			    len);
	} else
		p = x->proc;
	if (p != NULL)
		*pid = p->pid;
}

const struct findings_group *
findings_groups(const struct findings *f, size_t *n)
{
	*n = f->ng;
	return f->g;
}

const long *
findings_states(const struct findings *f)
{
	return f->states;
}

long
findings_udp(const struct findings *f)
{
	return f->udp;
}

long
findings_unix(const struct findings *f)
{
	return f->unix_n;
}

void
findings_deltas(const struct findings *f, struct findings_deltas *d)
{
	d->listen_overflows = findings_delta(f, f->k1.listen_overflows,
	    f->k2.listen_overflows);
	d->listen_drops = findings_delta(f, f->k1.listen_drops, f->k2.listen_drops);
	d->syncookies_sent = findings_delta(f, f->k1.syncookies_sent,
	    f->k2.syncookies_sent);
	d->retrans_segs = findings_delta(f, f->k1.retrans_segs, f->k2.retrans_segs);
	d->orphans = f->k2.orphans;
	d->tw = f->k2.tw;
}

int
findings_forget_syn(struct findings *f, int pid,
    const struct sockaddr_storage *remote)
{
	for (size_t i = 0; i < f->nf; i++) {
		struct finding *x = &f->f[i];
		struct agg *a;
		uint64_t one;

		if (x->reason != RS_RETRANS || x->a == NULL ||
		    x->a->proc == NULL || x->a->proc->pid != pid ||
		    x->a->nsyn == 0 || !same_host(&x->a->key, remote))
			continue;
		a = &f->a[x->a - f->a];
		/* its own share of the SYNs' retransmissions */
		one = a->syn_sum / (uint64_t)a->nsyn;
		a->syn_sum -= one;
		a->sum -= one <= a->sum ? one : a->sum;
		a->nsyn--;
		if (--a->count == 0) {
			memmove(x, x + 1, (f->nf - i - 1) * sizeof(*x));
			f->nf--;
		}
		break;
	}
	return (int)f->nf;
}

int
findings_pid(const struct findings *f, size_t i)
{
	const struct finding *x;
	const struct owners_proc *p = NULL;

	if (i >= f->nf)
		return 0;
	x = &f->f[i];
	if (x->u != NULL)
		p = x->u->proc;
	else if (x->a != NULL)
		p = x->a->proc;
	else if (x->g != NULL)
		p = x->g->proc;
	else
		p = x->proc;
	return p != NULL ? p->pid : 0;
}
