/*
 * explain ERROR: the cause and fix sockctl gives for an errno value, a
 * getaddrinfo code, a reason slug or a condition of its own, read from
 * the diagnosis table the probes use.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "errname.h"
#include "opt.h"
#include "cmds.h"

static const struct cmd_help help = {
	"explain", "[OPTIONS] ERROR | --list",
	"Explain an error as the probes do: its reason slug, exit code, cause "
	"and fix.",
	"ERROR is an errno name (ECONNREFUSED), its number (111), a getaddrinfo\n"
	"code (EAI_NONAME), a reason slug (port-in-use, which lists the errors\n"
	"behind it), or a condition sockctl finds itself, as --list names it\n"
	"(unix-refused, expect-mismatch). Stage-specific explanations follow\n"
	"the general one.\n\n"
	"examples:\n"
	"  sockctl explain ECONNREFUSED\n"
	"  sockctl explain 98\n"
	"  sockctl explain EAI_AGAIN\n"
	"  sockctl explain unix-refused\n"
	"  sockctl explain --list\n",
};

#define NOPTS		2

/* The option table, pointing into list. */
static void
opts_fill(struct opt o[NOPTS], int *list)
{
	const struct opt t[NOPTS] = {
		{ "list", 'l', OT_FLAG, list, NULL,
		    "list every error sockctl explains", 0, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

static const char *
code_name(const struct diag *d, char *buf, size_t len)
{
	const char *n = NULL;

	if (d->kind == DK_ERRNO)
		n = errname(d->code);
	else if (d->kind == DK_EAI)
		n = eai_name(d->code);
	else
		n = reason_dx_name(d->code);
	if (n == NULL) {
		snprintf(buf, len, "%d", d->code);
		return buf;
	}
	return n;
}

static void
emit(const struct ctx *c, const char *target, const struct diag *d)
{
	char buf[32];
	const char *name = code_name(d, buf, sizeof(buf));

	if (c->quiet)
		return;
	if (c->json) {
		struct jbuf jb;

		jb_init(&jb);
		jb_obj_open(&jb);
		jb_kstr(&jb, "command", "explain");
		jb_kstr(&jb, "target", target);
		/* the row describes a failure: ok as a probe would say it */
		jb_kbool(&jb, "ok", d->reason == RS_OK);
		jb_kstr(&jb, "reason", reason_slug(d->reason));
		jb_kint(&jb, "exit_code", reason_exit(d->reason));
		jb_kstr(&jb, "stage", d->stage == ST_NONE ? NULL :
		    stage_name(d->stage));
		jb_kstr(&jb, "errno", d->kind == DK_SOCKCTL ? NULL : name);
		jb_kstr(&jb, "message", d->cause);
		jb_kstr(&jb, "hint", d->fix);
		jb_knull(&jb, "address");
		jb_knull(&jb, "port");
		jb_knull(&jb, "family");
		jb_knull(&jb, "elapsed_ms");
		if (d->kind == DK_ERRNO)
			jb_kint(&jb, "errno_value", d->code);
		else
			jb_knull(&jb, "errno_value");
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	fprintf(c->out, "%s", name);
	if (d->kind == DK_ERRNO)
		fprintf(c->out, " (%d, %s)", d->code, strerror(d->code));
	if (d->stage != ST_NONE)
		fprintf(c->out, " at %s", stage_name(d->stage));
	fprintf(c->out, ": %s, exit %d\n  cause: %s\n  fix:   %s\n",
	    reason_slug(d->reason), reason_exit(d->reason), d->cause, d->fix);
}

/* An errno value with no row of its own: the generic row answers it. */
static int
explain_other(const struct ctx *c, int code)
{
	struct diag d = *diag_find(ST_NONE, DK_ERRNO, code);
	const char *name = errname(code);

	if (name == NULL)
		return out_usage(c, "unknown error '%d' (no errno of that "
		    "number here; see --list)", code);
	d.kind = DK_ERRNO;
	d.code = code;
	emit(c, name, &d);
	return 0;
}

/* Prints every row of (kind, code), the general one first. */
static int
explain_code(const struct ctx *c, const char *target, enum diag_kind kind,
    int code)
{
	const struct diag *t, *gen;
	size_t n;
	int found = 0;

	t = diag_table(&n);
	gen = diag_find(ST_NONE, kind, code);
	if (gen->kind == kind && gen->code == code) {
		emit(c, target, gen);
		found = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == kind && t[i].code == code && &t[i] != gen) {
			emit(c, target, &t[i]);
			found = 1;
		}
	return found;
}

int
cmd_explain(struct ctx *c, int argc, char **argv)
{
	int list = 0, npos, rc, code, found = 0;
	struct opt opts[NOPTS];
	const struct diag *t;
	const char *a;
	size_t n;

	opts_fill(opts, &list);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (list) {
		if (npos > 0)
			return out_usage(c, "--list takes no argument (got "
			    "'%.40s')", argv[1]);
		t = diag_table(&n);
		for (size_t i = 0; i < n; i++)
			emit(c, NULL, &t[i]);
		return 0;
	}
	if (npos != 1)
		return out_usage(c, npos == 0 ? "missing ERROR (e.g. "
		    "ECONNREFUSED, 98, EAI_NONAME) or --list" :
		    "expected one ERROR, got %d arguments", npos);
	a = argv[1];
	if (a[0] != '\0' && strspn(a, "0123456789") == strlen(a) &&
	    strlen(a) < 6) {
		code = atoi(a);
		if (code == 0)
			return out_usage(c, "'%.40s' is no error: errno 0 means "
			    "success (expected e.g. 98, ECONNREFUSED, "
			    "EAI_NONAME)", a);
		found = explain_code(c, a, DK_ERRNO, code);
		if (!found && code > 0 && code < 256)
			return explain_other(c, code);
	} else if (eai_lookup(a, &code))
		found = explain_code(c, a, DK_EAI, code);
	else if ((code = errname_lookup(a)) > 0) {
		found = explain_code(c, a, DK_ERRNO, code);
		if (!found)
			return explain_other(c, code);
	} else if ((code = reason_dx_lookup(a)) > 0 &&
	    reason_by_slug(a) < 0)
		/* a condition of sockctl's own, as --list names it (a name
		 * that is also a reason slug lists the slug's rows) */
		found = explain_code(c, a, DK_SOCKCTL, code);
	else if ((code = reason_by_slug(a)) >= 0) {
		t = diag_table(&n);
		for (size_t i = 0; i < n; i++)
			if ((int)t[i].reason == code) {
				emit(c, a, &t[i]);
				found = 1;
			}
		if (!found && !c->quiet && !c->json)
			fprintf(c->out, "%s: exit %d\n", a, reason_exit(code));
		return 0;
	}
	if (!found)
		return out_usage(c, "unknown error '%.60s' (expected an errno "
		    "name like ECONNREFUSED, a number, EAI_NONAME, a reason "
		    "slug, or a condition like unix-refused; see --list)", a);
	return 0;
}
