/*
 * lib/core/dial over a real event loop, on loopback only: a listener made
 * here (port 0) that answers "hello\n" (or a long reply) and closes, a
 * port that refuses, a family that does not fit, the trace of each stage
 * in order, and a long reply matched in a child that is cut off by the
 * attempt's timer and reaped.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "dial.h"
#include "expect.h"
#include "loop.h"
#include "unit.h"

static char tbuf[8192];
static size_t tlen;
static int ndone;
static const char *srv_msg = "hello\n";
static size_t srv_len = 6;

static void __attribute__((format(printf, 2, 3)))
trace(void *arg, const char *fmt, ...)
{
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	if (tlen < sizeof(tbuf) - 1)
		tlen += (size_t)vsnprintf(tbuf + tlen, sizeof(tbuf) - tlen,
		    fmt, ap);
	va_end(ap);
	if (tlen < sizeof(tbuf) - 1)
		tbuf[tlen++] = '\n';
	tbuf[tlen < sizeof(tbuf) ? tlen : sizeof(tbuf) - 1] = '\0';
}

static void
done(struct dial *d, void *arg)
{
	(void)d;
	ndone++;
	loop_stop(arg);
}

/* The test's own server: accept, say srv_msg (what fits), close. */
static void
srv_io(struct loop *lp, struct loop_io *io, int ev)
{
	int fd;

	(void)lp;
	(void)ev;
	while ((fd = accept(io->fd, NULL, NULL)) != -1) {
		(void)send(fd, srv_msg, srv_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
	}
}

/* A TCP socket on 127.0.0.1 port 0, listening or not; *port gets it. */
static int
local_sock(int listening, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	(void)sa_from_numeric("127.0.0.1", 0, &ss);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, sa_len(
	    (struct sockaddr *)&ss)) == -1 || (listening && listen(fd, 8) ==
	    -1) || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	*port = sa_port((struct sockaddr *)&ss);
	return fd;
}

static struct loop_io srv;

/*
 * One round of host:port on a loop of its own (a stopped loop stays
 * stopped), with the server watched when there is one; returns after
 * done(), each attempt being bounded. The last round's loop is freed here,
 * so free that round before.
 */
static void
run_round(struct dial_cfg *cfg, struct dial *d, const char *host, int port)
{
	if (cfg->lp != NULL)
		loop_free(cfg->lp);
	cfg->lp = loop_new(NULL);
	CHECK(cfg->lp != NULL);
	if (srv.fd != -1) {
		srv.added = srv.events = 0;	/* the old loop's */
		CHECK(loop_watch(cfg->lp, &srv, LOOP_READ) == 0);
	}
	dial_init(d, cfg, host, port, "t", done, cfg->lp);
	ndone = 0;
	tlen = 0;
	tbuf[0] = '\0';
	dial_round(d);
	if (d->st != DS_DONE)
		(void)loop_run(cfg->lp);
}

static int
in_order(const char *const *want, int n)
{
	const char *p = tbuf;

	for (int i = 0; i < n; i++) {
		if ((p = strstr(p, want[i])) == NULL) {
			fprintf(stderr, "trace lacks '%s' (in order):\n%s",
			    want[i], tbuf);
			return 0;
		}
		p += strlen(want[i]);
	}
	return 1;
}

int
main(void)
{
	struct dial_cfg cfg;
	struct dial d;
	struct dial_round rd;
	regex_t re;
	char err[128];
	int lfd, port, cfd, cport;
	static const char *const ok_trace[] = {
		"t: socket(AF_INET, SOCK_STREAM) = fd ",
		"t: setsockopt(IP_RECVERR, on): ok",
		"t: connect(127.0.0.1:",
		"t: recv: 6 bytes",
		"t: expect: matched",
		"t: shutdown(SHUT_WR): ",
		"t: close(fd ",
	};

	memset(&cfg, 0, sizeof(cfg));
	srv.fd = -1;
	cfg.family = AF_UNSPEC;
	cfg.timeout_ms = 2000;
	cfg.rs_wfd = -1;
	cfg.proc_root = "/proc";
	cfg.trace = trace;

	/* success, with a reply that must match */
	lfd = local_sock(1, &port);
	CHECK(lfd != -1);
	memset(&srv, 0, sizeof(srv));
	srv.fd = lfd;
	srv.fn = srv_io;
	CHECK(expect_compile(&re, "^hel+o$", err, sizeof(err)) == 0);
	cfg.re = &re;
	run_round(&cfg, &d, "127.0.0.1", port);
	CHECK(ndone == 1 && d.st == DS_DONE);
	CHECK(d.r.numeric == 1 && d.r.naddr == 1 && d.r.nstarted == 1);
	CHECK(d.r.winner == 0 && d.connects == 1);
	CHECK(d.r.att[0].ok == 1 && d.r.att[0].est_ns >= d.r.att[0].start_ns);
	CHECK(d.r.att[0].rlen == 6 && strcmp(d.r.att[0].rbuf, "hello\n") == 0);
	CHECK(!isnan(d.r.att[0].rtt_ms));
	CHECK(d.r.att[0].io.fd == -1);		/* closed when done */
	CHECK(in_order(ok_trace, 7));
	/* the round moves out whole; the dialer is ready for the next */
	dial_take(&d, &rd);
	CHECK(d.r.att == NULL && d.r.addrs == NULL && rd.att != NULL);
	CHECK(rd.nstarted == 1 && rd.att[0].ok == 1);
	dial_round_free(&rd);
	CHECK(rd.att == NULL);

	/* a reply that does not match: expect-failed, the bytes kept */
	regfree(&re);
	CHECK(expect_compile(&re, "^bye", err, sizeof(err)) == 0);
	run_round(&cfg, &d, "127.0.0.1", port);
	CHECK(ndone == 1 && d.r.att[0].ok == 0);
	CHECK(d.r.att[0].stage == ST_EXPECT);
	CHECK(d.r.att[0].dx != 0 && d.r.att[0].rlen == 6);
	dial_round_free(&d.r);
	regfree(&re);

	/* a long reply is matched in a child, over the loop, and reaped */
	static char big[40001];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big + 1000, "OK", 2);
	srv_msg = big;
	srv_len = 2000;
	CHECK(expect_compile(&re, "a{200}OK", err, sizeof(err)) == 0);
	run_round(&cfg, &d, "127.0.0.1", port);
	CHECK(ndone == 1 && d.r.att[0].ok == 1 && d.r.att[0].rlen == 2000);
	CHECK(strstr(tbuf, "t: expect: matching 2000 bytes in child pid ") !=
	    NULL && strstr(tbuf, "t: expect: matched") != NULL);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	dial_round_free(&d.r);
	regfree(&re);

	/* one glibc takes seconds for: cut off by the attempt's timer, the
	 * child killed and reaped (musl's matcher ends in time: no match) */
	srv_len = sizeof(big) - 1;
	big[1000] = big[1001] = 'a';
	cfg.timeout_ms = 300;
	CHECK(expect_compile(&re, "(.*a){20}x", err, sizeof(err)) == 0);
	run_round(&cfg, &d, "127.0.0.1", port);
	CHECK(ndone == 1 && d.r.att[0].ok == 0);
	CHECK(d.r.att[0].stage == ST_EXPECT && d.r.att[0].rlen > 256);
	/* musl: no match at once, then the server's close ends it */
	CHECK(d.r.att[0].dx == DX_EXPECT_CUT ||
	    d.r.att[0].dx == DX_EXPECT_MISMATCH ||
	    d.r.att[0].dx == DX_EXPECT_CLOSED);
	CHECK(d.r.att[0].end_ns - d.r.att[0].est_ns < 1000000000LL);
	CHECK(d.r.att[0].xj.pid == 0 && d.r.att[0].xj.fd == -1);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	dial_round_free(&d.r);

	/* start, not answered yet, cancel: nothing is left */
	struct expect_job j;
	int m = -1;

	CHECK(expect_start(&j, &re, big, 100) == -1 && errno == 0);
	CHECK(expect_start(&j, &re, big, sizeof(big) - 1) == 0);
	CHECK(j.pid > 0 && j.fd != -1);
	CHECK(expect_collect(&j, &m) == -1 && errno == EAGAIN && m == -1);
	expect_cancel(&j);
	CHECK(j.pid == 0 && j.fd == -1);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	expect_cancel(&j);			/* idempotent */
	/* a cheap one is collected once its answer is in, and reaped */
	regfree(&re);
	CHECK(expect_compile(&re, "^a+$", err, sizeof(err)) == 0);
	CHECK(expect_start(&j, &re, big, sizeof(big) - 1) == 0);
	for (int i = 0; i < 500 && expect_collect(&j, &m) == -1 &&
	    errno == EAGAIN; i++)
		usleep(10000);
	CHECK(m == 1 && j.pid == 0 && j.fd == -1);
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	cfg.timeout_ms = 2000;
	srv_msg = "hello\n";
	srv_len = 6;
	cfg.re = NULL;
	regfree(&re);
	loop_unwatch(cfg.lp, &srv);
	srv.fd = -1;
	close(lfd);

	/* refused: a bound port nobody listens on */
	cfd = local_sock(0, &cport);
	CHECK(cfd != -1);
	run_round(&cfg, &d, "127.0.0.1", cport);
	CHECK(ndone == 1 && d.r.nstarted == 1 && d.r.winner == -1);
	CHECK(d.r.att[0].ok == 0 && d.r.att[0].stage == ST_CONNECT);
	CHECK(d.r.att[0].err == ECONNREFUSED);
	CHECK(d.r.att[0].est_ns == 0 && d.r.att[0].end_ns > 0);
	CHECK(strstr(tbuf, "ECONNREFUSED after ") != NULL);
	CHECK(dial_running(&d) == 0);
	dial_round_free(&d.r);
	close(cfd);

	/* -4 against an IPv6 literal: no address to try, no socket made */
	cfg.family = AF_INET;
	run_round(&cfg, &d, "::1", 80);
	CHECK(ndone == 1 && d.r.naddr == 0 && d.r.nstarted == 0);
	CHECK(d.r.eai == 0 && d.connects == 0);
	dial_round_free(&d.r);

	/* no trace callback: nothing is formatted, the facts are the same */
	cfg.family = AF_UNSPEC;
	cfg.trace = NULL;
	cfd = local_sock(0, &cport);
	run_round(&cfg, &d, "127.0.0.1", cport);
	CHECK(ndone == 1 && tlen == 0 && d.r.att[0].err == ECONNREFUSED);
	dial_round_free(&d.r);
	close(cfd);

	/* the deadline */
	CHECK(dial_deadline_passed(&cfg) == 0);
	cfg.deadline_ns = 1;
	CHECK(dial_deadline_passed(&cfg) == 1);
	loop_free(cfg.lp);
	return UNIT_DONE("dial");
}
