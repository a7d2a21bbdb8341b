/*
 * maxrss FILE CMD ARGS...: runs CMD, then writes its peak resident set
 * size in KiB (getrusage's ru_maxrss of the child, as the kernel counts
 * it: no sampling, no timing) to FILE; exits as CMD did.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: maxrss FILE CMD [ARGS...]\n");
		return 2;
	}
	pid = fork();
	if (pid == -1)
		return 1;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) == -1)
		return 1;
	f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 ||
	    fclose(f) == EOF)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
