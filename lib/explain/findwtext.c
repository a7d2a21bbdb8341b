#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "esc.h"
#include "findwait.h"

/* "pid 42 (nginx, user www)" and its keys. */
struct wwho {
	char	text[200];
	int	pid;
	char	process[64];
	char	user[64];
};

static void
wwho_of(struct owners *w, int pid, struct owners_proc *p, unsigned uid,
    struct wwho *o)
{
	memset(o, 0, sizeof(*o));
	if (p == NULL && pid > 0 && w != NULL)
		p = owners_pid(w, pid);
	if (p != NULL) {
		const struct pn_owner *x = owners_who(w, p);

		o->pid = p->pid;
		snprintf(o->process, sizeof(o->process), "%s", x->comm);
		snprintf(o->user, sizeof(o->user), "%s", x->user);
		snprintf(o->text, sizeof(o->text), "pid %d (%s, user %s)",
		    p->pid, x->tcomm, x->user);
		return;
	}
	if (pid > 0) {
		o->pid = pid;
		snprintf(o->text, sizeof(o->text), "pid %d", pid);
		return;
	}
	pn_user(uid, o->user, sizeof(o->user));
	if (w != NULL && owners_unreadable(w) > 0 && getuid() != 0)
		snprintf(o->text, sizeof(o->text), "a process of uid %u (%s; "
		    "run as root to name it)", uid, o->user);
	else
		snprintf(o->text, sizeof(o->text), "no process seen here (uid "
		    "%u, %s)", uid, o->user);
}

static void
put_keys(struct result *r, const struct wwho *o, const char *local,
    const char *remote, long count, const struct wfind *x,
    const struct wwho *peer)
{
	if (o->pid > 0)
		jb_kint(&r->extra, "pid", o->pid);
	else
		jb_knull(&r->extra, "pid");
	jb_kstr(&r->extra, "process", o->process[0] ? o->process : NULL);
	jb_kstr(&r->extra, "user", o->user[0] ? o->user : NULL);
	jb_kstr(&r->extra, "local", local);
	jb_kstr(&r->extra, "remote", remote);
	jb_kint(&r->extra, "count", count);
	if (peer == NULL)
		jb_knull(&r->extra, "peer");
	else {
		jb_kobj_open(&r->extra, "peer");
		if (peer->pid > 0)
			jb_kint(&r->extra, "pid", peer->pid);
		else
			jb_knull(&r->extra, "pid");
		jb_kstr(&r->extra, "process", peer->process[0] ?
		    peer->process : NULL);
		jb_kstr(&r->extra, "user", peer->user[0] ? peer->user : NULL);
		jb_obj_close(&r->extra);
	}
	if (x->tid > 0)
		jb_kint(&r->extra, "tid", x->tid);
	else
		jb_knull(&r->extra, "tid");
	if (x->fd >= 0)
		jb_kint(&r->extra, "fd", x->fd);
	else
		jb_knull(&r->extra, "fd");
	jb_kstr(&r->extra, "syscall", x->sys);
}

static void
set_end(struct result *r, const struct sockaddr_storage *ss)
{
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		return;
	sa_fmt_host((const struct sockaddr *)ss, r->address,
	    sizeof(r->address));
	r->port = sa_port((const struct sockaddr *)ss);
	r->family = ss->ss_family;
}

static const char *
secs(double ms, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f s", ms / 1000);
	return buf;
}

/* The limits found on the socket, as one cause line. */
static void
limits_text(const struct wfind *x, struct result *r)
{
	const struct sockopts *o = &x->o;
	char ka[200], ut[64];

	if (!o->keepalive)
		snprintf(ka, sizeof(ka), "TCP keepalive off (SO_KEEPALIVE 0)");
	else
		snprintf(ka, sizeof(ka), "TCP keepalive on, but a dead peer "
		    "is found only after %d s (TCP_KEEPIDLE %d + %d x "
		    "TCP_KEEPINTVL %d s)%s", o->keepidle + o->keepcnt *
		    o->keepintvl, o->keepidle, o->keepcnt, o->keepintvl,
		    x->timer == INETDIAG_TIMER_KEEPALIVE ?
		    "; its keepalive timer runs" : "");
	snprintf(ut, sizeof(ut), "%s", o->user_timeout_ms > 0 ?
	    "" : ", no TCP_USER_TIMEOUT");
	result_cause(r, "nothing ends the wait: %s, %s%s%s; if the peer is "
	    "gone without a reset, it waits forever", x->pollish ?
	    "the poll has no timeout (SO_RCVTIMEO does not bound a poll)" :
	    "no receive timeout (SO_RCVTIMEO 0)", ka, ut,
	    x->nonblock == 1 ? "" : x->nonblock == 0 ?
	    ", a blocking socket (no O_NONBLOCK)" : "");
}

static void
text_recv(struct waits *w, struct owners *ow, const struct wfind *x,
    struct result *r)
{
	char lo[ADDRSTR_MAX], re[ADDRSTR_MAX], t1[32], t2[32];
	struct wwho o, po;

	wwho_of(ow, x->pid, NULL, 0, &o);
	sa_fmt((const struct sockaddr *)&x->local, lo, sizeof(lo));
	sa_fmt((const struct sockaddr *)&x->remote, re, sizeof(re));
	set_end(r, &x->local);
	result_cause(r, "thread %d of %s waits in %s() on fd %d, the TCP "
	    "connection %s -> %s, at both reads %s apart; nothing has "
	    "arrived on it for %s", x->tid, o.text, x->sys, x->fd, lo, re,
	    secs((double)w->sample_ms, t1, sizeof(t1)),
	    secs(x->o.last_data_recv, t2, sizeof(t2)));
	limits_text(x, r);
	if (x->peer_ino != 0) {
		struct owners_proc *pp = ow != NULL ? owners_of(ow, x->peer_ino,
		    NULL) : NULL;

		wwho_of(ow, 0, pp, x->peer_uid, &po);
		if (pp != NULL)
			result_cause(r, "the other end is %s on this machine: "
			    "nothing came from it for that long", po.text);
		else
			result_cause(r, "the other end is a socket of this "
			    "machine (uid %u, %s): nothing came from it for "
			    "that long", x->peer_uid, po.user);
	}
	result_fix(r, "give the receive a timeout: setsockopt(%d, "
	    "SOL_SOCKET, SO_RCVTIMEO, {30, 0}) or a poll() timeout (Python: "
	    "sock.settimeout(30); requests: timeout=(3.05, 30))", x->fd);
	result_fix(r, "turn on TCP keepalive so a vanished peer ends the "
	    "wait: SO_KEEPALIVE 1 with TCP_KEEPIDLE 60, TCP_KEEPINTVL 10, "
	    "TCP_KEEPCNT 6");
	result_fix(r, "see why %s sends nothing: ss -tni dst %s", re, re);
	put_keys(r, &o, lo, re, 1, x, x->peer_ino != 0 ? &po : NULL);
}

/* Seconds the kernel waits over n SYN retries: 1, 2, 4 ... (RTO cap
 * 120 s). */
static long
syn_total(long n)
{
	long t = 0, rto = 1;

	for (long i = 0; i <= n && i < 64; i++) {
		t += rto;
		rto = rto * 2 > 120 ? 120 : rto * 2;
	}
	return t;
}

static void
text_connect(struct waits *w, struct owners *ow, const struct wfind *x,
    struct result *r)
{
	char lo[ADDRSTR_MAX], re[ADDRSTR_MAX];
	unsigned n = x->o.retransmits > x->o.total_retrans ?
	    x->o.retransmits : x->o.total_retrans;
	struct wwho o;

	(void)w;
	wwho_of(ow, x->pid, NULL, 0, &o);
	sa_fmt((const struct sockaddr *)&x->local, lo, sizeof(lo));
	sa_fmt((const struct sockaddr *)&x->remote, re, sizeof(re));
	if (x->remote.ss_family == 0)
		snprintf(re, sizeof(re), "an address not known here");
	set_end(r, &x->remote);
	result_cause(r, "thread %d of %s waits in %s() on fd %d to %s: the "
	    "socket is in SYN_SENT and its SYN was retransmitted %u time%s: "
	    "the destination does not answer (a firewall that drops, a host "
	    "that is down)", x->tid, o.text, x->sys, x->fd, re, n,
	    n == 1 ? "" : "s");
	if (x->syn_retries >= 0)
		result_cause(r, "the kernel gives up after %ld retr%s "
		    "(%s %ld), about %ld s after the connect (some %ld s "
		    "have passed; the next retry in %.1f s): then connect() "
		    "fails with ETIMEDOUT", x->syn_retries, x->syn_retries == 1 ? "y" :
		    "ies", x->syn_own ? "TCP_SYNCNT" :
		    "net.ipv4.tcp_syn_retries", x->syn_retries,
		    syn_total(x->syn_retries), syn_total((long)n - 1),
		    (double)(x->timer == INETDIAG_TIMER_RTO ? x->timer_ms :
		    x->o.rto_ms) / 1000);
	result_cause(r, "no connect timeout is set (%s%s)", x->pollish ?
	    "its poll has none" : "SO_SNDTIMEO 0",
	    ", no TCP_USER_TIMEOUT");
	result_fix(r, "give the connect a timeout shorter than that: a "
	    "non-blocking connect with poll() and a timeout, SO_SNDTIMEO "
	    "(a blocking connect honours it) or TCP_USER_TIMEOUT (Python: "
	    "socket.create_connection(addr, timeout=5))");
	if (x->remote.ss_family != 0)
		result_fix(r, "check the path: sockctl probe-connect %s", re);
	put_keys(r, &o, lo, x->remote.ss_family != 0 ? re : NULL, n, x,
	    NULL);
}

static void
text_drops(struct waits *w, struct owners *ow, const struct wfind *x,
    struct result *r)
{
	char lo[ADDRSTR_MAX], re[ADDRSTR_MAX], t1[32], max[64];
	char path[ESC_SIZE(sizeof(x->path))];
	const char *where;
	struct wwho o;

	wwho_of(ow, x->pid, x->proc, x->uid, &o);
	if (x->unix_) {
		/* the text escaped (lib/esc); JSON's local keeps it exact */
		where = x->path[0] ? esc_str(x->path, path, sizeof(path)) :
		    "(unnamed)";
		lo[0] = '\0';
	} else {
		where = sa_fmt((const struct sockaddr *)&x->local, lo,
		    sizeof(lo));
		set_end(r, &x->local);
	}
	if (x->rmem_max >= 0)
		snprintf(max, sizeof(max), "net.core.rmem_max is %ld",
		    x->rmem_max);
	else
		snprintf(max, sizeof(max), "net.core.rmem_max unknown");
	result_cause(r, "%s's %s socket %s dropped %u datagram%s during the "
	    "sample (%s): they arrive faster than it reads them, or its "
	    "receive buffer is too small", o.text, x->unix_ ? "Unix datagram" :
	    "UDP", where, x->drops, x->drops == 1 ? "" : "s",
	    secs((double)w->sample_ms, t1, sizeof(t1)));
	if (x->rcvbuf > 0 && x->unix_)
		result_cause(r, "its receive buffer is %u bytes (SO_RCVBUF, "
		    "as the kernel doubles it); %s", x->rcvbuf, max);
	else if (x->rcvbuf > 0)
		result_cause(r, "its receive buffer is %u bytes (SO_RCVBUF, "
		    "as the kernel doubles it), %u in use; %s", x->rcvbuf,
		    x->rmem, max);
	else
		result_cause(r, "%s", max);
	result_fix(r, "read faster (more reader threads, less work per "
	    "datagram), and give the socket a larger receive buffer: "
	    "setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 4194304)");
	if (x->rmem_max >= 0 && (long)x->rcvbuf >= x->rmem_max)
		result_fix(r, "SO_RCVBUF stops at net.core.rmem_max (%ld): "
		    "raise it first: sysctl -w net.core.rmem_max=8388608",
		    x->rmem_max);
	else
		result_fix(r, "SO_RCVBUF is capped at net.core.rmem_max; raise "
		    "it when you need more: sysctl -w "
		    "net.core.rmem_max=8388608");
	sa_fmt((const struct sockaddr *)&x->remote, re, sizeof(re));
	put_keys(r, &o, x->unix_ ? (x->path[0] ? x->path : NULL) : lo,
	    x->unix_ || sa_port((const struct sockaddr *)&x->remote) == 0 ?
	    NULL : re, x->drops, x, NULL);
}

void
waits_result(struct waits *w, struct owners *o, size_t i, const char *target,
    struct result *r)
{
	const struct wfind *x = &w->f[i];
	char t[ADDRSTR_MAX];

	r->reason = x->reason;
	r->stage = x->stage;
	r->dx = x->dx;
	if (target != NULL)
		snprintf(r->target, sizeof(r->target), "%s", target);
	else if (x->pid > 0)
		snprintf(r->target, sizeof(r->target), "pid %d", x->pid);
	else if (x->unix_)
		esc_str(x->path, r->target, sizeof(r->target));
	else
		snprintf(r->target, sizeof(r->target), "%s",
		    sa_fmt((const struct sockaddr *)&x->local, t, sizeof(t)));
	switch (x->reason) {
	case RS_BLOCKED_RECV:
		text_recv(w, o, x, r);
		break;
	case RS_BLOCKED_CONNECT:
		text_connect(w, o, x, r);
		break;
	default:
		text_drops(w, o, x, r);
		break;
	}
}

void
waits_ids(const struct waits *w, size_t i, int *pid, int *tid, int *fd,
    char *sock, size_t len)
{
	const struct wfind *x = &w->f[i];

	*pid = x->pid;
	*tid = x->tid;
	*fd = x->fd;
	if (x->unix_)
		snprintf(sock, len, "%s", x->path);
	else if (len >= ADDRSTR_MAX)
		sa_fmt((const struct sockaddr *)&x->local, sock, len);
	else
		sock[0] = '\0';
}

char *
waits_proc_text(const struct waits_proc *p, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	if (p->denied) {
		/* root refused too: the kernel's ptrace check, not privilege */
		if (geteuid() == 0)
			snprintf(buf, len, "what pid %d waits on cannot be "
			    "read, even as root (the kernel refuses this "
			    "process the right to trace it)", p->pid);
		else
			snprintf(buf, len, "run as root to see what pid %d "
			    "waits on", p->pid);
		return buf;
	}
	if (p->gone) {
		snprintf(buf, len, "pid %d ended before the last read", p->pid);
		return buf;
	}
	if (tasks_arch() == NULL) {
		snprintf(buf, len, "the system calls of this machine's "
		    "architecture are not known here: what pid %d waits in "
		    "cannot be told", p->pid);
		return buf;
	}
	for (int i = 0; i < p->nline && l < len; i++) {
		snprintf(buf + l, len - l, "%s%s", i > 0 ? "; " : "",
		    p->line[i]);
		l = strlen(buf);
	}
	if (p->more > 0 && l < len)
		snprintf(buf + l, len - l, "; %d more", p->more);
	if (p->nline == 0)
		snprintf(buf, len, "no thread waits on a socket");
	return buf;
}
