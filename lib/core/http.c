/*
 * HTTP/1.1 request heads (RFC 9112), bounded: see http.h. Every length is
 * checked against the buffer it is copied into; a head is never read past
 * len, and nothing here allocates.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 token characters (a field name, a method). */
static int
tchar(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Where the line at p (within end) ends: its '\n', or NULL. */
static const char *
line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* A line's length without its CR. */
static size_t
line_len(const char *p, const char *nl)
{
	size_t n = (size_t)(nl - p);

	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

static long
fail(char *err, size_t errlen, long status, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -status;
}

/* Whether the list value v (comma-separated, case ignored) has token t. */
static int
has_token(const char *v, size_t vlen, const char *t)
{
	size_t tl = strlen(t), i = 0;

	while (i < vlen) {
		size_t s, e;

		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < vlen && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, t, tl) == 0)
			return 1;
	}
	return 0;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x */
static long
request_line(const char *p, size_t n, struct http_req *rq, char *err,
    size_t errlen)
{
	const char *sp1, *sp2, *v;
	size_t tl;

	sp1 = memchr(p, ' ', n);
	if (sp1 == NULL)
		return fail(err, errlen, 400, "the request line has no target");
	for (const char *q = p; q < sp1; q++)
		if (!tchar((unsigned char)*q))
			return fail(err, errlen, 400, "the request line does "
			    "not start with a method");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p));
	if (sp2 == NULL)
		return fail(err, errlen, 400, "the request line has no HTTP "
		    "version");
	v = sp2 + 1;
	if ((size_t)(p + n - v) != 8 || strncmp(v, "HTTP/", 5) != 0 ||
	    !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]))
		return fail(err, errlen, 400, "the request line does not end "
		    "in HTTP/1.0 or HTTP/1.1");
	if (v[5] != '1')
		return fail(err, errlen, 505, "only HTTP/1.0 and HTTP/1.1 are "
		    "served");
	rq->minor = v[7] - '0';
	if (sp1 - p == 3 && memcmp(p, "GET", 3) == 0)
		rq->method = HTTP_GET;
	else if (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0)
		rq->method = HTTP_HEAD;
	else
		return fail(err, errlen, 405, "only GET and HEAD are served");
	tl = (size_t)(sp2 - sp1 - 1);
	if (tl == 0 || sp1[1] != '/')
		return fail(err, errlen, 400, "the request target is not a "
		    "path (it must start with '/')");
	if (tl >= sizeof(rq->target))
		return fail(err, errlen, 414, "the request target is longer "
		    "than 2047 bytes");
	for (size_t i = 0; i < tl; i++) {
		unsigned char c = (unsigned char)sp1[1 + i];

		if (c <= 0x20 || c >= 0x7f)
			return fail(err, errlen, 400, "the request target has "
			    "a space or a control or non-ASCII byte");
	}
	memcpy(rq->target, sp1 + 1, tl);
	rq->target[tl] = '\0';
	v = memchr(rq->target, '?', tl);
	rq->pathlen = v != NULL ? (size_t)(v - rq->target) : tl;
	rq->query = v != NULL ? v + 1 : rq->target + tl;
	return 0;
}

/* Parses "12", "12.5": a non-negative finite number; -1 when not. */
static double
seconds(const char *v, size_t n)
{
	char buf[32], *end;
	double d;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '.')
			return -1;
	errno = 0;
	d = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d) || d <= 0)
		return -1;
	return d;
}

/* One header field line; *close / *ka from Connection. */
static long
field(const char *p, size_t n, struct http_req *rq, int *conn_close,
    int *conn_ka, char *err, size_t errlen)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t nl, vl;

	if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
		return fail(err, errlen, 400, "a header line is folded "
		    "(starts with a space)");
	if (colon == NULL || colon == p)
		return fail(err, errlen, 400, "a header line has no name or "
		    "no ':'");
	nl = (size_t)(colon - p);
	for (size_t i = 0; i < nl; i++)
		if (!tchar((unsigned char)p[i]))
			return fail(err, errlen, 400, "a header name has a "
			    "byte a name may not have");
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	for (size_t i = 0; i < vl; i++)
		if (v[i] == '\0' || v[i] == '\r')
			return fail(err, errlen, 400, "a header value has a NUL "
			    "or a bare CR");
#define IS(s) (nl == sizeof(s) - 1 && strncasecmp(p, s, nl) == 0)
	if (IS("Connection")) {
		*conn_close |= has_token(v, vl, "close");
		*conn_ka |= has_token(v, vl, "keep-alive");
	} else if (IS("Transfer-Encoding"))
		return fail(err, errlen, 501, "a request body "
		    "(Transfer-Encoding) is not taken");
	else if (IS("Content-Length")) {
		for (size_t i = 0; i < vl; i++)
			if (v[i] != '0')
				return fail(err, errlen, 400, "a request body "
				    "(Content-Length) is not taken");
	} else if (IS("Accept")) {
		char a[1024];

		if (vl >= sizeof(a))
			vl = sizeof(a) - 1;
		memcpy(a, v, vl);
		a[vl] = '\0';
		rq->om = http_accept_om(a);
	} else if (IS("X-Prometheus-Scrape-Timeout-Seconds")) {
		rq->scrape_timeout = seconds(v, vl);
		if (rq->scrape_timeout < 0)
			return fail(err, errlen, 400, "X-Prometheus-Scrape-"
			    "Timeout-Seconds is not a number of seconds above "
			    "0");
	}
#undef IS
	return 0;
}

long
http_parse(const char *buf, size_t len, struct http_req *rq, char *err,
    size_t errlen)
{
	const char *p = buf, *end, *nl;
	int nfields = 0, conn_close = 0, conn_ka = 0;
	long rc;

	/* the end of the head: an empty line */
	if (len > HTTP_HEAD_MAX)
		len = HTTP_HEAD_MAX;
	end = buf + len;
	memset(rq, 0, sizeof(*rq));
	rq->scrape_timeout = -1;
	rq->query = rq->target;
	/* RFC 9112 2.2: an empty line or two before a request is ignored */
	for (int i = 0; i < 2 && p < end; i++) {
		if (*p == '\n')
			p++;
		else if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p += 2;
		else
			break;
	}
	nl = line_end(p, end);
	if (nl == NULL)
		goto more;
	if ((rc = request_line(p, line_len(p, nl), rq, err, errlen)) != 0)
		return rc;
	p = nl + 1;
	for (;;) {
		size_t n;

		nl = line_end(p, end);
		if (nl == NULL)
			goto more;
		n = line_len(p, nl);
		if (n == 0)
			break;
		if (++nfields > HTTP_HEADERS_MAX)
			return fail(err, errlen, 431, "more than 64 header "
			    "fields");
		if (memchr(p, '\0', n) != NULL)
			return fail(err, errlen, 400, "a header line has a NUL "
			    "byte");
		if ((rc = field(p, n, rq, &conn_close, &conn_ka, err,
		    errlen)) != 0)
			return rc;
		p = nl + 1;
	}
	rq->keep_alive = rq->minor >= 1 ? !conn_close : conn_ka && !conn_close;
	return (long)(nl + 1 - buf);
more:
	if (len >= HTTP_HEAD_MAX)
		return fail(err, errlen, 431, "the request head is longer than "
		    "8 KiB");
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decodes s[0, n) into out (outlen bytes). Returns the length, or -1 with
 * err set.
 */
static long
decode(const char *s, size_t n, char *out, size_t outlen, char *err,
    size_t errlen, const char *name)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int h, l;

			if (i + 2 >= n) {
				snprintf(err, errlen, "parameter '%.40s' has a "
				    "%% that starts no %%XX escape", name);
				return -1;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0) {
				snprintf(err, errlen, "parameter '%.40s' has a "
				    "%% that starts no %%XX escape", name);
				return -1;
			}
			c = h * 16 + l;
			i += 2;
			if (c == 0) {
				snprintf(err, errlen, "parameter '%.40s' has a "
				    "NUL byte (%%00)", name);
				return -1;
			}
		}
		if (o + 1 >= outlen) {
			snprintf(err, errlen, "parameter '%.40s' is longer "
			    "than %zu bytes", name, outlen - 1);
			return -1;
		}
		out[o++] = (char)c;
	}
	if (outlen > 0)
		out[o] = '\0';
	return (long)o;
}

int
http_query(const char *query, const char *name, char *out, size_t outlen,
    char *err, size_t errlen)
{
	size_t nl = strlen(name);
	const char *p = query;
	int found = 0;

	if (outlen > 0)
		out[0] = '\0';
	while (*p != '\0') {
		const char *amp = strchr(p, '&'), *eq;
		size_t n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		char key[64];
		long kl;

		eq = memchr(p, '=', n);
		kl = decode(p, eq != NULL ? (size_t)(eq - p) : n, key,
		    sizeof(key), err, errlen, "name");
		if (kl < 0)
			return -1;
		if ((size_t)kl == nl && memcmp(key, name, nl) == 0) {
			if (found) {
				snprintf(err, errlen, "parameter '%s' is "
				    "given twice", name);
				return -1;
			}
			found = 1;
			if (eq == NULL) {
				if (outlen > 0)
					out[0] = '\0';
			} else if (decode(eq + 1, n - (size_t)(eq + 1 - p), out,
			    outlen, err, errlen, name) < 0)
				return -1;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return found;
}

int
http_query_known(const char *query, const char *const *names, char *err,
    size_t errlen)
{
	const char *p = query;

	while (*p != '\0') {
		const char *amp = strchr(p, '&'), *eq;
		size_t n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		char key[64];
		long kl;
		int ok = 0;

		eq = memchr(p, '=', n);
		kl = decode(p, eq != NULL ? (size_t)(eq - p) : n, key,
		    sizeof(key), err, errlen, "name");
		if (kl < 0)
			return -1;
		for (int i = 0; names[i] != NULL && !ok; i++)
			ok = strcmp(names[i], key) == 0;
		if (!ok && kl > 0) {
			char shown[64];
			size_t k = 0;

			for (long i = 0; i < kl && k + 1 < sizeof(shown); i++)
				shown[k++] = isprint((unsigned char)key[i]) ?
				    key[i] : '?';
			shown[k] = '\0';
			snprintf(err, errlen, "unknown parameter '%s'", shown);
			return -1;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* The q of one media range's parameters (";q=0.5;version=..."), 1 default. */
static double
qvalue(const char *params, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && (params[i] == ';' || params[i] == ' ' ||
		    params[i] == '\t'))
			i++;
		if (i + 2 <= n && (params[i] == 'q' || params[i] == 'Q') &&
		    params[i + 1] == '=') {
			char buf[16];
			size_t k = 0;

			i += 2;
			while (i < n && k + 1 < sizeof(buf) && params[i] != ';' &&
			    params[i] != ' ')
				buf[k++] = params[i++];
			buf[k] = '\0';
			return strtod(buf, NULL);
		}
		while (i < n && params[i] != ';')
			i++;
	}
	return 1;
}

int
http_accept_om(const char *a)
{
	double om = 0, plain = 0;
	const char *p = a;

	while (*p != '\0') {
		const char *comma = strchr(p, ','), *semi;
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p), tl;
		double q;

		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		semi = memchr(p, ';', n);
		tl = semi != NULL ? (size_t)(semi - p) : n;
		while (tl > 0 && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
			tl--;
		q = semi != NULL ? qvalue(semi, n - (size_t)(semi - p)) : 1;
		if (tl == 28 && strncasecmp(p, "application/openmetrics-text",
		    28) == 0) {
			if (q > om)
				om = q;
		} else if ((tl == 10 && strncasecmp(p, "text/plain", 10) == 0) ||
		    (tl == 6 && strncasecmp(p, "text/*", 6) == 0) ||
		    (tl == 3 && strncmp(p, "*/*", 3) == 0)) {
			if (q > plain)
				plain = q;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return om > 0 && om >= plain;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}
