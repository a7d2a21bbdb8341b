/*
 * Unit tests: lib/procstate against a /proc tree made here (stat, wchan,
 * task/TID/{stat,wchan,syscall}).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procstate.h"
#include "unit.h"

static char root[64];

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((f = fopen(path, "w")) == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir(path, 0755);
}

/* "PID (COMM) S ..." with num_threads (field 20) n */
static void
stat_of(const char *rel, int pid, const char *comm, char st, int n)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%d (%s) %c 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
	    "20 0 %d 0 100 0 0\n", pid, comm, st, n);
	put(rel, buf);
}

int
main(void)
{
	struct procstate ps;
	char sc[128];

	snprintf(root, sizeof(root), "/tmp/sockctl-ps.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	/* 42: stopped, its comm holds ") S" to fool a naive parse */
	dir("42");
	dir("42/task");
	dir("42/task/42");
	stat_of("42/stat", 42, "evil) S", 'T', 1);
	put("42/wchan", "do_signal_stop");
	stat_of("42/task/42/stat", 42, "evil) S", 'T', 1);
	put("42/task/42/wchan", "do_signal_stop");
	CHECK(procstate_read(root, 42, &ps) == 0);
	CHECK(ps.state == 'T' && ps.stopped == 1 && ps.nthreads == 1);
	CHECK_STR(ps.wchan, "do_signal_stop");
	CHECK(strstr(procstate_word(ps.state), "stopped") != NULL);

	/* 43: two threads, one in poll (by wchan), one blocked in sendto */
	dir("43");
	dir("43/task");
	dir("43/task/43");
	dir("43/task/44");
	stat_of("43/stat", 43, "srv", 'S', 2);
	put("43/wchan", "poll_schedule_timeout.constprop.0");
	stat_of("43/task/43/stat", 43, "srv", 'S', 2);
	put("43/task/43/wchan", "poll_schedule_timeout.constprop.0");
	stat_of("43/task/44/stat", 44, "srv", 'S', 2);
	put("43/task/44/wchan", "wait_woken");
	snprintf(sc, sizeof(sc), "%ld 0x3 0x7f 0x10000 0x0 0x0 0x0 0x7ff 0x7f\n",
	    (long)SYS_sendto);
	put("43/task/44/syscall", sc);
	CHECK(procstate_read(root, 43, &ps) == 0);
	CHECK(ps.state == 'S' && ps.nthreads == 2 && ps.stopped == 0);
	CHECK_STR(ps.wchan, "poll_schedule_timeout");
	CHECK(ps.in_loop == 1 && ps.in_send == 1 && ps.in_accept == 0);

	/* gone */
	errno = 0;
	CHECK(procstate_read(root, 99, &ps) == -1 && errno == ENOENT);
	CHECK(ps.found == 0);
	snprintf(sc, sizeof(sc), "rm -rf '%s'", root);
	if (system(sc) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return UNIT_DONE("procstate");
}
