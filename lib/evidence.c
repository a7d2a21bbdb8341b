/*
 * Evidence for a failed bind: who holds the port, the sysctl and capability
 * behind a privileged port, the local addresses, the descriptor limits.
 * probe-bind and the servers share it, so a server that cannot start says
 * the same as probe-bind would.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "evidence.h"
#include "procnet.h"
#include "sysinfo.h"

#define MAX_HOLDERS	64
#define OWNER_FDS	3	/* /proc, /proc/PID/fd, its status (or /etc/passwd) */

/*
 * Binds a fresh socket with SO_REUSEADDR to sa and closes it. Returns 0,
 * or the errno of the failure. On Linux a TIME_WAIT socket lets the bind
 * through only when the old socket had SO_REUSEADDR too, so only trying
 * tells.
 */
static int
try_reuseaddr(const struct sockaddr *sa, int udp)
{
	int fd, on = 1, err = 0;

	fd = socket(sa->sa_family, (udp ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, sa, sa_len(sa)) == -1)
		err = errno;
	close(fd);
	return err;
}

/* Returns whether sa is 0.0.0.0 or ::. */
static int
is_wildcard(const struct sockaddr *sa)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &any6,
	    sizeof(any6)) == 0;
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

/*
 * Says how holder address h blocks our address a when they differ: a
 * specific address blocks the wildcard and the other way round.
 */
static void
overlap_note(struct result *r, const struct sockaddr *a,
    const struct sockaddr *h)
{
	char as[ADDRSTR_MAX], hs[ADDRSTR_MAX];

	sa_fmt(a, as, sizeof(as));
	sa_fmt(h, hs, sizeof(hs));
	if (strcmp(as, hs) == 0)
		return;
	if (is_wildcard(h) && h->sa_family != a->sa_family)
		result_cause(r, "%s is an IPv6 wildcard that also takes IPv4 "
		    "(dual-stack, IPV6_V6ONLY off), so it blocks %s", hs, as);
	else if (is_wildcard(h))
		result_cause(r, "the wildcard %s holds the port on every local "
		    "address, %s included", hs, as);
	else if (is_wildcard(a))
		result_cause(r, "%s blocks the wildcard %s: a wildcard bind "
		    "needs the port free on every address", hs, as);
}

/*
 * Holders that conflict with our address: the same family and address, or
 * either side a wildcard (an IPv6 wildcard may be dual-stack).
 */
static int
conflicts(const struct sockaddr *a, const struct pn_holder *h)
{
	const struct sockaddr *hs = (const struct sockaddr *)&h->sock.local;
	char x[ADDRSTR_MAX], y[ADDRSTR_MAX];

	if (hs->sa_family == a->sa_family) {
		if (is_wildcard(a) || is_wildcard(hs))
			return 1;
		return strcmp(sa_fmt_host(a, x, sizeof(x)),
		    sa_fmt_host(hs, y, sizeof(y))) == 0;
	}
	/* an IPv6 wildcard without V6ONLY also holds IPv4 */
	return a->sa_family == AF_INET && is_wildcard(hs);
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

static void
in_use(const struct ctx *c, struct result *r, const struct sockaddr *sa,
    int udp)
{
	struct pn_holder *h;
	int n, unreadable = 0, timewait = 0, live = 0, hidden = 0, noproc = 0;
	int port = sa_port(sa), shown = 0, overlap = 0, nofd, unknown = 0;
	char as[ADDRSTR_MAX], me[64];
	int err;

	h = calloc(MAX_HOLDERS, sizeof(*h));
	if (h == NULL)
		return;
	nofd = !fds_spare(OWNER_FDS);
	n = pn_port_holders(c->proc_root, udp ? IPPROTO_UDP : IPPROTO_TCP,
	    port, h, MAX_HOLDERS, &unreadable);
	pn_user(geteuid(), me, sizeof(me));
	r->message[0] = r->hint[0] = '\0';
	jb_arr_open(&r->extra, "owners");
	for (int i = 0; i < n; i++) {
		const struct pn_holder *x = &h[i];
		const char *state = pn_state_name(x->sock.proto, x->sock.state);

		if (!conflicts(sa, x))
			continue;
		if (x->sock.state == PN_TIME_WAIT) {
			timewait++;
			json_owner(&r->extra, x, NULL);
			continue;
		}
		live++;
		sa_fmt((const struct sockaddr *)&x->sock.local, as, sizeof(as));
		if (x->nowners > 0) {
			for (int k = 0; k < x->nowners; k++) {
				const struct pn_owner *ow = &x->owners[k];

				json_owner(&r->extra, x, ow);
				if (shown++ < 8)
					result_cause(r, "held by pid %d "
					    "(%s, user %s), %s on %s", ow->pid,
					    ow->comm, ow->user, state, as);
			}
		} else {
			json_owner(&r->extra, x, NULL);
			if (nofd) {
				unknown++;
				if (shown++ < 8)
					result_cause(r, "held by a socket "
					    "of user %s (uid %u), %s on %s; "
					    "which process holds it is unknown",
					    x->user, x->sock.uid, state, as);
			} else if (unreadable > 0 && geteuid() != 0 &&
			    x->sock.uid != geteuid()) {
				hidden++;
				if (shown++ < 8)
					result_cause(r, "held by a process "
					    "of user %s (uid %u) that %s cannot "
					    "see without root, %s on %s",
					    x->user, x->sock.uid, me, state,
					    as);
			} else {
				noproc++;
				if (shown++ < 8)
					result_cause(r, "held by a socket "
					    "of user %s (uid %u) that no process "
					    "here owns, %s on %s", x->user,
					    x->sock.uid, state, as);
			}
		}
		if (!overlap) {
			overlap_note(r, sa,
			    (const struct sockaddr *)&x->sock.local);
			overlap = 1;
		}
	}
	jb_arr_close(&r->extra);
	if (shown > 8)
		result_cause(r, "and %d more", shown - 8);

	if (live == 0 && timewait > 0) {
		result_cause(r, "only %d TIME_WAIT leftover%s of closed "
		    "connections hold%s the port; no live socket does (they "
		    "expire within 60 s)", timewait, timewait == 1 ? "" : "s",
		    timewait == 1 ? "s" : "");
		/* On Linux both sockets need SO_REUSEADDR; the old one is
		 * gone, so only trying it tells. */
		err = try_reuseaddr(sa, udp);
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
	} else if (hidden > 0) {
		result_fix(r, "run as root to name the process (sudo "
		    "sockctl probe-bind %s), ask user %s to stop it, or choose "
		    "another port", r->target, h[0].user);
	} else if (noproc > 0) {
		result_cause(r, "no process in this PID namespace owns it: "
		    "it may belong to a container or another PID namespace "
		    "sharing this network namespace, or to the kernel");
		result_fix(r, "look for containers or services publishing "
		    "port %d (docker ps, podman ps, systemctl list-sockets), "
		    "or choose another port", port);
	} else
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

static void
priv_port(const struct ctx *c, struct result *r, const struct sockaddr *sa)
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
addr_na(const struct ctx *c, struct result *r, const struct sockaddr *sa)
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

/* ulimit -v style: KiB, with MiB or GiB for a person. */
static void
fmt_kib(unsigned long long kib, char *buf, size_t len)
{
	if (kib >= 10ull << 20)
		snprintf(buf, len, "%.1f GiB", kib / 1048576.0);
	else
		snprintf(buf, len, "%.1f MiB", kib / 1024.0);
}

/* VmSize of this process in KiB, or 0 when unknown. */
static unsigned long long
vm_size_kib(const struct ctx *c)
{
	char path[256], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/status", c->proc_root);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void
ev_limits(const struct ctx *c, struct result *r, int err)
{
	struct si_fds f;
	struct rlimit rl;
	char lim[32], used[32];
	unsigned long long vm;

	if (err == EMFILE || err == ENFILE) {
		si_fd_limits(c->proc_root, &f);
		if (err == EMFILE && f.soft >= 0)
			result_cause(r, "open files limit of this process: "
			    "soft %ld, hard %ld (ulimit -n)", f.soft, f.hard);
		/* the table itself may be unreadable for want of an fd */
		if (f.sys_used >= 0 && f.sys_max >= 0)
			result_cause(r, "system file table: %ld of %ld in use "
			    "(fs.file-nr, fs.file-max)", f.sys_used,
			    f.sys_max);
		return;
	}
	if (err != ENOMEM && err != ENOBUFS && err != EAGAIN)
		return;
	if (getrlimit(RLIMIT_AS, &rl) == -1)
		return;
	if (rl.rlim_cur == RLIM_INFINITY) {
		if (err != EAGAIN)
			result_cause(r, "this process has no address-space "
			    "limit (ulimit -v unlimited): the machine or its "
			    "cgroup is short of memory");
		return;
	}
	fmt_kib((unsigned long long)rl.rlim_cur / 1024, lim, sizeof(lim));
	vm = vm_size_kib(c);
	if (vm > 0) {
		fmt_kib(vm, used, sizeof(used));
		result_cause(r, "address-space limit of this process: %s "
		    "(ulimit -v %llu), %s of it in use", lim,
		    (unsigned long long)rl.rlim_cur / 1024, used);
	} else
		result_cause(r, "address-space limit of this process: %s "
		    "(ulimit -v %llu)", lim,
		    (unsigned long long)rl.rlim_cur / 1024);
}

void
ev_bind(const struct ctx *c, struct result *r, const struct sockaddr *sa,
    int udp, enum stage st, int err)
{
	const struct diag *d;

	r->stage = st;
	r->err = err;
	result_diagnose(r);
	d = diag_find(st, DK_ERRNO, err);
	switch (d->hook) {
	case DH_PORT_OWNERS:
		in_use(c, r, sa, udp);
		break;
	case DH_PRIV_PORT:
		priv_port(c, r, sa);
		break;
	case DH_LOCAL_ADDRS:
		addr_na(c, r, sa);
		break;
	case DH_FD_LIMIT:
		ev_limits(c, r, err);
		break;
	default:
		if (d->reason == RS_RESOURCE)
			ev_limits(c, r, err);
		break;
	}
	if (d->hook != DH_PORT_OWNERS)
		jb_knull(&r->extra, "owners");
}


void
ev_server(const struct ctx *c, struct result *r, const struct sockaddr *sa,
    int udp, enum stage st, int err, int eai, const char *target)
{
	if (sa == NULL) {
		snprintf(r->target, sizeof(r->target), "%s", target);
		r->stage = st;
		r->err = err;
		r->eai = eai;
		result_diagnose(r);
		jb_knull(&r->extra, "owners");
		return;
	}
	sa_fmt(sa, r->target, sizeof(r->target));
	sa_fmt_host(sa, r->address, sizeof(r->address));
	r->port = sa_port(sa);
	r->family = sa->sa_family;
	ev_bind(c, r, sa, udp, st, err);
}
