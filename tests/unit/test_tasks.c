/*
 * lib/kernel/tasks against the fixture tree tests/fixtures/tasks1 (FIXTURES
 * overrides the directory) and this process's own threads; lib/kernel/
 * sockopts against a socket of this process (pidfd_getfd of ourselves).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockopts.h"
#include "tasks.h"
#include "unit.h"

static char root[1024];
static int x86;		/* the fixture's numbers are x86_64's */

static void
test_parse(void)
{
	struct task_wait w;

	CHECK(tasks_parse_syscall("running\n", &w) == 0);
	CHECK(w.kind == TK_RUNNING && w.nr == -1 && w.fd == -1);
	CHECK(tasks_parse_syscall("-1 0x7ffd 0x7f01\n", &w) == 0);
	CHECK(w.kind == TK_NOSYS);
	CHECK(tasks_parse_syscall("45 0x7 0x7f3a10000b70 0x64 0x0 0x0 0x0 "
	    "0x7f3a17ffe9c0 0x7f3a1b2c3d4e\n", &w) == 0);
	CHECK(w.nr == 45 && w.args[0] == 7 && w.args[2] == 0x64);
	if (x86) {
		CHECK(w.kind == TK_RECV && w.fd == 7);
		CHECK_STR(w.name, "recvfrom");
		/* poll with -1 as the register holds it: forever */
		CHECK(tasks_parse_syscall("7 0x1000 0x3 0xffffffff 0x0 0x0 0x0 "
		    "0x1 0x2", &w) == 0);
		CHECK(w.kind == TK_POLL && w.nfds == 3 && w.forever &&
		    w.timeout_ms == -1);
		CHECK(tasks_parse_syscall("7 0x1000 0x1 0x1388 0x0 0x0 0x0 0x1 "
		    "0x2", &w) == 0);
		CHECK(w.kind == TK_POLL && !w.forever && w.timeout_ms == 5000);
		CHECK(tasks_parse_syscall("232 0x5 0x1000 0x10 "
		    "0xffffffffffffffff 0x0 0x0 0x1 0x2", &w) == 0);
		CHECK(w.kind == TK_EPOLL && w.fd == 5 && w.forever);
		/* select: a timeval pointer; NULL is forever */
		CHECK(tasks_parse_syscall("23 0x8 0x1000 0x0 0x0 0x0 0x0 0x1 "
		    "0x2", &w) == 0);
		CHECK(w.kind == TK_SELECT && w.forever);
		CHECK(tasks_parse_syscall("271 0x1000 0x1 0x2000 0x0 0x8 0x0 "
		    "0x1 0x2", &w) == 0);
		CHECK(w.kind == TK_POLL && !w.forever);
		CHECK(tasks_parse_syscall("42 0x3 0x1000 0x10 0x0 0x0 0x0 0x1 "
		    "0x2", &w) == 0);
		CHECK(w.kind == TK_CONNECT && w.fd == 3);
		CHECK_STR(tasks_syscall_name(288), "accept4");
		CHECK_STR(tasks_arch(), "x86_64");
	}
	/* a number no table has: another call, no name */
	CHECK(tasks_parse_syscall("99999 0x0 0x0 0x0 0x0 0x0 0x0 0x1 0x2",
	    &w) == 0);
	CHECK(w.kind == TK_OTHER && w.name == NULL);
	CHECK(tasks_syscall_name(99999) == NULL);
	/* not the kernel's form */
	CHECK(tasks_parse_syscall("", &w) == -1);
	CHECK(tasks_parse_syscall("45 0x7 junk", &w) == -1);
	CHECK(tasks_parse_syscall("45 0x7 0x1", &w) == -1);
	CHECK(tasks_parse_syscall("x45 0x7", &w) == -1);
	CHECK(tasks_parse_syscall("45x 0x7", &w) == -1);
	CHECK(tasks_parse_syscall("45 0x 0x0 0x0 0x0 0x0 0x0", &w) == -1);
	CHECK(tasks_parse_syscall("45 0x7 0x0 0x0 0x0 0x0 "
	    "0xfffffffffffffffffffff", &w) == -1);

	CHECK(tasks_parse_state("12 (python3) S 1 2") == 'S');
	CHECK(tasks_parse_state("12 (a) b) T 1 2") == 'T');
	CHECK(tasks_parse_state("12 (x)") == '?');
	CHECK(tasks_parse_state("12 x S") == '?');
	CHECK(tasks_parse_state("12 (x)  ") == '?');
}

static void
test_fdinfo_parse(void)
{
	struct tasks_fdinfo fi;

	CHECK(tasks_parse_fdinfo("pos:\t0\nflags:\t04002\nmnt_id:\t9\n",
	    &fi) == 0);
	CHECK(fi.has_flags && (fi.flags & O_NONBLOCK) && fi.ntfd == 0);
	CHECK(tasks_parse_fdinfo("pos:\t0\nflags:\t02000002\ntfd:        7 "
	    "events:       19 data: 7  pos:0 ino:2331 sdev:8\ntfd: 4 events: "
	    "19\n", &fi) == 0);
	CHECK(fi.ntfd == 2 && fi.tfd[0] == 7 && fi.tfd[1] == 4);
	CHECK(!(fi.flags & O_NONBLOCK));
	CHECK(tasks_parse_fdinfo("pos:\t0\n", &fi) == -1);
	CHECK(tasks_parse_fdinfo("", &fi) == -1);
	CHECK(tasks_parse_fdinfo("flags: x\ntfd: -3\n", &fi) == -1);
	CHECK(fi.ntfd == 0);
}

static void
test_fixture(void)
{
	const struct task_wait *t;
	struct tasks_fdinfo fi;
	struct tasks ts;
	unsigned long ino = 0;

	CHECK(tasks_read(root, 700, &ts) == 0);
	CHECK(ts.pid == 700 && ts.n == 9 && ts.more == 0 && ts.denied == 0);
	for (size_t i = 1; i < ts.n; i++)
		CHECK(ts.t[i - 1].tid < ts.t[i].tid);
	t = tasks_find(&ts, 701);
	CHECK(t != NULL && t->state == 'S' && t->nr == 45);
	CHECK(t != NULL && strcmp(t->wchan, "wait_woken") == 0);
	if (x86 && t != NULL)
		CHECK(t->kind == TK_RECV && t->fd == 7);
	t = tasks_find(&ts, 702);
	CHECK(t != NULL && t->kind == TK_RUNNING && t->state == 'R' &&
	    t->wchan[0] == '\0');
	t = tasks_find(&ts, 705);
	CHECK(t != NULL && t->kind == TK_NOSYS && t->state == 'T');
	t = tasks_find(&ts, 708);
	CHECK(t != NULL && t->state == 'S');
	t = tasks_find(&ts, 709);
	CHECK(t != NULL && t->kind == TK_UNKNOWN);
	if (x86) {
		t = tasks_find(&ts, 703);
		/* a fixture has no memory to read the pollfd array from */
		CHECK(t != NULL && t->kind == TK_POLL && t->nfds == 3 &&
		    t->forever && !t->has_fds && t->fds_errno == ENOTSUP);
		t = tasks_find(&ts, 704);
		CHECK(t != NULL && t->kind == TK_EPOLL && t->fd == 5);
		t = tasks_find(&ts, 707);
		CHECK(t != NULL && t->kind == TK_ACCEPT && t->fd == 4);
		CHECK(t != NULL && strcmp(t->name, "accept4") == 0);
	}
	CHECK(tasks_find(&ts, 706) == NULL);
	tasks_free(&ts);
	CHECK(ts.t == NULL && ts.n == 0);

	CHECK(tasks_fd(root, 700, 7, &ino) == FDK_SOCKET && ino == 9001);
	CHECK(tasks_fd(root, 700, 5, &ino) == FDK_EPOLL);
	CHECK(tasks_fd(root, 700, 1, &ino) == FDK_OTHER);
	errno = 0;
	CHECK(tasks_fd(root, 700, 99, &ino) == -1 && errno == ENOENT);
	CHECK(tasks_fdinfo(root, 700, 5, &fi) == 0 && fi.ntfd == 2);
	CHECK(tasks_fdinfo(root, 700, 4, &fi) == 0 &&
	    (fi.flags & O_NONBLOCK));
	CHECK(tasks_fdinfo(root, 700, 99, &fi) == -1);
	errno = 0;
	CHECK(tasks_read(root, 12345, &ts) == -1 && errno == ENOENT);
}

/* This process, live: its one thread reads itself as running. */
static void
test_self(void)
{
	struct tasks ts;
	const struct task_wait *t;

	CHECK(tasks_read("/proc", getpid(), &ts) == 0);
	CHECK(ts.n >= 1);
	t = tasks_find(&ts, getpid());
	CHECK(t != NULL && t->kind == TK_RUNNING);
	tasks_free(&ts);
}

static void
test_sockopts(void)
{
	struct timeval tv = { 5, 0 };
	struct sockopts o;
	int s, one = 1, idle = 42;

	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ==
	    0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ==
	    0);
	if (sockopts_read(getpid(), s, &o) == 0) {
		CHECK(o.domain == AF_INET && o.type == SOCK_STREAM &&
		    o.protocol == IPPROTO_TCP);
		CHECK(o.rcvtimeo_ms == 5000 && o.sndtimeo_ms == 0);
		CHECK(o.keepalive == 1 && o.keepidle == 42);
		CHECK(o.keepintvl > 0 && o.keepcnt > 0);
		CHECK(o.user_timeout_ms == 0);
		CHECK(o.has_info && o.state == TCP_CLOSE);
		CHECK(o.remote.ss_family == 0);
	} else
		/* a kernel before 5.6, or a sandbox that forbids it */
		CHECK(errno == ENOSYS || errno == EPERM);
	errno = 0;
	CHECK(sockopts_read(getpid(), 0x7ffff, &o) == -1 && errno == EBADF);
	CHECK(sockopts_read(getpid(), 0, &o) == -1 || o.type != 0);
	close(s);
}

int
main(void)
{
	const char *fx = getenv("FIXTURES");

	if (fx == NULL || *fx == '\0')
		fx = "tests/fixtures";
	snprintf(root, sizeof(root), "%s/tasks1", fx);
	x86 = tasks_arch() != NULL && strcmp(tasks_arch(), "x86_64") == 0;
	test_parse();
	test_fdinfo_parse();
	test_fixture();
	test_self();
	test_sockopts();
	return UNIT_DONE("tasks");
}
