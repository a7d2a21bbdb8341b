#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "pline.h"

void
pline_init(struct pline *pl, FILE *f, int quiet)
{
	pl->f = f;
	pl->on = !quiet && isatty(fileno(f));
	pl->shown = 0;
}

void
pline_show(struct pline *pl, const char *fmt, ...)
{
	va_list ap;

	if (!pl->on)
		return;
	fputs("\r\033[K", pl->f);
	va_start(ap, fmt);
	vfprintf(pl->f, fmt, ap);
	va_end(ap);
	fflush(pl->f);
	pl->shown = 1;
}

void
pline_clear(struct pline *pl)
{
	if (!pl->shown)
		return;
	fputs("\r\033[K", pl->f);
	fflush(pl->f);
	pl->shown = 0;
}
