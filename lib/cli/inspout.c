/*
 * inspect's output forms besides the results: the summary (text, --json
 * "summary" event, --openmetrics families), what the processes' threads
 * wait on, and each finding's OpenMetrics series. cmd/inspect.c reads and
 * judges; this prints.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "findings.h"
#include "findwait.h"
#include "inspout.h"
#include "om.h"

#define MAX_LINES	50	/* summary lines for a whole machine */

/* "pid 42 (nginx, user www)", or whose it is when hidden. */
static const char *
owner_text(const struct inspout *u, struct owners_proc *p, unsigned uid,
    char *buf,
    size_t len)
{
	char user[64];

	if (p != NULL) {
		const struct pn_owner *o = owners_who(u->w, p);

		snprintf(buf, len, "pid %d (%s, user %s)", p->pid, o->tcomm,
		    o->user);
		return buf;
	}
	pn_user(uid, user, sizeof(user));
	/* our own processes are open to us: only another uid's hide */
	if (owners_unreadable(u->w) > 0 && getuid() != 0 && uid != getuid())
		snprintf(buf, len, "a process of uid %u (%s; hidden from this "
		    "user, run as root to name it)", uid, user);
	else
		snprintf(buf, len, "no process seen here (uid %u, %s: another "
		    "namespace's, or passed on)", uid, user);
	return buf;
}

/*
 * The holder line of listener g: every process that holds it (a pre-fork
 * server's master and workers), as probe-bind names them; else as
 * owner_text() says.
 */
static const char *
holders_text(const struct inspout *u, const struct findings_group *g,
    char *buf,
    size_t len)
{
	struct owners_proc *hp[4];
	size_t nh = g->ino != 0 ? owners_holders(u->w, g->ino, hp, 4) : 0;
	size_t used = 0;

	if (nh <= 1)
		return owner_text(u, g->proc, g->uid, buf, len);
	buf[0] = '\0';
	for (size_t i = 0; i < nh && i < 4 && used < len; i++) {
		const struct pn_owner *o = owners_who(u->w, hp[i]);

		used += (size_t)snprintf(buf + used, len - used, "%spid %d (%s, "
		    "user %s)", i == 0 ? "" : i + 1 == nh ? " and " : ", ",
		    hp[i]->pid, o->tcomm, o->user);
	}
	if (nh > 4 && used < len)
		snprintf(buf + used, len - used, " and %zu more", nh - 4);
	return buf;
}

/*
 * The sockets per state, or "no connections"; then a listener's queued
 * connections: a TCP listener's are among its ESTAB and CLOSE_WAIT
 * sockets already, a Unix listener's are counted apart.
 */
static void
put_states(FILE *f, const long *st, long queued, int apart)
{
	const char *sep = "";

	for (int s = 1; s < FINDINGS_NSTATES; s++)
		if (st[s] > 0 && s != PN_LISTEN) {
			fprintf(f, "%s%s %ld", sep,
			    pn_state_name(IPPROTO_TCP, s), st[s]);
			sep = ", ";
		}
	if (queued > 0 && apart)
		fprintf(f, "%s%ld in the accept queue", sep, queued);
	else if (sep[0] == '\0')
		fprintf(f, "no connections");
	else if (queued > 0)
		fprintf(f, " (%ld of them in the accept queue)", queued);
}

static void
summary_text(const struct inspout *u, int nf)
{
	const struct findings_group *g;
	const long *st = findings_states(u->f);
	struct findings_deltas dl;
	char who[600], lo[ADDRSTR_MAX];
	size_t n, shown = 0;
	long total = 0;
	FILE *o = u->c->out;

	g = findings_groups(u->f, &n);
	for (size_t i = 0; i < n; i++, shown++) {
		if (g[i].hide) {
			shown--;
			continue;
		}
		if (shown == MAX_LINES) {
			fprintf(o, "... and %zu more (give a PORT or --pid)\n",
			    n - i);
			break;
		}
		if (g[i].kind == FG_LISTEN || g[i].kind == FG_UNIX)
			holders_text(u, &g[i], who, sizeof(who));
		else
			owner_text(u, g[i].proc, g[i].uid, who, sizeof(who));
		if (g[i].kind == FG_LISTEN || (g[i].kind == FG_UNIX &&
		    g[i].states[PN_LISTEN] > 0)) {
			fprintf(o, "%s %s listening, queue %lu/%lu, %s: ",
			    g[i].kind == FG_UNIX ? "unix" : "tcp",
			    g[i].kind == FG_UNIX ? g[i].path : sa_fmt(
			    (const struct sockaddr *)&g[i].local, lo,
			    sizeof(lo)), g[i].qlen, g[i].backlog, who);
		} else if (g[i].kind == FG_UNIX)
			fprintf(o, "unix %s, %s: ", g[i].path, who);
		else if (g[i].kind == FG_NOPROC)
			fprintf(o, "no process (closed sockets the kernel "
			    "finishes): ");
		else
			fprintf(o, "%s: ", who);
		put_states(o, g[i].states, g[i].queued,
		    g[i].kind == FG_UNIX);
		fputc('\n', o);
	}
	for (int s = 1; s < FINDINGS_NSTATES; s++)
		total += st[s];
	findings_deltas(u->f, &dl);
	fprintf(o, "total: %ld tcp (LISTEN %ld, ", total, st[PN_LISTEN]);
	put_states(o, st, 0, 0);
	fprintf(o, "), %ld udp", findings_udp(u->f));
	if (u->with_unix)
		fprintf(o, ", %ld unix", findings_unix(u->f));
	if (dl.listen_overflows >= 0)
		fprintf(o, "; during the sample ListenOverflows +%lld, "
		    "ListenDrops +%lld, SyncookiesSent +%lld, RetransSegs "
		    "+%lld", dl.listen_overflows, dl.listen_drops,
		    dl.syncookies_sent, dl.retrans_segs);
	fprintf(o, "; %d finding%s\n", nf, nf == 1 ? "" : "s");
}

/* What the watched processes' threads wait in (SPEC "What the process
 * waits on"): one line each, before the summary. */
static void
waits_text(const struct inspout *u)
{
	const struct waits_proc *p;
	char buf[2048];
	size_t n;

	p = waits_procs(u->wt, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(u->c->out, "pid %d waits: %s\n", p[i].pid,
		    waits_proc_text(&p[i], buf, sizeof(buf)));
}

static void
waits_json(const struct inspout *u, struct jbuf *jb)
{
	const struct waits_proc *p;
	char buf[2048];
	size_t n;

	p = waits_procs(u->wt, &n);
	if (n == 0)
		return;
	jb_arr_open(jb, "waits");
	for (size_t i = 0; i < n; i++) {
		jb_obj_open(jb);
		jb_kint(jb, "pid", p[i].pid);
		jb_kint(jb, "threads", p[i].threads);
		jb_kbool(jb, "denied", p[i].denied);
		jb_kobj_open(jb, "syscalls");
		for (int k = 0; k < p[i].ncount; k++)
			jb_kint(jb, p[i].count[k].syscall,
			    p[i].count[k].threads);
		jb_obj_close(jb);
		jb_kstr(jb, "text", waits_proc_text(&p[i], buf, sizeof(buf)));
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
}

/* A waits finding's sample: pid, tid, fd and the socket keep each series
 * apart. */
static void
waits_om_finding(const struct inspout *u, const struct result *r, int i)
{
	char pid[16] = "", tid[16] = "", fd[16] = "", sock[ADDRSTR_MAX];
	struct om_label l[7] = { { "command", "inspect" },
	    { "target", r->target }, { "reason", reason_slug(r->reason) },
	    { "pid", pid }, { "tid", tid }, { "fd", fd }, { "socket", sock } };
	int p, t, f;

	waits_ids(u->wt, (size_t)i, &p, &t, &f, sock, sizeof(sock));
	if (p > 0)
		snprintf(pid, sizeof(pid), "%d", p);
	if (t > 0)
		snprintf(tid, sizeof(tid), "%d", t);
	if (f >= 0)
		snprintf(fd, sizeof(fd), "%d", f);
	om_sample(u->c->om, OM_FINDING, l, 7, 1);
}

/* --openmetrics: the threads of each watched process by call. */
static void
waits_om(const struct inspout *u, const char *target)
{
	const struct waits_proc *p;
	char pid[16];
	struct om_label l[4] = { { "command", "inspect" },
	    { "target", target != NULL ? target : "" }, { "pid", pid },
	    { "syscall", NULL } };
	size_t n;

	p = waits_procs(u->wt, &n);
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", p[i].pid);
		for (int k = 0; k < p[i].ncount; k++) {
			l[3].value = p[i].count[k].syscall;
			om_sample(u->c->om, OM_THREADS_WAITING, l, 4,
			    (double)p[i].count[k].threads);
		}
	}
}

static void
kcount(struct jbuf *jb, const char *k, long long v)
{
	if (v >= 0)
		jb_kint(jb, k, v);
	else
		jb_knull(jb, k);
}

static void
summary_json(const struct inspout *u, int nf, const char *target,
    int64_t sample)
{
	const struct findings_group *g;
	const long *st = findings_states(u->f);
	struct findings_deltas dl;
	struct jbuf jb;
	char lo[ADDRSTR_MAX];
	size_t n;

	g = findings_groups(u->f, &n);
	findings_deltas(u->f, &dl);
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", "summary");
	jb_kstr(&jb, "command", "inspect");
	jb_kstr(&jb, "target", target);
	jb_kint(&jb, "sample_ms", sample);
	jb_kint(&jb, "findings", nf);
	jb_kobj_open(&jb, "states");
	for (int s = 1; s < FINDINGS_NSTATES; s++)
		if (st[s] > 0)
			jb_kint(&jb, pn_state_name(IPPROTO_TCP, s), st[s]);
	jb_obj_close(&jb);
	jb_kint(&jb, "udp", findings_udp(u->f));
	jb_kint(&jb, "unix", findings_unix(u->f));
	jb_arr_open(&jb, "listeners");
	for (size_t i = 0; i < n; i++) {
		if (g[i].states[PN_LISTEN] == 0 || g[i].hide)
			continue;
		jb_obj_open(&jb);
		jb_kstr(&jb, "local", g[i].kind == FG_UNIX ? g[i].path :
		    sa_fmt((const struct sockaddr *)&g[i].local, lo,
		    sizeof(lo)));
		jb_kint(&jb, "queue", (long long)g[i].qlen);
		jb_kint(&jb, "backlog", (long long)g[i].backlog);
		if (g[i].proc != NULL) {
			const struct pn_owner *o = owners_who(u->w, g[i].proc);

			jb_kint(&jb, "pid", g[i].proc->pid);
			jb_kstr(&jb, "process", o->comm);
		} else {
			jb_knull(&jb, "pid");
			jb_knull(&jb, "process");
		}
		jb_obj_close(&jb);
	}
	jb_arr_close(&jb);
	jb_kobj_open(&jb, "counters");
	kcount(&jb, "listen_overflows", dl.listen_overflows);
	kcount(&jb, "listen_drops", dl.listen_drops);
	kcount(&jb, "syncookies_sent", dl.syncookies_sent);
	kcount(&jb, "retrans_segs", dl.retrans_segs);
	kcount(&jb, "orphans", dl.orphans);
	kcount(&jb, "time_wait", dl.tw);
	jb_obj_close(&jb);
	waits_json(u, &jb);
	jb_obj_close(&jb);
	out_json(u->c, &jb);
	jb_free(&jb);
}

/* --openmetrics: the sockets per state and the listeners' queues. */
static void
summary_om(const struct inspout *u, const char *target)
{
	const struct findings_group *g;
	const long *st = findings_states(u->f);
	struct om_label l[3] = { { "command", "inspect" },
	    { "target", target != NULL ? target : "" }, { "state", NULL } };
	char lo[ADDRSTR_MAX];
	size_t n;

	for (int s = 1; s < FINDINGS_NSTATES; s++) {
		l[2].value = pn_state_name(IPPROTO_TCP, s);
		if (st[s] > 0 || s == PN_ESTABLISHED)
			om_sample(u->c->om, OM_SOCKETS, l, 3, (double)st[s]);
	}
	g = findings_groups(u->f, &n);
	l[2].name = "address";
	for (size_t i = 0; i < n; i++) {
		if (g[i].states[PN_LISTEN] == 0 || g[i].hide)
			continue;
		l[2].value = g[i].kind == FG_UNIX ? g[i].path : sa_fmt(
		    (const struct sockaddr *)&g[i].local, lo, sizeof(lo));
		om_sample(u->c->om, OM_LISTEN_QLEN, l, 3, (double)g[i].qlen);
		om_sample(u->c->om, OM_LISTEN_BACKLOG, l, 3,
		    (double)g[i].backlog);
	}
}


void
inspout_text(const struct inspout *u, int nf)
{
	waits_text(u);
	summary_text(u, nf);
}

void
inspout_json(const struct inspout *u, int nf, const char *target,
    int64_t sample)
{
	summary_json(u, nf, target, sample);
}

void
inspout_om(const struct inspout *u, const char *target)
{
	summary_om(u, target);
	waits_om(u, target);
}

void
inspout_om_finding(const struct inspout *u, const struct result *r,
    size_t i)
{
	/* a series per finding: pid and local tell them apart */
	char pid[16] = "", local[ESC_SIZE(UNIXDIAG_NAME_MAX)];
	struct om_label l[5] = { { "command", "inspect" },
	    { "target", r->target }, { "reason", reason_slug(r->reason) },
	    { "pid", pid }, { "local", local } };
	int fp;

	findings_subject(u->f, i, &fp, local, sizeof(local));
	if (fp > 0)
		snprintf(pid, sizeof(pid), "%d", fp);
	om_sample(u->c->om, OM_FINDING, l, 5, 1);
}

void
inspout_om_wait(const struct inspout *u, const struct result *r, int i)
{
	waits_om_finding(u, r, i);
}
