/*
 * lib/explain/findwait over the fixture tree tests/fixtures/tasks1 (FIXTURES
 * overrides the directory): a process's threads summarised by call and
 * wait, nothing judged from a tree (no process to read limits from), and
 * a pid that is not there; a Unix datagram socket's drops.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "findwait.h"
#include "tasks.h"
#include "unit.h"

static char root[1024];

static int
count_of(const struct waits_proc *p, const char *name)
{
	for (int i = 0; i < p->ncount; i++)
		if (strcmp(p->count[i].syscall, name) == 0)
			return p->count[i].threads;
	return 0;
}

static void
test_fixture(int x86)
{
	const struct waits_proc *p;
	struct waits *w;
	char buf[2048];
	size_t n;

	w = waits_new(root, 1000);
	CHECK(w != NULL);
	CHECK(waits_watch(w, 700) == 0);
	CHECK(waits_watch(w, 700) == 0);	/* once */
	CHECK(waits_watch(w, 4242) == 0);	/* not in the tree */
	CHECK(waits_also(w, 700) == 0);
	CHECK(waits_judge(w) == 0);
	p = waits_procs(w, &n);
	CHECK(n == 2);
	CHECK(p[0].pid == 700 && p[0].threads == 9 && !p[0].denied &&
	    !p[0].gone && !p[0].once);
	CHECK(count_of(&p[0], "running") == 1);
	CHECK(count_of(&p[0], "none") == 1);
	CHECK(count_of(&p[0], "unknown") == 1);
	waits_proc_text(&p[0], buf, sizeof(buf));
	if (x86) {
		CHECK(count_of(&p[0], "recvfrom") == 1);
		CHECK(count_of(&p[0], "accept4") == 1);
		CHECK(count_of(&p[0], "clock_nanosleep") == 1);
		CHECK(strstr(buf, "1 thread waits in recvfrom() on fd 7, a "
		    "socket") != NULL);
		CHECK(strstr(buf, "accept4() on fd 4, a socket") != NULL);
		CHECK(strstr(buf, "epoll_wait() on 2 descriptors") != NULL);
		CHECK(strstr(buf, "poll() on 3 descriptors (which: not "
		    "readable here)") != NULL);
		CHECK(strstr(buf, "ppoll()") != NULL);
	}
	CHECK(p[1].pid == 4242 && p[1].gone);
	CHECK_STR(waits_proc_text(&p[1], buf, sizeof(buf)),
	    "pid 4242 ended before the last read");
	waits_free(w);
	/* threads closed to this user: said, never guessed (root reads a
	 * fixture tree whatever its modes, so the words are checked here) */
	{
		struct waits_proc d;

		memset(&d, 0, sizeof(d));
		d.pid = 4243;
		d.denied = 1;
		d.threads = 3;
		CHECK_STR(waits_proc_text(&d, buf, sizeof(buf)),
		    geteuid() != 0 ? "run as root to see what pid 4243 waits "
		    "on" : "what pid 4243 waits on cannot be read, even as "
		    "root (the kernel refuses this process the right to trace "
		    "it)");
	}
}

static void
test_describe(int x86)
{
	char buf[512], small[24];
	int n;

	n = waits_describe(root, 700, buf, sizeof(buf));
	CHECK(n >= 0 && strlen(buf) < sizeof(buf));
	if (x86) {
		CHECK(n == 6);
		CHECK(strstr(buf, "thread 701 waits in recvfrom() on fd 7") !=
		    NULL);
		CHECK(strstr(buf, "thread 704 waits in epoll_wait() on fd 5") !=
		    NULL);
		CHECK(strstr(buf, "thread 703 waits in poll()") != NULL);
		CHECK(strstr(buf, "thread 702") == NULL);	/* running */
	}
	/* cut to the buffer, never past it */
	CHECK(waits_describe(root, 700, small, sizeof(small)) >= 0);
	CHECK(strlen(small) < sizeof(small));
	CHECK(waits_describe(root, 4242, buf, sizeof(buf)) == -1);
}

/*
 * The machine's first read (waits_first()): a process another finding
 * names later (waits_also()) is judged against it, not read once; the
 * light read keeps only the threads in a call a finding is made of.
 */
static void
test_first(int x86)
{
	const struct waits_proc *p;
	struct tasks t;
	struct waits *w;
	size_t n;

	CHECK(tasks_read_light(root, 700, 1u << TK_RECV | 1u << TK_EPOLL,
	    &t) == 0);
	CHECK(tasks_find(&t, 702) == NULL);	/* running */
	CHECK(tasks_find(&t, 700) == NULL);	/* clock_nanosleep */
	CHECK(tasks_find(&t, 707) == NULL);	/* accept4: not kept */
	if (x86) {
		CHECK(tasks_find(&t, 701) != NULL &&
		    tasks_find(&t, 701)->kind == TK_RECV &&
		    tasks_find(&t, 701)->args[0] == 7);
		CHECK(tasks_find(&t, 704) != NULL);
		CHECK(tasks_find(&t, 703) == NULL);	/* poll: not asked */
	}
	tasks_free(&t);
	CHECK(tasks_read_light(root, 4242, 1u << TK_RECV, &t) == -1);

	w = waits_new(root, 1000);
	CHECK(w != NULL);
	CHECK(waits_first(w) == 0);
	CHECK(waits_also(w, 700) == 0);
	CHECK(waits_judge(w) == 0);
	p = waits_procs(w, &n);
	CHECK(n == 1 && p[0].pid == 700 && p[0].also && !p[0].once);
	waits_free(w);
	/* without the machine's first read: read once */
	w = waits_new(root, 1000);
	CHECK(w != NULL);
	CHECK(waits_also(w, 700) == 0);
	CHECK(waits_judge(w) == 0);
	p = waits_procs(w, &n);
	CHECK(n == 1 && p[0].also && p[0].once);
	waits_free(w);
}

/*
 * A Unix datagram socket whose drop counter rose between the reads is
 * udp-drops with the count, its path and buffer (the kernel's own counter
 * is read by unixdiag; this kernel path is checked here, as flooding a
 * Unix receiver makes its senders wait instead: tests/inspect-waits.bats);
 * one that did not rise, or a stream socket, is none.
 */
static void
test_unix_drops(void)
{
	struct unixdiag_sock u, v, s;
	struct waits *w;
	struct result r;
	char sock[128];
	int pid, tid, fd;

	memset(&u, 0, sizeof(u));
	u.type = SOCK_DGRAM;
	u.inode = 91001;
	snprintf(u.name, sizeof(u.name), "/run/unit/log.sock");
	u.uid = 0;
	u.has_drops = 1;
	u.drops = 5;
	u.has_mem = 1;
	u.rcvbuf = 4608;
	v = u;
	v.inode = 91002;
	s = u;
	s.type = SOCK_STREAM;
	s.inode = 91003;
	w = waits_new(root, 1000);
	CHECK(w != NULL);
	CHECK(waits_unix_base(w, &u) == 0);
	CHECK(waits_unix_base(w, &v) == 0);
	CHECK(waits_unix_base(w, &s) == 0);
	u.drops = 12;		/* rose by 7 */
	s.drops = 40;		/* a stream socket drops nothing we judge */
	CHECK(waits_unix(w, &u, NULL) == 0);
	CHECK(waits_unix(w, &v, NULL) == 0);
	CHECK(waits_unix(w, &s, NULL) == 0);
	CHECK(waits_judge(w) == 1);
	result_init(&r, "inspect");
	waits_result(w, NULL, 0, NULL, &r);
	CHECK(r.reason == RS_UDP_DROPS);
	CHECK_STR(r.target, "/run/unit/log.sock");
	CHECK(strstr(r.message, "Unix datagram socket /run/unit/log.sock "
	    "dropped 7 datagrams during the sample") != NULL);
	CHECK(strstr(r.message, "its receive buffer is 4608 bytes (SO_RCVBUF, "
	    "as the kernel doubles it); net.core.rmem_max") != NULL);
	CHECK(strstr(r.message, "in use") == NULL);
	CHECK(strstr(r.hint, "SO_RCVBUF") != NULL);
	result_free(&r);
	waits_ids(w, 0, &pid, &tid, &fd, sock, sizeof(sock));
	CHECK(pid == 0 && tid == -1 && fd == -1);
	CHECK_STR(sock, "/run/unit/log.sock");
	waits_free(w);

	/* one read (--sample 0): no counter can rise */
	w = waits_new(root, 0);
	CHECK(w != NULL);
	CHECK(waits_unix(w, &u, NULL) == 0);
	CHECK(waits_judge(w) == 0);
	waits_free(w);
}

int
main(void)
{
	const char *fx = getenv("FIXTURES");

	if (fx == NULL || *fx == '\0')
		fx = "tests/fixtures";
	snprintf(root, sizeof(root), "%s/tasks1", fx);
	test_fixture(tasks_arch() != NULL &&
	    strcmp(tasks_arch(), "x86_64") == 0);
	test_describe(tasks_arch() != NULL &&
	    strcmp(tasks_arch(), "x86_64") == 0);
	test_first(tasks_arch() != NULL &&
	    strcmp(tasks_arch(), "x86_64") == 0);
	test_unix_drops();
	return UNIT_DONE("findwait");
}
