#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockopts.h"

/* the same numbers on every architecture since Linux 5.3 and 5.6 */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd	438
#endif

int
pidfd_of(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
pidfd_dup(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

static int
opt_int(int fd, int level, int name, int dflt)
{
	int v;
	socklen_t l = sizeof(v);

	return getsockopt(fd, level, name, &v, &l) == 0 ? v : dflt;
}

static long
opt_tv(int fd, int name)
{
	struct timeval tv;
	socklen_t l = sizeof(tv);

	if (getsockopt(fd, SOL_SOCKET, name, &tv, &l) == -1)
		return 0;
	return (long)tv.tv_sec * 1000 + (long)(tv.tv_usec / 1000);
}

/* The options of our duplicate s. */
static void
read_opts(int s, struct sockopts *o)
{
	struct tcp_info ti;
	socklen_t l;

	o->domain = opt_int(s, SOL_SOCKET, SO_DOMAIN, 0);
	o->type = opt_int(s, SOL_SOCKET, SO_TYPE, 0);
	o->protocol = opt_int(s, SOL_SOCKET, SO_PROTOCOL, 0);
	l = sizeof(o->local);
	if (getsockname(s, (struct sockaddr *)&o->local, &l) == -1)
		memset(&o->local, 0, sizeof(o->local));
	l = sizeof(o->remote);
	if (getpeername(s, (struct sockaddr *)&o->remote, &l) == -1)
		memset(&o->remote, 0, sizeof(o->remote));
	o->rcvtimeo_ms = opt_tv(s, SO_RCVTIMEO);
	o->sndtimeo_ms = opt_tv(s, SO_SNDTIMEO);
	o->keepalive = opt_int(s, SOL_SOCKET, SO_KEEPALIVE, 0);
	o->rcvbuf = opt_int(s, SOL_SOCKET, SO_RCVBUF, -1);
	o->keepidle = o->keepintvl = o->keepcnt = o->syncnt = -1;
	o->user_timeout_ms = -1;
	if ((o->domain != AF_INET && o->domain != AF_INET6) ||
	    o->protocol != IPPROTO_TCP)
		return;
	o->keepidle = opt_int(s, IPPROTO_TCP, TCP_KEEPIDLE, -1);
	o->keepintvl = opt_int(s, IPPROTO_TCP, TCP_KEEPINTVL, -1);
	o->keepcnt = opt_int(s, IPPROTO_TCP, TCP_KEEPCNT, -1);
	o->syncnt = opt_int(s, IPPROTO_TCP, TCP_SYNCNT, -1);
	o->user_timeout_ms = opt_int(s, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
	memset(&ti, 0, sizeof(ti));
	l = sizeof(ti);
	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 &&
	    l >= offsetof(struct tcp_info, tcpi_last_ack_recv)) {
		o->has_info = 1;
		o->state = ti.tcpi_state;
		o->retransmits = ti.tcpi_retransmits;
		o->total_retrans = ti.tcpi_total_retrans;
		o->last_data_recv = ti.tcpi_last_data_recv;
		o->rto_ms = ti.tcpi_rto / 1000;
	}
}

int
sockopts_read(int pid, int fd, struct sockopts *o)
{
	int pfd, s, e;

	memset(o, 0, sizeof(*o));
	if ((pfd = pidfd_of(pid)) == -1)
		return -1;
	s = pidfd_dup(pfd, fd);
	e = errno;
	close(pfd);
	if (s == -1) {
		errno = e;
		return -1;
	}
	if (opt_int(s, SOL_SOCKET, SO_TYPE, -1) == -1) {
		close(s);
		errno = ENOTSOCK;
		return -1;
	}
	read_opts(s, o);
	close(s);
	return 0;
}
