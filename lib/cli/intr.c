#include <stdarg.h>
#include <stdio.h>

#include "errname.h"
#include "intr.h"

int
intr_exit(int sig)
{
	return 128 + sig;
}

void
intr_result(struct result *r, int sig, int have_cause, enum stage st,
    const char *fmt, ...)
{
	char doing[512], sn[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(doing, sizeof(doing), fmt, ap);
	va_end(ap);
	errname_sig(sig, sn, sizeof(sn));
	if (have_cause && r->reason == RS_OK) {
		result_fix(r, "interrupted by %s after %.1f s, while %s",
		    sn, r->elapsed_ms / 1000, doing);
		return;
	}
	if (have_cause) {
		result_cause(r, "interrupted by %s after %.1f s, while %s; "
		    "the cause above is the last one so far", sn,
		    r->elapsed_ms / 1000, doing);
		return;
	}
	r->reason = RS_ERROR;
	r->stage = st;
	snprintf(r->message, sizeof(r->message), "interrupted by %s after "
	    "%.1f s, while %s: no attempt had ended, so there is no cause "
	    "to give yet", sn, r->elapsed_ms / 1000, doing);
	snprintf(r->hint, sizeof(r->hint), "give it the time it needs (-t, "
	    "--wait), or run it with -v to see each stage as it happens");
}
