/*
 * probe-connect's results: a round's attempts into result objects (the
 * JSON keys, the success line, the evidence of lib/evconn, --proto's
 * verdict in the server's words), printed in argument order; and the
 * progress line of --wait.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "errname.h"
#include "evconn.h"
#include "evround.h"
#include "evdns.h"
#include "evproto.h"
#include "evunix.h"
#include "expect.h"
#include "intr.h"
#include "probe_connect.h"

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

/* Results */

static void
extra_keys(struct probe *p, const struct dial_att *a, struct result *r)
{
	const struct dial_round *rd = &p->last;
	struct jbuf *x = &r->extra;
	char h[ADDRSTR_MAX], buf[EXPECT_SHOW_LEN];

	/* JSON's own keys: a text sweep does not pay for them */
	if (!p->rn->c->json)
		return;
	jb_knum(x, "resolve_ms", rd->resolve_ms);
	if (a != NULL && (a->est_ns != 0 || (a->stage == ST_CONNECT &&
	    !a->abandoned)))
		jb_knum(x, "connect_ms", clock_between_ms(a->start_ns,
		    a->est_ns ? a->est_ns : a->end_ns));
	else
		jb_knull(x, "connect_ms");
	jb_knum(x, "rtt_ms", a != NULL && a->est_ns ? a->rtt_ms : NAN);
	jb_kint(x, "attempts", p->d.connects);
	evunix_peer_json(x, a != NULL && a->ok && a->has_peer, a != NULL ?
	    a->peer.pid : 0, a != NULL ? a->peer.comm : NULL, a != NULL ?
	    a->peer.user : NULL);
	if (a != NULL && a->rbuf != NULL && a->pr == NULL) {
		expect_show(a->rbuf, a->rlen, buf, sizeof(buf));
		jb_kstr(x, "reply", buf);
	}
	jb_kstr(x, "proto", proto_str(p->rn->dc.proto));
	jb_kstr(x, "server_said", a != NULL && a->pr != NULL &&
	    (a->pr->v != PV_MORE || a->rlen > 0) ? a->pr->said : NULL);
	if (a != NULL && a->icmp.origin != 0) {
		jb_kobj_open(x, "icmp");
		jb_kint(x, "type", a->icmp.type);
		jb_kint(x, "code", a->icmp.code);
		jb_kstr(x, "from", a->icmp.has_offender ? host_of(
		    &a->icmp.offender, h, sizeof(h)) : NULL);
		jb_obj_close(x);
	}
	if (!p->rn->all && rd->naddr > 1) {
		jb_arr_open(x, "tried");
		for (int i = 0; i < rd->nstarted; i++) {
			struct dial_att *t = &rd->att[i];
			jb_obj_open(x);
			jb_kstr(x, "address", host_of(&t->sa, h, sizeof(h)));
			if (t->ok)
				jb_kstr(x, "reason", "ok");
			else if (t->abandoned)
				jb_kstr(x, "reason", "abandoned");
			else
				jb_kstr(x, "reason",
				    reason_slug(evconn_reason(t)));
			jb_kstr(x, "errno", t->err && !t->abandoned ?
			    errname(t->err) : NULL);
			jb_obj_close(x);
		}
		jb_arr_close(x);
	}
}

/* "connected to /run/x.sock (pid 42, postgres, user postgres) in 0.10 ms" */
static void
unix_message(const struct dial_att *a, const char *hp, const char *more,
    struct result *r)
{
	double ms = (double)(a->est_ns - a->start_ns) / 1e6;

	if (a->has_peer)
		snprintf(r->message, sizeof(r->message), "connected to %s (pid "
		    "%d, %s, user %s) in %.2f ms%s", hp, a->peer.pid,
		    a->peer.tcomm, a->peer.user, ms, more);
	else
		snprintf(r->message, sizeof(r->message), "connected to %s in "
		    "%.2f ms%s", hp, ms, more);
}

static void
att_result(struct probe *p, const struct dial_att *a, struct result *r)
{
	const struct dial_round *rd = &p->last;
	struct run *rn = p->rn;
	char hp[ADDRSTR_MAX];

	snprintf(r->target, sizeof(r->target), "%s", p->t.disp);
	host_of(&a->sa, r->address, sizeof(r->address));
	r->port = sa_port((struct sockaddr *)&a->sa);
	r->family = a->sa.ss_family;
	r->elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	extra_keys(p, a, r);
	if (a->ok) {
		char more[256] = "";
		size_t n = 0;

		sa_fmt((struct sockaddr *)&a->sa, hp, sizeof(hp));
		if (!isnan(rd->resolve_ms) && !rd->numeric)
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", resolve %.2f ms", rd->resolve_ms);
		if (p->d.connects > 1 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", %d attempts", p->d.connects);
		if (rn->have_re && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", reply matched after %zu bytes", a->rlen);
		else if (rn->dc.sendlen > 0 && n < sizeof(more))
			n += (size_t)snprintf(more + n, sizeof(more) - n,
			    ", sent %zu bytes, %zu received", a->sent,
			    a->rlen);
		if (rn->wait_set && p->rounds > 1 && n < sizeof(more))
			snprintf(more + n, sizeof(more) - n, ", ready after "
			    "%.1f s", r->elapsed_ms / 1000);
		if (a->sa.ss_family == AF_UNIX)
			unix_message(a, hp, more, r);
		else if (rd->numeric)
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s in %.2f ms (rtt %.2f ms%s)", hp,
			    clock_between_ms(a->start_ns, a->est_ns), a->rtt_ms,
			    more);
		else
			snprintf(r->message, sizeof(r->message), "connected "
			    "to %s via %s in %.2f ms (rtt %.2f ms%s)",
			    p->t.disp, hp, clock_between_ms(a->start_ns, a->est_ns),
			    a->rtt_ms, more);
		if (a->pr != NULL && a->pr->v == PV_READY) {
			char words[PROTO_SAID_LEN + 128];
			size_t m = strlen(r->message);

			evproto_ok(rn->dc.proto, a->pr, rn->dc.user, words,
			    sizeof(words), r);
			snprintf(r->message + m, sizeof(r->message) - m,
			    "; %s", words);
		}
		return;
	}
	r->stage = a->stage;
	r->err = a->err;
	r->dx = a->dx;
	/* -q shows the slug and the errno name, never the cause: the
	 * evidence (listener tables, routes) is not worth looking up */
	if (!rn->c->quiet && (a->dx == DX_NOT_READY || a->dx == DX_PROTO_REPLY
	    || a->dx == DX_PROTO_SILENT))
		evproto_explain(rn->dc.proto, a->pr, a->dx, a->rlen,
		    rn->dc.timeout_ms, rn->dc.http_path, r);
	else if (!rn->c->quiet)
		evconn_explain(&rn->ev, a, r);
	result_diagnose(r);
}

static void
resolve_result(struct probe *p, struct result *r)
{
	snprintf(r->target, sizeof(r->target), "%s", p->t.disp);
	r->port = p->t.ep.port;
	r->elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns ? p->end_ns :
	    clock_ns());
	r->stage = ST_RESOLVE;
	extra_keys(p, NULL, r);
	evdns_round(&p->rn->c->env, p->t.ep.host, &p->last, r);
}

static void
build_results(struct probe *p, struct result **out, int *nout)
{
	const struct dial_round *rd = &p->last;
	struct run *rn = p->rn;
	struct result *rs;
	int n;

	if (rd->naddr == 0 || rd->nstarted == 0) {
		rs = malloc(sizeof(*rs));
		if (rs == NULL)
			nomem_exit("results");
		result_init(rs, rn->c->cmd);
		resolve_result(p, rs);
		*out = rs;
		*nout = 1;
		return;
	}
	n = rn->all ? rd->nstarted : 1;
	/* result_init() below sets what each result needs */
	rs = reallocarray(NULL, (size_t)n, sizeof(*rs));
	if (rs == NULL)
		nomem_exit("results");
	for (int i = 0; i < n; i++) {
		const struct dial_att *a = rn->all ? &rd->att[i] :
		    rd->winner >= 0 ? &rd->att[rd->winner] :
		    evround_representative(rd);

		result_init(&rs[i], rn->c->cmd);
		att_result(p, a, &rs[i]);
		evround_explain(rd, p->t.ep.host, a, !rn->all, &rs[i]);
	}
	*out = rs;
	*nout = n;
}

static void
free_results(struct result *rs, int n)
{
	for (int i = 0; i < n; i++)
		result_free(&rs[i]);
	free(rs);
}

/* --wait's progress line */

/* The first probe not done that has a cause to show. */
static void
first_waiting(void *arg, void *slot)
{
	struct probe **first = arg, *p = slot;

	if (*first == NULL && p->st != PS_DONE && p->why[0] != '\0')
		*first = p;
}

void
pc_progress(struct run *rn)
{
	struct probe *p = NULL;
	double el;

	if (!rn->pl.on || !rn->wait_set)
		return;
	sched_each(&rn->sc, first_waiting, &p);
	if (p == NULL)
		return;
	el = clock_between_ms(rn->t0_ns, clock_ns()) / 1000;
	if (rn->src.count == 1 && rn->sc.src_done)
		pline_show(&rn->pl, "waiting for %s: %.1f s, try %d, last: %s",
		    p->t.disp, el, p->rounds, p->why);
	else
		pline_show(&rn->pl, "waiting: %zu of %zu%s ready, %.1f s; %s: "
		    "%s", rn->nready, rn->src.count, rn->sc.src_done ? "" :
		    "+", el, p->t.disp, p->why);
}

void
pc_print_probe(void *arg, void *slot)
{
	struct run *rn = arg;
	struct probe *p = slot;
	struct result *rs;
	int n, rc;

	pline_clear(&rn->pl);
	if (p->st != PS_DONE && !p->have_last)	/* cut short in round 1 */
		p->last.resolve_ms = p->d.r.resolve_ms;
	build_results(p, &rs, &n);
	if (p->st != PS_DONE)		/* a signal cut the run short */
		intr_results(rs, n, rn->intr, p->have_last, p->d.r.naddr ?
		    ST_CONNECT : ST_RESOLVE, clock_between_ms(p->t0_ns,
		    clock_ns()), "%s %s, try %d", p->st == PS_SLEEP ?
		    "waiting to retry" : "connecting to", p->t.disp, p->rounds);
	else if (rn->wait_set && !p->ok && p->retry)
		for (int i = 0; i < n; i++) {
			rs[i].elapsed_ms = clock_between_ms(p->t0_ns, p->end_ns);
			result_cause(&rs[i], "still failing when --wait ran out "
			    "after %.1f s and %d tries; this was the last "
			    "cause", rs[i].elapsed_ms / 1000, p->rounds);
		}
	for (int i = 0; i < n; i++) {
		rc = out_result(rn->c, &rs[i]);
		if (rc != 0 && rn->exit_code == 0)
			rn->exit_code = rc;
	}
	free_results(rs, n);
	dial_round_free(&p->last);
}
