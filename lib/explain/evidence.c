/*
 * Evidence for a failed bind: who holds the port, the sysctl and capability
 * behind a privileged port, the local addresses, the descriptor limits.
 * probe-bind and the servers share it, so a server that cannot start says
 * the same as probe-bind would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "errname.h"
#include "evdns.h"
#include "evidence.h"
#include "evlimits.h"
#include "evunix.h"
#include "procnet.h"
#include "sock.h"
#include "sysinfo.h"

#define MAX_HOLDERS	64
#define OWNER_FDS	3	/* /proc, /proc/PID/fd, its status (or /etc/passwd) */

/*
 * Binds a fresh socket with SO_REUSEADDR to sa, the way the failed bind
 * was made (SO_REUSEPORT, IPV6_V6ONLY), and closes it. Returns 0, or the
 * errno of the failure. On Linux a TIME_WAIT socket lets the bind through
 * only when the old socket had SO_REUSEADDR too, so only trying tells.
 */
static int
try_reuseaddr(const struct sockaddr *sa, const struct ev_how *how)
{
	struct sock_opts o = {
		.type = how->udp ? SOCK_DGRAM : SOCK_STREAM, .reuseaddr = 1,
		.reuseport = how->reuseport, .v6only = how->v6only != 0,
		.backlog = SOCK_NO_LISTEN,
	};
	struct fail f;
	int fd;

	fd = sock_open(sa, &o, NULL, &f, NULL, NULL);
	if (fd == -1)
		return f.err;
	close(fd);
	return 0;
}

/* Whether sa is the IPv6 wildcard [::]. */
static int
is_any6(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 && sa_is_wildcard(sa);
}

/* Adds an owner object to the JSON "owners" list. */
static void
json_owner(struct jbuf *jb, const struct pn_holder *h, const struct pn_owner *ow)
{
	char as[ADDRSTR_MAX];

	jb_obj_open(jb);
	if (ow != NULL) {
		jb_kint(jb, "pid", ow->pid);
		jb_kstr(jb, "command", ow->comm);
		jb_kstr(jb, "user", ow->user);
	} else {
		jb_knull(jb, "pid");
		jb_knull(jb, "command");
		jb_kstr(jb, "user", h->sock.state == PN_TIME_WAIT ? NULL :
		    h->user);
	}
	jb_kstr(jb, "local", sa_fmt((const struct sockaddr *)&h->sock.local,
	    as, sizeof(as)));
	jb_kstr(jb, "state", pn_state_name(h->sock.proto, h->sock.state));
	jb_obj_close(jb);
}

/* What IPV6_V6ONLY bindv6only gives a [::] socket that does not set it. */
static long
bindv6only(const struct ev_env *c)
{
	long v;

	if (si_read_long(c->proc_root, "sys/net/ipv6/bindv6only", &v) == -1)
		return 0;
	return v;
}

/*
 * Says how holder address h blocks our address a when they differ: a
 * specific address blocks the wildcard and the other way round, and a
 * dual-stack [::] takes IPv4 too. Returns 1 when our own [::] is blocked
 * only because it is dual-stack (IPV6_V6ONLY would separate them).
 */
static int
overlap_note(const struct ev_env *c, struct result *r, const struct sockaddr *a,
    const struct ev_how *how, const struct pn_holder *x)
{
	const struct sockaddr *h = (const struct sockaddr *)&x->sock.local;
	char as[ADDRSTR_MAX], hs[ADDRSTR_MAX];

	if (sa_same_addr(a, h))
		return 0;
	sa_fmt(a, as, sizeof(as));
	sa_fmt(h, hs, sizeof(hs));
	if (is_any6(a) && !how->v6only && h->sa_family == AF_INET) {
		result_cause(r, "a [::] socket takes IPv4 too unless it sets "
		    "IPV6_V6ONLY (off by default: net.ipv6.bindv6only = %ld), "
		    "so %s blocks %s; IPV6_V6ONLY (sockctl: --v6only) would "
		    "separate them, and a v6-only [::] binds beside it",
		    bindv6only(c), hs, as);
		return 1;
	}
	if (is_any6(h) && a->sa_family == AF_INET) {
		if (x->sock.v6only == 0)
			result_cause(r, "%s is dual-stack (IPV6_V6ONLY off): "
			    "it takes IPv4 too, so it blocks %s", hs, as);
		else
			result_cause(r, "%s may be dual-stack (IPV6_V6ONLY "
			    "off; /proc/net does not say): then it takes IPv4 "
			    "too and blocks %s", hs, as);
	} else if (sa_is_wildcard(h))
		result_cause(r, "the wildcard %s holds the port on every local "
		    "address, %s included", hs, as);
	else if (sa_is_wildcard(a))
		result_cause(r, "%s blocks the wildcard %s: a wildcard bind "
		    "needs the port free on every address", hs, as);
	return 0;
}

/*
 * Whether holder h conflicts with our address a: the same family and
 * address, or either side a wildcard; across families a dual-stack [::]
 * on either side. Returns 1, 0, or 2 for a [::] holder that conflicts
 * unless it set IPV6_V6ONLY, which the /proc files do not show.
 */
static int
conflicts(const struct sockaddr *a, const struct ev_how *how,
    const struct pn_holder *h)
{
	const struct sockaddr *hs = (const struct sockaddr *)&h->sock.local;

	if (hs->sa_family == a->sa_family)
		return sa_is_wildcard(a) || sa_is_wildcard(hs) ||
		    sa_same_addr(a, hs);
	/* a [::] without IPV6_V6ONLY holds the port for IPv4 too */
	if (a->sa_family == AF_INET && is_any6(hs))
		return h->sock.v6only == 1 ? 0 : h->sock.v6only == 0 ? 1 : 2;
	return is_any6(a) && !how->v6only && hs->sa_family == AF_INET;
}

/*
 * Whether n more descriptors can be opened now. The owner lookup skips a
 * process whose fd table it cannot open, so at the open-files limit it
 * would find no owner and blame another namespace.
 */
static int
fds_spare(int n)
{
	int fds[8], k, ok = 1;

	if (n > 8)
		n = 8;
	for (k = 0; k < n; k++) {
		fds[k] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[k] == -1) {
			ok = errno != EMFILE && errno != ENFILE;
			break;
		}
	}
	for (int i = 0; i < k; i++)
		close(fds[i]);
	return ok;
}

/* snprintf at buf+*used, never past len. */
static void
bprintf(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
bprintf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n >= len ? len - 1 : *used + (size_t)n;
}

/*
 * The processes that share one socket, the first in full and the rest by
 * pid, grouped by command and user: "pid 3268 (nginx, user root) and 2
 * more processes: 3269, 3270 (user www-data)".
 */
static void
owners_text(const struct pn_holder *x, char *buf, size_t len)
{
	const struct pn_owner *o0 = &x->owners[0];
	int rest = x->nowners - 1 + x->nmore, done[PN_MAX_OWNERS] = { 0 };
	size_t used = 0;

	buf[0] = '\0';
	bprintf(buf, len, &used, "pid %d (%s, user %s)", o0->pid, o0->tcomm,
	    o0->user);
	if (rest == 0)
		return;
	bprintf(buf, len, &used, " and %d more process%s: ", rest,
	    rest == 1 ? "" : "es");
	for (int i = 1, groups = 0; i < x->nowners; i++) {
		const struct pn_owner *oi = &x->owners[i];

		if (done[i])
			continue;
		bprintf(buf, len, &used, "%s%d", groups++ ? ", " : "", oi->pid);
		for (int k = i + 1; k < x->nowners; k++) {
			const struct pn_owner *ok = &x->owners[k];

			if (done[k] || strcmp(ok->comm, oi->comm) != 0 ||
			    strcmp(ok->user, oi->user) != 0)
				continue;
			done[k] = 1;
			bprintf(buf, len, &used, ", %d", ok->pid);
		}
		if (strcmp(oi->comm, o0->comm) == 0)
			bprintf(buf, len, &used, " (user %s)", oi->user);
		else
			bprintf(buf, len, &used, " (%s, user %s)", oi->tcomm,
			    oi->user);
	}
	if (x->nmore > 0)
		bprintf(buf, len, &used, "%sand %d more not listed",
		    x->nowners > 1 ? ", " : "", x->nmore);
}

/* Whether a TCP listener holds port on any address. */
static int
has_listener(const struct pn_holder *h, int n)
{
	for (int i = 0; i < n; i++)
		if (h[i].sock.proto == IPPROTO_TCP &&
		    h[i].sock.state == PN_LISTEN)
			return 1;
	return 0;
}

/* A TCP connection (neither a listener nor a TIME_WAIT leftover). */
static int
is_conn(const struct pn_holder *x)
{
	int st = x->sock.state;

	return x->sock.proto == IPPROTO_TCP && st != PN_LISTEN &&
	    st != PN_TIME_WAIT && st != PN_CLOSE;
}

/*
 * What the socket is: "LISTEN on [::]:8080 (dual-stack: takes IPv4 too)",
 * or for a connection without a listener on its port, "the local end of
 * an outgoing connection to 10.0.0.5:5432 (ESTAB on 10.0.0.7:40010)".
 * Returns 1 for an outgoing connection.
 */
static int
sock_text(const struct pn_holder *x, int maybe, char *buf, size_t len)
{
	const struct sockaddr *l = (const struct sockaddr *)&x->sock.local;
	const char *state = pn_state_name(x->sock.proto, x->sock.state);
	char ls[ADDRSTR_MAX], rs[ADDRSTR_MAX];
	const char *stack = "";

	sa_fmt(l, ls, sizeof(ls));
	sa_fmt((const struct sockaddr *)&x->sock.remote, rs, sizeof(rs));
	if (is_any6(l))
		stack = x->sock.v6only == 1 ? " (v6-only)" :
		    x->sock.v6only == 0 ? " (dual-stack: takes IPv4 too)" :
		    maybe ? " (may be dual-stack, taking IPv4 too)" : "";
	if (!is_conn(x)) {
		snprintf(buf, len, "%s on %s%s", state, ls, stack);
		return 0;
	}
	snprintf(buf, len, "the local end of an outgoing connection to %s "
	    "(%s on %s)", rs, state, ls);
	return 1;
}

/* The fix for a port that a client holds as its source port. */
static void
outgoing_fix(const struct ev_env *c, struct result *r, int port)
{
	char list[256] = "", val[300];
	int lo, hi;

	if (si_local_port_range(c->proc_root, &lo, &hi) == -1) {
		result_fix(r, "reserve the port so clients leave it to the "
		    "server: sudo sysctl -w net.ipv4.ip_local_reserved_ports=%d",
		    port);
		return;
	}
	if (port < lo || port > hi) {
		result_cause(r, "port %d is outside the ephemeral range %d-%d "
		    "(net.ipv4.ip_local_port_range): the client bound it as its "
		    "source port on purpose", port, lo, hi);
		result_fix(r, "stop or reconfigure the client that binds source "
		    "port %d, or choose another port", port);
		return;
	}
	result_cause(r, "port %d is in the ephemeral range %d-%d "
	    "(net.ipv4.ip_local_port_range): a client took it as the source "
	    "port of a connection, as connect() without bind() does", port,
	    lo, hi);
	si_port_reserved(c->proc_root, port, list, sizeof(list));
	snprintf(val, sizeof(val), "%s%s%d", list, list[0] ? "," : "", port);
	result_fix(r, "reserve the port so clients leave it to the server: "
	    "sudo sysctl -w net.ipv4.ip_local_reserved_ports=%s", val);
	result_fix(r, "to keep it after a reboot: echo "
	    "'net.ipv4.ip_local_reserved_ports = %s' | sudo tee "
	    "/etc/sysctl.d/90-reserved-ports.conf", val);
	result_fix(r, "the client keeps the port until that connection "
	    "closes; or choose a port outside %d-%d", lo, hi);
}

static void
in_use(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
    const struct ev_how *how)
{
	struct pn_holder *h;
	int n, unreadable = 0, timewait = 0, live = 0, hidden = 0, noproc = 0;
	int port = sa_port(sa), shown = 0, overlap = 0, nofd, unknown = 0;
	int listener, outgoing = 0, dual = 0, accepted = 0, shared = 0;
	int direct = 0, toldv4 = 0;
	int udp = how->udp;
	char me[64], who[1024], what[512];
	const char *hidden_user = NULL;
	int err;

	h = calloc(MAX_HOLDERS, sizeof(*h));
	if (h == NULL)
		return;
	nofd = !fds_spare(OWNER_FDS);
	n = pn_port_holders(c->proc_root, udp ? IPPROTO_UDP : IPPROTO_TCP,
	    port, h, MAX_HOLDERS, &unreadable);
	listener = n > 0 && has_listener(h, n);
	/* "nobody, uid 65534", or "uid 1234" for a uid without a name */
	pn_user(geteuid(), who, sizeof(who));
	if ((unsigned)strtoul(who, NULL, 10) == (unsigned)geteuid() &&
	    who[strspn(who, "0123456789")] == '\0')
		snprintf(me, sizeof(me), "uid %u", (unsigned)geteuid());
	else
		snprintf(me, sizeof(me), "%.40s, uid %u", who,
		    (unsigned)geteuid());
	r->message[0] = r->hint[0] = '\0';
	/*
	 * A holder of the same family comes first: for nginx's 0.0.0.0:80
	 * and v6-only [::]:80 the [::] holder is what blocks [::]:80, and
	 * the dual-stack story (IPV6_V6ONLY would separate them) is told
	 * only when no [::] holder is there to make it false.
	 */
	for (int i = 0; i < n; i++)
		direct += h[i].sock.state != PN_TIME_WAIT &&
		    h[i].sock.local.ss_family == sa->sa_family &&
		    conflicts(sa, how, &h[i]) != 0;
	jb_arr_open(&r->extra, "owners");
	for (int pass = 0; pass < 2; pass++)
	for (int i = 0; i < n; i++) {
		const struct pn_holder *x = &h[i];
		int k, same = x->sock.local.ss_family == sa->sa_family;

		if (same != (pass == 0) || (k = conflicts(sa, how, x)) == 0)
			continue;
		if (x->sock.state == PN_TIME_WAIT) {
			timewait++;
			json_owner(&r->extra, x, NULL);
			continue;
		}
		live++;
		/*
		 * The connections a listener on the port accepted hold it
		 * too, but the listener is the news: they are counted.
		 */
		if (listener && is_conn(x)) {
			accepted++;
			for (int o = 0; o < x->nowners; o++)
				json_owner(&r->extra, x, &x->owners[o]);
			if (x->nowners == 0)
				json_owner(&r->extra, x, NULL);
			continue;
		}
		/* "held by pid 7 (curl, user a): the local end of ..." */
		if (sock_text(x, k == 2, what + 2, sizeof(what) - 2))
			outgoing++, what[0] = ':';
		else
			what[0] = ',';
		what[1] = ' ';
		if (x->nowners > 0) {
			for (int o = 0; o < x->nowners; o++)
				json_owner(&r->extra, x, &x->owners[o]);
			owners_text(x, who, sizeof(who));
			shared |= x->nowners + x->nmore > 1;
			if (shown++ < 8)
				result_cause(r, "held by %s%s", who, what);
		} else {
			json_owner(&r->extra, x, NULL);
			if (nofd) {
				unknown++;
				if (shown++ < 8)
					result_cause(r, "held by a socket "
					    "of user %s (uid %u)%s; which "
					    "process holds it is unknown",
					    x->user, x->sock.uid, what);
			} else if (unreadable > 0 && geteuid() != 0 &&
			    x->sock.uid != geteuid()) {
				hidden++;
				if (hidden_user == NULL)
					hidden_user = x->user;
				if (shown++ < 8)
					result_cause(r, "held by a process "
					    "of user %s (uid %u)%s; run as root "
					    "to see which process (you are %s)",
					    x->user, x->sock.uid, what, me);
			} else {
				noproc++;
				if (shown++ < 8)
					result_cause(r, "held by a socket "
					    "of user %s (uid %u) that no process "
					    "here owns%s", x->user,
					    x->sock.uid, what);
			}
		}
		if (direct > 0 && !same) {
			if (!toldv4 && is_any6(sa) && !how->v6only)
				result_cause(r, "the IPv4 holder blocks a "
				    "dual-stack %s too (IPV6_V6ONLY off): "
				    "freeing the port takes both, unless the "
				    "server sets IPV6_V6ONLY", r->target);
			toldv4 = 1;
		} else if (!overlap) {
			dual = overlap_note(c, r, sa, how, x);
			overlap = 1;
		}
	}
	jb_arr_close(&r->extra);
	if (shown > 8)
		result_cause(r, "and %d more", shown - 8);
	if (accepted > 0)
		result_cause(r, "and %d connection%s accepted on the port, "
		    "which keep%s it while open", accepted, accepted == 1 ?
		    "" : "s", accepted == 1 ? "s" : "");

	if (dual)
		result_fix(r, "set IPV6_V6ONLY on the server's [::] socket to "
		    "bind IPv6 alone (sockctl probe-bind --v6only '[::]:%d'), "
		    "or stop the IPv4 holder, or choose another port", port);
	if (live == 0 && timewait > 0) {
		result_cause(r, "only %d TIME_WAIT leftover%s of closed "
		    "connections hold%s the port; no live socket does (they "
		    "expire within 60 s)", timewait, timewait == 1 ? "" : "s",
		    timewait == 1 ? "s" : "");
		/* On Linux both sockets need SO_REUSEADDR; the old one is
		 * gone, so only trying it tells. */
		err = try_reuseaddr(sa, how);
		if (err == 0) {
			result_cause(r, "with SO_REUSEADDR the bind "
			    "succeeds (tried just now)");
			result_fix(r, "set SO_REUSEADDR on the server's "
			    "socket before bind() (most servers do; sockctl: "
			    "--reuseaddr), or wait for TIME_WAIT to expire");
		} else {
			result_cause(r, "even with SO_REUSEADDR the bind "
			    "fails (%s): the sockets that closed did not set "
			    "it either, and Linux needs it on both", errname(err) ?
			    errname(err) : strerror(err));
			result_fix(r, "wait up to 60 s for TIME_WAIT to "
			    "expire (sockctl probe-bind --wait 60s %d), and set "
			    "SO_REUSEADDR in the server", port);
		}
	} else if (live == 0) {
		result_cause(r, "no socket in /proc/net holds %s port %d, "
		    "yet the kernel says it is in use: probably a socket that "
		    "is bound but neither listening nor connected (those are "
		    "not listed in /proc/net)", udp ? "udp" : "tcp", port);
		result_fix(r, "look for a process that binds without "
		    "listening (a newer ss shows them with --bound-inactive), "
		    "or choose another port (port 0 picks a free one)");
	} else if (unknown > 0) {
		struct si_fds f;

		si_fd_limits(c->proc_root, &f);
		result_cause(r, "the owner lookup needs a few file descriptors "
		    "and this process is at its open files limit (%ld, "
		    "ulimit -n), so it could not look", f.soft);
		result_fix(r, "raise ulimit -n and run again to name the "
		    "process, or choose another port (port 0 picks a free "
		    "one)");
	} else if (outgoing > 0 && outgoing == live) {
		outgoing_fix(c, r, port);
	} else if (hidden > 0) {
		result_fix(r, "run as root to name the process (sudo "
		    "sockctl probe-bind %s), ask user %s to stop it, or choose "
		    "another port", r->target, hidden_user);
	} else if (noproc > 0) {
		result_cause(r, "no process in this PID namespace owns it: "
		    "it may belong to a container or another PID namespace "
		    "sharing this network namespace, or to the kernel");
		result_fix(r, "look for containers or services publishing "
		    "port %d (docker ps, podman ps, systemctl list-sockets), "
		    "or choose another port", port);
	} else if (!dual && shared)
		result_fix(r, "stop that server (its processes share the "
		    "socket: stopping one leaves the port held), or choose "
		    "another port (port 0 picks a free one)");
	else if (!dual)
		result_fix(r, "stop that process (or reconfigure it), or "
		    "choose another port (port 0 picks a free one)");
	if (nofd && unknown == 0 && live > 0) {
		struct si_fds f;

		si_fd_limits(c->proc_root, &f);
		result_cause(r, "(this process is at its open files limit, %ld "
		    "with ulimit -n, so names may be missing: '?' for a "
		    "command, a number for a user)", f.soft);
	}
	if (live > 0 && timewait > 0)
		result_cause(r, "also %d TIME_WAIT leftover%s", timewait,
		    timewait == 1 ? "" : "s");
	if (n == -1)
		result_cause(r, "(cannot read %s/net: %s)", c->proc_root,
		    strerror(errno));
	free(h);
}

/*
 * After EACCES on a privileged port: whether a live socket holds the port
 * too (root's nginx on 80, probed as nobody: the socket's uid is in
 * /proc/net for everyone). Then every privilege fix leads into
 * port-in-use, so it is said first. Appends "owners" (a list) and
 * returns 1 when it found one; 0 with nothing appended.
 */
static int
also_held(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
    const struct ev_how *how)
{
	struct pn_holder *h;
	char who[1024], what[512];
	int n, unreadable = 0, live = 0;

	h = calloc(MAX_HOLDERS, sizeof(*h));
	if (h == NULL)
		return 0;
	n = pn_port_holders(c->proc_root, how->udp ? IPPROTO_UDP :
	    IPPROTO_TCP, sa_port(sa), h, MAX_HOLDERS, &unreadable);
	for (int i = 0; i < n; i++) {
		const struct pn_holder *x = &h[i];
		int k = conflicts(sa, how, x);

		if (k == 0 || x->sock.state == PN_TIME_WAIT)
			continue;
		if (live++ == 0)
			jb_arr_open(&r->extra, "owners");
		for (int o = 0; o < x->nowners; o++)
			json_owner(&r->extra, x, &x->owners[o]);
		if (x->nowners == 0)
			json_owner(&r->extra, x, NULL);
		if (live > 1)
			continue;
		(void)sock_text(x, k == 2, what, sizeof(what));
		if (x->nowners > 0)
			owners_text(x, who, sizeof(who));
		else
			snprintf(who, sizeof(who), "a process of user %s (uid "
			    "%u)", x->user, x->sock.uid);
		result_cause(r, "the port is also in use: held by %s, %s; with "
		    "the privilege the bind would fail next with EADDRINUSE",
		    who, what);
	}
	if (live > 1)
		result_cause(r, "and %d more socket%s on the port", live - 1,
		    live == 2 ? "" : "s");
	if (live > 0) {
		jb_arr_close(&r->extra);
		result_fix(r, "first free the port (stop what holds it: sudo "
		    "sockctl probe-bind %s names the process) or choose another "
		    "port", r->target);
	}
	free(h);
	return live > 0;
}

static void
priv_port(const struct ev_env *c, struct result *r, const struct sockaddr *sa)
{
	int start = -1, cap = si_cap_net_bind(c->proc_root);
	int port = sa_port(sa);
	char me[64];

	pn_user(geteuid(), me, sizeof(me));
	si_unpriv_port_start(c->proc_root, &start);
	r->message[0] = r->hint[0] = '\0';
	if (start >= 0 && port < start) {
		result_cause(r, "port %d is below "
		    "net.ipv4.ip_unprivileged_port_start (%d), and this process "
		    "(uid %u, %s) %s CAP_NET_BIND_SERVICE in its effective set",
		    port, start, (unsigned)geteuid(), me, cap == 1 ? "has" :
		    cap == 0 ? "lacks" : "may lack");
		result_fix(r, "use a port at or above %d (e.g. %d)", start,
		    port + 8000 < 65536 && port + 8000 >= start ? port + 8000 :
		    start);
		result_fix(r, "or grant the capability: sudo setcap "
		    "cap_net_bind_service=+ep /path/to/server");
		result_fix(r, "or under systemd: "
		    "AmbientCapabilities=CAP_NET_BIND_SERVICE");
		result_fix(r, "or lower the threshold: sudo sysctl "
		    "net.ipv4.ip_unprivileged_port_start=%d", port);
		return;
	}
	result_cause(r, "port %d is not privileged here "
	    "(net.ipv4.ip_unprivileged_port_start is %d), so a security policy "
	    "refused the bind: SELinux, AppArmor, or a seccomp/cgroup BPF hook "
	    "of a container runtime", port, start);
	result_fix(r, "check the audit log (ausearch -m avc, journalctl "
	    "-k) and the container's security profile");
}

static void
addr_na(const struct ev_env *c, struct result *r, const struct sockaddr *sa)
{
	struct si_ifaddr *la;
	char as[ADDRSTR_MAX], list[1024] = "";
	int n, fam = sa->sa_family;
	size_t used = 0;

	if (fam == AF_INET6 && si_ipv6_disabled(c->proc_root) == 1) {
		r->message[0] = r->hint[0] = '\0';
		result_cause(r, "IPv6 is disabled on this machine "
		    "(net.ipv6.conf.all.disable_ipv6 = 1, or no IPv6 support)");
		result_fix(r, "use an IPv4 address (-4), or enable IPv6: "
		    "sudo sysctl net.ipv6.conf.all.disable_ipv6=0");
		return;
	}
	la = calloc(64, sizeof(*la));
	if (la == NULL)
		return;
	n = si_local_addrs(la, 64);
	for (int i = 0; i < n && used + 80 < sizeof(list); i++) {
		if (la[i].addr.ss_family != fam)
			continue;
		sa_fmt_host((struct sockaddr *)&la[i].addr, as, sizeof(as));
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s (%s%s)", used ? ", " : "", as, la[i].ifname,
		    la[i].up ? "" : ", down");
	}
	free(la);
	sa_fmt_host(sa, as, sizeof(as));
	r->message[0] = r->hint[0] = '\0';
	result_cause(r, "%s is not assigned to any interface here; local "
	    "%s addresses: %s", as, fam == AF_INET6 ? "IPv6" : "IPv4",
	    used ? list : "none");
	result_fix(r, "bind one of those, or the wildcard (%s), or add the "
	    "address to an interface first (ip addr add); to bind before it "
	    "exists set net.ipv4.ip_nonlocal_bind=1", fam == AF_INET6 ? "::" :
	    "0.0.0.0");
}

void
ev_bind(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
    int udp, enum stage st, int err)
{
	/* the servers bind [::] dual-stack (lib/core/srv.c) */
	struct ev_how how = { udp, 0, 0 };

	ev_bind_how(c, r, sa, &how, st, err);
}

void
ev_bind_how(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
    const struct ev_how *how, enum stage st, int err)
{
	const struct diag *d;
	int owners = 0;

	r->stage = st;
	r->err = err;
	result_diagnose(r);
	d = diag_find(st, DK_ERRNO, err);
	switch (d->hook) {
	case DH_PORT_OWNERS:
		in_use(c, r, sa, how);
		break;
	case DH_PRIV_PORT:
		priv_port(c, r, sa);
		owners = also_held(c, r, sa, how);
		break;
	case DH_LOCAL_ADDRS:
		addr_na(c, r, sa);
		break;
	case DH_FD_LIMIT:
	case DH_MEMORY:
		evlimits_explain(c, r, err);
		break;
	default:
		if (d->reason == RS_RESOURCE)
			evlimits_explain(c, r, err);
		break;
	}
	if (d->hook != DH_PORT_OWNERS && !owners)
		jb_knull(&r->extra, "owners");
}


/*
 * The lookup of the host in target ("HOST", "HOST:PORT", "[V6]:PORT")
 * failed with eai (errno err for EAI_SYSTEM): the DNS evidence.
 */
static void
resolve_failed(const struct ev_env *c, struct result *r, const char *target,
    int err, int eai)
{
	struct evdns_facts f;
	char host[256];
	char *colon;

	snprintf(host, sizeof(host), "%s", target);
	if (host[0] == '[' && (colon = strchr(host, ']')) != NULL) {
		*colon = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
	} else if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(host, ':') == colon)
		*colon = '\0';
	memset(&f, 0, sizeof(f));
	f.host = host;
	f.cut = eai == 0 && err == ETIMEDOUT;
	f.waited_ms = f.cut ? (double)c->timeout_ms : 0;
	f.eai = f.cut ? 0 : eai;
	f.err = f.cut ? 0 : err;
	f.naddr = -1;
	evdns_explain(c, &f, r);
}

void
ev_server(const struct ev_env *c, struct result *r, const struct sockaddr *sa,
    int udp, enum stage st, int err, int eai, const char *target)
{
	if (sa == NULL) {
		snprintf(r->target, sizeof(r->target), "%s", target);
		r->stage = st;
		r->err = err;
		r->eai = eai;
		if (st == ST_RESOLVE)
			resolve_failed(c, r, target, err, eai);
		else
			result_diagnose(r);
		jb_knull(&r->extra, "owners");
		return;
	}
	sa_fmt(sa, r->target, sizeof(r->target));
	sa_fmt_host(sa, r->address, sizeof(r->address));
	r->port = sa_port(sa);
	r->family = sa->sa_family;
	if (sa->sa_family == AF_UNIX) {
		evunix_bind(c, sa, udp ? SOCK_DGRAM : SOCK_STREAM, st, err, r);
		if (r->dx == DX_UNIX_IN_USE && strstr(r->message, "stale") !=
		    NULL)
			result_fix(r, "or start the server with --unlink");
		return;
	}
	ev_bind(c, r, sa, udp, st, err);
}
