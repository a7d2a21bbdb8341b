/*
 * probe-connect TARGET...: resolve (timed), connect with the per-attempt
 * timeout (RFC 8305 Happy Eyeballs when both families resolve), optionally
 * send and expect, close; when a stage fails, name the cause from the
 * evidence this machine holds: the ICMP error and who sent it, the
 * listeners in /proc/net, the routes, the sysctls.
 *
 * Several targets run at once on one event loop (lib/loop), bounded by
 * -j; each is one dialer of lib/dial (names resolve on threads of their
 * own, so one slow resolver holds up no other target), and lib/evconn
 * explains its failures. This file holds the options, the scheduling of
 * the targets and --wait, and the results, in argument order.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/addr.h"
#include "../lib/clock.h"
#include "../lib/diag.h"
#include "../lib/dial.h"
#include "../lib/errname.h"
#include "../lib/esc.h"
#include "../lib/evconn.h"
#include "../lib/evdns.h"
#include "../lib/evidence.h"
#include "../lib/evunix.h"
#include "../lib/expect.h"
#include "../lib/loop.h"
#include "../lib/opt.h"
#include "../lib/sysinfo.h"
#include "../lib/targets.h"
#include "cmds.h"

static const struct cmd_help help = {
	"probe-connect", "[OPTIONS] TARGET... | HOST PORT",
	"Connect to each TARGET, report the address used, connect time and "
	"TCP RTT;\nwhen that fails, name the cause.",
	"TARGET is HOST:PORT, [IPV6]:PORT or the pair HOST PORT, or a Unix\n"
	"socket: unix:PATH, any PATH with a '/', @NAME (abstract); on success\n"
	"a Unix socket's server is named (SO_PEERCRED). A name that\n"
	"resolves to both families is tried RFC 8305 style: the next address\n"
	"starts 250 ms after the previous one unless that failed sooner, and\n"
	"the first to connect wins. Several targets are probed at once (-j)\n"
	"and reported in argument order; the exit code is that of the first\n"
	"failure in argument order.\n\n"
	"--wait retries refused, timeout, unreachable, a temporary DNS failure\n"
	"and (with --send/--expect) a reset or a wrong reply, until success or\n"
	"DUR; a usage error, a permission problem or a name that does not\n"
	"exist fails at once. --expect reads until the reply matches (^ and $\n"
	"also match at line breaks), the timeout, or EOF. -t bounds each\n"
	"connect, each wait for a reply and each name lookup. \"attempts\"\n"
	"counts connect() calls, every address and retry included.\n\n"
	"examples:\n"
	"  sockctl connect db 5432\n"
	"  sockctl connect --wait 60s db:5432 cache:6379\n"
	"  sockctl connect --send 'PING\\r\\n' --expect '^\\+PONG' "
	"127.0.0.1:6379\n"
	"  sockctl connect --targets hosts.txt -j 64 -t 2s\n"
	"  sockctl connect --all localhost:8080\n"
	"  sockctl connect /var/run/docker.sock\n",
};

/* Where the options land. */
struct args {
	int64_t		 wait_ms;
	int64_t		 interval_ms;
	long long	 jobs;
	const char	*send;
	const char	*expect;
	const char	*targets;
	int		 all;
	int		 wait_set;
};

#define NOPTS		8

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct args *v)
{
	const struct opt t[NOPTS] = {
		{ "wait", 0, OT_DUR, &v->wait_ms, "DUR",
		    "retry until success or DUR has passed", 0, 0,
		    &v->wait_set },
		{ "interval", 0, OT_DUR, &v->interval_ms, "DUR",
		    "pause between retries (default 1s)", 0, 0, NULL },
		{ "send", 0, OT_STR, &v->send, "TEXT",
		    "send TEXT after connecting (\\r \\n \\t \\\\ \\xNN)", 0, 0,
		    NULL },
		{ "expect", 0, OT_STR, &v->expect, "PATTERN",
		    "read until the reply matches this POSIX ERE", 0, 0, NULL },
		{ "all", 0, OT_FLAG, &v->all, NULL,
		    "try and report every resolved address", 0, 0, NULL },
		{ "targets", 0, OT_STR, &v->targets, "FILE",
		    "read targets from FILE (- for stdin), one a line", 0, 0,
		    NULL },
		{ "jobs", 'j', OT_INT, &v->jobs, "N",
		    "probe at most N targets at once (default 64)", 1, 4096,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

#define MIN_INTERVAL_MS	10

struct tgt {
	char			 disp[320];
	struct endpoint		 ep;
	struct sockaddr_storage	 un;	/* a Unix endpoint's address */
};

enum pstate { PS_QUEUED, PS_DIALING, PS_SLEEP, PS_DONE };

/* One target, over every round of --wait. */
struct probe {
	struct run		*rn;
	struct tgt		*t;
	enum pstate		 st;
	struct loop_timer	 tm;		/* the pause between rounds */
	struct dial		 d;
	int64_t			 t0_ns;
	int64_t			 end_ns;
	int			 rounds;
	struct dial_round	 last;		/* the last round that counts */
	int			 have_last;
	int			 ok;		/* that round succeeded */
	int			 retry;		/* that round may be retried */
	char			 why[128];	/* its cause, for progress */
};

struct run {
	struct ctx		*c;
	struct loop		*lp;
	struct probe		*pr;
	size_t			 n;
	size_t			 next_start;
	size_t			 next_print;
	size_t			 live_from;	/* all before it are done */
	size_t			 ndone;
	long long		 active;
	long long		 jobs;
	int			 wait_set;
	int64_t			 interval_ms;
	char			*send;
	regex_t			 re;
	int			 have_re;
	int			 all;
	int			 rfd[2];	/* resolver threads' wake-ups */
	struct loop_io		 rio;
	int64_t			 t0_ns;
	int			 tty;
	int			 progress;	/* a progress line is showing */
	int			 exit_code;
	int			 in_kick;
	struct dial_cfg		 dc;		/* what every dialer shares */
	struct evconn		 ev;		/* what the evidence needs */
};

static void	round_begin(struct probe *);
static void	kick(struct run *);

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

static void
after_cb(void *arg)
{
	kick(arg);
}

static int
retryable(const struct run *rn, enum reason r)
{
	if (r == RS_REFUSED || r == RS_TIMEOUT || r == RS_UNREACH)
		return 1;
	/* accepted is not ready: a reset or a wrong reply may pass */
	return (rn->dc.sendlen > 0 || rn->have_re) && (r == RS_RESET ||
	    r == RS_EXPECT);
}

/* Results */

static void
extra_keys(struct probe *p, const struct dial_att *a, struct result *r)
{
	const struct dial_round *rd = &p->last;
	struct jbuf *x = &r->extra;
	char h[ADDRSTR_MAX], buf[EXPECT_SHOW_LEN];

	jb_knum(x, "resolve_ms", rd->resolve_ms);
	if (a != NULL && (a->est_ns != 0 || (a->stage == ST_CONNECT &&
	    !a->abandoned)))
		jb_knum(x, "connect_ms", clock_between_ms(a->start_ns,
		    a->est_ns ? a->est_ns : a->end_ns));
	else
		jb_knull(x, "connect_ms");
	jb_knum(x, "rtt_ms", a != NULL && a->est_ns ? a->rtt_ms : NAN);
	jb_kint(x, "attempts", p->d.connects);
	evunix_peer_json(x, a != NULL && a->ok && a->has_peer, a != NULL ?
	    a->peer.pid : 0, a != NULL ? a->peer.comm : NULL, a != NULL ?
	    a->peer.user : NULL);
	if (a != NULL && a->rbuf != NULL) {
		expect_show(a->rbuf, a->rlen, buf, sizeof(buf));
		jb_kstr(x, "received", buf);
	}
	if (a != NULL && a->icmp.origin != 0) {
		jb_kobj_open(x, "icmp");
		jb_kint(x, "type", a->icmp.type);
		jb_kint(x, "code", a->icmp.code);
		jb_kstr(x, "from", a->icmp.has_offender ? host_of(
		    &a->icmp.offender, h, sizeof(h)) : NULL);
		jb_obj_close(x);
	}
	if (!p->rn->all && rd->naddr > 1) {
		jb_arr_open(x, "tried");
		for (int i = 0; i < rd->nstarted; i++) {
			struct dial_att *t = &rd->att[i];
			jb_obj_open(x);
			jb_kstr(x, "address", host_of(&t->sa, h, sizeof(h)));
			if (t->ok)
				jb_kstr(x, "reason", "ok");
			else if (t->abandoned)
				jb_kstr(x, "reason", "abandoned");
			else
				jb_kstr(x, "reason",
				    reason_slug(evconn_reason(t)));
			jb_kstr(x, "errno", t->err && !t->abandoned ?
			    errname(t->err) : NULL);
			jb_obj_close(x);
		}
		jb_arr_close(x);
	}
}

/* "connected to /run/x.sock (pid 42, postgres, user postgres) in 0.10 ms" */
static void
unix_message(const struct dial_att *a, const char *hp, const char *more,
    struct result *r)
{
	double ms = (double)(a->est_ns - a->start_ns) / 1e6;

	if (a->has_peer)
		snprintf(r->message, sizeof(r->message), "connected to %s (pid "
		    "%d, %s, user %s) in %.2f ms%s", hp, a->peer.pid,
		    a->peer.comm, a->peer.user, ms, more);
	else
		snprintf(r->message, sizeof(r->message), "connected to %s in "
		    "%.2f ms%s", hp, ms, more);
}

static void
att_result(struct probe *p, const struct dial_att *a, struct result *r)
{
	const struct dial_round *rd = &p->last;
	struct run *rn = p->rn;
	char hp[ADDRSTR_MAX];

	snprintf(r->target, sizeof(r->target), "%s", p->t->disp);
	host_of(&a->sa, r->address, sizeof(r->address));
	r->port = sa_port((struct sockaddr *)&a->sa);
	r->family = a->sa.ss_family;
	r->elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	extra_keys(p, a, r);
	if (a->ok) {
		char more[256] = "";
		size_t n = 0;

		sa_fmt((struct sockaddr *)&a->sa, hp, sizeof(hp));
		if (!isnan(rd->resolve_ms) && !rd->numeric)
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", resolve %.2f ms", rd->resolve_ms);
		if (p->d.connects > 1 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", %d attempts", p->d.connects);
		if (rn->have_re && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", reply matched after %zu bytes", a->rlen);
		else if (rn->dc.sendlen > 0 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", sent %zu bytes, %zu received", a->sent,
			    a->rlen);
		if (rn->wait_set && p->rounds > 1 && n < sizeof(more))
			snprintf(more + n, sizeof(more) - n, ", ready after "
			    "%.1f s", r->elapsed_ms / 1000);
		if (a->sa.ss_family == AF_UNIX)
			unix_message(a, hp, more, r);
		else if (rd->numeric)
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s in %.2f ms (rtt %.2f ms%s)", hp,
			    clock_between_ms(a->start_ns, a->est_ns), a->rtt_ms,
			    more);
		else
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s via %s in %.2f ms (rtt %.2f ms%s)",
			    p->t->disp, hp, clock_between_ms(a->start_ns, a->est_ns),
			    a->rtt_ms, more);
		return;
	}
	r->stage = a->stage;
	r->err = a->err;
	r->dx = a->dx;
	/* -q shows the slug and the errno name, never the cause: the
	 * evidence (listener tables, routes) is not worth looking up */
	if (!rn->c->quiet)
		evconn_explain(&rn->ev, a, r);
	result_diagnose(r);
}

static void
resolve_result(struct probe *p, struct result *r)
{
	snprintf(r->target, sizeof(r->target), "%s", p->t->disp);
	r->port = p->t->ep.port;
	r->elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	r->stage = ST_RESOLVE;
	extra_keys(p, NULL, r);
	evdns_round(p->rn->c, p->t->ep.host, &p->last, r);
}

static void
build_results(struct probe *p, struct result **out, int *nout)
{
	const struct dial_round *rd = &p->last;
	struct run *rn = p->rn;
	struct result *rs;
	int n;

	if (rd->naddr == 0 || rd->nstarted == 0) {
		rs = malloc(sizeof(*rs));
		if (rs == NULL)
			out_nomem("results");
		result_init(rs, rn->c);
		resolve_result(p, rs);
		*out = rs;
		*nout = 1;
		return;
	}
	n = rn->all ? rd->nstarted : 1;
	/* result_init() below sets what each result needs */
	rs = reallocarray(NULL, (size_t)n, sizeof(*rs));
	if (rs == NULL)
		out_nomem("results");
	for (int i = 0; i < n; i++) {
		const struct dial_att *a = rn->all ? &rd->att[i] :
		    rd->winner >= 0 ? &rd->att[rd->winner] :
		    evconn_representative(rd);

		result_init(&rs[i], rn->c);
		att_result(p, a, &rs[i]);
		evconn_round(rd, p->t->ep.host, a, !rn->all, &rs[i]);
	}
	*out = rs;
	*nout = n;
}

static void
free_results(struct result *rs, int n)
{
	for (int i = 0; i < n; i++)
		result_free(&rs[i]);
	free(rs);
}

/* Rounds and --wait */

static void
progress(struct run *rn)
{
	struct probe *p = NULL;
	size_t ready = 0;
	double el;

	if (!rn->tty || !rn->wait_set || rn->c->quiet)
		return;
	for (size_t i = 0; i < rn->n; i++) {
		if (rn->pr[i].st == PS_DONE && rn->pr[i].ok)
			ready++;
		else if (p == NULL && rn->pr[i].st != PS_DONE &&
		    rn->pr[i].why[0] != '\0')
			p = &rn->pr[i];
	}
	if (p == NULL)
		return;
	el = clock_between_ms(rn->t0_ns, clock_ns()) / 1000;
	if (rn->n == 1)
		fprintf(rn->c->err, "\r\033[Kwaiting for %s: %.1f s, try %d, "
		    "last: %s", p->t->disp, el, p->rounds, p->why);
	else
		fprintf(rn->c->err, "\r\033[Kwaiting: %zu of %zu ready, %.1f "
		    "s; %s: %s", ready, rn->n, el, p->t->disp, p->why);
	fflush(rn->c->err);
	rn->progress = 1;
}

static void
progress_clear(struct run *rn)
{
	if (!rn->progress)
		return;
	fprintf(rn->c->err, "\r\033[K");
	fflush(rn->c->err);
	rn->progress = 0;
}

static void
probe_done(struct probe *p)
{
	struct run *rn = p->rn;

	loop_timer_cancel(rn->lp, &p->tm);
	if (p->end_ns == 0)
		p->end_ns = clock_ns();
	dial_round_free(&p->d.r);
	p->st = PS_DONE;
	rn->active--;
	rn->ndone++;
}

static void
sleep_timer(struct loop *lp, struct loop_timer *t)
{
	struct probe *p = t->arg;

	(void)lp;
	if (dial_deadline_passed(&p->rn->dc))
		probe_done(p);
	else
		round_begin(p);
	kick(p->rn);
}

static void
round_begin(struct probe *p)
{
	p->rounds++;
	p->st = PS_DIALING;
	dial_round(&p->d);
}

static void
resolver_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct run *rn = io->arg;
	char buf[64];

	(void)lp;
	(void)ev;
	while (read(rn->rfd[0], buf, sizeof(buf)) > 0)
		;
	for (size_t i = 0; i < rn->n; i++)
		if (rn->pr[i].st == PS_DIALING)
			(void)dial_collect(&rn->pr[i].d);
	kick(rn);
}

/*
 * Says how the round went from its reasons alone (cheap: the evidence is
 * gathered when the result is printed, so it delays no other target's
 * timing): sets *retry, writes the cause for the progress line to why.
 * Returns 1 for success.
 */
static int
round_outcome(struct probe *p, const struct dial_round *rd, int *retry,
    char *why, size_t len)
{
	struct run *rn = p->rn;
	const struct dial_att *a;
	enum reason r;
	int ok = 1;

	*retry = 1;
	why[0] = '\0';
	if (rd->nstarted == 0) {
		if (rd->naddr > 0 || (rd->eai == 0 && !rd->rs_cut)) {
			snprintf(why, len, "%s", reason_slug(RS_ADDRNA));
			*retry = 0;
			return 0;
		}
		*retry = rd->rs_cut || rd->eai == EAI_AGAIN;
		snprintf(why, len, "dns-failure (%s)", rd->rs_cut ?
		    "no answer" : eai_name(rd->eai) ? eai_name(rd->eai) : "?");
		return 0;
	}
	for (int i = 0; i < rd->nstarted; i++) {
		a = &rd->att[i];
		if (rn->all || (rd->winner >= 0 ? i == rd->winner :
		    a == evconn_representative(rd))) {
			if (a->ok || a->abandoned)
				continue;
			r = evconn_reason(a);
			if (ok)
				snprintf(why, len, "%s%s%s%s", reason_slug(r),
				    a->err ? " (" : "", a->err &&
				    errname(a->err) ? errname(a->err) : "",
				    a->err ? ")" : "");
			ok = 0;
			if (!retryable(rn, r))
				*retry = 0;
		}
	}
	return ok;
}

/* The dialer's round is over: keep it, then finish, or sleep and retry. */
static void
round_done(struct dial *d, void *arg)
{
	struct probe *p = arg;
	struct run *rn = p->rn;
	char why[sizeof(p->why)];
	int ok, retry, cut = d->r.cut;
	int64_t left;

	for (int i = 0; i < d->r.nstarted; i++)
		cut |= d->r.att[i].cut && !d->r.att[i].ok;
	ok = round_outcome(p, &d->r, &retry, why, sizeof(why));
	if (cut && !ok && p->have_last) {
		/* a round the deadline cut short says less than the last */
		dial_round_free(&d->r);
	} else {
		dial_round_free(&p->last);
		dial_take(d, &p->last);
		p->have_last = 1;
		p->ok = ok;
		p->retry = retry;
		snprintf(p->why, sizeof(p->why), "%s", why);
	}
	if (ok || !rn->wait_set || !p->retry || dial_deadline_passed(&rn->dc)) {
		p->end_ns = clock_ns();
		probe_done(p);
		return;
	}
	left = (rn->dc.deadline_ns - clock_ns()) / 1000000;
	if (left > rn->interval_ms)
		left = rn->interval_ms;
	out_trace(rn->c, "%s: round %d: %s; retrying in %lld ms", p->t->disp,
	    p->rounds, p->why, (long long)left);
	p->st = PS_SLEEP;
	p->tm.fn = sleep_timer;
	p->tm.arg = p;
	(void)loop_timer_set(rn->lp, &p->tm, left);
	progress(rn);
}

static int
in_flight(struct run *rn)
{
	/* a finished probe stays finished: step over those once, so a
	 * sweep of thousands of targets is not a scan per event (those
	 * before next_print are done too) */
	while (rn->live_from < rn->next_start &&
	    rn->pr[rn->live_from].st == PS_DONE)
		rn->live_from++;
	for (size_t i = rn->live_from; i < rn->next_start; i++) {
		const struct probe *p = &rn->pr[i];

		if (p->st == PS_DIALING && dial_running(&p->d) > 0)
			return 1;
	}
	return 0;
}

static void
print_probe(struct run *rn, struct probe *p)
{
	struct result *rs;
	int n, rc;

	build_results(p, &rs, &n);
	if (rn->wait_set && !p->ok && p->retry)
		for (int i = 0; i < n; i++) {
			rs[i].elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns);
			result_cause(&rs[i], "still failing when --wait ran out "
			    "after %.1f s and %d tries; this was the last "
			    "cause", rs[i].elapsed_ms / 1000, p->rounds);
		}
	for (int i = 0; i < n; i++) {
		rc = out_result(rn->c, &rs[i]);
		if (rc != 0 && rn->exit_code == 0)
			rn->exit_code = rc;
	}
	free_results(rs, n);
	dial_round_free(&p->last);
}

/*
 * Starts queued targets and prints finished ones in argument order. The
 * evidence a result needs (/proc/net, interfaces) takes milliseconds to
 * read, so printing waits until no connect is in flight whose timing it
 * would skew. Stops the loop when everything is printed.
 */
static void
kick(struct run *rn)
{
	if (rn->in_kick)
		return;
	rn->in_kick = 1;
	while (rn->active < rn->jobs && rn->next_start < rn->n) {
		struct probe *p = &rn->pr[rn->next_start++];

		rn->active++;
		p->t0_ns = clock_ns();
		round_begin(p);
	}
	rn->c->hold = 1;
	while (rn->next_print < rn->n &&
	    rn->pr[rn->next_print].st == PS_DONE &&
	    (rn->ndone == rn->n || !in_flight(rn))) {
		progress_clear(rn);
		print_probe(rn, &rn->pr[rn->next_print++]);
	}
	rn->c->hold = 0;
	out_flush(rn->c);
	if (rn->next_print >= rn->n)
		loop_stop(rn->lp);
	rn->in_kick = 0;
}

/*
 * The run itself could not be set up (no descriptor for the event loop, no
 * memory for the targets): one result standing for all of them, naming
 * the limit. Returns its exit code.
 */
static int
setup_failed(struct ctx *c, const char *what, int err)
{
	struct result r;
	int rc;

	result_init(&r, c);
	snprintf(r.target, sizeof(r.target), "%s", what);
	r.err = err;
	result_diagnose(&r);
	ev_limits(c, &r, err);
	jb_knull(&r.extra, "resolve_ms");
	jb_knull(&r.extra, "connect_ms");
	jb_knull(&r.extra, "rtt_ms");
	jb_kint(&r.extra, "attempts", 0);
	if (err == ENOMEM)
		result_fix(&r, "or probe fewer targets per run");
	rc = out_result(c, &r);
	result_free(&r);
	return rc;
}

/* Arguments */

struct tvec {
	struct tgt	*v;
	size_t		 n;
	size_t		 cap;
};

static int
add_target(struct ctx *c, struct tvec *tv, const struct endpoint *ep,
    const char *where)
{
	struct tgt *t;

	if (ep->port == 0 && !ep->is_unix)
		return out_usage(c, "%s%sport '%s' of '%s' is no destination "
		    "(connect needs the port a service listens on)",
		    where ? where : "", where ? ": " : "", ep->port_str,
		    ep->host);
	if (tv->n == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 16;
		struct tgt *nv = realloc(tv->v, cap * sizeof(*nv));

		if (nv == NULL) {
			char what[400];

			if (where != NULL)
				snprintf(what, sizeof(what), "%s", where);
			else
				snprintf(what, sizeof(what), "target %zu",
				    tv->n + 1);
			return setup_failed(c, what, ENOMEM);
		}
		tv->v = nv;
		tv->cap = cap;
	}
	t = &tv->v[tv->n++];
	t->ep = *ep;
	if (ep->is_unix) {
		snprintf(t->disp, sizeof(t->disp), "%s", ep->host);
		(void)sa_from_unix(ep->host, &t->un);
		return 0;
	}
	snprintf(t->disp, sizeof(t->disp), strchr(ep->host, ':') ?
	    "[%s]:%s" : "%s:%s", ep->host, ep->port_str);
	return 0;
}

static int
looks_like_port(const char *s)
{
	return s[0] != '\0' && s[0] != '[' && strchr(s, ':') == NULL;
}

/*
 * Parses positional TARGETs. "a:1 b:2" are two targets; "db 5432" is one
 * pair: an argument that is no HOST:PORT followed by one that can only be
 * a port.
 */
static int
parse_args(struct ctx *c, char **args, int n, struct tvec *tv)
{
	struct endpoint ep;
	char err[256], err2[256];
	int rc;

	for (int i = 0; i < n; i++) {
		if (ep_parse(args[i], 0, &ep, err, sizeof(err)) == 0) {
			if ((rc = add_target(c, tv, &ep, NULL)) != 0)
				return rc;
			continue;
		}
		/* "[::1] 80" is a pair too, as for probe-bind and probe-udp */
		if (i + 1 < n && looks_like_port(args[i + 1])) {
			if (ep_parse2(args[i], args[i + 1], 0, &ep, err2,
			    sizeof(err2)) == -1)
				return out_usage(c, "%s", err2);
			if ((rc = add_target(c, tv, &ep, NULL)) != 0)
				return rc;
			i++;
			continue;
		}
		return out_usage(c, "%s", err);
	}
	return 0;
}

static int
parse_file(struct ctx *c, const char *path, struct tvec *tv)
{
	struct targets tr;
	struct endpoint ep;
	char err[TARGETS_ERR_MAX];
	FILE *f;
	int rc = 0, n;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (f == NULL)
		return out_usage(c, "cannot read --targets file '%s': %s",
		    path, strerror(errno));
	targets_init(&tr, f, path);
	while (rc == 0 && (n = targets_next(&tr, &ep, err, sizeof(err))) != 0)
		rc = n == -1 ? out_usage(c, "%s", err) :
		    add_target(c, tv, &ep, tr.where);
	if (f != stdin)
		fclose(f);
	return rc;
}

#define FD_PER_JOB	3	/* two addresses at once, and the resolver */
#define FD_RESERVE	4	/* evidence: /proc/net, /etc/resolv.conf, ... */

/*
 * How many targets fit in flight under the open-files limit: -j 64 under
 * ulimit -n 16 would fail most targets with EMFILE, so the run goes
 * slower instead. At least one; a target that still finds no descriptor
 * says so (resource-limit, EMFILE).
 */
static long long
fd_jobs(struct run *rn, long long jobs)
{
	struct rlimit rl;
	long open, fit;

	/* one at a time needs no counting: at least one always runs */
	if (jobs <= 1 || rn->n <= 1)
		return jobs;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1L << 30)
		return jobs;
	open = si_fds_open("/proc", (long)rl.rlim_cur);
	if (open < 0)
		open = (long)rl.rlim_cur;	/* opendir hit the limit */
	fit = ((long)rl.rlim_cur - open - FD_RESERVE) / FD_PER_JOB;
	if (fit < 1)
		fit = 1;
	if (fit >= jobs)
		return jobs;
	out_trace(rn->c, "open files limit %ld, %ld open: %lld targets at "
	    "once, not %lld", (long)rl.rlim_cur, open, (long long)fit, jobs);
	if ((size_t)fit < rn->n)
		out_note(rn->c, "probing %ld target%s at a time, not %lld: the "
		    "open files limit is %ld (ulimit -n)", fit, fit == 1 ? "" :
		    "s", jobs, (long)rl.rlim_cur);
	return fit;
}

/* --send, --expect and the rest of the options into rn; 0 or an exit code. */
static int
setup(struct ctx *c, struct run *rn, const struct args *av)
{
	char err[256];
	long n;

	rn->c = c;
	rn->jobs = av->jobs;
	rn->all = av->all;
	rn->wait_set = av->wait_set;
	rn->interval_ms = av->interval_ms < MIN_INTERVAL_MS ?
	    MIN_INTERVAL_MS : av->interval_ms;
	if (av->send != NULL) {
		rn->send = malloc(strlen(av->send) + 1);
		if (rn->send == NULL)
			return setup_failed(c, "--send", ENOMEM);
		n = esc_decode(av->send, rn->send, err, sizeof(err));
		if (n < 0)
			return out_usage(c, "--send: %s", err);
		rn->dc.send = rn->send;
		rn->dc.sendlen = (size_t)n;
	}
	if (av->expect != NULL) {
		if (expect_compile(&rn->re, av->expect, err, sizeof(err)) ==
		    -1)
			return out_usage(c, "invalid --expect pattern '%.60s': "
			    "%s", av->expect, err);
		rn->have_re = 1;
		rn->dc.re = &rn->re;
	}
	rn->dc.family = c->family;
	rn->dc.timeout_ms = c->timeout_ms;
	rn->dc.all = av->all;
	rn->dc.proc_root = c->proc_root;
	rn->dc.trace = c->trace ? out_trace_cb : NULL;
	rn->dc.trace_arg = c;
	rn->dc.after = after_cb;
	rn->dc.after_arg = rn;
	rn->ev.c = c;
	rn->ev.expect = av->expect;
	rn->ev.sendlen = rn->dc.sendlen;
	return 0;
}

int
cmd_probe_connect(struct ctx *c, int argc, char **argv)
{
	struct args av = { 0, 1000, 64, NULL, NULL, NULL, 0, 0 };
	struct opt opts[NOPTS];
	struct run rn;
	struct tvec tv;
	int npos, rc;
	char err[256];

	opts_fill(opts, &av);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	memset(&rn, 0, sizeof(rn));
	memset(&tv, 0, sizeof(tv));
	rn.rfd[0] = rn.rfd[1] = -1;
	if ((rc = parse_args(c, argv + 1, npos, &tv)) != 0)
		goto out;
	if (av.targets != NULL && (rc = parse_file(c, av.targets, &tv)) != 0)
		goto out;
	if (tv.n == 0) {
		rc = av.targets != NULL ? out_usage(c, "no target in --targets "
		    "'%s'", av.targets) : out_usage(c, "missing TARGET "
		    "(HOST:PORT, [IPV6]:PORT or HOST PORT)");
		goto out;
	}
	if ((rc = setup(c, &rn, &av)) != 0)
		goto out;
	rn.n = tv.n;
	rn.pr = calloc(tv.n, sizeof(*rn.pr));
	if (rn.pr == NULL) {
		snprintf(err, sizeof(err), "%zu targets", tv.n);
		rc = setup_failed(c, err, ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < tv.n; i++) {
		struct probe *p = &rn.pr[i];

		p->rn = &rn;
		p->t = &tv.v[i];
		dial_init(&p->d, &rn.dc, p->t->ep.host, p->t->ep.port,
		    p->t->disp, round_done, p);
		if (p->t->ep.is_unix)
			dial_set_unix(&p->d, &p->t->un);
	}
	rn.lp = loop_new(NULL);
	if (rn.lp == NULL || pipe2(rn.rfd, O_NONBLOCK | O_CLOEXEC) == -1) {
		char what[sizeof(tv.v[0].disp) + 32];
		int e = errno;

		snprintf(what, sizeof(what), "%s%s", tv.v[0].disp, tv.n > 1 ?
		    " and the other targets" : "");
		if (e == EMFILE || e == ENFILE || e == ENOMEM)
			rc = setup_failed(c, what, e);
		else {
			out_err(c, "cannot set up the event loop: %s",
			    strerror(e));
			rc = reason_exit(RS_ERROR);
		}
		goto out;
	}
	rn.dc.lp = rn.lp;
	rn.dc.rs_wfd = rn.rfd[1];
	rn.rio.fd = rn.rfd[0];
	rn.rio.fn = resolver_io;
	rn.rio.arg = &rn;
	(void)loop_watch(rn.lp, &rn.rio, LOOP_READ);
	rn.t0_ns = clock_ns();
	if (av.wait_set)
		rn.dc.deadline_ns = rn.t0_ns + av.wait_ms * 1000000;
	rn.tty = isatty(fileno(c->err));
	rn.jobs = fd_jobs(&rn, rn.jobs);
	rn.ev.jobs = rn.jobs;
	kick(&rn);
	if (loop_run(rn.lp) == -1 && rn.next_print < rn.n) {
		out_err(c, "event loop failed: %s", strerror(errno));
		rc = reason_exit(RS_ERROR);
		goto out;
	}
	progress_clear(&rn);
	rc = rn.exit_code;
out:
	if (rn.pr != NULL) {
		for (size_t i = 0; i < rn.n; i++) {
			dial_round_free(&rn.pr[i].d.r);
			dial_round_free(&rn.pr[i].last);
		}
		free(rn.pr);
	}
	if (rn.lp != NULL) {
		if (rn.rfd[0] != -1)
			loop_unwatch(rn.lp, &rn.rio);
		loop_free(rn.lp);
	}
	/* a resolver thread given up on still holds the write end */
	if (!rn.dc.rs_abandoned) {
		if (rn.rfd[0] != -1)
			close(rn.rfd[0]);
		if (rn.rfd[1] != -1)
			close(rn.rfd[1]);
	}
	if (rn.have_re)
		regfree(&rn.re);
	evconn_free(&rn.ev);
	free(rn.send);
	free(tv.v);
	return rc;
}
