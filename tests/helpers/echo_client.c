/*
 * echo_client: a load and abuse client for the echo-server and udp-echo
 * tests. Loopback only; every wait is bounded by -t.
 *
 *   echo_client [-m MODE] [-n N] [-b BYTES] [-u] [-s SEED] [-t SEC]
 *               [-z SIZES] HOST PORT
 *
 * modes:
 *   echo    N connections at once each send BYTES random bytes, shut down
 *           their write side, read the echo until EOF and compare every
 *           byte (upper-cased with -u). Exit 0 when all match.
 *   noread  one connection sends until the server stops taking data (TCP
 *           flow control) and never reads; prints "stalled N" and waits
 *           until killed or -t.
 *   reset   N connections send BYTES, read a little, and close with a
 *           reset (SO_LINGER 0) while the echo is in flight.
 *   hold    opens N connections, prints "held N", waits until killed or
 *           -t.
 *   eof     one connection that sends nothing; waits for the server to
 *           close it; prints "eof after MS ms". Exit 0 on EOF or reset.
 *   udp     one datagram per size of -z (comma-separated), random bytes,
 *           each reply compared. Exit 0 when all match.
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
run_noread(const struct sockaddr_storage *ss, socklen_t len)
{
	static char buf[65536];
	size_t total = 0;
	double last;
	int fd = dial(ss, len, SOCK_STREAM);

	if (fd == -1)
		return 1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	last = now_s();
	/* stalled: nothing more accepted for half a second */
	while (now_s() - last < 0.5) {
		ssize_t m = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);

		if (m > 0) {
			total += (size_t)m;
			last = now_s();
		} else if (m == -1 && errno != EAGAIN) {
			perror("echo_client: send");
			return 1;
		} else {
			struct pollfd p = { fd, POLLOUT, 0 };

			poll(&p, 1, 50);
		}
		if (now_s() - last > limit_s)
			break;
	}
	printf("stalled %zu\n", total);
	fflush(stdout);
	linger_on();
	close(fd);
	return 0;
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

int
main(int argc, char **argv)
{
	const char *mode = "echo", *sizes = "1";
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t seed = 1;
	size_t b = 1000;
	int n = 1, ch;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "m:n:b:us:t:z:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'b':
			b = strtoul(optarg, NULL, 10);
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
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || n < 1) {
		fprintf(stderr, "usage: echo_client [-m MODE] [-n N] [-b BYTES] "
		    "[-u] [-s SEED] [-t SEC] [-z SIZES] HOST PORT\n");
		return 2;
	}
	if (addr_of(argv[optind], argv[optind + 1], &ss, &len) == -1)
		return 2;
	if (strcmp(mode, "echo") == 0)
		return run_echo(&ss, len, n, b, seed, 0);
	if (strcmp(mode, "reset") == 0)
		return run_echo(&ss, len, n, b, seed, 1);
	if (strcmp(mode, "noread") == 0)
		return run_noread(&ss, len);
	if (strcmp(mode, "hold") == 0)
		return run_hold(&ss, len, n);
	if (strcmp(mode, "eof") == 0)
		return run_eof(&ss, len);
	if (strcmp(mode, "udp") == 0)
		return run_udp(&ss, len, sizes, seed);
	if (strcmp(mode, "udpsink") == 0)
		return run_udpsink(&ss, len);
	fprintf(stderr, "echo_client: unknown mode %s\n", mode);
	return 2;
}
