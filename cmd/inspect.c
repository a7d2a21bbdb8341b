/*
 * inspect [OPTIONS] [PORT | ADDRESS:PORT | PATH]...
 *
 * Diagnoses the sockets that are alive: reads them (NETLINK_SOCK_DIAG
 * with tcp_info, their owners from /proc/PID/fd) and the kernel's
 * counters twice, --sample apart, and reports what is wrong with them:
 * CLOSE_WAIT leaks, full accept queues, SYN floods, TIME_WAIT piles,
 * peers that do not read, retransmissions, processes near their fd
 * limit, threads blocked in recv() or connect() (with --pid), UDP
 * sockets that drop. The judging is lib/explain/findings and findwait;
 * this file asks and prints.
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
#include "esc.h"
#include "evdns.h"
#include "findings.h"
#include "findwait.h"
#include "inspout.h"
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
	"near their descriptor limit, threads blocked in recv() or connect()\n"
	"with nothing to end the wait, UDP sockets that drop); --listening:\n"
	"what listens where.",
	"A PORT or ADDRESS:PORT takes the sockets that have it at either end\n"
	"(a service's own sockets and this machine's clients of it); a PATH\n"
	"(anything with a /, unix:PATH or @NAME) the Unix sockets bound to it.\n"
	"No target and no --pid: the whole machine. The sockets and the\n"
	"kernel's counters are read twice, --sample apart; a finding is a\n"
	"result with cause and fix, exit 13. With --pid it also says what each\n"
	"thread waits in (accept, recv, connect, poll, epoll_wait) and on which\n"
	"socket. Run as root to name the processes of other users and see\n"
	"their threads.\n\n"
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
		    "only the sockets of process PID, and what its threads wait "
		    "on", 1, 4194304, NULL },
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
	struct waits		*wt;		/* threads' waits, udp-drops */
	int			 failed;	/* ENOMEM in a callback */
	size_t			 matched;	/* sockets the targets took */
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

	if (findings_base(u->f, d) == -1 || waits_udp_base(u->wt, d) == -1) {
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
	u->matched++;
	if (findings_add(u->f, d, p, nshare) == -1 ||
	    waits_udp(u->wt, d, p) == -1) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

static int
unix_base_fn(const struct unixdiag_sock *s, void *arg)
{
	struct run *u = arg;

	if (findings_unix_base(u->f, s) == -1 ||
	    waits_unix_base(u->wt, s) == -1) {
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
	u->matched += hit != 0;
	if (findings_unix_sock(u->f, s, p, hit) == -1 || (hit &&
	    waits_unix(u->wt, s, p) == -1)) {
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
	int npos, rc, nf, nw = 0, code = 0;
	struct opt opts[NOPTS];
	struct findings_cfg cfg;
	struct counters k1, k2;
	struct inspout o;
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
	if ((u.f = findings_new(&cfg)) == NULL ||
	    (u.wt = waits_new(c->env.proc_root, a.sample)) == NULL ||
	    (u.pid > 0 && waits_watch(u.wt, u.pid) == -1))
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
		/* the datagram sockets' drop counters (udp-drops) */
		(void)inetdiag_scan(c->env.proc_root, IPPROTO_UDP,
		    PN_ALL_STATES, base_fn, &u);
		if (u.with_unix && unixdiag_scan(c->env.proc_root, unix_base_fn,
		    &u) == -1)
			out_trace(c, "cannot read the Unix sockets: %s",
			    strerror(errno));
		/* what every thread waits in: the findings name processes */
		if (u.pid == 0 && waits_first(u.wt) == -1)
			u.failed = 1;
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
	if (u.failed || (nw = waits_judge_with(u.wt, u.f, u.w, &nf)) < 0)
		nomem_exit("inspect's findings");
	out_trace(c, "%d finding%s", nf + nw, nf + nw == 1 ? "" : "s");
	o.c = c;
	o.f = u.f;
	o.w = u.w;
	o.wt = u.wt;
	o.with_unix = u.with_unix;

	for (int i = 0; i < nf; i++) {
		struct result r;
		int x;

		result_init(&r, c->cmd);
		findings_result(u.f, u.w, (size_t)i, tj[0] ? tj : NULL, &r);
		if (c->openmetrics && c->om != NULL)
			inspout_om_finding(&o, &r, (size_t)i);
		x = out_result(c, &r);
		if (code == 0)
			code = x;
		result_free(&r);
	}
	for (int i = 0; i < nw; i++) {
		struct result r;
		int x;

		result_init(&r, c->cmd);
		waits_result(u.wt, u.w, (size_t)i, tj[0] ? tj : NULL, &r);
		if (c->openmetrics && c->om != NULL)
			inspout_om_wait(&o, &r, i);
		x = out_result(c, &r);
		if (code == 0)
			code = x;
		result_free(&r);
	}
	if (c->openmetrics && c->om != NULL)
		inspout_om(&o, tj[0] ? tj : NULL);
	else if (c->json)
		inspout_json(&o, nf + nw, tj[0] ? tj : NULL, a.sample);
	else if (!c->quiet) {
		inspout_text(&o, nf + nw);
		fflush(c->out);
	}
	if (u.nt > 0 && u.pid == 0 && u.matched == 0 && !c->json &&
	    !c->quiet) {
		char et[ESC_SIZE(sizeof(tj))];

		/* 0 findings of 0 sockets: say that nothing is there */
		out_note(c, "no socket on this machine matches %s: "
		    "nothing listens there and no connection uses it (sockctl "
		    "connect says why a connection fails)",
		    esc_str(tj, et, sizeof(et)));
	}
	if (a.sample == 0 && !c->json && !c->quiet)
		out_note(c, "one read (--sample 0) cannot show counters that "
		    "rise, nor sockets that stay stuck; CLOSE_WAIT and "
		    "retransmissions are judged from tcp_info alone");
done:
	owners_free(u.w);
	findings_free(u.f);
	waits_free(u.wt);
	return code;
}
