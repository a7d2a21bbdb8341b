/*
 * pingpong: TCP echo load. N connections each keep D messages of S bytes
 * in flight; every byte that comes back is compared with what was sent.
 *
 *   pingpong [-c CONNS] [-s SIZE] [-d DEPTH] [-t SECONDS] [-T SETUP_S]
 *            [-C CONNECTING] [-g PGID] HOST PORT
 *   (HOST "unix" and PORT a path: a Unix stream socket)
 *
 * Setup: every connection connects (at most -C connects pending at once;
 * default all) and sends one message; setup ends when each has its echo
 * back, or after -T seconds (default 10). Then for -t seconds (default 3)
 * every connection keeps D messages in flight: a message's latency runs
 * from its send() to the arrival of its last byte. Then no new messages;
 * the ones in flight are awaited (at most 2 s), the server's resident set
 * is read with every connection open and idle, and everything is closed.
 *
 * Each connection's stream is the bench pattern from its own offset, so a
 * byte altered, lost, repeated or sent to the wrong client is caught; the
 * connection is then closed and counted in mismatches.
 *
 * -g PGID: the server's process group, whose CPU time (utime+stime, reaped
 * children included, from /proc) over the measured seconds is divided by
 * the messages echoed.
 *
 * Prints one line of key=value; problems go to stderr (the first few).
 * Exit 0 when every connection was ready and there were no errors or
 * mismatches, 1 otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define MAXD	64
#define RBUF	(64 * 1024)
#define NEV	512
#define NSAY	5

enum { S_IDLE, S_CONNECTING, S_OPEN, S_DEAD };

struct pc {
	int		 fd;
	int		 state;
	int		 ready;		/* the first echo came back */
	int		 wout;		/* EPOLLOUT watched */
	uint32_t	 id;
	uint64_t	 base;		/* pattern offset of the stream */
	uint64_t	 queued;	/* bytes of the messages issued */
	uint64_t	 sent, got;
	uint64_t	 issued, done;	/* messages */
	int64_t		 ts[MAXD];	/* send time of message i % MAXD */
};

static struct {
	struct bench_dest	 to;
	int			 ep;
	size_t			 size;
	unsigned		 depth;
	int			 running;	/* measuring: keep issuing */
	int64_t			 t0, t1;	/* the measured window */
	long			 nready, nconnecting, nopen;
	long			 errors, mismatches, said;
	uint64_t		 msgs;
	uint64_t		 bytes;
	struct hist		 lat;
	unsigned char		 rbuf[RBUF];
} g;

static void
say(const struct pc *k, const char *what, int err)
{
	if (g.said++ >= NSAY)
		return;
	fprintf(stderr, "pingpong: conn %u: %s%s%s\n", k->id, what,
	    err ? ": " : "", err ? strerror(err) : "");
}

static void
kill_conn(struct pc *k)
{
	if (k->state == S_CONNECTING)
		g.nconnecting--;
	if (k->state == S_CONNECTING || k->state == S_OPEN) {
		close(k->fd);
		g.nopen--;
	}
	k->state = S_DEAD;
}

static void
fail(struct pc *k, const char *what, int err)
{
	g.errors++;
	say(k, what, err);
	kill_conn(k);
}

static void
watch_out(struct pc *k, int on)
{
	struct epoll_event ev;

	if (k->wout == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = k;
	if (epoll_ctl(g.ep, EPOLL_CTL_MOD, k->fd, &ev) == -1) {
		fail(k, "epoll_ctl", errno);
		return;
	}
	k->wout = on;
}

/* Sends what is queued; returns -1 when k died. */
static int
push(struct pc *k)
{
	ssize_t w;
	uint64_t n;

	while (k->sent < k->queued) {
		n = k->queued - k->sent;
		if (n > RBUF)
			n = RBUF;
		w = send(k->fd, pat_at(k->base + k->sent), n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			fail(k, "send", errno);
			return -1;
		}
		k->sent += (uint64_t)w;
	}
	watch_out(k, k->sent < k->queued);
	return k->state == S_DEAD ? -1 : 0;
}

/* Issues messages up to the depth (one during setup). */
static int
issue(struct pc *k, int64_t now)
{
	unsigned want = g.running ? g.depth : (k->issued == 0 ? 1 : 0);

	while (k->issued - k->done < want) {
		k->ts[k->issued % MAXD] = now;
		k->issued++;
		k->queued += g.size;
	}
	return push(k);
}

static void
start_connect(struct pc *k)
{
	struct epoll_event ev;
	int one = 1;

	k->fd = socket(g.to.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (k->fd == -1) {
		g.errors++;
		say(k, "socket", errno);
		k->state = S_DEAD;
		return;
	}
	g.nopen++;
	(void)setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	k->state = S_CONNECTING;
	g.nconnecting++;
	if (connect(k->fd, (struct sockaddr *)&g.to.ss, g.to.len) == -1 &&
	    errno != EINPROGRESS) {
		fail(k, "connect", errno);
		return;
	}
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = k;
	k->wout = 1;
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, k->fd, &ev) == -1)
		fail(k, "epoll_ctl", errno);
}

static void
on_connected(struct pc *k, int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		fail(k, "connect", err);
		return;
	}
	k->state = S_OPEN;
	g.nconnecting--;
	(void)issue(k, now);
}

static void
on_readable(struct pc *k, int64_t now)
{
	ssize_t n;
	long bad;

	n = recv(k->fd, g.rbuf, RBUF, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			fail(k, "recv", errno);
		return;
	}
	if (n == 0) {
		fail(k, "server closed the connection", 0);
		return;
	}
	if (k->got + (uint64_t)n > k->sent) {
		g.mismatches++;
		say(k, "more bytes back than were sent", 0);
		kill_conn(k);
		return;
	}
	bad = pat_check(k->base + k->got, g.rbuf, (size_t)n);
	if (bad >= 0) {
		char what[96];

		g.mismatches++;
		snprintf(what, sizeof(what), "byte %llu of the stream differs",
		    (unsigned long long)(k->got + (uint64_t)bad));
		say(k, what, 0);
		kill_conn(k);
		return;
	}
	k->got += (uint64_t)n;
	while ((k->done + 1) * g.size <= k->got) {
		if (g.running && now <= g.t1) {
			hist_add(&g.lat, now - k->ts[k->done % MAXD]);
			g.msgs++;
		}
		k->done++;
	}
	if (!k->ready && k->done > 0) {
		k->ready = 1;
		g.nready++;
	}
	(void)issue(k, now);
}

static void
dispatch(struct pc *k, uint32_t events)
{
	int64_t now = now_ns();

	if (k->state == S_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_connected(k, now);
		return;
	}
	if (k->state != S_OPEN)
		return;
	if (events & EPOLLOUT) {
		if (push(k) == -1)
			return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(k, now);
}

/* Waits for events until deadline or until cond() holds. */
static void
pump(int64_t deadline, int (*cond)(void), struct pc *pcs, long nconns,
    long maxconnecting, long *next)
{
	struct epoll_event evs[NEV];
	int64_t now;
	int n, ms;

	for (;;) {
		while (*next < nconns && (maxconnecting == 0 ||
		    g.nconnecting < maxconnecting))
			start_connect(&pcs[(*next)++]);
		if (cond != NULL && cond())
			return;
		now = now_ns();
		if (now >= deadline)
			return;
		ms = (int)((deadline - now) / 1000000) + 1;
		if (ms > 100)
			ms = 100;
		n = epoll_wait(g.ep, evs, NEV, ms);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++)
			dispatch(evs[i].data.ptr, evs[i].events);
	}
}

static long	want_ready;

static int
all_ready(void)
{
	return g.nready + g.errors + g.mismatches >= want_ready;
}

static struct pc	*all;
static long		 nall;

static int
drained(void)
{
	for (long i = 0; i < nall; i++)
		if (all[i].state == S_OPEN && all[i].done < all[i].issued)
			return 0;
	return 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pingpong [-c CONNS] [-s SIZE] [-d DEPTH] "
	    "[-t SECONDS] [-T SETUP_S] [-C CONNECTING] [-g PGID] HOST PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	double secs = 3, setup_s = 10, cpu;
	long conns = 1, maxconnecting = 0, next = 0, limit;
	int64_t t_setup0, setup_ns;
	struct pgstat p0, p1, pidle;
	pid_t pgid = 0;
	long late = 0;
	int o;

	bench_name = "pingpong";
	g.size = 64;
	g.depth = 1;
	while ((o = getopt(argc, argv, "c:s:d:t:T:C:g:")) != -1) {
		switch (o) {
		case 'c':
			conns = (long)num_arg(o, optarg);
			break;
		case 's':
			g.size = (size_t)num_arg(o, optarg);
			break;
		case 'd':
			g.depth = (unsigned)num_arg(o, optarg);
			break;
		case 't':
			secs = num_arg(o, optarg);
			break;
		case 'T':
			setup_s = num_arg(o, optarg);
			break;
		case 'C':
			maxconnecting = (long)num_arg(o, optarg);
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
	if (conns < 1 || g.size < 1 || g.size > PAT_TAIL / MAXD ||
	    g.depth < 1 || g.depth > MAXD)
		die("need -c >= 1, 1 <= -s <= %u, 1 <= -d <= %d",
		    PAT_TAIL / MAXD, MAXD);
	parse_dest(argv[optind], argv[optind + 1], &g.to);
	signal(SIGPIPE, SIG_IGN);
	limit = raise_nofile();
	if (limit > 0 && conns + 16 > limit)
		die("-c %ld needs more descriptors than the limit %ld "
		    "(raise ulimit -n)", conns, limit);
	pat_init(0x50c4c71ULL);
	all = calloc((size_t)conns, sizeof(*all));
	if (all == NULL)
		die("out of memory");
	nall = conns;
	for (long i = 0; i < conns; i++) {
		all[i].id = (uint32_t)i;
		all[i].fd = -1;
		/* streams start far apart in the pattern */
		all[i].base = ((uint64_t)i * 104729u * 64u + (uint64_t)i) %
		    PAT_LEN;
	}
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g.ep == -1)
		die("epoll_create1: %s", strerror(errno));

	/* setup: connect everyone, one echo each */
	want_ready = conns;
	t_setup0 = now_ns();
	pump(t_setup0 + (int64_t)(setup_s * 1e9), all_ready, all, conns,
	    maxconnecting, &next);
	setup_ns = now_ns() - t_setup0;
	if (g.nready < conns) {
		fprintf(stderr, "pingpong: %ld of %ld connections ready after "
		    "%.1f s (%ld errors, %ld still connecting)\n", g.nready,
		    conns, setup_s, g.errors, g.nconnecting);
	}

	/* the measured window */
	pg_read(pgid, &p0);
	g.running = 1;
	g.t0 = now_ns();
	g.t1 = g.t0 + (int64_t)(secs * 1e9);
	for (long i = 0; i < conns; i++)
		if (all[i].state == S_OPEN)
			(void)issue(&all[i], g.t0);
	pump(g.t1, NULL, all, conns, maxconnecting, &next);
	pg_read(pgid, &p1);
	g.running = 0;

	/* the tail: what is in flight comes back, then all sit idle */
	pump(now_ns() + 2000000000LL, drained, all, conns, maxconnecting,
	    &next);
	for (long i = 0; i < conns; i++) {
		if (all[i].state == S_OPEN && all[i].done < all[i].issued) {
			late++;
			if (g.said++ < NSAY)
				fprintf(stderr, "pingpong: conn %ld: %llu "
				    "messages not echoed within 2 s\n", i,
				    (unsigned long long)(all[i].issued -
				    all[i].done));
		}
	}
	g.errors += late;
	pg_read(pgid, &pidle);
	for (long i = 0; i < conns; i++)
		kill_conn(&all[i]);

	secs = (double)(g.t1 - g.t0) / 1e9;
	cpu = p1.cpu_s - p0.cpu_s;
	printf("conns=%ld ready=%ld setup_ms=%.1f size=%zu depth=%u "
	    "secs=%.2f msgs=%llu msgs_s=%.0f mb_s=%.2f p50_us=%.1f "
	    "p99_us=%.1f max_us=%.1f errors=%ld mismatches=%ld "
	    "cpu_s=%.2f cpu_us_msg=%.3f rss_kb=%ld nproc=%d\n",
	    conns, g.nready, (double)setup_ns / 1e6, g.size, g.depth, secs,
	    (unsigned long long)g.msgs, (double)g.msgs / secs,
	    (double)g.msgs * (double)g.size / secs / 1e6,
	    (double)hist_q(&g.lat, 0.50) / 1e3,
	    (double)hist_q(&g.lat, 0.99) / 1e3, (double)g.lat.max / 1e3,
	    g.errors, g.mismatches, cpu,
	    g.msgs > 0 ? cpu * 1e6 / (double)g.msgs : 0.0, pidle.rss_kb,
	    pidle.nproc);
	return g.nready == conns && g.errors == 0 && g.mismatches == 0 ?
	    0 : 1;
}
