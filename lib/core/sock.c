#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "errname.h"
#include "procnet.h"
#include "sock.h"

int
sock_tcp_state(int fd, double *rtt_ms)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	if (rtt_ms != NULL)
		*rtt_ms = ti.tcpi_rtt / 1000.0;
	return ti.tcpi_state;
}

/* The kernel's names, as tcp_states.h spells them (ss abbreviates two). */
const char *
sock_state_name(int st)
{
	if (st == PN_ESTABLISHED)
		return "ESTABLISHED";
	if (st == PN_CLOSE)
		return "CLOSE";
	return st < 0 ? "?" : pn_state_name(IPPROTO_TCP, st);
}

const char *
sock_family_name(int af)
{
	switch (af) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_UNIX:
		return "AF_UNIX";
	}
	return "AF_?";
}

int
sock_udp_next_address(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == EADDRNOTAVAIL || err == EAFNOSUPPORT;
}

const char *
sock_type_name(int type)
{
	switch (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
	case SOCK_STREAM:
		return "SOCK_STREAM";
	case SOCK_DGRAM:
		return "SOCK_DGRAM";
	case SOCK_SEQPACKET:
		return "SOCK_SEQPACKET";
	case SOCK_RAW:
		return "SOCK_RAW";
	}
	return "SOCK_?";
}

struct selfsock {
	struct sockaddr_storage	me;
	int			state;
};

static int
self_fn(const struct pn_sock *s, void *arg)
{
	struct selfsock *ss = arg;

	if (sa_same_addr((const struct sockaddr *)&s->local,
	    (const struct sockaddr *)&ss->me) &&
	    sa_port((const struct sockaddr *)&s->local) ==
	    sa_port((const struct sockaddr *)&ss->me)) {
		ss->state = s->state;
		return 1;
	}
	return 0;
}

/*
 * shutdown() sends our FIN; a short wait lets the peer's FIN arrive; after
 * close() the socket lives on in /proc/net (TIME_WAIT on the side that
 * closed first), where its state is looked up by its local address.
 */
void
sock_close_traced(int fd, const char *proc_root, sock_trace_fn tr,
    void *arg, const char *label)
{
	struct selfsock look;
	socklen_t sl = sizeof(look.me);
	struct pollfd pfd;
	char buf[512];
	int st;

	memset(&look, 0, sizeof(look));
	look.state = -1;
	(void)getsockname(fd, (struct sockaddr *)&look.me, &sl);
	(void)shutdown(fd, SHUT_WR);
	st = sock_tcp_state(fd, NULL);
	if (st == PN_CLOSE)	/* on loopback the peer can be that quick */
		tr(arg, "%s: shutdown(SHUT_WR): CLOSE (our FIN was answered by "
		    "the peer's at once; the kernel keeps the TIME_WAIT)",
		    label);
	else
		tr(arg, "%s: shutdown(SHUT_WR): %s", label,
		    sock_state_name(st));
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (int i = 0; i < 4; i++) {
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0) {
			/* the socket reads CLOSE once the kernel moved it
			 * to a TIME_WAIT entry, shown after close below */
			tr(arg, "%s: recv: %s, TCP state %s", label, n == 0 ?
			    "the peer's FIN (EOF)" : "the peer's reset",
			    sock_state_name(sock_tcp_state(fd, NULL)));
			break;
		}
	}
	close(fd);
	(void)pn_scan(proc_root, IPPROTO_TCP, sa_port((struct sockaddr *)
	    &look.me), self_fn, &look);
	tr(arg, "%s: close(fd %d): %s", label, fd, look.state < 0 ?
	    "socket gone" : sock_state_name(look.state));
}

/* "EADDRINUSE (Address already in use)", for the trace. */
static const char *
err_text(int err, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s)", errname(err) != NULL ? errname(err) :
	    "errno", strerror(err));
	return buf;
}

/* ", TCP state LISTEN" after a stage of a TCP socket; "" otherwise. */
static const char *
state_after(const struct sockaddr *sa, int type, int fd, char *buf,
    size_t len)
{
	if (type != SOCK_STREAM || sa->sa_family == AF_UNIX) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, ", TCP state %s",
	    sock_state_name(sock_tcp_state(fd, NULL)));
	return buf;
}

/* Sets one int option on fd and traces it; 0, or -1 with errno set. */
static int
set_int(int fd, int level, int name, const char *label, int val,
    const struct sockaddr *sa, int type, sock_trace_fn tr, void *arg)
{
	char st[64], eb[128];

	if (setsockopt(fd, level, name, &val, sizeof(val)) == -1) {
		int err = errno;

		if (tr != NULL)
			tr(arg, "setsockopt(%s, %d): %s", label, val,
			    err_text(err, eb, sizeof(eb)));
		errno = err;
		return -1;
	}
	if (tr != NULL)
		tr(arg, "setsockopt(%s, %d) ok%s", label, val,
		    state_after(sa, type, fd, st, sizeof(st)));
	return 0;
}

int
sock_open(const struct sockaddr *sa, const struct sock_opts *o,
    struct sockaddr_storage *bound, struct fail *f, sock_trace_fn tr,
    void *arg)
{
	char as[ADDRSTR_MAX], bs[ADDRSTR_MAX], st[64], eb[128];
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int fd, save, ip = sa->sa_family == AF_INET ||
	    sa->sa_family == AF_INET6;

	fail_clear(f);
	fd = socket(sa->sa_family, o->type | SOCK_CLOEXEC | (o->nonblock ?
	    SOCK_NONBLOCK : 0), 0);
	if (fd == -1) {
		save = errno;
		if (tr != NULL)
			tr(arg, "socket(%s, %s): %s", sock_family_name(
			    sa->sa_family), sock_type_name(o->type),
			    err_text(save, eb, sizeof(eb)));
		errno = save;
		return fail_set(f, ST_SOCKET, save);
	}
	if (tr != NULL)
		tr(arg, "socket(%s, %s) = fd %d%s", sock_family_name(
		    sa->sa_family), sock_type_name(o->type), fd,
		    state_after(sa, o->type, fd, st, sizeof(st)));
	f->stage = ST_SETSOCKOPT;
	if (ip && o->reuseaddr && set_int(fd, SOL_SOCKET, SO_REUSEADDR,
	    "SO_REUSEADDR", 1, sa, o->type, tr, arg) == -1)
		goto fail;
	if (ip && o->reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT,
	    "SO_REUSEPORT", 1, sa, o->type, tr, arg) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && o->v6only != SOCK_V6_DEFAULT &&
	    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY",
	    o->v6only != 0, sa, o->type, tr, arg) == -1)
		goto fail;
	if (o->bufsize > 0) {
		/* capped by net.core.rmem_max/wmem_max: failure is harmless */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->bufsize,
		    sizeof(o->bufsize));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o->bufsize,
		    sizeof(o->bufsize));
		if (tr != NULL)
			tr(arg, "setsockopt(SO_RCVBUF and SO_SNDBUF, %d KiB, "
			    "capped by net.core.rmem_max/wmem_max)",
			    o->bufsize / 1024);
	}
	f->stage = ST_BIND;
	sa_fmt(sa, as, sizeof(as));
	if (bind(fd, sa, sa_len(sa)) == -1)
		goto fail;
	if (getsockname(fd, (struct sockaddr *)&got, &len) == -1)
		memcpy(&got, sa, sa_len(sa));
	if (tr != NULL) {
		sa_fmt((struct sockaddr *)&got, bs, sizeof(bs));
		tr(arg, "bind(%s) ok%s%s%s", as, strcmp(as, bs) != 0 ? ": " :
		    "", strcmp(as, bs) != 0 ? bs : "", state_after(sa, o->type,
		    fd, st, sizeof(st)));
	}
	f->stage = ST_LISTEN;
	if (o->type == SOCK_STREAM && o->backlog != SOCK_NO_LISTEN) {
		if (listen(fd, o->backlog) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "listen(backlog %d%s) ok%s", o->backlog,
			    o->backlog > SOMAXCONN ? ": net.core.somaxconn "
			    "caps it" : "", state_after(sa, o->type, fd, st,
			    sizeof(st)));
	}
	if (bound != NULL)
		*bound = got;
	fail_clear(f);
	return fd;
fail:
	save = errno;
	if (tr != NULL) {
		if (f->stage == ST_SETSOCKOPT)
			;	/* set_int() said which */
		else if (f->stage == ST_LISTEN)
			tr(arg, "listen(backlog %d): %s", o->backlog,
			    err_text(save, eb, sizeof(eb)));
		else
			tr(arg, "bind(%s): %s", as, err_text(save, eb,
			    sizeof(eb)));
		tr(arg, "close(fd %d)", fd);
	}
	close(fd);
	errno = save;
	return fail_set(f, f->stage, save);
}
