/*
 * The exporter's /metrics: see xmetrics.h. A scrape reads the TCP and UDP
 * sockets once, feeding them to inspect's judge (lib/findings) as its
 * last read, while the sockets of the scrape before are its first read;
 * the sockets read now are kept (at most XM_BASE_MAX) for the next one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "findings.h"
#include "owners.h"
#include "xmetrics.h"

struct scan {
	struct findings		*f;
	struct owners		*w;
	struct inetdiag_sock	*cur;
	size_t			 ncur, capcur;
	int			 failed;
};

/*
 * Keeps d for the next scrape's first read: the TCP sockets a first read
 * remembers (findings_base() passes over TIME_WAIT, SYN_RECV, UDP, and a
 * socket with neither cookie nor inode), so the next scrape feeds it only
 * sockets it keeps (its sort is then never of an empty table).
 */
static void
keep(struct scan *s, const struct inetdiag_sock *d)
{
	if (d->s.proto != IPPROTO_TCP || d->s.state == PN_TIME_WAIT ||
	    d->s.state == PN_SYN_RECV || (d->cookie == 0 && d->s.inode == 0) ||
	    s->ncur >= XM_BASE_MAX)
		return;
	if (s->ncur == s->capcur) {
		size_t c = s->capcur ? s->capcur * 2 : 256;
		struct inetdiag_sock *n = reallocarray(s->cur, c, sizeof(*n));

		if (n == NULL)
			return;	/* the next scrape sees less: not fatal */
		s->cur = n;
		s->capcur = c;
	}
	s->cur[s->ncur++] = *d;
}

static int
add_fn(const struct inetdiag_sock *d, void *arg)
{
	struct scan *s = arg;
	struct owners_proc *p;
	int nshare;

	keep(s, d);
	p = owners_of(s->w, d->s.inode, &nshare);
	if (findings_add(s->f, d, p, nshare) == -1) {
		s->failed = 1;
		return 1;
	}
	return 0;
}

/* One finding series: its labels, and how many findings share them. */
struct fser {
	char	reason[48];
	char	target[320];
	long	n;
};

static void
put_findings(struct findings *f, struct owners *w, int nf, struct expo *e)
{
	struct fser *fs = calloc(XM_FINDINGS_MAX, sizeof(*fs));
	size_t nfs = 0;

	expo_family(e, "sockctl_finding", EXPO_GAUGE, NULL,
	    "findings of sockctl inspect now, by reason and subject");
	if (fs == NULL)
		return;
	for (int i = 0; i < nf; i++) {
		struct result r;
		size_t k;

		result_init(&r, "inspect");
		findings_result(f, w, (size_t)i, NULL, &r);
		for (k = 0; k < nfs; k++)
			if (strcmp(fs[k].reason, reason_slug(r.reason)) == 0 &&
			    strcmp(fs[k].target, r.target) == 0)
				break;
		if (k == nfs && nfs < XM_FINDINGS_MAX) {
			snprintf(fs[k].reason, sizeof(fs[k].reason), "%s",
			    reason_slug(r.reason));
			snprintf(fs[k].target, sizeof(fs[k].target), "%s",
			    r.target);
			nfs++;
		}
		if (k < nfs)
			fs[k].n++;
		result_free(&r);
	}
	for (size_t k = 0; k < nfs; k++) {
		struct om_label l[2] = { { "reason", fs[k].reason },
		    { "target", fs[k].target } };

		expo_sample(e, l, 2, (double)fs[k].n);
	}
	free(fs);
}

static void
put_sockets(struct findings *f, struct expo *e)
{
	const struct findings_group *g;
	const long *st = findings_states(f);
	char lo[ADDRSTR_MAX];
	size_t n, shown = 0;

	expo_family(e, "sockctl_sockets", EXPO_GAUGE, NULL,
	    "TCP sockets of this machine in each state");
	/* every state, 0 or not: a series that comes and goes is a gap */
	for (int s = 1; s < FINDINGS_NSTATES; s++) {
		struct om_label l = { "state", pn_state_name(IPPROTO_TCP, s) };

		expo_sample(e, &l, 1, (double)st[s]);
	}
	expo_family(e, "sockctl_udp_sockets", EXPO_GAUGE, NULL,
	    "UDP sockets of this machine");
	expo_sample(e, NULL, 0, (double)findings_udp(f));

	g = findings_groups(f, &n);
	expo_family(e, "sockctl_port_sockets", EXPO_GAUGE, NULL,
	    "TCP connections of each listening port, by state");
	for (size_t i = 0; i < n && shown < XM_GROUPS_MAX; i++) {
		if (g[i].kind != FG_LISTEN)
			continue;
		shown++;
		sa_fmt((const struct sockaddr *)&g[i].local, lo, sizeof(lo));
		for (int s = 1; s < FINDINGS_NSTATES; s++) {
			struct om_label l[2] = { { "address", lo },
			    { "state", pn_state_name(IPPROTO_TCP, s) } };

			if (s == PN_LISTEN || (g[i].states[s] == 0 &&
			    s != PN_ESTABLISHED && s != PN_CLOSE_WAIT))
				continue;
			expo_sample(e, l, 2, (double)g[i].states[s]);
		}
	}
	expo_family(e, "sockctl_listen_queue_length", EXPO_GAUGE, NULL,
	    "connections waiting in a listener's accept queue");
	shown = 0;
	for (size_t i = 0; i < n && shown < XM_GROUPS_MAX; i++) {
		struct om_label l = { "address", lo };

		if (g[i].kind != FG_LISTEN)
			continue;
		shown++;
		sa_fmt((const struct sockaddr *)&g[i].local, lo, sizeof(lo));
		expo_sample(e, &l, 1, (double)g[i].qlen);
	}
	expo_family(e, "sockctl_listen_backlog", EXPO_GAUGE, NULL,
	    "the accept queue size a listener asked for (its backlog)");
	shown = 0;
	for (size_t i = 0; i < n && shown < XM_GROUPS_MAX; i++) {
		struct om_label l = { "address", lo };

		if (g[i].kind != FG_LISTEN)
			continue;
		shown++;
		sa_fmt((const struct sockaddr *)&g[i].local, lo, sizeof(lo));
		expo_sample(e, &l, 1, (double)g[i].backlog);
	}
}

static void
put_self(const struct xm_self *self, double scrape_s, struct expo *e)
{
	static const char *const cls[] = { "1xx", "1xx", "2xx", "3xx", "4xx",
		"5xx" };

	expo_family(e, "sockctl_exporter_probes", EXPO_COUNTER, NULL,
	    "probes run through /probe");
	expo_sample(e, NULL, 0, (double)self->probes);
	expo_family(e, "sockctl_exporter_probes_in_flight", EXPO_GAUGE, NULL,
	    "probes running now");
	expo_sample(e, NULL, 0, (double)self->in_flight);
	expo_family(e, "sockctl_exporter_requests", EXPO_COUNTER, NULL,
	    "HTTP requests answered, by status class");
	for (int i = 2; i <= 5; i++) {
		struct om_label l = { "code", cls[i] };

		expo_sample(e, &l, 1, (double)self->codes[i]);
	}
	expo_family(e, "sockctl_exporter_connections", EXPO_GAUGE, NULL,
	    "HTTP connections open now");
	expo_sample(e, NULL, 0, (double)self->conns);
	expo_family(e, "sockctl_exporter_connections_cut", EXPO_COUNTER, NULL,
	    "HTTP connections cut off: too slow, too many, or no memory");
	expo_sample(e, NULL, 0, (double)self->cut);
	expo_family(e, "sockctl_exporter_scrape_duration_seconds", EXPO_GAUGE,
	    "seconds", "time this /metrics took to read and judge the sockets");
	expo_sample(e, NULL, 0, scrape_s);
}

int
xmetrics_scrape(struct xmetrics *m, const struct ctx *c,
    const struct xm_self *self, struct expo *e, char *err, size_t errlen)
{
	struct findings_cfg cfg;
	struct counters k;
	struct scan s;
	int64_t t0 = clock_ns();
	int nf, rc = -1;

	memset(&s, 0, sizeof(s));
	cfg.root = c->env.proc_root;
	cfg.whole = 1;
	cfg.sample_ms = m->prev_ns == 0 ? 0 : (t0 - m->prev_ns) / 1000000;
	if (m->prev_ns != 0 && cfg.sample_ms < 1)
		cfg.sample_ms = 1;
	if ((s.f = findings_new(&cfg)) == NULL)
		goto nomem;
	for (size_t i = 0; i < m->nprev; i++)
		if (findings_base(s.f, &m->prev[i]) == -1)
			goto nomem;
	if (m->nprev > 0)
		findings_base_done(s.f);
	if ((s.w = owners_walk(c->env.proc_root, 0)) == NULL)
		goto nomem;
	if (counters_read(c->env.proc_root, &k) == -1)
		k = m->k;
	findings_counters(s.f, m->prev_ns != 0 ? &m->k : &k, &k);
	if (inetdiag_scan(c->env.proc_root, IPPROTO_TCP, PN_STATE(PN_LISTEN),
	    add_fn, &s) == -1 || inetdiag_scan(c->env.proc_root, IPPROTO_TCP,
	    PN_ALL_STATES & ~PN_STATE(PN_LISTEN), add_fn, &s) == -1) {
		snprintf(err, errlen, "cannot read the TCP sockets: %s",
		    strerror(errno));
		goto out;
	}
	(void)inetdiag_scan(c->env.proc_root, IPPROTO_UDP, PN_ALL_STATES, add_fn,
	    &s);
	if (s.failed || (nf = findings_judge(s.f, s.w)) < 0)
		goto nomem;
	put_sockets(s.f, e);
	put_findings(s.f, s.w, nf, e);
	put_self(self, (double)(clock_ns() - t0) / 1e9, e);
	/* what this scrape saw is the next one's first read */
	free(m->prev);
	m->prev = s.cur;
	m->nprev = s.ncur;
	s.cur = NULL;
	m->prev_ns = t0;
	m->k = k;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "no memory for the socket tables");
out:
	free(s.cur);
	owners_free(s.w);
	findings_free(s.f);
	return rc;
}

void
xmetrics_free(struct xmetrics *m)
{
	free(m->prev);
	memset(m, 0, sizeof(*m));
}
