#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "findpriv.h"
#include "procstate.h"

void
findtext_who(struct owners *w, struct owners_proc *p,
    unsigned uid, int known_uid, int nshare, struct who *o)
{
	memset(o, 0, sizeof(*o));
	if (p != NULL) {
		const struct pn_owner *x = owners_who(w, p);

		o->pid = p->pid;
		snprintf(o->process, sizeof(o->process), "%s", x->comm);
		snprintf(o->user, sizeof(o->user), "%s", x->user);
		snprintf(o->text, sizeof(o->text), "pid %d (%s, user %s%s)",
		    p->pid, x->tcomm, x->user, nshare > 1 ?
		    ", shared with other processes" : "");
		snprintf(o->short_, sizeof(o->short_), "pid %d (%s)", p->pid,
		    x->tcomm);
		return;
	}
	if (known_uid < 0) {
		/* a socket with no descriptor: closed, or in an accept queue */
		snprintf(o->text, sizeof(o->text), "no process (its owner "
		    "closed it; the kernel finishes it)");
		snprintf(o->short_, sizeof(o->short_), "the application that "
		    "closed it");
		return;
	}
	if (known_uid) {
		pn_user(uid, o->user, sizeof(o->user));
		/*
		 * another user's /proc/PID/fd is closed to us; our own are
		 * not, so a socket of our uid is held out of sight
		 */
		if (w != NULL && owners_unreadable(w) > 0 && getuid() != 0 &&
		    uid != getuid()) {
			o->hidden = 1;
			snprintf(o->text, sizeof(o->text), "a process of uid %u "
			    "(%s; run as root to name it)", uid, o->user);
		} else
			snprintf(o->text, sizeof(o->text), "no process seen "
			    "here (uid %u, %s: another namespace, or the socket "
			    "was passed on)", uid, o->user);
		snprintf(o->short_, sizeof(o->short_), "the process of uid %u",
		    uid);
		return;
	}
	snprintf(o->text, sizeof(o->text), "no process");
	snprintf(o->short_, sizeof(o->short_), "the application");
}

void
findtext_keys(struct result *r, const struct who *o, const char *local,
    const char *remote, long count, const struct who *peer)
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
	if (peer == NULL) {
		jb_knull(&r->extra, "peer");
		return;
	}
	/* the other end, a process of this machine */
	jb_kobj_open(&r->extra, "peer");
	if (peer->pid > 0)
		jb_kint(&r->extra, "pid", peer->pid);
	else
		jb_knull(&r->extra, "pid");
	jb_kstr(&r->extra, "process", peer->process[0] ? peer->process :
	    NULL);
	jb_kstr(&r->extra, "user", peer->user[0] ? peer->user : NULL);
	jb_obj_close(&r->extra);
}

/* address, port and family of the result from one end */
void
findtext_set_end(struct result *r, const struct sockaddr_storage *ss)
{
	sa_fmt_host((const struct sockaddr *)ss, r->address,
	    sizeof(r->address));
	r->port = sa_port((const struct sockaddr *)ss);
	r->family = ss->ss_family;
}

const char *
findtext_reads(const struct findings *f, char *buf, size_t len)
{
	if (f->cfg.sample_ms == 0)
		snprintf(buf, len, "at this one read (--sample 0)");
	else
		snprintf(buf, len, "at both reads %.3g s apart",
		    (double)f->cfg.sample_ms / 1000);
	return buf;
}

/*
 * The sender's side of peer-not-reading, worded by what the process does
 * (lib/procstate): a thread blocked in send() hangs with the peer; an
 * event loop does not hang, it queues what it cannot send, and its
 * buffer grows.
 */
static void
sender_words(struct findings *f, const struct who *o, struct result *r)
{
	struct procstate ps;

	if (o->pid > 0 && procstate_read(f->cfg.root, o->pid, &ps) == 0) {
		if (ps.in_send > 0) {
			result_cause(r, "%s is blocked in send(): %d of its "
			    "threads %s for room in the send buffer, and "
			    "%s there as long as the peer does not read",
			    o->short_, ps.in_send, ps.in_send == 1 ? "waits" :
			    "wait", ps.in_send == 1 ? "stays" : "stay");
			result_fix(r, "give %s a write timeout (SO_SNDTIMEO, or "
			    "poll() with a deadline) so a peer that stops "
			    "reading cannot hang it", o->short_);
			return;
		}
		if (ps.in_loop > 0) {
			result_cause(r, "%s is an event loop (its threads wait "
			    "in poll/epoll, none in send()): it does not hang, "
			    "it keeps what it cannot send in its own output "
			    "buffer, which grows while the peer does not read",
			    o->short_);
			result_fix(r, "bound what %s buffers per peer, and drop "
			    "a peer that does not read (redis: "
			    "client-output-buffer-limit; nginx: send_timeout)",
			    o->short_);
			return;
		}
	}
	result_fix(r, "give %s a write timeout (SO_SNDTIMEO, or poll() with "
	    "a deadline), or bound what it buffers for that peer, so a peer "
	    "that stops reading can neither hang it nor grow its memory",
	    o->short_);
}

static void
text_agg(struct findings *f, struct owners *w, const struct finding *x,
    struct result *r)
{
	const struct agg *a = x->a;
	char lo[ADDRSTR_MAX], re[ADDRSTR_MAX], rd[64], win[96];
	const char *l = NULL, *rm = NULL;
	struct who o, po;
	long long rs;

	findtext_who(w, a->proc, a->uid, a->orphan && a->proc == NULL ? -1 :
	    a->kind != GK_TW, a->nshare, &o);
	if (a->peer)
		findtext_who(w, a->peer_proc, a->peer_uid, 1, 1, &po);
	sa_fmt((const struct sockaddr *)&a->local, lo, sizeof(lo));
	sa_fmt((const struct sockaddr *)&a->remote, re, sizeof(re));
	if (!a->many_local) {
		l = lo;
		findtext_set_end(r, &a->local);
	}
	if (!a->many_remote)
		rm = re;
	findtext_reads(f, rd, sizeof(rd));
	switch (a->kind) {
	case GK_CW:
		result_cause(r, "%s holds %ld connection%s in CLOSE_WAIT on %s"
		    "%s%s, seen %s: the peer closed, and this process never "
		    "called close()", o.text, a->count, a->count == 1 ? "" :
		    "s", l != NULL ? l : "several local ports",
		    rm != NULL ? " from " : "", rm != NULL ? rm : "", rd);
		if (a->max > 0)
			result_cause(r, "the oldest peer's last segment (its "
			    "FIN) came %.1f s ago", (double)a->max / 1000);
		result_fix(r, "make %s close() each socket once read() returns "
		    "0 (the peer's FIN); restarting it frees these %ld now",
		    o.short_, a->count);
		if (o.pid > 0)
			result_fix(r, "see them: ls -l /proc/%d/fd; ss -tnp "
			    "state close-wait", o.pid);
		break;
	case GK_TW:
		snprintf(r->target, sizeof(r->target), "%s", re);
		findtext_set_end(r, &a->remote);
		l = NULL;
		result_cause(r, "%ld sockets in TIME_WAIT to %s, against %ld "
		    "local ports in net.ipv4.ip_local_port_range (%ld-%ld): "
		    "each keeps its port for 60 s after the close, so new "
		    "connections to %s will soon fail with EADDRNOTAVAIL",
		    a->count, re, f->range_hi - f->range_lo + 1, f->range_lo,
		    f->range_hi, re);
		result_fix(r, "reuse connections to %s (HTTP keep-alive, a "
		    "connection pool) instead of one per request", re);
		result_fix(r, "let new outgoing connections take TIME_WAIT "
		    "ports: sysctl -w net.ipv4.tcp_tw_reuse=1 (now %ld)",
		    findings_sysctl(f, "sys/net/ipv4/tcp_tw_reuse"));
		result_fix(r, "widen the range: sysctl -w "
		    "net.ipv4.ip_local_port_range=\"1024 65535\"");
		break;
	case GK_PNR:
		if (!a->has_wnd || a->wnd == 0)
			snprintf(win, sizeof(win), "0");
		else
			snprintf(win, sizeof(win), "%u bytes, less than one "
			    "segment (MSS %u), so closed for all it can send",
			    a->wnd, a->mss);
		result_cause(r, "%s sends on %s to %s: %llu bytes wait in the "
		    "send queue and the peer's receive window is %s, %s (%s, "
		    "backoff %u): the peer does not read", o.text,
		    l != NULL ? l : "several connections", re,
		    (unsigned long long)a->sum, win, rd, a->persist ?
		    "the persist timer probes it" : "nothing in flight",
		    a->max);
		if (a->peer) {
			result_cause(r, "the peer is %s on this machine: its "
			    "receive queue holds %lu bytes it has not read",
			    po.text, a->peer_rxq);
			result_fix(r, "find why %s stopped reading (blocked "
			    "elsewhere, overloaded, deadlocked with this "
			    "sender)", po.short_);
			if (po.pid > 0)
				result_fix(r, "see where it waits: cat "
				    "/proc/%d/stack, or strace -p %d; ss -tnp "
				    "src %s shows its queue", po.pid, po.pid,
				    re);
		} else
			result_fix(r, "find why %s stopped reading (blocked, "
			    "overloaded, deadlocked: ss -tnp dst %s shows its "
			    "queues)", re, re);
		sender_words(f, &o, r);
		break;
	case GK_RTX:
		sa_fmt_host((const struct sockaddr *)&a->remote, re,
		    sizeof(re));
		rs = findings_delta(f, f->k1.retrans_segs, f->k2.retrans_segs);
		if (f->cfg.sample_ms == 0)
			result_cause(r, "%ld connection%s of %s to %s %s in "
			    "retransmission backoff at this one read (RTO %u "
			    "ms): segments are lost on the path", a->count,
			    a->count == 1 ? "" : "s", o.text, re,
			    a->count == 1 ? "is" : "are", a->max);
		else
			result_cause(r, "%ld connection%s of %s to %s "
			    "retransmitted %llu segment%s during the %.3g s "
			    "sample (RTO now %u ms): segments or their "
			    "acknowledgements are lost on the path", a->count,
			    a->count == 1 ? "" : "s", o.text, re,
			    (unsigned long long)a->sum, a->sum == 1 ? "" : "s",
			    (double)f->cfg.sample_ms / 1000, a->max);
		if (rs > 0)
			result_cause(r, "the machine's Tcp RetransSegs rose by "
			    "%lld", rs);
		if (a->peer) {
			/* both ends here: nothing but a rule drops it */
			result_cause(r, "the other end is %s on this machine, "
			    "so no network loses them: a firewall rule here "
			    "drops that traffic (on lo, too)", po.text);
			result_fix(r, "find the rule that drops traffic to %s: "
			    "nft list ruleset; iptables -S; iptables -t raw "
			    "-S", re);
		} else
			result_fix(r, "check the path to %s (mtr -T %s; ping "
			    "%s) and firewalls that drop (nft list ruleset; "
			    "iptables -S)", re, re, re);
		rm = a->many_remote ? NULL : rm;
		snprintf(re, sizeof(re), "%s", rm != NULL ? rm : "");
		rm = re[0] != '\0' ? re : NULL;
		break;
	}
	if (r->target[0] == '\0')
		snprintf(r->target, sizeof(r->target), "%s",
		    l != NULL ? l : o.pid > 0 ? o.short_ : "machine");
	findtext_keys(r, &o, l, rm, a->count, a->peer ? &po : NULL);
}

static void
text_fds(struct owners *w, const struct finding *x, struct result *r)
{
	struct owners_proc *p = x->proc;
	struct who o;

	findtext_who(w, p, 0, 0, 1, &o);
	snprintf(r->target, sizeof(r->target), "pid %d", p->pid);
	result_cause(r, "%s has %d descriptors open (%d of them sockets) "
	    "against its RLIMIT_NOFILE soft limit of %ld (hard %ld, "
	    "/proc/%d/limits): its next accept() or socket() fails with "
	    "EMFILE", o.text, p->nfds, p->nsock, p->soft, p->hard, p->pid);
	if (p->hard > p->soft)
		result_fix(r, "raise the limit of the running process: "
		    "prlimit --pid %d --nofile=%ld:%ld; for good, LimitNOFILE= "
		    "in its systemd unit or ulimit -n before it starts",
		    p->pid, p->hard, p->hard);
	else
		result_fix(r, "raise the hard limit where it starts "
		    "(LimitNOFILE= in its systemd unit, limits.conf), or "
		    "prlimit --pid %d --nofile=N:N as root", p->pid);
	result_fix(r, "or find the descriptors it leaks: ls -l /proc/%d/fd",
	    p->pid);
	findtext_keys(r, &o, NULL, NULL, p->nfds, NULL);
}

static void
findings_unix_text(struct findings *f, struct owners *w,
    const struct finding *x, struct result *r)
{
	const struct uagg *a = x->u;
	const char *path = f->g[a->group].path;
	struct who o, po;
	char rd[64];

	findtext_reads(f, rd, sizeof(rd));
	findtext_who(w, a->proc, a->uid >= 0 ? (unsigned)a->uid : 0, a->uid >= 0,
	    1, &o);
	snprintf(r->target, sizeof(r->target), "%.*s",
	    (int)sizeof(r->target) - 1, path);
	r->family = AF_UNIX;
	if (a->kind == UK_GONE) {
		result_cause(r, "%s holds %ld connection%s on unix %s whose "
		    "other end has closed (the peer is gone, the socket shut "
		    "down both ways), seen %s: it never called close()",
		    o.text, a->count, a->count == 1 ? "" : "s", path, rd);
		result_fix(r, "make %s close() each connection once read() "
		    "returns 0 (end of file); restarting it frees these %ld "
		    "now", o.short_, a->count);
		if (o.pid > 0)
			result_fix(r, "see them: ls -l /proc/%d/fd; ss -xp src "
			    "%s", o.pid, path);
		findtext_keys(r, &o, path, NULL, a->count, NULL);
		return;
	}
	findtext_who(w, a->peer_proc, a->peer_uid >= 0 ? (unsigned)a->peer_uid : 0,
	    a->peer_uid >= 0, 1, &po);
	result_cause(r, "%s writes on unix %s to its %s, %s: %llu bytes "
	    "wait unread in the receiver's queue and the sender's buffer is "
	    "full (SO_SNDBUF %u: its writes block), unchanged %s: the "
	    "receiver does not read", o.text, path,
	    a->recv_listens ? "server" : "client", po.text,
	    (unsigned long long)a->sum, a->sndbuf, rd);
	result_fix(r, "find why %s stopped reading (blocked elsewhere, "
	    "overloaded, deadlocked with this sender)", po.short_);
	if (po.pid > 0)
		result_fix(r, "see where it waits: cat /proc/%d/stack, or "
		    "strace -p %d", po.pid, po.pid);
	sender_words(f, &o, r);
	findtext_keys(r, &o, path, NULL, a->count, &po);
}

void
findtext_result(struct findings *f, struct owners *w,
    const struct finding *x, const char *target, struct result *r)
{
	r->reason = x->reason;
	r->dx = x->dx;
	r->stage = x->stage;
	if (x->u != NULL)
		findings_unix_text(f, w, x, r);
	else if (x->a != NULL)
		text_agg(f, w, x, r);
	else if (x->proc != NULL)
		text_fds(w, x, r);
	else
		findlisten_text(f, w, x, r);
	if (target != NULL)
		snprintf(r->target, sizeof(r->target), "%s", target);
	/* the table's general words, after the evidence */
	if (r->hint[0] == '\0')
		result_diagnose(r);
}
