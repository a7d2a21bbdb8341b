/*
 * probe-udp [OPTIONS] HOST PORT: sends datagrams on a connected UDP socket
 * and counts the replies. The socket is connected so that the kernel
 * reports an ICMP port-unreachable as ECONNREFUSED: that is "refused". No
 * reply at all is "timeout", with the caveat that a UDP service may just
 * not answer what it was sent.
 *
 * A Unix PATH or @NAME is probed on a SOCK_DGRAM socket bound to a name
 * the kernel picks (autobind), so that the server can answer; a send that
 * would wait on a full receiver (EAGAIN) is retried until -t, then the
 * server is reported as not reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "esc.h"
#include "evdns.h"
#include "evidence.h"
#include "evudp.h"
#include "intr.h"
#include "loop.h"
#include "icmp.h"
#include "errname.h"
#include "opt.h"
#include "resolve.h"
#include "sock.h"
#include "unixsock.h"
#include "evunix.h"
#include "cmds.h"

static const struct cmd_help help = {
	"probe-udp", "[OPTIONS] HOST PORT  (or HOST:PORT, PATH, @NAME)",
	"Send UDP datagrams to HOST PORT and count the replies.",
	"Sends -c datagrams, one per --interval (it does not wait after the\n"
	"last reply), then waits up to -t for the missing replies. Reports\n"
	"sent, received, loss and the round-trip times. An ICMP port\n"
	"unreachable is 'refused' (exit 4); no reply at all is 'timeout'\n"
	"(exit 5), which for UDP may also mean the service ignores this payload.\n"
	"An address of a name that refuses at once gives way to the next one\n"
	"(at most 8, the resolver's order); silence is not retried.\n"
	"A Unix PATH (unix:PATH, anything with a '/') or @NAME is probed as a\n"
	"datagram socket, from an autobound name so that replies can come back;\n"
	"a receiver whose queue stays full for -t is not reading (exit 5).\n"
	"Each reply is matched to its request: sockctl's own payload carries a\n"
	"sequence number and a token, so a second answer, a late one (after -t)\n"
	"and a datagram that is no echo are reported apart and not counted;\n"
	"with --send an echo, or else any reply, answers the oldest request.\n"
	"--send takes C escapes: \\r \\n \\t \\0 \\\\ \\xNN.\n\n"
	"examples:\n"
	"  sockctl probe-udp 127.0.0.1 7007\n"
	"  sockctl probe-udp -c 10 --interval 100ms localhost:7007\n"
	"  sockctl --json probe-udp --send '\\x00\\x01' 10.0.0.5 9999\n"
	"  sockctl probe-udp /run/app/echo.sock\n",
};

/* Where the options land. */
struct udp_args {
	long long	 count;
	int64_t		 interval_ms;
	const char	*send;
};

#define NOPTS		4

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct udp_args *v)
{
	const struct opt t[NOPTS] = {
		{ "count", 'c', OT_INT, &v->count, "N",
		    "send N datagrams (default 3)", 1, 1000000, NULL },
		{ "interval", 0, OT_DUR, &v->interval_ms, "DUR",
		    "pause between datagrams (default 1s)", 0, 0, NULL },
		{ "send", 0, OT_STR, &v->send, "TEXT",
		    "the payload, with C escapes (default: \"sockctl "
		    "probe-udp SEQ TOKEN\\n\", so an echo names its request)",
		    0, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

/*
 * Without --send each datagram is "sockctl probe-udp SEQ TOKEN\n": an echo
 * of it (or its upper-cased form, as udp-echo --upper sends) answers that
 * request and no other, so a reply that is no echo, a second echo and a
 * late one are told apart instead of counted as replies.
 */
#define PAYLOAD_FMT	"sockctl probe-udp %lld %08x\n"
#define PAYLOAD_MAX	64
#define UDP_ADDRS	8	/* a name's addresses tried, at most */

/* How replies are matched to requests. */
enum match {
	M_TOKEN,	/* the default payload: by sequence number and token */
	M_ECHO,		/* --send: an echo answers the oldest open request */
};

struct stats {
	long long	 sent, received;
	long long	 late;		/* an echo after -t had passed */
	long long	 duplicate;	/* a second echo of one request */
	long long	 unmatched;	/* no echo of any request sent */
	double		 min, max, sum;	/* ms */
};

/* The exchange: what was sent when, and what was answered. */
struct xchg {
	const struct ctx	*c;
	enum match		 how;
	const char		*payload;	/* --send, or NULL */
	size_t			 plen;
	unsigned		 token;
	int64_t			*ts;		/* send time of each request */
	unsigned char		*answered;
	long long		 oldest;	/* M_ECHO: first unanswered */
	long long		 noecho;	/* M_ECHO: replies that are no echo */
	int			 is_unix;	/* AF_UNIX: a full receiver waits */
	int			 sigfd;		/* SIGINT, SIGTERM; -1: none */
	char			 tried[256];	/* "[::1]:53 ECONNREFUSED" of
						 * each address given up on */
	int			 intr;		/* the one that cut it short */
};

/*
 * Resolves ep into ss[] (at most UDP_ADDRS, in the resolver's order) and
 * *n. Explains the failure in r and returns -1.
 */
static int
resolve(const struct ctx *c, const struct endpoint *ep,
    struct sockaddr_storage *ss, int *n, struct result *r)
{
	struct evdns_facts f;
	struct addrinfo *res = NULL;
	int rc, err;

	memset(&f, 0, sizeof(f));
	f.host = ep->host;
	*n = 1;
	if (sa_from_numeric(ep->host, ep->port, ss) == 0) {
		if (c->env.family == AF_UNSPEC || ss->ss_family == c->env.family)
			return 0;
		f.numeric = 1;
		evdns_explain(&c->env, &f, r);
		return -1;
	}
	out_trace(c, "resolve %s (at most %lld ms)", ep->host,
	    (long long)c->env.timeout_ms);
	rc = rs_lookup(ep->host, c->env.family, c->env.timeout_ms, &res, &err,
	    &f.waited_ms);
	if (rc != 0) {
		out_trace(c, "resolve %s: %s", ep->host, rc == RS_CUT ?
		    "no answer in time" : gai_strerror(rc));
		f.cut = rc == RS_CUT;
		f.eai = rc == RS_CUT ? 0 : rc;
		f.err = err;
		f.naddr = -1;
		evdns_explain(&c->env, &f, r);
		return -1;
	}
	*n = rs_addrs(res, ep->port, ss, UDP_ADDRS);
	freeaddrinfo(res);
	if (*n == 0) {
		evdns_explain(&c->env, &f, r);
		return -1;
	}
	return 0;
}

/* The default payload of request seq (from 1) into buf; returns its length. */
static size_t
token_payload(const struct xchg *x, long long seq, char *buf, size_t len)
{
	int n = snprintf(buf, len, PAYLOAD_FMT, seq, x->token);

	return n < 0 ? 0 : (size_t)n;
}

/* Whether reply (m bytes) is want, or want upper-cased. */
static int
is_echo(const char *reply, size_t m, const char *want, size_t wlen)
{
	if (m != wlen)
		return 0;
	return memcmp(reply, want, m) == 0 || strncasecmp(reply, want, m) == 0;
}

/*
 * The request a reply answers: its index, or -1 when it echoes none that
 * was sent.
 */
static long long
match_reply(struct xchg *x, const struct stats *st, const char *reply,
    size_t m)
{
	char want[PAYLOAD_MAX];
	long long seq;
	unsigned tok;

	if (x->how == M_ECHO) {
		/* a reply that is no echo (a DNS answer to a query sent
		 * with --send) cannot name its request: taken in order */
		if (!is_echo(reply, m, x->payload, x->plen))
			x->noecho++;
		while (x->oldest < st->sent && x->answered[x->oldest])
			x->oldest++;
		/* every request answered: a second echo of one of them */
		return x->oldest < st->sent ? x->oldest : st->sent > 0 ?
		    st->sent - 1 : -1;
	}
	if (m >= PAYLOAD_MAX || m < 20)
		return -1;
	memcpy(want, reply, m);
	want[m] = '\0';
	if (sscanf(want + 18, "%lld %8x", &seq, &tok) != 2 || tok != x->token ||
	    seq < 1 || seq > st->sent)
		return -1;
	if (!is_echo(reply, m, want, token_payload(x, seq, want,
	    sizeof(want))))
		return -1;
	return seq - 1;
}

/* Counts one reply that arrived at now. */
static void
count_reply(struct xchg *x, struct stats *st, const char *reply, size_t m,
    int64_t now)
{
	long long k = match_reply(x, st, reply, m);
	double ms;

	if (k < 0) {
		st->unmatched++;
		out_trace(x->c, "recv: %zu bytes, an echo of no request sent", m);
		return;
	}
	if (x->answered[k]) {
		st->duplicate++;
		out_trace(x->c, "recv: %zu bytes, a second echo of request %lld",
		    m, k + 1);
		return;
	}
	x->answered[k] = 1;
	ms = (double)(now - x->ts[k]) / 1e6;
	if (ms > (double)x->c->env.timeout_ms) {
		st->late++;
		out_trace(x->c, "recv: %zu bytes (reply %lld), late: %.3f ms, "
		    "past -t", m, k + 1, ms);
		return;
	}
	out_trace(x->c, "recv: %zu bytes (reply %lld), %.3f ms", m, k + 1, ms);
	if (st->received == 0 || ms < st->min)
		st->min = ms;
	if (ms > st->max)
		st->max = ms;
	st->sum += ms;
	st->received++;
}

/*
 * Sends n datagrams, one per interval, and collects the replies until
 * every request is answered or timeout_ms passed after the last send.
 * Returns 0, or -1 with the stage in r->stage and errno in r->err.
 */
static int
exchange(struct xchg *x, int fd, long long n, int64_t interval_ms,
    struct stats *st, struct result *r)
{
	static char rbuf[65536];
	const struct ctx *c = x->c;
	int64_t now, next, deadline = 0, wait_ns, full_since = -1;
	char tbuf[PAYLOAD_MAX];
	struct pollfd p[2];
	ssize_t m;
	int rc = -1;

	x->ts = calloc((size_t)n, sizeof(*x->ts));
	x->answered = calloc((size_t)n, 1);
	if (x->ts == NULL || x->answered == NULL) {
		r->stage = ST_SEND;
		r->err = ENOMEM;
		goto done;
	}
	next = clock_ns();
	for (;;) {
		now = clock_ns();
		if (st->sent < n && now >= next) {
			const char *pl = x->payload;
			size_t plen = x->plen;

			if (x->how == M_TOKEN) {
				plen = token_payload(x, st->sent + 1, tbuf,
				    sizeof(tbuf));
				pl = tbuf;
			}
			if (full_since < 0)
				out_trace(c, "send: %zu bytes (datagram %lld of "
				    "%lld)", plen, st->sent + 1, n);
			m = send(fd, pl, plen, x->is_unix ? MSG_DONTWAIT : 0);
			if (m == -1 && x->is_unix && (errno == EAGAIN ||
			    errno == ENOBUFS)) {
				/* the receiver's queue is full: wait for
				 * room (POLLOUT), at most -t */
				if (full_since < 0) {
					full_since = now;
					out_trace(c, "send: %s: the receiver's "
					    "queue is full; waiting up to %lld "
					    "ms for room", errname(errno),
					    (long long)c->env.timeout_ms);
				} else if (now - full_since >= c->env.timeout_ms *
				    1000000) {
					r->stage = ST_SEND;
					r->err = errno;
					r->dx = DX_UNIX_DGRAM_FULL;
					goto done;
				}
			} else if (m == -1 && errno != EAGAIN &&
			    errno != EINTR) {
				/* an ICMP error from an earlier datagram */
				r->stage = errno == ECONNREFUSED ? ST_RECV :
				    ST_SEND;
				r->err = errno;
				goto done;
			} else {
				full_since = -1;
				x->ts[st->sent++] = now;
				next = now + interval_ms * 1000000;
				if (st->sent == n)
					deadline = now + c->env.timeout_ms *
					    1000000;
			}
		}
		if (st->sent == n && st->received + st->late >= st->sent)
			break;
		if (st->sent == n && now >= deadline)
			break;
		wait_ns = (st->sent < n ? next : deadline) - now;
		if (full_since >= 0)
			wait_ns = full_since + c->env.timeout_ms * 1000000 - now;
		p[0].fd = fd;
		p[0].events = POLLIN | (full_since >= 0 ? POLLOUT : 0);
		p[0].revents = 0;
		p[1].fd = x->sigfd;
		p[1].events = POLLIN;
		p[1].revents = 0;
		if (poll(p, x->sigfd != -1 ? 2 : 1, wait_ns <= 0 ? 0 :
		    (int)((wait_ns + 999999) / 1000000)) <= 0)
			continue;
		if (p[1].revents != 0 && (x->intr =
		    loop_sigfd_read(x->sigfd)) != 0)
			break;
		for (;;) {
			m = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
			if (m == -1) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				r->stage = ST_RECV;
				r->err = errno;
				out_trace(c, "recv: %s", errname(r->err));
				goto done;
			}
			count_reply(x, st, rbuf, (size_t)m, clock_ns());
		}
	}
	rc = 0;
done:
	free(x->ts);
	free(x->answered);
	x->ts = NULL;
	x->answered = NULL;
	return rc;
}

/* A token for this run's payloads: another run's replies never match. */
static unsigned
run_token(void)
{
	unsigned t;

	if (getentropy(&t, sizeof(t)) == 0)
		return t;
	return (unsigned)clock_ns() ^ (unsigned)getpid() << 16;
}

/*
 * Late, duplicate and unmatched replies, said apart from the answers: a
 * note beside a success, a cause line of a failure (diagnosed first).
 */
static void
odd_replies(struct result *r, const struct xchg *x, const struct stats *st)
{
	char buf[256];
	int n = 0;

	buf[0] = '\0';
	if (st->late > 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%lld came "
		    "after -t (%lld ms) and %s not counted", n ? "; " : "",
		    st->late, (long long)x->c->env.timeout_ms, st->late == 1 ?
		    "is" : "are");
	if (st->duplicate > 0 && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%lld %s a "
		    "second answer to one request", n ? "; " : "",
		    st->duplicate, st->duplicate == 1 ? "was" : "were");
	if (st->unmatched > 0 && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%lld %s no "
		    "echo of any request sent", n ? "; " : "", st->unmatched,
		    st->unmatched == 1 ? "was" : "were");
	if (n > 0 && r->reason == RS_OK)
		result_fix(r, "replies not counted: %s", buf);
	else if (n > 0)
		result_cause(r, "replies not counted: %s", buf);
}

static void
add_stats(struct result *r, const struct stats *st)
{
	double nan = NAN;

	jb_kint(&r->extra, "sent", st->sent);
	jb_kint(&r->extra, "received", st->received);
	jb_knum(&r->extra, "loss_pct", st->sent > 0 ? 100.0 *
	    (double)(st->sent - st->received) / (double)st->sent : nan);
	jb_knum(&r->extra, "rtt_min_ms", st->received ? st->min : nan);
	jb_knum(&r->extra, "rtt_avg_ms", st->received ?
	    st->sum / (double)st->received : nan);
	jb_knum(&r->extra, "rtt_max_ms", st->received ? st->max : nan);
	jb_kint(&r->extra, "late", st->late);
	jb_kint(&r->extra, "duplicate", st->duplicate);
	jb_kint(&r->extra, "unmatched", st->unmatched);
}

/*
 * The success line: "udp TARGET (ADDRESS): 3 sent, ..." or, for a Unix
 * socket, "dgram /run/x.sock (pid 42, sockctl, user root): ...": a Unix
 * datagram socket has no SO_PEERCRED, so its server is the process that
 * holds the socket bound to the path (JSON peer).
 */
static void
ok_message(const struct ctx *c, struct result *r, const struct sockaddr *sa,
    const struct stats *st)
{
	char who[ADDRSTR_MAX + 160] = "", as[ADDRSTR_MAX];
	struct pn_owner o;
	int has;

	if (sa->sa_family == AF_UNIX) {
		has = usock_bound_by(c->env.proc_root != NULL ? c->env.proc_root :
		    "/proc", r->target, NULL, &o) == 1;
		if (has)
			snprintf(who, sizeof(who), " (pid %d, %s, user %s)",
			    o.pid, o.tcomm, o.user);
		evunix_peer_json(&r->extra, has, o.pid, o.comm, o.user);
	} else {
		if (strcmp(sa_fmt(sa, as, sizeof(as)), r->target) != 0)
			snprintf(who, sizeof(who), " (%s)", as);
		jb_knull(&r->extra, "peer");
	}
	snprintf(r->message, sizeof(r->message), "%s %s%s: %lld sent, %lld "
	    "received, %.0f%% loss, rtt min/avg/max %.3f/%.3f/%.3f ms",
	    sa->sa_family == AF_UNIX ? "dgram" : "udp", r->target, who,
	    st->sent, st->received, 100.0 * (double)(st->sent -
	    st->received) / (double)st->sent, st->min,
	    st->sum / (double)st->received, st->max);
}

/* A failed probe of a Unix datagram socket: the path's evidence first. */
static void
unix_failed(const struct ctx *c, struct result *r, const struct xchg *x,
    const struct stats *st, const struct sockaddr *sa)
{
	if (r->stage == ST_SEND && r->err == ECONNREFUSED)
		result_cause(r, "the socket at %s closed after this probe "
		    "connected to it (%lld datagram%s sent, %lld answered): "
		    "the server stopped or restarted", r->target, st->sent,
		    st->sent == 1 ? "" : "s", st->received);
	else if (r->stage == ST_RECV && r->dx == DX_UNIX_SILENCE)
		result_cause(r, "sent %lld datagram%s to %s; no reply within "
		    "%lld ms", st->sent, st->sent == 1 ? "" : "s", r->target,
		    (long long)c->env.timeout_ms);
	if (r->dx != 0 && !c->quiet)
		evunix_dgram(&c->env, sa, r->dx, r->err, st->sent, r);
	result_diagnose(r);
	odd_replies(r, x, st);
	add_stats(r, st);
	jb_knull(&r->extra, "peer");
}

/*
 * A probe that failed at its stage: the result with its diagnosis and
 * evidence (the ICMP error queued on fd, -1 for none), printed. Returns
 * the exit code.
 */
static int
failed(const struct ctx *c, struct result *r, const struct xchg *x,
    const struct stats *st, int fd, const struct sockaddr *sa, size_t plen)
{
	struct evudp_facts ev;

	r->elapsed_ms = clock_since_ms(c->t0_ns);
	if (x->is_unix) {
		unix_failed(c, r, x, st, sa);
		return out_result(c, r);
	}
	jb_knull(&r->extra, "peer");
	result_diagnose(r);
	if (r->dx == DX_UDP_SILENCE)
		result_cause(r, "sent %lld datagram%s of %zu bytes to %s; "
		    "no reply within %lld ms", st->sent, st->sent == 1 ? "" :
		    "s", plen, r->target, (long long)c->env.timeout_ms);
	if (r->dx == DX_UDP_NO_ECHO)
		result_cause(r, "sent %lld datagram%s to %s; %lld "
		    "datagram%s came back, none of them an echo of a request",
		    st->sent, st->sent == 1 ? "" : "s", r->target,
		    st->unmatched, st->unmatched == 1 ? "" : "s");
	odd_replies(r, x, st);
	if (r->stage == ST_RECV && r->err == ECONNREFUSED && st->sent > 0)
		result_cause(r, "after %lld datagram%s sent, %lld "
		    "answered", st->sent, st->sent == 1 ? "" : "s",
		    st->received);
	memset(&ev, 0, sizeof(ev));
	ev.dst = sa;
	ev.sent = st->sent;
	ev.answered = st->received;
	if (fd != -1 && r->err != 0)
		(void)icmp_read(fd, &ev.icmp);
	evudp_explain(&c->env, &ev, r);
	if (x->tried[0] != '\0')
		result_cause(r, "the addresses tried before it failed at once "
		    "too: %s", x->tried);
	add_stats(r, st);
	return out_result(c, r);
}

/*
 * One address: socket, connect and the exchange of a.count datagrams. On
 * failure r->stage and r->err say where (r->dx for a Unix socket) and *fd
 * is left open for the ICMP error queued on it. Returns 0 or -1.
 */
static int
attempt(const struct ctx *c, struct xchg *x, const struct udp_args *a,
    const struct sockaddr *sa, struct stats *st, struct result *r, int *fd)
{
	char err[256];

	r->stage = ST_SOCKET;
	*fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd == -1) {
		r->err = errno;
		out_trace(c, "socket(%s, SOCK_DGRAM): %s",
		    sock_family_name(sa->sa_family), errname(r->err));
		return -1;
	}
	out_trace(c, "socket(%s, SOCK_DGRAM) = fd %d",
	    sock_family_name(sa->sa_family), *fd);
	if (x->is_unix && usock_autobind(*fd, err, sizeof(err)) == -1) {
		r->stage = ST_BIND;
		r->err = errno;
		out_trace(c, "bind(autobind): %s", errname(r->err));
		return -1;
	}
	if (x->is_unix)
		out_trace(c, "bind(autobind) ok: %s, an abstract name the "
		    "kernel picked, so replies can come back (no file)", err);
	/* ICMP errors are queued, so a refusal can say who sent it */
	else if (icmp_enable(*fd, sa->sa_family) == 0)
		out_trace(c, "setsockopt(IP_RECVERR, on): ok (ICMP errors are "
		    "queued)");
	r->stage = ST_CONNECT;
	sa_fmt(sa, err, sizeof(err));
	if (connect(*fd, sa, sa_len(sa)) == -1) {
		r->err = errno;
		out_trace(c, "connect(%s): %s", err, errname(r->err));
		if (x->is_unix)
			r->dx = usock_dx(ST_CONNECT, r->err);
		return -1;
	}
	if (c->trace) {
		struct sockaddr_storage me;
		socklen_t ml = sizeof(me);
		char ms[ADDRSTR_MAX] = "?";

		if (getsockname(*fd, (struct sockaddr *)&me, &ml) == 0 &&
		    me.ss_family == AF_UNIX)
			usock_name((struct sockaddr_un *)&me, ml, ms,
			    sizeof(ms));
		else if (ml <= sizeof(me))
			sa_fmt((struct sockaddr *)&me, ms, sizeof(ms));
		out_trace(c, "connect(%s) ok: from %s (%s: no handshake, "
		    "nothing sent yet)", err, ms, x->is_unix ? "a datagram "
		    "socket" : "UDP");
	}
	r->stage = ST_NONE;
	/*
	 * SIGINT, SIGTERM: the counts so far are the result (lib/cli/intr);
	 * made after the socket, which needs a descriptor more (without one
	 * a signal just ends the probe)
	 */
	if (x->sigfd == -1)
		x->sigfd = loop_sigfd(loop_stop_sigs);
	return exchange(x, *fd, a->count, a->interval_ms, st, r);
}

/*
 * Whether a failed attempt at address i of n gives way to the next: it
 * failed at once, before any reply, as probe-connect tries each address.
 * Silence is not retried: it has spent the probe's time.
 */
static int
next_address(const struct result *r, const struct stats *st,
    const struct xchg *x, int i, int n)
{
	return i + 1 < n && x->intr == 0 && st->received == 0 &&
	    sock_udp_next_address(r->err);
}

int
cmd_probe_udp(struct ctx *c, int argc, char **argv)
{
	struct udp_args a = { 3, 1000, NULL };
	struct opt opts[NOPTS];
	struct sockaddr_storage ss, addrs[UDP_ADDRS];
	struct sockaddr *sa = (struct sockaddr *)&ss;
	struct endpoint ep;
	struct result r;
	struct stats st;
	char err[256], *payload = NULL;
	struct xchg x;
	size_t plen;
	int npos, rc, fd = -1, naddr = 1;
	long dl;

	opts_fill(opts, &a);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (npos == 1)
		rc = ep_parse(argv[1], EP_UDP, &ep, err, sizeof(err));
	else if (npos == 2)
		rc = ep_parse2(argv[1], argv[2], EP_UDP, &ep, err, sizeof(err));
	else
		return out_usage(c, npos == 0 ? "missing HOST PORT" :
		    "expected HOST PORT or HOST:PORT, got %d arguments", npos);
	if (rc == -1)
		return out_usage(c, "%s", err);
	if (ep.port == 0 && !ep.is_unix)
		return out_usage(c, "port '%s' of '%s' cannot be probed "
		    "(expected 1-65535)", ep.port_str, ep.host);
	if (a.send != NULL) {
		payload = malloc(strlen(a.send) + 1);
		if (payload == NULL) {
			nomem_exit("--send text");
		}
		dl = esc_decode(a.send, payload, err, sizeof(err));
		if (dl < 0) {
			free(payload);
			return out_usage(c, "invalid --send: %s", err);
		}
		plen = (size_t)dl;
	}

	memset(&st, 0, sizeof(st));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.sigfd = -1;
	if (payload != NULL) {
		x.how = M_ECHO;
		x.payload = payload;
		x.plen = plen;
	} else {
		x.how = M_TOKEN;
		x.token = run_token();
		plen = token_payload(&x, 1, err, sizeof(err));
	}
	result_init(&r, c->cmd);
	x.is_unix = ep.is_unix;
	if (ep.is_unix) {
		(void)sa_from_unix(ep.host, &ss);	/* ep_parse checked it */
		snprintf(r.target, sizeof(r.target), "%s", ep.host);
	} else if (strchr(ep.host, ':') != NULL)
		snprintf(r.target, sizeof(r.target), "[%s]:%d", ep.host,
		    ep.port);
	else
		snprintf(r.target, sizeof(r.target), "%s:%d", ep.host,
		    ep.port);
	if (!ep.is_unix && resolve(c, &ep, addrs, &naddr, &r) == -1) {
		r.elapsed_ms = clock_since_ms(c->t0_ns);
		add_stats(&r, &st);
		jb_knull(&r.extra, "peer");
		rc = out_result(c, &r);
		goto done;
	}
	if (ep.is_unix)
		addrs[0] = ss;
	r.port = ep.is_unix ? -1 : ep.port;
	for (int i = 0;; i++) {
		ss = addrs[i];
		sa_fmt_host(sa, r.address, sizeof(r.address));
		r.family = ss.ss_family;
		if (attempt(c, &x, &a, sa, &st, &r, &fd) == 0)
			break;
		if (!next_address(&r, &st, &x, i, naddr)) {
			rc = failed(c, &r, &x, &st, fd, sa, plen);
			goto done;
		}
		sa_fmt(sa, err, sizeof(err));
		out_trace(c, "%s: %s at once; trying the next address %s "
		    "resolved to (%d of %d)", err, errname(r.err), ep.host,
		    i + 2, naddr);
		snprintf(x.tried + strlen(x.tried), sizeof(x.tried) -
		    strlen(x.tried), "%s%s %s", x.tried[0] ? ", " : "", err,
		    errname(r.err));
		if (fd != -1)
			close(fd);
		fd = -1;
		memset(&st, 0, sizeof(st));
		r.stage = ST_NONE;
		r.err = 0;
	}
	if (x.intr != 0 && st.received == 0) {
		r.elapsed_ms = clock_since_ms(c->t0_ns);
		add_stats(&r, &st);
		jb_knull(&r.extra, "peer");
		intr_results(&r, 1, x.intr, 0, ST_RECV, r.elapsed_ms, "sending "
		    "datagram %lld of %lld, none answered yet", st.sent,
		    a.count);
		(void)out_result(c, &r);
		rc = intr_exit(x.intr);
		goto done;
	}
	if (st.received == 0) {
		r.stage = ST_RECV;
		r.dx = st.unmatched > 0 && st.late == 0 ? DX_UDP_NO_ECHO :
		    ep.is_unix ? DX_UNIX_SILENCE : DX_UDP_SILENCE;
		rc = failed(c, &r, &x, &st, fd, sa, plen);
		goto done;
	}
	r.elapsed_ms = clock_since_ms(c->t0_ns);
	ok_message(c, &r, sa, &st);
	if (x.tried[0] != '\0')
		result_fix(&r, "the addresses tried before it failed at once: "
		    "%s", x.tried);
	odd_replies(&r, &x, &st);
	if (st.received < st.sent)
		result_fix(&r, "%lld of %lld datagrams got no reply within "
		    "%lld ms", st.sent - st.received, st.sent,
		    (long long)c->env.timeout_ms);
	if (x.noecho > 0)
		result_fix(&r, "%lld repl%s no echo of what was sent, so "
		    "replies were matched to requests in order of arrival (the "
		    "RTTs assume the service answers in order)", x.noecho,
		    x.noecho == 1 ? "y was" : "ies were");
	add_stats(&r, &st);
	if (x.intr != 0)
		intr_results(&r, 1, x.intr, 1, ST_NONE, r.elapsed_ms, "sending "
		    "datagram %lld of %lld", st.sent, a.count);
	rc = out_result(c, &r);
	if (x.intr != 0)
		rc = intr_exit(x.intr);
done:
	if (x.sigfd != -1)
		close(x.sigfd);
	if (fd != -1) {
		out_trace(c, "close(fd %d)", fd);
		close(fd);
	}
	result_free(&r);
	free(payload);
	return rc;
}
