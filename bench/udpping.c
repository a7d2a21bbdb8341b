/*
 * udpping: UDP echo load. N sockets (clients) each keep W datagrams in
 * flight; every reply is checked for its length, its origin and its
 * payload.
 *
 *   udpping [-c SOCKETS] [-s SIZE] [-w WINDOW] [-t SECONDS] [-L LOSS_MS]
 *           [-g PGID] HOST PORT
 *
 * A datagram carries a magic, its socket's id and a sequence number, then
 * bench pattern bytes that depend on both. A reply counts as good when it
 * comes from HOST:PORT, is exactly SIZE bytes, belongs to this socket and
 * to a datagram still in flight, and is unaltered; otherwise it is
 * counted as wrong origin, merged (longer), short, wrong client,
 * duplicate or unknown, or altered. A datagram without a reply after
 * -L ms (default 200) is lost and replaced.
 *
 * Runs -t seconds (default 3), then waits -L ms for the stragglers.
 * Prints one line of key=value; exit 0 when every reply was good and none
 * was lost, 1 otherwise.
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

#define RING	1024		/* window at most RING / 2 */
#define BATCH	64
#define MAXSZ	1472
#define HDR	16
#define MAGIC	0x55445042u	/* "UDPB" */
#define NSAY	5

struct slot {
	uint64_t	 seq;
	int64_t		 t;
	int		 busy;
};

struct us {
	int		 fd;
	uint32_t	 id;
	uint64_t	 next;		/* next sequence number */
	unsigned	 out;		/* in flight */
	struct slot	 ring[RING];
};

static struct {
	struct sockaddr_in	 to;
	size_t			 size;
	unsigned		 window;
	int			 running;
	int64_t			 loss_ns;
	uint64_t		 sent, good, lost, said;
	uint64_t		 wrong_origin, merged, shrt, wrong_client;
	uint64_t		 dup, altered, senderr;
	struct hist		 rtt;
} g;

static void
fill(unsigned char *p, uint32_t id, uint64_t seq)
{
	uint32_t m = MAGIC;

	memcpy(p, &m, 4);
	memcpy(p + 4, &id, 4);
	memcpy(p + 8, &seq, 8);
	memcpy(p + HDR, pat_at(((uint64_t)id * 1000003u + seq * 61u) %
	    PAT_LEN), g.size - HDR);
}

static void
note(const char *fmt, uint32_t id)
{
	if (g.said++ < NSAY)
		fprintf(stderr, "udpping: socket %u: %s\n", id, fmt);
}

/* Sends datagrams until the socket has its window in flight. */
static void
refill(struct us *u, int64_t now)
{
	static unsigned char bufs[BATCH][MAXSZ];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned n = 0;
	int r;

	while (g.running && u->out + n < g.window && n < BATCH) {
		struct slot *s = &u->ring[(u->next + n) % RING];

		if (s->busy) {
			/* a RING-old datagram never came back */
			s->busy = 0;
			u->out--;
			g.lost++;
		}
		fill(bufs[n], u->id, u->next + n);
		iov[n].iov_base = bufs[n];
		iov[n].iov_len = g.size;
		memset(&m[n], 0, sizeof(m[n]));
		m[n].msg_hdr.msg_iov = &iov[n];
		m[n].msg_hdr.msg_iovlen = 1;
		m[n].msg_hdr.msg_name = &g.to;
		m[n].msg_hdr.msg_namelen = sizeof(g.to);
		n++;
	}
	if (n == 0)
		return;
	r = sendmmsg(u->fd, m, n, 0);
	if (r <= 0) {
		g.senderr++;
		return;
	}
	for (int i = 0; i < r; i++) {
		struct slot *s = &u->ring[(u->next + (unsigned)i) % RING];

		s->seq = u->next + (unsigned)i;
		s->t = now;
		s->busy = 1;
	}
	u->next += (unsigned)r;
	u->out += (unsigned)r;
	g.sent += (unsigned)r;
}

static void
receive(struct us *all, struct us *u)
{
	static unsigned char bufs[BATCH][MAXSZ + 1];
	struct sockaddr_in from[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned char want[MAXSZ];
	int64_t now;
	int n;

	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &from[i];
		m[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	n = recvmmsg(u->fd, m, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	now = now_ns();
	for (int i = 0; i < n; i++) {
		unsigned char *p = bufs[i];
		uint32_t magic, id;
		uint64_t seq;
		struct slot *s;

		if (m[i].msg_hdr.msg_namelen != sizeof(g.to) ||
		    from[i].sin_family != AF_INET ||
		    from[i].sin_port != g.to.sin_port ||
		    from[i].sin_addr.s_addr != g.to.sin_addr.s_addr) {
			g.wrong_origin++;
			note("reply from another address", u->id);
			continue;
		}
		if (m[i].msg_len > g.size) {
			g.merged++;
			note("reply longer than the request (merged)", u->id);
			continue;
		}
		if (m[i].msg_len < g.size) {
			g.shrt++;
			note("reply shorter than the request", u->id);
			continue;
		}
		memcpy(&magic, p, 4);
		memcpy(&id, p + 4, 4);
		memcpy(&seq, p + 8, 8);
		if (magic != MAGIC) {
			g.altered++;
			note("reply altered (header)", u->id);
			continue;
		}
		if (id != u->id) {
			g.wrong_client++;
			note("reply meant for another socket", u->id);
			(void)all;
			continue;
		}
		s = &u->ring[seq % RING];
		if (!s->busy || s->seq != seq) {
			g.dup++;
			note("reply to no datagram in flight (duplicate or "
			    "late)", u->id);
			continue;
		}
		fill(want, id, seq);
		if (memcmp(want, p, g.size) != 0) {
			g.altered++;
			note("reply altered (payload)", u->id);
			continue;
		}
		s->busy = 0;
		u->out--;
		g.good++;
		hist_add(&g.rtt, now - s->t);
	}
}

/* Retires the datagrams in flight longer than the loss limit. */
static void
sweep(struct us *u, int64_t now)
{
	for (int i = 0; i < RING; i++) {
		struct slot *s = &u->ring[i];

		if (s->busy && now - s->t > g.loss_ns) {
			s->busy = 0;
			u->out--;
			g.lost++;
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: udpping [-c SOCKETS] [-s SIZE] [-w WINDOW] "
	    "[-t SECONDS] [-L LOSS_MS] [-g PGID] HOST PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct epoll_event ev, evs[64];
	struct sockaddr_in me;
	struct pgstat p0, p1 = { 0 };
	double secs = 3, loss_ms = 200, cpu;
	uint64_t good0 = 0, good1 = 0;
	int64_t t0, t1, now, last_sweep;
	long nsock = 1;
	pid_t pgid = 0;
	struct us *us;
	int ep, o, n;

	bench_name = "udpping";
	g.size = 64;
	g.window = 32;
	while ((o = getopt(argc, argv, "c:s:w:t:L:g:")) != -1) {
		switch (o) {
		case 'c':
			nsock = (long)num_arg(o, optarg);
			break;
		case 's':
			g.size = (size_t)num_arg(o, optarg);
			break;
		case 'w':
			g.window = (unsigned)num_arg(o, optarg);
			break;
		case 't':
			secs = num_arg(o, optarg);
			break;
		case 'L':
			loss_ms = num_arg(o, optarg);
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
	if (nsock < 1 || nsock > 4096 || g.size < HDR || g.size > MAXSZ ||
	    g.window < 1 || g.window > RING / 2)
		die("need 1 <= -c <= 4096, %d <= -s <= %d, 1 <= -w <= %d",
		    HDR, MAXSZ, RING / 2);
	parse_target(argv[optind], argv[optind + 1], &g.to);
	signal(SIGPIPE, SIG_IGN);
	pat_init(0x0d9ULL);
	g.loss_ns = (int64_t)(loss_ms * 1e6);
	us = calloc((size_t)nsock, sizeof(*us));
	if (us == NULL)
		die("out of memory");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_addr = g.to.sin_addr;
	for (long i = 0; i < nsock; i++) {
		us[i].id = (uint32_t)i;
		/* not connected: a reply from elsewhere must be seen */
		us[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (us[i].fd == -1)
			die("socket: %s", strerror(errno));
		if (bind(us[i].fd, (struct sockaddr *)&me, sizeof(me)) == -1)
			die("bind: %s", strerror(errno));
		ev.events = EPOLLIN;
		ev.data.ptr = &us[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, us[i].fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
	}

	pg_read(pgid, &p0);
	g.running = 1;
	t0 = now_ns();
	t1 = t0 + (int64_t)(secs * 1e9);
	last_sweep = t0;
	for (long i = 0; i < nsock; i++)
		refill(&us[i], t0);
	for (;;) {
		now = now_ns();
		if (g.running && now >= t1) {
			g.running = 0;
			good1 = g.good;
			pg_read(pgid, &p1);
			t1 = now;
		}
		if (!g.running) {
			long busy = 0;

			for (long i = 0; i < nsock; i++)
				busy += us[i].out;
			if (busy == 0 || now - t1 > g.loss_ns)
				break;
		}
		n = epoll_wait(ep, evs, 64, 10);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct us *u = evs[i].data.ptr;

			receive(us, u);
			refill(u, now_ns());
		}
		now = now_ns();
		if (now - last_sweep > g.loss_ns / 4) {
			last_sweep = now;
			for (long i = 0; i < nsock; i++) {
				sweep(&us[i], now);
				refill(&us[i], now);
			}
		}
	}
	for (long i = 0; i < nsock; i++) {
		g.lost += us[i].out;
		close(us[i].fd);
	}
	if (g.lost > 0)
		fprintf(stderr, "udpping: %llu of %llu datagrams got no reply "
		    "within %.0f ms\n", (unsigned long long)g.lost,
		    (unsigned long long)g.sent, loss_ms);
	if (g.senderr > 0)
		fprintf(stderr, "udpping: sendmmsg failed %llu times\n",
		    (unsigned long long)g.senderr);
	secs = (double)(t1 - t0) / 1e9;
	cpu = p1.cpu_s - p0.cpu_s;
	{
		uint64_t bad = g.wrong_origin + g.merged + g.shrt +
		    g.wrong_client + g.dup + g.altered;
		uint64_t in_window = good1 - good0;

		printf("sockets=%ld size=%zu window=%u secs=%.2f sent=%llu "
		    "good=%llu pps=%.0f lost=%llu loss_pct=%.3f p50_us=%.1f "
		    "p99_us=%.1f max_us=%.1f wrong=%llu wrong_origin=%llu "
		    "merged=%llu short=%llu wrong_client=%llu dup=%llu "
		    "altered=%llu send_errors=%llu cpu_s=%.2f cpu_us_dgram=%.3f "
		    "nproc=%d\n", nsock, g.size, g.window, secs,
		    (unsigned long long)g.sent, (unsigned long long)g.good,
		    (double)in_window / secs, (unsigned long long)g.lost,
		    g.sent ? 100.0 * (double)g.lost / (double)g.sent : 0.0,
		    (double)hist_q(&g.rtt, 0.5) / 1e3,
		    (double)hist_q(&g.rtt, 0.99) / 1e3,
		    (double)g.rtt.max / 1e3, (unsigned long long)bad,
		    (unsigned long long)g.wrong_origin,
		    (unsigned long long)g.merged, (unsigned long long)g.shrt,
		    (unsigned long long)g.wrong_client,
		    (unsigned long long)g.dup, (unsigned long long)g.altered,
		    (unsigned long long)g.senderr, cpu,
		    in_window ? cpu * 1e6 / (double)in_window : 0.0, p1.nproc);
		return bad == 0 && g.lost == 0 && g.senderr == 0 ? 0 : 1;
	}
}
