/* lib/core/http: request heads, query parameters, Accept negotiation. */
#include <string.h>

#include "http.h"
#include "unit.h"

static long
parse(const char *s, struct http_req *rq, char *err)
{
	return http_parse(s, strlen(s), rq, err, HTTP_ERR_MAX);
}

static void
heads(void)
{
	struct http_req rq;
	char err[HTTP_ERR_MAX], big[HTTP_HEAD_MAX + 100];
	const char *p;
	long n;

	p = "GET /probe?target=a:1 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1";
	n = parse(p, &rq, err);
	CHECK(n == (long)(strstr(p, "\r\n\r\n") - p) + 4);
	CHECK(rq.method == HTTP_GET && rq.minor == 1 && rq.keep_alive);
	CHECK(rq.pathlen == 6 && strncmp(rq.target, "/probe", 6) == 0);
	CHECK_STR(rq.query, "target=a:1");
	CHECK(!rq.om && rq.scrape_timeout < 0);
	/* LF alone, HTTP/1.0: closes unless keep-alive is asked for */
	CHECK(parse("GET / HTTP/1.0\n\n", &rq, err) == 16 && !rq.keep_alive);
	CHECK(parse("GET / HTTP/1.0\nConnection: Keep-Alive\n\n", &rq, err) > 0
	    && rq.keep_alive);
	CHECK(parse("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n", &rq,
	    err) > 0 && rq.method == HTTP_HEAD && !rq.keep_alive);
	/* an empty line before the request is skipped */
	CHECK(parse("\r\nGET /x HTTP/1.1\r\n\r\n", &rq, err) > 0 &&
	    rq.pathlen == 2);
	/* not complete yet */
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &rq, err) == 0);
	CHECK(parse("GE", &rq, err) == 0);
	CHECK(parse("", &rq, err) == 0);
	/* headers read */
	CHECK(parse("GET / HTTP/1.1\r\nX-Prometheus-Scrape-Timeout-Seconds: "
	    "9.5\r\naccept: application/openmetrics-text\r\n\r\n", &rq,
	    err) > 0 && rq.scrape_timeout == 9.5 && rq.om);
	/* refusals: status and message */
	CHECK(parse("POST / HTTP/1.1\r\n\r\n", &rq, err) == -405);
	CHECK(parse("GET / HTTP/2.0\r\n\r\n", &rq, err) == -505);
	CHECK(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    &rq, err) == -501);
	CHECK(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &rq,
	    err) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &rq,
	    err) > 0);
	CHECK(parse("GET / HTTP/1.1\r\n folded\r\n\r\n", &rq, err) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nno colon\r\n\r\n", &rq, err) == -400);
	CHECK(parse("GET probe HTTP/1.1\r\n\r\n", &rq, err) == -400);
	CHECK(parse("GET /a b HTTP/1.1\r\n\r\n", &rq, err) == -400);
	CHECK(parse("\x16\x03\x01 junk\r\n\r\n", &rq, err) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nX-Prometheus-Scrape-Timeout-Seconds: "
	    "-1\r\n\r\n", &rq, err) == -400);
	CHECK(strstr(err, "X-Prometheus-Scrape-Timeout-Seconds") != NULL);
	/* 8 KiB without its end is 431, not a wait */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK(http_parse(big, sizeof(big), &rq, err, sizeof(err)) == -431);
	CHECK(http_parse(big, HTTP_HEAD_MAX, &rq, err, sizeof(err)) == -431);
	CHECK(http_parse(big, HTTP_HEAD_MAX - 1, &rq, err, sizeof(err)) == 0);
	/* a target of 2048 bytes is 414 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	memcpy(big + 5 + 2048, " HTTP/1.1\r\n\r\n", 13);
	CHECK(http_parse(big, 5 + 2048 + 13, &rq, err, sizeof(err)) == -414);
	/* 65 header fields is 431 */
	{
		char many[4096];
		size_t o = (size_t)snprintf(many, sizeof(many),
		    "GET / HTTP/1.1\r\n");

		for (int i = 0; i < 65; i++)
			o += (size_t)snprintf(many + o, sizeof(many) - o,
			    "X%d: y\r\n", i);
		snprintf(many + o, sizeof(many) - o, "\r\n");
		CHECK(parse(many, &rq, err) == -431);
	}
}

static void
queries(void)
{
	static const char *const names[] = { "target", "module", NULL };
	char v[16], err[HTTP_ERR_MAX];

	CHECK(http_query("target=a%3A1&module=udp", "target", v, sizeof(v),
	    err, sizeof(err)) == 1);
	CHECK_STR(v, "a:1");
	CHECK(http_query("target=a+b", "target", v, sizeof(v), err,
	    sizeof(err)) == 1);
	CHECK_STR(v, "a b");
	CHECK(http_query("module=udp", "target", v, sizeof(v), err,
	    sizeof(err)) == 0);
	CHECK(http_query("", "target", v, sizeof(v), err, sizeof(err)) == 0);
	CHECK(http_query("target", "target", v, sizeof(v), err,
	    sizeof(err)) == 1 && v[0] == '\0');
	CHECK(http_query("target=1&target=2", "target", v, sizeof(v), err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "twice") != NULL);
	CHECK(http_query("target=%zz", "target", v, sizeof(v), err,
	    sizeof(err)) == -1);
	CHECK(http_query("target=%4", "target", v, sizeof(v), err,
	    sizeof(err)) == -1);
	CHECK(http_query("target=a%00b", "target", v, sizeof(v), err,
	    sizeof(err)) == -1);
	CHECK(http_query("target=0123456789abcdef", "target", v, sizeof(v),
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "longer than 15") != NULL);
	CHECK(http_query_known("target=1&module=x", names, err,
	    sizeof(err)) == 0);
	CHECK(http_query_known("target=1&colour=red", names, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "unknown parameter 'colour'");
}

static void
accepts(void)
{
	/* Prometheus 2.x */
	CHECK(http_accept_om("application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;"
	    "version=0.0.4;q=0.5,*/*;q=0.1"));
	/* Prometheus 3.x */
	CHECK(http_accept_om("application/openmetrics-text;version=1.0.0;"
	    "escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;q=0.3,"
	    "text/plain;version=0.0.4;q=0.2,*/*;q=0.1"));
	CHECK(!http_accept_om("*/*"));
	CHECK(!http_accept_om("text/plain"));
	CHECK(!http_accept_om(""));
	CHECK(!http_accept_om("text/plain,application/openmetrics-text;q=0.5"));
	CHECK(!http_accept_om("application/openmetrics-text;q=0"));
	CHECK(http_accept_om("Application/OpenMetrics-Text"));
}

int
main(void)
{
	heads();
	queries();
	accepts();
	return UNIT_DONE("http");
}
