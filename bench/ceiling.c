/*
 * ceiling: the least an echo server can do, as the yardstick of this
 * machine. One process, one thread, level-triggered epoll, never forks.
 *
 *   ceiling [-u] [-1] [-R] [-b SNDBUF] [-r READ_SIZE | -s PIPE_SIZE]
 *           [HOST:]PORT
 *   ceiling [-1] [-R] [-b SNDBUF] [-r READ_SIZE | -s PIPE_SIZE] PATH
 *                         (a '/' in it: a Unix stream socket there)
 *
 * TCP: listen with the largest backlog the kernel takes; accept until
 * EAGAIN; read into one shared buffer of READ_SIZE bytes (default 64 KiB)
 * and write it straight back, reading again while a read fills the buffer
 * (-1: one read per wake-up); only what the socket cannot take is kept
 * (then the connection waits for EPOLLOUT instead of reading). -R: each
 * read asks for what the socket's send buffer has room for now
 * (SO_MEMINFO), 64 KiB to READ_SIZE, so the socket takes it whole. -s: no
 * copy through user space, splice() from the socket into a pipe of the
 * connection's own (PIPE_SIZE bytes, F_SETPIPE_SZ) and from the pipe back
 * into the socket. bench/run tries the forms on bulk and the fastest is
 * the ceiling. -b: setsockopt(SO_SNDBUF, SNDBUF) on each accepted
 * connection (the kernel doubles it): a Unix stream socket has no send
 * buffer autotuning, so its forms are tried with a larger one too. -u:
 * UDP, datagrams received and sent back to their senders in batches with
 * recvmmsg/sendmmsg.
 *
 * Prints "listening on HOST:PORT" and serves until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define BUF_MAX	(16 * 1024 * 1024)
#define NEV	256
#define BATCH	64
#define DGRAM	2048

struct conn {
	int		 fd;
	int		 pipe[2];	/* -s: the connection's pipe */
	size_t		 inpipe;	/* bytes in it */
	char		*pend;
	size_t		 off, len;
};

static char	*buf;
static size_t	 rsize = 64 * 1024;	/* -r */
static int	 pipesz;		/* -s: splice, with this pipe size */
static int	 oneread;		/* -1: one read per wake-up */
static int	 roomy;			/* -R: read what the socket can take */
static int	 sndbuf;		/* -b: SO_SNDBUF of each connection */

static void
conn_close(struct conn *k)
{
	close(k->fd);
	if (k->pipe[0] != -1) {
		close(k->pipe[0]);
		close(k->pipe[1]);
	}
	free(k->pend);
	free(k);
}

static int
want(int ep, struct conn *k, uint32_t events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = k;
	return epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
}

/* Writes the pending bytes; returns -1 when the connection is dead. */
static int
flush(int ep, struct conn *k)
{
	ssize_t w;

	if (pipesz > 0) {
		w = splice(k->pipe[0], NULL, k->fd, NULL, k->inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (w == -1)
			return errno == EAGAIN ? 0 : -1;
		k->inpipe -= (size_t)w;
		return k->inpipe > 0 ? 0 : want(ep, k, EPOLLIN);
	}
	w = send(k->fd, k->pend + k->off, k->len, MSG_NOSIGNAL);
	if (w == -1)
		return errno == EAGAIN ? 0 : -1;
	k->off += (size_t)w;
	k->len -= (size_t)w;
	if (k->len > 0)
		return 0;
	free(k->pend);
	k->pend = NULL;
	return want(ep, k, EPOLLIN);
}

/* Echoes through the pipe until EAGAIN; -1 when the connection is over. */
static int
echo_splice(int ep, struct conn *k)
{
	ssize_t n, w;

	do {
		n = splice(k->fd, NULL, k->pipe[1], NULL, (size_t)pipesz,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n <= 0)
			return n == -1 && errno == EAGAIN ? 0 : -1;
		k->inpipe += (size_t)n;
		w = splice(k->pipe[0], NULL, k->fd, NULL, k->inpipe,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (w == -1 && errno != EAGAIN)
			return -1;
		if (w > 0)
			k->inpipe -= (size_t)w;
		if (k->inpipe > 0)
			return want(ep, k, EPOLLOUT);
	} while (!oneread && n == pipesz);
	return 0;
}

/*
 * -R: the room in the socket's send buffer now (SO_MEMINFO), at least
 * 64 KiB and at most the read size: a read the socket then takes whole.
 */
static size_t
room(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);
	size_t r = 0, used;

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0) {
		used = (size_t)mi[SK_MEMINFO_WMEM_QUEUED] +
		    mi[SK_MEMINFO_WMEM_ALLOC];
		if (mi[SK_MEMINFO_SNDBUF] > used)
			r = mi[SK_MEMINFO_SNDBUF] - used;
	}
	return r < 65536 ? (rsize < 65536 ? rsize : 65536) :
	    r > rsize ? rsize : r;
}

/* Echoes reads until EAGAIN (-1: one read); -1 when the connection is over. */
static int
echo(int ep, struct conn *k)
{
	ssize_t n, w;
	size_t ask;

	if (pipesz > 0)
		return echo_splice(ep, k);
	do {
		ask = roomy ? room(k->fd) : rsize;
		n = recv(k->fd, buf, ask, 0);
		if (n <= 0)
			return n == -1 && errno == EAGAIN ? 0 : -1;
		w = send(k->fd, buf, (size_t)n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno != EAGAIN)
				return -1;
			w = 0;
		}
		if (w < n) {
			k->pend = malloc((size_t)(n - w));
			if (k->pend == NULL)
				return -1;
			memcpy(k->pend, buf + w, (size_t)(n - w));
			k->off = 0;
			k->len = (size_t)(n - w);
			return want(ep, k, EPOLLOUT);
		}
	} while (!oneread && (size_t)n == ask);
	return 0;
}

static void
serve_tcp(int lfd)
{
	struct epoll_event ev, evs[NEV];
	struct conn *k;
	int ep, n, fd;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	for (;;) {
		n = epoll_wait(ep, evs, NEV, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			k = evs[i].data.ptr;
			if (k == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
					k = calloc(1, sizeof(*k));
					if (k == NULL) {
						close(fd);
						continue;
					}
					k->fd = fd;
					k->pipe[0] = k->pipe[1] = -1;
					if (sndbuf > 0)
						(void)setsockopt(fd, SOL_SOCKET,
						    SO_SNDBUF, &sndbuf,
						    sizeof(sndbuf));
					if (pipesz > 0 && (pipe2(k->pipe,
					    O_NONBLOCK | O_CLOEXEC) == -1 ||
					    fcntl(k->pipe[1], F_SETPIPE_SZ,
					    pipesz) == -1)) {
						conn_close(k);
						continue;
					}
					ev.events = EPOLLIN;
					ev.data.ptr = k;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1)
						conn_close(k);
				}
				continue;
			}
			if (k->pend != NULL || k->inpipe > 0) {
				if (flush(ep, k) == -1)
					conn_close(k);
			} else if (echo(ep, k) == -1)
				conn_close(k);
		}
	}
}

static void
serve_udp(int fd)
{
	static char bufs[BATCH][DGRAM];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage from[BATCH];
	struct epoll_event ev;
	int ep, n, r, done;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &from[i];
	}
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (;;) {
			for (int i = 0; i < BATCH; i++) {
				iov[i].iov_len = DGRAM;
				m[i].msg_hdr.msg_namelen = sizeof(from[i]);
			}
			n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++)
				iov[i].iov_len = m[i].msg_len;
			for (done = 0; done < n; done += r) {
				r = sendmmsg(fd, m + done, (unsigned)(n - done),
				    MSG_DONTWAIT);
				if (r <= 0)
					break;	/* dropped, as any echo may */
			}
			if (n < BATCH)
				break;
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: ceiling [-u] [-1] [-R] [-b SNDBUF] "
	    "[-r READ_SIZE | -s PIPE_SIZE] [HOST:]PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char host[64] = "127.0.0.1", *colon, addr[INET_ADDRSTRLEN];
	const char *port;
	int udp = 0, o, fd, one = 1, big = 4 << 20;

	bench_name = "ceiling";
	while ((o = getopt(argc, argv, "u1Rb:r:s:")) != -1) {
		switch (o) {
		case 'u':
			udp = 1;
			break;
		case '1':
			oneread = 1;
			break;
		case 'R':
			roomy = 1;
			break;
		case 'b':
			sndbuf = (int)num_arg(o, optarg);
			if (sndbuf < 4096 || sndbuf > BUF_MAX)
				usage();
			break;
		case 'r':
			rsize = (size_t)num_arg(o, optarg);
			if (rsize < 1 || rsize > BUF_MAX)
				usage();
			break;
		case 's':
			pipesz = (int)num_arg(o, optarg);
			if (pipesz < 4096 || pipesz > BUF_MAX)
				usage();
			break;
		default:
			usage();
		}
	}
	buf = malloc(rsize);
	if (buf == NULL)
		die("out of memory");
	if (optind != argc - 1)
		usage();
	if (!udp && strchr(argv[optind], '/') != NULL) {
		raise_nofile();
		signal(SIGPIPE, SIG_IGN);
		fd = unix_listen(argv[optind]);
		printf("listening on %s\n", argv[optind]);
		fflush(stdout);
		serve_tcp(fd);
		return 0;
	}
	port = argv[optind];
	colon = strrchr(argv[optind], ':');
	if (colon != NULL) {
		snprintf(host, sizeof(host), "%.*s",
		    (int)(colon - argv[optind]), argv[optind]);
		port = colon + 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		die("'%s' is not a numeric IPv4 address", host);
	sin.sin_port = htons((uint16_t)atoi(port));
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (udp) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	} else
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind %s:%s: %s", host, port, strerror(errno));
	if (!udp && listen(fd, INT_MAX) == -1)
		die("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("getsockname: %s", strerror(errno));
	printf("listening on %s:%u\n", inet_ntop(AF_INET, &sin.sin_addr,
	    addr, sizeof(addr)), ntohs(sin.sin_port));
	fflush(stdout);
	if (udp)
		serve_udp(fd);
	else
		serve_tcp(fd);
	return 0;
}
