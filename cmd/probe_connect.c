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
#include <signal.h>
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
#include "evround.h"
#include "evdns.h"
#include "evidence.h"
#include "evlimits.h"
#include "evunix.h"
#include "expect.h"
#include "intr.h"
#include "loop.h"
#include "opt.h"
#include "probe_connect.h"
#include "proto.h"
#include "sched.h"
#include "targets.h"
#include "which.h"

static const struct cmd_help help = {
	"probe-connect", "[OPTIONS] TARGET... | HOST PORT [-- COMMAND [ARG...]]",
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
	"--proto NAME checks that the service is ready, not only open: it\n"
	"speaks the protocol's first exchange without credentials and judges\n"
	"the answer. \"Starting up\", -LOADING, too many clients, HTTP 503 are\n"
	"not-ready (exit 14, retried by --wait); an answer waiting will not\n"
	"change (HTTP 404, MySQL's host blocked, another protocol) fails at\n"
	"once (expect-failed); silence within -t is a timeout.\n\n"
	"-- COMMAND [ARG...] after the targets runs COMMAND in sockctl's place\n"
	"(exec: its pid and exit code) once every target succeeded; never when\n"
	"one failed. 127: COMMAND not found, 126: it cannot be run.\n\n"
	"examples:\n"
	"  sockctl connect db 5432\n"
	"  sockctl connect --wait 60s db:5432 cache:6379\n"
	"  sockctl connect --send 'PING\\r\\n' --expect '^\\+PONG' "
	"127.0.0.1:6379\n"
	"  sockctl connect --targets hosts.txt -j 64 -t 2s\n"
	"  sockctl connect --all localhost:8080\n"
	"  sockctl connect /var/run/docker.sock\n"
	"  sockctl connect --wait 60s db:5432 --proto postgres -- ./app\n"
	"  sockctl connect --proto http --http-path /readyz api:8080\n",
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
	const char	*proto;
	const char	*http_path;
	const char	*http_status;
	const char	*user;
};

#define NOPTS		12

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
		{ "proto", 0, OT_STR, &v->proto, "NAME",
		    "after connecting, check readiness: http, redis, "
		    "postgres, mysql, smtp", 0, 0, NULL },
		{ "http-path", 0, OT_STR, &v->http_path, "PATH",
		    "--proto http: the path to GET (default /)", 0, 0, NULL },
		{ "http-status", 0, OT_STR, &v->http_status, "LIST",
		    "--proto http: statuses that are ready too (200,204,401)",
		    0, 0, NULL },
		{ "user", 0, OT_STR, &v->user, "NAME",
		    "--proto postgres/mysql: the user named (default sockctl)",
		    0, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

static void	round_begin(struct probe *);
static void	kick(struct run *);

static void
after_cb(void *arg)
{
	kick(arg);
}

/* Rounds and --wait */

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
	ok = evround_outcome(&d->r, rn->all, rn->dc.sendlen > 0 ||
	    rn->have_re || rn->dc.proto != PROTO_NONE, &retry, why,
	    sizeof(why));
	/* --proto: an answer that waiting will not change fails at once */
	for (int i = 0; i < d->r.nstarted && !ok; i++) {
		const struct dial_att *a = &d->r.att[i];
		size_t n = strlen(why);

		if (a->dx == DX_PROTO_REPLY || !evunix_waitable((const struct
		    sockaddr *)&a->sa, a->dx))
			retry = 0;
		/* the progress line quotes the server: "not-ready ('the
		 * database system is starting up')" */
		if (a->pr != NULL && a->pr->said[0] != '\0' && !a->ok &&
		    strchr(why, '\'') == NULL)
			snprintf(why + n, sizeof(why) - n, " ('%.60s')",
			    a->pr->said);
	}
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
	pc_progress(rn);
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
	slot_target, slot_start, slot_done, slot_busy, pc_print_probe,
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
/* One result for a target that could not be probed: what ran out. */
static int
setup_failed_one(struct ctx *c, const char *target, const char *what,
    int err)
{
	struct result r;
	int rc;

	result_init(&r, c->cmd);
	snprintf(r.target, sizeof(r.target), "%s", target);
	r.err = err;
	result_diagnose(&r);
	if (what != NULL)
		result_cause(&r, "not probed: no %s could be set up", what);
	evlimits_explain(&c->env, &r, err);
	jb_knull(&r.extra, "resolve_ms");
	jb_knull(&r.extra, "connect_ms");
	jb_knull(&r.extra, "rtt_ms");
	jb_kint(&r.extra, "attempts", 0);
	jb_knull(&r.extra, "proto");
	jb_knull(&r.extra, "server_said");
	if (err == ENOMEM)
		result_fix(&r, "or probe fewer targets per run");
	rc = out_result(c, &r);
	result_free(&r);
	return rc;
}

/*
 * The run could not start (what: "event loop", "copy of --send"): one
 * result for each target, by its own text as a probe's result would give
 * it, and one for --targets FILE, whose lines were not read. Returns the
 * exit code.
 */
static int
setup_failed(struct ctx *c, struct run *rn, const char *what, int err)
{
	struct tsrc cp = rn->src;	/* the arguments again, no file */
	struct target t;
	char e[TARGETS_ERR_MAX], tf[320];
	int rc = 0, r1;

	cp.fd = -1;
	cp.ai = 0;
	while (tsrc_next(&cp, 0, &t, e, sizeof(e)) == 1)
		if ((r1 = setup_failed_one(c, t.disp, what, err)) != 0 &&
		    rc == 0)
			rc = r1;
	if (rn->src.path != NULL) {
		snprintf(tf, sizeof(tf), "--targets %s", rn->src.path);
		if ((r1 = setup_failed_one(c, tf, what, err)) != 0 && rc == 0)
			rc = r1;
	}
	return rc != 0 ? rc : reason_exit(RS_RESOURCE);
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

/* Whether s may be sent as an HTTP path: printable, no space, from '/'. */
static int
good_path(const char *s)
{
	if (s[0] != '/' || strlen(s) > 512)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* --proto and its options into rn->dc; 0 or an exit code. */
static int
setup_proto(struct ctx *c, struct run *rn, const struct args *av)
{
	char err[256];
	int p = PROTO_NONE, n;

	if (av->proto != NULL && (p = proto_lookup(av->proto)) == -1)
		return out_usage(c, "unknown protocol '%.60s' for --proto "
		    "(expected %s)", av->proto, PROTO_NAMES);
	if (p != PROTO_NONE && (av->send != NULL || av->expect != NULL))
		return out_usage(c, "--proto does not mix with --send or "
		    "--expect: it sends the protocol's own request and judges "
		    "the reply itself");
	if ((av->http_path != NULL || av->http_status != NULL) &&
	    p != PROTO_HTTP)
		return out_usage(c, "%s needs --proto http",
		    av->http_path != NULL ? "--http-path" : "--http-status");
	if (av->user != NULL && p != PROTO_POSTGRES && p != PROTO_MYSQL)
		return out_usage(c, "--user needs --proto postgres or --proto "
		    "mysql");
	if (av->user != NULL && (av->user[0] == '\0' ||
	    strlen(av->user) > 63))
		return out_usage(c, "invalid --user '%.60s' (expected a "
		    "name of 1 to 63 bytes)", av->user);
	if (av->http_path != NULL && !good_path(av->http_path))
		return out_usage(c, "invalid --http-path '%.60s' (expected a "
		    "path from '/', without spaces or control characters, at "
		    "most 512 bytes)", av->http_path);
	if (av->http_status != NULL) {
		n = proto_status_list(av->http_status, rn->http_status,
		    PROTO_STATUS_MAX, err, sizeof(err));
		if (n < 0)
			return out_usage(c, "%s", err);
		rn->dc.http_status = rn->http_status;
		rn->dc.nhttp_status = n;
	}
	rn->dc.proto = (enum proto)p;
	rn->dc.http_path = av->http_path;
	rn->dc.user = av->user;
	return 0;
}

/* --send, --expect and the rest of the options into rn; 0 or an exit code. */
static int
setup(struct ctx *c, struct run *rn, const struct args *av)
{
	char err[256];
	long n;
	int rc;

	if ((rc = setup_proto(c, rn, av)) != 0)
		return rc;
	rn->c = c;
	rn->jobs = av->jobs;
	rn->all = av->all;
	rn->wait_set = av->wait_set;
	rn->interval_ms = av->interval_ms < MIN_INTERVAL_MS ?
	    MIN_INTERVAL_MS : av->interval_ms;
	if (av->send != NULL) {
		rn->send = malloc(strlen(av->send) + 1);
		if (rn->send == NULL)
			return setup_failed(c, rn, "copy of --send", ENOMEM);
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

/* Then run a command */

/* Whether argv[i] is the value of the option before it. */
static int
is_value(const struct opt *o, char **argv, int i)
{
	const char *prev = argv[i - 1];

	if (i < 2 || prev[0] != '-' || strchr(prev, '=') != NULL)
		return 0;
	if (strcmp(prev, "-t") == 0 || strcmp(prev, "-j") == 0 ||
	    strcmp(prev, "--timeout") == 0 || strcmp(prev, "--color") == 0)
		return 1;
	for (; o->lng != NULL; o++)
		if (prev[1] == '-' && strcmp(prev + 2, o->lng) == 0)
			return o->type != OT_FLAG;
	return 0;
}

/*
 * Cuts "-- COMMAND [ARG...]" off argv: returns COMMAND's argv (NULL when
 * there is none) and sets *argc to what is left for the options.
 */
static char **
cut_command(const struct opt *o, int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") != 0 || is_value(o, argv, i))
			continue;
		*argc = i;
		return argv + i + 1;
	}
	return NULL;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * Whether the file execvp() looked for is there (at the path, or under a
 * directory of $PATH): an ENOENT then means its #! interpreter or its
 * loader is missing, not the file.
 */
static int
cmd_exists(const char *name)
{
	char path[4096];

	return which(name, path, sizeof(path), exists);
}

/*
 * Every target succeeded: COMMAND takes sockctl's place (the same pid, its
 * own signals and exit code), after the results are written. Returns only
 * when it cannot be run: 126 or 127, as a shell does, with the reason.
 */
static int
run_command(struct ctx *c, char **cmdv)
{
	int rc, e;

	rc = out_finish(c, 0);
	c->om = NULL;		/* written and freed */
	if (rc != 0)
		return rc;	/* the results were lost: say so, run nothing */
	fflush(c->err);
	out_trace(c, "exec %s: every target is ready", cmdv[0]);
	signal(SIGPIPE, SIG_DFL);	/* sockctl's choice, not COMMAND's */
	loop_sigunblock(loop_stop_sigs);	/* blocked ones stay so */
	execvp(cmdv[0], cmdv);
	e = errno;
	signal(SIGPIPE, SIG_IGN);
	if (e == ENOENT && cmd_exists(cmdv[0]))
		out_err(c, "cannot run '%.200s': %s (ENOENT)\n  cause: the "
		    "file is there, but the interpreter its first line (#!) "
		    "names, or its dynamic loader, is not: exec() says "
		    "ENOENT for that too\n  fix:   check its first line "
		    "(head -n 1 %.200s), or run it through an interpreter "
		    "that exists (-- sh %.200s)", cmdv[0], strerror(e),
		    cmdv[0], cmdv[0]);
	else if (e == ENOENT && strchr(cmdv[0], '/') != NULL)
		out_err(c, "cannot run '%.200s': %s (ENOENT)\n  cause: there "
		    "is no file at that path\n  fix:   check the path",
		    cmdv[0], strerror(e));
	else if (e == ENOENT)
		out_err(c, "cannot run '%.200s': %s (ENOENT)\n  cause: no file "
		    "of that name in any directory of $PATH\n  fix:   check "
		    "the name, or give its path (./%.200s)", cmdv[0],
		    strerror(e), cmdv[0]);
	else
		out_err(c, "cannot run '%.200s': %s (%s)\n  cause: %s\n"
		    "  fix:   %s", cmdv[0], strerror(e), errname(e) ?
		    errname(e) : "error", e == EACCES ? "it is not an "
		    "executable file (its mode, a directory, or a noexec "
		    "mount)" : "exec() refused it",
		    e == EACCES ? "chmod +x it, or run it through its "
		    "interpreter (-- sh FILE)" : "check the file");
	return e == ENOENT ? 127 : 126;
}

int
cmd_probe_connect(struct ctx *c, int argc, char **argv)
{
	struct args av = { 0, 1000, 64, NULL, NULL, NULL, 0, 0, NULL, NULL,
	    NULL, NULL };
	struct opt opts[NOPTS];
	struct run rn;
	int npos, rc;
	char err[TARGETS_ERR_MAX], **cmdv;

	opts_fill(opts, &av);
	cmdv = cut_command(opts, &argc, argv);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (cmdv != NULL && cmdv[0] == NULL)
		return out_usage(c, "'--' needs a COMMAND after it (sockctl "
		    "connect --wait 60s db:5432 -- ./start-app)");
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
	/* the signals' descriptor last: without one, the run goes on */
	if (pipe2(rn.rfd, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (rn.lp = loop_new(loop_stop_sigs)) == NULL) {
		int e = errno;

		if (e == EMFILE || e == ENFILE || e == ENOMEM)
			rc = setup_failed(c, &rn, "event loop", e);
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
	pline_init(&rn.pl, c->err, c->quiet);
	rn.jobs_asked = rn.jobs;
	rn.jobs = fd_jobs(&rn, rn.jobs, npos > 2 || av.targets != NULL);
	rn.ev.jobs = rn.jobs;
	/* short of memory (ulimit -v), fewer targets at once, down to one */
	while (sched_init(&rn.sc, rn.lp, &rn.src, rn.jobs, sizeof(struct
	    probe), &probe_ops, &rn) == -1) {
		if (rn.jobs == 1) {
			rc = setup_failed(c, &rn, "room for even one target in "
			    "flight", ENOMEM);
			goto out;
		}
		out_trace(c, "no memory for %lld targets at once: -j %lld",
		    rn.jobs, (rn.jobs + 1) / 2);
		rn.jobs = (rn.jobs + 1) / 2;
		rn.ev.jobs = rn.jobs;
	}
	kick(&rn);
	if ((rn.intr = loop_run(rn.lp)) == -1 && !(rn.sc.src_done &&
	    rn.sc.next_print >= rn.sc.next_start)) {
		out_err(c, "event loop failed: %s", strerror(errno));
		rc = reason_exit(RS_ERROR);
		goto out;
	}
	if (rn.intr > 0)	/* SIGINT, SIGTERM: the rest, in order */
		sched_each(&rn.sc, pc_print_probe, &rn);
	pline_clear(&rn.pl);
	rc = rn.intr > 0 ? intr_exit(rn.intr) : rn.exit_code;
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
	if (rc == 0 && cmdv != NULL)
		return run_command(c, cmdv);
	return rc;
}
