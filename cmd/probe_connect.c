/*
 * probe-connect TARGET...: resolve (timed), connect with the per-attempt
 * timeout (RFC 8305 Happy Eyeballs when both families resolve), optionally
 * send and expect, close; when a stage fails, name the cause from the
 * evidence this machine holds: the ICMP error and who sent it, the
 * listeners in /proc/net, the routes, the sysctls.
 *
 * Several targets run at once on one event loop (lib/loop), bounded by
 * -j; names resolve on threads of their own (lib/resolve) so one slow
 * resolver holds up no other target. Results print in argument order.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <math.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/addr.h"
#include "../lib/clock.h"
#include "../lib/diag.h"
#include "../lib/errname.h"
#include "../lib/esc.h"
#include "../lib/evidence.h"
#include "../lib/expect.h"
#include "../lib/icmp.h"
#include "../lib/loop.h"
#include "../lib/opt.h"
#include "../lib/procnet.h"
#include "../lib/resolve.h"
#include "../lib/sock.h"
#include "../lib/sysinfo.h"
#include "../lib/targets.h"
#include "cmds.h"

static const struct cmd_help help = {
	"probe-connect", "[OPTIONS] TARGET... | HOST PORT",
	"Connect to each TARGET, report the address used, connect time and "
	"TCP RTT;\nwhen that fails, name the cause.",
	"TARGET is HOST:PORT, [IPV6]:PORT or the pair HOST PORT. A name that\n"
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
	"  sockctl connect --all localhost:8080\n",
};

#define HE_DELAY_MS	250	/* RFC 8305 connection attempt delay */
#define MAX_ADDRS	16
#define RECV_MAX	65536
#define SEND_GRACE_MS	200	/* --send alone: wait this long for a close */
#define MIN_INTERVAL_MS	10
#define ARP_GIVEUP_MS	3000	/* neighbour lookup fails after ~3 s */
#define SHOW_MAX	200	/* bytes of a reply shown */

struct tgt {
	char		 disp[320];
	struct endpoint	 ep;
};

enum aphase { AP_IDLE, AP_CONNECT, AP_SEND, AP_RECV, AP_DONE };

struct probe;

/* One connection attempt to one address. */
struct attempt {
	struct probe		*p;
	int			 idx;
	struct loop_io		 io;
	struct loop_timer	 tm;
	struct sockaddr_storage	 sa;
	enum aphase		 ph;
	int64_t			 start_ns;
	int64_t			 est_ns;	/* connected at; 0: never */
	int64_t			 end_ns;
	int			 ok;
	enum stage		 stage;		/* where it failed */
	int			 err;
	int			 dx;
	int			 immediate;	/* connect() returned the error */
	int			 abandoned;	/* another address won first */
	int			 cut_armed;	/* its timer is the deadline */
	int			 cut;		/* the --wait deadline cut it */
	double			 rtt_ms;	/* NaN: unknown */
	struct icmp_ev		 icmp;
	size_t			 sent;
	char			*rbuf;
	size_t			 rlen;
};

enum pstate { PS_QUEUED, PS_RESOLVING, PS_CONNECTING, PS_SLEEP, PS_DONE };

/* One round: a resolution and the attempts to the addresses it gave. */
struct round {
	int64_t			 rs_ns;
	double			 resolve_ms;	/* NaN: not resolved */
	int			 eai;
	int			 eai_err;
	int			 rs_cut;	/* no answer within the limit */
	int			 cut;		/* the deadline cut this round */
	int			 numeric;
	struct sockaddr_storage	*addrs;		/* MAX_ADDRS, while it runs */
	int			 naddr;
	struct attempt		*att;
	int			 nstarted;
	int			 winner;
};

/* One target, over every round of --wait. */
struct probe {
	struct run		*rn;
	struct tgt		*t;
	enum pstate		 st;
	struct loop_timer	 tm;	/* resolve limit, next address, sleep */
	struct rs_req		*rq;
	int64_t			 t0_ns;
	int64_t			 end_ns;
	int			 rounds;
	int			 connects;
	int			 in_start;	/* starting attempts: no round end */
	struct round		 cur;
	struct round		 last;		/* the last round that counts */
	int			 have_last;
	int			 ok;		/* that round succeeded */
	int			 retry;		/* that round may be retried */
	char			 why[128];	/* its cause, for progress */
};

/*
 * The TCP listeners of this machine, read once and shared by every result
 * whose attempt ended before the read: a sweep of a thousand closed ports
 * asks the kernel once, not a thousand times. Past LC_MAX listeners each
 * result asks for its own port instead.
 */
#define LC_MAX		4096

struct lcache {
	struct pn_sock		*v;
	size_t			 n;
	size_t			 cap;
	int64_t			 at_ns;		/* when read; 0: never */
	int			 over;		/* too many, or no memory */
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
	int64_t			 wait_ms;
	int64_t			 interval_ms;
	char			*send;
	size_t			 sendlen;
	const char		*expect;
	regex_t			 re;
	int			 have_re;
	int			 all;
	int			 rfd[2];	/* resolver threads' wake-ups */
	struct loop_io		 rio;
	int			 abandoned;	/* a resolver may still write */
	int64_t			 t0_ns;
	int64_t			 deadline_ns;	/* --wait; 0: none */
	int			 tty;
	int			 progress;	/* a progress line is showing */
	int			 exit_code;
	int			 in_kick;
	struct lcache		 lc;		/* this machine's listeners */
};

static void	round_begin(struct probe *);
static void	round_check(struct probe *);
static void	start_next(struct probe *);
static void	kick(struct run *);

/* Helpers */

static double
ms_between(int64_t a, int64_t b)
{
	return (double)(b - a) / 1e6;
}

static const char *
fam_word(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) &&
		    a->s6_addr[12] == 127);
	}
	return 0;
}

static int
is_local(const struct sockaddr_storage *ss)
{
	return is_loopback(ss) || si_is_local((const struct sockaddr *)ss);
}

/* Appends the escaped text of buf[0..len-1], at most SHOW_MAX bytes. */
static void
show_bytes(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t o = 0, n = len > SHOW_MAX ? SHOW_MAX : len;

	out[0] = '\0';
	for (size_t i = 0; i < n && o + 8 < outlen; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\r')
			o += (size_t)snprintf(out + o, outlen - o, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(out + o, outlen - o, "\\n");
		else if (ch == '\t')
			o += (size_t)snprintf(out + o, outlen - o, "\\t");
		else if (ch == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\\\");
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    ch);
		else
			out[o++] = (char)ch;
		out[o] = '\0';
	}
	if (len > n && o + 4 < outlen)
		snprintf(out + o, outlen - o, "...");
}

/*
 * Returns 1 when the address of ss lies on the subnet of an interface that
 * is up (so reaching it takes a neighbour lookup, no router), naming it.
 */
static int
on_link(const struct sockaddr_storage *ss, char *ifname, size_t len)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		const unsigned char *a, *m, *t;
		size_t n;

		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    i->ifa_addr->sa_family != ss->ss_family ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (ss->ss_family == AF_INET) {
			a = (const unsigned char *)&((struct sockaddr_in *)
			    i->ifa_addr)->sin_addr;
			m = (const unsigned char *)&((struct sockaddr_in *)
			    i->ifa_netmask)->sin_addr;
			t = (const unsigned char *)&((const struct sockaddr_in *)
			    ss)->sin_addr;
			n = 4;
		} else {
			a = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.
			    s6_addr;
			m = ((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.
			    s6_addr;
			t = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
			n = 16;
		}
		found = 1;
		for (size_t k = 0; k < n && found; k++)
			found = (a[k] & m[k]) == (t[k] & m[k]);
		if (found)
			snprintf(ifname, len, "%s", i->ifa_name);
	}
	freeifaddrs(ifa);
	return found;
}

/* Returns 1 when the loopback interface is up, 0 when down, -1 unknown. */
static int
loopback_up(void)
{
	struct ifaddrs *ifa, *i;
	int up = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_flags & IFF_LOOPBACK) {
			up = (i->ifa_flags & IFF_UP) != 0;
			break;
		}
	freeifaddrs(ifa);
	return up;
}

/*
 * Looks addr (IPv4) up in ROOT/net/arp: returns 1 when its entry is
 * complete (the neighbour answered), 0 when incomplete or failed, -1 when
 * there is none (no ARP request was made: the packet never got that far).
 */
static int
arp_state(const char *root, const struct sockaddr_storage *ss)
{
	char path[512], line[256], want[INET_ADDRSTRLEN], ip[64];
	unsigned flags;
	FILE *f;
	int st = -1;

	if (ss->ss_family != AF_INET)
		return -2;
	sa_fmt_host((const struct sockaddr *)ss, want, sizeof(want));
	snprintf(path, sizeof(path), "%s/net/arp", root);
	if ((f = fopen(path, "re")) == NULL)
		return -2;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%63s %*s %x", ip, &flags) == 2 &&
		    strcmp(ip, want) == 0) {
			st = (flags & 0x2) != 0;	/* ATF_COM */
			break;
		}
	fclose(f);
	return st;
}

/* Listeners on this machine (lib/procnet) */

struct lscan {
	const struct sockaddr_storage *dst;
	int		 nlisten;
	int		 match;		/* one accepts connections to dst */
	int		 match_v6any;	/* only through [::] (dual-stack?) */
	struct pn_sock	 m;
	char		 where[256];	/* the addresses listened on */
	int		 fam[2];	/* IPv4, IPv6 listeners seen */
	int		 to_dst;	/* sockets connected to dst */
	int		 to_dst_tw;	/* of those, in TIME_WAIT */
};

static int
is_any(const struct sockaddr_storage *ss)
{
	static const unsigned char zero[16];

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero,
	    16) == 0;
}

/* Whether a listener bound to l takes connections for d. */
static int
listens_for(const struct sockaddr_storage *l, const struct sockaddr_storage *d,
    int *via_v6any)
{
	struct sockaddr_in m4;

	*via_v6any = 0;
	if (l->ss_family == d->ss_family)
		return is_any(l) || same_addr(l, d);
	if (l->ss_family == AF_INET6 && d->ss_family == AF_INET) {
		if (is_any(l)) {
			/* unless it set IPV6_V6ONLY, which /proc does not show */
			*via_v6any = 1;
			return 1;
		}
		if (IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)l)->
		    sin6_addr)) {
			memset(&m4, 0, sizeof(m4));
			m4.sin_family = AF_INET;
			memcpy(&m4.sin_addr, ((const struct sockaddr_in6 *)l)->
			    sin6_addr.s6_addr + 12, 4);
			return same_addr((struct sockaddr_storage *)(void *)&m4,
			    d);
		}
	}
	return 0;
}

static int
lscan_fn(const struct pn_sock *s, void *arg)
{
	struct lscan *ls = arg;
	char h[ADDRSTR_MAX];
	size_t n;
	int v6any;

	if (s->state != PN_LISTEN)
		return 0;
	ls->nlisten++;
	ls->fam[s->local.ss_family == AF_INET6] = 1;
	n = strlen(ls->where);
	if (n + ADDRSTR_MAX + 4 < sizeof(ls->where)) {
		host_of(&s->local, h, sizeof(h));
		snprintf(ls->where + n, sizeof(ls->where) - n, "%s%s%s%s",
		    n ? ", " : "", s->local.ss_family == AF_INET6 ? "[" : "",
		    h, s->local.ss_family == AF_INET6 ? "]" : "");
	}
	if (listens_for(&s->local, ls->dst, &v6any) &&
	    (!ls->match || ls->match_v6any)) {
		ls->match = 1;
		ls->match_v6any = v6any;
		ls->m = *s;
	}
	return 0;
}

static int
conn_fn(const struct pn_sock *s, void *arg)
{
	struct lscan *ls = arg;
	int v6any;

	if (s->state == PN_LISTEN || sa_port((const struct sockaddr *)
	    &s->remote) != sa_port((const struct sockaddr *)ls->dst))
		return 0;
	if (same_addr(&s->remote, ls->dst) || (listens_for(&s->remote,
	    ls->dst, &v6any) && !is_any(&s->remote))) {
		ls->to_dst++;
		if (s->state == PN_TIME_WAIT)
			ls->to_dst_tw++;
	}
	return 0;
}

/* The event loop's work */

static int
retryable(const struct run *rn, enum reason r)
{
	if (r == RS_REFUSED || r == RS_TIMEOUT || r == RS_UNREACH)
		return 1;
	/* accepted is not ready: a reset or a wrong reply may pass */
	return (rn->sendlen > 0 || rn->have_re) && (r == RS_RESET ||
	    r == RS_EXPECT);
}

static void
att_close(struct attempt *a)
{
	struct run *rn = a->p->rn;

	loop_timer_cancel(rn->lp, &a->tm);
	if (a->io.fd != -1) {
		loop_unwatch(rn->lp, &a->io);
		close(a->io.fd);
		a->io.fd = -1;
	}
}

struct selfsock {
	struct sockaddr_storage	me;
	int			state;
};

static int
self_fn(const struct pn_sock *s, void *arg)
{
	struct selfsock *ss = arg;

	if (same_addr(&s->local, &ss->me) && sa_port((const struct sockaddr *)
	    &s->local) == sa_port((const struct sockaddr *)&ss->me)) {
		ss->state = s->state;
		return 1;
	}
	return 0;
}

/*
 * With -v: close in the open, tracing each TCP state. shutdown() sends
 * our FIN; a short wait lets the peer's FIN arrive; after close() the
 * socket lives on in /proc/net (TIME_WAIT on the side that closed first).
 */
static void
trace_close(struct attempt *a)
{
	struct run *rn = a->p->rn;
	const char *d = a->p->t->disp;
	struct selfsock look;
	socklen_t sl = sizeof(look.me);
	struct pollfd pfd;
	char buf[512];
	int fd = a->io.fd, st;

	memset(&look, 0, sizeof(look));
	look.state = -1;
	(void)getsockname(fd, (struct sockaddr *)&look.me, &sl);
	(void)shutdown(fd, SHUT_WR);
	st = sock_tcp_state(fd, NULL);
	if (st == PN_CLOSE)	/* on loopback the peer can be that quick */
		out_trace(rn->c, "%s: shutdown(SHUT_WR): CLOSE (our FIN was "
		    "answered by the peer's at once; the kernel keeps the "
		    "TIME_WAIT)", d);
	else
		out_trace(rn->c, "%s: shutdown(SHUT_WR): %s", d,
		    sock_state_name(st));
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (int i = 0; i < 4; i++) {
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0) {
			/* the socket reads CLOSE once the kernel moved it
			 * to a TIME_WAIT entry, shown after close below */
			out_trace(rn->c, "%s: recv: %s, TCP state %s", d,
			    n == 0 ? "the peer's FIN (EOF)" : "the peer's reset",
			    sock_state_name(sock_tcp_state(fd, NULL)));
			break;
		}
	}
	att_close(a);
	(void)pn_scan(rn->c->proc_root, IPPROTO_TCP,
	    sa_port((struct sockaddr *)&look.me), self_fn, &look);
	out_trace(rn->c, "%s: close(fd %d): %s", d, fd, look.state < 0 ?
	    "socket gone" : sock_state_name(look.state));
}

/* The attempt is over: ok, or failed at stage with err (or dx). */
static void
att_finish(struct attempt *a, int ok, enum stage st, int err, int dx)
{
	struct run *rn = a->p->rn;
	char h[ADDRSTR_MAX];

	a->end_ns = clock_ns();
	a->ok = ok;
	a->stage = st;
	a->err = err;
	a->dx = dx;
	a->ph = AP_DONE;
	if (!ok && a->io.fd != -1 && rn->c->trace) {
		if (st == ST_CONNECT)
			sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h));
		out_trace(rn->c, "%s: %s%s%s%s: %s after %.3f ms, TCP state %s",
		    a->p->t->disp, stage_name(st), st == ST_CONNECT ? "(" : "",
		    st == ST_CONNECT ? h : "", st == ST_CONNECT ? ")" : "",
		    err ? (errname(err) ? errname(err) : "error") :
		    diag_dx_name(dx),
		    ms_between(a->start_ns, a->end_ns),
		    sock_state_name(sock_tcp_state(a->io.fd, NULL)));
		out_trace(rn->c, "%s: close(fd %d)", a->p->t->disp, a->io.fd);
	}
	if (ok && rn->c->trace && a->io.fd != -1)
		trace_close(a);
	att_close(a);
	if (!a->p->in_start)
		round_check(a->p);
}

static int64_t
limit_ms(const struct run *rn, int64_t ms, int *cut)
{
	int64_t left;

	*cut = 0;
	if (rn->deadline_ns == 0)
		return ms;
	left = (rn->deadline_ns - clock_ns() + 999999) / 1000000;
	if (left < ms) {
		*cut = 1;
		return left > 0 ? left : 0;
	}
	return ms;
}

static void att_timer(struct loop *, struct loop_timer *);

static void
att_arm(struct attempt *a, int64_t ms)
{
	struct run *rn = a->p->rn;
	int cut;

	a->tm.fn = att_timer;
	a->tm.arg = a;
	ms = limit_ms(rn, ms, &cut);
	a->cut_armed = cut;
	(void)loop_timer_set(rn->lp, &a->tm, ms);
}

static void
start_recv(struct attempt *a)
{
	struct run *rn = a->p->rn;

	a->ph = AP_RECV;
	(void)loop_watch(rn->lp, &a->io, LOOP_READ);
	att_arm(a, rn->have_re ? rn->c->timeout_ms :
	    (rn->c->timeout_ms < SEND_GRACE_MS ? rn->c->timeout_ms :
	    SEND_GRACE_MS));
}

static void
do_send(struct attempt *a)
{
	struct run *rn = a->p->rn;
	ssize_t n;

	while (a->sent < rn->sendlen) {
		n = send(a->io.fd, rn->send + a->sent, rn->sendlen - a->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			att_finish(a, 0, ST_SEND, errno, 0);
			return;
		}
		a->sent += (size_t)n;
	}
	if (rn->c->trace)
		out_trace(rn->c, "%s: send: %zu bytes, TCP state %s",
		    a->p->t->disp, a->sent,
		    sock_state_name(sock_tcp_state(a->io.fd, NULL)));
	loop_timer_cancel(rn->lp, &a->tm);
	start_recv(a);
}

static void
do_recv(struct attempt *a)
{
	struct run *rn = a->p->rn;
	ssize_t n;

	for (;;) {
		if (a->rlen >= RECV_MAX) {
			/* no match in what a reply may sensibly hold */
			att_finish(a, !rn->have_re, ST_EXPECT, 0,
			    DX_EXPECT_MISMATCH);
			return;
		}
		n = recv(a->io.fd, a->rbuf + a->rlen, RECV_MAX - a->rlen,
		    MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			att_finish(a, 0, ST_RECV, errno, 0);
			return;
		}
		if (n == 0) {
			if (rn->c->trace)
				out_trace(rn->c, "%s: recv: EOF after %zu "
				    "bytes, TCP state %s", a->p->t->disp,
				    a->rlen, sock_state_name(sock_tcp_state(
				    a->io.fd, NULL)));
			if (rn->have_re)
				att_finish(a, 0, ST_EXPECT, 0,
				    DX_EXPECT_CLOSED);
			else if (a->rlen == 0)
				att_finish(a, 0, ST_RECV, 0, DX_PEER_CLOSED);
			else
				att_finish(a, 1, ST_NONE, 0, 0);
			return;
		}
		a->rlen += (size_t)n;
		a->rbuf[a->rlen] = '\0';
		if (rn->c->trace)
			out_trace(rn->c, "%s: recv: %zd bytes, TCP state %s",
			    a->p->t->disp, n, sock_state_name(sock_tcp_state(
			    a->io.fd, NULL)));
		if (rn->have_re && expect_match(&rn->re, a->rbuf, a->rlen)) {
			out_trace(rn->c, "%s: expect: matched", a->p->t->disp);
			att_finish(a, 1, ST_NONE, 0, 0);
			return;
		}
	}
}

/* Abandons the other attempts of a round once a has connected. */
static void
abandon_others(struct probe *p, struct attempt *win)
{
	for (int i = 0; i < p->cur.nstarted; i++) {
		struct attempt *a = &p->cur.att[i];

		if (a == win || a->ph == AP_DONE)
			continue;
		a->abandoned = 1;
		a->end_ns = clock_ns();
		a->ph = AP_DONE;
		a->stage = ST_CONNECT;
		a->err = ETIMEDOUT;
		att_close(a);
	}
}

static void
established(struct attempt *a)
{
	struct probe *p = a->p;
	struct run *rn = p->rn;
	char h[ADDRSTR_MAX];
	int st;

	a->est_ns = clock_ns();
	st = sock_tcp_state(a->io.fd, &a->rtt_ms);
	if (rn->c->trace)
		out_trace(rn->c, "%s: connect(%s): %s in %.3f ms, rtt %.3f ms",
		    p->t->disp, sa_fmt((struct sockaddr *)&a->sa, h,
		    sizeof(h)), sock_state_name(st), ms_between(a->start_ns,
		    a->est_ns), a->rtt_ms);
	loop_timer_cancel(rn->lp, &a->tm);
	if (!rn->all && p->cur.winner < 0) {
		p->cur.winner = a->idx;
		loop_timer_cancel(rn->lp, &p->tm);
		abandon_others(p, a);
	}
	if (rn->sendlen > 0 || rn->have_re) {
		a->rbuf = malloc(RECV_MAX + 1);
		if (a->rbuf == NULL) {
			att_finish(a, 0, ST_RECV, ENOMEM, 0);
			return;
		}
		a->rbuf[0] = '\0';
	}
	if (rn->sendlen > 0) {
		a->ph = AP_SEND;
		(void)loop_watch(rn->lp, &a->io, LOOP_WRITE);
		att_arm(a, rn->c->timeout_ms);
		do_send(a);
	} else if (rn->have_re)
		start_recv(a);
	else
		att_finish(a, 1, ST_NONE, 0, 0);
}

static void
connect_failed(struct attempt *a, int err)
{
	(void)icmp_read(a->io.fd, &a->icmp);
	att_finish(a, 0, ST_CONNECT, err, 0);
}

static void
att_io(struct loop *lp, struct loop_io *io, int ev)
{
	struct attempt *a = io->arg;
	struct run *rn = a->p->rn;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)lp;
	switch (a->ph) {
	case AP_CONNECT:
		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0)
			connect_failed(a, err);
		else if (ev & (LOOP_WRITE | LOOP_HUP))
			established(a);
		break;
	case AP_SEND:
		do_send(a);
		break;
	case AP_RECV:
		do_recv(a);
		break;
	default:
		break;
	}
	kick(rn);
}

static void
att_timer(struct loop *lp, struct loop_timer *t)
{
	struct attempt *a = t->arg;
	struct run *rn = a->p->rn;

	(void)lp;
	a->cut = a->cut_armed;
	switch (a->ph) {
	case AP_CONNECT:
		connect_failed(a, ETIMEDOUT);
		break;
	case AP_SEND:
		att_finish(a, 0, ST_SEND, ETIMEDOUT, 0);
		break;
	case AP_RECV:
		if (rn->have_re)
			att_finish(a, 0, ST_EXPECT, 0, DX_EXPECT_MISMATCH);
		else
			att_finish(a, 1, ST_NONE, 0, 0);
		break;
	default:
		break;
	}
	kick(rn);
}

/* Starts the attempt to p->cur.addrs[i]; it may be over when this returns. */
static void
att_start(struct probe *p, int i)
{
	struct run *rn = p->rn;
	struct attempt *a = &p->cur.att[i];
	char h[ADDRSTR_MAX];
	socklen_t len;
	int fd, rc, st, err = 0;

	memset(a, 0, sizeof(*a));
	a->p = p;
	a->idx = i;
	a->io.fd = -1;
	a->io.fn = att_io;
	a->io.arg = a;
	a->rtt_ms = NAN;
	a->sa = p->cur.addrs[i];
	a->start_ns = clock_ns();
	a->ph = AP_CONNECT;
	p->cur.nstarted = i + 1;
	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd == -1) {
		err = errno;
		out_trace(rn->c, "%s: socket(%s, SOCK_STREAM): %s",
		    p->t->disp, sock_family_name(a->sa.ss_family),
		    errname(err) ? errname(err) : strerror(err));
		a->immediate = 1;
		att_finish(a, 0, ST_SOCKET, err, 0);
		return;
	}
	a->io.fd = fd;
	if (rn->c->trace)
		out_trace(rn->c, "%s: socket(%s, SOCK_STREAM) = fd %d, TCP "
		    "state %s", p->t->disp, sock_family_name(a->sa.ss_family),
		    fd, sock_state_name(sock_tcp_state(fd, NULL)));
	rc = icmp_enable(fd, a->sa.ss_family);
	if (rn->c->trace)
		out_trace(rn->c, "%s: setsockopt(%s, on): %s, TCP state %s",
		    p->t->disp, a->sa.ss_family == AF_INET6 ? "IPV6_RECVERR" :
		    "IP_RECVERR", rc == 0 ? "ok (ICMP errors are queued)" :
		    errname(errno) ? errname(errno) : "failed",
		    sock_state_name(sock_tcp_state(fd, NULL)));
	p->connects++;
	rc = connect(fd, (struct sockaddr *)&a->sa,
	    sa_len((struct sockaddr *)&a->sa));
	if (rc == 0) {
		established(a);
		return;
	}
	if (errno != EINPROGRESS) {
		a->immediate = 1;
		connect_failed(a, errno);
		return;
	}
	/*
	 * On loopback the handshake, or the reset, is mostly over before
	 * connect() returns: then there is nothing to wait for. A pending
	 * error means the connection is closed (a reset, or a hard ICMP
	 * error); soft ICMP errors do not show here.
	 */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0) {
		connect_failed(a, err);
		return;
	}
	st = sock_tcp_state(fd, NULL);
	/* CLOSE_WAIT: connected, and the peer has already closed */
	if (st == PN_ESTABLISHED || st == PN_CLOSE_WAIT) {
		established(a);
		return;
	}
	if (rn->c->trace)
		out_trace(rn->c, "%s: connect(%s): in progress (EINPROGRESS), "
		    "TCP state %s", p->t->disp, sa_fmt((struct sockaddr *)
		    &a->sa, h, sizeof(h)), sock_state_name(st));
	if (loop_watch(rn->lp, &a->io, LOOP_WRITE) == -1) {
		att_finish(a, 0, ST_CONNECT, errno, 0);
		return;
	}
	att_arm(a, rn->c->timeout_ms);
}

/*
 * Whether --wait has run out. The loop's timers count whole milliseconds,
 * so the last millisecond counts as passed: a sleep of 0 ms would spin.
 */
static int
deadline_passed(const struct run *rn)
{
	return rn->deadline_ns != 0 && clock_ns() + 1000000 > rn->deadline_ns;
}

static int
running(const struct probe *p)
{
	int n = 0;

	for (int i = 0; i < p->cur.nstarted; i++)
		n += p->cur.att[i].ph != AP_DONE;
	return n;
}

/* Happy Eyeballs: starts the next address now, and arms the delay. */
static void
start_next(struct probe *p)
{
	struct run *rn = p->rn;

	p->in_start++;
	while (p->cur.winner < 0 && p->cur.nstarted < p->cur.naddr) {
		if (p->cur.nstarted > 0 && deadline_passed(rn)) {
			p->cur.cut = 1;
			p->cur.naddr = p->cur.nstarted;
			break;
		}
		att_start(p, p->cur.nstarted);
		if (p->cur.winner >= 0 || running(p) > 0)
			break;
	}
	p->in_start--;
	if (p->cur.winner < 0 && p->cur.nstarted < p->cur.naddr && running(p) > 0)
		(void)loop_timer_set(rn->lp, &p->tm, HE_DELAY_MS);
}

/* Results */

static void
extra_keys(struct probe *p, struct attempt *a, struct result *r)
{
	const struct round *rd = &p->last;
	struct jbuf *x = &r->extra;
	char h[ADDRSTR_MAX], buf[SHOW_MAX * 4 + 8];

	jb_knum(x, "resolve_ms", rd->resolve_ms);
	if (a != NULL && (a->est_ns != 0 || (a->stage == ST_CONNECT &&
	    !a->abandoned)))
		jb_knum(x, "connect_ms", ms_between(a->start_ns,
		    a->est_ns ? a->est_ns : a->end_ns));
	else
		jb_knull(x, "connect_ms");
	jb_knum(x, "rtt_ms", a != NULL && a->est_ns ? a->rtt_ms : NAN);
	jb_kint(x, "attempts", p->connects);
	if (a != NULL && a->rbuf != NULL) {
		show_bytes(a->rbuf, a->rlen, buf, sizeof(buf));
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
			struct attempt *t = &rd->att[i];
			const struct diag *d;

			jb_obj_open(x);
			jb_kstr(x, "address", host_of(&t->sa, h, sizeof(h)));
			if (t->ok)
				jb_kstr(x, "reason", "ok");
			else if (t->abandoned)
				jb_kstr(x, "reason", "abandoned");
			else {
				d = diag_find(t->stage, t->dx ? DK_SOCKCTL :
				    DK_ERRNO, t->dx ? t->dx : t->err);
				jb_kstr(x, "reason", reason_slug(d->reason));
			}
			jb_kstr(x, "errno", t->err && !t->abandoned ?
			    errname(t->err) : NULL);
			jb_obj_close(x);
		}
		jb_arr_close(x);
	}
}

static enum reason
att_reason(const struct attempt *a)
{
	const struct diag *d;

	if (a->ok)
		return RS_OK;
	d = diag_find(a->stage, a->dx ? DK_SOCKCTL : DK_ERRNO,
	    a->dx ? a->dx : a->err);
	return d->reason;
}

static void
table_cause(struct result *r)
{
	const struct diag *d;

	if (r->dx != 0)
		d = diag_find(r->stage, DK_SOCKCTL, r->dx);
	else if (r->eai != 0)
		d = diag_find(r->stage, DK_EAI, r->eai);
	else
		d = diag_find(r->stage, DK_ERRNO, r->err);
	result_cause(r, "%s", d->cause);
}

/* "the target itself (192.0.2.1)", "router 198.51.100.1", ... */
static const char *
sender(const struct attempt *a, char *buf, size_t len)
{
	char h[ADDRSTR_MAX];

	if (!a->icmp.has_offender) {
		snprintf(buf, len, "an unnamed sender");
		return buf;
	}
	host_of(&a->icmp.offender, h, sizeof(h));
	if (is_local(&a->icmp.offender))
		snprintf(buf, len, "%s, this machine's own stack%s", h,
		    same_addr(&a->icmp.offender, &a->sa) ?
		    " (the target is local)" : "");
	else if (same_addr(&a->icmp.offender, &a->sa))
		snprintf(buf, len, "%s, the target's own address (the "
		    "target, or a firewall answering in its name)", h);
	else
		snprintf(buf, len, "router %s", h);
	return buf;
}

/* Whether this machine sent the ICMP error (its firewall, or ARP/ND). */
static int
from_self(const struct attempt *a)
{
	return a->icmp.has_offender && is_local(&a->icmp.offender);
}

static int
lcache_fn(const struct pn_sock *s, void *arg)
{
	struct lcache *lc = arg;

	if (lc->n == lc->cap) {
		size_t cap = lc->cap ? lc->cap * 2 : 64;
		struct pn_sock *v;

		if (cap > LC_MAX || (v = reallocarray(lc->v, cap,
		    sizeof(*v))) == NULL) {
			lc->over = 1;
			return 1;
		}
		lc->v = v;
		lc->cap = cap;
	}
	lc->v[lc->n++] = *s;
	return 0;
}

/* The listeners on a's port, from the shared read when it is recent. */
static void
local_listeners(struct run *rn, const struct attempt *a, struct lscan *ls)
{
	struct lcache *lc = &rn->lc;
	int port = sa_port((const struct sockaddr *)&a->sa);

	memset(ls, 0, sizeof(*ls));
	ls->dst = &a->sa;
	/* a read after the attempt ended tells as much as a new one */
	if (!lc->over && lc->at_ns < a->end_ns) {
		lc->n = 0;
		lc->at_ns = clock_ns();
		if (pn_scan_states(rn->c->proc_root, IPPROTO_TCP, -1,
		    PN_STATE(PN_LISTEN), lcache_fn, lc) == -1)
			lc->over = 1;
	}
	if (lc->over) {
		(void)pn_scan_states(rn->c->proc_root, IPPROTO_TCP, port,
		    PN_STATE(PN_LISTEN), lscan_fn, ls);
		return;
	}
	for (size_t i = 0; i < lc->n; i++)
		if (sa_port((const struct sockaddr *)&lc->v[i].local) == port)
			(void)lscan_fn(&lc->v[i], ls);
}

static void
why_refused(struct run *rn, struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];
	struct lscan ls;
	int port = sa_port((struct sockaddr *)&a->sa);

	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0) {
		icmp_describe(&a->icmp, ib, sizeof(ib));
		result_cause(r, "an %s came back from %s instead of a TCP "
		    "reset: a firewall rejects the connection (REJECT with "
		    "icmp-port-unreachable); a closed TCP port answers with a "
		    "reset, not ICMP", ib, sender(a, sb, sizeof(sb)));
		result_fix(r, "check the firewall rules of %s (nft list "
		    "ruleset; iptables -S) for port %d",
		    from_self(a) ? "this machine" : "the target and the path",
		    port);
		return;
	}
	if (!is_local(&a->sa)) {
		table_cause(r);
		result_cause(r, "no ICMP error came back, so it was a TCP "
		    "reset: `ss -ltn` on %s tells an empty port from a "
		    "firewall's reset", h);
		return;
	}
	local_listeners(rn, a, &ls);
	if (ls.nlisten == 0) {
		result_cause(r, "nothing listens on port %d on this machine "
		    "(no LISTEN socket in %s/net/tcp or tcp6)", port,
		    rn->c->proc_root);
		result_fix(r, "start the service, or check the port it is "
		    "configured to listen on");
	} else if (!ls.match) {
		result_cause(r, "port %d listens here only on %s, not on %s",
		    port, ls.where, h);
		result_fix(r, "connect to the address it listens on, or make "
		    "the service listen on %s (or on %s)", h,
		    a->sa.ss_family == AF_INET6 ? "[::]" : "0.0.0.0");
	} else if (ls.match_v6any) {
		result_cause(r, "port %d listens here on [::] only: that "
		    "socket set IPV6_V6ONLY, so it takes no IPv4 connections "
		    "(or a firewall rule here rejects with tcp-reset)", port);
		result_fix(r, "make the service listen on 0.0.0.0 as well, or "
		    "connect over IPv6");
	} else {
		result_cause(r, "a socket listens on %s, yet the connection "
		    "was reset: probably a firewall rule on this machine "
		    "(REJECT with tcp-reset)", ls.where);
		result_fix(r, "check the local firewall: nft list ruleset; "
		    "iptables -S INPUT");
	}
}

static void
why_timeout(struct run *rn, struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX], ifn[IF_NAMESIZE];
	struct lscan ls;
	int port = sa_port((struct sockaddr *)&a->sa);
	int64_t t = rn->c->timeout_ms;

	host_of(&a->sa, h, sizeof(h));
	if (a->cut && a->end_ns - a->start_ns < t * 1000000) {
		result_cause(r, "no answer before the --wait deadline cut the "
		    "attempt short (after %.0f ms)", ms_between(a->start_ns,
		    a->end_ns));
	}
	if (is_loopback(&a->sa) && loopback_up() == 0) {
		result_cause(r, "the loopback interface is down: packets to "
		    "%s go nowhere, so the SYN is never answered", h);
		result_fix(r, "bring it up: ip link set lo up");
		return;
	}
	if (is_local(&a->sa)) {
		local_listeners(rn, a, &ls);
		/* the kernel drops a SYN once more than backlog connections
		 * wait; without the backlog (/proc/net/tcp) any wait counts */
		if (ls.match && ls.m.rxq > (ls.m.has_backlog ?
		    ls.m.backlog : 0)) {
			if (ls.m.has_backlog)
				result_cause(r, "the listener on port %d has a "
				    "full accept queue (%lu waiting, backlog "
				    "%lu): the application is not calling "
				    "accept(), so the kernel drops new SYNs",
				    port, ls.m.rxq, ls.m.backlog);
			else
				result_cause(r, "the listener on port %d has "
				    "%lu connection%s waiting in its accept "
				    "queue, probably a full accept queue (%s/net/"
				    "tcp does not show the backlog): the "
				    "application is not calling accept(), so "
				    "the kernel drops new SYNs", port, ls.m.rxq,
				    ls.m.rxq == 1 ? "" : "s", rn->c->proc_root);
			result_fix(r, "find out why the service stopped "
			    "accepting (hung, deadlocked, overloaded: ss -ltn "
			    "sport = :%d shows Recv-Q); a larger listen() "
			    "backlog only helps a slow one", port);
			return;
		}
		if (ls.match) {
			char bl[48] = "";

			if (ls.m.has_backlog)
				snprintf(bl, sizeof(bl), ", backlog %lu",
				    ls.m.backlog);
			result_cause(r, "a socket listens on %s:%d with room in "
			    "its accept queue (%lu waiting%s), so the SYN or "
			    "its answer was dropped: probably a firewall rule "
			    "on this machine", ls.where, port, ls.m.rxq, bl);
		} else {
			result_cause(r, "nothing listens on port %d here, yet "
			    "no reset came back: a firewall rule on this "
			    "machine drops the SYN (a closed port answers with "
			    "a reset)", port);
		}
		result_fix(r, "check the local firewall for a DROP rule: nft "
		    "list ruleset; iptables -S");
		return;
	}
	table_cause(r);
	if (a->icmp.origin != 0) {
		char ib[128], sb[160];

		result_cause(r, "an %s came from %s", icmp_describe(&a->icmp,
		    ib, sizeof(ib)), sender(a, sb, sizeof(sb)));
	}
	if (on_link(&a->sa, ifn, sizeof(ifn))) {
		int arp = arp_state(rn->c->proc_root, &a->sa);

		if (arp == 1)
			result_cause(r, "%s is on the local subnet of %s and "
			    "answered ARP (complete in %s/net/arp), so it is "
			    "up: probably a firewall there drops the SYN", h,
			    ifn, rn->c->proc_root);
		else if (arp == 0)
			result_cause(r, "%s is on the local subnet of %s and "
			    "has not answered ARP (incomplete in %s/net/arp): "
			    "no host has that address, or it is down", h, ifn,
			    rn->c->proc_root);
		else if (arp == -1)
			result_cause(r, "%s is on the local subnet of %s, yet "
			    "no ARP entry was made for it: the SYN probably "
			    "never left this machine (a DROP rule in the local "
			    "OUTPUT chain: nft list ruleset; iptables -S "
			    "OUTPUT)", h, ifn);
		if (t < ARP_GIVEUP_MS && (arp == 0 || arp == -2))
			result_cause(r, "the time limit (%lld ms) is shorter "
			    "than the ~3 s a failing neighbour lookup takes: "
			    "with a longer -t this may end as unreachable; ip "
			    "neigh show %s tells", (long long)t, h);
	} else
		result_cause(r, "a DROP rule and a host that is down look the "
		    "same from here; a router that knows the host is gone "
		    "would have sent an ICMP error");
}

/*
 * Whether a failed for want of a route on an IPv4-only network: a (not
 * IPv4-mapped) IPv6 address, no IPv6 default route here, an IPv4 one.
 */
static int
ipv6_gap(const struct run *rn, const struct attempt *a)
{
	int v4, v6;

	if (a->sa.ss_family != AF_INET6 || IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)&a->sa)->sin6_addr) ||
	    (a->err != ENETUNREACH && a->err != EHOSTUNREACH))
		return 0;
	if (si_default_routes(rn->c->proc_root, &v4, &v6) == -1)
		return 0;
	return v4 == 1 && v6 == 0;
}

static void
ipv6_gap_why(const struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX];

	host_of(&a->sa, h, sizeof(h));
	result_cause(r, "this machine has no IPv6 default route (ip -6 "
	    "route show default is empty) while IPv4 has one: an IPv4-only "
	    "network, where an IPv6 address off the local subnets, such as "
	    "%s, cannot be reached", h);
	result_fix(r, "use -4 or the host's IPv4 address, or give this "
	    "machine IPv6 connectivity (a default route: ip -6 route add "
	    "default via ROUTER)");
}

static void
why_unreach(struct run *rn, struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];

	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0) {
		icmp_describe(&a->icmp, ib, sizeof(ib));
		if (from_self(a) && a->icmp.kind == IK_HOST &&
		    a->end_ns - a->start_ns < 1000000000LL) {
			result_cause(r, "%s from %s after %.1f ms: a firewall "
			    "rule on this machine rejects the connection (REJECT "
			    "with icmp-host-unreachable); a neighbour that never "
			    "answers %s gives the same error, but only after "
			    "~3 s", ib, sender(a, sb, sizeof(sb)),
			    ms_between(a->start_ns, a->end_ns),
			    a->sa.ss_family == AF_INET6 ? "ND" : "ARP");
			result_fix(r, "check the local firewall: nft list "
			    "ruleset; iptables -S OUTPUT");
		} else if (from_self(a) && a->icmp.kind == IK_HOST) {
			result_cause(r, "no neighbour answered %s for %s on "
			    "the local network (%s from %s): the host is down "
			    "or not on that subnet", a->sa.ss_family ==
			    AF_INET6 ? "neighbour discovery" : "ARP", h, ib,
			    sender(a, sb, sizeof(sb)));
			result_fix(r, "check that %s is up and on this "
			    "network (ip neigh show %s shows FAILED)", h, h);
		} else if (same_addr(&a->icmp.offender, &a->sa) &&
		    a->icmp.has_offender && !from_self(a)) {
			result_cause(r, "%s from %s: a host does not report "
			    "itself unreachable, so a firewall on it (or in "
			    "front of it) rejects the connection%s", ib,
			    sender(a, sb, sizeof(sb)), a->icmp.kind ==
			    IK_ADMIN ? " (REJECT with admin-prohibited)" : "");
			result_fix(r, "check the firewall of %s for port %d "
			    "(nft list ruleset; iptables -S INPUT)", h,
			    sa_port((struct sockaddr *)&a->sa));
		} else if (a->icmp.kind == IK_ADMIN) {
			result_cause(r, "%s from %s: a firewall %s refuses the "
			    "connection", ib, sender(a, sb, sizeof(sb)),
			    from_self(a) ? "on this machine" :
			    "at that address");
			result_fix(r, "check the firewall rules %s (REJECT "
			    "with admin-prohibited)", from_self(a) ?
			    "here: nft list ruleset; iptables -S OUTPUT" :
			    "of the sender, or ask its owner");
		} else {
			result_cause(r, "%s from %s", ib, sender(a, sb,
			    sizeof(sb)));
			if (from_self(a) && a->icmp.kind == IK_NET &&
			    ipv6_gap(rn, a))
				ipv6_gap_why(a, r);
			else if (from_self(a))
				result_fix(r, "check this machine's route "
				    "to %s: ip route get %s", h, h);
			else
				result_fix(r, "the network beyond that sender "
				    "cannot reach %s: check the host and that "
				    "router's routes (traceroute %s)", h, h);
		}
		return;
	}
	if (a->immediate) {
		int gap = ipv6_gap(rn, a);

		if (a->err == EINVAL)
			result_cause(r, "connect() failed at once with EINVAL: "
			    "the route to %s is a blackhole, or the address is "
			    "one TCP cannot connect to (broadcast, multicast)",
			    h);
		else if (a->err == ENETUNREACH)
			result_cause(r, "this machine has no route to %s (the "
			    "connect failed before any packet left)", h);
		else if (a->err == EHOSTUNREACH)
			result_cause(r, "this machine's routing table refuses "
			    "%s before any packet left (an unreachable route, "
			    "or a neighbour that failed a moment ago)", h);
		else
			table_cause(r);
		if (gap) {
			ipv6_gap_why(a, r);
			return;
		}
		result_fix(r, "check the routes: ip route get %s%s", h,
		    a->err == EINVAL ? " (blackhole?)" : "");
		return;
	}
	table_cause(r);
	result_cause(r, "no ICMP error was queued, so this cannot tell a "
	    "router's report from a neighbour that never answered: ip neigh "
	    "show %s (FAILED: no ARP/ND answer) and traceroute %s tell them "
	    "apart", h, h);
}

static void
why_perm(struct run *rn, struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX], ib[128], sb[160];

	(void)rn;
	host_of(&a->sa, h, sizeof(h));
	if (a->icmp.origin != 0 && !from_self(a)) {
		result_cause(r, "an %s came back from %s: a firewall there "
		    "rejects the connection; not a permission problem on this "
		    "machine", icmp_describe(&a->icmp, ib, sizeof(ib)),
		    sender(a, sb, sizeof(sb)));
		result_fix(r, "check the firewall of the sender, or ask its "
		    "owner to allow port %d",
		    sa_port((struct sockaddr *)&a->sa));
		return;
	}
	if (a->icmp.origin != 0) {
		result_cause(r, "an %s came from this machine's own stack: a "
		    "local firewall rule rejects the connection",
		    icmp_describe(&a->icmp, ib, sizeof(ib)));
		result_fix(r, "check the local firewall: nft list ruleset; "
		    "iptables -S OUTPUT");
		return;
	}
	if (a->immediate && a->err == EACCES) {
		result_cause(r, "refused on this machine before any packet "
		    "left: a prohibit route to %s, or a security module "
		    "(SELinux, AppArmor) denying the connect", h);
		result_fix(r, "check the route (ip route get %s shows "
		    "'prohibit') and the security module's log (ausearch -m "
		    "avc; journalctl -k)", h);
		return;
	}
	table_cause(r);
}

static void
why_addrna(struct run *rn, struct attempt *a, struct result *r)
{
	char h[ADDRSTR_MAX];
	struct lscan ls;
	int lo, hi;

	sa_fmt((struct sockaddr *)&a->sa, h, sizeof(h));
	if (a->sa.ss_family == AF_INET6 && si_ipv6_disabled(
	    rn->c->proc_root) == 1) {
		result_cause(r, "IPv6 is disabled on this machine "
		    "(net.ipv6.conf.all.disable_ipv6), so no local IPv6 "
		    "address can reach %s", h);
		result_fix(r, "use IPv4 (-4), or enable IPv6: sysctl -w "
		    "net.ipv6.conf.all.disable_ipv6=0");
		return;
	}
	table_cause(r);
	memset(&ls, 0, sizeof(ls));
	ls.dst = &a->sa;
	(void)pn_scan(rn->c->proc_root, IPPROTO_TCP, -1, conn_fn, &ls);
	if (si_local_port_range(rn->c->proc_root, &lo, &hi) == 0)
		result_cause(r, "net.ipv4.ip_local_port_range is %d-%d (%d "
		    "ports); %d sockets here go to %s now, %d of them in "
		    "TIME_WAIT", lo, hi, hi - lo + 1, ls.to_dst, h,
		    ls.to_dst_tw);
}

static void
why_exchange(struct run *rn, struct attempt *a, struct result *r)
{
	char buf[SHOW_MAX * 4 + 8];
	double after = ms_between(a->est_ns, a->end_ns);

	show_bytes(a->rbuf ? a->rbuf : "", a->rlen, buf, sizeof(buf));
	switch (a->dx) {
	case DX_EXPECT_MISMATCH:
		if (a->rlen >= RECV_MAX)
			result_cause(r, "the reply did not match /%s/ in its "
			    "first %d bytes: '%s'", rn->expect, RECV_MAX, buf);
		else if (a->rlen == 0)
			result_cause(r, "nothing was received within %lld ms "
			    "of %s, so /%s/ could not match",
			    (long long)rn->c->timeout_ms, rn->sendlen ?
			    "sending" : "connecting", rn->expect);
		else
			result_cause(r, "the reply did not match /%s/ within "
			    "%lld ms; received %zu bytes: '%s'", rn->expect,
			    (long long)rn->c->timeout_ms, a->rlen, buf);
		return;
	case DX_EXPECT_CLOSED:
		if (a->rlen == 0)
			result_cause(r, "the peer accepted, then closed %.1f "
			    "ms later without sending anything: typical of a "
			    "proxy whose backend is down, or a service that "
			    "rejects this client", after);
		else
			result_cause(r, "the peer closed before the reply "
			    "matched /%s/; received %zu bytes: '%s'",
			    rn->expect, a->rlen, buf);
		return;
	case DX_PEER_CLOSED:
		result_cause(r, "the peer accepted, then closed %.1f ms later "
		    "without a reply: typical of a proxy whose backend is down, "
		    "or a service that rejects this client", after);
		return;
	default:
		break;
	}
	if (a->err == ECONNRESET || a->err == EPIPE) {
		result_cause(r, "the peer accepted, then reset the connection "
		    "%.1f ms later%s%s%s: typical of a proxy whose backend is "
		    "down, or a service that rejects this client", after,
		    a->rlen ? " after sending '" : "", a->rlen ? buf : "",
		    a->rlen ? "'" : "");
		return;
	}
	if (a->err == ETIMEDOUT) {
		result_cause(r, "the peer did not take the data within %lld "
		    "ms (its receive window stayed full)",
		    (long long)rn->c->timeout_ms);
		return;
	}
	table_cause(r);
}

static void
why_resource(struct run *rn, struct result *r)
{
	table_cause(r);
	ev_limits(rn->c, r, r->err);
	if (rn->jobs > 64)
		result_fix(r, "or lower -j (now %lld)", rn->jobs);
}

/* Fills r for attempt a of probe p (target, address, reason, evidence). */
/* The cause and fix of a failed attempt, with this machine's evidence. */
static void
why_failed(struct run *rn, struct attempt *a, struct result *r)
{
	enum reason rs = att_reason(a);

	if (a->stage == ST_CONNECT && a->err == ECONNRESET) {
		/* the handshake completed, and the reset came before we
		 * looked: on loopback that takes microseconds */
		result_cause(r, "the peer accepted, then reset the connection "
		    "at once (within %.1f ms of connecting): typical of a proxy "
		    "whose backend is down, or a service that rejects this "
		    "client", ms_between(a->start_ns, a->end_ns));
	} else if (a->stage == ST_SEND || a->stage == ST_RECV ||
	    a->stage == ST_EXPECT)
		why_exchange(rn, a, r);
	else if (rs == RS_REFUSED)
		why_refused(rn, a, r);
	else if (rs == RS_TIMEOUT)
		why_timeout(rn, a, r);
	else if (rs == RS_UNREACH)
		why_unreach(rn, a, r);
	else if (rs == RS_PERM)
		why_perm(rn, a, r);
	else if (rs == RS_ADDRNA)
		why_addrna(rn, a, r);
	else if (rs == RS_RESOURCE)
		why_resource(rn, r);
}

static void
att_result(struct probe *p, struct attempt *a, struct result *r)
{
	const struct round *rd = &p->last;
	struct run *rn = p->rn;
	char hp[ADDRSTR_MAX];

	snprintf(r->target, sizeof(r->target), "%s", p->t->disp);
	host_of(&a->sa, r->address, sizeof(r->address));
	r->port = sa_port((struct sockaddr *)&a->sa);
	r->family = a->sa.ss_family;
	r->elapsed_ms = ms_between(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	extra_keys(p, a, r);
	if (a->ok) {
		char more[256] = "";
		size_t n = 0;

		sa_fmt((struct sockaddr *)&a->sa, hp, sizeof(hp));
		if (!isnan(rd->resolve_ms) && !rd->numeric)
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", resolve %.2f ms", rd->resolve_ms);
		if (p->connects > 1 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", %d attempts", p->connects);
		if (rn->have_re && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", reply matched after %zu bytes", a->rlen);
		else if (rn->sendlen > 0 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", sent %zu bytes, %zu received", a->sent,
			    a->rlen);
		if (rn->wait_set && p->rounds > 1 && n < sizeof(more))
			snprintf(more + n, sizeof(more) - n, ", ready after "
			    "%.1f s", r->elapsed_ms / 1000);
		if (rd->numeric)
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s in %.2f ms (rtt %.2f ms%s)", hp,
			    ms_between(a->start_ns, a->est_ns), a->rtt_ms,
			    more);
		else
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s via %s in %.2f ms (rtt %.2f ms%s)",
			    p->t->disp, hp, ms_between(a->start_ns, a->est_ns),
			    a->rtt_ms, more);
		return;
	}
	r->stage = a->stage;
	r->err = a->err;
	r->dx = a->dx;
	/* -q shows the slug and the errno name, never the cause: the
	 * evidence (listener tables, routes) is not worth looking up */
	if (!rn->c->quiet)
		why_failed(rn, a, r);
	result_diagnose(r);
}

static int
is_nodata(int eai)
{
#ifdef EAI_NODATA
	if (eai == EAI_NODATA)
		return 1;
#endif
#ifdef EAI_ADDRFAMILY
	if (eai == EAI_ADDRFAMILY)
		return 1;
#endif
	(void)eai;
	return 0;
}

/*
 * After -4/-6 found nothing: resolves the name for any family and writes
 * the addresses it has into buf. Returns how many there are.
 */
static int
other_family(struct probe *p, char *buf, size_t len)
{
	struct addrinfo *res, *ai;
	char h[ADDRSTR_MAX];
	size_t m = 0;
	int n = 0;

	if (rs_sync(p->t->ep.host, AF_UNSPEC, &res) != 0)
		return 0;
	buf[0] = '\0';
	for (ai = res; ai != NULL && n < 4; ai = ai->ai_next, n++)
		m += (size_t)snprintf(buf + m, len > m ? len - m : 0, "%s%s",
		    n ? ", " : "", sa_fmt_host(ai->ai_addr, h, sizeof(h)));
	freeaddrinfo(res);
	return n;
}

static void
resolve_result(struct probe *p, struct result *r)
{
	const struct round *rd = &p->last;
	struct run *rn = p->rn;
	char ns[256];
	int nns;

	snprintf(r->target, sizeof(r->target), "%s", p->t->disp);
	r->port = p->t->ep.port;
	r->elapsed_ms = ms_between(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	r->stage = ST_RESOLVE;
	extra_keys(p, NULL, r);
	if (rd->naddr == 0 && rd->eai == 0 && !rd->rs_cut) {
		r->dx = DX_NO_ADDRESS;
		if (rd->numeric)
			result_cause(r, "%s is an %s address, but %s was "
			    "given", p->t->ep.host, fam_word(rn->c->family ==
			    AF_INET ? AF_INET6 : AF_INET), rn->c->family ==
			    AF_INET ? "-4" : "-6");
		result_diagnose(r);
		return;
	}
	r->eai = rd->eai;
	if (rd->eai == EAI_SYSTEM)
		r->err = rd->eai_err;
	if (rd->eai == EAI_SYSTEM && (r->err == EMFILE || r->err == ENFILE ||
	    r->err == ENOMEM || r->err == ENOBUFS)) {
		/* not the name's fault: say which limit, as for a socket */
		r->eai = 0;
		result_diagnose(r);
		result_cause(r, "so %s could not be looked up (nothing is "
		    "known about the name)", p->t->ep.host);
		ev_limits(rn->c, r, r->err);
		return;
	}
	if (rd->eai == EAI_MEMORY) {
		result_diagnose(r);
		ev_limits(rn->c, r, ENOMEM);
		return;
	}
	nns = si_nameservers(NULL, ns, sizeof(ns));
	if (rn->c->family != AF_UNSPEC && !rd->rs_cut && (rd->eai ==
	    EAI_NONAME || is_nodata(rd->eai)) && other_family(p, ns,
	    sizeof(ns))) {
		/* glibc says EAI_NONAME for a name of the other family only */
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given); it resolves to %s", p->t->ep.host,
		    fam_word(rn->c->family), rn->c->family == AF_INET ? "-4" :
		    "-6", ns);
		result_fix(r, "drop %s, or add the missing %s record",
		    rn->c->family == AF_INET ? "-4" : "-6",
		    rn->c->family == AF_INET ? "A" : "AAAA");
		result_diagnose(r);
		return;
	}
	if (rd->rs_cut) {
		r->eai = EAI_AGAIN;
		result_cause(r, "the resolver gave no answer for %s within "
		    "%.0f ms%s", p->t->ep.host, ms_between(rd->rs_ns,
		    clock_ns()), rd->cut ? " (the --wait deadline)" : "");
	} else if (rd->eai == EAI_NONAME)
		result_cause(r, "no such name: the resolver answered that %s "
		    "does not exist (this will not change by waiting)",
		    p->t->ep.host);
	else if (rd->eai == EAI_AGAIN)
		result_cause(r, "%s could not be resolved now: the resolver "
		    "did not answer (temporary; retrying may work)",
		    p->t->ep.host);
#ifdef EAI_NODATA
	else if ((rd->eai == EAI_NODATA
#ifdef EAI_ADDRFAMILY
	    || rd->eai == EAI_ADDRFAMILY
#endif
	    ) && rn->c->family != AF_UNSPEC)
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given)", p->t->ep.host, fam_word(rn->c->family),
		    rn->c->family == AF_INET ? "-4" : "-6");
#endif
	if (rd->eai == EAI_NONAME || rd->eai == EAI_AGAIN || rd->rs_cut ||
	    rd->eai == EAI_FAIL) {
		if (nns > 0)
			result_cause(r, "nameservers: %s (from "
			    "/etc/resolv.conf)", ns);
		else
			result_cause(r, "no nameserver line in "
			    "/etc/resolv.conf: the resolver asks 127.0.0.1");
	}
	result_diagnose(r);
}

/*
 * When some addresses of a name answer and others do not, says so in one
 * sentence into buf. Returns 1 when it wrote one.
 */
static int
conclude(struct probe *p, char *buf, size_t len)
{
	const struct round *rd = &p->last;
	int okf[2] = { 0, 0 }, badf[2] = { 0, 0 }, nok = 0, nbad = 0;
	int local = 0, refused = 0;
	struct attempt *first = NULL, *bad = NULL;
	char h[ADDRSTR_MAX], fh[ADDRSTR_MAX];
	const char *verb;

	if (rd->numeric || rd->naddr < 2)
		return 0;
	for (int i = 0; i < rd->nstarted; i++) {
		struct attempt *a = &rd->att[i];
		int f = a->sa.ss_family == AF_INET6;

		if (a->abandoned)
			continue;
		if (a->ok || a->est_ns != 0) {
			okf[f] = 1;
			nok++;
		} else {
			badf[f] = 1;
			nbad++;
			if (bad == NULL)
				bad = a;
			local |= is_local(&a->sa);
			refused |= att_reason(a) == RS_REFUSED;
		}
	}
	if (nok == 0 || nbad == 0)
		return 0;
	/* the resolver's first address, before interleaving */
	first = &rd->att[0];
	verb = local && refused ? "listens" : "answers";
	host_of(&bad->sa, h, sizeof(h));
	host_of(&first->sa, fh, sizeof(fh));
	if (okf[0] && !okf[1] && badf[1])
		snprintf(buf, len, "%s %s on IPv4 only (%s: %s)",
		    p->t->ep.host, verb, h, reason_slug(att_reason(bad)));
	else if (okf[1] && !okf[0] && badf[0])
		snprintf(buf, len, "%s %s on IPv6 only (%s: %s)",
		    p->t->ep.host, verb, h, reason_slug(att_reason(bad)));
	else
		snprintf(buf, len, "%s %s on %d of its %d addresses (%s: %s)",
		    p->t->ep.host, verb, nok, nok + nbad, h,
		    reason_slug(att_reason(bad)));
	if (!(first->ok || first->est_ns != 0) && !first->abandoned) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "; %s resolves to %s first, so "
		    "clients that try one address fail", p->t->ep.host, fh);
	} else {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "; clients that try %s fail", h);
	}
	return 1;
}

/* Picks the failure that speaks for the round (the most telling one). */
static struct attempt *
representative(const struct round *rd)
{
	for (int i = 0; i < rd->nstarted; i++) {
		struct attempt *a = &rd->att[i];
		enum reason rs = att_reason(a);

		if (a->abandoned)
			continue;
		if (rs == RS_ADDRNA || (a->immediate && (a->err ==
		    ENETUNREACH || a->err == EAFNOSUPPORT)))
			continue;
		return a;
	}
	for (int i = 0; i < rd->nstarted; i++)
		if (!rd->att[i].abandoned)
			return &rd->att[i];
	return &rd->att[0];
}

static void
build_results(struct probe *p, struct result **out, int *nout)
{
	const struct round *rd = &p->last;
	struct run *rn = p->rn;
	struct result *rs;
	char concl[512], h[ADDRSTR_MAX];
	int n, okc;

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
	okc = conclude(p, concl, sizeof(concl));
	if (rn->all) {
		for (int i = 0; i < n; i++) {
			result_init(&rs[i], rn->c);
			att_result(p, &rd->att[i], &rs[i]);
			if (!okc)
				continue;
			if (rd->att[i].ok)
				result_fix(&rs[i], "%s", concl);
			else
				result_cause(&rs[i], "%s", concl);
		}
		*out = rs;
		*nout = n;
		return;
	}
	result_init(&rs[0], rn->c);
	if (rd->winner >= 0) {
		att_result(p, &rd->att[rd->winner], &rs[0]);
		if (okc && rd->att[rd->winner].ok)
			result_fix(&rs[0], "%s", concl);
		else if (okc)
			result_cause(&rs[0], "%s", concl);
		for (int i = 0; i < rd->nstarted; i++)
			if (rd->att[i].abandoned && rd->att[rd->winner].ok) {
				char wh[ADDRSTR_MAX];

				result_fix(&rs[0], "%s had not answered after "
				    "%d ms, so %s was tried next (RFC 8305); "
				    "it was dropped when that connected",
				    host_of(&rd->att[i].sa, h, sizeof(h)),
				    HE_DELAY_MS, host_of(&rd->att[rd->winner].sa,
				    wh, sizeof(wh)));
				break;
			}
	} else {
		struct attempt *a = representative(rd);
		char list[512];
		size_t m = 0;

		att_result(p, a, &rs[0]);
		list[0] = '\0';
		for (int i = 0; i < rd->nstarted && m < sizeof(list); i++) {
			struct attempt *t = &rd->att[i];

			m += (size_t)snprintf(list + m, sizeof(list) - m,
			    "%s%s %s%s%s%s", i ? ", " : "",
			    host_of(&t->sa, h, sizeof(h)),
			    reason_slug(att_reason(t)),
			    t->err ? " (" : "", t->err && errname(t->err) ?
			    errname(t->err) : "", t->err ? ")" : "");
		}
		if (rd->nstarted > 1)
			result_cause(&rs[0], "%s resolves to %d addresses, all "
			    "failed: %s", p->t->ep.host, rd->nstarted, list);
	}
	*out = rs;
	*nout = 1;
}

static void
free_results(struct result *rs, int n)
{
	for (int i = 0; i < n; i++)
		result_free(&rs[i]);
	free(rs);
}

/* Closes and frees the attempts of a round. */
static void
free_round(struct round *rd)
{
	free(rd->addrs);
	rd->addrs = NULL;
	if (rd->att == NULL)
		return;
	for (int i = 0; i < rd->nstarted; i++) {
		att_close(&rd->att[i]);
		free(rd->att[i].rbuf);
	}
	free(rd->att);
	rd->att = NULL;
	rd->nstarted = 0;
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
	el = ms_between(rn->t0_ns, clock_ns()) / 1000;
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
	free_round(&p->cur);
	p->st = PS_DONE;
	rn->active--;
	rn->ndone++;
}

static void
probe_timer(struct loop *lp, struct loop_timer *t)
{
	struct probe *p = t->arg;
	struct run *rn = p->rn;

	(void)lp;
	switch (p->st) {
	case PS_RESOLVING:
		rs_abandon(p->rq);
		p->rq = NULL;
		rn->abandoned = 1;
		p->cur.rs_cut = 1;
		p->cur.cut = deadline_passed(rn) && clock_ns() - p->cur.rs_ns <
		    rn->c->timeout_ms * 1000000;
		out_trace(rn->c, "%s: resolve: no answer within %.0f ms",
		    p->t->disp, ms_between(p->cur.rs_ns, clock_ns()));
		round_check(p);
		break;
	case PS_CONNECTING:
		start_next(p);
		round_check(p);
		break;
	case PS_SLEEP:
		if (deadline_passed(rn))
			probe_done(p);
		else
			round_begin(p);
		break;
	default:
		break;
	}
	kick(rn);
}

/* Interleaves families (RFC 8305 section 4) and sets the port. */
static void
take_addrs(struct probe *p, struct addrinfo *res)
{
	struct sockaddr_storage fam[2][MAX_ADDRS];
	int nf[2] = { 0, 0 }, first = -1, n = 0;

	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int f, dup = 0;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		f = ai->ai_family == AF_INET6;
		if (nf[f] >= MAX_ADDRS)
			continue;
		if (first < 0)
			first = f;
		memset(&fam[f][nf[f]], 0, sizeof(fam[f][0]));
		memcpy(&fam[f][nf[f]], ai->ai_addr, ai->ai_addrlen);
		for (int i = 0; i < nf[f] && !dup; i++)
			dup = same_addr(&fam[f][i], &fam[f][nf[f]]);
		if (!dup)
			nf[f]++;
	}
	if (first < 0) {
		p->cur.naddr = 0;
		return;
	}
	if (p->rn->all) {
		/* the resolver's own order */
		for (struct addrinfo *ai = res; ai != NULL && n < MAX_ADDRS;
		    ai = ai->ai_next) {
			int dup = 0;

			if (ai->ai_family != AF_INET &&
			    ai->ai_family != AF_INET6)
				continue;
			memset(&p->cur.addrs[n], 0, sizeof(p->cur.addrs[n]));
			memcpy(&p->cur.addrs[n], ai->ai_addr, ai->ai_addrlen);
			for (int i = 0; i < n && !dup; i++)
				dup = same_addr(&p->cur.addrs[i], &p->cur.addrs[n]);
			if (!dup)
				n++;
		}
	} else {
		for (int i = 0; n < MAX_ADDRS && (i < nf[0] || i < nf[1]);
		    i++) {
			if (i < nf[first] && n < MAX_ADDRS)
				p->cur.addrs[n++] = fam[first][i];
			if (i < nf[!first] && n < MAX_ADDRS)
				p->cur.addrs[n++] = fam[!first][i];
		}
	}
	for (int i = 0; i < n; i++)
		sa_set_port((struct sockaddr *)&p->cur.addrs[i], p->t->ep.port);
	p->cur.naddr = n;
}

static void
connect_begin(struct probe *p)
{
	struct run *rn = p->rn;

	p->st = PS_CONNECTING;
	p->cur.winner = -1;
	p->cur.nstarted = 0;
	p->cur.att = calloc((size_t)p->cur.naddr, sizeof(*p->cur.att));
	if (p->cur.att == NULL) {
		/* reported like a resolver out of memory: no address tried */
		p->cur.naddr = 0;
		p->cur.eai = EAI_SYSTEM;
		p->cur.eai_err = ENOMEM;
		round_check(p);
		return;
	}
	for (int i = 0; i < p->cur.naddr; i++)
		p->cur.att[i].io.fd = -1;
	if (rn->all) {
		p->in_start++;
		for (int i = 0; i < p->cur.naddr; i++)
			att_start(p, i);
		p->in_start--;
	} else
		start_next(p);
	round_check(p);
}

static void
resolved(struct probe *p, struct addrinfo *res, int eai, int err,
    int64_t end_ns)
{
	struct run *rn = p->rn;
	char list[256], h[ADDRSTR_MAX];
	size_t m = 0;

	p->cur.resolve_ms = ms_between(p->cur.rs_ns, end_ns);
	p->cur.eai = eai;
	p->cur.eai_err = err;
	if (eai == 0)
		take_addrs(p, res);
	if (res != NULL)
		freeaddrinfo(res);
	if (eai != 0) {
		out_trace(rn->c, "%s: resolve %s: %s after %.3f ms",
		    p->t->disp, p->t->ep.host, eai_name(eai) ? eai_name(eai) :
		    gai_strerror(eai), p->cur.resolve_ms);
		p->st = PS_CONNECTING;
		round_check(p);
		return;
	}
	list[0] = '\0';
	for (int i = 0; i < p->cur.naddr && m < sizeof(list); i++)
		m += (size_t)snprintf(list + m, sizeof(list) - m, "%s%s",
		    i ? ", " : "", host_of(&p->cur.addrs[i], h, sizeof(h)));
	out_trace(rn->c, "%s: resolve %s: %d address%s in %.3f ms: %s",
	    p->t->disp, p->t->ep.host, p->cur.naddr, p->cur.naddr == 1 ? "" : "es",
	    p->cur.resolve_ms, list);
	if (p->cur.naddr == 0) {
		p->st = PS_CONNECTING;
		round_check(p);
		return;
	}
	connect_begin(p);
}

static void
round_begin(struct probe *p)
{
	struct run *rn = p->rn;
	struct sockaddr_storage ss;
	struct addrinfo *res = NULL;
	int eai, cut;

	free_round(&p->cur);
	p->rounds++;
	p->cur.eai = 0;
	p->cur.eai_err = 0;
	p->cur.rs_cut = 0;
	p->cur.cut = 0;
	p->cur.naddr = 0;
	p->cur.winner = -1;
	p->cur.resolve_ms = NAN;
	p->tm.fn = probe_timer;
	p->tm.arg = p;
	p->cur.rs_ns = clock_ns();
	/* only the probes in flight hold addresses: a sweep of 10 000
	 * targets does not keep 2 KiB for each */
	p->cur.addrs = reallocarray(NULL, MAX_ADDRS, sizeof(*p->cur.addrs));
	if (p->cur.addrs == NULL) {
		/* reported like a resolver out of memory */
		p->cur.eai = EAI_SYSTEM;
		p->cur.eai_err = ENOMEM;
		p->st = PS_CONNECTING;
		round_check(p);
		return;
	}
	if (sa_from_numeric(p->t->ep.host, p->t->ep.port, &ss) == 0) {
		/* an address literal: no resolver, no NSS */
		p->cur.numeric = 1;
		p->cur.resolve_ms = ms_between(p->cur.rs_ns, clock_ns());
		if (rn->c->family == AF_UNSPEC ||
		    rn->c->family == ss.ss_family) {
			p->cur.addrs[0] = ss;
			p->cur.naddr = 1;
			connect_begin(p);
		} else {
			p->st = PS_CONNECTING;
			round_check(p);
		}
		return;
	}
	p->st = PS_RESOLVING;
	p->rq = rs_start(p->t->ep.host, rn->c->family, rn->rfd[1]);
	if (p->rq == NULL) {
		/* no thread to be had: resolve here */
		out_trace(rn->c, "%s: no resolver thread (%s); resolving %s "
		    "inline, not bounded by -t", p->t->disp, strerror(errno),
		    p->t->ep.host);
		eai = rs_sync(p->t->ep.host, rn->c->family, &res);
		resolved(p, res, eai, eai == EAI_SYSTEM ? errno : 0,
		    clock_ns());
		return;
	}
	(void)loop_timer_set(rn->lp, &p->tm, limit_ms(rn, rn->c->timeout_ms,
	    &cut));
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
	for (size_t i = 0; i < rn->n; i++) {
		struct probe *p = &rn->pr[i];
		struct addrinfo *res;
		int64_t end;
		int eai, err;

		if (p->st != PS_RESOLVING || p->rq == NULL)
			continue;
		if (rs_collect(p->rq, &res, &eai, &err, &end)) {
			p->rq = NULL;
			loop_timer_cancel(rn->lp, &p->tm);
			resolved(p, res, eai, err, end);
		}
	}
	kick(rn);
}

/*
 * Says how the round went from its reasons alone (cheap: the evidence is
 * gathered when the result is printed, so it delays no other target's
 * timing): sets *retry, writes the cause for the progress line to why.
 * Returns 1 for success.
 */
static int
round_outcome(struct probe *p, const struct round *rd, int *retry,
    char *why, size_t len)
{
	struct run *rn = p->rn;
	const struct attempt *a;
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
		    a == representative(rd))) {
			if (a->ok || a->abandoned)
				continue;
			r = att_reason(a);
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

/* Ends the round when nothing is left running in it. */
static void
round_check(struct probe *p)
{
	struct run *rn = p->rn;
	char why[sizeof(p->why)];
	int ok, retry, cut = p->cur.cut;
	int64_t left;

	if (p->in_start)
		return;
	if (p->st == PS_RESOLVING && p->rq != NULL)
		return;
	if (p->st != PS_RESOLVING && p->st != PS_CONNECTING)
		return;
	if (p->st == PS_CONNECTING && p->cur.att != NULL) {
		if (!rn->all && p->cur.winner < 0 &&
		    p->cur.nstarted < p->cur.naddr && running(p) == 0)
			start_next(p);
		if (running(p) > 0)
			return;
	}
	loop_timer_cancel(rn->lp, &p->tm);
	for (int i = 0; i < p->cur.nstarted; i++)
		cut |= p->cur.att[i].cut && !p->cur.att[i].ok;
	ok = round_outcome(p, &p->cur, &retry, why, sizeof(why));
	if (cut && !ok && p->have_last) {
		/* a round the deadline cut short says less than the last */
		free_round(&p->cur);
	} else {
		free_round(&p->last);
		p->last = p->cur;
		/* the addresses stay with cur (freed with it); the attempts,
		 * each with its address, move to last */
		p->last.addrs = NULL;
		p->cur.att = NULL;
		p->cur.nstarted = 0;
		p->have_last = 1;
		p->ok = ok;
		p->retry = retry;
		snprintf(p->why, sizeof(p->why), "%s", why);
	}
	if (ok || !rn->wait_set || !p->retry || deadline_passed(rn)) {
		p->end_ns = clock_ns();
		probe_done(p);
		return;
	}
	left = (rn->deadline_ns - clock_ns()) / 1000000;
	if (left > rn->interval_ms)
		left = rn->interval_ms;
	out_trace(rn->c, "%s: round %d: %s; retrying in %lld ms", p->t->disp,
	    p->rounds, p->why, (long long)left);
	p->st = PS_SLEEP;
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

		if (p->st == PS_CONNECTING && p->cur.att != NULL &&
		    running(p) > 0)
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
			rs[i].elapsed_ms = ms_between(p->t0_ns, p->end_ns);
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
	free_round(&p->last);
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

	if (ep->port == 0)
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
		if (i + 1 < n && looks_like_port(args[i + 1]) &&
		    args[i][0] != '[') {
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

/*
 * Descriptors open below limit (numbers at or above it, inherited from a
 * parent with a higher limit, take no slot), or -1 when /proc cannot tell.
 */
static long
fds_open(long limit)
{
	struct dirent *e;
	long n = 0;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' && atol(e->d_name) < limit;
	closedir(d);
	return n - 1;	/* the directory's own */
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
	open = fds_open((long)rl.rlim_cur);
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

int
cmd_probe_connect(struct ctx *c, int argc, char **argv)
{
	struct run rn;
	struct tvec tv;
	int64_t wait_ms = 0, interval_ms = 1000;
	long long jobs = 64;
	const char *send = NULL, *expect = NULL, *targets = NULL;
	int all = 0, wait_set = 0, npos, rc;
	char err[256];
	const struct opt opts[] = {
		{ "wait", 0, OT_DUR, &wait_ms, "DUR",
		    "retry until success or DUR has passed", 0, 0, &wait_set },
		{ "interval", 0, OT_DUR, &interval_ms, "DUR",
		    "pause between retries (default 1s)", 0, 0, NULL },
		{ "send", 0, OT_STR, &send, "TEXT",
		    "send TEXT after connecting (\\r \\n \\t \\\\ \\xNN)", 0, 0,
		    NULL },
		{ "expect", 0, OT_STR, &expect, "PATTERN",
		    "read until the reply matches this POSIX ERE", 0, 0, NULL },
		{ "all", 0, OT_FLAG, &all, NULL,
		    "try and report every resolved address", 0, 0, NULL },
		{ "targets", 0, OT_STR, &targets, "FILE",
		    "read targets from FILE (- for stdin), one a line", 0, 0,
		    NULL },
		{ "jobs", 'j', OT_INT, &jobs, "N",
		    "probe at most N targets at once (default 64)", 1, 4096,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	memset(&rn, 0, sizeof(rn));
	memset(&tv, 0, sizeof(tv));
	rn.rfd[0] = rn.rfd[1] = -1;
	if ((rc = parse_args(c, argv + 1, npos, &tv)) != 0)
		goto out;
	if (targets != NULL && (rc = parse_file(c, targets, &tv)) != 0)
		goto out;
	if (tv.n == 0) {
		rc = targets != NULL ? out_usage(c, "no target in --targets "
		    "'%s'", targets) : out_usage(c, "missing TARGET (HOST:PORT, "
		    "[IPV6]:PORT or HOST PORT)");
		goto out;
	}
	rn.c = c;
	rn.jobs = jobs;
	rn.all = all;
	rn.wait_set = wait_set;
	rn.wait_ms = wait_ms;
	rn.interval_ms = interval_ms < MIN_INTERVAL_MS ? MIN_INTERVAL_MS :
	    interval_ms;
	rn.expect = expect;
	if (send != NULL) {
		long n;

		rn.send = malloc(strlen(send) + 1);
		if (rn.send == NULL) {
			rc = setup_failed(c, "--send", ENOMEM);
			goto out;
		}
		n = esc_decode(send, rn.send, err, sizeof(err));
		if (n < 0) {
			rc = out_usage(c, "--send: %s", err);
			goto out;
		}
		rn.sendlen = (size_t)n;
	}
	if (expect != NULL) {
		if (expect_compile(&rn.re, expect, err, sizeof(err)) == -1) {
			rc = out_usage(c, "invalid --expect pattern '%.60s': %s",
			    expect, err);
			goto out;
		}
		rn.have_re = 1;
	}
	rn.n = tv.n;
	rn.pr = calloc(tv.n, sizeof(*rn.pr));
	if (rn.pr == NULL) {
		snprintf(err, sizeof(err), "%zu targets", tv.n);
		rc = setup_failed(c, err, ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < tv.n; i++) {
		rn.pr[i].rn = &rn;
		rn.pr[i].t = &tv.v[i];
		rn.pr[i].cur.resolve_ms = NAN;
		rn.pr[i].cur.winner = -1;
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
			rc = 1;
		}
		goto out;
	}
	rn.rio.fd = rn.rfd[0];
	rn.rio.fn = resolver_io;
	rn.rio.arg = &rn;
	(void)loop_watch(rn.lp, &rn.rio, LOOP_READ);
	rn.t0_ns = clock_ns();
	if (wait_set)
		rn.deadline_ns = rn.t0_ns + wait_ms * 1000000;
	rn.tty = isatty(fileno(c->err));
	rn.jobs = fd_jobs(&rn, rn.jobs);
	kick(&rn);
	if (loop_run(rn.lp) == -1 && rn.next_print < rn.n) {
		out_err(c, "event loop failed: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	progress_clear(&rn);
	rc = rn.exit_code;
out:
	if (rn.pr != NULL) {
		for (size_t i = 0; i < rn.n; i++) {
			free_round(&rn.pr[i].cur);
			free_round(&rn.pr[i].last);
		}
		free(rn.pr);
	}
	if (rn.lp != NULL) {
		if (rn.rfd[0] != -1)
			loop_unwatch(rn.lp, &rn.rio);
		loop_free(rn.lp);
	}
	/* a resolver thread given up on still holds the write end */
	if (!rn.abandoned) {
		if (rn.rfd[0] != -1)
			close(rn.rfd[0]);
		if (rn.rfd[1] != -1)
			close(rn.rfd[1]);
	}
	if (rn.have_re)
		regfree(&rn.re);
	free(rn.lc.v);
	free(rn.send);
	free(tv.v);
	return rc;
}
