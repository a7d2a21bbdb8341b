/*
 * scrape: C concurrent HTTP/1.1 scrapers on keep-alive connections, each
 * asking for PATH again as soon as the last answer is whole, for T
 * seconds; for bench/exporter (sockctl exporter against
 * blackbox_exporter's /probe).
 *
 *   scrape -c CONNS -t SECS -g PGID HOST PORT PATH...
 *
 * Several PATHs are asked in turn (an open and a refused target). Prints
 * one line: answers/s, by status, p50/p99/max latency (ms), and the CPU
 * time and RSS of process group PGID (the server) over the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define BUF	65536

struct conn {
	int	 fd;
	size_t	 len;		/* bytes of the answer read */
	int64_t	 t0;
	int	 next;		/* the next path */
	char	 buf[BUF];
};

static struct bench_dest dest;
static char **paths;
static int npaths;
static struct hist h;
static uint64_t ok2xx, other, errors;

static int
conn_open(struct conn *c, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN };

	c->fd = socket(dest.ss.ss_family, SOCK_STREAM, 0);
	if (c->fd == -1 || connect(c->fd, (struct sockaddr *)&dest.ss,
	    dest.len) == -1)
		return -1;
	ev.data.ptr = c;
	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
conn_ask(struct conn *c)
{
	char req[1024];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench\r\n"
	    "\r\n", paths[c->next]);

	c->next = (c->next + 1) % npaths;
	c->len = 0;
	c->t0 = now_ns();
	if (write(c->fd, req, (size_t)n) != n)
		errors++;
}

/* Whether the answer in c->buf is whole; counts it. */
static int
conn_done(struct conn *c)
{
	char *end, *cl;
	size_t head, body;

	c->buf[c->len] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (end == NULL)
		return 0;
	head = (size_t)(end + 4 - c->buf);
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	if (cl == NULL || cl > end)
		return 0;
	body = strtoul(cl + 17, NULL, 10);
	if (c->len < head + body)
		return 0;
	if (strncmp(c->buf + 9, "2", 1) == 0)
		ok2xx++;
	else
		other++;
	hist_add(&h, now_ns() - c->t0);
	return 1;
}

int
main(int argc, char **argv)
{
	int conns = 64, opt, ep;
	double secs = 5;
	pid_t pg = 0;
	struct conn *cs;
	struct pgstat a, b;
	int64_t t0, t1;

	bench_name = "scrape";
	while ((opt = getopt(argc, argv, "c:t:g:")) != -1) {
		switch (opt) {
		case 'c': conns = (int)num_arg(opt, optarg); break;
		case 't': secs = num_arg(opt, optarg); break;
		case 'g': pg = (pid_t)num_arg(opt, optarg); break;
		default: die("usage: scrape -c N -t SECS -g PGID HOST PORT PATH...");
		}
	}
	if (argc - optind < 3)
		die("usage: scrape -c N -t SECS -g PGID HOST PORT PATH...");
	parse_dest(argv[optind], argv[optind + 1], &dest);
	paths = argv + optind + 2;
	npaths = argc - optind - 2;
	raise_nofile();
	cs = calloc((size_t)conns, sizeof(*cs));
	ep = epoll_create1(0);
	if (cs == NULL || ep == -1)
		die("no memory or no epoll");
	for (int i = 0; i < conns; i++) {
		cs[i].next = i % npaths;
		if (conn_open(&cs[i], ep) == -1)
			die("connect: %s", strerror(errno));
	}
	pg_read(pg, &a);
	t0 = now_ns();
	for (int i = 0; i < conns; i++)
		conn_ask(&cs[i]);
	while ((t1 = now_ns()) - t0 < (int64_t)(secs * 1e9)) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t r = read(c->fd, c->buf + c->len, BUF - 1 - c->len);

			if (r <= 0) {
				/* closed: count it, open again */
				errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				if (conn_open(c, ep) == -1)
					die("connect: %s", strerror(errno));
				conn_ask(c);
				continue;
			}
			c->len += (size_t)r;
			if (conn_done(c))
				conn_ask(c);
		}
	}
	pg_read(pg, &b);
	t1 = now_ns();
	printf("answers_s=%.0f ok=%llu other=%llu errors=%llu p50_ms=%.3f "
	    "p99_ms=%.3f max_ms=%.3f cpu_s=%.2f rss_kb=%ld cpu_us_per=%.1f\n",
	    (double)(ok2xx + other) / ((double)(t1 - t0) / 1e9),
	    (unsigned long long)ok2xx, (unsigned long long)other,
	    (unsigned long long)errors, (double)hist_q(&h, 0.5) / 1e6,
	    (double)hist_q(&h, 0.99) / 1e6, (double)h.max / 1e6,
	    b.cpu_s - a.cpu_s, b.rss_kb, (ok2xx + other) ? (b.cpu_s - a.cpu_s) *
	    1e6 / (double)(ok2xx + other) : 0);
	return 0;
}
