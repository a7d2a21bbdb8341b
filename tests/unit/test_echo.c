/*
 * Unit tests: lib/core/echo, the echo-server's data path. echo_upcase()
 * against the byte-at-a-time rule; echo_read() and echo_flush() over a
 * loopback TCP connection and a Unix stream socketpair whose client first
 * never reads (what the server keeps stays within ECHO_BUF, nothing over
 * budget; a plain Unix echo is spliced through a pipe, or copied when no
 * pipe is left) and then reads it all back unaltered; echo_trim().
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "unit.h"

static unsigned char
up1(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - ('a' - 'A')) : c;
}

static void
test_upcase(void)
{
	char in[300], out[300];
	int bad = 0;

	for (int i = 0; i < 300; i++)
		in[i] = (char)(i * 7 + 3);
	/* every length and alignment up to a few vectors, every byte */
	for (size_t off = 0; off < 17; off++)
		for (size_t n = 0; off + n <= 300; n += 1 + (n > 40) * 13) {
			memcpy(out, in, sizeof(out));
			echo_upcase(out + off, n);
			for (size_t i = 0; i < sizeof(out); i++) {
				unsigned char want = (unsigned char)in[i];

				if (i >= off && i < off + n)
					want = up1(want);
				if ((unsigned char)out[i] != want)
					bad++;
			}
		}
	CHECK(bad == 0);
	memcpy(out, "hello, World! az{`@AZ[", 23);
	echo_upcase(out, 23);
	CHECK(memcmp(out, "HELLO, WORLD! AZ{`@AZ[", 23) == 0);
}

/* A connected loopback pair: *srv non-blocking (the server's end). */
static int
tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l == -1 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*cli = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (*cli == -1 || (connect(*cli, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1 && errno != EINPROGRESS))
		return -1;
	*srv = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	close(l);
	return *srv == -1 ? -1 : 0;
}

static unsigned char
pat(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

/*
 * A client that never reads, then reads everything back. unix: over a
 * Unix stream socketpair; nopipe: with every pipe of the server taken.
 */
static void
test_bound(int upper, int unix_, int nopipe)
{
	enum { TOTAL = 24 * 1024 * 1024 };
	static unsigned char chunk[256 * 1024], back[256 * 1024];
	struct echo e;
	struct echo_conn k;
	uint64_t sent = 0, got = 0, maxlen = 0;
	int cli = -1, srv = -1, bad = 0, stuck = 0, rounds = 0, sb0 = 0, sb1 = 0;
	int sv[2];
	socklen_t sl = sizeof(sb0);

	CHECK(echo_init(&e, upper) == 0);
	if (unix_) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
		    sv) == 0);
		cli = sv[0];
		srv = sv[1];
	} else
		CHECK(tcp_pair(&cli, &srv) == 0);
	CHECK(getsockopt(srv, SOL_SOCKET, SO_SNDBUF, &sb0, &sl) == 0);
	if (nopipe)
		e.pipes = ECHO_PIPES;
	memset(&k, 0, sizeof(k));
	k.fd = srv;
	/* the client sends and never reads: the server reads, echoes, and
	 * ends up keeping at most ECHO_BUF */
	for (int idle = 0; idle < 3 && rounds < 100000; rounds++) {
		ssize_t w = 0;
		int moved = 0;

		while (sent < TOTAL) {
			size_t n = sizeof(chunk);

			for (size_t i = 0; i < n; i++)
				chunk[i] = pat(sent + i);
			w = send(cli, chunk, n, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			sent += (uint64_t)w;
			moved = 1;
		}
		if (echo_wants_read(&k)) {
			uint64_t in0 = k.in;

			CHECK(echo_read(&e, &k, NULL, NULL) == 0);
			moved |= k.in != in0;
		}
		if (k.len > 0) {
			uint64_t out0 = k.out;

			CHECK(echo_flush(&e, &k, NULL, NULL) == 0);
			moved |= k.out != out0;
		}
		if (k.len > maxlen)
			maxlen = k.len;
		if (e.over != 0)
			stuck++;
		idle = moved ? 0 : idle + 1;
		if (!moved)
			(void)poll(NULL, 0, 5);
	}
	CHECK(stuck == 0);
	CHECK(sent < TOTAL);	/* flow control stopped the client */
	sl = sizeof(sb1);
	CHECK(getsockopt(srv, SOL_SOCKET, SO_SNDBUF, &sb1, &sl) == 0);
	if (unix_ && !upper && !nopipe) {
		/* spliced: what waits is in the pipe, nothing is kept here */
		CHECK(k.piped && e.pipes == 1 && k.buf == NULL);
		CHECK(maxlen > 0 && maxlen <= ECHO_PIPE);
	} else {
		CHECK(!k.piped);
		CHECK(maxlen > 0 && maxlen <= ECHO_BUF);
		/* a stream read more at a time */
		CHECK(e.bigreads > 0);
	}
	/* a streaming Unix connection asked for a larger send buffer; TCP
	 * grows its own */
	CHECK(unix_ ? sb1 > sb0 : 1);
	/* now the client reads: everything comes back, in order */
	for (rounds = 0; got < sent && rounds < 200000; rounds++) {
		ssize_t n;

		if (k.len > 0)
			CHECK(echo_flush(&e, &k, NULL, NULL) == 0);
		if (echo_wants_read(&k))
			CHECK(echo_read(&e, &k, NULL, NULL) == 0);
		while ((n = recv(cli, back, sizeof(back), 0)) > 0) {
			for (ssize_t i = 0; i < n; i++) {
				unsigned char want = pat(got + (uint64_t)i);

				if (back[i] != (upper ? up1(want) : want))
					bad++;
			}
			got += (uint64_t)n;
		}
		if (n == -1 && errno != EAGAIN)
			break;
	}
	CHECK(got == sent && bad == 0);
	CHECK(k.in == sent && k.out == sent && k.len == 0 && k.buf == NULL);
	/* EOF once the client shuts its side */
	CHECK(shutdown(cli, SHUT_WR) == 0);
	for (rounds = 0; !k.eof && rounds < 1000; rounds++) {
		CHECK(echo_read(&e, &k, NULL, NULL) == 0);
		if (!k.eof)
			(void)poll(NULL, 0, 2);
	}
	CHECK(k.eof);
	echo_conn_free(&e, &k);
	CHECK(e.over == 0 && !k.piped);
	CHECK(e.pipes == (nopipe ? ECHO_PIPES : 0));
	close(cli);
	close(srv);
	/* the shared buffer's large part goes back to the kernel */
	echo_trim(&e);
	CHECK(e.dirty == 0);
	CHECK(e.rbuf[ECHO_BIG - 1] == 0);
	echo_free(&e);
	CHECK(e.rbuf == NULL);
}

int
main(void)
{
	/* splice() to a gone peer raises it, as sockctl's main ignores it */
	signal(SIGPIPE, SIG_IGN);
	test_upcase();
	test_bound(0, 0, 0);
	test_bound(1, 0, 0);
	test_bound(0, 1, 0);
	test_bound(1, 1, 0);
	test_bound(0, 1, 1);
	return UNIT_DONE("echo");
}
