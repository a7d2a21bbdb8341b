/*
 * The parsers and tables of the foundation: dur, addr, the JSON
 * writer (json), the diagnosis table (diag), errname.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>

#include "addr.h"
#include "diag.h"
#include "dur.h"
#include "errname.h"
#include "out.h"
#include "reason.h"
#include "unit.h"

static int64_t
dur(const char *s)
{
	int64_t ms = -99;
	int r = dur_parse(s, &ms);

	return r == 0 ? ms : r;
}

static void
test_dur(void)
{
	CHECK(dur("250ms") == 250);
	CHECK(dur("5s") == 5000);
	CHECK(dur("1.5s") == 1500);
	CHECK(dur("2m") == 120000);
	CHECK(dur("1h") == 3600000);
	CHECK(dur("5") == 5000);
	CHECK(dur("0") == 0);
	CHECK(dur("0.1ms") == 1);	/* rounded up */
	CHECK(dur(".5s") == 500);
	CHECK(dur("0.25") == 250);
	CHECK(dur("0.3s") == 300);
	CHECK(dur("1.0001s") == 1001);	/* rounded up */
	CHECK(dur("1.0000000001s") == 1000);	/* past ns: ignored */
	CHECK(dur("2147483647ms") == DUR_MAX_MS);
	CHECK(dur("596h") == 596LL * 3600000);

	CHECK(dur("") == -1);
	CHECK(dur("5x") == -1);
	CHECK(dur("-1") == -1);
	CHECK(dur("+5") == -1);
	CHECK(dur(" 5") == -1);
	CHECK(dur("5 ") == -1);
	CHECK(dur("1e3") == -1);
	CHECK(dur(".") == -1);
	CHECK(dur("5.") == -1);
	CHECK(dur("5 s") == -1);
	CHECK(dur("nan") == -1);
	CHECK(dur("inf") == -1);
	CHECK(dur("s") == -1);
	CHECK(dur("5S") == -1);
	CHECK(dur("5sec") == -1);
	CHECK(dur("1..5s") == -1);
	CHECK(dur_parse(NULL, &(int64_t){ 0 }) == -1);

	CHECK(dur("2147483648ms") == -2);
	CHECK(dur("597h") == -2);
	CHECK(dur("596.9h") == -2);
	CHECK(dur("2147483.648s") == -2);
	CHECK(dur("99999999999999999999999999") == -2);
	CHECK(dur("99999999999999999999999999ms") == -2);
}

static void
test_port(void)
{
	char err[256];
	int port = -1;

	CHECK(port_parse("8080", 0, &port, err, sizeof(err)) == 0);
	CHECK(port == 8080);
	CHECK(port_parse("0", 0, &port, err, sizeof(err)) == 0 && port == 0);
	CHECK(port_parse("65535", 0, &port, err, sizeof(err)) == 0);
	CHECK(port == 65535);
	CHECK(port_parse("00080", 0, &port, err, sizeof(err)) == 0);
	CHECK(port == 80);
	CHECK(port_parse("http", 0, &port, err, sizeof(err)) == 0);
	CHECK(port == 80);
	CHECK(port_parse("domain", 1, &port, err, sizeof(err)) == 0);
	CHECK(port == 53);

	err[0] = '\0';
	CHECK(port_parse("70000", 0, &port, err, sizeof(err)) == -1);
	CHECK(strstr(err, "'70000'") != NULL);
	CHECK(strstr(err, "range") != NULL);
	CHECK(port_parse("65536", 0, &port, err, sizeof(err)) == -1);
	CHECK(port_parse("99999999999999999999999", 0, &port, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK(port_parse("", 0, &port, err, sizeof(err)) == -1);
	CHECK(strstr(err, "empty") != NULL);
	CHECK(port_parse("-1", 0, &port, err, sizeof(err)) == -1);
	CHECK(port_parse("no-such-service-x", 0, &port, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "no-such-service-x") != NULL);
	CHECK(port_parse("a b", 0, &port, err, sizeof(err)) == -1);
	CHECK(port_parse("80/tcp", 0, &port, err, sizeof(err)) == -1);
}

static void
test_endpoint(void)
{
	struct endpoint ep;
	char err[256], big[400];

	CHECK(ep_parse("8080", EP_PORT_ONLY, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "");
	CHECK(ep.port == 8080);
	CHECK_STR(ep.port_str, "8080");
	CHECK(ep_parse("8080", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "missing port") != NULL);
	CHECK(ep_parse(":8080", EP_PORT_ONLY, &ep, err, sizeof(err)) == 0);
	CHECK(ep.port == 8080 && ep.host[0] == '\0');
	CHECK(ep_parse(":8080", 0, &ep, err, sizeof(err)) == -1);

	CHECK(ep_parse("127.0.0.1:80", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "127.0.0.1");
	CHECK(ep.port == 80);
	CHECK(ep_parse("example.com:http", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "example.com");
	CHECK(ep.port == 80);
	CHECK_STR(ep.port_str, "http");

	CHECK(ep_parse("[::1]:80", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "::1");
	CHECK(ep.port == 80);
	CHECK(ep_parse("[fe80::1%lo]:22", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "fe80::1%lo");

	CHECK(ep_parse("::1:80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "brackets") != NULL);
	CHECK(ep_parse("[::1]", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "missing port") != NULL);
	CHECK(ep_parse("[::1]:", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("[::1", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "']'") != NULL);
	CHECK(ep_parse("[]:80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("[host]:80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("[::1]x80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("127.0.0.1:", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "missing port") != NULL);
	CHECK(ep_parse("127.0.0.1:70000", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "70000") != NULL);
	CHECK(ep_parse("bad host:80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "invalid host") != NULL);
	CHECK(ep_parse("", EP_PORT_ONLY, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "empty") != NULL);
	CHECK(ep_parse("", 0, &ep, err, sizeof(err)) == -1);

	/* a 300-character host, both forms */
	memset(big, 'a', 300);
	memcpy(big + 300, ":80", 4);
	CHECK(ep_parse(big, 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);
	big[300] = '\0';
	CHECK(ep_parse2(big, "80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);
	/* 253 characters is the most a name may have */
	memset(big, 'a', 253);
	memcpy(big + 253, ":80", 4);
	CHECK(ep_parse(big, 0, &ep, err, sizeof(err)) == 0);
	CHECK(strlen(ep.host) == 253);
	big[0] = '[';
	memset(big + 1, 'a', 300);
	memcpy(big + 301, "]:80", 5);
	CHECK(ep_parse(big, 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);

	/* the two-argument form */
	CHECK(ep_parse2("localhost", "80", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "localhost");
	CHECK(ep.port == 80);
	CHECK(ep_parse2("[::1]", "8080", 0, &ep, err, sizeof(err)) == 0);
	CHECK_STR(ep.host, "::1");
	CHECK(ep_parse2("::1", "http", 0, &ep, err, sizeof(err)) == 0);
	CHECK(ep.port == 80);
	CHECK(ep_parse2("", "80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "empty host") != NULL);
	CHECK(ep_parse2("localhost", "", 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "empty port") != NULL);
	CHECK(ep_parse2("[]", "80", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse2("localhost", "70000", 0, &ep, err, sizeof(err)) ==
	    -1);
	CHECK(strstr(err, "70000") != NULL);
}

static void
test_sa(void)
{
	struct sockaddr_storage ss;
	char buf[ADDRSTR_MAX];

	CHECK(sa_from_numeric("127.0.0.1", 80, &ss) == 0);
	CHECK_STR(sa_fmt((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "127.0.0.1:80");
	CHECK(sa_from_numeric("::1", 443, &ss) == 0);
	CHECK_STR(sa_fmt((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "[::1]:443");
	CHECK(sa_port((struct sockaddr *)&ss) == 443);
	sa_set_port((struct sockaddr *)&ss, 8443);
	CHECK_STR(sa_fmt_host((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "::1");
	CHECK(sa_port((struct sockaddr *)&ss) == 8443);
	CHECK(sa_from_numeric("localhost", 80, &ss) == -1);
	CHECK(sa_from_numeric("", 80, &ss) == -1);
	CHECK_STR(family_name(AF_INET), "ipv4");
	CHECK_STR(family_name(AF_INET6), "ipv6");
	CHECK_STR(family_name(AF_UNIX), "unix");
	CHECK(family_name(AF_APPLETALK) == NULL);
}

/* Unix endpoints: unix:PATH, a '/', @NAME; the sun_path limit. */
static void
unix_endpoints(void)
{
	struct sockaddr_storage ss;
	struct endpoint ep;
	char err[256], buf[ADDRSTR_MAX], big[200];

	CHECK(ep_parse("unix:/run/x.sock", 0, &ep, err, sizeof(err)) == 0);
	CHECK(ep.is_unix);
	CHECK_STR(ep.host, "/run/x.sock");
	CHECK(ep_parse("./app.sock", EP_PORT_ONLY, &ep, err, sizeof(err)) ==
	    0);
	CHECK(ep.is_unix);
	CHECK_STR(ep.host, "./app.sock");
	CHECK(ep_parse("@name", 0, &ep, err, sizeof(err)) == 0);
	CHECK(ep.is_unix);
	CHECK(ep_parse("unix:", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("@", 0, &ep, err, sizeof(err)) == -1);
	CHECK(ep_parse("db:5432", 0, &ep, err, sizeof(err)) == 0);
	CHECK(!ep.is_unix);
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[108] = '\0';		/* 108 bytes: one too many */
	CHECK(ep_parse(big, 0, &ep, err, sizeof(err)) == -1);
	CHECK(strstr(err, "108 bytes long") != NULL);
	CHECK(strstr(err, "107") != NULL);
	big[107] = '\0';		/* 107: fits */
	CHECK(ep_parse(big, 0, &ep, err, sizeof(err)) == 0);
	CHECK(sa_from_unix(big, &ss) == 0);
	CHECK(sa_len((struct sockaddr *)&ss) == 110);
	CHECK(sa_from_unix("@abc", &ss) == 0);
	CHECK_STR(sa_fmt((struct sockaddr *)&ss, buf, sizeof(buf)), "@abc");
	CHECK(sa_from_unix("/run/x.sock", &ss) == 0);
	CHECK_STR(sa_fmt((struct sockaddr *)&ss, buf, sizeof(buf)),
	    "/run/x.sock");
	CHECK(sa_port((struct sockaddr *)&ss) == -1);
}

/* Builds one JSON value with a single string and compares it. */
static void
quoted(const char *in, const char *want)
{
	struct jbuf jb;

	jb_init(&jb);
	jb_quote(&jb, in);
	CHECK_STR(jb.s, want);
	jb_free(&jb);
}

static void
test_json(void)
{
	struct jbuf jb;

	quoted("plain", "\"plain\"");
	quoted("", "\"\"");
	quoted(NULL, "null");
	quoted("say \"hi\"", "\"say \\\"hi\\\"\"");
	quoted("a\\b", "\"a\\\\b\"");
	quoted("l1\nl2\r\t", "\"l1\\nl2\\r\\t\"");
	quoted("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	quoted("a\xff" "b", "\"a\\ufffdb\"");
	quoted("\x80", "\"\\ufffd\"");
	quoted("\xc3", "\"\\ufffd\"");		/* truncated at the end */
	quoted("\xe2\x82", "\"\\ufffd\\ufffd\"");
	quoted("\xc3(", "\"\\ufffd(\"");
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
	quoted("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	quoted("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	quoted("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	quoted("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	quoted("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	quoted("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	quoted("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* the largest of each length stays */
	quoted("\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf",
	    "\"\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
	quoted("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");	/* U+D7FF */

	/* nested objects and arrays: commas only between items */
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "a", "x");
	jb_kint(&jb, "n", -3);
	jb_arr_open(&jb, "list");
	jb_str(&jb, "s");
	jb_int(&jb, 7);
	jb_obj_open(&jb);
	jb_kbool(&jb, "t", 1);
	jb_knull(&jb, "z");
	jb_obj_close(&jb);
	jb_obj_open(&jb);
	jb_obj_close(&jb);
	jb_arr_close(&jb);
	jb_arr_open(&jb, "empty");
	jb_arr_close(&jb);
	jb_kobj_open(&jb, "o");
	jb_knum(&jb, "f", 1.5);
	jb_knum(&jb, "nan", NAN);
	jb_kbool(&jb, "b", 0);
	jb_obj_close(&jb);
	jb_kstr(&jb, "k\"ey", NULL);
	jb_obj_close(&jb);
	CHECK_STR(jb.s, "{\"a\":\"x\",\"n\":-3,\"list\":[\"s\",7,{\"t\":true,"
	    "\"z\":null},{}],\"empty\":[],\"o\":{\"f\":1.500,\"nan\":null,"
	    "\"b\":false},\"k\\\"ey\":null}");
	CHECK(jb.depth == 0);
	CHECK(jb.len == strlen(jb.s));
	jb_free(&jb);

	/* a fragment: every key has a leading comma */
	jb_fragment(&jb);
	jb_kstr(&jb, "proto", "tcp");
	jb_arr_open(&jb, "owners");
	jb_obj_open(&jb);
	jb_kint(&jb, "pid", 1);
	jb_obj_close(&jb);
	jb_obj_open(&jb);
	jb_kint(&jb, "pid", 2);
	jb_obj_close(&jb);
	jb_arr_close(&jb);
	CHECK_STR(jb.s, ",\"proto\":\"tcp\",\"owners\":[{\"pid\":1},"
	    "{\"pid\":2}]");
	jb_reset(&jb);
	CHECK_STR(jb.s, "");
	jb_kint(&jb, "x", 1);
	CHECK_STR(jb.s, ",\"x\":1");
	jb_free(&jb);

	/* a long string grows the buffer */
	{
		char big[5000];

		memset(big, 'q', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		jb_init(&jb);
		jb_arr_open(&jb, "a");
		for (int i = 0; i < 10; i++)
			jb_str(&jb, big);
		jb_arr_close(&jb);
		CHECK(jb.len == 5 + 10 * 5001 + 9 + 1);
		jb_free(&jb);
	}
}

static void
test_diag(void)
{
	const struct diag *t, *d;
	size_t n;
	int reached[RS__COUNT] = { 0 };

	t = diag_table(&n);
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		CHECK((int)t[i].reason >= 0 && t[i].reason < RS__COUNT);
		CHECK(t[i].reason != RS_OK && t[i].reason != RS_USAGE);
		CHECK((int)t[i].stage >= 0 && t[i].stage < ST__COUNT);
		CHECK(t[i].cause != NULL && t[i].cause[0] != '\0');
		CHECK(t[i].fix != NULL && t[i].fix[0] != '\0');
		if ((int)t[i].reason >= 0 && t[i].reason < RS__COUNT)
			reached[t[i].reason] = 1;
		if (t[i].kind == DK_EAI)
			CHECK(eai_name(t[i].code) != NULL);
		else if (t[i].kind == DK_ERRNO)
			CHECK(errname(t[i].code) != NULL);
		else
			CHECK(reason_dx_name(t[i].code) != NULL);
		for (size_t j = i + 1; j < n; j++)
			if (t[i].stage == t[j].stage &&
			    t[i].kind == t[j].kind && t[i].code == t[j].code) {
				fprintf(stderr, "rows %zu and %zu collide\n",
				    i, j);
				CHECK(!"duplicate (stage, kind, code)");
			}
		/* every row is what diag_find answers for its own key */
		CHECK(diag_find(t[i].stage, t[i].kind, t[i].code) == &t[i]);
	}
	for (int r = 0; r < RS__COUNT; r++)
		if (r != RS_OK && r != RS_USAGE && !reached[r]) {
			fprintf(stderr, "reason %s has no row\n",
			    reason_slug(r));
			CHECK(!"reason unreachable");
		}

	/* the stage's row first, then the any-stage row, then generic */
	d = diag_find(ST_BIND, DK_ERRNO, EADDRINUSE);
	CHECK(d->stage == ST_BIND && d->reason == RS_INUSE);
	CHECK(d->hook == DH_PORT_OWNERS);
	d = diag_find(ST_CONNECT, DK_ERRNO, EADDRINUSE);
	CHECK(d->stage == ST_NONE && d->reason == RS_INUSE);
	d = diag_find(ST_CONNECT, DK_ERRNO, ECONNREFUSED);
	CHECK(d->stage == ST_NONE && d->reason == RS_REFUSED);
	d = diag_find(ST_RECV, DK_ERRNO, ECONNREFUSED);
	CHECK(d->stage == ST_RECV && d->reason == RS_REFUSED);
	d = diag_find(ST_BIND, DK_ERRNO, EACCES);
	CHECK(d->hook == DH_PRIV_PORT && d->reason == RS_PERM);
	d = diag_find(ST_CONNECT, DK_ERRNO, ETIMEDOUT);
	CHECK(d->reason == RS_TIMEOUT);
	d = diag_find(ST_NONE, DK_ERRNO, EMFILE);
	CHECK(d->reason == RS_RESOURCE);
	d = diag_find(ST_CONNECT, DK_ERRNO, EXDEV);
	CHECK(d != NULL && d->reason == RS_ERROR && d->cause != NULL);
	d = diag_find(ST_CONNECT, DK_ERRNO, 0);
	CHECK(d != NULL && d->reason == RS_ERROR);
	d = diag_find(ST_BIND, DK_ERRNO, -12345);
	CHECK(d != NULL && d->reason == RS_ERROR);
	/* EAI and sockctl rows answer at any stage */
	d = diag_find(ST_CONNECT, DK_EAI, EAI_NONAME);
	CHECK(d->reason == RS_DNS && d->hook == DH_RESOLVER);
	d = diag_find(ST_NONE, DK_EAI, EAI_AGAIN);
	CHECK(d->reason == RS_DNS);
	d = diag_find(ST_RESOLVE, DK_EAI, 12345);
	CHECK(d != NULL && d->reason == RS_ERROR);
	d = diag_find(ST_NONE, DK_SOCKCTL, DX_UDP_SILENCE);
	CHECK(d->reason == RS_TIMEOUT);
	d = diag_find(ST_SEND, DK_SOCKCTL, DX_PEER_CLOSED);
	CHECK(d->reason == RS_RESET);
	d = diag_find(ST_EXPECT, DK_SOCKCTL, DX_EXPECT_MISMATCH);
	CHECK(d->reason == RS_EXPECT);
	d = diag_find(ST_NONE, DK_SOCKCTL, 999);
	CHECK(d != NULL && d->reason == RS_ERROR);

	CHECK_STR(reason_dx_name(DX_EXPECT_MISMATCH), "expect-mismatch");
	CHECK_STR(reason_dx_name(DX_UDP_SILENCE), "udp-silence");
	CHECK(reason_dx_name(0) == NULL);
	CHECK(reason_dx_name(-1) == NULL);
	CHECK(reason_dx_name(999) == NULL);

	/* reasons: the SPEC's exit codes */
	CHECK(reason_exit(RS_OK) == 0);
	CHECK(reason_exit(RS_INUSE) == 7);
	CHECK(reason_exit(RS_RESOURCE) == 12);
	/* one exit per reason up to unhealthy; inspect's findings share 13;
	 * --proto's not-ready is 14 */
	CHECK(reason_exit(RS_UNHEALTHY) == 13);
	CHECK(reason_exit(RS_NOT_READY) == 14);
	for (int r = 0; r < RS__COUNT; r++) {
		CHECK(reason_exit(r) == (r <= RS_UNHEALTHY ? r :
		    r == RS_NOT_READY ? 14 : 13));
		CHECK(reason_by_slug(reason_slug(r)) == r);
	}
	CHECK(reason_by_slug("nope") == -1);
	CHECK_STR(stage_name(ST_BIND), "bind");
}

static int each_n, each_last, each_bad;

static void
each(int e, const char *name, void *arg)
{
	(void)arg;
	each_n++;
	if (e <= each_last)
		each_bad++;
	each_last = e;
	/* round trip: value -> name -> value */
	if (errname_lookup(name) != e || errname(e) == NULL ||
	    strcmp(errname(e), name) != 0) {
		fprintf(stderr, "errname round trip fails for %s (%d)\n",
		    name, e);
		each_bad++;
	}
}

static void
test_errname(void)
{
	int code = 0;

	CHECK_STR(errname(ECONNREFUSED), "ECONNREFUSED");
	CHECK_STR(errname(EADDRINUSE), "EADDRINUSE");
	CHECK_STR(errname(EAGAIN), "EAGAIN");
	CHECK(errname(0) == NULL);
	CHECK(errname(-1) == NULL);
	CHECK(errname(100000) == NULL);
	CHECK(errname_lookup("ECONNREFUSED") == ECONNREFUSED);
	CHECK(errname_lookup("econnrefused") == ECONNREFUSED);
	CHECK(errname_lookup("EWOULDBLOCK") == EWOULDBLOCK);
	CHECK(errname_lookup("ENOPE") == -1);
	CHECK(errname_lookup("") == -1);
	CHECK(errname_lookup("98") == -1);

	errname_each(each, NULL);
	CHECK(each_n > 50);
	CHECK(each_bad == 0);

	CHECK_STR(eai_name(EAI_NONAME), "EAI_NONAME");
	CHECK_STR(eai_name(EAI_AGAIN), "EAI_AGAIN");
	CHECK(eai_name(0) == NULL);
	CHECK(eai_lookup("EAI_NONAME", &code) == 1 && code == EAI_NONAME);
	CHECK(eai_lookup("eai_again", &code) == 1 && code == EAI_AGAIN);
	CHECK(eai_lookup("EAI_NOPE", &code) == 0);
	{
		static const int codes[] = { EAI_BADFLAGS, EAI_NONAME,
		    EAI_AGAIN, EAI_FAIL, EAI_FAMILY, EAI_SOCKTYPE,
		    EAI_SERVICE, EAI_MEMORY, EAI_SYSTEM, EAI_OVERFLOW };

		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			const char *nm = eai_name(codes[i]);

			CHECK(nm != NULL && eai_lookup(nm, &code) == 1 &&
			    code == codes[i]);
		}
	}
}

int
main(void)
{
	test_dur();
	test_port();
	test_endpoint();
	test_sa();
	unix_endpoints();
	test_json();
	test_diag();
	test_errname();
	return UNIT_DONE("parse");
}
