#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "clock.h"
#include "tsock.h"
#include "tspriv.h"

#ifndef ERESTARTSYS
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif
#define MMSG_MAX	64	/* mmsghdr lengths read of one call */
#define TCP_ESTABLISHED_ST	1
#define TCP_SYN_SENT_ST		2
#define TCP_LISTEN_ST		10

/* The normal course of non-blocking or interrupted code: no failure. */
static int
benign(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == EINPROGRESS || err == EALREADY || err == ERESTARTSYS ||
	    err == ERESTARTNOINTR || err == ERESTARTNOHAND ||
	    err == ERESTART_RESTARTBLOCK;
}

/* Reads the sockaddr of len bytes at addr of thread tid into ss. */
static int
read_sa(pid_t tid, uint64_t addr, uint64_t len, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr == 0 || len < sizeof(sa_family_t))
		return -1;
	if (len > sizeof(*ss))
		len = sizeof(*ss);
	if (pt_read(tid, addr, ss, (size_t)len) != (ssize_t)len)
		return -1;
	return 0;
}

/* The socket behind descriptor fd of sys's process (adopted if new). */
static struct ts_sock *
sock_of(struct ts *t, const struct pt_sys *sys, int fd, struct ts_proc **pp)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 1);
	struct ts_fd *e;

	*pp = p;
	if (p == NULL || fd < 0)
		return NULL;
	if ((e = tsp_fd(p, fd)) != NULL)
		return e->s;
	return tsp_adopt(t, p, fd);
}

/* Refreshes s's addresses and TCP state from the socket itself. */
static void
refresh(struct ts *t, struct ts_proc *p, struct ts_sock *s, int fd)
{
	int dfd = tsp_getfd(t, p, fd);

	if (dfd == -1)
		return;
	tsp_addrs(s, dfd);
	s->state = tsp_state(dfd, NULL, NULL);
	close(dfd);
}

static void
stage(struct ts *t, struct ts_sock *s, const struct pt_sys *sys, int fd,
    enum ts_stage st, enum ts_via via)
{
	struct ts_event e;

	tsp_ev_init(&e, TSE_STAGE, st, s, sys, fd);
	e.via = via;
	e.wait_ns = sys->exit_ns - sys->entry_ns;
	tsp_emit(t, &e);
}

/* A failed call: its facts, for the evidence gathered while it is held. */
static void
failed(struct ts *t, struct ts_proc *p, struct ts_sock *s,
    const struct pt_sys *sys, int fd, enum ts_stage st, int err,
    const struct sockaddr_storage *addr, enum ts_via via)
{
	struct ts_event e;
	int dfd, v;
	socklen_t len;

	tsp_ev_init(&e, TSE_FAIL, st, s, sys, fd);
	e.err = err;
	e.via = via;
	e.wait_ns = sys->exit_ns - sys->entry_ns;
	if (addr != NULL)
		e.addr = *addr;
	if (s != NULL && p != NULL && (dfd = tsp_getfd(t, p, fd)) != -1) {
		len = sizeof(v);
		if (getsockopt(dfd, SOL_SOCKET, SO_REUSEPORT, &v, &len) == 0)
			e.reuseport = v != 0;
		len = sizeof(v);
		if (s->family == AF_INET6 && getsockopt(dfd, IPPROTO_IPV6,
		    IPV6_V6ONLY, &v, &len) == 0)
			e.v6only = v != 0;
		e.nonblock = (fcntl(dfd, F_GETFL) & O_NONBLOCK) != 0;
		close(dfd);
	}
	tsp_emit(t, &e);
}

/* A connect in progress learned its outcome (err 0: connected). */
static void
outcome(struct ts *t, struct ts_proc *p, struct ts_sock *s,
    const struct pt_sys *sys, int fd, int err, enum ts_via via)
{
	s->connecting = 0;
	if (err != 0) {
		s->failed = 1;
		failed(t, p, s, sys, fd, TSK_CONNECT, err, &s->remote, via);
		return;
	}
	s->connected = 1;
	if (via == TSV_CALL && s->type == SOCK_STREAM && s->family != AF_UNIX) {
		/* a blocking connect() that returned 0: ESTABLISHED, and
		 * only the local port is news (one call fewer a connect) */
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int dfd = tsp_getfd(t, p, fd);

		if (dfd != -1) {
			memset(&ss, 0, sizeof(ss));
			if (getsockname(dfd, (struct sockaddr *)&ss, &len) == 0)
				s->local = ss;
			close(dfd);
		}
		s->state = TCP_ESTABLISHED_ST;
	} else {
		refresh(t, p, s, fd);
	}
	stage(t, s, sys, fd, TSK_CONNECT, via);
}

static void
on_socket(struct ts *t, const struct pt_sys *sys)
{
	int dom = (int)sys->args[0], type = (int)sys->args[1];
	struct ts_proc *p;
	struct ts_sock *s;

	if (dom != AF_INET && dom != AF_INET6 && dom != AF_UNIX)
		return;
	if (sys->is_error) {
		failed(t, NULL, NULL, sys, -1, TSK_SOCKET, (int)-sys->rval,
		    NULL, TSV_CALL);
		return;
	}
	if ((p = tsp_proc(t, sys->tgid, 1)) == NULL ||
	    (s = tsp_sock_new(t, sys->tgid, (int)sys->rval, dom,
	    type & 0xf)) == NULL)
		return;
	if (tsp_fd_add(t, p, (int)sys->rval, s, (type & SOCK_CLOEXEC) != 0))
		return;
	stage(t, s, sys, (int)sys->rval, TSK_SOCKET, TSV_CALL);
}

static void
on_socketpair(struct ts *t, const struct pt_sys *sys)
{
	int fds[2], type = (int)sys->args[1];
	struct ts_proc *p;
	struct ts_sock *s;

	if (sys->is_error || sys->args[0] != AF_UNIX ||
	    pt_read(sys->tid, sys->args[3], fds, sizeof(fds)) !=
	    (ssize_t)sizeof(fds) || (p = tsp_proc(t, sys->tgid, 1)) == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		if ((s = tsp_sock_new(t, sys->tgid, fds[i], AF_UNIX,
		    type & 0xf)) == NULL)
			return;
		s->connected = 1;
		if (tsp_fd_add(t, p, fds[i], s, (type & SOCK_CLOEXEC) != 0))
			return;
		stage(t, s, sys, fds[i], TSK_SOCKET, TSV_CALL);
	}
}

static void
on_accept(struct ts *t, const struct pt_sys *sys, int flags)
{
	int fd = (int)sys->args[0], nfd = (int)sys->rval;
	struct ts_proc *p;
	struct ts_sock *l, *s;

	l = sock_of(t, sys, fd, &p);
	if (sys->is_error) {
		int err = (int)-sys->rval;
		if (l != NULL && !benign(err) && err != ECONNABORTED)
			failed(t, p, l, sys, fd, TSK_ACCEPT, err, &l->local,
			    TSV_CALL);
		return;
	}
	if (l == NULL || (s = tsp_sock_new(t, sys->tgid, nfd, l->family,
	    l->type)) == NULL)
		return;
	s->accepted = 1;
	s->connected = 1;
	if (tsp_fd_add(t, p, nfd, s, (flags & SOCK_CLOEXEC) != 0))
		return;
	refresh(t, p, s, nfd);
	stage(t, s, sys, nfd, TSK_ACCEPT, TSV_CALL);
}

static void
on_bind(struct ts *t, const struct pt_sys *sys)
{
	int fd = (int)sys->args[0];
	struct sockaddr_storage ss;
	struct ts_proc *p;
	struct ts_sock *s;

	if ((s = sock_of(t, sys, fd, &p)) == NULL ||
	    read_sa(sys->tid, sys->args[1], sys->args[2], &ss) == -1)
		return;
	if (sys->is_error) {
		failed(t, p, s, sys, fd, TSK_BIND, (int)-sys->rval, &ss,
		    TSV_CALL);
		return;
	}
	s->local = ss;
	refresh(t, p, s, fd);	/* port 0: the port the kernel chose */
	stage(t, s, sys, fd, TSK_BIND, TSV_CALL);
}

static void
on_connect(struct ts *t, const struct pt_sys *sys)
{
	int fd = (int)sys->args[0], err = (int)-sys->rval;
	struct sockaddr_storage ss;
	struct ts_proc *p;
	struct ts_sock *s;
	int64_t took = sys->exit_ns - sys->entry_ns;

	if ((s = sock_of(t, sys, fd, &p)) == NULL ||
	    read_sa(sys->tid, sys->args[1], sys->args[2], &ss) == -1 ||
	    ss.ss_family == AF_UNSPEC)
		return;
	if (!sys->is_error) {
		s->remote = ss;
		outcome(t, p, s, sys, fd, 0, s->connecting ? TSV_AGAIN :
		    TSV_CALL);
	} else if (err == EINPROGRESS || err == EINTR || err == EAGAIN ||
	    err == ERESTARTSYS) {
		/* goes on in the background; the program learns how it
		 * went by SO_ERROR, a later connect(), or its first I/O */
		s->remote = ss;
		s->connecting = 1;
		refresh(t, p, s, fd);
		stage(t, s, sys, fd, TSK_CONNECT, TSV_CALL);
	} else if (err == EISCONN && s->connecting) {
		outcome(t, p, s, sys, fd, 0, TSV_AGAIN);
	} else if (err != EALREADY && err != EISCONN) {
		s->remote = ss;
		s->failed = 1;
		s->connecting = 0;
		failed(t, p, s, sys, fd, TSK_CONNECT, err, &ss, TSV_CALL);
	}
	if (t->slow_ns > 0 && took > t->slow_ns && !s->sndtimeo)
		tsp_problem(t, s, sys, fd, TSP_BLOCKED_CONNECT, took);
}

static void
on_getsockopt(struct ts *t, const struct pt_sys *sys)
{
	int fd = (int)sys->args[0], v = 0;
	struct ts_proc *p;
	struct ts_sock *s;

	if (sys->is_error || sys->args[1] != SOL_SOCKET ||
	    sys->args[2] != SO_ERROR)
		return;
	if ((s = sock_of(t, sys, fd, &p)) == NULL || !s->connecting ||
	    pt_read(sys->tid, sys->args[3], &v, sizeof(v)) != sizeof(v))
		return;
	if (v != 0) {
		outcome(t, p, s, sys, fd, v, TSV_SO_ERROR);
		return;
	}
	/* 0 before the handshake ended means only "no error yet" */
	refresh(t, p, s, fd);
	if (s->state != TCP_SYN_SENT_ST)
		outcome(t, p, s, sys, fd, 0, TSV_SO_ERROR);
}

static void
on_setsockopt(struct ts *t, const struct pt_sys *sys)
{
	struct timeval tv;
	struct ts_proc *p;
	struct ts_sock *s;

	if (sys->is_error || sys->args[1] != SOL_SOCKET ||
	    (sys->args[2] != SO_RCVTIMEO && sys->args[2] != SO_SNDTIMEO))
		return;
	if ((s = sock_of(t, sys, (int)sys->args[0], &p)) == NULL)
		return;
	memset(&tv, 0, sizeof(tv));
	if (pt_read(sys->tid, sys->args[3], &tv, sizeof(tv)) !=
	    (ssize_t)sizeof(tv))
		return;
	if (sys->args[2] == SO_RCVTIMEO)
		s->rcvtimeo = tv.tv_sec != 0 || tv.tv_usec != 0;
	else
		s->sndtimeo = tv.tv_sec != 0 || tv.tv_usec != 0;
}

/* Bytes of a sendmmsg()/recvmmsg() that moved n messages. */
static uint64_t
mmsg_bytes(const struct pt_sys *sys, long n)
{
	struct mmsghdr m[MMSG_MAX];
	uint64_t b = 0;

	if (n > MMSG_MAX)
		n = MMSG_MAX;
	if (n <= 0 || pt_read(sys->tid, sys->args[1], m, sizeof(m[0]) *
	    (size_t)n) != (ssize_t)(sizeof(m[0]) * (size_t)n))
		return 0;
	for (long i = 0; i < n; i++)
		b += m[i].msg_len;
	return b;
}

static void
on_io(struct ts *t, const struct pt_sys *sys, int send)
{
	int fd = (int)sys->args[0], err = (int)-sys->rval;
	int mm = sys->nr == SYS_sendmmsg || sys->nr == SYS_recvmmsg;
	enum ts_stage st = send ? TSK_SEND : TSK_RECV;
	int64_t took = sys->exit_ns - sys->entry_ns;
	struct ts_proc *p;
	struct ts_sock *s;
	struct ts_event e;
	uint64_t n;

	if ((s = sock_of(t, sys, fd, &p)) == NULL)
		return;
	if (sys->is_error) {
		if (benign(err))
			return;
		if (s->connecting) {
			outcome(t, p, s, sys, fd, err, TSV_IO);
			return;
		}
		if (err == ECONNRESET || err == EPIPE)
			s->reset = 1;
		failed(t, p, s, sys, fd, st, err, &s->remote, TSV_CALL);
		return;
	}
	if (s->connecting)
		outcome(t, p, s, sys, fd, 0, TSV_IO);
	n = mm ? mmsg_bytes(sys, (long)sys->rval) : (uint64_t)sys->rval;
	if (send) {
		s->sent += n;
		s->nsend++;
	} else {
		s->rcvd += n;
		s->nrecv++;
		if (n == 0 && !mm && s->type == SOCK_STREAM && !s->peer_closed) {
			s->peer_closed = 1;
			s->t_peer_closed = sys->exit_ns;
		}
	}
	if (t->io) {
		tsp_ev_init(&e, TSE_IO, st, s, sys, fd);
		e.bytes = n;
		e.eof = !send && n == 0 && s->type == SOCK_STREAM;
		e.wait_ns = took;
		tsp_emit(t, &e);
	}
	if (!send && t->slow_ns > 0 && took > t->slow_ns && !s->rcvtimeo)
		tsp_problem(t, s, sys, fd, TSP_BLOCKED_RECV, took);
}

static void
on_simple(struct ts *t, const struct pt_sys *sys, enum ts_stage st)
{
	int fd = (int)sys->args[0];
	struct ts_proc *p;
	struct ts_sock *s;

	if ((s = sock_of(t, sys, fd, &p)) == NULL)
		return;
	if (sys->is_error) {
		failed(t, p, s, sys, fd, st, (int)-sys->rval, &s->local,
		    TSV_CALL);
		return;
	}
	if (st == TSK_LISTEN)
		s->listening = 1;
	refresh(t, p, s, fd);
	stage(t, s, sys, fd, st, TSV_CALL);
}

/*
 * close(): the facts were read at its entry (its socket may be gone at
 * exit); the state after is the kernel's next one.
 */
static void
on_close(struct ts *t, const struct pt_sys *sys, int fd)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 0);
	struct ts_fd *e = tsp_fd(p, fd);
	struct ts_sock *s;

	if (e == NULL)
		return;
	s = e->s;
	if (sys->is_error && -sys->rval != EINTR)
		return;
	if (s->refs == 1) {
		if (t->close_have && t->close_tid == sys->tid &&
		    t->close_fd == fd) {
			s->unread = t->close_unread;
			/* the kernel's counts take in the SYN and the FINs,
			 * one sequence number each */
			int st = t->close_state;
			uint64_t ack = t->close_acked, rcv = t->close_rcvd;
			if (ack > 0)
				ack--;
			if (ack > 0 && (st == 5 || st == 6 || st == 9 ||
			    st == 11))
				ack--;	/* our FIN was acknowledged */
			if (rcv > 0 && (st == 6 || st == 8 || st == 9 ||
			    st == 11))
				rcv--;	/* the peer's FIN came */
			if (ack > s->sent)
				s->sent = ack;
			if (rcv > s->rcvd)
				s->rcvd = rcv;
			s->state = t->close_state;
		}
		if (s->unread > 0 && s->type == SOCK_STREAM &&
		    s->family != AF_UNIX) {
			s->reset = 1;
			s->state = 7;	/* CLOSE: the reset went at once */
			tsp_problem(t, s, sys, fd, TSP_UNREAD, 0);
		} else if (s->state == TCP_ESTABLISHED_ST) {
			s->state = 4;	/* FIN_WAIT1 */
		} else if (s->state == 8) {
			s->state = 9;	/* CLOSE_WAIT -> LAST_ACK */
		} else if (s->state > 0) {
			s->state = 7;
		}
		stage(t, s, sys, fd, TSK_CLOSE, TSV_CALL);
	}
	t->close_have = 0;
	tsp_fd_drop(t, p, fd, sys, TSE_CLOSED);
}

/* Whether descriptor fd of sys's process is a socket followed. */
static int
tracked(struct ts *t, const struct pt_sys *sys, uint64_t fd)
{
	return tsp_fd(tsp_proc(t, sys->tgid, 0), (int)fd) != NULL;
}

/*
 * At a call's entry: a close() of a socket is handled here, its facts
 * read while the socket still exists (a close releases the descriptor
 * whatever it returns), so neither it nor a close of anything else stops
 * at its exit; nor do descriptor and option calls that cannot concern a
 * socket the trace follows. Returns whether the exit must be seen.
 */
int
tsp_on_entry(void *arg, const struct pt_sys *sys)
{
	struct ts *t = arg;
	struct ts_proc *p;
	struct ts_fd *e;
	struct pt_sys x;
	int fd = (int)sys->args[0], dfd, n = 0;
	long nr = sys->nr;

	if (nr == SYS_fcntl)
		return (sys->args[1] == F_DUPFD || sys->args[1] ==
		    F_DUPFD_CLOEXEC || sys->args[1] == F_SETFD) &&
		    tracked(t, sys, sys->args[0]);
	if (nr == SYS_dup)
		return tracked(t, sys, sys->args[0]);
	if (nr == SYS_dup3
#ifdef SYS_dup2
	    || nr == SYS_dup2
#endif
	    )
		return tracked(t, sys, sys->args[0]) ||
		    tracked(t, sys, sys->args[1]);
	if (pt_io_nr(nr))
		return tracked(t, sys, sys->args[0]);
	if (nr == SYS_getsockopt)
		return sys->args[1] == SOL_SOCKET && sys->args[2] == SO_ERROR;
	if (nr == SYS_setsockopt)
		return sys->args[1] == SOL_SOCKET && (sys->args[2] ==
		    SO_RCVTIMEO || sys->args[2] == SO_SNDTIMEO);
	if (nr != SYS_close)
		return 1;
	t->close_have = 0;
	p = tsp_proc(t, sys->tgid, 0);
	if ((e = tsp_fd(p, fd)) == NULL)
		return 0;
	if (e->s->refs == 1 && (dfd = tsp_getfd(t, p, fd)) != -1) {
		t->close_acked = t->close_rcvd = 0;
		t->close_state = tsp_state(dfd, &t->close_acked,
		    &t->close_rcvd);
		/* unread data matters for TCP (a reset goes), and only when
		 * the kernel took in more than the program's receives got */
		t->close_unread = 0;
		if (t->close_state >= 0 && t->close_rcvd > e->s->rcvd &&
		    ioctl(dfd, SIOCINQ, &n) == 0 && n > 0)
			t->close_unread = (unsigned long)n;
		close(dfd);
		t->close_tid = sys->tid;
		t->close_fd = fd;
		t->close_have = 1;
	}
	x = *sys;
	x.rval = 0;
	x.is_error = 0;
	x.exit_ns = clock_ns();
	on_close(t, &x, fd);
	return 0;
}

/* dup(), dup2(), dup3(), fcntl(F_DUPFD...): newfd is oldfd's socket. */
static void
on_dup(struct ts *t, const struct pt_sys *sys, int oldfd, int newfd,
    int cloexec)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 0);
	struct ts_fd *e;

	if (sys->is_error || p == NULL || oldfd == newfd)
		return;
	if (tsp_fd(p, newfd) != NULL)
		on_close(t, sys, newfd);	/* dup2 closed it first */
	if ((e = tsp_fd(p, oldfd)) != NULL)
		(void)tsp_fd_add(t, p, newfd, e->s, cloexec);
}

static void
on_fcntl(struct ts *t, const struct pt_sys *sys)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 0);
	struct ts_fd *e;
	int fd = (int)sys->args[0], cmd = (int)sys->args[1];

	if (sys->is_error || (e = tsp_fd(p, fd)) == NULL)
		return;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		on_dup(t, sys, fd, (int)sys->rval, cmd == F_DUPFD_CLOEXEC);
	else if (cmd == F_SETFD)
		e->cloexec = (sys->args[2] & FD_CLOEXEC) != 0;
}

static void
on_close_range(struct ts *t, const struct pt_sys *sys)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 0);
	unsigned lo = (unsigned)sys->args[0], hi = (unsigned)sys->args[1];
	struct ts_fd *e, *n;

	if (sys->is_error || p == NULL)
		return;
	for (size_t i = 0; i < p->nb; i++)
		for (e = p->fb[i]; e != NULL; e = n) {
			n = e->next;
			if ((unsigned)e->fd < lo || (unsigned)e->fd > hi)
				continue;
			if (sys->args[2] & CLOSE_RANGE_CLOEXEC)
				e->cloexec = 1;
			else
				tsp_fd_drop(t, p, e->fd, sys, TSE_CLOSED);
		}
}

void
tsp_on_exit(void *arg, const struct pt_sys *sys)
{
	struct ts *t = arg;
	long nr = sys->nr;

	if (nr == SYS_socket)
		on_socket(t, sys);
	else if (nr == SYS_socketpair)
		on_socketpair(t, sys);
	else if (nr == SYS_bind)
		on_bind(t, sys);
	else if (nr == SYS_listen)
		on_simple(t, sys, TSK_LISTEN);
	else if (nr == SYS_shutdown)
		on_simple(t, sys, TSK_SHUTDOWN);
	else if (nr == SYS_connect)
		on_connect(t, sys);
	else if (nr == SYS_accept4)
		on_accept(t, sys, (int)sys->args[3]);
#ifdef SYS_accept
	else if (nr == SYS_accept)
		on_accept(t, sys, 0);
#endif
	else if (nr == SYS_getsockopt)
		on_getsockopt(t, sys);
	else if (nr == SYS_setsockopt)
		on_setsockopt(t, sys);
	else if (nr == SYS_sendto || nr == SYS_sendmsg || nr == SYS_sendmmsg)
		on_io(t, sys, 1);
	else if (nr == SYS_recvfrom || nr == SYS_recvmsg ||
	    nr == SYS_recvmmsg)
		on_io(t, sys, 0);
	else if (nr == SYS_write || nr == SYS_writev)
		on_io(t, sys, 1);
	else if (nr == SYS_read || nr == SYS_readv)
		on_io(t, sys, 0);
	else if (nr == SYS_close)
		on_close(t, sys, (int)sys->args[0]);
	else if (nr == SYS_dup)
		on_dup(t, sys, (int)sys->args[0], (int)sys->rval, 0);
#ifdef SYS_dup2
	else if (nr == SYS_dup2)
		on_dup(t, sys, (int)sys->args[0], (int)sys->args[1], 0);
#endif
	else if (nr == SYS_dup3)
		on_dup(t, sys, (int)sys->args[0], (int)sys->args[1],
		    (sys->args[2] & O_CLOEXEC) != 0);
	else if (nr == SYS_fcntl)
		on_fcntl(t, sys);
#ifdef SYS_close_range
	else if (nr == SYS_close_range)
		on_close_range(t, sys);
#endif
}

void
ts_pending(struct ts *t, const struct pt_sys *sys)
{
	struct ts_proc *p = tsp_proc(t, sys->tgid, 0);
	struct ts_fd *e = tsp_fd(p, (int)sys->args[0]);
	int64_t took = clock_ns() - sys->entry_ns;

	if (e == NULL || t->slow_ns <= 0 || took <= t->slow_ns)
		return;
	if (sys->nr == SYS_connect && !e->s->sndtimeo)
		tsp_problem(t, e->s, sys, e->fd, TSP_BLOCKED_CONNECT, took);
	else if ((sys->nr == SYS_recvfrom || sys->nr == SYS_recvmsg ||
	    sys->nr == SYS_recvmmsg || sys->nr == SYS_read ||
	    sys->nr == SYS_readv) && !e->s->rcvtimeo)
		tsp_problem(t, e->s, sys, e->fd, TSP_BLOCKED_RECV, took);
}
