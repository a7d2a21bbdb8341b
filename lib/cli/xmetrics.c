/*
 * The exporter's /metrics: see xmetrics.h. A scrape reads the TCP, UDP
 * and Unix sockets once, feeding them to inspect's judges (lib/findings,
 * lib/findwait) as their last read, while what the scrape before read is
 * their first read; what is read now is kept (at most XM_BASE_MAX sockets
 * of each) for the next one. Whole-machine inspect's findings, then.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "findings.h"
#include "grow.h"
#include "owners.h"
#include "xmetrics.h"

struct scan {
	struct findings		*f;
	struct owners		*w;
	struct waits		*wt;	/* the waits' last read */
	struct waits		*wn;	/* and the next scrape's first */
	struct inetdiag_sock	*cur;
	size_t			 ncur, capcur;
	struct unixdiag_sock	*ucur;
	size_t			 nucur, capucur;
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
	if (grow((void **)&s->cur, &s->capcur, s->ncur, sizeof(*s->cur),
	    256) == -1)
		return;	/* the next scrape sees less: not fatal */
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
	if (findings_add(s->f, d, p, nshare) == -1 ||
	    waits_udp(s->wt, d, p) == -1 || waits_udp_base(s->wn, d) == -1) {
		s->failed = 1;
		return 1;
	}
	return 0;
}

static void
ufree(struct unixdiag_sock *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].icons);
	free(v);
}

/* Keeps u (its accept queue copied) for the next scrape's first read. */
static void
ukeep(struct scan *s, const struct unixdiag_sock *u)
{
	struct unixdiag_sock *x;
	size_t n = u->nicons < XM_ICONS_MAX ? u->nicons : XM_ICONS_MAX;

	if (s->nucur >= XM_BASE_MAX)
		return;
	if (grow((void **)&s->ucur, &s->capucur, s->nucur, sizeof(*s->ucur),
	    256) == -1)
		return;	/* the next scrape sees less: not fatal */
	x = &s->ucur[s->nucur];
	*x = *u;
	x->icons = NULL;
	x->nicons = 0;
	if (n > 0 && (x->icons = malloc(n * 4)) != NULL) {
		memcpy((void *)x->icons, u->icons, n * 4);
		x->nicons = n;
	}
	s->nucur++;
}

/* Every Unix socket of the machine, as whole-machine inspect's. */
static int
unix_fn(const struct unixdiag_sock *u, void *arg)
{
	struct scan *s = arg;
	struct owners_proc *p = owners_of(s->w, u->inode, NULL);

	ukeep(s, u);
	if (findings_unix_sock(s->f, u, p, 1) == -1 ||
	    waits_unix(s->wt, u, p) == -1 || waits_unix_base(s->wn, u) == -1) {
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

/* Counts r in its series of fs (a new one while there is room). */
static void
count_finding(struct fser *fs, size_t *nfs, const struct result *r)
{
	size_t k;

	for (k = 0; k < *nfs; k++)
		if (strcmp(fs[k].reason, reason_slug(r->reason)) == 0 &&
		    strcmp(fs[k].target, r->target) == 0)
			break;
	if (k == *nfs && *nfs < XM_FINDINGS_MAX) {
		snprintf(fs[k].reason, sizeof(fs[k].reason), "%s",
		    reason_slug(r->reason));
		snprintf(fs[k].target, sizeof(fs[k].target), "%s", r->target);
		(*nfs)++;
	}
	if (k < *nfs)
		fs[k].n++;
}

/* Every finding of inspect's two judges: one series per reason and
 * subject, the number of findings its value. */
static void
put_findings(struct scan *s, int nf, int nw, struct expo *e)
{
	struct fser *fs = calloc(XM_FINDINGS_MAX, sizeof(*fs));
	size_t nfs = 0;

	expo_family(e, "sockctl_finding", EXPO_GAUGE, NULL,
	    "findings of sockctl inspect now, by reason and subject");
	if (fs == NULL)
		return;
	for (int i = 0; i < nf + nw; i++) {
		struct result r;

		result_init(&r, "inspect");
		if (i < nf)
			findings_result(s->f, s->w, (size_t)i, NULL, &r);
		else
			waits_result(s->wt, s->w, (size_t)(i - nf), NULL, &r);
		count_finding(fs, &nfs, &r);
		result_free(&r);
	}
	for (size_t k = 0; k < nfs; k++) {
		struct om_label l[2] = { { "reason", fs[k].reason },
		    { "target", fs[k].target } };

		expo_sample(e, l, 2, (double)fs[k].n);
	}
	free(fs);
}

/*
 * Whether g is a listener with queue series, TCP or Unix (every one: the
 * whole machine's summary hides Unix lines without a finding, but a full
 * queue is worth a graph before it is a finding), and its address or path
 * into lo.
 */
static int
listener(const struct findings_group *g, char *lo, size_t len)
{
	if (g->kind == FG_LISTEN) {
		sa_fmt((const struct sockaddr *)&g->local, lo, len);
		return 1;
	}
	if (g->kind != FG_UNIX || g->states[PN_LISTEN] == 0)
		return 0;
	snprintf(lo, len, "%s", g->path);
	return 1;
}

static void
put_sockets(struct findings *f, struct expo *e)
{
	const struct findings_group *g;
	const long *st = findings_states(f);
	char lo[sizeof(g->path) + ADDRSTR_MAX];
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
	expo_family(e, "sockctl_unix_sockets", EXPO_GAUGE, NULL,
	    "Unix sockets of this machine");
	expo_sample(e, NULL, 0, (double)findings_unix(f));

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

		if (listener(&g[i], lo, sizeof(lo))) {
			shown++;
			expo_sample(e, &l, 1, (double)g[i].qlen);
		}
	}
	expo_family(e, "sockctl_listen_backlog", EXPO_GAUGE, NULL,
	    "the accept queue size a listener asked for (its backlog)");
	shown = 0;
	for (size_t i = 0; i < n && shown < XM_GROUPS_MAX; i++) {
		struct om_label l = { "address", lo };

		if (listener(&g[i], lo, sizeof(lo))) {
			shown++;
			expo_sample(e, &l, 1, (double)g[i].backlog);
		}
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

/*
 * The last read and the judging, as whole-machine inspect's: TCP
 * listeners first, the other TCP sockets, UDP, Unix; then what the
 * processes the findings name wait on. Returns nf + nw, or -1 (*err).
 */
static int
judge(struct scan *s, const struct ctx *c, int *nf, char *err,
    size_t errlen)
{
	const char *root = c->env.proc_root;
	int nw;

	if (inetdiag_scan(root, IPPROTO_TCP, PN_STATE(PN_LISTEN), add_fn,
	    s) == -1 || inetdiag_scan(root, IPPROTO_TCP, PN_ALL_STATES &
	    ~PN_STATE(PN_LISTEN), add_fn, s) == -1) {
		snprintf(err, errlen, "cannot read the TCP sockets: %s",
		    strerror(errno));
		return -1;
	}
	(void)inetdiag_scan(root, IPPROTO_UDP, PN_ALL_STATES, add_fn, s);
	(void)unixdiag_scan(root, unix_fn, s);
	if (s->failed || (nw = waits_judge_with(s->wt, s->f, s->w, nf)) < 0) {
		snprintf(err, errlen, "no memory for the socket tables");
		return -1;
	}
	return *nf + nw;
}

/*
 * The tables of scrape s: the findings seeded with the last scrape's
 * sockets, the waits' first read (the last scrape's second, or a read
 * now), the owners, the counters into *k. Returns -1 when memory ran out.
 */
static int
prepare(struct xmetrics *m, struct findings_cfg *cfg, struct scan *s,
    struct counters *k)
{
	const char *root = cfg->root;

	if ((s->f = findings_new(cfg)) == NULL ||
	    (s->wn = waits_new(root, 1)) == NULL)
		return -1;
	/* the waits' first read is the last scrape's (none: one read) */
	if (m->wprev != NULL && m->prev_ns != 0) {
		s->wt = m->wprev;
		m->wprev = NULL;
		waits_set_sample(s->wt, cfg->sample_ms);
	} else if ((s->wt = waits_new(root, 0)) == NULL)
		return -1;
	for (size_t i = 0; i < m->nprev; i++)
		if (findings_base(s->f, &m->prev[i]) == -1)
			return -1;
	if (m->nprev > 0)
		findings_base_done(s->f);
	for (size_t i = 0; i < m->nuprev; i++)
		if (findings_unix_base(s->f, &m->uprev[i]) == -1)
			return -1;
	if ((s->w = owners_walk(root, 0)) == NULL)
		return -1;
	if (counters_read(root, k) == -1)
		*k = m->k;
	findings_counters(s->f, m->prev_ns != 0 ? &m->k : k, k);
	/* what every thread waits in now: the next scrape's first read */
	return waits_first(s->wn);
}

int
xmetrics_scrape(struct xmetrics *m, const struct ctx *c,
    const struct xm_self *self, struct expo *e, char *err, size_t errlen)
{
	struct findings_cfg cfg;
	struct counters k;
	struct scan s;
	int64_t t0 = clock_ns();
	int n, nf = 0, rc = -1;

	memset(&s, 0, sizeof(s));
	cfg.root = c->env.proc_root;
	cfg.whole = 1;
	cfg.sample_ms = m->prev_ns == 0 ? 0 : (t0 - m->prev_ns) / 1000000;
	if (m->prev_ns != 0 && cfg.sample_ms < 1)
		cfg.sample_ms = 1;
	if (prepare(m, &cfg, &s, &k) == -1) {
		snprintf(err, errlen, "no memory for the socket tables");
		goto out;
	}
	if ((n = judge(&s, c, &nf, err, errlen)) < 0)
		goto out;
	put_sockets(s.f, e);
	put_findings(&s, nf, n - nf, e);
	put_self(self, (double)(clock_ns() - t0) / 1e9, e);
	/* what this scrape saw is the next one's first read */
	free(m->prev);
	m->prev = s.cur;
	m->nprev = s.ncur;
	s.cur = NULL;
	ufree(m->uprev, m->nuprev);
	m->uprev = s.ucur;
	m->nuprev = s.nucur;
	s.ucur = NULL;
	s.nucur = 0;
	waits_free(m->wprev);
	m->wprev = s.wn;
	s.wn = NULL;
	m->prev_ns = t0;
	m->k = k;
	rc = 0;
out:
	free(s.cur);
	ufree(s.ucur, s.nucur);
	waits_free(s.wt);
	waits_free(s.wn);
	owners_free(s.w);
	findings_free(s.f);
	return rc;
}

void
xmetrics_free(struct xmetrics *m)
{
	free(m->prev);
	ufree(m->uprev, m->nuprev);
	waits_free(m->wprev);
	memset(m, 0, sizeof(*m));
}
