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
#include "sock.h"
#include "srv.h"
#include "unixsock.h"

int
srv_addr(int argc, char **argv, int family, int udp,
    struct sockaddr_storage *ss, char *err, size_t errlen, int *eai)
{
	struct addrinfo hints, *res = NULL, *ai;
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
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		*eai = rc;
		return -2;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			break;
	if (ai == NULL) {
		freeaddrinfo(res);
		*eai = EAI_NONAME;
		return -2;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	sa_set_port((struct sockaddr *)ss, ep.port);
	freeaddrinfo(res);
	return 0;
}

/* The errno name of a failed stage, for the trace. */
static const char *
why(int err)
{
	return errname(err) != NULL ? errname(err) : strerror(err);
}

int
srv_open(struct sockaddr_storage *ss, int type, enum stage *st,
    sock_trace_fn tr, void *arg)
{
	struct sockaddr *sa = (struct sockaddr *)ss;
	char as[ADDRSTR_MAX];
	socklen_t len;
	int fd, one = 1, zero = 0, save, big = 4 << 20;

	if (ss->ss_family == AF_UNIX) {
		struct srv_bind_opt o = { type, 1, INT_MAX, 0 };
		struct fail f;

		/* the kernel caps the backlog at net.core.somaxconn */
		fd = srv_bind(sa, &o, &f, NULL, NULL, tr, arg);
		*st = f.stage;
		/* replies are charged to this socket until read: room for
		 * many clients' (capped by net.core.wmem_max) */
		if (fd != -1 && type == SOCK_DGRAM)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big,
			    sizeof(big));
		return fd;
	}
	*st = ST_SOCKET;
	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tr != NULL)
		tr(arg, "socket(%s, %s) = %s%d%s%s",
		    sock_family_name(ss->ss_family), sock_type_name(type),
		    fd == -1 ? "" : "fd ", fd, fd == -1 ? ": " : "",
		    fd == -1 ? why(errno) : "");
	if (fd == -1)
		return -1;
	*st = ST_SETSOCKOPT;
	/* a restarted server must not wait for its old TIME_WAIT sockets */
	if (type == SOCK_STREAM) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "setsockopt(SO_REUSEADDR, 1) ok");
	}
	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
	    &((struct sockaddr_in6 *)ss)->sin6_addr)) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero)) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "setsockopt(IPV6_V6ONLY, 0) ok: IPv4 too");
	}
	if (type == SOCK_DGRAM) {
		/* bursts queue here instead of being dropped; capped by
		 * net.core.rmem_max/wmem_max, so failure is harmless */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		if (tr != NULL)
			tr(arg, "setsockopt(SO_RCVBUF and SO_SNDBUF, 4 MiB, "
			    "capped by net.core.rmem_max/wmem_max)");
	}
	*st = ST_BIND;
	sa_fmt(sa, as, sizeof(as));
	len = sizeof(*ss);
	if (bind(fd, sa, sa_len(sa)) == -1 || getsockname(fd, sa, &len) == -1)
		goto fail;
	if (tr != NULL) {
		char bs[ADDRSTR_MAX];

		tr(arg, "bind(%s) ok: %s%s%s", as, sa_fmt(sa, bs, sizeof(bs)),
		    type == SOCK_STREAM ? ", TCP state " : "",
		    type == SOCK_STREAM ? sock_state_name(sock_tcp_state(fd,
		    NULL)) : "");
	}
	/* the kernel caps the backlog at net.core.somaxconn */
	*st = ST_LISTEN;
	if (type == SOCK_STREAM) {
		if (listen(fd, INT_MAX) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "listen(backlog INT_MAX: net.core.somaxconn "
			    "caps it) ok, TCP state %s",
			    sock_state_name(sock_tcp_state(fd, NULL)));
	}
	*st = ST_NONE;
	return fd;
fail:
	save = errno;
	if (tr != NULL)
		tr(arg, "%s: %s", stage_name(*st), why(save));
	close(fd);
	errno = save;
	return -1;
}

int
srv_bind(const struct sockaddr *sa, const struct srv_bind_opt *o,
    struct fail *f, dev_t *dev, ino_t *ino, sock_trace_fn tr, void *arg)
{
	char as[ADDRSTR_MAX];
	int fd, one = 1, save;
	struct stat sb;

	fail_clear(f);
	sa_fmt(sa, as, sizeof(as));
	fd = socket(sa->sa_family, o->type | SOCK_CLOEXEC | (o->nonblock ?
	    SOCK_NONBLOCK : 0), 0);
	if (fd == -1) {
		save = errno;
		if (tr != NULL)
			tr(arg, "socket(%s, %s): %s", sock_family_name(
			    sa->sa_family), sock_type_name(o->type), why(save));
		errno = save;
		return fail_set(f, ST_SOCKET, save);
	}
	if (tr != NULL)
		tr(arg, "socket(%s, %s) = fd %d", sock_family_name(
		    sa->sa_family), sock_type_name(o->type), fd);
	f->stage = ST_SETSOCKOPT;
	if (o->reuseaddr && sa->sa_family != AF_UNIX) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "setsockopt(SO_REUSEADDR, 1) ok");
	}
	f->stage = ST_BIND;
	if (bind(fd, sa, sa_len(sa)) == -1)
		goto fail;
	if (sa->sa_family == AF_UNIX && as[0] != '@' && stat(as, &sb) == 0) {
		if (dev != NULL)
			*dev = sb.st_dev;
		if (ino != NULL)
			*ino = sb.st_ino;
	}
	if (tr != NULL)
		tr(arg, "bind(%s) ok", as);
	f->stage = ST_LISTEN;
	if (o->type == SOCK_STREAM) {
		if (listen(fd, o->backlog) == -1)
			goto fail;
		if (tr != NULL)
			tr(arg, "listen(backlog %d) ok", o->backlog);
	}
	fail_clear(f);
	return fd;
fail:
	save = errno;
	if (tr != NULL)
		tr(arg, "%s(%s): %s", stage_name(f->stage), as, why(save));
	if (tr != NULL)
		tr(arg, "close(fd %d)", fd);
	close(fd);
	errno = save;
	return fail_set(f, f->stage, save);
}

int
srv_unix_prepare(const struct sockaddr *sa, int unlink_stale,
    const char *proc_root, sock_trace_fn tr, void *arg)
{
	char path[ADDRSTR_MAX];
	struct usock u;
	struct stat sb;

	sa_fmt_host(sa, path, sizeof(path));
	if (!unlink_stale || path[0] == '@')
		return 0;
	if (usock_path_state(proc_root, path, &sb, &u) != US_STALE)
		return 0;
	if (unlink(path) == -1)
		return 0;
	if (tr != NULL)
		tr(arg, "unlink(%s) ok: a stale socket file (--unlink)", path);
	return 1;
}

void
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

void
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
		    "not ours any more: left in place" : why(errno));
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
