/*
 * bulk: one stream of N MiB through one echo connection, sent and read
 * back at the same time, every byte compared.
 *
 *   bulk [-m MIB] [-S STALL_S] [-g PGID] HOST PORT
 *   (HOST "unix" and PORT a path: a Unix stream socket)
 *
 * The client writes the bench pattern as fast as the socket takes it and
 * reads the echo concurrently (one thread, epoll); when everything is
 * sent it shuts its write side and waits for the last byte and the
 * server's EOF. No progress either way for -S seconds (default 5) ends
 * the run as stalled.
 *
 * -g PGID: the server's process group; its CPU time over the run is
 * divided by the megabytes echoed.
 *
 * Prints one line of key=value (MB is 10^6 bytes, one way). Exit 0 when
 * every byte came back unaltered and then EOF, 1 otherwise.
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

#define CHUNK	(256 * 1024)

static unsigned char	rbuf[CHUNK];

static void
usage(void)
{
	fprintf(stderr, "usage: bulk [-m MIB] [-S STALL_S] [-g PGID] "
	    "HOST PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench_dest to;
	struct epoll_event ev;
	struct pgstat p0, p1;
	double mib = 1024, stall_s = 5, secs, cpu, mb;
	uint64_t total, sent = 0, got = 0;
	int64_t t0, t1, last;
	const char *why = NULL;
	int fd, ep, o, eof = 0, wdone = 0, mismatch = 0, err = 0;
	pid_t pgid = 0;
	socklen_t len;
	ssize_t n = 0;
	long bad;

	bench_name = "bulk";
	while ((o = getopt(argc, argv, "m:S:g:")) != -1) {
		switch (o) {
		case 'm':
			mib = num_arg(o, optarg);
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
	if (optind != argc - 2)
		usage();
	parse_dest(argv[optind], argv[optind + 1], &to);
	signal(SIGPIPE, SIG_IGN);
	pat_init(0xb01cULL);
	total = (uint64_t)(mib * 1048576.0);

	pg_read(pgid, &p0);
	t0 = now_ns();
	fd = socket(to.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&to.ss, to.len) == -1 &&
	    errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	/* wait for the handshake */
	if (epoll_wait(ep, &ev, 1, (int)(stall_s * 1000)) != 1)
		die("connect: no answer within %.0f s", stall_s);
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0)
		die("connect: %s", strerror(err ? err : errno));

	last = now_ns();
	while (!eof) {
		int k = epoll_wait(ep, &ev, 1, 100);

		if (k == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		if (k <= 0) {
			if (now_ns() - last > (int64_t)(stall_s * 1e9)) {
				why = "stalled";
				break;
			}
			continue;
		}
		if ((ev.events & EPOLLOUT) && !wdone) {
			while (sent < total) {
				uint64_t want = total - sent;

				if (want > CHUNK)
					want = CHUNK;
				n = send(fd, pat_at(sent), want, MSG_NOSIGNAL);
				if (n == -1)
					break;
				sent += (uint64_t)n;
				last = now_ns();
			}
			if (n == -1 && errno != EAGAIN && errno != EINTR) {
				err = errno;
				why = "send failed";
				break;
			}
			if (sent == total) {
				shutdown(fd, SHUT_WR);
				wdone = 1;
				ev.events = EPOLLIN;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
		}
		if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
			for (;;) {
				n = recv(fd, rbuf, sizeof(rbuf), 0);
				if (n == 0) {
					eof = 1;
					break;
				}
				if (n == -1) {
					if (errno != EAGAIN && errno != EINTR) {
						err = errno;
						why = "recv failed";
					}
					break;
				}
				if (got + (uint64_t)n > sent) {
					why = "more bytes back than were sent";
					mismatch = 1;
					break;
				}
				bad = pat_check(got, rbuf, (size_t)n);
				if (bad >= 0) {
					fprintf(stderr, "bulk: byte %llu of the "
					    "stream differs\n",
					    (unsigned long long)(got +
					    (uint64_t)bad));
					why = "altered bytes";
					mismatch = 1;
					break;
				}
				got += (uint64_t)n;
				last = now_ns();
			}
			if (why != NULL)
				break;
		}
	}
	t1 = now_ns();
	pg_read(pgid, &p1);
	close(fd);
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
	    "errors=%d mismatches=%d cpu_s=%.2f cpu_ms_mb=%.3f nproc=%d\n",
	    (unsigned long long)total, (unsigned long long)sent,
	    (unsigned long long)got, secs, secs > 0 ? mb / secs : 0.0,
	    why != NULL && !mismatch, mismatch, cpu,
	    mb > 0 ? cpu * 1e3 / mb : 0.0, p1.nproc);
	return why == NULL ? 0 : 1;
}
