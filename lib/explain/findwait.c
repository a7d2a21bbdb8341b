#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "esc.h"
#include "findwait.h"
#include "grow.h"
#include "sysinfo.h"

struct waits *
waits_new(const char *root, int64_t sample_ms)
{
	struct waits *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->root = root;
	w->sample_ms = sample_ms;
	return w;
}

void
waits_set_sample(struct waits *w, int64_t sample_ms)
{
	w->sample_ms = sample_ms;
}

void
waits_free(struct waits *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->np; i++)
		tasks_free(&w->ta[i]);
	for (size_t i = 0; i < w->nfirst; i++)
		tasks_free(&w->first[i]);
	free(w->first);
	free(w->ta);
	free(w->p);
	free(w->b);
	free(w->f);
	free(w);
}

/* A new watched process pid; NULL when memory ran out. */
static struct waits_proc *
proc_new(struct waits *w, int pid)
{
	if (grow((void **)&w->p, &w->capp, w->np, sizeof(*w->p), 16) == -1 ||
	    grow((void **)&w->ta, &w->capt, w->np, sizeof(*w->ta), 16) == -1)
		return NULL;
	memset(&w->p[w->np], 0, sizeof(w->p[w->np]));
	memset(&w->ta[w->np], 0, sizeof(w->ta[w->np]));
	w->p[w->np].pid = pid;
	w->ta[w->np].pid = -1;		/* no first read */
	return &w->p[w->np++];
}

int
waits_watch(struct waits *w, int pid)
{
	struct waits_proc *p;

	for (size_t i = 0; i < w->np; i++)
		if (w->p[i].pid == pid)
			return 0;
	if ((p = proc_new(w, pid)) == NULL)
		return -1;
	if (tasks_read(w->root, pid, &w->ta[w->np - 1]) == -1) {
		if (errno == ENOMEM)
			return -1;
		memset(&w->ta[w->np - 1], 0, sizeof(w->ta[0]));
		w->ta[w->np - 1].pid = -1;	/* judged at the last read */
	}
	return 0;
}

/* The calls a wait finding is made of (judge_thread()). */
#define FIRST_KINDS	(1u << TK_RECV | 1u << TK_CONNECT | 1u << TK_POLL | \
	1u << TK_SELECT | 1u << TK_EPOLL)

int
waits_first(struct waits *w)
{
	struct dirent *e;
	DIR *d;

	if ((d = opendir(w->root)) == NULL)
		return 0;	/* nothing to compare with: read once */
	while ((e = readdir(d)) != NULL && w->kept < WAITS_MAX_FIRST) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		struct tasks *t;
		int watched = 0;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != '\0' ||
		    pid > INT_MAX)
			continue;
		for (size_t i = 0; i < w->np && !watched; i++)
			watched = w->p[i].pid == pid;
		if (watched)
			continue;	/* waits_watch() read it in full */
		if (grow((void **)&w->first, &w->capfirst, w->nfirst,
		    sizeof(*w->first), 16) == -1) {
			closedir(d);
			return -1;
		}
		t = &w->first[w->nfirst];
		if (tasks_read_light(w->root, (int)pid, FIRST_KINDS, t) == -1) {
			if (errno == ENOMEM) {
				closedir(d);
				return -1;
			}
			continue;	/* gone, or closed to us: read once */
		}
		w->kept += t->n;
		w->nfirst++;
	}
	closedir(d);
	return 0;
}

int
waits_also(struct waits *w, int pid)
{
	size_t also = 0;
	struct waits_proc *p;

	for (size_t i = 0; i < w->np; i++) {
		if (w->p[i].pid == pid)
			return 0;
		also += w->p[i].also;
	}
	if (also >= WAITS_MAX_ALSO)
		return 0;
	if ((p = proc_new(w, pid)) == NULL)
		return -1;
	p->also = 1;
	p->once = 1;
	/* its first read, when the sample began with the machine's */
	for (size_t i = 0; i < w->nfirst; i++)
		if (w->first[i].pid == pid) {
			w->ta[w->np - 1] = w->first[i];
			memset(&w->first[i], 0, sizeof(w->first[i]));
			w->first[i].pid = -1;
			p->once = 0;
			break;
		}
	return 0;
}

/* A datagram socket's key: its cookie, or its inode; Unix apart. */
static uint64_t
udp_key(const struct inetdiag_sock *d)
{
	if (d->cookie != 0)
		return d->cookie;
	return d->s.inode != 0 ? d->s.inode | 1ULL << 63 : 0;
}

static uint64_t
unix_key(const struct unixdiag_sock *u)
{
	return u->inode != 0 ? u->inode | 1ULL << 62 : 0;
}

static int
base_add(struct waits *w, uint64_t key, uint32_t drops)
{
	if (key == 0)
		return 0;
	if (grow((void **)&w->b, &w->capb, w->nb, sizeof(*w->b), 16) == -1)
		return -1;
	w->b[w->nb].key = key;
	w->b[w->nb].drops = drops;
	w->nb++;
	w->sorted = 0;
	return 0;
}

int
waits_udp_base(struct waits *w, const struct inetdiag_sock *d)
{
	if (d->s.proto != IPPROTO_UDP || !d->has_mem)
		return 0;
	return base_add(w, udp_key(d), d->drops);
}

int
waits_unix_base(struct waits *w, const struct unixdiag_sock *u)
{
	if (u->type != SOCK_DGRAM || !u->has_drops)
		return 0;
	return base_add(w, unix_key(u), u->drops);
}

static int
cmp_base(const void *a, const void *b)
{
	const struct dgbase *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* The first read's drop counter of key, or -1 when it was not seen. */
static long long
base_drops(struct waits *w, uint64_t key)
{
	struct dgbase k, *x;

	if (key == 0 || w->nb == 0)
		return -1;
	if (!w->sorted) {
		qsort(w->b, w->nb, sizeof(*w->b), cmp_base);
		w->sorted = 1;
	}
	k.key = key;
	x = bsearch(&k, w->b, w->nb, sizeof(*w->b), cmp_base);
	return x != NULL ? (long long)x->drops : -1;
}

static struct wfind *
find_new(struct waits *w, enum reason r, int dx, enum stage st)
{
	struct wfind *x;

	if (grow((void **)&w->f, &w->capf, w->nf, sizeof(*w->f), 16) == -1)
		return NULL;
	x = &w->f[w->nf++];
	memset(x, 0, sizeof(*x));
	x->reason = r;
	x->dx = dx;
	x->stage = st;
	x->tid = x->fd = -1;
	x->nonblock = -1;
	x->timer = -1;
	x->syn_retries = -1;
	return x;
}

static struct wfind *
drop_find(struct waits *w, uint64_t key, uint32_t drops,
    struct owners_proc *p, unsigned uid)
{
	long long was = base_drops(w, key);
	struct wfind *x;
	long v;

	if (w->sample_ms == 0 || was < 0 || (long long)drops <= was ||
	    w->nudp >= WAITS_MAX_UDP)
		return NULL;
	if ((x = find_new(w, RS_UDP_DROPS, DX_UDP_DROPS, ST_RECV)) == NULL)
		return NULL;
	w->nudp++;
	x->proc = p;
	x->pid = p != NULL ? p->pid : 0;
	x->uid = uid;
	x->drops = drops - (uint32_t)was;
	x->rmem_max = si_read_long(w->root, "sys/net/core/rmem_max", &v) ==
	    0 ? v : -1;
	return x;
}

int
waits_udp(struct waits *w, const struct inetdiag_sock *d,
    struct owners_proc *p)
{
	struct wfind *x;
	size_t nf = w->nf;

	if (d->s.proto != IPPROTO_UDP || !d->has_mem)
		return 0;
	if ((x = drop_find(w, udp_key(d), d->drops, p, d->s.uid)) == NULL)
		return w->nf == nf ? 0 : -1;
	x->local = d->s.local;
	x->remote = d->s.remote;
	x->rcvbuf = d->rcvbuf;
	x->rmem = d->rmem;
	return 0;
}

int
waits_unix(struct waits *w, const struct unixdiag_sock *u,
    struct owners_proc *p)
{
	struct wfind *x;
	size_t nf = w->nf;

	if (u->type != SOCK_DGRAM || !u->has_drops)
		return 0;
	if ((x = drop_find(w, unix_key(u), u->drops, p,
	    u->uid >= 0 ? (unsigned)u->uid : 0)) == NULL)
		return w->nf == nf ? 0 : -1;
	x->unix_ = 1;
	snprintf(x->path, sizeof(x->path), "%s", u->name);
	x->rcvbuf = u->has_mem ? u->rcvbuf : 0;
	x->rmem = 0;
	return 0;
}

/* --- the threads ---------------------------------------------------- */

/* Counts one thread of p under the call's name. */
static void
count_call(struct waits_proc *p, const char *name)
{
	for (int i = 0; i < p->ncount; i++)
		if (strcmp(p->count[i].syscall, name) == 0) {
			p->count[i].threads++;
			return;
		}
	if (p->ncount == WAITS_MAX_CALLS) {
		/* the last one gathers the rest */
		p->count[WAITS_MAX_CALLS - 1].syscall = "other";
		p->count[WAITS_MAX_CALLS - 1].threads++;
		return;
	}
	p->count[p->ncount].syscall = name;
	p->count[p->ncount].threads = 1;
	p->ncount++;
}

/* Whether thread t is stopped (by a signal or a tracer), not waiting. */
static int
stopped(const struct task_wait *t)
{
	return t->state == 'T' || t->state == 't';
}

/*
 * A summary line of p: "N threads wait in WHAT" (the same wait of several
 * threads counted once); what is "accept() on 0.0.0.0:8080". A stopped
 * thread waits for nothing until it is resumed: its line is "N threads
 * are stopped in WHAT".
 */
static void
add_line(struct waits_proc *p, const struct task_wait *t, const char *what)
{
	int stop = stopped(t);
	char *l;
	int n;

	for (int i = 0; i < p->nline; i++) {
		const char *s = strstr(p->line[i], " in ");

		if (s == NULL || p->stop[i] != stop || strcmp(s + 4, what) != 0)
			continue;
		n = atoi(p->line[i]) + 1;
		snprintf(p->line[i], sizeof(p->line[i]), "%d threads %s in "
		    "%.180s", n, stop ? "are stopped" : "wait", what);
		return;
	}
	if (p->nline == WAITS_MAX_LINES) {
		p->more++;
		return;
	}
	p->stop[p->nline] = (unsigned char)stop;
	l = p->line[p->nline++];
	snprintf(l, sizeof(p->line[0]), "1 thread %s in %.180s",
	    stop ? "is stopped" : "waits", what);
}

/* "127.0.0.1:5000 -> 127.0.0.1:8080", "0.0.0.0:8080", "unix /run/x". */
static void
sock_desc(const struct sockopts *o, char *buf, size_t len)
{
	char lo[ADDRSTR_MAX], re[ADDRSTR_MAX];

	if (o->domain == AF_UNIX) {
		const struct sockaddr_un *l = (const void *)&o->local;
		const struct sockaddr_un *r = (const void *)&o->remote;
		const char *n = r->sun_family == AF_UNIX && r->sun_path[0] ?
		    r->sun_path : l->sun_path[0] ? l->sun_path : NULL;
		char nm[91];	/* 90 bytes of the path, escaped (lib/esc) */

		if (n != NULL)
			esc_text(n, strnlen(n, sizeof(l->sun_path)), nm,
			    sizeof(nm));
		snprintf(buf, len, "a Unix %s socket%s%s",
		    o->type == SOCK_DGRAM ? "datagram" : "stream",
		    n != NULL ? " " : "", n != NULL ? nm : "");
		return;
	}
	if (o->domain != AF_INET && o->domain != AF_INET6) {
		snprintf(buf, len, "a socket");
		return;
	}
	sa_fmt((const struct sockaddr *)&o->local, lo, sizeof(lo));
	if (o->remote.ss_family == 0)
		snprintf(buf, len, "%s %s", o->protocol == IPPROTO_UDP ? "udp" :
		    "tcp", lo);
	else
		snprintf(buf, len, "%s %s -> %s", o->protocol == IPPROTO_UDP ?
		    "udp" : "tcp", lo, sa_fmt((const struct sockaddr *)
		    &o->remote, re, sizeof(re)));
}

/* The keepalive's time to find a dead peer, ms; -1: keepalive off. */
static long long
keep_ms(const struct sockopts *o)
{
	if (!o->keepalive)
		return -1;
	if (o->user_timeout_ms > 0)
		return o->user_timeout_ms;
	if (o->keepidle < 0 || o->keepintvl < 0 || o->keepcnt < 0)
		return -1;
	return ((long long)o->keepidle + (long long)o->keepintvl *
	    o->keepcnt) * 1000;
}

/* Whether thread t waited in the same call with the same arguments at
 * the first read. */
static int
same_wait(const struct tasks *a, const struct task_wait *t)
{
	const struct task_wait *x = tasks_find(a, t->tid);

	return x != NULL && x->nr == t->nr && x->kind == t->kind &&
	    memcmp(x->args, t->args, sizeof(x->args)) == 0;
}

/* The one socket of an inode, from a dump of some states. */
struct by_ino {
	unsigned long		ino;
	int			found;
	struct inetdiag_sock	d;
};

static int
by_ino_fn(const struct inetdiag_sock *d, void *arg)
{
	struct by_ino *b = arg;

	if (d->s.inode != b->ino)
		return 0;
	b->d = *d;
	b->found = 1;
	return 1;
}

/* Fills a blocked-* finding's common part. */
static struct wfind *
thread_find(struct waits *w, enum reason r, int dx, enum stage st, int pid,
    const struct task_wait *t, int fd, unsigned long ino,
    const struct sockopts *o, int pollish)
{
	struct tasks_fdinfo fi;
	struct inetdiag_sock d;
	struct by_ino b;
	struct wfind *x;

	if ((x = find_new(w, r, dx, st)) == NULL)
		return NULL;
	x->pid = pid;
	x->tid = t->tid;
	x->fd = fd;
	x->sys = t->name;
	x->pollish = pollish;
	x->o = *o;
	x->local = o->local;
	x->remote = o->remote;
	if (tasks_fdinfo(w->root, pid, fd, &fi) == 0)
		x->nonblock = (fi.flags & O_NONBLOCK) != 0;
	/*
	 * the keepalive or retransmission timer, as inet_diag shows it; a
	 * socket in SYN_SENT has no peer name yet: its destination is there
	 */
	if (o->remote.ss_family != 0) {
		if (inetdiag_lookup(w->root, IPPROTO_TCP, &o->local, &o->remote,
		    &d) == 0) {
			x->timer = d.timer;
			x->timer_ms = d.timer_ms;
		}
		/* the other end, when it is a socket of this machine */
		if (inetdiag_lookup(w->root, IPPROTO_TCP, &o->remote, &o->local,
		    &d) == 0 && d.s.state != PN_LISTEN && d.s.inode != 0) {
			x->peer_ino = d.s.inode;
			x->peer_uid = d.s.uid;
		}
		return x;
	}
	memset(&b, 0, sizeof(b));
	b.ino = ino;
	if (inetdiag_scan(w->root, IPPROTO_TCP, PN_STATE(PN_SYN_SENT),
	    by_ino_fn, &b) == 0 && b.found) {
		x->remote = b.d.s.remote;
		x->timer = b.d.timer;
		x->timer_ms = b.d.timer_ms;
	}
	return x;
}

/* "fd 7", for a wait whose socket could not be read. */
static void
line_fd(struct waits_proc *p, const struct task_wait *t, int fd,
    const char *why)
{
	char what[140];

	snprintf(what, sizeof(what), "%s() on fd %d%s", t->name, fd, why);
	add_line(p, t, what);
}

/*
 * Judges thread t of watched process i at the last read: a finding, or a
 * line of the summary. Returns 0 or -1 (ENOMEM).
 */
static int
judge_thread(struct waits *w, size_t i, const struct task_wait *t)
{
	struct waits_proc *p = &w->p[i];
	int fd = -1, pollish = 0, k, both;
	char what[180], desc[120];
	struct tasks_fdinfo fi;
	struct sockopts o;
	unsigned long ino;

	switch (t->kind) {
	case TK_RECV:
	case TK_CONNECT:
	case TK_ACCEPT:
	case TK_SEND:
		fd = t->fd;
		break;
	case TK_POLL:
	case TK_SELECT:
		if (!t->has_fds) {
			if (t->kind == TK_POLL)
				snprintf(what, sizeof(what), "%s() on %d "
				    "descriptor%s (which: not readable here)",
				    t->name, t->nfds, t->nfds == 1 ? "" : "s");
			else
				snprintf(what, sizeof(what), "%s() (which "
				    "descriptors: not readable here)", t->name);
			add_line(p, t, what);
			return 0;
		}
		if (t->nfds != 1) {
			snprintf(what, sizeof(what), "%s() on %d descriptors%s",
			    t->name, t->nfds, t->forever ? "" :
			    ", with a timeout");
			add_line(p, t, what);
			return 0;
		}
		fd = t->fds[0];
		pollish = 1;
		break;
	case TK_EPOLL:
		if (t->fd < 0 || tasks_fdinfo(w->root, p->pid, t->fd, &fi) ==
		    -1) {
			snprintf(what, sizeof(what), "%s() on fd %d", t->name,
			    t->fd);
			add_line(p, t, what);
			return 0;
		}
		if (fi.ntfd != 1) {
			snprintf(what, sizeof(what),
			    "%s() on %d descriptor%s%s", t->name, fi.ntfd,
			    fi.ntfd == 1 ? "" : "s", t->forever ? "" :
			    ", with a timeout");
			add_line(p, t, what);
			return 0;
		}
		fd = fi.tfd[0];
		pollish = 1;
		break;
	default:
		return 0;
	}
	if (fd < 0 || (k = tasks_fd(w->root, p->pid, fd, &ino)) != FDK_SOCKET)
		return 0;	/* a pipe, a terminal, a file: not ours */
	/* below a fixture tree the pid is no process of this machine */
	if (strcmp(w->root, "/proc") != 0) {
		line_fd(p, t, fd, ", a socket");
		return 0;
	}
	if (sockopts_read(p->pid, fd, &o) == -1) {
		line_fd(p, t, fd, errno == EPERM || errno == EACCES ?
		    " (its limits: run as root to read them)" : "");
		return 0;
	}
	sock_desc(&o, desc, sizeof(desc));
	both = w->sample_ms > 0 && same_wait(&w->ta[i], t);
	if (o.has_info && o.type == SOCK_STREAM && o.state == TCP_ESTABLISHED &&
	    (t->kind == TK_RECV || (pollish && t->forever))) {
		long long km = keep_ms(&o);
		int bounded = t->kind == TK_RECV && o.rcvtimeo_ms > 0;

		if (both && !bounded && (int64_t)o.last_data_recv >=
		    w->sample_ms && (km < 0 || km > o.last_data_recv)) {
			snprintf(what, sizeof(what),
			    "%s() on %s (blocked-recv)", t->name, desc);
			add_line(p, t, what);
			return thread_find(w, RS_BLOCKED_RECV, DX_BLOCKED_RECV,
			    ST_RECV, p->pid, t, fd, ino, &o, pollish) ==
			    NULL ? -1 : 0;
		}
		if (bounded)
			snprintf(what, sizeof(what), "%s() on %s, receive "
			    "timeout %.3g s", t->name, desc,
			    (double)o.rcvtimeo_ms / 1000);
		else
			snprintf(what, sizeof(what), "%s() on %s%s", t->name,
			    desc, km >= 0 ? ", keepalive on" : "");
		add_line(p, t, what);
		return 0;
	}
	if (o.has_info && o.type == SOCK_STREAM && o.state == TCP_SYN_SENT &&
	    (t->kind == TK_CONNECT || (pollish && t->forever))) {
		int bounded = (t->kind == TK_CONNECT && o.sndtimeo_ms > 0) ||
		    o.user_timeout_ms > 0;

		if (!bounded && (both || w->sample_ms == 0) &&
		    (o.retransmits > 0 || o.total_retrans > 0)) {
			struct wfind *x = thread_find(w, RS_BLOCKED_CONNECT,
			    DX_BLOCKED_CONNECT, ST_CONNECT, p->pid, t, fd, ino,
			    &o, pollish);
			long v;

			if (x == NULL)
				return -1;
			snprintf(what, sizeof(what), "%s() on %s "
			    "(blocked-connect)", t->name, desc);
			add_line(p, t, what);
			if (o.syncnt > 0 && si_read_long(w->root,
			    "sys/net/ipv4/tcp_syn_retries", &v) == 0 &&
			    v != o.syncnt)
				x->syn_own = 1;
			if (o.syncnt > 0)
				x->syn_retries = o.syncnt;
			else if (si_read_long(w->root,
			    "sys/net/ipv4/tcp_syn_retries", &v) == 0)
				x->syn_retries = v;
			return 0;
		}
		snprintf(what, sizeof(what), "%s() on %s%s", t->name, desc,
		    bounded ? ", with a timeout" : "");
		add_line(p, t, what);
		return 0;
	}
	snprintf(what, sizeof(what), "%s() on %s", t->name, desc);
	add_line(p, t, what);
	return 0;
}

/* The name a thread's wait is counted under. */
static const char *
call_name(const struct task_wait *t)
{
	switch (t->kind) {
	case TK_RUNNING:
		return "running";
	case TK_UNKNOWN:
		return "unknown";
	case TK_NOSYS:
		return "none";
	default:
		return t->name != NULL ? t->name : "other";
	}
}

int
waits_judge(struct waits *w)
{
	/* the owners of dropping sockets: what do their threads do? */
	for (size_t i = 0; i < w->nf; i++)
		if (w->f[i].reason == RS_UDP_DROPS && w->f[i].pid > 0 &&
		    waits_also(w, w->f[i].pid) == -1)
			return -1;
	for (size_t i = 0; i < w->np; i++) {
		struct waits_proc *p = &w->p[i];
		struct tasks b;

		if (tasks_read(w->root, p->pid, &b) == -1) {
			if (errno == ENOMEM)
				return -1;
			if (errno == EACCES || errno == EPERM)
				p->denied = 1;
			else
				p->gone = 1;
			continue;
		}
		p->threads = (int)(b.n + b.more);
		if (b.denied > 0 && (size_t)b.denied >= b.n)
			p->denied = 1;
		for (size_t j = 0; j < b.n && !p->denied; j++) {
			count_call(p, call_name(&b.t[j]));
			if (b.t[j].kind != TK_RUNNING && b.t[j].name != NULL &&
			    judge_thread(w, i, &b.t[j]) == -1) {
				tasks_free(&b);
				return -1;
			}
		}
		tasks_free(&b);
	}
	return (int)w->nf;
}

int
waits_describe(const char *root, int pid, char *buf, size_t len)
{
	struct tasks b;
	size_t l = 0;
	int n = 0;

	if (len > 0)
		buf[0] = '\0';
	if (tasks_read(root, pid, &b) == -1)
		return -1;
	if (b.denied > 0 && (size_t)b.denied >= b.n) {
		tasks_free(&b);
		errno = EACCES;
		return -1;
	}
	for (size_t i = 0; i < b.n && l + 1 < len; i++) {
		const struct task_wait *t = &b.t[i];
		const char *verb;
		char desc[120] = "";
		struct sockopts o;
		unsigned long ino;
		int fd = t->kind == TK_POLL || t->kind == TK_SELECT ? -1 :
		    t->fd;

		if (t->kind == TK_RUNNING || t->name == NULL)
			continue;
		if (fd >= 0 && strcmp(root, "/proc") == 0 &&
		    tasks_fd(root, pid, fd, &ino) == FDK_SOCKET &&
		    sockopts_read(pid, fd, &o) == 0)
			sock_desc(&o, desc, sizeof(desc));
		verb = stopped(t) ? "is stopped" : "waits";
		if (fd >= 0)
			snprintf(buf + l, len - l, "%sthread %d %s in %s() "
			    "on fd %d%s%s", n > 0 ? "; " : "", t->tid, verb,
			    t->name, fd, desc[0] ? ", " : "", desc);
		else
			snprintf(buf + l, len - l, "%sthread %d %s in %s()",
			    n > 0 ? "; " : "", t->tid, verb, t->name);
		l = strlen(buf);
		n++;
	}
	tasks_free(&b);
	return n;
}

int
waits_judge_with(struct waits *w, struct findings *f, struct owners *o,
    int *nf)
{
	struct sockaddr_storage re;
	int nw, pid;

	if ((*nf = findings_judge(f, o)) < 0)
		return -1;
	for (int i = 0; i < *nf; i++)
		if ((pid = findings_pid(f, (size_t)i)) > 0 &&
		    waits_also(w, pid) == -1)
			return -1;
	if ((nw = waits_judge(w)) < 0)
		return -1;
	for (int i = 0; i < nw; i++)
		if (waits_connect(w, (size_t)i, &pid, &re))
			*nf = findings_forget_syn(f, pid, &re);
	return nw;
}

int
waits_connect(const struct waits *w, size_t i, int *pid,
    struct sockaddr_storage *remote)
{
	if (i >= w->nf || w->f[i].reason != RS_BLOCKED_CONNECT ||
	    w->f[i].remote.ss_family == 0)
		return 0;
	*pid = w->f[i].pid;
	*remote = w->f[i].remote;
	return 1;
}

const struct waits_proc *
waits_procs(const struct waits *w, size_t *n)
{
	*n = w->np;
	return w->p;
}
