/*
 * ceiling: the least an echo server can do, as the yardstick of this
 * machine. One process, one thread, level-triggered epoll, never forks.
 *
 *   ceiling [-u] [HOST:]PORT
 *   ceiling PATH          (a '/' in it: a Unix stream socket there)
 *
 * TCP: listen with the largest backlog the kernel takes; accept until
 * EAGAIN; read into one shared buffer and write it straight back; only
 * what the socket cannot take is kept (then the connection waits for
 * EPOLLOUT instead of reading). -u: UDP, datagrams received and sent back
 * to their senders in batches with recvmmsg/sendmmsg.
 *
 * Prints "listening on HOST:PORT" and serves until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#define BUF	(64 * 1024)
#define NEV	256
#define BATCH	64
#define DGRAM	2048

struct conn {
	int		 fd;
	char		*pend;
	size_t		 off, len;
};

static char	buf[BUF];

static void
conn_close(struct conn *k)
{
	close(k->fd);
	free(k->pend);
	free(k);
}

/* Writes the pending bytes; returns -1 when the connection is dead. */
static int
flush(int ep, struct conn *k)
{
	struct epoll_event ev;
	ssize_t w;

	w = send(k->fd, k->pend + k->off, k->len, MSG_NOSIGNAL);
	if (w == -1)
		return errno == EAGAIN ? 0 : -1;
	k->off += (size_t)w;
	k->len -= (size_t)w;
	if (k->len > 0)
		return 0;
	free(k->pend);
	k->pend = NULL;
	ev.events = EPOLLIN;
	ev.data.ptr = k;
	return epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
}

/* Echoes one read; returns -1 when the connection is over. */
static int
echo(int ep, struct conn *k)
{
	struct epoll_event ev;
	ssize_t n, w;

	n = recv(k->fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return n == -1 && errno == EAGAIN ? 0 : -1;
	w = send(k->fd, buf, (size_t)n, MSG_NOSIGNAL);
	if (w == -1) {
		if (errno != EAGAIN)
			return -1;
		w = 0;
	}
	if (w == n)
		return 0;
	k->pend = malloc((size_t)(n - w));
	if (k->pend == NULL)
		return -1;
	memcpy(k->pend, buf + w, (size_t)(n - w));
	k->off = 0;
	k->len = (size_t)(n - w);
	ev.events = EPOLLOUT;
	ev.data.ptr = k;
	return epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
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
					ev.events = EPOLLIN;
					ev.data.ptr = k;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1)
						conn_close(k);
				}
				continue;
			}
			if (k->pend != NULL) {
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
	fprintf(stderr, "usage: ceiling [-u] [HOST:]PORT\n");
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
	while ((o = getopt(argc, argv, "u")) != -1) {
		if (o == 'u')
			udp = 1;
		else
			usage();
	}
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
