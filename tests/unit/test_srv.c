/*
 * lib/core/srv: a server's argument (srv_addr), and srv_start()/srv_stop() on
 * loopback and on Unix paths in a fresh temporary directory: the port
 * chosen for 0, a busy port as a bind failure in struct fail, the socket
 * file made and removed at the stop, never a file that replaced it, and
 * --unlink removing only a stale socket.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "srv.h"
#include "unit.h"

static const int sigs[] = { SIGINT, SIGTERM, 0 };

static void
ready(struct loop *l, struct loop_io *io, int ev)
{
	(void)l;
	(void)io;
	(void)ev;
}

/* srv_addr() on argv, into a formatted address (or "usage"). */
static const char *
addr_of(int argc, char **argv, int family, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct fail f;
	char err[256];

	if (srv_addr(argc, argv, family, 0, 1000, &ss, err, sizeof(err),
	    &f) != 0)
		return "usage";
	return sa_fmt((struct sockaddr *)&ss, buf, len);
}

static void
test_addr(void)
{
	char buf[ADDRSTR_MAX];
	char *port[] = { "8080" }, *v6[] = { "[::1]:7" }, *all[] = { "::", "9" };
	char *many[] = { "a", "b", "c" }, *bad[] = { "70000" };
	char *path[] = { "/run/x.sock" };

	CHECK_STR(addr_of(0, NULL, AF_UNSPEC, buf, sizeof(buf)),
	    "127.0.0.1:0");
	CHECK_STR(addr_of(0, NULL, AF_INET6, buf, sizeof(buf)), "[::1]:0");
	CHECK_STR(addr_of(1, port, AF_UNSPEC, buf, sizeof(buf)),
	    "127.0.0.1:8080");
	CHECK_STR(addr_of(1, v6, AF_UNSPEC, buf, sizeof(buf)), "[::1]:7");
	CHECK_STR(addr_of(2, all, AF_UNSPEC, buf, sizeof(buf)), "[::]:9");
	CHECK_STR(addr_of(1, path, AF_UNSPEC, buf, sizeof(buf)),
	    "/run/x.sock");
	CHECK_STR(addr_of(3, many, AF_UNSPEC, buf, sizeof(buf)), "usage");
	CHECK_STR(addr_of(1, bad, AF_UNSPEC, buf, sizeof(buf)), "usage");
	/* an IPv6 address under -4 */
	CHECK_STR(addr_of(1, v6, AF_INET, buf, sizeof(buf)), "usage");
}

static struct srv_cfg
cfg_of(int type, int unlink_stale)
{
	struct srv_cfg cfg = {
		.type = type, .unlink_stale = unlink_stale, .sigs = sigs,
		.proc_root = "/proc",
		.fn = ready,
	};

	return cfg;
}

static void
test_ip(void)
{
	struct srv a, b;
	struct fail f;
	struct sockaddr_storage ss;
	struct srv_cfg tcp = cfg_of(SOCK_STREAM, 0), udp = cfg_of(SOCK_DGRAM, 0);

	CHECK(sa_from_numeric("127.0.0.1", 0, &ss) == 0);
	CHECK(srv_start(&a, &ss, &tcp, &f) == 0);
	CHECK(sa_port((struct sockaddr *)&a.ss) != 0);
	CHECK(a.io.fd >= 0 && a.l != NULL && a.type == SOCK_STREAM);
	/* the same port again: the bind fails, named in f */
	CHECK(srv_start(&b, &a.ss, &tcp, &f) == -1);
	CHECK(f.stage == ST_BIND && f.err == EADDRINUSE);
	CHECK(b.io.fd == -1);
	srv_stop(&b, NULL, NULL);
	/* a UDP socket on the same port number is another socket */
	CHECK(srv_start(&b, &a.ss, &udp, &f) == 0);
	srv_stop(&b, NULL, NULL);
	srv_stop(&a, NULL, NULL);
	CHECK(a.io.fd == -1 && a.l == NULL);
	/* stopped twice: nothing left to undo */
	srv_stop(&a, NULL, NULL);
}

static void
test_unix(const char *dir)
{
	struct srv a, b;
	struct fail f;
	struct sockaddr_storage ss;
	struct srv_cfg plain = cfg_of(SOCK_STREAM, 0);
	struct srv_cfg unlink_stale = cfg_of(SOCK_STREAM, 1);
	struct srv_cfg dgram = cfg_of(SOCK_DGRAM, 0);
	char path[200], other[200];
	struct stat sb;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	CHECK(sa_from_unix(path, &ss) == 0);

	/* made, then removed at the stop */
	CHECK(srv_start(&a, &ss, &plain, &f) == 0);
	CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
	CHECK(a.own.st_ino == sb.st_ino);
	/* a live socket is never unlinked, even with --unlink */
	CHECK(srv_start(&b, &ss, &unlink_stale, &f) == -1);
	CHECK(f.stage == ST_BIND && f.err == EADDRINUSE);
	srv_stop(&b, NULL, NULL);
	CHECK(stat(path, &sb) == 0);
	srv_stop(&a, NULL, NULL);
	CHECK(stat(path, &sb) == -1 && errno == ENOENT);

	/* a file that replaced ours stays */
	CHECK(srv_start(&a, &ss, &dgram, &f) == 0);
	CHECK(unlink(path) == 0);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (fp != NULL)
		fclose(fp);
	srv_stop(&a, NULL, NULL);
	CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode));
	/* nor is a regular file removed by --unlink */
	CHECK(srv_start(&b, &ss, &unlink_stale, &f) == -1);
	CHECK(f.stage == ST_BIND && f.err == EADDRINUSE);
	srv_stop(&b, NULL, NULL);
	CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode));
	CHECK(unlink(path) == 0);

	/* a stale socket file (its server gone without removing it) */
	CHECK(srv_start(&a, &ss, &plain, &f) == 0);
	CHECK(rename(path, other) == 0);
	srv_stop(&a, NULL, NULL);	/* ours moved away: left in place */
	CHECK(rename(other, path) == 0);
	CHECK(srv_start(&b, &ss, &plain, &f) == -1 && f.err == EADDRINUSE);
	srv_stop(&b, NULL, NULL);
	/* --unlink removes it, and the server binds */
	CHECK(srv_start(&b, &ss, &unlink_stale, &f) == 0);
	srv_stop(&b, NULL, NULL);
	CHECK(stat(path, &sb) == -1 && errno == ENOENT);
}

int
main(void)
{
	char dir[] = "/tmp/sockctl-test-srv.XXXXXX";

	test_addr();
	test_ip();
	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
	} else {
		test_unix(dir);
		(void)rmdir(dir);
	}
	return UNIT_DONE("srv");
}
