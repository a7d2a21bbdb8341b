/*
 * bulk: N MiB through echo connections, sent and read back at the same
 * time, every byte compared.
 *
 *   bulk [-m MIB] [-c CONNS] [-u] [-S STALL_S] [-g PGID] HOST PORT
 *   (HOST "unix" and PORT a path: a Unix stream socket)
 *
 * The client opens CONNS connections (default 1) and streams MIB MiB in
 * all, split evenly between them, writing the bench pattern as fast as
 * each socket takes it and reading the echo concurrently (one thread,
 * epoll); when a connection has sent its share it shuts its write side
 * and waits for the last byte and the server's EOF. No progress either
 * way for -S seconds (default 5) ends the run as stalled. -u: the echo
 * is expected upper-cased (ASCII letters), as echo-server --upper sends
 * it.
 *
 * -g PGID: the server's process group; its CPU time over the run is
 * divided by the megabytes echoed (cpu_ms_mb), as is the client's own
 * (cli_ms_mb): on a loaded machine throughput moves with the load, the
 * CPU time a megabyte costs much less.
 *
 * Prints one line of key=value (MB is 10^6 bytes, one way). Exit 0 when
 * every byte came back unaltered and then EOF, 1 otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK	(256 * 1024)
#define MAXC	256

struct bconn {
	int		 fd;
	int		 wdone, eof;
	uint64_t	 total, sent, got;
};

static unsigned char	rbuf[CHUNK];
static unsigned char	*upat;		/* the pattern upper-cased, for -u */

static void
usage(void)
{
	fprintf(stderr, "usage: bulk [-m MIB] [-c CONNS] [-u] [-S STALL_S] "
	    "[-g PGID] HOST PORT\n");
	exit(2);
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	static struct bconn cs[MAXC];
	struct bench_dest to;
	struct epoll_event ev, evs[MAXC];
	struct pollfd pfd;
	struct pgstat p0, p1;
	double mib = 1024, stall_s = 5, secs, cpu, mb, c0, c1;
	uint64_t total, sent = 0, got = 0;
	int64_t t0, t1, last;
	const char *why = NULL;
	int ep, o, nc = 1, upper = 0, left, mismatch = 0, err = 0;
	pid_t pgid = 0;
	socklen_t len;
	ssize_t n = 0;
	long bad;

	bench_name = "bulk";
	while ((o = getopt(argc, argv, "m:c:uS:g:")) != -1) {
		switch (o) {
		case 'm':
			mib = num_arg(o, optarg);
			break;
		case 'c':
			nc = (int)num_arg(o, optarg);
			break;
		case 'u':
			upper = 1;
			break;
		case 'S':
			stall_s = num_arg(o, optarg);
			break;
		case 'g':
			pgid = (pid_t)num_arg(o, optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2 || nc < 1 || nc > MAXC)
		usage();
	parse_dest(argv[optind], argv[optind + 1], &to);
	signal(SIGPIPE, SIG_IGN);
	pat_init(0xb01cULL);
	if (upper) {
		upat = malloc(PAT_LEN + PAT_TAIL);
		if (upat == NULL)
			die("out of memory");
		for (size_t i = 0; i < PAT_LEN + PAT_TAIL; i++)
			upat[i] = bench_pat[i] >= 'a' && bench_pat[i] <= 'z' ?
			    (unsigned char)(bench_pat[i] - ('a' - 'A')) :
			    bench_pat[i];
	}
	total = (uint64_t)(mib * 1048576.0);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	pg_read(pgid, &p0);
	c0 = self_cpu();
	t0 = now_ns();
	for (int i = 0; i < nc; i++) {
		struct bconn *b = &cs[i];

		b->total = total / (uint64_t)nc +
		    (i == 0 ? total % (uint64_t)nc : 0);
		b->fd = socket(to.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (b->fd == -1)
			die("socket: %s", strerror(errno));
		if (connect(b->fd, (struct sockaddr *)&to.ss, to.len) == -1 &&
		    errno != EINPROGRESS)
			die("connect: %s", strerror(errno));
		/* the handshake: writable once connected */
		pfd.fd = b->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(stall_s * 1000)) != 1)
			die("connect: no answer within %.0f s", stall_s);
		len = sizeof(err);
		if (getsockopt(b->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0)
			die("connect: %s", strerror(err ? err : errno));
	}
	/* then all of them at once */
	for (int i = 0; i < nc; i++) {
		ev.events = EPOLLIN | EPOLLOUT;
		ev.data.ptr = &cs[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
	}

	last = now_ns();
	left = nc;
	while (left > 0 && why == NULL) {
		int k = epoll_wait(ep, evs, nc, 100);

		if (k == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		if (k <= 0) {
			if (now_ns() - last > (int64_t)(stall_s * 1e9))
				why = "stalled";
			continue;
		}
		for (int e = 0; e < k && why == NULL; e++) {
			struct bconn *b = evs[e].data.ptr;

			if (b->eof)
				continue;
			if ((evs[e].events & EPOLLOUT) && !b->wdone) {
				while (b->sent < b->total) {
					uint64_t want = b->total - b->sent;

					if (want > CHUNK)
						want = CHUNK;
					n = send(b->fd, pat_at(b->sent), want,
					    MSG_NOSIGNAL);
					if (n == -1)
						break;
					b->sent += (uint64_t)n;
					sent += (uint64_t)n;
					last = now_ns();
				}
				if (n == -1 && errno != EAGAIN &&
				    errno != EINTR) {
					err = errno;
					why = "send failed";
					break;
				}
				if (b->sent == b->total) {
					shutdown(b->fd, SHUT_WR);
					b->wdone = 1;
					ev.events = EPOLLIN;
					ev.data.ptr = b;
					epoll_ctl(ep, EPOLL_CTL_MOD, b->fd, &ev);
				}
			}
			if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			for (;;) {
				n = recv(b->fd, rbuf, sizeof(rbuf), 0);
				if (n == 0) {
					b->eof = 1;
					left--;
					epoll_ctl(ep, EPOLL_CTL_DEL, b->fd, NULL);
					break;
				}
				if (n == -1) {
					if (errno != EAGAIN && errno != EINTR) {
						err = errno;
						why = "recv failed";
					}
					break;
				}
				if (b->got + (uint64_t)n > b->sent) {
					why = "more bytes back than were sent";
					mismatch = 1;
					break;
				}
				bad = pat_check_in(upper ? upat : bench_pat,
				    b->got, rbuf, (size_t)n);
				if (bad >= 0) {
					fprintf(stderr, "bulk: byte %llu of "
					    "stream %d differs\n",
					    (unsigned long long)(b->got +
					    (uint64_t)bad), (int)(b - cs));
					why = "altered bytes";
					mismatch = 1;
					break;
				}
				b->got += (uint64_t)n;
				got += (uint64_t)n;
				last = now_ns();
			}
			if (b->eof && b->got != b->total && why == NULL)
				why = "EOF before the whole stream came back";
		}
	}
	t1 = now_ns();
	c1 = self_cpu();
	pg_read(pgid, &p1);
	for (int i = 0; i < nc; i++)
		close(cs[i].fd);
	if (why == NULL && got != total)
		why = "EOF before the whole stream came back";
	if (why != NULL)
		fprintf(stderr, "bulk: %s%s%s after %llu of %llu bytes sent, "
		    "%llu back\n", why, err ? ": " : "",
		    err ? strerror(err) : "", (unsigned long long)sent,
		    (unsigned long long)total, (unsigned long long)got);
	secs = (double)(t1 - t0) / 1e9;
	if (why != NULL && strcmp(why, "stalled") == 0)
		secs -= stall_s;
	cpu = p1.cpu_s - p0.cpu_s;
	mb = (double)got / 1e6;
	printf("bytes=%llu sent=%llu back=%llu secs=%.3f mb_s=%.1f "
	    "errors=%d mismatches=%d cpu_s=%.3f cpu_ms_mb=%.3f cli_ms_mb=%.3f "
	    "nproc=%d\n",
	    (unsigned long long)total, (unsigned long long)sent,
	    (unsigned long long)got, secs, secs > 0 ? mb / secs : 0.0,
	    why != NULL && !mismatch, mismatch, cpu,
	    mb > 0 ? cpu * 1e3 / mb : 0.0, mb > 0 ? (c1 - c0) * 1e3 / mb : 0.0,
	    p1.nproc);
	return why == NULL ? 0 : 1;
}
