/*
 * probe-connect's targets: the arguments, then --targets FILE, one target
 * a line, HOST:PORT, [IPV6]:PORT or HOST PORT; blank lines are skipped
 * and '#' starts a comment at the start of a line or after a blank. The
 * file is read as the probing goes (a pipe of a million lines is never
 * held in memory), never waiting on a pipe that has no line yet.
 */
#ifndef SOCKCTL_TARGETS_H
#define SOCKCTL_TARGETS_H

#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"

#define TARGETS_LINE_MAX	1024	/* with its newline and the NUL */
#define TARGETS_ERR_MAX		600	/* room for "FILE:LINE: " and a reason */

struct targets {
	FILE		*f;		/* or, when NULL, read(2) on fd: */
	int		 fd;
	int		 nowait;	/* poll before read: 2 when no line */
	int		 eof;
	int		 rerr;		/* errno of a failed read */
	size_t		 blen;
	char		 buf[TARGETS_LINE_MAX];
	const char	*path;		/* as given ("-": stdin) */
	const char	*name;		/* for messages: path, or "stdin" */
	int		 lineno;
	char		 where[300];	/* "NAME:LINE" of the last line read */
};

/* Starts reading the open file f, which was opened from path. */
void	targets_init(struct targets *t, FILE *f, const char *path);

/* The same for a descriptor, read with read(2) (and poll, t->nowait). */
void	targets_init_fd(struct targets *t, int fd, const char *path);

/*
 * Reads up to the next target. Returns 1 with *ep filled (t->where names
 * its line), 0 at the end of the file, or -1 with a message in err (at
 * least TARGETS_ERR_MAX bytes) that names the line or the file: a line too
 * long, a NUL byte, more than two words, a bad endpoint, or a read error.
 */
int	targets_next(struct targets *t, struct endpoint *ep, char *err,
	    size_t errlen);
#define TARGETS_AGAIN	2	/* targets_next(), t->nowait: no whole line yet */

/* A target as probe-connect dials it. */
struct target {
	char			 disp[320];	/* as printed: HOST:PORT */
	struct endpoint		 ep;
	struct sockaddr_storage	 un;		/* a Unix endpoint's address */
};

/* Where the targets come from: the arguments first, then the file. */
struct tsrc {
	char		**args;
	int		  nargs;
	int		  ai;		/* the next argument */
	const char	 *path;		/* --targets, or NULL */
	int		  fd;		/* -1: none (or closed) */
	int		  stream;	/* a pipe, a terminal: no second pass */
	struct targets	  t;
	size_t		  count;	/* targets given out so far */
};

/*
 * Checks every argument (a usage error there is found before anything is
 * probed) and opens path (when not NULL; "-" is stdin). A regular file is
 * checked whole first too, then read again as the probing goes; a stream
 * (a pipe, stdin) can only be checked as it is read. Returns 0, or -1
 * with the message in err (TARGETS_ERR_MAX bytes).
 */
int	tsrc_open(struct tsrc *s, char **args, int nargs, const char *path,
	    char *err, size_t errlen);

/*
 * The next target into *t: 1, 0 at the end, -1 with a message in err (a
 * bad line or argument, a read error), or TARGETS_AGAIN when the stream
 * has no whole line yet (wait for s->fd to be readable). With nowait 0 it
 * waits for the line instead.
 */
int	tsrc_next(struct tsrc *s, int nowait, struct target *t, char *err,
	    size_t errlen);

/* Closes the file (stdin is left open). */
void	tsrc_close(struct tsrc *s);

#endif
