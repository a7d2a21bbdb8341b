/*
 * rss: the peak memory of one process fed from a pipe.
 *
 *   rss [-t TIMEOUT_S] [-o FILE] -- COMMAND [ARGS...]
 *
 * Runs COMMAND once with this process's stdin (the pipe the benchmark
 * feeds), stdout and stderr into FILE (default /dev/null), and kills it
 * after -t seconds (default 600). The peak resident set size is the
 * kernel's (getrusage's ru_maxrss of the child, from wait4): nothing is
 * sampled, so a short peak is not missed.
 *
 * Prints one line of key=value: rss_kb, ms (wall time), code (the exit
 * code, sNUM for a signal) and timeout (1 when it was killed).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static pid_t child;

static void
on_alarm(int sig)
{
	(void)sig;
	if (child > 0)
		kill(child, SIGKILL);
}

int
main(int argc, char **argv)
{
	const char *out = "/dev/null";
	struct rusage ru;
	int opt, fd, st, timeout = 600, killed = 0;
	double t0;

	while ((opt = getopt(argc, argv, "t:o:")) != -1) {
		if (opt == 't')
			timeout = atoi(optarg);
		else if (opt == 'o')
			out = optarg;
		else
			goto usage;
	}
	if (optind >= argc) {
usage:
		fprintf(stderr, "usage: rss [-t TIMEOUT_S] [-o FILE] -- "
		    "COMMAND [ARGS...]\n");
		return 2;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		perror(out);
		return 1;
	}
	signal(SIGALRM, on_alarm);
	t0 = now_ms();
	child = fork();
	if (child == -1)
		return 1;
	if (child == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	alarm((unsigned)timeout);
	while (wait4(child, &st, 0, &ru) == -1)
		;
	alarm(0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		killed = 1;
	if (WIFEXITED(st))
		printf("rss_kb=%ld ms=%.0f code=%d timeout=%d\n", ru.ru_maxrss,
		    now_ms() - t0, WEXITSTATUS(st), killed);
	else
		printf("rss_kb=%ld ms=%.0f code=s%d timeout=%d\n", ru.ru_maxrss,
		    now_ms() - t0, WTERMSIG(st), killed);
	return 0;
}
