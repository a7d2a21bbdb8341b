/*
 * spawn: the wall time of a whole process, start to exit.
 *
 *   spawn [-n RUNS] [-t TIMEOUT_S] [-o FILE] -- COMMAND [ARGS...]
 *
 * Runs COMMAND RUNS times (default 20) one after the other, each from
 * posix_spawn() to its exit as seen by waitpid(), with stdin from
 * /dev/null and stdout and stderr into FILE (default /dev/null; FILE
 * holds the last run's output). A run that outlives -t seconds (default
 * 30) is killed and counted as a timeout.
 *
 * Prints one line of key=value: runs, the median, minimum, mean, 90th
 * percentile and maximum in milliseconds, and the exit codes seen
 * (codes=CODE:COUNT,...; a signal as sNUM).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char	**environ;

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: spawn [-n RUNS] [-t TIMEOUT_S] [-o FILE] -- "
	    "COMMAND [ARGS...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *out = "/dev/null";
	double timeout_s = 30, sum = 0;
	long runs = 20, timeouts = 0;
	int codes[258] = { 0 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t chld, none;
	int64_t *ms, t0;
	int o, st;
	pid_t pid;

	bench_name = "spawn";
	while ((o = getopt(argc, argv, "+n:t:o:")) != -1) {
		switch (o) {
		case 'n':
			runs = (long)num_arg(o, optarg);
			break;
		case 't':
			timeout_s = num_arg(o, optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || runs < 1)
		usage();
	ms = calloc((size_t)runs, sizeof(*ms));
	if (ms == NULL)
		die("out of memory");
	/* SIGCHLD is waited for with a timeout; the child gets it unblocked */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK);

	for (long r = 0; r < runs; r++) {
		struct timespec ts;
		int64_t left;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
		    0);
		posix_spawn_file_actions_addopen(&fa, 1, out,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
		t0 = now_ns();
		errno = posix_spawnp(&pid, argv[optind], &fa, &sa,
		    argv + optind, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (errno != 0)
			die("cannot run %s: %s", argv[optind], strerror(errno));
		for (;;) {
			if (waitpid(pid, &st, WNOHANG) == pid)
				break;
			left = t0 + (int64_t)(timeout_s * 1e9) - now_ns();
			if (left <= 0) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				timeouts++;
				break;
			}
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			(void)sigtimedwait(&chld, NULL, &ts);
		}
		ms[r] = now_ns() - t0;
		sum += (double)ms[r];
		if (WIFEXITED(st))
			codes[WEXITSTATUS(st)]++;
		else if (WIFSIGNALED(st))
			codes[256 + (WTERMSIG(st) == SIGKILL)]++;
	}
	qsort(ms, (size_t)runs, sizeof(*ms), cmp_i64);
	printf("runs=%ld p50_ms=%.3f min_ms=%.3f mean_ms=%.3f p90_ms=%.3f "
	    "max_ms=%.3f timeouts=%ld codes=", runs,
	    (double)ms[runs / 2] / 1e6, (double)ms[0] / 1e6,
	    sum / (double)runs / 1e6, (double)ms[runs * 9 / 10] / 1e6,
	    (double)ms[runs - 1] / 1e6, timeouts);
	for (int c = 0, first = 1; c < 258; c++) {
		if (codes[c] == 0)
			continue;
		if (c < 256)
			printf("%s%d:%d", first ? "" : ",", c, codes[c]);
		else
			printf("%s%s:%d", first ? "" : ",", c == 256 ?
			    "signal" : "killed", codes[c]);
		first = 0;
	}
	putchar('\n');
	return 0;
}
