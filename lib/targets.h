/*
 * probe-connect --targets FILE: one target a line, HOST:PORT,
 * [IPV6]:PORT or HOST PORT; blank lines are skipped and '#' starts a
 * comment at the start of a line or after a blank.
 */
#ifndef SOCKCTL_TARGETS_H
#define SOCKCTL_TARGETS_H

#include <stdio.h>

#include "addr.h"

#define TARGETS_LINE_MAX	1024	/* with its newline and the NUL */
#define TARGETS_ERR_MAX		600	/* room for "FILE:LINE: " and a reason */

struct targets {
	FILE		*f;
	const char	*path;		/* as given ("-": stdin) */
	const char	*name;		/* for messages: path, or "stdin" */
	int		 lineno;
	char		 where[300];	/* "NAME:LINE" of the last line read */
};

/* Starts reading the open file f, which was opened from path. */
void	targets_init(struct targets *t, FILE *f, const char *path);

/*
 * Reads up to the next target. Returns 1 with *ep filled (t->where names
 * its line), 0 at the end of the file, or -1 with a message in err (at
 * least TARGETS_ERR_MAX bytes) that names the line or the file: a line too
 * long, a NUL byte, more than two words, a bad endpoint, or a read error.
 */
int	targets_next(struct targets *t, struct endpoint *ep, char *err,
	    size_t errlen);

#endif
