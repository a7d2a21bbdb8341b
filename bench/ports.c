/*
 * ports: the targets of the probe benchmarks.
 *
 *   ports BASE COUNT STEP    listen on 127.0.0.1 ports BASE, BASE+STEP, ...
 *                            (COUNT of them); BASE 0: one free port
 *   ports -x                 bind a free port and do not listen: a closed
 *                            port nobody else can take meanwhile
 *
 * Prints "listening on 127.0.0.1:PORT" (with -x "closed on ...") for each
 * port, then "ready", then accepts and closes whatever connects, until
 * killed. Exit 1 when a port cannot be had.
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

static int
open_port(unsigned port, int do_listen, unsigned *got)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (do_listen)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (do_listen && listen(fd, INT_MAX) == -1) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		int save = errno;

		close(fd);
		errno = save;
		return -1;
	}
	*got = ntohs(sin.sin_port);
	return fd;
}

int
main(int argc, char **argv)
{
	struct epoll_event ev, evs[64];
	unsigned base, count, step, port;
	int ep, fd, n;

	bench_name = "ports";
	raise_nofile();
	if (argc == 2 && strcmp(argv[1], "-x") == 0) {
		if (open_port(0, 0, &port) == -1)
			die("bind: %s", strerror(errno));
		printf("closed on 127.0.0.1:%u\nready\n", port);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc != 4)
		die("usage: ports BASE COUNT STEP | ports -x");
	base = (unsigned)num_arg('b', argv[1]);
	count = (unsigned)num_arg('c', argv[2]);
	step = (unsigned)num_arg('s', argv[3]);
	if (count < 1 || step < 1 || (base == 0 && count != 1) ||
	    base + (unsigned long)(count - 1) * step > 65535)
		die("ports %s %s %s: out of range", argv[1], argv[2], argv[3]);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep == -1)
		die("epoll_create1: %s", strerror(errno));
	for (unsigned i = 0; i < count; i++) {
		fd = open_port(base + i * step, 1, &port);
		if (fd == -1)
			die("port %u: %s", base + i * step, strerror(errno));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
		printf("listening on 127.0.0.1:%u\n", port);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++)
			while ((fd = accept4(evs[i].data.fd, NULL, NULL,
			    SOCK_CLOEXEC)) != -1)
				close(fd);
	}
}
