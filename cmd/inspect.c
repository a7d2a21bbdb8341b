/*
 * inspect [OPTIONS] [PORT | ADDRESS:PORT | PATH]...
 *
 * Diagnoses the sockets that are alive: reads them (NETLINK_SOCK_DIAG
 * with tcp_info, their owners from /proc/PID/fd) and the kernel's
 * counters twice, --sample apart, and reports what is wrong with them:
 * CLOSE_WAIT leaks, full accept queues, SYN floods, TIME_WAIT piles,
 * peers that do not read, retransmissions, processes near their fd
 * limit. The judging is lib/explain/findings; this file asks and prints.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "evdns.h"
#include "findings.h"
#include "listening.h"
#include "om.h"
#include "opt.h"
#include "resolve.h"
#include "cmds.h"

static const struct cmd_help help = {
	"inspect", "[OPTIONS] [PORT | ADDRESS:PORT | PATH]...",
	"Diagnose the sockets that are already alive: the problems that\n"
	"return no error to anyone (CLOSE_WAIT leaks, full accept queues,\n"
	"servers that do not accept, Unix socket files gone, SYN floods,\n"
	"TIME_WAIT piles, peers that do not read, retransmissions, processes\n"
	"near their descriptor limit); --listening: what listens where.",
	"A PORT or ADDRESS:PORT takes the sockets that have it at either end\n"
	"(a service's own sockets and this machine's clients of it); a PATH\n"
	"(anything with a /, unix:PATH or @NAME) the Unix sockets bound to it.\n"
	"No target and no --pid: the whole machine. The sockets and the\n"
	"kernel's counters are read twice, --sample apart; a finding is a\n"
	"result with cause and fix, exit 13. Run as root to name the processes\n"
	"of other users.\n\n"
	"examples:\n"
	"  sockctl inspect                      the whole machine\n"
	"  sockctl inspect 8080                 a service and its clients\n"
	"  sockctl inspect --pid 4242           one process's sockets\n"
	"  sockctl inspect /run/app.sock        a Unix socket's listener\n"
	"  sockctl inspect --listening          what listens where (ss -ltnpux)\n"
	"  sockctl --json inspect --sample 5s   watch longer, JSON lines\n",
};

/* Where the options land. */
struct in_args {
	long long	 pid;
	int64_t		 sample;
	int		 listening;
};

#define NOPTS		4

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct in_args *v)
{
	const struct opt t[NOPTS] = {
		{ "pid", 0, OT_INT, &v->pid, "PID",
		    "only the sockets of process PID", 1, 4194304, NULL },
		{ "sample", 0, OT_DUR, &v->sample, "DUR",
		    "time between the two reads (default 1s; 0: one read)", 0,
		    0, NULL },
		{ "listening", 'l', OT_FLAG, &v->listening, NULL,
		    "print what listens where (TCP, UDP, Unix: address, "
		    "processes, queue) instead of judging", 0, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

#define MAX_TARGETS	32
#define MAX_ADDRS	8
#define MAX_LINES	50	/* summary lines for a whole machine */

struct target {
	const char		*arg;
	int			 unix_;
	char			 path[112];
	dev_t			 dev;
	ino_t			 ino;		/* 0: no file there */
	int			 port;
	int			 naddr;		/* 0: any address */
	struct sockaddr_storage	 addr[MAX_ADDRS];
};

struct run {
	struct ctx		*c;
	struct target		 t[MAX_TARGETS];
	int			 nt, ninet, nunix;
	int			 with_unix;	/* Unix sockets are read */
	int			 pid;		/* --pid, 0: none */
	struct findings		*f;
	struct owners		*w;
	int			 failed;	/* ENOMEM in a callback */
};

static int
parse_target(struct run *u, const char *a, struct target *t)
{
	struct addrinfo *res = NULL;
	struct endpoint ep;
	char err[256];
	struct stat st;
	double waited;
	int rc, e;

	memset(t, 0, sizeof(*t));
	t->arg = a;
	if (strchr(a, '/') != NULL || strncmp(a, "unix:", 5) == 0 ||
	    a[0] == '@') {
		const char *p = strncmp(a, "unix:", 5) == 0 ? a + 5 : a;

		if (strlen(p) >= 108 || p[0] == '\0')
			return out_usage(u->c, "invalid Unix socket path '%.60s' "
			    "(%zu bytes; the kernel takes 1 to 107)", a,
			    strlen(p));
		t->unix_ = 1;
		snprintf(t->path, sizeof(t->path), "%s", p);
		if (p[0] != '@' && stat(p, &st) == 0) {
			t->dev = st.st_dev;
			t->ino = st.st_ino;
		}
		return 0;
	}
	if (ep_parse(a, EP_PORT_ONLY, &ep, err, sizeof(err)) == -1)
		return out_usage(u->c, "%s", err);
	t->port = ep.port;
	if (ep.host[0] == '\0')
		return 0;
	rc = rs_lookup(ep.host, u->c->env.family, u->c->env.timeout_ms, &res, &e,
	    &waited);
	if (rc != 0 || (t->naddr = rs_addrs(res, ep.port, t->addr,
	    MAX_ADDRS)) == 0) {
		/* a name that does not resolve is dns-failure (3), as anywhere */
		struct evdns_facts df;
		struct result r;

		if (res != NULL)
			freeaddrinfo(res);
		memset(&df, 0, sizeof(df));
		df.host = ep.host;
		df.cut = rc == RS_CUT;
		df.waited_ms = waited;
		df.eai = rc == RS_CUT ? 0 : rc;
		df.err = rc == EAI_SYSTEM ? e : 0;
		df.naddr = rc == 0 ? 0 : -1;
		result_init(&r, u->c->cmd);
		snprintf(r.target, sizeof(r.target), "%s", a);
		evdns_explain(&u->c->env, &df, &r);
		result_diagnose(&r);
		rc = out_result(u->c, &r);
		result_free(&r);
		return rc != 0 ? rc : reason_exit(RS_DNS);
	}
	freeaddrinfo(res);
	return 0;
}

/* One end of a socket against a target's addresses (port equal). */
static int
end_matches(const struct target *t, const struct sockaddr_storage *e,
    int listening)
{
	const struct sockaddr *s = (const struct sockaddr *)e;

	if (sa_port(s) != t->port)
		return 0;
	if (t->naddr == 0)
		return 1;
	for (int i = 0; i < t->naddr; i++) {
		int v6any;

		if (sa_same_addr(s, (const struct sockaddr *)&t->addr[i]) ||
		    (listening && sa_listens_for(s,
		    (const struct sockaddr *)&t->addr[i], &v6any)))
			return 1;
	}
	return 0;
}

/* Whether the targets select a socket of owner p. */
static int
selected(const struct run *u, const struct inetdiag_sock *d,
    const struct owners_proc *p)
{
	/* a queued connection has no process yet: its listener's */
	if (u->pid > 0 && (p == NULL || p->pid != u->pid) && (p != NULL ||
	    !findings_in_queue(u->f, d)))
		return 0;
	if (u->ninet == 0)
		return u->nunix == 0;
	for (int i = 0; i < u->nt; i++)
		if (!u->t[i].unix_ && (end_matches(&u->t[i], &d->s.local,
		    d->s.state == PN_LISTEN) ||
		    end_matches(&u->t[i], &d->s.remote, 0)))
			return 1;
	return 0;
}

static int
base_fn(const struct inetdiag_sock *d, void *arg)
{
	struct run *u = arg;

	if (findings_base(u->f, d) == -1) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

static int
add_fn(const struct inetdiag_sock *d, void *arg)
{
	struct run *u = arg;
	struct owners_proc *p;
	int nshare;

	p = owners_of(u->w, d->s.inode, &nshare);
	if (!selected(u, d, p))
		return 0;
	if (findings_add(u->f, d, p, nshare) == -1) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

static int
unix_base_fn(const struct unixdiag_sock *s, void *arg)
{
	struct run *u = arg;

	if (findings_unix_base(u->f, s) == -1) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

/* Every Unix socket: the other ends of the path's connections count. */
static int
unix_fn(const struct unixdiag_sock *s, void *arg)
{
	struct run *u = arg;
	struct owners_proc *p = owners_of(u->w, s->inode, NULL);
	int hit = u->nunix == 0;	/* --pid, or the whole machine */

	/* a listener whose file was replaced keeps its name: it too */
	for (int i = 0; i < u->nt && !hit; i++)
		hit = u->t[i].unix_ && (unixdiag_is_path(s, u->t[i].path,
		    u->t[i].dev, u->t[i].ino) || (s->state == UNIXDIAG_LISTEN &&
		    strcmp(s->name, u->t[i].path) == 0));
	if (u->pid > 0 && (p == NULL || p->pid != u->pid))
		hit = 0;
	if (findings_unix_sock(u->f, s, p, hit) == -1) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

/*
 * --pid's process after the sample: 0 when its descriptors were read;
 * else the failure said (hidden from this user: permission-denied; gone:
 * error) and its exit code. Nothing was judged then, so never 0.
 */
static int
pid_unseen(struct run *u)
{
	struct pn_owner o;
	struct result r;
	char path[64];
	struct stat st;
	int code;

	if (owners_pid(u->w, u->pid) != NULL)
		return 0;
	result_init(&r, u->c->cmd);
	snprintf(r.target, sizeof(r.target), "pid %d", u->pid);
	snprintf(path, sizeof(path), "%s/%d", u->c->env.proc_root, u->pid);
	if (stat(path, &st) == 0 && owners_unreadable(u->w) > 0) {
		pn_owner_load(u->c->env.proc_root, u->pid, (unsigned)st.st_uid,
		    &o);
		r.reason = RS_PERM;
		r.err = EACCES;
		result_cause(&r, "the descriptors of pid %d (%s, user %s) may "
		    "not be read by this user (uid %u): %s/fd is closed to it, "
		    "so its sockets, their states and its descriptor count are "
		    "hidden and nothing was judged", u->pid, o.tcomm, o.user,
		    (unsigned)getuid(), path);
		result_fix(&r, "run it as root, who sees every process: sudo "
		    "sockctl inspect --pid %d", u->pid);
	} else {
		r.reason = RS_ERROR;
		result_cause(&r, "pid %d exited during the sample: its sockets "
		    "went with it, and nothing was judged", u->pid);
		result_fix(&r, "find out why it exited (its log, journalctl, "
		    "dmesg for the OOM killer), or give the pid of the process "
		    "that runs now");
	}
	code = out_result(u->c, &r);
	result_free(&r);
	return code != 0 ? code : reason_exit(r.reason);
}

static void
pause_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
	    1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* "pid 42 (nginx, user www)", or whose it is when hidden. */
static const char *
owner_text(struct run *u, struct owners_proc *p, unsigned uid, char *buf,
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
holders_text(struct run *u, const struct findings_group *g, char *buf,
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

static void
put_states(FILE *f, const long *st)
{
	const char *sep = "";

	for (int s = 1; s < FINDINGS_NSTATES; s++)
		if (st[s] > 0 && s != PN_LISTEN) {
			fprintf(f, "%s%s %ld", sep,
			    pn_state_name(IPPROTO_TCP, s), st[s]);
			sep = ", ";
		}
	if (sep[0] == '\0')
		fprintf(f, "no connections");
}

static void
summary_text(struct run *u, int nf)
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
		put_states(o, g[i].states);
		if (g[i].queued > 0)
			fprintf(o, " (%ld of them in the accept queue)",
			    g[i].queued);
		fputc('\n', o);
	}
	for (int s = 1; s < FINDINGS_NSTATES; s++)
		total += st[s];
	findings_deltas(u->f, &dl);
	fprintf(o, "total: %ld tcp (LISTEN %ld, ", total, st[PN_LISTEN]);
	put_states(o, st);
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

static void
kcount(struct jbuf *jb, const char *k, long long v)
{
	if (v >= 0)
		jb_kint(jb, k, v);
	else
		jb_knull(jb, k);
}

static void
summary_json(struct run *u, int nf, const char *target, int64_t sample)
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
	jb_obj_close(&jb);
	out_json(u->c, &jb);
	jb_free(&jb);
}

/* --openmetrics: the sockets per state and the listeners' queues. */
static void
summary_om(struct run *u, const char *target)
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

/* --listening: the targets and --pid select what is listed. */
static int
run_listening(struct run *u, const char *tj)
{
	struct listening_sel sel;

	memset(&sel, 0, sizeof(sel));
	sel.pid = u->pid;
	sel.target = tj[0] ? tj : NULL;
	for (int i = 0; i < u->nt; i++) {
		if (u->t[i].unix_)
			sel.path[sel.npath++] = u->t[i].path;
		else
			sel.port[sel.nport++] = u->t[i].port;
	}
	return listening_run(u->c, &sel);
}

int
cmd_inspect(struct ctx *c, int argc, char **argv)
{
	struct in_args a = { 0, 1000, 0 };
	int npos, rc, nf, code = 0;
	struct opt opts[NOPTS];
	struct findings_cfg cfg;
	struct counters k1, k2;
	struct run u;
	char tj[512] = "", path[64];
	struct stat st;

	opts_fill(opts, &a);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (a.sample > 3600 * 1000)
		return out_usage(c, "--sample '%lld ms' is longer than an hour "
		    "(the two reads should see the same sockets)",
		    (long long)a.sample);
	memset(&u, 0, sizeof(u));
	u.c = c;
	u.pid = (int)a.pid;
	if (npos > MAX_TARGETS)
		return out_usage(c, "too many targets (%d; at most %d)", npos,
		    MAX_TARGETS);
	for (int i = 0; i < npos; i++) {
		if ((rc = parse_target(&u, argv[i + 1], &u.t[u.nt])) != 0)
			return rc;
		u.t[u.nt].unix_ ? u.nunix++ : u.ninet++;
		snprintf(tj + strlen(tj), sizeof(tj) - strlen(tj), "%s%s",
		    u.nt > 0 ? " " : "", argv[i + 1]);
		u.nt++;
	}
	if (u.pid > 0) {
		snprintf(path, sizeof(path), "%s/%d", c->env.proc_root, u.pid);
		if (stat(path, &st) == -1)
			return out_usage(c, "no process with pid '%lld' "
			    "(--pid)", a.pid);
		if (tj[0] == '\0')
			snprintf(tj, sizeof(tj), "pid %d", u.pid);
	}
	if (a.listening)
		return run_listening(&u, tj);
	cfg.root = c->env.proc_root;
	cfg.sample_ms = a.sample;
	cfg.whole = u.nt == 0 && u.pid == 0;
	/* Unix sockets: PATH targets, --pid, and the whole machine */
	u.with_unix = u.nunix > 0 || u.ninet == 0;
	if ((u.f = findings_new(&cfg)) == NULL)
		nomem_exit("inspect's tables");

	/* the first read: what each socket looked like, and the counters */
	if (counters_read(c->env.proc_root, &k1) == -1)
		out_trace(c, "no counters under %s: %s", c->env.proc_root,
		    strerror(errno));
	if (a.sample > 0) {
		if (inetdiag_scan(c->env.proc_root, IPPROTO_TCP, PN_ALL_STATES &
		    ~PN_STATE(PN_TIME_WAIT), base_fn, &u) == -1) {
			out_err(c, "cannot read the TCP sockets: %s",
			    strerror(errno));
			findings_free(u.f);
			return reason_exit(RS_ERROR);
		}
		findings_base_done(u.f);
		if (u.with_unix && unixdiag_scan(c->env.proc_root, unix_base_fn,
		    &u) == -1)
			out_trace(c, "cannot read the Unix sockets: %s",
			    strerror(errno));
		if (u.failed)
			nomem_exit("inspect's tables");
		out_trace(c, "first read done; next in %lld ms",
		    (long long)a.sample);
		pause_ms(a.sample);
	}
	/* one walk of /proc for the owners, then the last read */
	if ((u.w = owners_walk(c->env.proc_root, u.pid)) == NULL)
		nomem_exit("the owners' table");
	if (u.pid > 0 && (code = pid_unseen(&u)) != 0)
		goto done;
	if (u.pid > 0)
		owners_pid(u.w, u.pid)->mark = 1;	/* fd-limit looks at it */
	if (counters_read(c->env.proc_root, &k2) == -1)
		k2 = k1;
	findings_counters(u.f, a.sample > 0 ? &k1 : &k2, &k2);
	if (u.ninet > 0 || u.nunix == 0) {
		if (inetdiag_scan(c->env.proc_root, IPPROTO_TCP,
		    PN_STATE(PN_LISTEN), add_fn, &u) == -1 ||
		    inetdiag_scan(c->env.proc_root, IPPROTO_TCP, PN_ALL_STATES &
		    ~PN_STATE(PN_LISTEN), add_fn, &u) == -1) {
			out_err(c, "cannot read the TCP sockets: %s",
			    strerror(errno));
			code = reason_exit(RS_ERROR);
			goto done;
		}
		(void)inetdiag_scan(c->env.proc_root, IPPROTO_UDP, PN_ALL_STATES,
		    add_fn, &u);
	}
	if (u.with_unix && unixdiag_scan(c->env.proc_root, unix_fn, &u) == -1)
		out_note(c, "cannot read the Unix sockets: %s",
		    strerror(errno));
	if (u.failed || (nf = findings_judge(u.f, u.w)) < 0)
		nomem_exit("inspect's findings");
	out_trace(c, "%d finding%s", nf, nf == 1 ? "" : "s");

	for (int i = 0; i < nf; i++) {
		struct result r;
		int x;

		result_init(&r, c->cmd);
		findings_result(u.f, u.w, (size_t)i, tj[0] ? tj : NULL, &r);
		if (c->openmetrics && c->om != NULL) {
			/* a series per finding: pid and local tell them apart */
			char pid[16] = "", local[ESC_SIZE(UNIXDIAG_NAME_MAX)];
			struct om_label l[5] = { { "command", "inspect" },
			    { "target", r.target }, { "reason",
			    reason_slug(r.reason) }, { "pid", pid },
			    { "local", local } };
			int fp;

			findings_subject(u.f, (size_t)i, &fp, local,
			    sizeof(local));
			if (fp > 0)
				snprintf(pid, sizeof(pid), "%d", fp);
			om_sample(c->om, OM_FINDING, l, 5, 1);
		}
		x = out_result(c, &r);
		if (code == 0)
			code = x;
		result_free(&r);
	}
	if (c->openmetrics && c->om != NULL)
		summary_om(&u, tj[0] ? tj : NULL);
	else if (c->json)
		summary_json(&u, nf, tj[0] ? tj : NULL, a.sample);
	else if (!c->quiet) {
		summary_text(&u, nf);
		fflush(c->out);
	}
	if (a.sample == 0 && !c->json && !c->quiet)
		out_note(c, "one read (--sample 0) cannot show counters that "
		    "rise, nor sockets that stay stuck; CLOSE_WAIT and "
		    "retransmissions are judged from tcp_info alone");
done:
	owners_free(u.w);
	findings_free(u.f);
	return code;
}
