/*
 * probe-connect TARGET...: resolve (timed), connect with the per-attempt
 * timeout (RFC 8305 Happy Eyeballs when both families resolve), optionally
 * send and expect, close; when a stage fails, name the cause from the
 * evidence this machine holds: the ICMP error and who sent it, the
 * listeners in /proc/net, the routes, the sysctls.
 *
 * Several targets run at once on one event loop (lib/core/loop), bounded by
 * -j; each is one dialer of lib/core/dial (names resolve on threads of their
 * own, so one slow resolver holds up no other target), and lib/explain/evconn
 * explains its failures; lib/core/sched starts them and hands them back in
 * argument order, reading the targets (lib/core/targets) as it goes. This
 * file holds the options, a target's rounds and --wait, and the results.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "cmds.h"
#include "dial.h"
#include "errname.h"
#include "esc.h"
#include "evconn.h"
#include "evdns.h"
#include "evidence.h"
#include "evlimits.h"
#include "evunix.h"
#include "expect.h"
#include "loop.h"
#include "opt.h"
#include "sched.h"
#include "targets.h"

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

enum pstate { PS_QUEUED, PS_DIALING, PS_SLEEP, PS_DONE };

/* One target, over every round of --wait. */
struct probe {
	struct target		 t;		/* first: sched reads into it */
	struct run		*rn;
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
	struct tsrc		 src;
	struct sched		 sc;
	size_t			 nready;	/* done and ok */
	long long		 jobs;
	long long		 jobs_asked;	/* -j, before the fd limit */
	long			 fd_limit;
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
		    a->peer.tcomm, a->peer.user, ms, more);
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

	snprintf(r->target, sizeof(r->target), "%s", p->t.disp);
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
			    p->t.disp, hp, clock_between_ms(a->start_ns, a->est_ns),
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
	snprintf(r->target, sizeof(r->target), "%s", p->t.disp);
	r->port = p->t.ep.port;
	r->elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	r->stage = ST_RESOLVE;
	extra_keys(p, NULL, r);
	evdns_round(&p->rn->c->env, p->t.ep.host, &p->last, r);
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
			nomem_exit("results");
		result_init(rs, rn->c->cmd);
		resolve_result(p, rs);
		*out = rs;
		*nout = 1;
		return;
	}
	n = rn->all ? rd->nstarted : 1;
	/* result_init() below sets what each result needs */
	rs = reallocarray(NULL, (size_t)n, sizeof(*rs));
	if (rs == NULL)
		nomem_exit("results");
	for (int i = 0; i < n; i++) {
		const struct dial_att *a = rn->all ? &rd->att[i] :
		    rd->winner >= 0 ? &rd->att[rd->winner] :
		    evconn_representative(rd);

		result_init(&rs[i], rn->c->cmd);
		att_result(p, a, &rs[i]);
		evconn_round(rd, p->t.ep.host, a, !rn->all, &rs[i]);
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

/* The first probe not done that has a cause to show. */
static void
first_waiting(void *arg, void *slot)
{
	struct probe **first = arg, *p = slot;

	if (*first == NULL && p->st != PS_DONE && p->why[0] != '\0')
		*first = p;
}

static void
progress(struct run *rn)
{
	struct probe *p = NULL;
	double el;

	if (!rn->tty || !rn->wait_set || rn->c->quiet)
		return;
	sched_each(&rn->sc, first_waiting, &p);
	if (p == NULL)
		return;
	el = clock_between_ms(rn->t0_ns, clock_ns()) / 1000;
	if (rn->src.count == 1 && rn->sc.src_done)
		fprintf(rn->c->err, "\r\033[Kwaiting for %s: %.1f s, try %d, "
		    "last: %s", p->t.disp, el, p->rounds, p->why);
	else
		fprintf(rn->c->err, "\r\033[Kwaiting: %zu of %zu%s ready, "
		    "%.1f s; %s: %s", rn->nready, rn->src.count,
		    rn->sc.src_done ? "" : "+", el, p->t.disp, p->why);
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
	if (p->ok)
		rn->nready++;
	sched_ended(&rn->sc);
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
collect(void *arg, void *slot)
{
	struct probe *p = slot;

	(void)arg;
	if (p->st == PS_DIALING)
		(void)dial_collect(&p->d);
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
	sched_each(&rn->sc, collect, NULL);
	kick(rn);
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
	ok = evconn_outcome(&d->r, rn->all, rn->dc.sendlen > 0 || rn->have_re,
	    &retry, why, sizeof(why));
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
	out_trace(rn->c, "%s: round %d: %s; retrying in %lld ms", p->t.disp,
	    p->rounds, p->why, (long long)left);
	p->st = PS_SLEEP;
	p->tm.fn = sleep_timer;
	p->tm.arg = p;
	(void)loop_timer_set(rn->lp, &p->tm, left);
	progress(rn);
}

static void
print_probe(void *arg, void *slot)
{
	struct run *rn = arg;
	struct probe *p = slot;
	struct result *rs;
	int n, rc;

	progress_clear(rn);
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

/* The scheduler's side of a probe (struct sched_ops). */
static struct target *
slot_target(void *slot)
{
	return &((struct probe *)slot)->t;
}

static void
slot_start(void *arg, void *slot, size_t seq)
{
	struct run *rn = arg;
	struct probe *p = slot;

	/* the open files limit bites from this target on: say so once */
	if (seq == (size_t)rn->jobs && rn->jobs < rn->jobs_asked)
		out_note(rn->c, "probing %lld target%s at a time, not %lld: the "
		    "open files limit is %ld (ulimit -n)", rn->jobs,
		    rn->jobs == 1 ? "" : "s", rn->jobs_asked, rn->fd_limit);
	p->rn = rn;
	dial_init(&p->d, &rn->dc, p->t.ep.host, p->t.ep.port, p->t.disp,
	    round_done, p);
	if (p->t.ep.is_unix)
		dial_set_unix(&p->d, &p->t.un);
	p->t0_ns = clock_ns();
	round_begin(p);
}

static int
slot_done(const void *slot)
{
	return ((const struct probe *)slot)->st == PS_DONE;
}

static int
slot_busy(const void *slot)
{
	const struct probe *p = slot;

	return p->st == PS_DIALING && dial_running(&p->d) > 0;
}

static const struct sched_ops probe_ops = {
	slot_target, slot_start, slot_done, slot_busy, print_probe,
};

/*
 * Starts what may start and prints what is done, in argument order
 * (lib/core/sched); the results of one pass leave in one write.
 */
static void
kick(struct run *rn)
{
	if (rn->sc.in_kick)
		return;
	rn->c->hold = 1;
	sched_kick(&rn->sc);
	rn->c->hold = 0;
	out_flush(rn->c);
}

static void
free_slot(void *arg, void *slot)
{
	struct probe *p = slot;

	(void)arg;
	dial_round_free(&p->d.r);
	dial_round_free(&p->last);
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

	result_init(&r, c->cmd);
	snprintf(r.target, sizeof(r.target), "%s", what);
	r.err = err;
	result_diagnose(&r);
	evlimits_explain(&c->env, &r, err);
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

#define FD_PER_JOB	3	/* two addresses at once, and the resolver */
#define FD_RESERVE	4	/* evidence: /proc/net, /etc/resolv.conf, ... */

/*
 * How many targets fit in flight under the open-files limit: -j 64 under
 * ulimit -n 16 would fail most targets with EMFILE, so the run goes
 * slower instead (slot_start() says so when it starts to bite). At least
 * one; a target that still finds no descriptor says so (resource-limit,
 * EMFILE).
 */
static long long
fd_jobs(struct run *rn, long long jobs, int several)
{
	long open;
	long long fit;

	/* one at a time needs no counting: at least one always runs */
	if (jobs <= 1 || !several)
		return jobs;
	fit = sched_fd_fit(jobs, FD_PER_JOB, FD_RESERVE, &rn->fd_limit, &open);
	if (fit < jobs)
		out_trace(rn->c, "open files limit %ld, %ld open: %lld targets "
		    "at once, not %lld", rn->fd_limit, open, fit, jobs);
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
	rn->dc.family = c->env.family;
	rn->dc.timeout_ms = c->env.timeout_ms;
	rn->dc.all = av->all;
	rn->dc.proc_root = c->env.proc_root;
	rn->dc.trace = c->trace ? out_trace_cb : NULL;
	rn->dc.trace_arg = c;
	rn->dc.after = after_cb;
	rn->dc.after_arg = rn;
	rn->ev.c = &c->env;
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
	int npos, rc;
	char err[TARGETS_ERR_MAX];

	opts_fill(opts, &av);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	memset(&rn, 0, sizeof(rn));
	rn.rfd[0] = rn.rfd[1] = -1;
	rn.src.fd = -1;
	if (npos == 0 && av.targets == NULL)
		return out_usage(c, "missing TARGET (HOST:PORT, [IPV6]:PORT or "
		    "HOST PORT)");
	if (tsrc_open(&rn.src, argv + 1, npos, av.targets, err,
	    sizeof(err)) == -1)
		return out_usage(c, "%s", err);
	if ((rc = setup(c, &rn, &av)) != 0)
		goto out;
	rn.lp = loop_new(NULL);
	if (rn.lp == NULL || pipe2(rn.rfd, O_NONBLOCK | O_CLOEXEC) == -1) {
		char what[400];
		int e = errno;

		snprintf(what, sizeof(what), "%s%s", npos > 0 ? argv[1] :
		    av.targets, npos > 1 || av.targets ? " and the other "
		    "targets" : "");
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
	rn.jobs_asked = rn.jobs;
	rn.jobs = fd_jobs(&rn, rn.jobs, npos > 2 || av.targets != NULL);
	rn.ev.jobs = rn.jobs;
	if (sched_init(&rn.sc, rn.lp, &rn.src, rn.jobs, sizeof(struct probe),
	    &probe_ops, &rn) == -1) {
		snprintf(err, sizeof(err), "a window of %lld targets",
		    rn.jobs * SCHED_WIN_PER_JOB);
		rc = setup_failed(c, err, ENOMEM);
		goto out;
	}
	kick(&rn);
	if (loop_run(rn.lp) == -1 && !(rn.sc.src_done &&
	    rn.sc.next_print >= rn.sc.next_start)) {
		out_err(c, "event loop failed: %s", strerror(errno));
		rc = reason_exit(RS_ERROR);
		goto out;
	}
	progress_clear(&rn);
	rc = rn.exit_code;
	/* a bad line far down a stream: the targets before it were probed
	 * and printed; the run is still a usage error (exit 2) */
	if (rn.sc.bad)
		rc = out_usage(c, "%s", rn.sc.err);
	else if (rn.src.count == 0)
		rc = out_usage(c, "no target in --targets '%s'", av.targets);
out:
	if (rn.sc.slots != NULL) {
		sched_each(&rn.sc, free_slot, NULL);
		sched_free(&rn.sc);
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
	tsrc_close(&rn.src);
	if (rn.have_re)
		regfree(&rn.re);
	evconn_free(&rn.ev);
	free(rn.send);
	return rc;
}
