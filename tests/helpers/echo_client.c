/*
 * echo_client: a load and abuse client for the echo-server and udp-echo
 * tests. Loopback only; every wait is bounded by -t.
 *
 *   echo_client [-m MODE] [-n N] [-b BYTES] [-u] [-s SEED] [-t SEC]
 *               [-z SIZES] [-c N] [-d MS] [-H] [-r K] [-w N] HOST PORT
 *
 * modes:
 *   echo    N connections at once each send BYTES random bytes, shut down
 *           their write side, read the echo until EOF and compare every
 *           byte (upper-cased with -u). Exit 0 when all match.
 *   many    the same with epoll, for thousands of connections: at most -c
 *           connections (default 500) are unfinished at once. With -d MS
 *           each connection sends one byte every MS ms (a slow client).
 *           With -H every connection stays open once its echo is verified:
 *           when all N are, prints "held N connections, B bytes verified"
 *           and waits for SIGUSR1 (or -t), then half-closes each, reads
 *           its EOF and closes. Ends with "ok N connections, ...".
 *   storm   N connections opened and closed at once, -c at a time (default
 *           64); every -r K-th (default 4, 0: none) closes with a reset.
 *           Every 250th connection and the last one send one byte and wait
 *           for its echo, so the listen queue never holds more than a few
 *           hundred. Prints "storm N connections, R reset, S bytes echoed".
 *   noread  N connections (-n, default 1) send until the server stops
 *           taking data (TCP flow control) and never read; prints
 *           "stalled BYTES" (all connections together) and waits until
 *           killed or -t.
 *   reset   N connections send BYTES, read a little, and close with a
 *           reset (SO_LINGER 0) while the echo is in flight.
 *   hold    opens N connections, prints "held N", waits until killed or
 *           -t.
 *   eof     one connection that sends nothing; waits for the server to
 *           close it; prints "eof after MS ms". Exit 0 on EOF or reset.
 *   udp     one datagram per size of -z (comma-separated), random bytes,
 *           each reply compared. Exit 0 when all match.
 *   udpflood -c sockets (default 8) each send N datagrams of 12 to BYTES
 *           (default 1400) bytes, at most -w (default 32) unanswered per
 *           socket. Each carries its socket and sequence number; a reply
 *           must come back to the socket that sent it, once, byte for
 *           byte. One unanswered for 300 ms counts as lost (a late reply
 *           still counts as received). Prints "udpflood S sockets: sent
 *           X (B bytes), received Y (B bytes), lost Z". Exit 0 unless a
 *           reply was altered, misdirected or duplicated.
 *   udpsink binds a UDP socket to HOST PORT (0: any free port), prints
 *           "listening on HOST:PORT", and never replies; until killed or
 *           -t.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct cl {
	int		 fd;
	unsigned char	*data;		/* what is sent */
	size_t		 sent, got;
	int		 wdone, rdone;
};

static int	 upper;
static double	 limit_s = 20;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 88172645463325252ull;

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(rnd(&x) >> 24);
}

static unsigned char
expect(unsigned char ch)
{
	if (upper && ch >= 'a' && ch <= 'z')
		return (unsigned char)(ch - 'a' + 'A');
	return ch;
}

static int
addr_of(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof(*s6);
		return 0;
	}
	fprintf(stderr, "echo_client: %s is no numeric address\n", host);
	return -1;
}

static int
dial(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int fd = socket(ss->ss_family, type, 0);

	if (fd == -1) {
		perror("echo_client: socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)ss, len) == -1) {
		perror("echo_client: connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int
run_echo(const struct sockaddr_storage *ss, socklen_t len, int n, size_t b,
    uint64_t seed, int reset)
{
	struct cl *c = calloc((size_t)n, sizeof(*c));
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	unsigned char rb[65536];
	double t0 = now_s();
	int left = n, rc = 1;

	if (c == NULL || p == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		c[i].fd = dial(ss, len, SOCK_STREAM);
		if (c[i].fd == -1)
			goto out;
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		c[i].data = malloc(b ? b : 1);
		if (c[i].data == NULL)
			goto out;
		fill(c[i].data, b, seed + (uint64_t)i);
	}
	while (left > 0) {
		int np = 0, r;

		if (now_s() - t0 > limit_s) {
			fprintf(stderr, "echo_client: timed out after %.0f s "
			    "with %d connections unfinished\n", limit_s, left);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (c[i].rdone)
				continue;
			if (!c[i].wdone && c[i].sent == b) {
				if (!reset)
					shutdown(c[i].fd, SHUT_WR);
				c[i].wdone = 1;
			}
			p[np].fd = c[i].fd;
			p[np].events = POLLIN | (c[i].wdone ? 0 : POLLOUT);
			p[np].revents = 0;
			np++;
		}
		r = poll(p, (nfds_t)np, 200);
		if (r == -1 && errno != EINTR) {
			perror("echo_client: poll");
			goto out;
		}
		for (int i = 0, j = 0; i < n; i++) {
			struct cl *k = &c[i];
			ssize_t m;

			if (k->rdone)
				continue;
			if (p[j++].revents == 0)
				continue;
			if (!k->wdone) {
				m = send(k->fd, k->data + k->sent,
				    b - k->sent, MSG_NOSIGNAL);
				if (m > 0)
					k->sent += (size_t)m;
				else if (m == -1 && errno != EAGAIN) {
					fprintf(stderr, "echo_client: conn %d:"
					    " send: %s\n", i, strerror(errno));
					goto out;
				}
			}
			m = recv(k->fd, rb, sizeof(rb), 0);
			if (m == -1) {
				if (errno == EAGAIN)
					continue;
				fprintf(stderr, "echo_client: conn %d: recv: "
				    "%s after %zu of %zu bytes\n", i,
				    strerror(errno), k->got, b);
				goto out;
			}
			if (m == 0) {
				if (k->got != b) {
					fprintf(stderr, "echo_client: conn %d:"
					    " EOF after %zu of %zu bytes\n", i,
					    k->got, b);
					goto out;
				}
				k->rdone = 1;
				close(k->fd);
				k->fd = -1;
				left--;
				continue;
			}
			for (ssize_t x = 0; x < m; x++) {
				if (k->got + (size_t)x >= b) {
					fprintf(stderr, "echo_client: conn %d:"
					    " more than the %zu bytes sent\n",
					    i, b);
					goto out;
				}
				if (rb[x] != expect(k->data[k->got +
				    (size_t)x])) {
					fprintf(stderr, "echo_client: conn %d:"
					    " byte %zu differs\n", i,
					    k->got + (size_t)x);
					goto out;
				}
			}
			k->got += (size_t)m;
			if (reset && k->got > 0 && k->sent == b) {
				struct linger lg = { 1, 0 };

				setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg));
				close(k->fd);
				k->fd = -1;
				k->rdone = 1;
				left--;
			}
		}
	}
	printf("ok %d connections, %zu bytes each, %.3f s\n", n, b,
	    now_s() - t0);
	rc = 0;
out:
	for (int i = 0; i < n; i++) {
		if (c[i].fd > 0)
			close(c[i].fd);
		free(c[i].data);
	}
	free(c);
	free(p);
	return rc;
}

/* Waits until -t passes or a signal ends us. */
static void
linger_on(void)
{
	double t0 = now_s();

	while (now_s() - t0 < limit_s)
		poll(NULL, 0, 100);
}

static int
run_noread(const struct sockaddr_storage *ss, socklen_t len, int n)
{
	static char buf[65536];
	size_t total = 0;
	double last;
	int *fds = calloc((size_t)n, sizeof(int));
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	int rc = 1;

	if (fds == NULL || p == NULL)
		goto out;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	for (int i = 0; i < n; i++) {
		fds[i] = dial(ss, len, SOCK_STREAM);
		if (fds[i] == -1)
			goto out;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
	}
	memset(buf, 'x', sizeof(buf));
	last = now_s();
	/* stalled: no connection took anything for half a second */
	while (now_s() - last < 0.5) {
		for (int i = 0; i < n; i++) {
			ssize_t m = send(fds[i], buf, sizeof(buf),
			    MSG_NOSIGNAL);

			if (m > 0) {
				total += (size_t)m;
				last = now_s();
			} else if (m == -1 && errno != EAGAIN) {
				perror("echo_client: send");
				goto out;
			}
			p[i].fd = fds[i];
			p[i].events = POLLOUT;
			p[i].revents = 0;
		}
		poll(p, (nfds_t)n, 50);
		if (now_s() - last > limit_s)
			break;
	}
	printf("stalled %zu\n", total);
	fflush(stdout);
	linger_on();
	rc = 0;
out:
	for (int i = 0; fds != NULL && i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	free(p);
	return rc;
}

static int
run_hold(const struct sockaddr_storage *ss, socklen_t len, int n)
{
	int *fds = calloc((size_t)n, sizeof(int)), held = 0;

	if (fds == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		fds[i] = dial(ss, len, SOCK_STREAM);
		if (fds[i] != -1)
			held++;
	}
	printf("held %d\n", held);
	fflush(stdout);
	linger_on();
	for (int i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	return held == n ? 0 : 1;
}

static int
run_eof(const struct sockaddr_storage *ss, socklen_t len)
{
	struct pollfd p;
	double t0 = now_s();
	char buf[256];
	ssize_t m;
	int fd = dial(ss, len, SOCK_STREAM);

	if (fd == -1)
		return 1;
	p.fd = fd;
	p.events = POLLIN;
	while (now_s() - t0 < limit_s) {
		if (poll(&p, 1, 100) != 1)
			continue;
		m = recv(fd, buf, sizeof(buf), 0);
		if (m == 0 || (m == -1 && errno == ECONNRESET)) {
			printf("eof after %.0f ms\n", (now_s() - t0) * 1000);
			close(fd);
			return 0;
		}
	}
	fprintf(stderr, "echo_client: no EOF within %.0f s\n", limit_s);
	close(fd);
	return 1;
}

static int
run_udp(const struct sockaddr_storage *ss, socklen_t len, const char *sizes,
    uint64_t seed)
{
	static unsigned char out[65536], in[65536 + 1];
	struct timeval tv = { 2, 0 };
	const char *p = sizes;
	int fd = dial(ss, len, SOCK_DGRAM), k = 0;

	if (fd == -1)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (*p != '\0') {
		size_t n = strtoul(p, (char **)&p, 10);
		ssize_t m;

		if (*p == ',')
			p++;
		if (n > sizeof(out))
			n = sizeof(out);
		fill(out, n, seed + (uint64_t)k++);
		if (send(fd, out, n, 0) != (ssize_t)n) {
			fprintf(stderr, "echo_client: send %zu: %s\n", n,
			    strerror(errno));
			return 1;
		}
		m = recv(fd, in, sizeof(in), 0);
		if (m != (ssize_t)n) {
			fprintf(stderr, "echo_client: sent %zu bytes, reply "
			    "%zd (%s)\n", n, m, m < 0 ? strerror(errno) : "");
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (in[i] != expect(out[i])) {
				fprintf(stderr, "echo_client: datagram of %zu:"
				    " byte %zu differs\n", n, i);
				return 1;
			}
		printf("ok datagram %zu\n", n);
	}
	close(fd);
	return 0;
}

static int
run_udpsink(const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_storage b;
	socklen_t bl = sizeof(b);
	char host[64];
	int fd = socket(ss->ss_family, SOCK_DGRAM, 0);

	if (fd == -1 || bind(fd, (const struct sockaddr *)ss, len) == -1 ||
	    getsockname(fd, (struct sockaddr *)&b, &bl) == -1) {
		perror("echo_client: udpsink");
		return 1;
	}
	if (ss->ss_family != AF_INET) {
		fprintf(stderr, "echo_client: udpsink is IPv4 only\n");
		return 2;
	}
	inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
	printf("listening on %s:%d\n", host,
	    ntohs(((struct sockaddr_in *)&b)->sin_port));
	fflush(stdout);
	linger_on();
	close(fd);
	return 0;
}

/* A 64-bit mixer (splitmix64's finaliser). */
static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes off..off+n of stream k: computed, so nothing is stored. */
static void
gen(uint64_t seed, uint64_t k, size_t off, unsigned char *p, size_t n)
{
	uint64_t w = 0, wi = UINT64_MAX;

	for (size_t j = 0; j < n; j++) {
		uint64_t i = off + j;

		if ((i >> 3) != wi) {
			wi = i >> 3;
			w = mix(seed * 0x9e3779b97f4a7c15ull +
			    k * 0xd1b54a32d192ed03ull + wi);
		}
		p[j] = (unsigned char)(w >> ((i & 7) * 8));
	}
}

static volatile sig_atomic_t usr1;

static void
on_usr1(int sig)
{
	(void)sig;
	usr1 = 1;
}

enum { M_CONN, M_RUN, M_HELD, M_CLOSING, M_DONE };

struct mconn {
	int		 fd;
	int		 st;
	int		 added;
	int		 wr_shut;
	uint32_t	 events;
	size_t		 sent, got;
};

static int
mwatch(int ep, struct mconn *k, int idx, uint32_t want)
{
	struct epoll_event ev;

	if (k->added && k->events == want)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u32 = (uint32_t)idx;
	if (epoll_ctl(ep, k->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, k->fd,
	    &ev) == -1) {
		perror("echo_client: epoll_ctl");
		return -1;
	}
	k->added = 1;
	k->events = want;
	return 0;
}

/*
 * many: n connections, at most window unfinished at once, each sending b
 * bytes (one per pace_ms when pace_ms > 0) and verifying the echo.
 */
static int
run_many(const struct sockaddr_storage *ss, socklen_t len, int n, size_t b,
    uint64_t seed, int window, int pace_ms, int hold)
{
	static unsigned char buf[65536], want[65536];
	struct epoll_event evs[512];
	struct mconn *c = calloc((size_t)n, sizeof(*c));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int started = 0, finished = 0, active = 0, held = 0, open = 0;
	int maxopen = 0, closing = 0, rc = 1;
	unsigned long long verified = 0;
	double t0 = now_s(), tick = t0;

	if (c == NULL || ep == -1) {
		perror("echo_client: many");
		goto out;
	}
	for (int i = 0; i < n; i++)
		c[i].fd = -1;
	while (finished < n) {
		int m, timeout = 100;

		if (now_s() - t0 > limit_s) {
			fprintf(stderr, "echo_client: timed out after %.0f s: "
			    "%d of %d connections started, %d held, %d "
			    "finished\n", limit_s, started, n, held, finished);
			goto out;
		}
		while (started < n && active < window) {
			struct mconn *k = &c[started];

			k->fd = socket(ss->ss_family, SOCK_STREAM |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (k->fd == -1) {
				fprintf(stderr, "echo_client: conn %d: socket:"
				    " %s\n", started, strerror(errno));
				goto out;
			}
			if (connect(k->fd, (const struct sockaddr *)ss,
			    len) == -1 && errno != EINPROGRESS) {
				fprintf(stderr, "echo_client: conn %d: connect:"
				    " %s\n", started, strerror(errno));
				goto out;
			}
			k->st = M_CONN;
			if (mwatch(ep, k, started, EPOLLOUT) == -1)
				goto out;
			started++;
			active++;
			if (++open > maxopen)
				maxopen = open;
		}
		if (hold && held == n && !closing) {
			printf("held %d connections, %llu bytes verified\n", n,
			    verified);
			fflush(stdout);
			while (!usr1 && now_s() - t0 < limit_s)
				poll(NULL, 0, 20);
			for (int i = 0; i < n; i++) {
				shutdown(c[i].fd, SHUT_WR);
				c[i].st = M_CLOSING;
			}
			closing = 1;
			continue;
		}
		if (pace_ms > 0) {
			double now = now_s();

			if (now >= tick) {
				for (int i = 0; i < started; i++) {
					struct mconn *k = &c[i];

					if (k->st != M_RUN || k->sent >= b)
						continue;
					gen(seed, (uint64_t)i, k->sent, buf, 1);
					m = (int)send(k->fd, buf, 1,
					    MSG_NOSIGNAL);
					if (m == 1)
						k->sent++;
					else if (m == -1 && errno != EAGAIN) {
						fprintf(stderr, "echo_client: "
						    "conn %d: send: %s\n", i,
						    strerror(errno));
						goto out;
					}
					if (k->sent == b && !hold) {
						shutdown(k->fd, SHUT_WR);
						k->wr_shut = 1;
					}
				}
				tick = now + pace_ms / 1000.0;
			}
			timeout = (int)((tick - now) * 1000) + 1;
		}
		m = epoll_wait(ep, evs, 512, timeout);
		if (m == -1 && errno != EINTR) {
			perror("echo_client: epoll_wait");
			goto out;
		}
		for (int e = 0; e < m; e++) {
			int idx = (int)evs[e].data.u32;
			struct mconn *k = &c[idx];
			uint32_t ev = evs[e].events;

			if (k->st == M_DONE)
				continue;
			if (k->st == M_CONN) {
				int err = 0;
				socklen_t l = sizeof(err);

				getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err,
				    &l);
				if (err != 0) {
					fprintf(stderr, "echo_client: conn %d:"
					    " connect: %s\n", idx,
					    strerror(err));
					goto out;
				}
				k->st = M_RUN;
			}
			while (k->st == M_RUN && pace_ms == 0 && k->sent < b) {
				size_t want_n = b - k->sent;
				ssize_t w;

				if (want_n > sizeof(buf))
					want_n = sizeof(buf);
				gen(seed, (uint64_t)idx, k->sent, buf, want_n);
				w = send(k->fd, buf, want_n, MSG_NOSIGNAL);
				if (w > 0) {
					k->sent += (size_t)w;
					continue;
				}
				if (w == -1 && errno == EAGAIN)
					break;
				fprintf(stderr, "echo_client: conn %d: send: "
				    "%s\n", idx, strerror(errno));
				goto out;
			}
			if (k->st == M_RUN && k->sent == b && !hold &&
			    !k->wr_shut) {
				shutdown(k->fd, SHUT_WR);
				k->wr_shut = 1;
			}
			for (;;) {
				ssize_t r = recv(k->fd, buf, sizeof(buf), 0);

				if (r == -1 && errno == EAGAIN)
					break;
				if (r == -1) {
					fprintf(stderr, "echo_client: conn %d:"
					    " recv: %s after %zu of %zu bytes"
					    "\n", idx, strerror(errno), k->got,
					    b);
					goto out;
				}
				if (r == 0) {
					if (k->st == M_CLOSING || (k->st ==
					    M_RUN && k->wr_shut &&
					    k->got == b)) {
						if (k->st == M_RUN)
							active--;
						close(k->fd);
						k->fd = -1;
						k->st = M_DONE;
						finished++;
						open--;
						break;
					}
					fprintf(stderr, "echo_client: conn %d:"
					    " EOF after %zu of %zu bytes%s\n",
					    idx, k->got, b, k->st == M_HELD ?
					    " (while held)" : "");
					goto out;
				}
				if (k->st != M_RUN ||
				    k->got + (size_t)r > k->sent) {
					fprintf(stderr, "echo_client: conn %d:"
					    " more than the %zu bytes sent\n",
					    idx, k->sent);
					goto out;
				}
				gen(seed, (uint64_t)idx, k->got, want,
				    (size_t)r);
				for (ssize_t x = 0; x < r; x++)
					if (buf[x] != expect(want[x])) {
						fprintf(stderr, "echo_client: "
						    "conn %d: byte %zu differs"
						    "\n", idx, k->got +
						    (size_t)x);
						goto out;
					}
				k->got += (size_t)r;
				verified += (unsigned long long)r;
				if (hold && k->got == b) {
					k->st = M_HELD;
					active--;
					held++;
				}
			}
			(void)ev;
			if (k->st == M_DONE)
				continue;
			if (mwatch(ep, k, idx, EPOLLIN | (k->st == M_RUN &&
			    pace_ms == 0 && k->sent < b ? EPOLLOUT : 0)) == -1)
				goto out;
		}
		if (closing)
			for (int i = 0; i < n; i++)
				if (c[i].st == M_CLOSING && mwatch(ep, &c[i],
				    i, EPOLLIN) == -1)
					goto out;
	}
	printf("ok %d connections, %zu bytes each, %llu bytes verified, at "
	    "most %d open, %.3f s\n", n, b, verified, maxopen, now_s() - t0);
	rc = 0;
out:
	for (int i = 0; c != NULL && i < n; i++)
		if (c[i].fd != -1)
			close(c[i].fd);
	free(c);
	if (ep != -1)
		close(ep);
	return rc;
}

#define SYNC_EVERY	250

/*
 * storm: n connections opened and closed, window at a time; every
 * reset_every-th closes with a reset. A connection now and then sends a
 * byte and waits for its echo: the server accepts in order, so by then it
 * has taken every connection before it.
 */
static int
run_storm(const struct sockaddr_storage *ss, socklen_t len, int n,
    int window, int reset_every)
{
	struct epoll_event evs[256], ev;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int started = 0, done = 0, inflight = 0, resets = 0, synced = 0;
	int sync_fd = -1, sync_sent = 0, rc = 1;
	double t0 = now_s();

	if (ep == -1) {
		perror("echo_client: epoll_create1");
		return 1;
	}
	while (done < n) {
		int m;

		if (now_s() - t0 > limit_s) {
			fprintf(stderr, "echo_client: timed out after %.0f s "
			    "with %d of %d connections done\n", limit_s, done,
			    n);
			goto out;
		}
		while (sync_fd == -1 && inflight < window && started < n) {
			int idx = started++;
			int fd = socket(ss->ss_family, SOCK_STREAM |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			if (fd == -1) {
				perror("echo_client: socket");
				goto out;
			}
			if (connect(fd, (const struct sockaddr *)ss, len) ==
			    -1 && errno != EINPROGRESS) {
				fprintf(stderr, "echo_client: conn %d: connect:"
				    " %s\n", idx, strerror(errno));
				close(fd);
				goto out;
			}
			if ((idx + 1) % SYNC_EVERY == 0 || idx == n - 1) {
				sync_fd = fd;
				sync_sent = 0;
			}
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLOUT;
			ev.data.u64 = (uint64_t)idx << 32 | (uint32_t)fd;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
				perror("echo_client: epoll_ctl");
				close(fd);
				goto out;
			}
			inflight++;
		}
		m = epoll_wait(ep, evs, 256, 100);
		if (m == -1 && errno != EINTR) {
			perror("echo_client: epoll_wait");
			goto out;
		}
		for (int e = 0; e < m; e++) {
			int fd = (int)(uint32_t)evs[e].data.u64;
			int idx = (int)(evs[e].data.u64 >> 32);
			int err = 0;
			socklen_t l = sizeof(err);
			char x;

			if (fd != sync_fd || !sync_sent) {
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (err != 0) {
					fprintf(stderr, "echo_client: conn %d:"
					    " connect: %s\n", idx,
					    strerror(err));
					goto out;
				}
			}
			if (fd != sync_fd) {
				if (reset_every > 0 &&
				    idx % reset_every == reset_every - 1) {
					struct linger lg = { 1, 0 };

					setsockopt(fd, SOL_SOCKET, SO_LINGER,
					    &lg, sizeof(lg));
					resets++;
				}
				close(fd);
				done++;
				inflight--;
				continue;
			}
			if (!sync_sent) {
				if (send(fd, "x", 1, MSG_NOSIGNAL) != 1) {
					perror("echo_client: sync send");
					goto out;
				}
				sync_sent = 1;
				ev = evs[e];
				ev.events = EPOLLIN;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				continue;
			}
			m = (int)recv(fd, &x, 1, 0);
			if (m == -1 && errno == EAGAIN)
				continue;
			if (m != 1 || x != 'x') {
				fprintf(stderr, "echo_client: conn %d: no echo "
				    "of the sync byte (%s)\n", idx, m == 0 ?
				    "EOF" : strerror(errno));
				goto out;
			}
			close(fd);
			sync_fd = -1;
			synced++;
			done++;
			inflight--;
			m = 0;
		}
	}
	printf("storm %d connections, %d reset, %d bytes echoed, %.3f s\n", n,
	    resets, synced, now_s() - t0);
	rc = 0;
out:
	close(ep);
	return rc;
}

#define UF_HDR		12
#define UF_LOST_MS	300

struct usock {
	int		 fd;
	uint32_t	 next, oldest, outstanding;
	unsigned char	*st;	/* per datagram: 0 unsent, 1 waiting, 2 back, 3 lost */
	double		*at;
};

static size_t
uf_size(uint64_t seed, uint32_t s, uint32_t q, size_t maxb)
{
	return UF_HDR + (size_t)(mix(seed ^ ((uint64_t)s << 32 | q)) %
	    (maxb - UF_HDR + 1));
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * udpflood: ns connected sockets, n datagrams each, at most w unanswered
 * per socket; every reply is checked for socket, sequence and content.
 */
static int
run_udpflood(const struct sockaddr_storage *ss, socklen_t len, int ns, int n,
    size_t maxb, int w, uint64_t seed)
{
	static unsigned char out[65536], in[65536 + 1], want[65536];
	struct usock *u = calloc((size_t)ns, sizeof(*u));
	struct pollfd *p = calloc((size_t)ns, sizeof(*p));
	unsigned long long sent = 0, got = 0, sbytes = 0, rbytes = 0;
	unsigned long long lost = 0, late = 0;
	double t0 = now_s(), quiet = 0;
	int rc = 1, big = 1 << 20;

	if (maxb < UF_HDR)
		maxb = UF_HDR;
	if (maxb > 65507)
		maxb = 65507;
	if (u == NULL || p == NULL)
		goto out;
	for (int s = 0; s < ns; s++)
		u[s].fd = -1;
	for (int s = 0; s < ns; s++) {
		u[s].fd = dial(ss, len, SOCK_DGRAM);
		u[s].st = calloc((size_t)n, 1);
		u[s].at = calloc((size_t)n, sizeof(double));
		if (u[s].fd == -1 || u[s].st == NULL || u[s].at == NULL)
			goto out;
		fcntl(u[s].fd, F_SETFL, O_NONBLOCK);
		setsockopt(u[s].fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	for (;;) {
		double now = now_s();
		int busy = 0;

		for (int s = 0; s < ns; s++)
			busy |= u[s].next < (uint32_t)n || u[s].outstanding > 0;
		if (!busy) {
			/* give what was taken for lost a last chance */
			if (lost == 0 || quiet == 0)
				quiet = now;
			if (lost == 0 || now - quiet > UF_LOST_MS / 1000.0)
				break;
		}
		if (now - t0 > limit_s) {
			fprintf(stderr, "echo_client: udpflood timed out after "
			    "%.0f s\n", limit_s);
			goto report;
		}
		for (int s = 0; s < ns; s++) {
			struct usock *k = &u[s];

			p[s].fd = k->fd;
			p[s].events = POLLIN;
			p[s].revents = 0;
			while (k->outstanding < (uint32_t)w &&
			    k->next < (uint32_t)n) {
				uint32_t q = k->next;
				size_t sz = uf_size(seed, (uint32_t)s, q, maxb);
				ssize_t m;

				put32(out, (uint32_t)s);
				put32(out + 4, q);
				put32(out + 8, (uint32_t)sz);
				gen(seed, (uint64_t)s << 32 | q, 0,
				    out + UF_HDR, sz - UF_HDR);
				m = send(k->fd, out, sz, MSG_DONTWAIT);
				if (m == -1 && (errno == EAGAIN ||
				    errno == ENOBUFS)) {
					p[s].events |= POLLOUT;
					break;
				}
				if (m != (ssize_t)sz) {
					fprintf(stderr, "echo_client: socket "
					    "%d: send %zu: %s\n", s, sz,
					    m == -1 ? strerror(errno) :
					    "short");
					goto report;
				}
				k->st[q] = 1;
				k->at[q] = now;
				k->next++;
				k->outstanding++;
				sent++;
				sbytes += sz;
			}
		}
		poll(p, (nfds_t)ns, 20);
		for (int s = 0; s < ns; s++) {
			struct usock *k = &u[s];

			for (;;) {
				ssize_t m = recv(k->fd, in, sizeof(in),
				    MSG_DONTWAIT);
				uint32_t hs, hq;

				if (m == -1 && errno == EAGAIN)
					break;
				if (m < UF_HDR) {
					fprintf(stderr, "echo_client: socket "
					    "%d: reply of %zd bytes (%s)\n", s,
					    m, m == -1 ? strerror(errno) :
					    "shorter than the header");
					goto report;
				}
				hs = get32(in);
				hq = get32(in + 4);
				if (hs != (uint32_t)s) {
					fprintf(stderr, "echo_client: socket "
					    "%d got the reply to socket %u's "
					    "datagram %u\n", s, hs, hq);
					goto report;
				}
				if (hq >= k->next || k->st[hq] == 2) {
					fprintf(stderr, "echo_client: socket "
					    "%d: reply to datagram %u %s\n", s,
					    hq, hq >= k->next ? "never sent" :
					    "came twice");
					goto report;
				}
				if ((size_t)m != uf_size(seed, (uint32_t)s, hq,
				    maxb) || get32(in + 8) != (uint32_t)m) {
					fprintf(stderr, "echo_client: socket "
					    "%d: reply to datagram %u has %zd "
					    "bytes, sent %zu\n", s, hq, m,
					    uf_size(seed, (uint32_t)s, hq,
					    maxb));
					goto report;
				}
				gen(seed, (uint64_t)s << 32 | hq, 0, want,
				    (size_t)m - UF_HDR);
				for (ssize_t x = UF_HDR; x < m; x++)
					if (in[x] != expect(want[x - UF_HDR])) {
						fprintf(stderr, "echo_client: "
						    "socket %d: datagram %u: "
						    "byte %zd differs\n", s,
						    hq, x);
						goto report;
					}
				if (k->st[hq] == 3) {
					lost--;
					late++;
				} else
					k->outstanding--;
				k->st[hq] = 2;
				got++;
				rbytes += (unsigned long long)m;
			}
			/* the oldest unanswered for too long is lost */
			now = now_s();
			while (k->oldest < k->next) {
				uint32_t q = k->oldest;

				if (k->st[q] == 1) {
					if (now - k->at[q] < UF_LOST_MS / 1000.0)
						break;
					k->st[q] = 3;
					k->outstanding--;
					lost++;
				}
				k->oldest++;
			}
		}
	}
	rc = 0;
report:
	printf("udpflood %d sockets: sent %llu (%llu bytes), received %llu "
	    "(%llu bytes), lost %llu, late %llu, %.3f s\n", ns, sent, sbytes,
	    got, rbytes, lost, late, now_s() - t0);
out:
	for (int s = 0; u != NULL && s < ns; s++) {
		if (u[s].fd != -1)
			close(u[s].fd);
		free(u[s].st);
		free(u[s].at);
	}
	free(u);
	free(p);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *mode = "echo", *sizes = "1";
	struct sockaddr_storage ss;
	struct rlimit rl;
	socklen_t len;
	uint64_t seed = 1;
	size_t b = 1000;
	int n = 1, ch, window = 0, pace = 0, hold = 0, reset_every = 4;
	int uwin = 32, b_set = 0;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	/* thousands of connections: take every descriptor allowed */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	while ((ch = getopt(argc, argv, "m:n:b:us:t:z:c:d:Hr:w:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'b':
			b = strtoul(optarg, NULL, 10);
			b_set = 1;
			break;
		case 'u':
			upper = 1;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			limit_s = atof(optarg);
			break;
		case 'z':
			sizes = optarg;
			break;
		case 'c':
			window = atoi(optarg);
			break;
		case 'd':
			pace = atoi(optarg);
			break;
		case 'H':
			hold = 1;
			break;
		case 'r':
			reset_every = atoi(optarg);
			break;
		case 'w':
			uwin = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || n < 1 || window < 0 || pace < 0 ||
	    reset_every < 0 || uwin < 1) {
		fprintf(stderr, "usage: echo_client [-m MODE] [-n N] [-b BYTES] "
		    "[-u] [-s SEED] [-t SEC] [-z SIZES] [-c N] [-d MS] [-H] "
		    "[-r K] [-w N] HOST PORT\n");
		return 2;
	}
	if (addr_of(argv[optind], argv[optind + 1], &ss, &len) == -1)
		return 2;
	if (strcmp(mode, "echo") == 0)
		return run_echo(&ss, len, n, b, seed, 0);
	if (strcmp(mode, "many") == 0)
		return run_many(&ss, len, n, b, seed, window ? window : 500,
		    pace, hold);
	if (strcmp(mode, "storm") == 0)
		return run_storm(&ss, len, n, window ? window : 64,
		    reset_every);
	if (strcmp(mode, "reset") == 0)
		return run_echo(&ss, len, n, b, seed, 1);
	if (strcmp(mode, "noread") == 0)
		return run_noread(&ss, len, n);
	if (strcmp(mode, "hold") == 0)
		return run_hold(&ss, len, n);
	if (strcmp(mode, "eof") == 0)
		return run_eof(&ss, len);
	if (strcmp(mode, "udp") == 0)
		return run_udp(&ss, len, sizes, seed);
	if (strcmp(mode, "udpflood") == 0)
		return run_udpflood(&ss, len, window ? window : 8, n,
		    b_set ? b : 1400, uwin, seed);
	if (strcmp(mode, "udpsink") == 0)
		return run_udpsink(&ss, len);
	fprintf(stderr, "echo_client: unknown mode %s\n", mode);
	return 2;
}
