/*
 * What a round of attempts says as a whole (lib/explain/evround.h): the
 * failure that speaks for it, that only some addresses answered, what
 * Happy Eyeballs gave up, and its outcome for --wait.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "errname.h"
#include "evconn.h"
#include "evround.h"
#include "sysinfo.h"

static char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_fmt_host((const struct sockaddr *)ss, buf, len);
}

/* On this machine: loopback, or an address of one of its interfaces. */
static int
is_local(const struct sockaddr_storage *ss)
{
	return sa_is_loopback((const struct sockaddr *)ss) ||
	    si_is_local((const struct sockaddr *)ss);
}

int
evround_conclude(const struct dial_round *rd, const char *host, char *buf,
    size_t len)
{
	int okf[2] = { 0, 0 }, badf[2] = { 0, 0 }, nok = 0, nbad = 0;
	int local = 0, refused = 0;
	const struct dial_att *first = NULL, *bad = NULL;
	char h[ADDRSTR_MAX], fh[ADDRSTR_MAX];
	const char *verb;

	if (rd->numeric || rd->naddr < 2)
		return 0;
	for (int i = 0; i < rd->nstarted; i++) {
		const struct dial_att *a = &rd->att[i];
		int f = a->sa.ss_family == AF_INET6;

		if (a->abandoned)
			continue;
		if (a->ok || a->est_ns != 0) {
			okf[f] = 1;
			nok++;
		} else {
			badf[f] = 1;
			nbad++;
			if (bad == NULL)
				bad = a;
			local |= is_local(&a->sa);
			refused |= evconn_reason(a) == RS_REFUSED;
		}
	}
	if (nok == 0 || nbad == 0)
		return 0;
	/* the resolver's first address, before interleaving */
	first = &rd->att[0];
	verb = local && refused ? "listens" : "answers";
	host_of(&bad->sa, h, sizeof(h));
	host_of(&first->sa, fh, sizeof(fh));
	if (okf[0] && !okf[1] && badf[1])
		snprintf(buf, len, "%s %s on IPv4 only (%s: %s)",
		    host, verb, h, reason_slug(evconn_reason(bad)));
	else if (okf[1] && !okf[0] && badf[0])
		snprintf(buf, len, "%s %s on IPv6 only (%s: %s)",
		    host, verb, h, reason_slug(evconn_reason(bad)));
	else
		snprintf(buf, len, "%s %s on %d of its %d addresses (%s: %s)",
		    host, verb, nok, nok + nbad, h,
		    reason_slug(evconn_reason(bad)));
	if (!(first->ok || first->est_ns != 0) && !first->abandoned) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "; %s resolves to %s first, so "
		    "clients that try one address fail", host, fh);
	} else {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "; clients that try %s fail", h);
	}
	return 1;
}

/* Picks the failure that speaks for the round (the most telling one). */
const struct dial_att *
evround_representative(const struct dial_round *rd)
{
	for (int i = 0; i < rd->nstarted; i++) {
		const struct dial_att *a = &rd->att[i];
		enum reason rs = evconn_reason(a);

		if (a->abandoned)
			continue;
		if (rs == RS_ADDRNA || (a->immediate && (a->err ==
		    ENETUNREACH || a->err == EAFNOSUPPORT)))
			continue;
		return a;
	}
	for (int i = 0; i < rd->nstarted; i++)
		if (!rd->att[i].abandoned)
			return &rd->att[i];
	return &rd->att[0];
}

void
evround_explain(const struct dial_round *rd, const char *host,
    const struct dial_att *a, int list, struct result *r)
{
	char buf[512], h[ADDRSTR_MAX], wh[ADDRSTR_MAX];
	size_t m = 0;

	if (evround_conclude(rd, host, buf, sizeof(buf))) {
		if (a->ok)
			result_fix(r, "%s", buf);
		else
			result_cause(r, "%s", buf);
	}
	if (a->ok && rd->winner >= 0 && a == &rd->att[rd->winner]) {
		for (int i = 0; i < rd->nstarted; i++)
			if (rd->att[i].abandoned) {
				result_fix(r, "%s had not answered after %d "
				    "ms, so %s was tried next (RFC 8305); it "
				    "was dropped when that connected", host_of(
				    &rd->att[i].sa, h, sizeof(h)),
				    DIAL_HE_DELAY_MS, host_of(&a->sa, wh,
				    sizeof(wh)));
				break;
			}
	}
	if (!list || rd->winner >= 0 || rd->nstarted < 2)
		return;
	buf[0] = '\0';
	for (int i = 0; i < rd->nstarted && m < sizeof(buf); i++) {
		const struct dial_att *t = &rd->att[i];

		m += (size_t)snprintf(buf + m, sizeof(buf) - m, "%s%s %s%s%s%s",
		    i ? ", " : "", host_of(&t->sa, h, sizeof(h)),
		    reason_slug(evconn_reason(t)), t->err ? " (" : "",
		    t->err && errname(t->err) ? errname(t->err) : "",
		    t->err ? ")" : "");
	}
	result_cause(r, "%s resolves to %d addresses, all failed: %s", host,
	    rd->nstarted, buf);
}

/* A failure --wait retries; with an exchange a reset or a wrong reply
 * too (accepted is not ready: the next round may pass). */
static int
retryable(int exchange, enum reason r)
{
	if (r == RS_REFUSED || r == RS_TIMEOUT || r == RS_UNREACH ||
	    r == RS_NOT_READY)
		return 1;
	return exchange && (r == RS_RESET || r == RS_EXPECT);
}

int
evround_outcome(const struct dial_round *rd, int all, int exchange,
    int *retry, char *why, size_t len)
{
	const struct dial_att *a;
	enum reason r;
	int ok = 1;

	*retry = 1;
	why[0] = '\0';
	if (rd->nstarted == 0) {
		if (rd->naddr > 0 || (rd->eai == 0 && !rd->rs_cut)) {
			snprintf(why, len, "%s", reason_slug(RS_ADDRNA));
			*retry = 0;
			return 0;
		}
		*retry = rd->rs_cut || rd->eai == EAI_AGAIN;
		snprintf(why, len, "dns-failure (%s)", rd->rs_cut ?
		    "no answer" : eai_name(rd->eai) ? eai_name(rd->eai) : "?");
		return 0;
	}
	for (int i = 0; i < rd->nstarted; i++) {
		a = &rd->att[i];
		if (!all && (rd->winner >= 0 ? i != rd->winner :
		    a != evround_representative(rd)))
			continue;
		if (a->ok || a->abandoned)
			continue;
		r = evconn_reason(a);
		if (ok)
			snprintf(why, len, "%s%s%s%s", reason_slug(r), a->err ?
			    " (" : "", a->err && errname(a->err) ?
			    errname(a->err) : "", a->err ? ")" : "");
		ok = 0;
		if (!retryable(exchange, r))
			*retry = 0;
	}
	return ok;
}
