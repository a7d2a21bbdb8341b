#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "listen.h"

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

struct lscan {
	const struct sockaddr	*dst;
	struct listen_match	*ls;
};

static int
lscan_fn(const struct pn_sock *s, void *arg)
{
	struct lscan *sc = arg;
	struct listen_match *ls = sc->ls;
	char h[ADDRSTR_MAX];
	size_t n;
	int v6any;

	if (s->state != PN_LISTEN)
		return 0;
	ls->nlisten++;
	ls->fam[s->local.ss_family == AF_INET6] = 1;
	n = strlen(ls->where);
	if (n + ADDRSTR_MAX + 4 < sizeof(ls->where)) {
		host_of(&s->local, h, sizeof(h));
		snprintf(ls->where + n, sizeof(ls->where) - n, "%s%s%s%s",
		    n ? ", " : "", s->local.ss_family == AF_INET6 ? "[" : "",
		    h, s->local.ss_family == AF_INET6 ? "]" : "");
	}
	if (sa_listens_for((const struct sockaddr *)&s->local, sc->dst,
	    &v6any) && (!ls->match || ls->match_v6any)) {
		ls->match = 1;
		ls->match_v6any = v6any;
		ls->m = *s;
	}
	return 0;
}

static int
lcache_fn(const struct pn_sock *s, void *arg)
{
	struct listen_cache *lc = arg;

	if (lc->n == lc->cap) {
		size_t cap = lc->cap ? lc->cap * 2 : 64;
		struct pn_sock *v;

		if (cap > LISTEN_CACHE_MAX || (v = reallocarray(lc->v, cap,
		    sizeof(*v))) == NULL) {
			lc->over = 1;
			return 1;
		}
		lc->v = v;
		lc->cap = cap;
	}
	lc->v[lc->n++] = *s;
	return 0;
}

int
listen_lookup(const char *root, struct listen_cache *lc,
    const struct sockaddr *dst, int64_t since_ns, struct listen_match *ls)
{
	struct lscan sc = { dst, ls };
	int port = sa_port(dst);

	memset(ls, 0, sizeof(*ls));
	/* a read after the attempt ended tells as much as a new one */
	if (lc != NULL && !lc->over && lc->at_ns < since_ns) {
		lc->n = 0;
		lc->at_ns = clock_ns();
		if (pn_scan_states(root, IPPROTO_TCP, -1, PN_STATE(PN_LISTEN),
		    lcache_fn, lc) == -1)
			lc->over = 1;
	}
	if (lc == NULL || lc->over)
		return pn_scan_states(root, IPPROTO_TCP, port,
		    PN_STATE(PN_LISTEN), lscan_fn, &sc);
	for (size_t i = 0; i < lc->n; i++)
		if (sa_port((const struct sockaddr *)&lc->v[i].local) == port)
			(void)lscan_fn(&lc->v[i], &sc);
	return 0;
}

int
listen_queue_full(const struct listen_match *ls)
{
	/* the kernel drops a SYN once more than backlog connections wait;
	 * without the backlog (/proc/net/tcp) any wait counts */
	return ls->match && ls->m.rxq > (ls->m.has_backlog ? ls->m.backlog :
	    0);
}

void
listen_cache_free(struct listen_cache *lc)
{
	free(lc->v);
	lc->v = NULL;
	lc->n = lc->cap = 0;
}
