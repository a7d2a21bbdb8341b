/*
 * lib/explain/findwait over the fixture tree tests/fixtures/tasks1 (FIXTURES
 * overrides the directory): a process's threads summarised by call and
 * wait, nothing judged from a tree (no process to read limits from), and
 * a pid that is not there.
 */
#include <stdlib.h>
#include <string.h>

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
	return UNIT_DONE("findwait");
}
