#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "evdns.h"
#include "evidence.h"
#include "resolve.h"
#include "sysinfo.h"

static double
ms_between(int64_t a, int64_t b)
{
	return (double)(b - a) / 1e6;
}

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

void
evdns_explain(const struct ctx *c, const char *host,
    const struct dial_round *rd, struct result *r)
{
	char ns[256];
	int nns;

	r->stage = ST_RESOLVE;
	if (rd->naddr == 0 && rd->eai == 0 && !rd->rs_cut) {
		r->dx = DX_NO_ADDRESS;
		if (rd->numeric)
			result_cause(r, "%s is an %s address, but %s was "
			    "given", host, fam_word(c->family ==
			    AF_INET ? AF_INET6 : AF_INET), c->family ==
			    AF_INET ? "-4" : "-6");
		result_diagnose(r);
		return;
	}
	r->eai = rd->eai;
	if (rd->eai == EAI_SYSTEM)
		r->err = rd->eai_err;
	if (rd->eai == EAI_SYSTEM && (r->err == EMFILE || r->err == ENFILE ||
	    r->err == ENOMEM || r->err == ENOBUFS)) {
		/* not the name's fault: say which limit, as for a socket */
		r->eai = 0;
		result_diagnose(r);
		result_cause(r, "so %s could not be looked up (nothing is "
		    "known about the name)", host);
		ev_limits(c, r, r->err);
		return;
	}
	if (rd->eai == EAI_MEMORY) {
		result_diagnose(r);
		ev_limits(c, r, ENOMEM);
		return;
	}
	nns = si_nameservers(NULL, ns, sizeof(ns));
	if (c->family != AF_UNSPEC && !rd->rs_cut && (rd->eai ==
	    EAI_NONAME || is_nodata(rd->eai)) && other_family(host, ns,
	    sizeof(ns))) {
		/* glibc says EAI_NONAME for a name of the other family only */
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given); it resolves to %s", host,
		    fam_word(c->family), c->family == AF_INET ? "-4" :
		    "-6", ns);
		result_fix(r, "drop %s, or add the missing %s record",
		    c->family == AF_INET ? "-4" : "-6",
		    c->family == AF_INET ? "A" : "AAAA");
		result_diagnose(r);
		return;
	}
	if (rd->rs_cut) {
		r->eai = EAI_AGAIN;
		result_cause(r, "the resolver gave no answer for %s within "
		    "%.0f ms%s", host, ms_between(rd->rs_ns,
		    clock_ns()), rd->cut ? " (the --wait deadline)" : "");
	} else if (rd->eai == EAI_NONAME)
		result_cause(r, "no such name: the resolver answered that %s "
		    "does not exist (this will not change by waiting)",
		    host);
	else if (rd->eai == EAI_AGAIN)
		result_cause(r, "%s could not be resolved now: the resolver "
		    "did not answer (temporary; retrying may work)",
		    host);
#ifdef EAI_NODATA
	else if ((rd->eai == EAI_NODATA
#ifdef EAI_ADDRFAMILY
	    || rd->eai == EAI_ADDRFAMILY
#endif
	    ) && c->family != AF_UNSPEC)
		result_cause(r, "%s exists but has no %s address (%s was "
		    "given)", host, fam_word(c->family),
		    c->family == AF_INET ? "-4" : "-6");
#endif
	if (rd->eai == EAI_NONAME || rd->eai == EAI_AGAIN || rd->rs_cut ||
	    rd->eai == EAI_FAIL) {
		if (nns > 0)
			result_cause(r, "nameservers: %s (from "
			    "/etc/resolv.conf)", ns);
		else
			result_cause(r, "no nameserver line in "
			    "/etc/resolv.conf: the resolver asks 127.0.0.1");
	}
	result_diagnose(r);
}

/*
 * When some addresses of a name answer and others do not, says so in one
 * sentence into buf. Returns 1 when it wrote one.
 */
