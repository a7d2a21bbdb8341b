/*
 * evconn, evdns and listen against canned facts (attempts as
 * dial leaves them) and the fixture trees tests/fixtures/evconn (listeners, an
 * accept queue, connections, ARP, an IPv4-only routing table) and
 * routes-dual (FIXTURES overrides the directory).
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "diag.h"
#include "dial.h"
#include "evconn.h"
#include "evround.h"
#include "evdns.h"
#include "listen.h"
#include "unit.h"

static char fx[1024], root_ev[1100], root_dual[1100];
static struct ev_env c;
static const char *cmd = "probe-connect";
static struct evconn ev;

static void
att(struct dial_att *a, const char *host, int port, enum stage st, int err,
    int dx)
{
	memset(a, 0, sizeof(*a));
	CHECK(sa_from_numeric(host, port, &a->sa) == 0);
	a->start_ns = 1000;
	a->end_ns = 2001000;		/* 2 ms */
	a->stage = st;
	a->err = err;
	a->dx = dx;
	a->rtt_ms = NAN;
	a->io.fd = -1;
}

/* As probe-connect fills a failed result: the facts, evconn, the table. */
static void
explain(const struct dial_att *a, struct result *r)
{
	result_init(r, cmd);
	r->stage = a->stage;
	r->err = a->err;
	r->dx = a->dx;
	evconn_explain(&ev, a, r);
	result_diagnose(r);
}

#define HAS(r, s)	CHECK(strstr((r)->message, (s)) != NULL)
#define FIX(r, s)	CHECK(strstr((r)->hint, (s)) != NULL)

static void
test_listen(void)
{
	struct sockaddr_storage d;
	struct listen_match ls;
	struct listen_cache lc;

	CHECK(sa_from_numeric("127.0.0.1", 9090, &d) == 0);
	CHECK(listen_lookup(root_ev, NULL, (struct sockaddr *)&d, 0, &ls) ==
	    0);
	CHECK(ls.nlisten == 1 && ls.match == 1 && ls.match_v6any == 0);
	CHECK(ls.m.rxq == 3 && ls.m.has_backlog == 0);
	CHECK(listen_queue_full(&ls) == 1);
	CHECK_STR(ls.where, "127.0.0.1");
	/* through the cache: the same answer, one read for both ports */
	memset(&lc, 0, sizeof(lc));
	CHECK(listen_lookup(root_ev, &lc, (struct sockaddr *)&d, 1, &ls) == 0);
	CHECK(ls.match == 1 && listen_queue_full(&ls) == 1);
	CHECK(lc.n == 3 && lc.at_ns > 0);	/* the three LISTEN lines */
	sa_set_port((struct sockaddr *)&d, 8080);
	CHECK(listen_lookup(root_ev, &lc, (struct sockaddr *)&d, 1, &ls) == 0);
	CHECK(ls.nlisten == 1 && ls.match == 0);
	CHECK_STR(ls.where, "127.0.0.2");
	/* [::]:7070 takes IPv4 too, unless v6-only */
	sa_set_port((struct sockaddr *)&d, 7070);
	CHECK(listen_lookup(root_ev, &lc, (struct sockaddr *)&d, 1, &ls) == 0);
	CHECK(ls.match == 1 && ls.match_v6any == 1 && ls.fam[1] == 1);
	CHECK_STR(ls.where, "[::]");
	sa_set_port((struct sockaddr *)&d, 22);
	CHECK(listen_lookup(root_ev, &lc, (struct sockaddr *)&d, 1, &ls) == 0);
	CHECK(ls.nlisten == 0 && listen_queue_full(&ls) == 0);
	listen_cache_free(&lc);
	CHECK(listen_lookup("/nonexistent", NULL, (struct sockaddr *)&d, 0,
	    &ls) == -1);
	CHECK(ls.nlisten == 0);
}

static void
test_refused(void)
{
	struct dial_att a;
	struct result r;

	att(&a, "127.0.0.1", 1, ST_CONNECT, ECONNREFUSED, 0);
	CHECK(evconn_reason(&a) == RS_REFUSED);
	explain(&a, &r);
	CHECK(r.reason == RS_REFUSED);
	HAS(&r, "nothing listens on port 1 on this machine (the kernel lists "
	    "no TCP socket in LISTEN on it)");
	FIX(&r, "start the service");
	result_free(&r);

	att(&a, "127.0.0.1", 8080, ST_CONNECT, ECONNREFUSED, 0);
	explain(&a, &r);
	HAS(&r, "port 8080 listens here only on 127.0.0.2, not on 127.0.0.1");
	result_free(&r);

	/* no table could be read: not known, never "nothing listens" */
	c.proc_root = "/nonexistent-proc";
	ev.lc.over = 1;
	att(&a, "127.0.0.1", 1, ST_CONNECT, ECONNREFUSED, 0);
	explain(&a, &r);
	CHECK(r.reason == RS_REFUSED);
	HAS(&r, "the TCP sockets of this machine could not be read (ENOENT), "
	    "so whether anything listens on port 1 is not known here");
	CHECK(strstr(r.message, "nothing listens") == NULL);
	FIX(&r, "ss -ltn sport = :1");
	result_free(&r);
	ev.lc.over = 0;
	c.proc_root = root_ev;

	att(&a, "127.0.0.1", 7070, ST_CONNECT, ECONNREFUSED, 0);
	explain(&a, &r);
	HAS(&r, "port 7070 listens here on [::] only: that socket set "
	    "IPV6_V6ONLY");
	result_free(&r);

	/* an ICMP port unreachable from a router: a firewall's REJECT */
	att(&a, "198.51.100.2", 80, ST_CONNECT, ECONNREFUSED, 0);
	a.icmp.origin = 2;
	a.icmp.type = 3;
	a.icmp.code = 3;
	a.icmp.kind = IK_PORT;
	a.icmp.has_offender = 1;
	CHECK(sa_from_numeric("198.51.100.1", 0, &a.icmp.offender) == 0);
	explain(&a, &r);
	HAS(&r, "instead of a TCP reset");
	HAS(&r, "router 198.51.100.1");
	FIX(&r, "the target and the path");
	result_free(&r);
}

static void
test_timeout(void)
{
	struct dial_att a;
	struct result r;

	att(&a, "127.0.0.1", 9090, ST_CONNECT, ETIMEDOUT, 0);
	CHECK(evconn_reason(&a) == RS_TIMEOUT);
	explain(&a, &r);
	HAS(&r, "has 3 connections waiting in its accept queue, probably a "
	    "full accept queue");
	HAS(&r, "not calling accept()");
	FIX(&r, "sport = :9090");
	result_free(&r);

	/* cut short by --wait */
	a.cut = 1;
	explain(&a, &r);
	HAS(&r, "the --wait deadline cut the attempt short (after 2 ms)");
	result_free(&r);

	/* nothing listens, yet no reset: a local DROP */
	att(&a, "127.0.0.1", 22, ST_CONNECT, ETIMEDOUT, 0);
	explain(&a, &r);
	HAS(&r, "nothing listens on port 22 here, yet no reset came back");
	FIX(&r, "DROP rule");
	result_free(&r);
}

static void
test_unreach(void)
{
	struct dial_att a;
	struct result r;

	/* IPv6 on an IPv4-only network */
	att(&a, "2001:db8::1", 80, ST_CONNECT, ENETUNREACH, 0);
	a.immediate = 1;
	CHECK(evconn_reason(&a) == RS_UNREACH);
	explain(&a, &r);
	HAS(&r, "this machine has no route to 2001:db8::1");
	HAS(&r, "no IPv6 default route (ip -6 route show default is empty) "
	    "while IPv4 has one: an IPv4-only network");
	FIX(&r, "use -4");
	result_free(&r);
	/* with an IPv6 default route it is no such network */
	c.proc_root = root_dual;
	explain(&a, &r);
	CHECK(strstr(r.message, "IPv6 default route") == NULL);
	FIX(&r, "ip route get 2001:db8::1");
	result_free(&r);
	c.proc_root = root_ev;
	/* an IPv4 address: the routes of IPv6 do not matter */
	att(&a, "203.0.113.5", 80, ST_CONNECT, ENETUNREACH, 0);
	a.immediate = 1;
	explain(&a, &r);
	HAS(&r, "no route to 203.0.113.5");
	CHECK(strstr(r.message, "IPv6") == NULL);
	result_free(&r);
	/* EINVAL at once: a blackhole */
	att(&a, "203.0.113.5", 80, ST_CONNECT, EINVAL, 0);
	a.immediate = 1;
	explain(&a, &r);
	HAS(&r, "blackhole");
	result_free(&r);
}

static void
test_exchange_addrna(void)
{
	struct dial_att a;
	struct result r;
	char reply[] = "hello\n";

	att(&a, "127.0.0.1", 9090, ST_EXPECT, 0, DX_EXPECT_MISMATCH);
	a.est_ns = 1000;
	a.rbuf = reply;
	a.rlen = 6;
	CHECK(evconn_reason(&a) == RS_EXPECT);
	explain(&a, &r);
	HAS(&r, "the reply did not match /^bye/ within 500 ms; received 6 "
	    "bytes: 'hello\\n'");
	result_free(&r);

	att(&a, "127.0.0.1", 9090, ST_RECV, 0, DX_PEER_CLOSED);
	a.est_ns = 1000;
	explain(&a, &r);
	HAS(&r, "the peer accepted, then closed 2.0 ms later without a reply");
	result_free(&r);

	/* the ephemeral ports: the range, and the sockets to that port */
	att(&a, "127.0.0.1", 9090, ST_CONNECT, EADDRNOTAVAIL, 0);
	a.immediate = 1;
	CHECK(evconn_reason(&a) == RS_ADDRNA);
	explain(&a, &r);
	HAS(&r, "net.ipv4.ip_local_port_range is 40000-40001 (2 ports); 2 "
	    "sockets here go to 127.0.0.1:9090 now, 1 of them in TIME_WAIT");
	result_free(&r);
}

static void
test_round(void)
{
	struct dial_att at[2];
	struct dial_round rd;
	char buf[512];

	memset(&rd, 0, sizeof(rd));
	rd.att = at;
	rd.naddr = rd.nstarted = 2;
	rd.winner = 1;
	att(&at[0], "::1", 80, ST_CONNECT, ECONNREFUSED, 0);
	att(&at[1], "127.0.0.1", 80, ST_NONE, 0, 0);
	at[1].ok = 1;
	at[1].est_ns = 2000;
	CHECK(evconn_reason(&at[1]) == RS_OK);
	CHECK(evround_conclude(&rd, "dual.test", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "dual.test listens on IPv4 only (::1: refused); "
	    "dual.test resolves to ::1 first, so clients that try one "
	    "address fail");
	/* a literal concludes nothing */
	rd.numeric = 1;
	CHECK(evround_conclude(&rd, "::1", buf, sizeof(buf)) == 0);
	rd.numeric = 0;
	/* no address answered: nothing to compare */
	at[1].ok = 0;
	at[1].est_ns = 0;
	at[1].stage = ST_CONNECT;
	at[1].err = ETIMEDOUT;
	CHECK(evround_conclude(&rd, "dual.test", buf, sizeof(buf)) == 0);
	/* an address this machine cannot use at all speaks last */
	at[0].err = ENETUNREACH;
	at[0].immediate = 1;
	CHECK(evround_representative(&rd) == &at[1]);
	at[0].err = ECONNREFUSED;
	at[0].immediate = 0;
	CHECK(evround_representative(&rd) == &at[0]);
}

static void
test_dns(void)
{
	struct dial_round rd;
	struct result r;

	memset(&rd, 0, sizeof(rd));
	rd.numeric = 1;
	rd.winner = -1;
	c.family = AF_INET;
	result_init(&r, cmd);
	evdns_round(&c, "::1", &rd, &r);
	CHECK(r.reason == RS_ADDRNA && r.stage == ST_RESOLVE);
	HAS(&r, "::1 is an IPv6 address, but -4 was given");
	result_free(&r);
	c.family = AF_UNSPEC;

	memset(&rd, 0, sizeof(rd));
	rd.rs_cut = 1;
	result_init(&r, cmd);
	evdns_round(&c, "db.example", &rd, &r);
	CHECK(r.reason == RS_DNS && r.eai == EAI_AGAIN);
	HAS(&r, "the resolver gave no answer for db.example within");
	CHECK(strstr(r.message, "nameserver") != NULL);
	result_free(&r);

	memset(&rd, 0, sizeof(rd));
	rd.eai = EAI_SYSTEM;
	rd.eai_err = EMFILE;
	result_init(&r, cmd);
	evdns_round(&c, "db.example", &rd, &r);
	CHECK(r.reason == RS_RESOURCE && r.eai == 0 && r.err == EMFILE);
	HAS(&r, "so db.example could not be looked up");
	result_free(&r);
}

int
main(void)
{
	const char *e = getenv("FIXTURES");

	snprintf(fx, sizeof(fx), "%s", e != NULL && *e != '\0' ? e :
	    "tests/fixtures");
	snprintf(root_ev, sizeof(root_ev), "%s/evconn", fx);
	snprintf(root_dual, sizeof(root_dual), "%s/routes-dual", fx);
	c.proc_root = root_ev;
	c.timeout_ms = 500;
	c.family = AF_UNSPEC;
	ev.c = &c;
	ev.expect = "^bye";
	ev.jobs = 1;
	test_listen();
	test_refused();
	test_timeout();
	test_unreach();
	test_exchange_addrna();
	test_round();
	test_dns();
	evconn_free(&ev);
	return UNIT_DONE("evconn");
}
