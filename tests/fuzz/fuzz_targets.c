/* libFuzzer target: any bytes as a --targets file: every target read is a
 * valid endpoint, every error names the file and line, nothing crashes;
 * read from a pipe (lib/targets' read(2) path, as --targets - streams it)
 * the same bytes give the same targets and the same end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same bytes through a pipe: n targets and then rc, as from a FILE. */
static void
pipe_check(const uint8_t *data, size_t size, int n, int rc)
{
	struct targets t;
	struct endpoint ep;
	char err[TARGETS_ERR_MAX];
	int p[2], r, k = 0;

	if (pipe(p) == -1)
		return;
	if (write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	targets_init_fd(&t, p[0], "fuzz");
	t.nowait = 1;
	while ((r = targets_next(&t, &ep, err, sizeof(err))) == 1)
		k++;
	close(p[0]);
	if (k != n || r != rc)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct targets t;
	struct endpoint ep;
	char err[TARGETS_ERR_MAX];
	FILE *f;
	int rc, n = 0, last = 0;

	if (size == 0)
		return 0;	/* fmemopen() refuses an empty buffer */
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	targets_init(&t, f, "fuzz");
	while ((rc = targets_next(&t, &ep, err, sizeof(err))) == 1) {
		if (ep.port < 0 || ep.port > 65535 || ep.host[0] == '\0' ||
		    strlen(ep.host) >= HOST_MAX)
			abort();
		if (t.lineno <= last || strncmp(t.where, "fuzz:", 5) != 0)
			abort();
		last = t.lineno;
		if (++n > (int)size)
			abort();	/* more targets than bytes */
	}
	if (rc == -1 && strncmp(err, "fuzz:", 5) != 0 &&
	    strstr(err, "'fuzz'") == NULL)
		abort();	/* the error names the line, or the file */
	if (rc != -1 && rc != 0)
		abort();
	fclose(f);
	if (size <= 4096)	/* fits a pipe's buffer: no writer needed */
		pipe_check(data, size, n, rc);
	return 0;
}
