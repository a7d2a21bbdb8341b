/*
 * storm: N short connections, each connect, one echo, close; C in flight.
 *
 *   storm [-n TOTAL] [-C INFLIGHT] [-s SIZE] [-t LIMIT_S] [-w CONN_S]
 *         [-g PGID] HOST PORT
 *
 * Each connection sends SIZE bytes (default 64) of the bench pattern from
 * its own offset, reads them back, compares them, and closes (the client
 * closes first, as short-lived clients do). A connection that takes more
 * than -w seconds (default 5) counts as an error; no new connection
 * starts after -t seconds (default 60).
 *
 * -g PGID: the server's process group; its CPU time is divided by the
 * connections served.
 *
 * Prints one line of key=value; exit 0 when all TOTAL came back
 * unaltered, 1 otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define NEV	256
#define NSAY	5
#define MAXS	65536

struct sc {
	int		 fd;		/* -1: free */
	int		 connected;
	uint64_t	 id;
	size_t		 sent, got;
	int64_t		 t0;
};

static struct {
	struct sockaddr_in	 to;
	int			 ep;
	size_t			 size;
	int64_t			 conn_ns;
	long			 total, started, done, errors, mismatches;
	long			 timeouts, said;
	struct hist		 lat;
	unsigned char		 rbuf[MAXS];
} g;

static uint64_t
base(uint64_t id)
{
	return (id * 7919u * 64u + id) % PAT_LEN;
}

static void
say(const struct sc *k, const char *what, int err)
{
	if (g.said++ >= NSAY)
		return;
	fprintf(stderr, "storm: conn %llu: %s%s%s\n",
	    (unsigned long long)k->id, what, err ? ": " : "",
	    err ? strerror(err) : "");
}

static void
finish(struct sc *k)
{
	close(k->fd);
	k->fd = -1;
}

static void
fail(struct sc *k, const char *what, int err)
{
	g.errors++;
	say(k, what, err);
	finish(k);
}

/*
 * Starts connection k. The client does as little as it can, so that the
 * server, not the client, is what runs out of CPU first: on loopback the
 * handshake is usually complete when connect() returns EINPROGRESS, so the
 * message goes out at once and only a connection still in its handshake
 * waits for EPOLLOUT. (The message is one write: no TCP_NODELAY needed.)
 */
static void
start(struct sc *k, int64_t now)
{
	struct epoll_event ev;
	ssize_t n;

	k->id = (uint64_t)g.started++;
	k->sent = k->got = 0;
	k->connected = 0;
	k->t0 = now;
	k->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd == -1) {
		g.errors++;
		say(k, "socket", errno);
		return;
	}
	if (connect(k->fd, (struct sockaddr *)&g.to, sizeof(g.to)) == -1 &&
	    errno != EINPROGRESS) {
		fail(k, "connect", errno);
		return;
	}
	n = send(k->fd, pat_at(base(k->id)), g.size, MSG_NOSIGNAL);
	if (n > 0) {
		k->connected = 1;
		k->sent = (size_t)n;
	} else if (n == -1 && errno != EAGAIN && errno != ENOTCONN) {
		fail(k, "connect", errno);
		return;
	}
	ev.events = EPOLLIN | (k->sent < g.size ? EPOLLOUT : 0);
	ev.data.ptr = k;
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, k->fd, &ev) == -1)
		fail(k, "epoll_ctl", errno);
}

static void
step(struct sc *k, uint32_t events)
{
	struct epoll_event ev;
	socklen_t len;
	ssize_t n;
	int err = 0;
	long bad;

	if (!k->connected) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		len = sizeof(err);
		if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			fail(k, "connect", err);
			return;
		}
		k->connected = 1;
	}
	if (k->sent < g.size) {
		n = send(k->fd, pat_at(base(k->id) + k->sent),
		    g.size - k->sent, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			fail(k, "send", errno);
			return;
		}
		if (n > 0)
			k->sent += (size_t)n;
		if (k->sent == g.size) {
			ev.events = EPOLLIN;
			ev.data.ptr = k;
			if (epoll_ctl(g.ep, EPOLL_CTL_MOD, k->fd, &ev) == -1) {
				fail(k, "epoll_ctl", errno);
				return;
			}
		}
	}
	if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	n = recv(k->fd, g.rbuf, sizeof(g.rbuf), 0);
	if (n == -1) {
		if (errno != EAGAIN)
			fail(k, "recv", errno);
		return;
	}
	if (n == 0) {
		fail(k, "server closed before the echo", 0);
		return;
	}
	if (k->got + (size_t)n > k->sent) {
		g.mismatches++;
		say(k, "more bytes back than were sent", 0);
		finish(k);
		return;
	}
	bad = pat_check(base(k->id) + k->got, g.rbuf, (size_t)n);
	if (bad >= 0) {
		g.mismatches++;
		say(k, "altered bytes", 0);
		finish(k);
		return;
	}
	k->got += (size_t)n;
	if (k->got == g.size) {
		hist_add(&g.lat, now_ns() - k->t0);
		g.done++;
		finish(k);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: storm [-n TOTAL] [-C INFLIGHT] [-s SIZE] "
	    "[-t LIMIT_S] [-w CONN_S] [-g PGID] HOST PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[NEV];
	struct pgstat p0, p1;
	double limit_s = 60, conn_s = 5, secs, cpu;
	long inflight = 64, active;
	int64_t t0, t1, now, last_sweep = 0;
	pid_t pgid = 0;
	struct sc *ks;
	int o, n;

	bench_name = "storm";
	g.total = 20000;
	g.size = 64;
	while ((o = getopt(argc, argv, "n:C:s:t:w:g:")) != -1) {
		switch (o) {
		case 'n':
			g.total = (long)num_arg(o, optarg);
			break;
		case 'C':
			inflight = (long)num_arg(o, optarg);
			break;
		case 's':
			g.size = (size_t)num_arg(o, optarg);
			break;
		case 't':
			limit_s = num_arg(o, optarg);
			break;
		case 'w':
			conn_s = num_arg(o, optarg);
			break;
		case 'g':
			pgid = (pid_t)num_arg(o, optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	if (inflight < 1 || g.size < 1 || g.size > MAXS)
		die("need -C >= 1 and 1 <= -s <= %d", MAXS);
	parse_target(argv[optind], argv[optind + 1], &g.to);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	pat_init(0x5707ULL);
	g.conn_ns = (int64_t)(conn_s * 1e9);
	ks = calloc((size_t)inflight, sizeof(*ks));
	if (ks == NULL)
		die("out of memory");
	for (long i = 0; i < inflight; i++)
		ks[i].fd = -1;
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g.ep == -1)
		die("epoll_create1: %s", strerror(errno));

	pg_read(pgid, &p0);
	t0 = now_ns();
	for (;;) {
		now = now_ns();
		active = 0;
		for (long i = 0; i < inflight; i++) {
			if (ks[i].fd == -1 && g.started < g.total &&
			    now - t0 < (int64_t)(limit_s * 1e9))
				start(&ks[i], now);
			if (ks[i].fd != -1)
				active++;
		}
		if (active == 0)
			break;
		n = epoll_wait(g.ep, evs, NEV, 50);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct sc *k = evs[i].data.ptr;

			if (k->fd != -1)
				step(k, evs[i].events);
		}
		now = now_ns();
		if (now - last_sweep > 50000000) {
			last_sweep = now;
			for (long i = 0; i < inflight; i++) {
				if (ks[i].fd != -1 &&
				    now - ks[i].t0 > g.conn_ns) {
					g.timeouts++;
					fail(&ks[i], ks[i].connected ?
					    "no echo in time" :
					    "no connection in time", 0);
				}
			}
		}
	}
	t1 = now_ns();
	pg_read(pgid, &p1);
	secs = (double)(t1 - t0) / 1e9;
	cpu = p1.cpu_s - p0.cpu_s;
	if (g.started < g.total)
		fprintf(stderr, "storm: %ld of %ld connections started within "
		    "%.0f s\n", g.started, g.total, limit_s);
	printf("total=%ld done=%ld secs=%.3f conns_s=%.0f p50_us=%.1f "
	    "p99_us=%.1f max_us=%.1f errors=%ld timeouts=%ld mismatches=%ld "
	    "cpu_s=%.2f cpu_us_conn=%.2f nproc=%d\n", g.total, g.done, secs,
	    (double)g.done / secs, (double)hist_q(&g.lat, 0.5) / 1e3,
	    (double)hist_q(&g.lat, 0.99) / 1e3, (double)g.lat.max / 1e3,
	    g.errors, g.timeouts, g.mismatches, cpu,
	    g.done > 0 ? cpu * 1e6 / (double)g.done : 0.0, p1.nproc);
	return g.done == g.total && g.errors == 0 && g.mismatches == 0 ?
	    0 : 1;
}
