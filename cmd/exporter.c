/*
 * exporter [OPTIONS]: serves the probes and inspect to Prometheus over
 * HTTP/1.1 (SPEC "exporter"). /probe?target=T&module=M runs one probe
 * now, as blackbox_exporter's /probe does, and answers with its
 * --openmetrics families; /metrics is this machine's sockets as inspect
 * judges them, against the previous scrape; / links both. One event loop
 * serves every connection (lib/core/httpd) and runs every probe
 * (lib/cli/xprobe): at most -j probes at once, a 503 beyond; a /metrics
 * scrape reads the tables in a thread (struct scraper); a request head
 * over 8 KiB or slower than -t is cut off; one log line per request on
 * stderr (none with -q).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "esc.h"
#include "expo.h"
#include "http.h"
#include "httpd.h"
#include "logq.h"
#include "loop.h"
#include "opt.h"
#include "serve.h"
#include "srv.h"
#include "xmetrics.h"
#include "xprobe.h"
#include "cmds.h"

static const struct cmd_help help = {
	"exporter", "[OPTIONS]",
	"Prometheus exporter: /probe runs a probe now, /metrics judges this "
	"machine's sockets.",
	"Listens on 127.0.0.1:9812 unless --listen says otherwise (0.0.0.0 or\n"
	"[::] for every interface, a Unix path for a socket file); the first\n"
	"line on stdout is 'listening on ...'.\n"
	"  GET /probe?target=HOST:PORT&module=connect|udp|bind|http|redis|\n"
	"      postgres|mysql|smtp [&send=BYTES&expect=REGEX&http_path=PATH\n"
	"      &timeout=DUR]\n"
	"      one probe now (blackbox_exporter's shape): sockctl_probe_success,\n"
	"      _duration_seconds, _exit_code, sockctl_probe_failure{reason},\n"
	"      sockctl_probe_resolve_seconds, _connect_seconds. A failed probe\n"
	"      is a 200 with success 0 and its reason; a bad request a 400. Its\n"
	"      time limit is the least of -t, timeout and Prometheus's\n"
	"      X-Prometheus-Scrape-Timeout-Seconds less 0.5 s.\n"
	"  GET /metrics   sockets per state, per listening port, accept queues,\n"
	"      sockctl_finding{reason,target}, judged against the last scrape;\n"
	"      sockctl_exporter_* figures\n"
	"  GET /          a page linking both\n"
	"OpenMetrics 1.0.0 when Accept asks for it, else Prometheus text 0.0.4.\n"
	"At most -j probes run at once (503 beyond). --allow PATTERN (shell\n"
	"style, repeatable) limits the targets; a Unix path needs it. Each\n"
	"request is a line on stderr (none with -q); SIGINT or SIGTERM stops.\n\n"
	"examples:\n"
	"  sockctl exporter\n"
	"  sockctl exporter --listen 0.0.0.0:9812 --allow '*.internal:*'\n"
	"  curl '127.0.0.1:9812/probe?target=db:5432'\n",
};

struct ex_args {
	const char	*listen;
	const char	*allow;		/* the last; all are in allow[] */
	long long	 jobs;
};

#define NOPTS		4
#define ALLOW_MAX	64
#define DEFAULT_LISTEN	"127.0.0.1:9812"
#define BODY_MAX	(16 * 1024 * 1024)
#define IDLE_MS		(120 * 1000)
#define CONNS_MAX	1024
#define SCRAPES_MAX	8		/* /metrics requests waiting, at most */
#define SCRAPE_STACK	(8 << 20)	/* the scrape thread's stack (musl's
					 * default is 128 KiB) */

static void
opts_fill(struct opt o[NOPTS], struct ex_args *v)
{
	const struct opt t[NOPTS] = {
		{ "listen", 0, OT_STR, &v->listen, "ADDR:PORT|PATH",
		    "where to listen (default 127.0.0.1:9812)", 0, 0, NULL },
		{ "allow", 0, OT_STR, &v->allow, "PATTERN",
		    "probe only targets matching PATTERN (repeatable)", 0, 0,
		    NULL },
		{ "jobs", 'j', OT_INT, &v->jobs, "N",
		    "run at most N probes at once (default 64)", 1, 4096,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

struct xreq;

/* A /metrics request waiting for its scrape (the first: being scraped). */
struct mreq {
	struct httpd_conn	*conn;
	int			 om;
	struct mreq		*next;
};

/*
 * /metrics reads and judges the socket tables in a thread of its own, one
 * scrape at a time, so that the loop goes on serving probes and other
 * requests meanwhile (a scrape takes 10-200 ms on a busy host); the
 * thread's end is a byte on done[], and the loop answers. Only the thread
 * touches xm and the job's fields until it is joined.
 */
struct scraper {
	struct mreq		*q, **tail;
	size_t			 n;
	int			 running;
	pthread_t		 th;
	int			 done[2];
	struct loop_io		 io;
	/* the job */
	struct xm_self		 self;
	struct expo		 x;
	char			 err[200];
	int			 rc;
	int64_t			 t0;
};

struct exporter {
	struct ctx		*c;
	struct srv		 sv;
	struct httpd		*h;
	struct logq		 outq, errq;
	struct xprobe_env	 env;
	struct xmetrics		 xm;
	struct xm_self		 self;
	long long		 jobs;
	int			 rfd[2];	/* resolver wake-ups */
	struct loop_io		 rio;
	struct xreq		*probes;	/* running */
	struct scraper		 sc;
	uint64_t		 requests;
};

/* A /probe request and its probe. */
struct xreq {
	struct xprobe		 x;
	struct exporter		*e;
	struct httpd_conn	*conn;
	int			 om;
	struct xreq		*prev, *next;
};

/* "GET /probe?target=x" as it may go on a terminal: escaped, cut. */
static void
req_text(const struct http_req *rq, char *buf, size_t len)
{
	char t[512];
	size_t used;

	esc_term(rq->target, strlen(rq->target), t, sizeof(t), &used);
	snprintf(buf, len, "%s %s%s", rq->method == HTTP_HEAD ? "HEAD" :
	    "GET", t, used < strlen(rq->target) ? "..." : "");
}

static void
peer_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_UNIX)
		snprintf(buf, len, "unix");
	else
		sa_fmt((const struct sockaddr *)ss, buf, len);
}

/* One log line per answered request, or per connection cut off. */
static void
on_log(const struct httpd_log *lg, void *arg)
{
	struct exporter *e = arg;
	char peer[ADDRSTR_MAX], what[600] = "-", note[1200];
	int cls = lg->status / 100;
	size_t used;

	if (cls >= 2 && cls <= 5 && !lg->late)
		e->self.codes[cls]++;
	if (e->c->quiet)
		return;
	peer_text(lg->peer, peer, sizeof(peer));
	if (lg->rq != NULL)
		req_text(lg->rq, what, sizeof(what));
	/* a note may quote the target (a path, a name): escaped too */
	if (lg->note != NULL)
		esc_term(lg->note, strlen(lg->note), note, sizeof(note), &used);
	logq_printf(&e->errq, "%s \"%s\" %d %zu %.1f ms%s%s\n", peer, what,
	    lg->status, lg->bytes, lg->ms, lg->note != NULL ? ": " : "",
	    lg->note != NULL ? note : "");
}

static void
respond_text(struct httpd_conn *conn, int status, const char *msg)
{
	char body[400];
	int n = snprintf(body, sizeof(body), "%s\n", msg);

	(void)httpd_respond(conn, status, "text/plain; charset=utf-8", body,
	    (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1, NULL, 0, NULL);
}

static void
landing(struct exporter *e, struct httpd_conn *conn)
{
	static const char page[] =
	    "<!DOCTYPE html>\n<html><head><title>sockctl exporter</title>"
	    "</head>\n<body>\n<h1>sockctl exporter</h1>\n"
	    "<p>Probes and socket findings for Prometheus.</p>\n<ul>\n"
	    "<li><a href=\"metrics\">/metrics</a>: this machine's sockets as "
	    "<code>sockctl inspect</code> judges them</li>\n"
	    "<li><a href=\"probe?target=127.0.0.1:9812&amp;module=connect\">"
	    "/probe?target=HOST:PORT&amp;module=connect</a>: one probe now "
	    "(modules connect, udp, bind, http, redis, postgres, mysql, smtp)"
	    "</li>\n</ul>\n</body></html>\n";

	(void)e;
	(void)httpd_respond(conn, 200, "text/html; charset=utf-8", page,
	    sizeof(page) - 1, NULL, 0, NULL);
}

/* The exporter's own figures now, for a scrape's sockctl_exporter_*. */
static void
self_now(struct exporter *e, struct xm_self *self)
{
	struct httpd_stats st;

	httpd_stats(e->h, &st);
	e->self.conns = st.open;
	e->self.cut = st.cut;
	e->self.in_flight = 0;
	for (struct xreq *q = e->probes; q != NULL; q = q->next)
		e->self.in_flight++;
	*self = e->self;
}

/* Answers conn with scrape x (rc, err: xmetrics_scrape()'s), frees x. */
static void
metrics_answer(struct exporter *e, struct httpd_conn *conn, struct expo *x,
    int rc, const char *err, int64_t t0)
{
	e->self.last_scrape_s = (double)(clock_ns() - t0) / 1e9;
	if (rc == -1)
		respond_text(conn, 500, err);
	else if (x->full)
		respond_text(conn, 500, "the metrics are larger than 16 MiB");
	else
		(void)httpd_respond(conn, 200, expo_ctype(x), x->buf, x->len,
		    NULL, 0, NULL);
	expo_free(x);
}

static void *
scrape_thread(void *arg)
{
	struct exporter *e = arg;
	struct scraper *sc = &e->sc;
	char b = 1;

	sc->rc = xmetrics_scrape(&e->xm, e->c, &sc->self, &sc->x, sc->err,
	    sizeof(sc->err));
	if (sc->rc == 0)
		expo_end(&sc->x);
	while (write(sc->done[1], &b, 1) == -1 && errno == EINTR)
		;
	return NULL;
}

/*
 * Scrapes for the first waiting request: in the thread, or here at once
 * when no thread can be had (the loop waits then, as it always did).
 */
static void
scrape_next(struct exporter *e)
{
	struct scraper *sc = &e->sc;
	pthread_attr_t at;
	int ok;

	while (!sc->running && sc->q != NULL) {
		self_now(e, &sc->self);
		expo_init(&sc->x, sc->q->om, BODY_MAX);
		sc->t0 = clock_ns();
		ok = sc->done[1] != -1 && pthread_attr_init(&at) == 0;
		if (ok) {
			(void)pthread_attr_setstacksize(&at, SCRAPE_STACK);
			ok = pthread_create(&sc->th, &at, scrape_thread, e) == 0;
			pthread_attr_destroy(&at);
		}
		if (ok) {
			sc->running = 1;
			return;
		}
		sc->rc = xmetrics_scrape(&e->xm, e->c, &sc->self, &sc->x,
		    sc->err, sizeof(sc->err));
		if (sc->rc == 0)
			expo_end(&sc->x);
		{
			struct mreq *m = sc->q;

			if ((sc->q = m->next) == NULL)
				sc->tail = &sc->q;
			sc->n--;
			metrics_answer(e, m->conn, &sc->x, sc->rc, sc->err,
			    sc->t0);
			free(m);
		}
	}
}

/* The scrape thread is done: its answer, then the next scrape. */
static void
scrape_io(struct loop *l, struct loop_io *io, int ev)
{
	struct exporter *e = io->arg;
	struct scraper *sc = &e->sc;
	struct mreq *m;
	char buf[16];

	(void)l;
	(void)ev;
	while (read(sc->done[0], buf, sizeof(buf)) > 0)
		;
	if (!sc->running)
		return;
	pthread_join(sc->th, NULL);
	sc->running = 0;
	m = sc->q;
	if ((sc->q = m->next) == NULL)
		sc->tail = &sc->q;
	sc->n--;
	metrics_answer(e, m->conn, &sc->x, sc->rc, sc->err, sc->t0);
	free(m);
	scrape_next(e);
}

static void
metrics(struct exporter *e, struct httpd_conn *conn, const struct http_req *rq)
{
	struct scraper *sc = &e->sc;
	struct mreq *m;
	char msg[200];

	if (sc->n >= SCRAPES_MAX) {
		snprintf(msg, sizeof(msg), "%zu /metrics scrapes wait already, "
		    "the most at once; try again later, or scrape less often",
		    sc->n);
		(void)httpd_respond(conn, 503, "text/plain; charset=utf-8",
		    msg, strlen(msg), "Retry-After: 1\r\n", 0, NULL);
		return;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		respond_text(conn, 500, "no memory for the scrape");
		return;
	}
	m->conn = conn;
	m->om = rq->om;
	*sc->tail = m;
	sc->tail = &m->next;
	sc->n++;
	scrape_next(e);
}

/* At the end: waits for a running scrape; drops those waiting (their
 * connections close with the server). */
static void
scrape_stop(struct exporter *e)
{
	struct scraper *sc = &e->sc;

	if (sc->running) {
		pthread_join(sc->th, NULL);
		sc->running = 0;
		expo_free(&sc->x);
	}
	while (sc->q != NULL) {
		struct mreq *m = sc->q;

		sc->q = m->next;
		free(m);
	}
	sc->tail = &sc->q;
	sc->n = 0;
}

static void
probe_done(struct xprobe *xp, void *arg)
{
	struct xreq *q = arg;
	struct exporter *e = q->e;
	struct expo x;
	char sum[400];

	(void)xp;
	expo_init(&x, q->om, BODY_MAX);
	xprobe_expo(&q->x, &x);
	expo_end(&x);
	xprobe_summary(&q->x, sum, sizeof(sum));
	(void)httpd_respond(q->conn, 200, expo_ctype(&x), x.buf, x.len, NULL,
	    0, sum);
	expo_free(&x);
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		e->probes = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	xprobe_free(&q->x);
	free(q);
}

static void
probe(struct exporter *e, struct httpd_conn *conn, const struct http_req *rq)
{
	struct xreq *q;
	char err[300], msg[400];
	size_t n = 0;
	int rc;

	for (struct xreq *p = e->probes; p != NULL; p = p->next)
		n++;
	if ((long long)n >= e->jobs) {
		snprintf(msg, sizeof(msg), "%zu probes are running, the most "
		    "at once (-j %lld); try again later, or raise -j", n,
		    e->jobs);
		(void)httpd_respond(conn, 503, "text/plain; charset=utf-8",
		    msg, strlen(msg), "Retry-After: 1\r\n", 0, NULL);
		return;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		respond_text(conn, 500, "no memory for the probe");
		return;
	}
	rc = xprobe_parse(&e->env, rq, e->c->env.timeout_ms, &q->x.p, err,
	    sizeof(err));
	if (rc != 0) {
		respond_text(conn, rc, err);
		free(q);
		return;
	}
	q->e = e;
	q->conn = conn;
	q->om = rq->om;
	q->next = e->probes;
	if (e->probes != NULL)
		e->probes->prev = q;
	e->probes = q;
	e->self.probes++;
	xprobe_start(&q->x, &e->env, probe_done, q);
}

static void
on_request(struct httpd_conn *conn, const struct http_req *rq, void *arg)
{
	struct exporter *e = arg;

	e->requests++;
#define PATH_IS(s) (rq->pathlen == sizeof(s) - 1 && \
	    memcmp(rq->target, s, sizeof(s) - 1) == 0)
	if (PATH_IS("/probe"))
		probe(e, conn, rq);
	else if (PATH_IS("/metrics"))
		metrics(e, conn, rq);
	else if (PATH_IS("/"))
		landing(e, conn);
	else
		respond_text(conn, 404, "not found: the exporter serves /, "
		    "/metrics and /probe");
#undef PATH_IS
}

static void
accept_io(struct loop *l, struct loop_io *io, int ev)
{
	struct exporter *e = io->arg;

	(void)l;
	(void)ev;
	httpd_accept(e->h);
}

static void
resolver_io(struct loop *l, struct loop_io *io, int ev)
{
	struct exporter *e = io->arg;
	struct xreq *q, *next;
	char buf[64];

	(void)l;
	(void)ev;
	while (read(e->rfd[0], buf, sizeof(buf)) > 0)
		;
	for (q = e->probes; q != NULL; q = next) {
		next = q->next;
		xprobe_collect(&q->x);
	}
}

/* Every --allow, in order (the option table keeps only the last). */
static int
collect_allow(int argc, char **argv, char **allow)
{
	int n = 0;

	for (int i = 1; i < argc && n < ALLOW_MAX; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc)
			allow[n++] = argv[++i];
		else if (strncmp(argv[i], "--allow=", 8) == 0)
			allow[n++] = argv[i] + 8;
	}
	allow[n] = NULL;
	return n;
}

static int
run(struct ctx *c, struct exporter *e, const struct sockaddr_storage *ss)
{
	struct httpd_cfg hc;
	struct httpd_stats st;
	char text[300];
	long nofile;
	size_t conns;
	int rc, sig;

	rc = serve_start(c, &e->sv, ss, SOCK_STREAM, 0, accept_io, e);
	if (rc != 0)
		return rc;
	if (pipe2(e->rfd, O_NONBLOCK | O_CLOEXEC) == -1) {
		out_err(c, "cannot make the resolver's pipe: %s",
		    strerror(errno));
		return reason_exit(RS_RESOURCE);
	}
	e->rio.fd = e->rfd[0];
	e->rio.fn = resolver_io;
	e->rio.arg = e;
	(void)loop_watch(e->sv.l, &e->rio, LOOP_READ);
	/* no pipe, no thread: scrapes then run on the loop */
	if (pipe2(e->sc.done, O_NONBLOCK | O_CLOEXEC) == 0) {
		e->sc.io.fd = e->sc.done[0];
		e->sc.io.fn = scrape_io;
		e->sc.io.arg = e;
		if (loop_watch(e->sv.l, &e->sc.io, LOOP_READ) == -1) {
			close(e->sc.done[0]);
			close(e->sc.done[1]);
			e->sc.done[0] = e->sc.done[1] = -1;
		}
	}
	e->env.c = c;
	e->env.lp = e->sv.l;
	e->env.rs_wfd = e->rfd[1];
	nofile = srv_raise_nofile();
	/* each probe may take 3 descriptors; the rest, less a reserve,
	 * serve connections */
	conns = CONNS_MAX;
	if (nofile > 0 && (long long)nofile - 32 - 3 * e->jobs <
	    (long long)conns)
		conns = (long long)nofile - 32 - 3 * e->jobs > 8 ?
		    (size_t)((long long)nofile - 32 - 3 * e->jobs) : 8;
	memset(&hc, 0, sizeof(hc));
	hc.l = e->sv.l;
	hc.lio = &e->sv.io;
	hc.timeout_ms = c->env.timeout_ms;
	hc.idle_ms = IDLE_MS;
	hc.max_conns = conns;
	hc.max_body = BODY_MAX;
	hc.on_request = on_request;
	hc.on_log = on_log;
	hc.arg = e;
	if ((e->h = httpd_new(&hc)) == NULL)
		nomem_exit("the HTTP server");
	out_trace(c, "at most %zu connections, %lld probes at once", conns,
	    e->jobs);
	sig = serve_run(c, &e->sv, &e->outq, &e->errq);
	rc = sig == -1 ? 1 : 0;
	scrape_stop(e);
	while (e->probes != NULL) {
		struct xreq *q = e->probes;

		e->probes = q->next;
		xprobe_cancel(&q->x);
		free(q);
	}
	httpd_stats(e->h, &st);
	snprintf(text, sizeof(text), "%llu requests on %llu connections, "
	    "%llu probes, %llu connections cut off",
	    (unsigned long long)e->requests, (unsigned long long)st.accepted,
	    (unsigned long long)e->self.probes, (unsigned long long)st.cut);
	{
		const struct serve_count counts[] = {
			{ "requests", (long long)e->requests },
			{ "connections", (long long)st.accepted },
			{ "probes", (long long)e->self.probes },
			{ "cut", (long long)st.cut },
		};

		serve_summary(c, &e->outq, &e->errq, sig, text, counts,
		    sizeof(counts) / sizeof(counts[0]));
	}
	return logq_end(c, &e->outq, &e->errq, rc);
}

int
cmd_exporter(struct ctx *c, int argc, char **argv)
{
	struct ex_args a = { DEFAULT_LISTEN, NULL, 64 };
	char *allow[ALLOW_MAX + 1];
	struct opt opts[NOPTS];
	struct sockaddr_storage ss;
	struct exporter *e;
	char *la[1];
	int npos, rc, nallow;

	nallow = collect_allow(argc, argv, allow);
	opts_fill(opts, &a);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (npos > 0)
		return out_usage(c, "unexpected argument '%.60s' (the address "
		    "goes after --listen)", argv[1]);
	for (int i = 0; i < nallow; i++)
		if (allow[i][0] == '\0')
			return out_usage(c, "--allow needs a pattern (e.g. "
			    "'*:443' or '10.0.*')");
	la[0] = (char *)a.listen;
	rc = serve_addr(c, 1, la, 0, &ss);
	if (rc != 0)
		return rc;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		nomem_exit("the exporter");
	e->c = c;
	e->jobs = a.jobs;
	e->rfd[0] = e->rfd[1] = -1;
	e->sc.done[0] = e->sc.done[1] = -1;
	e->sc.tail = &e->sc.q;
	e->env.allow = allow;
	e->env.nallow = nallow;
	rc = run(c, e, &ss);
	httpd_free(e->h);
	if (e->rfd[0] != -1 && e->sv.l != NULL)
		loop_unwatch(e->sv.l, &e->rio);
	if (e->sc.done[0] != -1) {
		if (e->sv.l != NULL)
			loop_unwatch(e->sv.l, &e->sc.io);
		close(e->sc.done[0]);
		close(e->sc.done[1]);
	}
	srv_stop(&e->sv, c->trace ? out_trace_cb : NULL, c);
	/* a resolver thread given up on may still write its byte */
	if (!e->env.rs_abandoned) {
		if (e->rfd[0] != -1)
			close(e->rfd[0]);
		if (e->rfd[1] != -1)
			close(e->rfd[1]);
	}
	xmetrics_free(&e->xm);
	free(e);
	return rc;
}
