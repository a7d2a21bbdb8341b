#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
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
