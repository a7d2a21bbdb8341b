/*
 * exporter [OPTIONS]: serves the probes and inspect to Prometheus over
 * HTTP/1.1 (SPEC "exporter"). /probe?target=T&module=M runs one probe
 * now, as blackbox_exporter's /probe does, and answers with its
 * --openmetrics families; /metrics is this machine's sockets as inspect
 * judges them, against the previous scrape; / links both. One event loop
 * serves every connection (lib/core/httpd) and runs every probe
 * (lib/cli/xprobe): at most -j probes at once, a 503 beyond; a request
 * head over 8 KiB or slower than -t is cut off; one log line per request
 * on stderr (none with -q).
 */
#include <errno.h>
#include <fcntl.h>
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

static void
metrics(struct exporter *e, struct httpd_conn *conn, const struct http_req *rq)
{
	struct httpd_stats st;
	struct expo x;
	char err[200];
	int64_t t0 = clock_ns();

	httpd_stats(e->h, &st);
	e->self.conns = st.open;
	e->self.cut = st.cut;
	e->self.in_flight = 0;
	for (struct xreq *q = e->probes; q != NULL; q = q->next)
		e->self.in_flight++;
	expo_init(&x, rq->om, BODY_MAX);
	if (xmetrics_scrape(&e->xm, e->c, &e->self, &x, err,
	    sizeof(err)) == -1) {
		expo_free(&x);
		respond_text(conn, 500, err);
		return;
	}
	expo_end(&x);
	e->self.last_scrape_s = (double)(clock_ns() - t0) / 1e9;
	if (x.full) {
		expo_free(&x);
		respond_text(conn, 500, "the metrics are larger than 16 MiB");
		return;
	}
	(void)httpd_respond(conn, 200, expo_ctype(&x), x.buf, x.len, NULL, 0,
	    NULL);
	expo_free(&x);
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
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	struct httpd_cfg hc;
	struct httpd_stats st;
	char text[300];
	long nofile;
	size_t conns;
	int rc, sig;

	rc = serve_start(c, &e->sv, ss, SOCK_STREAM, 0, sigs, accept_io, e);
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
	e->env.allow = allow;
	e->env.nallow = nallow;
	rc = run(c, e, &ss);
	httpd_free(e->h);
	if (e->rfd[0] != -1 && e->sv.l != NULL)
		loop_unwatch(e->sv.l, &e->rio);
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
