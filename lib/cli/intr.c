#include <stdarg.h>
#include <stdio.h>

#include "errname.h"
#include "intr.h"

int
intr_exit(int sig)
{
	return 128 + sig;
}

/* One result of intr_results(); doing and sn worded already. */
static void
intr_one(struct result *r, const char *sn, int have_cause, enum stage st,
    const char *doing)
{
	if (have_cause && r->reason == RS_OK) {
		result_fix(r, "interrupted by %s after %.1f s, while %s", sn,
		    r->elapsed_ms / 1000, doing);
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
	r->err = r->eai = r->dx = 0;
	snprintf(r->message, sizeof(r->message), "interrupted by %s after "
	    "%.1f s, while %s: no attempt had ended, so there is no cause "
	    "to give yet", sn, r->elapsed_ms / 1000, doing);
	snprintf(r->hint, sizeof(r->hint), "give it the time it needs (-t, "
	    "--wait), or run it with -v to see each stage as it happens");
}

void
intr_results(struct result *rs, int n, int sig, int have_cause,
    enum stage st, double elapsed_ms, const char *fmt, ...)
{
	char doing[512], sn[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(doing, sizeof(doing), fmt, ap);
	va_end(ap);
	errname_sig(sig, sn, sizeof(sn));
	for (int i = 0; i < n; i++) {
		rs[i].elapsed_ms = elapsed_ms;
		intr_one(&rs[i], sn, have_cause, st, doing);
	}
}
