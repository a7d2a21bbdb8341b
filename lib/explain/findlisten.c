/*
 * inspect's judging of listeners (called by findings.c): a full accept
 * queue, one that holds the same connections at both reads though it has
 * room (not-accepting: the process does not call accept()), and a full
 * SYN queue; and the words of those findings, with what the processes
 * that hold the listener are doing (lib/procstate).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "findpriv.h"
#include "procstate.h"

/* At most this many holders of one listener are named. */
#define MAX_HOLDERS	4

int
findlisten_full(const struct findings_group *g)
{
	return (g->has_backlog ? g->qlen > g->backlog : g->qlen > 0) ||
	    g->cookie;
}

/*
 * A listener's SYN queue is full: the kernel answers new SYNs with cookies
 * or drops them once its requests (SYN_RECV) outnumber the listen()
 * backlog, and, with net.ipv4.tcp_syncookies=0, once fewer than a quarter
 * of net.ipv4.tcp_max_syn_backlog is left (tcp_conn_request()).
 */
static int
syn_queue_full(const struct findings *f, const struct findings_group *g)
{
	long maxsyn = findings_sysctl(f, "sys/net/ipv4/tcp_max_syn_backlog");

	if (g->synrecv < 2)
		return 0;
	if (g->has_backlog && g->synrecv > (long)g->backlog)
		return 1;
	return findings_sysctl(f, "sys/net/ipv4/tcp_syncookies") == 0 &&
	    maxsyn > 0 && g->synrecv + (maxsyn >> 2) >= maxsyn;
}

/*
 * The listener whose queue d waits in: on d's local port and address (or
 * a wildcard that takes it), one with connections queued before others.
 */
static struct findings_group *
queue_of(struct findings *f, const struct inetdiag_sock *d)
{
	const struct sockaddr *l = (const struct sockaddr *)&d->s.local;
	struct findings_group *best = NULL;
	int v6any;

	for (size_t i = 0; i < f->ng; i++) {
		struct findings_group *g = &f->g[i];
		const struct sockaddr *gl = (const struct sockaddr *)&g->local;

		if (g->kind != FG_LISTEN || sa_port(gl) != sa_port(l) ||
		    (!sa_same_addr(gl, l) && !sa_listens_for(gl, l, &v6any)))
			continue;
		if (best == NULL || (best->qlen <= (unsigned long)best->queued &&
		    g->qlen > (unsigned long)g->queued))
			best = g;
	}
	return best;
}

void
findlisten_queued(struct findings *f, const struct inetdiag_sock *d,
    int stuck)
{
	struct findings_group *g = queue_of(f, d);

	if (g == NULL)
		return;
	g->queued++;
	if (!stuck)
		return;
	g->stuck++;
	if (d->s.state == PN_CLOSE_WAIT)
		g->gaveup++;
	if (d->has_info && d->last_ack_recv > g->oldest_ms)
		g->oldest_ms = d->last_ack_recv;
}

void
findlisten_accepted(struct findings *f, const struct inetdiag_sock *d)
{
	struct findings_group *g = queue_of(f, d);

	if (g != NULL)
		g->accepted++;
}

int
findlisten_judge(struct findings *f)
{
	long long ovf = findings_delta(f, f->k1.listen_overflows, f->k2.listen_overflows);
	long long drp = findings_delta(f, f->k1.listen_drops, f->k2.listen_drops);
	long long ck = findings_delta(f, f->k1.syncookies_sent, f->k2.syncookies_sent);
	/*
	 * SYNs the kernel answered with a cookie, or dropped for a full SYN
	 * queue (TCPReqQFullDrop, ListenDrops beyond the overflows). Not
	 * TCPReqQFullDoCookies: it counts SYNs that a full accept queue then
	 * drops as well.
	 */
	int syn_rose = ck > 0 || findings_delta(f, f->k1.reqq_full_drop,
	    f->k2.reqq_full_drop) > 0 || drp > (ovf > 0 ? ovf : 0);
	int nfull = 0, nsyn = 0;

	for (size_t i = 0; i < f->ng; i++) {
		const struct findings_group *g = &f->g[i];

		if ((g->kind != FG_LISTEN && g->kind != FG_UNIX) ||
		    g->states[PN_LISTEN] == 0)
			continue;
		if (findlisten_full(g)) {
			if (findings_note(f, RS_ACCEPT_FULL, DX_ACCEPT_QUEUE_FULL,
			    ST_ACCEPT, NULL, g, NULL) == -1)
				return -1;
			nfull++;
		} else if (g->stuck > 0 && findings_note(f, RS_NOT_ACCEPTING,
		    DX_NOT_ACCEPTING, ST_ACCEPT, NULL, g, NULL) == -1)
			return -1;
	}
	/* ListenDrops counts dropped SYNs too: only overflows are this */
	if (nfull == 0 && f->cfg.whole && ovf > 0 &&
	    findings_note(f, RS_ACCEPT_FULL, DX_ACCEPT_QUEUE_FULL, ST_ACCEPT,
	    NULL, NULL, NULL) == -1)
		return -1;
	for (size_t i = 0; i < f->ng; i++) {
		const struct findings_group *g = &f->g[i];

		/*
		 * A full accept queue leaves requests in SYN_RECV too (it
		 * drops their last ACK): accept-queue-full, not this.
		 */
		if (g->kind == FG_LISTEN && !findlisten_full(g) &&
		    syn_queue_full(f, g) && (f->cfg.sample_ms == 0 ||
		    syn_rose)) {
			if (findings_note(f, RS_SYN_FLOOD, DX_SYN_FLOOD,
			    ST_LISTEN, NULL, g, NULL) == -1)
				return -1;
			nsyn++;
		}
	}
	if (nsyn == 0 && f->cfg.whole && (ck > 0 || findings_delta(f,
	    f->k1.reqq_full_drop, f->k2.reqq_full_drop) > 0) && findings_note(f,
	    RS_SYN_FLOOD, DX_SYN_FLOOD, ST_LISTEN, NULL, NULL, NULL) == -1)
		return -1;
	return 0;
}

/*
 * "pid 100 (nginx, user root), pid 101 (nginx, user www-data) and 2
 * more": every process that holds the listener, into buf; their pids into
 * pids (up to MAX_HOLDERS), how many in *n.
 */
static void
holders_text(struct owners *w, const struct findings_group *g, char *buf,
    size_t len, int *pids, int *n)
{
	struct owners_proc *hp[MAX_HOLDERS];
	size_t nh = w != NULL && g->ino != 0 ? owners_holders(w, g->ino, hp,
	    MAX_HOLDERS) : 0, k, used = 0;
	struct who o;

	*n = 0;
	if (nh <= 1) {
		findtext_who(w, g->proc, g->uid, 1, 1, &o);
		snprintf(buf, len, "%s", o.text);
		if (o.pid > 0)
			pids[(*n)++] = o.pid;
		return;
	}
	buf[0] = '\0';
	for (k = 0; k < nh && k < MAX_HOLDERS && used < len; k++) {
		findtext_who(w, hp[k], 0, 0, 1, &o);
		pids[(*n)++] = hp[k]->pid;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    k == 0 ? "" : k + 1 == nh ? " and " : ", ", o.text);
	}
	if (nh > k && used < len)
		snprintf(buf + used, len - used, " and %zu more", nh - k);
}

/* What each holder is doing: a cause line per process. */
static int
state_causes(struct findings *f, struct owners *w, const int *pids, int n,
    struct result *r)
{
	int stopped = 0;

	for (int i = 0; i < n; i++) {
		struct owners_proc *p = w != NULL ? owners_pid(w, pids[i]) :
		    NULL;
		const char *comm = p != NULL ? owners_who(w, p)->tcomm : "?";
		struct procstate ps;

		if (procstate_read(f->cfg.root, pids[i], &ps) == -1) {
			result_cause(r, "pid %d (%s) %s", pids[i], comm,
			    errno == ENOENT ? "has exited since the read" :
			    "may not be read by this user: run as root to see "
			    "what it does");
			continue;
		}
		if (ps.state == 'T' || ps.state == 't') {
			stopped++;
			result_cause(r, "pid %d (%s) is %s: it accepts nothing "
			    "until it is resumed", pids[i], comm,
			    procstate_word(ps.state));
		} else if (ps.wchan[0] != '\0')
			result_cause(r, "pid %d (%s) is %s, its main thread in "
			    "%s (wchan)%s", pids[i], comm,
			    procstate_word(ps.state), ps.wchan,
			    ps.nthreads <= 1 && ps.in_loop > 0 ?
			    ": an event loop that does not take the queued "
			    "connections (the listener left out of its poll "
			    "set, or a connection limit reached)" :
			    ps.nthreads > 1 && ps.in_accept == 0 ?
			    "; none of its threads waits in accept()" : "");
		else
			result_cause(r, "pid %d (%s) is %s%s", pids[i], comm,
			    procstate_word(ps.state), ps.state == 'R' ?
			    ": busy with other work, not back at accept()" :
			    ps.wchan_hidden ? " (where it waits is hidden from "
			    "this user: run as root)" : "");
	}
	return stopped;
}

/* socket-file-gone: Unix listener g (of o) is no longer at its path. */
static void
text_gone(const struct findings_group *g, const struct who *o,
    struct result *r)
{
	unsigned m = g->file_mode & S_IFMT;

	if (g->file_gone == 1)
		result_cause(r, "%s listens on unix %s, but nothing is at that "
		    "path any more: its socket file was removed (or a "
		    "directory above it), so clients get ENOENT while it runs",
		    o->text, g->path);
	else
		result_cause(r, "%s listens on unix %s, but the file at that "
		    "path now is another one (%s), not its socket: it was "
		    "removed and replaced, so clients get ECONNREFUSED or "
		    "reach whatever made the new one", o->text, g->path,
		    m == S_IFSOCK ? "another socket" : m == S_IFREG ?
		    "a regular file" : m == S_IFDIR ? "a directory" :
		    "not a socket");
	result_fix(r, "restart %s's service so it binds %s again (a socket "
	    "file cannot be linked back); the process itself still runs",
	    o->short_, g->path);
	result_fix(r, "find what removed it: a temp-file cleaner "
	    "(systemd-tmpfiles, tmpreaper), a second instance that took the "
	    "path, a deploy that replaced the directory");
	if (o->pid > 0)
		result_fix(r, "see the socket it still holds: ss -xlp | grep "
		    "'pid=%d,'", o->pid);
}

/* not-accepting on listener g: cause and fix. */
static void
text_stuck(struct findings *f, struct owners *w, const struct findings_group *g,
    const char *lo, struct result *r)
{
	char who[480], rd[64], age[64] = "";
	int pids[MAX_HOLDERS], n, stopped;

	holders_text(w, g, who, sizeof(who), pids, &n);
	findtext_reads(f, rd, sizeof(rd));
	if (g->oldest_ms > 0)
		snprintf(age, sizeof(age), ", the oldest for %.1f s",
		    (double)g->oldest_ms / 1000);
	result_cause(r, "the listener on %s%s of %s has %lu connection%s "
	    "waiting in its accept queue (backlog %lu, not full), %ld of them "
	    "the same %s%s: %s (clients connect, then wait for an answer "
	    "that does not come)", g->kind == FG_UNIX ? "unix " : "", lo, who,
	    g->qlen, g->qlen == 1 ? "" : "s", g->backlog, g->stuck, rd, age,
	    g->accepted > 0 ? "it calls accept(), but more slowly than "
	    "connections arrive" : "the process is not calling accept()");
	if (g->accepted > 0)
		result_cause(r, "it accepted %ld connection%s that waited at "
		    "the first read, and left these: busy, or blocked between "
		    "its accept() calls", g->accepted, g->accepted == 1 ? "" :
		    "s");
	if (g->gaveup > 0)
		result_cause(r, "%ld of them were closed by their client while "
		    "they waited (%s): those clients gave up; no process holds "
		    "them yet, so they are no leak", g->gaveup,
		    g->kind == FG_UNIX ? "not yet accepted" :
		    "CLOSE_WAIT, not yet accepted");
	stopped = state_causes(f, w, pids, n, r);
	if (n == 0)
		result_cause(r, "which process holds it is hidden from this "
		    "user, so its state is too: root would see both");
	for (int i = 0; i < n && stopped > 0; i++)
		result_fix(r, "if pid %d was stopped by mistake, resume it: "
		    "kill -CONT %d", pids[i], pids[i]);
	for (int i = 0; i < n && i < 1; i++)
		result_fix(r, "see what it does instead of accept(): cat "
		    "/proc/%d/stack (as root); py-spy dump --pid %d (Python); "
		    "strace -p %d", pids[i], pids[i], pids[i]);
	if (n == 0)
		result_fix(r, "see the process and what it does: sudo sockctl "
		    "inspect %s", lo);
	result_fix(r, "make it call accept() on a thread or event loop that "
	    "nothing else blocks; ss -%cl shows the queue (Recv-Q)",
	    g->kind == FG_UNIX ? 'x' : 't');
}

/* syn-flood on listener g (on lo, owned by o): cause and fix. */
static void
text_syn(struct findings *f, const struct findings_group *g,
    const struct who *o, const char *lo, struct result *r)
{
	long somax = findings_sysctl(f, "sys/net/core/somaxconn");
	long maxsyn = findings_sysctl(f, "sys/net/ipv4/tcp_max_syn_backlog");
	long cookies = findings_sysctl(f, "sys/net/ipv4/tcp_syncookies");
	long long ck = findings_delta(f, f->k1.syncookies_sent,
	    f->k2.syncookies_sent);
	long long qd = findings_delta(f, f->k1.reqq_full_drop,
	    f->k2.reqq_full_drop);
	long long drp = findings_delta(f, f->k1.listen_drops,
	    f->k2.listen_drops);
	char from[ADDRSTR_MAX];

	sa_fmt_host((const struct sockaddr *)&g->syn_from, from, sizeof(from));
	result_cause(r, "the listener on %s of %s has %ld half-open "
	    "connections (SYN_RECV: the SYN came, the client's ACK of the "
	    "SYN-ACK did not) against a listen() backlog of %lu: its SYN "
	    "queue is full%s", lo, o->text, g->synrecv, g->backlog,
	    cookies == 0 ? " (with SYN cookies off it also ends at 3/4 of "
	    "net.ipv4.tcp_max_syn_backlog)" : "");
	if (ck > 0)
		result_cause(r, "the kernel answered %lld SYNs with a SYN "
		    "cookie during the sample (SyncookiesSent)", ck);
	if (qd > 0 || drp > 0)
		result_cause(r, "it dropped new SYNs during the sample "
		    "(TCPReqQFullDrop +%lld, ListenDrops +%lld): clients see "
		    "connect() time out", qd > 0 ? qd : 0, drp > 0 ? drp : 0);
	if (g->syn_many)
		result_cause(r, "they come from several addresses (the first "
		    "%s): a SYN flood (an attack), or many clients whose "
		    "handshakes cannot complete", from);
	else
		result_cause(r, "all come from %s: one client that cannot "
		    "complete the handshake (the SYN-ACKs do not reach it: a "
		    "firewall or an asymmetric route on its side) or that "
		    "sends SYNs on purpose", from);
	if (cookies != 1)
		result_fix(r, "turn SYN cookies on, so the connections of "
		    "real clients get through while the queue is full: sysctl "
		    "-w net.ipv4.tcp_syncookies=1 (now %ld)", cookies);
	else
		result_fix(r, "keep net.ipv4.tcp_syncookies=1: the kernel "
		    "answers with cookies while the queue is full, so real "
		    "clients still connect");
	result_fix(r, "the SYN queue holds the listen() backlog (%lu; "
	    "net.core.somaxconn %ld caps it, net.ipv4.tcp_max_syn_backlog "
	    "%ld when cookies are off): give listen() a larger one%s",
	    g->backlog, somax, maxsyn, somax > 0 && (long)g->backlog >= somax ?
	    " and raise net.core.somaxconn" : "");
	result_fix(r, "see who sends them: ss -tn state syn-recv sport = "
	    ":%d; if it is an attack, filter or rate-limit SYNs from those "
	    "sources upstream; if it is one client, find why its SYN-ACKs "
	    "do not arrive (tcpdump -ni any host %s)",
	    sa_port((const struct sockaddr *)&g->local), from);
}

void
findlisten_text(struct findings *f, struct owners *w, const struct finding *x,
    struct result *r)
{
	const struct findings_group *g = x->g;
	long somax = findings_sysctl(f, "sys/net/core/somaxconn");
	long long ovf = findings_delta(f, f->k1.listen_overflows, f->k2.listen_overflows);
	long long drp = findings_delta(f, f->k1.listen_drops, f->k2.listen_drops);
	long long ck = findings_delta(f, f->k1.syncookies_sent, f->k2.syncookies_sent);
	char lo[ESC_SIZE(UNIXDIAG_NAME_MAX)];
	struct who o;

	if (g == NULL) {
		/* the counters rose, and no listener shows it now */
		findtext_who(w, NULL, 0, 0, 0, &o);
		snprintf(r->target, sizeof(r->target), "machine");
		if (x->reason == RS_ACCEPT_FULL) {
			result_cause(r, "the kernel's ListenOverflows rose by "
			    "%lld and ListenDrops by %lld during the sample, "
			    "though no listener's queue is full at the reads: "
			    "bursts overflow an accept queue", ovf > 0 ? ovf :
			    0, drp > 0 ? drp : 0);
			result_fix(r, "find the listener: sockctl inspect "
			    "--sample 10s, or ss -ltn (Recv-Q against "
			    "Send-Q); then make it accept faster or give it a "
			    "larger backlog (net.core.somaxconn is %ld)",
			    somax);
		} else {
			result_cause(r, "the kernel sent %lld SYN cookies "
			    "during the sample: a listener's SYN queue "
			    "overflowed", ck);
			result_fix(r, "keep net.ipv4.tcp_syncookies=1; raise "
			    "net.ipv4.tcp_max_syn_backlog and the listen() "
			    "backlog; filter the sources upstream if it is an "
			    "attack");
		}
		findtext_keys(r, &o, NULL, NULL, ovf > 0 ? ovf : ck > 0 ? ck : 0, NULL);
		return;
	}
	findtext_who(w, g->proc, g->uid, 1, 1, &o);
	if (g->kind == FG_UNIX) {
		snprintf(lo, sizeof(lo), "%s", g->path);
		r->family = AF_UNIX;
	} else {
		sa_fmt((const struct sockaddr *)&g->local, lo, sizeof(lo));
		findtext_set_end(r, &g->local);
	}
	snprintf(r->target, sizeof(r->target), "%.*s", (int)sizeof(r->target) - 1,
	    lo);
	if (x->reason == RS_ACCEPT_FULL) {
		char who[480];
		int pids[MAX_HOLDERS], n;

		holders_text(w, g, who, sizeof(who), pids, &n);
		result_cause(r, "the listener on %s%s of %s has %lu connection%s "
		    "waiting to be accepted against a backlog of %lu: the "
		    "queue is full, the kernel drops new connections (clients "
		    "see a timeout), the application does not call accept() "
		    "fast enough", g->kind == FG_UNIX ? "unix " : "", lo, who,
		    g->qlen, g->qlen == 1 ? "" : "s", g->backlog);
		if (state_causes(f, w, pids, n, r) > 0)
			for (int i = 0; i < n; i++)
				result_fix(r, "if pid %d was stopped by "
				    "mistake, resume it: kill -CONT %d", pids[i],
				    pids[i]);
		if (ovf > 0 || drp > 0)
			result_cause(r, "ListenOverflows rose by %lld and "
			    "ListenDrops by %lld during the sample",
			    ovf > 0 ? ovf : 0, drp > 0 ? drp : 0);
		result_fix(r, "make %s call accept() faster (more workers, no "
		    "blocking work before accept())", o.short_);
		if (g->kind == FG_UNIX)
			;
		else if (somax > 0 && (long)g->backlog >= somax)
			result_fix(r, "the backlog is capped by "
			    "net.core.somaxconn (%ld): raise both, e.g. sysctl "
			    "-w net.core.somaxconn=%ld and listen(fd, %ld)",
			    somax, somax * 4, somax * 4);
		else
			result_fix(r, "a larger backlog absorbs bursts: "
			    "listen() was given %lu (net.core.somaxconn is %ld, "
			    "the most it may ask for)", g->backlog, somax);
		findtext_keys(r, &o, lo, NULL, (long)g->qlen, NULL);
		return;
	}
	if (x->reason == RS_SOCKET_FILE_GONE) {
		text_gone(g, &o, r);
		findtext_keys(r, &o, lo, NULL, 1, NULL);
		return;
	}
	if (x->reason == RS_NOT_ACCEPTING) {
		text_stuck(f, w, g, lo, r);
		findtext_keys(r, &o, lo, NULL, g->stuck, NULL);
		return;
	}
	text_syn(f, g, &o, lo, r);
	findtext_keys(r, &o, lo, NULL, g->synrecv, NULL);
}

