/*
 * The progress line of --wait on a terminal (stderr): one line, redrawn
 * in place, cleared before a result or anything else is written there.
 * probe-connect and probe-bind share it.
 */
#ifndef SOCKCTL_PLINE_H
#define SOCKCTL_PLINE_H

#include <stdio.h>

struct pline {
	FILE	*f;
	int	 on;		/* a terminal, and not -q: lines are drawn */
	int	 shown;		/* one is on the screen now */
};

/* Sets pl up to draw on f when f is a terminal and quiet is 0. */
void	pline_init(struct pline *pl, FILE *f, int quiet);

/* Draws the line (fmt, no newline) over the one shown; nothing when off. */
void	pline_show(struct pline *pl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Clears the line shown, if any. */
void	pline_clear(struct pline *pl);

#endif
