#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "errname.h"
#include "resolve.h"
#include "sock.h"
#include "srv.h"
#include "unixsock.h"

int
srv_addr(int argc, char **argv, int family, int udp, int64_t ms,
    struct sockaddr_storage *ss, char *err, size_t errlen, struct fail *f)
{
	struct addrinfo *res = NULL;
	double waited;
	struct endpoint ep;
	const char *host;
	int flags = EP_PORT_ONLY | (udp ? EP_UDP : 0), rc;

	memset(&ep, 0, sizeof(ep));
	if (argc == 0)
		ep.port = 0;
	else if (argc == 1) {
		if (ep_parse(argv[0], flags, &ep, err, errlen) == -1)
			return -1;
	} else if (argc == 2) {
		if (ep_parse2(argv[0], argv[1], flags, &ep, err, errlen) == -1)
			return -1;
	} else {
		snprintf(err, errlen, "expected [ADDRESS:]PORT, got %d "
		    "arguments", argc);
		return -1;
	}
	if (ep.is_unix) {
		(void)sa_from_unix(ep.host, ss);
		return 0;
	}
	host = ep.host[0] != '\0' ? ep.host :
	    family == AF_INET6 ? "::1" : "127.0.0.1";
	if (sa_from_numeric(host, ep.port, ss) == 0) {
		if (family != AF_UNSPEC && ss->ss_family != family) {
			snprintf(err, errlen, "address '%s' is not %s", host,
			    family == AF_INET ? "IPv4 (-4)" : "IPv6 (-6)");
			return -1;
		}
		return 0;
	}
	fail_clear(f);
	rc = rs_lookup(host, family, ms, &res, &f->err, &waited);
	if (rc != 0) {
		(void)fail_eai(f, rc == RS_CUT || rc == EAI_SYSTEM ? 0 : rc,
		    rc == RS_CUT || rc == EAI_SYSTEM ? f->err : 0);
		return -2;
	}
	memset(ss, 0, sizeof(*ss));
	rc = rs_addrs(res, ep.port, ss, 1);
	freeaddrinfo(res);
	if (rc == 0) {
		(void)fail_eai(f, EAI_NONAME, 0);
		return -2;
	}
	return 0;
}

/*
 * A server's non-blocking socket of type bound to *ss (a stream listening
 * with the largest backlog the kernel allows); *ss gets the bound
 * address. Returns the fd, or -1 with f filled.
 */
static int
srv_open(struct sockaddr_storage *ss, int type, struct fail *f,
    sock_trace_fn tr, void *arg)
{
	struct sockaddr *sa = (struct sockaddr *)ss;
	int fd, big = 4 << 20;

	if (ss->ss_family == AF_UNIX) {
		struct srv_bind_opt o = { type, 1, INT_MAX, 0 };

		/* the kernel caps the backlog at net.core.somaxconn */
		fd = srv_bind(sa, &o, f, NULL, NULL, tr, arg);
		/* replies are charged to this socket until read: room for
		 * many clients' (capped by net.core.wmem_max) */
		if (fd != -1 && type == SOCK_DGRAM)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big,
			    sizeof(big));
	} else {
		struct sock_opts o = {
			.type = type, .nonblock = 1,
			.reuseaddr = type == SOCK_STREAM,
			/* [::] takes IPv4 too, whatever bindv6only says */
			.v6only = sa_is_wildcard(sa) && ss->ss_family ==
			    AF_INET6 ? 0 : SOCK_V6_DEFAULT,
			/* a burst queues instead of being dropped */
			.bufsize = type == SOCK_DGRAM ? 4 << 20 : 0,
			/* the kernel caps it at net.core.somaxconn */
			.backlog = INT_MAX,
		};

		fd = sock_open(sa, &o, ss, f, tr, arg);
	}
	return fd;
}

int
srv_bind(const struct sockaddr *sa, const struct srv_bind_opt *o,
    struct fail *f, dev_t *dev, ino_t *ino, sock_trace_fn tr, void *arg)
{
	struct sock_opts so = {
		.type = o->type, .nonblock = o->nonblock,
		.reuseaddr = o->reuseaddr, .v6only = SOCK_V6_DEFAULT,
		.backlog = o->backlog,
	};
	char as[ADDRSTR_MAX];
	struct stat sb;
	int fd;

	fd = sock_open(sa, &so, NULL, f, tr, arg);
	sa_fmt_host(sa, as, sizeof(as));
	if (fd != -1 && sa->sa_family == AF_UNIX && as[0] != '@' &&
	    stat(as, &sb) == 0) {
		if (dev != NULL)
			*dev = sb.st_dev;
		if (ino != NULL)
			*ino = sb.st_ino;
	}
	return fd;
}

/*
 * Before a server binds a Unix path: takes the directory's lock
 * (usock_lock_dir()) and, with unlink_stale, removes a stale socket file
 * there (never a live socket, never another kind of file; without the
 * lock, nothing is removed). Returns the lock's fd to close once the
 * socket is bound and listening, or -1.
 */
static int
srv_unix_prepare(const struct sockaddr *sa, int unlink_stale,
    const char *proc_root, sock_trace_fn tr, void *arg)
{
	char path[ADDRSTR_MAX];
	struct usock u;
	struct stat sb;
	int lk;

	sa_fmt_host(sa, path, sizeof(path));
	if (path[0] == '@')
		return -1;
	lk = usock_lock_dir(path);
	if (lk == -1 && tr != NULL)
		tr(arg, "flock(directory of %s): %s%s", path, errname(errno) ?
		    errname(errno) : strerror(errno), unlink_stale ?
		    "; a stale file is not removed without it" : "");
	if (!unlink_stale || lk == -1)
		return lk;
	if (usock_path_state(proc_root, path, &sb, &u) != US_STALE)
		return lk;
	if (unlink(path) == -1)
		return lk;
	if (tr != NULL)
		tr(arg, "unlink(%s) ok: a stale socket file (--unlink)", path);
	return lk;
}

/* The socket file bind() made at *ss, into *own (zeroed when none). */
static void
srv_unix_own(const struct sockaddr_storage *ss, struct stat *own)
{
	char path[ADDRSTR_MAX];

	memset(own, 0, sizeof(*own));
	if (ss->ss_family != AF_UNIX)
		return;
	sa_fmt_host((const struct sockaddr *)ss, path, sizeof(path));
	if (path[0] == '@' || stat(path, own) == -1)
		memset(own, 0, sizeof(*own));
}

/* Removes the socket file at *ss if it is still own. */
static void
srv_unix_release(const struct sockaddr_storage *ss, const struct stat *own,
    sock_trace_fn tr, void *arg)
{
	char path[ADDRSTR_MAX];
	int rm;

	if (ss->ss_family != AF_UNIX || own->st_ino == 0)
		return;
	sa_fmt_host((const struct sockaddr *)ss, path, sizeof(path));
	rm = usock_unlink_own(path, own->st_dev, own->st_ino);
	if (tr != NULL)
		tr(arg, "unlink(%s): %s", path, rm == 1 ? "ok" : rm == 0 ?
		    "not ours any more: left in place" : errname(errno) != NULL ?
		    errname(errno) : strerror(errno));
}

int
srv_start(struct srv *sv, const struct sockaddr_storage *ss,
    const struct srv_cfg *cfg, struct fail *f)
{
	int fd, lk = -1;

	memset(sv, 0, sizeof(*sv));
	sv->ss = *ss;
	sv->type = cfg->type;
	sv->io.fd = -1;
	fail_clear(f);
	/* the check, the removal of a stale file and the bind and listen
	 * that replace it happen under the directory's lock: another
	 * server doing the same waits, then finds this one live */
	if (ss->ss_family == AF_UNIX)
		lk = srv_unix_prepare((const struct sockaddr *)ss,
		    cfg->unlink_stale, cfg->proc_root, cfg->tr, cfg->tr_arg);
	fd = srv_open(&sv->ss, cfg->type, f, cfg->tr, cfg->tr_arg);
	if (fd != -1)
		srv_unix_own(&sv->ss, &sv->own);
	if (lk != -1)
		close(lk);
	if (fd == -1)
		return -1;
	sv->io.fd = fd;
	sv->io.fn = cfg->fn;
	sv->io.arg = cfg->arg;
	sv->l = loop_new(cfg->sigs);
	if (sv->l == NULL || loop_watch(sv->l, &sv->io, LOOP_READ) == -1)
		return fail_set(f, ST_NONE, errno);
	return 0;
}

void
srv_stop(struct srv *sv, sock_trace_fn tr, void *arg)
{
	if (sv->io.fd != -1) {
		if (sv->l != NULL)
			loop_unwatch(sv->l, &sv->io);
		(void)close(sv->io.fd);
		sv->io.fd = -1;
	}
	srv_unix_release(&sv->ss, &sv->own, tr, arg);
	loop_free(sv->l);
	sv->l = NULL;
}

long
srv_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return -1;
	}
	return rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}

int
srv_accept_gone(int err)
{
	switch (err) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 1;
	default:
		return 0;
	}
}
