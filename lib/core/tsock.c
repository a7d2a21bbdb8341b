#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <linux/tcp.h>

#include "clock.h"
#include "sockopts.h"
#include "tsock.h"
#include "tspriv.h"

#define TCP_CLOSE_WAIT_ST	8	/* enum pn_state / tcp_states.h */

static const char *const stage_names[TSK__COUNT] = {
	"socket", "bind", "listen", "accept", "connect", "shutdown",
	"close", "send", "recv",
};

const char *
tsk_name(enum ts_stage st)
{
	return st < TSK__COUNT ? stage_names[st] : "?";
}

const char *
tse_name(enum ts_end e)
{
	switch (e) {
	case TSE_OPEN:		return "open";
	case TSE_CLOSED:	return "closed";
	case TSE_PEER_FIRST:	return "peer-closed-first";
	case TSE_RESET:		return "reset";
	case TSE_EXIT:		return "exit";
	case TSE_FAILED:	return "failed";
	}
	return "?";
}

static unsigned
hash_u(unsigned v, size_t n)
{
	return (unsigned)((v * 2654435761u) % n);
}

/* Processes and descriptors */

struct ts_proc *
tsp_proc(struct ts *t, pid_t tgid, int make)
{
	struct ts_proc *p;
	unsigned h = hash_u((unsigned)tgid, TS_BUCKETS);

	for (p = t->pr[h]; p != NULL; p = p->next)
		if (p->tgid == tgid)
			return p;
	if (!make || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->tgid = tgid;
	p->pidfd = -1;
	p->next = t->pr[h];
	t->pr[h] = p;
	return p;
}

struct ts_fd *
tsp_fd(struct ts_proc *p, int fd)
{
	struct ts_fd *e;

	if (p == NULL || p->nb == 0)
		return NULL;
	for (e = p->fb[hash_u((unsigned)fd, p->nb)]; e != NULL; e = e->next)
		if (e->fd == fd)
			return e;
	return NULL;
}

/* Doubles p's buckets when it holds more descriptors than buckets. */
static int
grow(struct ts_proc *p)
{
	size_t nb = p->nb ? p->nb * 2 : TS_FDB;
	struct ts_fd **fb, *e, *n;

	if (p->nb != 0 && p->nfd < p->nb)
		return 0;
	if ((fb = calloc(nb, sizeof(*fb))) == NULL)
		return p->nb ? 0 : -1;	/* longer chains, still right */
	for (size_t i = 0; i < p->nb; i++)
		for (e = p->fb[i]; e != NULL; e = n) {
			n = e->next;
			e->next = fb[hash_u((unsigned)e->fd, nb)];
			fb[hash_u((unsigned)e->fd, nb)] = e;
		}
	free(p->fb);
	p->fb = fb;
	p->nb = nb;
	return 0;
}

struct ts_sock *
tsp_sock_new(struct ts *t, pid_t pid, int fd, int family, int type)
{
	struct ts_sock *s;

	if (t->nsocks >= TS_MAX_SOCKS || (s = calloc(1, sizeof(*s))) == NULL) {
		t->dropped++;
		return NULL;
	}
	s->id = ++t->next_id;
	s->pid = pid;
	s->fd = fd;
	s->family = family;
	s->type = type;
	s->state = -1;
	s->t_open = clock_ns();
	s->next = t->socks;
	if (t->socks != NULL)
		t->socks->prev = s;
	t->socks = s;
	t->nsocks++;
	return s;
}

static void
sock_free(struct ts *t, struct ts_sock *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		t->socks = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	t->nsocks--;
	free(s);
}

/*
 * Adds descriptor fd of p for s (replacing what fd was). Returns 0, or
 * -1 when the table is full (s is then not followed through fd).
 */
int
tsp_fd_add(struct ts *t, struct ts_proc *p, int fd, struct ts_sock *s,
    int cloexec)
{
	struct ts_fd *e;
	unsigned h;

	if (tsp_fd(p, fd) != NULL)
		tsp_fd_drop(t, p, fd, NULL, TSE_CLOSED);
	if (t->nfds >= TS_MAX_FDS || grow(p) == -1 ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		t->dropped++;
		if (s->refs == 0)
			sock_free(t, s);
		return -1;
	}
	e->fd = fd;
	e->cloexec = cloexec;
	e->s = s;
	h = hash_u((unsigned)fd, p->nb);
	e->next = p->fb[h];
	p->fb[h] = e;
	p->nfd++;
	t->nfds++;
	s->refs++;
	return 0;
}

void
tsp_ev_init(struct ts_event *e, enum ts_kind k, enum ts_stage st,
    const struct ts_sock *s, const struct pt_sys *sys, int fd)
{
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->stage = st;
	e->s = s;
	e->pid = sys ? sys->tgid : s ? s->pid : 0;
	e->tid = sys ? sys->tid : e->pid;
	e->fd = fd;
	e->state = s ? s->state : -1;
	e->v6only = -1;
	e->t_ns = clock_ns();
}

void
tsp_emit(struct ts *t, struct ts_event *e)
{
	if (t->fn != NULL)
		t->fn(t->arg, e);
}

void
tsp_problem(struct ts *t, struct ts_sock *s, const struct pt_sys *sys,
    int fd, enum ts_problem pb, int64_t wait_ns)
{
	struct ts_event e;

	tsp_ev_init(&e, TSE_PROBLEM, TSK_CLOSE, s, sys, fd);
	e.problem = pb;
	e.wait_ns = wait_ns;
	e.end = t->ending;
	if (s != NULL)
		e.addr = s->remote;
	tsp_emit(t, &e);
}

/* The socket's life is over: its summary, then its record goes. */
static void
sock_end(struct ts *t, struct ts_sock *s, const struct pt_sys *sys, int fd,
    enum ts_end how)
{
	struct ts_event e;

	if (s->failed)
		how = TSE_FAILED;
	else if (how == TSE_CLOSED) {
		if (s->reset)
			how = TSE_RESET;
		else if (s->peer_closed)
			how = TSE_PEER_FIRST;
	}
	tsp_ev_init(&e, TSE_SUMMARY, TSK_CLOSE, s, sys, fd);
	e.end = how;
	tsp_emit(t, &e);
	sock_free(t, s);
}

/*
 * Drops descriptor fd of p; when it was its socket's last, the socket
 * ends as how says.
 */
void
tsp_fd_drop(struct ts *t, struct ts_proc *p, int fd, const struct pt_sys *sys,
    enum ts_end how)
{
	struct ts_fd **pp, *e;

	if (p == NULL || p->nb == 0)
		return;
	for (pp = &p->fb[hash_u((unsigned)fd, p->nb)]; (e = *pp) != NULL;
	    pp = &e->next) {
		if (e->fd != fd)
			continue;
		*pp = e->next;
		p->nfd--;
		t->nfds--;
		if (--e->s->refs == 0)
			sock_end(t, e->s, sys, fd, how);
		free(e);
		return;
	}
}

/* The socket's own facts */

/*
 * Returns a descriptor of sockctl's own for descriptor fd of process p
 * (pidfd_getfd()), or -1. The caller closes it at once: holding it
 * would keep the socket open past the program's close().
 */
int
tsp_getfd(struct ts *t, struct ts_proc *p, int fd)
{
	(void)t;
	if (p->pidfd == -1) {
		p->pidfd = pidfd_of(p->tgid);
		if (p->pidfd == -1)
			p->pidfd = -2;	/* pidfds are close-on-exec */
	}
	if (p->pidfd < 0)
		return -1;
	return pidfd_dup(p->pidfd, fd);
}

/*
 * The addresses of the socket dfd into s (what the kernel says now; the
 * peer only while s has none).
 */
void
tsp_addrs(struct ts_sock *s, int dfd)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (getsockname(dfd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family != AF_UNSPEC && (ss.ss_family != AF_UNIX ||
	    len > offsetof(struct sockaddr_un, sun_path)))
		s->local = ss;
	if (s->remote.ss_family != 0)
		return;	/* connect()'s own address: the peer cannot change */
	memset(&ss, 0, sizeof(ss));
	len = sizeof(ss);
	if (getpeername(dfd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family != AF_UNSPEC)
		s->remote = ss;
}

/*
 * The TCP state of dfd (tcp_states.h numbering) with the bytes the peer
 * acknowledged and the bytes received, or -1 for no TCP socket.
 */
int
tsp_state(int dfd, uint64_t *acked, uint64_t *rcvd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(dfd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	if (acked != NULL && len >= offsetof(struct tcp_info,
	    tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received)) {
		*acked = ti.tcpi_bytes_acked;
		*rcvd = ti.tcpi_bytes_received;
	}
	return ti.tcpi_state;
}

/*
 * A descriptor the trace has not seen made (inherited, or open before an
 * attach): followed from its first socket call, when it is an IP or Unix
 * socket. Returns the socket, or NULL.
 */
struct ts_sock *
tsp_adopt(struct ts *t, struct ts_proc *p, int fd)
{
	struct ts_sock *s;
	int dfd, dom = 0, type = 0;
	socklen_t len = sizeof(int);

	if ((dfd = tsp_getfd(t, p, fd)) == -1)
		return NULL;
	if (getsockopt(dfd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == -1 ||
	    (dom != AF_INET && dom != AF_INET6 && dom != AF_UNIX)) {
		close(dfd);
		return NULL;
	}
	len = sizeof(int);
	(void)getsockopt(dfd, SOL_SOCKET, SO_TYPE, &type, &len);
	if ((s = tsp_sock_new(t, p->tgid, fd, dom, type)) == NULL) {
		close(dfd);
		return NULL;
	}
	s->adopted = 1;
	tsp_addrs(s, dfd);
	s->state = tsp_state(dfd, NULL, NULL);
	s->listening = s->state == 10;
	s->connected = s->remote.ss_family != 0;
	close(dfd);
	if (tsp_fd_add(t, p, fd, s, 0) == -1)
		return NULL;
	return s;
}

/* Processes come and go */

static void
on_fork(void *arg, pid_t parent, pid_t child, int files)
{
	struct ts *t = arg;
	struct ts_proc *pp = tsp_proc(t, parent, 0), *cp;
	struct ts_fd *e;

	(void)files;	/* a shared table is followed as a copy */
	if (pp == NULL || pp->nfd == 0 || (cp = tsp_proc(t, child, 1)) == NULL)
		return;
	for (size_t i = 0; i < pp->nb; i++)
		for (e = pp->fb[i]; e != NULL; e = e->next)
			(void)tsp_fd_add(t, cp, e->fd, e->s, e->cloexec);
}

static void
proc_free(struct ts *t, struct ts_proc *p, const struct pt_sys *sys,
    enum ts_end how)
{
	struct ts_proc **pp;
	struct ts_fd *e;
	unsigned h = hash_u((unsigned)p->tgid, TS_BUCKETS);

	t->ending = how;
	for (size_t i = 0; i < p->nb; i++)
		while ((e = p->fb[i]) != NULL) {
			struct ts_sock *s = e->s;
			if (s->refs == 1 && s->family != AF_UNIX) {
				int dfd = tsp_getfd(t, p, e->fd);
				if (dfd >= 0) {
					s->state = tsp_state(dfd, NULL, NULL);
					close(dfd);
				}
				if (s->state == TCP_CLOSE_WAIT_ST)
					tsp_problem(t, s, sys, e->fd,
					    TSP_CLOSE_WAIT, 0);
			}
			tsp_fd_drop(t, p, e->fd, sys, how);
		}
	free(p->fb);
	if (p->pidfd >= 0)
		close(p->pidfd);
	for (pp = &t->pr[h]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

static void
on_proc_exit(void *arg, pid_t tgid)
{
	struct ts *t = arg;
	struct ts_proc *p = tsp_proc(t, tgid, 0);
	struct pt_sys sys;

	if (p == NULL)
		return;
	memset(&sys, 0, sizeof(sys));
	sys.tgid = sys.tid = tgid;
	proc_free(t, p, &sys, TSE_EXIT);
}

static void
on_exec(void *arg, pid_t tgid)
{
	struct ts *t = arg;
	struct ts_proc *p = tsp_proc(t, tgid, 0);
	struct ts_fd *e, *n;
	struct pt_sys sys;

	if (p == NULL)
		return;
	memset(&sys, 0, sizeof(sys));
	sys.tgid = sys.tid = tgid;
	for (size_t i = 0; i < p->nb; i++)
		for (e = p->fb[i]; e != NULL; e = n) {
			n = e->next;
			if (e->cloexec)
				tsp_fd_drop(t, p, e->fd, &sys, TSE_CLOSED);
		}
}

struct ts *
ts_new(ts_event_fn *fn, void *arg, int64_t slow_ns, int io)
{
	struct ts *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->slow_ns = slow_ns;
	t->io = io;
	t->close_fd = -1;
	return t;
}

void
ts_free(struct ts *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < TS_BUCKETS; i++)
		while (t->pr[i] != NULL) {
			struct pt_sys sys;
			memset(&sys, 0, sizeof(sys));
			sys.tgid = sys.tid = t->pr[i]->tgid;
			/* still running (detached): its sockets stay open */
			proc_free(t, t->pr[i], &sys, TSE_OPEN);
		}
	free(t);
}

void
ts_hooks(struct ts *t, struct pt_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->entry = tsp_on_entry;
	h->exit = tsp_on_exit;
	h->fork = on_fork;
	h->exec = on_exec;
	h->proc_exit = on_proc_exit;
	h->arg = t;
}

uint64_t
ts_dropped(const struct ts *t)
{
	return t->dropped;
}
