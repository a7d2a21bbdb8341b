#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "evdns.h"
#include "evlimits.h"
#include "resolve.h"
#include "sysinfo.h"

static const char *
fam_word(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static int
is_nodata(int eai)
{
#ifdef EAI_NODATA
	if (eai == EAI_NODATA)
		return 1;
#endif
#ifdef EAI_ADDRFAMILY
	if (eai == EAI_ADDRFAMILY)
		return 1;
#endif
	(void)eai;
	return 0;
}

/*
 * After -4/-6 found nothing: resolves the name for any family and writes
 * the addresses it has into buf. Returns how many there are.
 */
static int
other_family(const char *host, char *buf, size_t len)
{
	struct addrinfo *res, *ai;
	char h[ADDRSTR_MAX];
	size_t m = 0;
	int n = 0;

	if (rs_sync(host, AF_UNSPEC, &res) != 0)
		return 0;
	buf[0] = '\0';
	for (ai = res; ai != NULL && n < 4; ai = ai->ai_next, n++)
		m += (size_t)snprintf(buf + m, len > m ? len - m : 0, "%s%s",
		    n ? ", " : "", sa_fmt_host(ai->ai_addr, h, sizeof(h)));
	freeaddrinfo(res);
	return n;
}

/* The limit that stopped a lookup which never reached the resolver. */
static int
resource(const struct ev_env *c, const struct evdns_facts *f, struct result *r)
{
	if (f->eai == EAI_SYSTEM && (f->err == EMFILE || f->err == ENFILE ||
	    f->err == ENOMEM || f->err == ENOBUFS)) {
		/* not the name's fault: say which limit, as for a socket */
		r->eai = 0;
		r->err = f->err;
		result_diagnose(r);
		result_cause(r, "so %s could not be looked up (nothing is "
		    "known about the name)", f->host);
		evlimits_explain(c, r, r->err);
		return 1;
	}
	if (f->eai == EAI_MEMORY) {
		result_diagnose(r);
		evlimits_explain(c, r, ENOMEM);
		return 1;
	}
	return 0;
}

void
evdns_explain(const struct ev_env *c, const struct evdns_facts *f,
    struct result *r)
{
	const char *opt = c->family == AF_INET ? "-4" : "-6";
	char ns[256];
	int nns;

	r->stage = ST_RESOLVE;
	if (f->naddr == 0 && f->eai == 0 && !f->cut) {
		r->dx = DX_NO_ADDRESS;
		if (f->numeric)
			result_cause(r, "%s is an %s address, but %s was "
			    "given", f->host, fam_word(c->family == AF_INET ?
			    AF_INET6 : AF_INET), opt);
		result_diagnose(r);
		return;
	}
	r->eai = f->eai;
	if (f->eai == EAI_SYSTEM)
		r->err = f->err;
	if (resource(c, f, r))
		return;
	nns = si_nameservers(NULL, ns, sizeof(ns));
	if (c->family != AF_UNSPEC && !f->cut && (f->eai == EAI_NONAME ||
	    is_nodata(f->eai)) && other_family(f->host, ns, sizeof(ns))) {
		/* glibc says EAI_NONAME for a name of the other family only */
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given); it resolves to %s", f->host,
		    fam_word(c->family), opt, ns);
		result_fix(r, "drop %s, or add the missing %s record", opt,
		    c->family == AF_INET ? "A" : "AAAA");
		result_diagnose(r);
		return;
	}
	if (f->cut) {
		r->eai = EAI_AGAIN;
		result_cause(r, "the resolver gave no answer for %s within "
		    "%.0f ms%s", f->host, f->waited_ms, f->by_wait ?
		    " (the --wait deadline)" : "");
	} else if (f->eai == EAI_NONAME)
		result_cause(r, "no such name: the resolver answered that %s "
		    "does not exist (this will not change by waiting)",
		    f->host);
	else if (f->eai == EAI_AGAIN)
		result_cause(r, "%s could not be resolved now: the resolver "
		    "did not answer (temporary; retrying may work)",
		    f->host);
	else if (is_nodata(f->eai) && c->family != AF_UNSPEC)
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given)", f->host, fam_word(c->family), opt);
	if (f->eai == EAI_NONAME || f->eai == EAI_AGAIN || f->cut ||
	    f->eai == EAI_FAIL) {
		if (nns > 0)
			result_cause(r, "nameservers: %s (from "
			    "/etc/resolv.conf)", ns);
		else
			result_cause(r, "no nameserver line in "
			    "/etc/resolv.conf: the resolver asks 127.0.0.1");
	}
	result_diagnose(r);
}

void
evdns_round(const struct ev_env *c, const char *host,
    const struct dial_round *rd, struct result *r)
{
	struct evdns_facts f;

	memset(&f, 0, sizeof(f));
	f.host = host;
	f.eai = rd->eai;
	f.err = rd->eai_err;
	f.cut = rd->rs_cut;
	f.waited_ms = rd->rs_cut ? clock_between_ms(rd->rs_ns, clock_ns()) : 0;
	f.by_wait = rd->cut;
	f.naddr = rd->naddr;
	f.numeric = rd->numeric;
	evdns_explain(c, &f, r);
}

/*
 * When some addresses of a name answer and others do not, says so in one
 * sentence into buf. Returns 1 when it wrote one.
 */
