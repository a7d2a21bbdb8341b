#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "result.h"

void
result_init(struct result *r, const char *command)
{
	/* the text fields are strings: one NUL each, not 3 KiB of zeros
	 * per result (a sweep makes thousands) */
	r->command = command;
	r->target[0] = r->message[0] = r->hint[0] = r->address[0] = '\0';
	r->reason = RS_OK;
	r->stage = ST_NONE;
	r->err = r->eai = r->dx = 0;
	r->port = -1;
	r->family = 0;
	r->elapsed_ms = -1;
	jb_fragment(&r->extra);
}

void
result_free(struct result *r)
{
	jb_free(&r->extra);
}

static void
vappend(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t n = strlen(buf);

	if (n > 0 && n + 1 < len)
		buf[n++] = '\n';
	if (n < len)
		vsnprintf(buf + n, len - n, fmt, ap);
}

void
result_cause(struct result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

void
result_fix(struct result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(r->hint, sizeof(r->hint), fmt, ap);
	va_end(ap);
}

void
result_diagnose(struct result *r)
{
	const struct diag *d;

	d = diag_of(r->stage, r->dx, r->eai, r->err);
	r->reason = d->reason;
	if (r->message[0] == '\0')
		result_cause(r, "%s", d->cause);
	if (r->hint[0] == '\0')
		result_fix(r, "%s", d->fix);
}
