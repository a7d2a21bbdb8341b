/*
 * The readiness checks of --proto: requests, the judgement of replies and
 * the goodbyes. Everything here works on bytes already received, bounded
 * by PROTO_REPLY_MAX, so lib/dial can call it after each read and the
 * fuzzer can call it with anything.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

#define PG_ERR_MAX	8192	/* an ErrorResponse longer than this is no
				 * PostgreSQL's */
#define MY_PKT_MAX	4096	/* a greeting or error packet, at most */

static const char *names[] = {
	[PROTO_HTTP] = "http",
	[PROTO_REDIS] = "redis",
	[PROTO_POSTGRES] = "postgres",
	[PROTO_MYSQL] = "mysql",
	[PROTO_SMTP] = "smtp",
};

int
proto_lookup(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(names[i], name) == 0)
			return i;
	/* what people also call them */
	if (strcmp(name, "postgresql") == 0 || strcmp(name, "pg") == 0)
		return PROTO_POSTGRES;
	if (strcmp(name, "mariadb") == 0)
		return PROTO_MYSQL;
	return -1;
}

const char *
proto_str(enum proto p)
{
	if (p <= PROTO_NONE || p > PROTO_SMTP)
		return NULL;
	return names[p];
}

int
proto_status_list(const char *s, int *codes, int max, char *err,
    size_t errlen)
{
	int n = 0;
	const char *p = s;

	for (;;) {
		long v = 0;
		int digits = 0;

		while (isdigit((unsigned char)*p) && digits < 4) {
			v = v * 10 + (*p - '0');
			p++;
			digits++;
		}
		if (digits != 3 || v < 100 || v > 599 || (*p != ',' &&
		    *p != '\0')) {
			snprintf(err, errlen, "invalid --http-status '%.60s' "
			    "(expected status codes 100-599 separated by "
			    "commas, e.g. 200,204,401)", s);
			return -1;
		}
		if (n == max) {
			snprintf(err, errlen, "--http-status: at most %d "
			    "codes", max);
			return -1;
		}
		codes[n++] = (int)v;
		if (*p == '\0')
			return n;
		p++;
	}
}

/*
 * The server's bytes in[0..len-1] escaped into out: printable ASCII as it
 * is, \r \n \t \\ and \xNN for the rest (a terminal escape or invalid
 * UTF-8 never gets through), "..." when it did not all fit.
 */
static void
words(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char tmp[5];
		size_t n;

		if (c == '\\')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (c == '\r')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\r");
		else if (c == '\n')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\n");
		else if (c == '\t')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\t");
		else if (c >= 0x20 && c < 0x7f) {
			tmp[0] = (char)c;
			tmp[1] = '\0';
			n = 1;
		} else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		if (o + n + 4 > outlen) {
			memcpy(out + o, "...", 4);
			return;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
}

/* The first line of buf (without its \r\n), escaped into res->said. */
static void
said_line(const char *buf, size_t len, struct proto_res *res)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - buf) : len;

	if (n > 0 && buf[n - 1] == '\r')
		n--;
	words(buf, n, res->said, sizeof(res->said));
}

static enum proto_verdict
verdict(struct proto_res *res, enum proto_verdict v, enum proto_kind k)
{
	res->v = v;
	res->kind = k;
	return v;
}

/* Not a reply of the protocol: what came instead is in said. */
static enum proto_verdict
garbage(const char *buf, size_t len, struct proto_res *res)
{
	words(buf, len < 120 ? len : 120, res->said, sizeof(res->said));
	return verdict(res, PV_FAIL, PK_GARBAGE);
}

/* An incomplete reply: more to come, or the end of what may come. */
static enum proto_verdict
incomplete(const char *buf, size_t len, int eof, struct proto_res *res)
{
	if (eof) {
		words(buf, len < 120 ? len : 120, res->said,
		    sizeof(res->said));
		return verdict(res, PV_FAIL, PK_CLOSED);
	}
	if (len >= PROTO_REPLY_MAX) {
		words(buf, 120, res->said, sizeof(res->said));
		return verdict(res, PV_FAIL, PK_TOO_LONG);
	}
	return PV_MORE;
}

/* Whether buf[0..len-1] is a prefix of lit (or starts with it). */
static int
prefix_of(const char *buf, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return memcmp(buf, lit, len < n ? len : n) == 0;
}

/* HTTP */

/* The length of the header block, or 0 when its end has not come. */
static size_t
http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Retry-After's value from the header block, escaped into res->note. */
static void
http_retry_after(const char *buf, size_t len, struct proto_res *res)
{
	static const char h[] = "retry-after:";
	size_t hl = sizeof(h) - 1;

	for (size_t i = 0; i + hl < len; i++) {
		size_t j, e;

		if (buf[i] != '\n' || strncasecmp(buf + i + 1, h, hl) != 0)
			continue;
		j = i + 1 + hl;
		while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
			j++;
		for (e = j; e < len && buf[e] != '\r' && buf[e] != '\n'; e++)
			;
		snprintf(res->note, sizeof(res->note), "Retry-After: ");
		words(buf + j, e - j < 60 ? e - j : 60, res->note + 13,
		    sizeof(res->note) - 13);
		return;
	}
}

static enum proto_verdict
http_judge(const struct proto_opts *o, const char *buf, size_t len, int eof,
    struct proto_res *res)
{
	const char *p, *nl;
	size_t head;
	int code;

	if (!prefix_of(buf, len, "HTTP/"))
		return garbage(buf, len, res);
	nl = memchr(buf, '\n', len);
	head = http_head_end(buf, len);
	if (nl == NULL || (head == 0 && !eof && len < PROTO_REPLY_MAX))
		return incomplete(buf, len, eof && nl == NULL, res);
	said_line(buf, len, res);
	/* HTTP/1.1 503 Service Unavailable */
	p = buf + 5;
	while (p < nl && (isdigit((unsigned char)*p) || *p == '.'))
		p++;
	if (p + 4 > nl || *p != ' ' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]) ||
	    (p + 4 < nl && p[4] != ' ' && p[4] != '\r'))
		return garbage(buf, (size_t)(nl - buf), res);
	code = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	res->code = code;
	if (code < 100)
		return garbage(buf, (size_t)(nl - buf), res);
	for (int i = 0; i < o->nhttp_status; i++)
		if (o->http_status[i] == code)
			return verdict(res, PV_READY, PK_READY);
	if (code < 400)
		return verdict(res, PV_READY, PK_READY);
	if (code == 503 || code == 429) {
		http_retry_after(buf, head ? head : len, res);
		return verdict(res, PV_NOT_READY, PK_UNAVAILABLE);
	}
	return verdict(res, PV_FAIL, PK_STATUS);
}

/* Redis */

static enum proto_verdict
redis_judge(const char *buf, size_t len, int eof, struct proto_res *res)
{
	static const char *busy[] = { "-LOADING", "-BUSY", "-MASTERDOWN",
	    "-TRYAGAIN" };
	const char *nl;

	if (len > 0 && strchr("+-:$*_", buf[0]) == NULL)
		return garbage(buf, len, res);
	nl = memchr(buf, '\n', len);
	if (nl == NULL)
		return incomplete(buf, len, eof, res);
	said_line(buf, len, res);
	if (prefix_of(buf, len, "+PONG") && (buf[5] == '\r' ||
	    buf[5] == '\n'))
		return verdict(res, PV_READY, PK_READY);
	if (prefix_of(buf, len, "-NOAUTH") && (buf[7] == ' ' ||
	    buf[7] == '\r' || buf[7] == '\n'))
		return verdict(res, PV_READY, PK_AUTH);
	for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++) {
		size_t n = strlen(busy[i]);

		if (prefix_of(buf, len, busy[i]) && (buf[n] == ' ' ||
		    buf[n] == '\r' || buf[n] == '\n'))
			return verdict(res, PV_NOT_READY, PK_BUSY);
	}
	return verdict(res, PV_FAIL, PK_ERROR);
}

/* PostgreSQL */

static uint32_t
be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* The method an authentication request asks for, and its message name. */
static const char *
pg_auth_name(uint32_t code, const char **msg)
{
	switch (code) {
	case 0: *msg = "AuthenticationOk"; return "none (trust)";
	case 2: *msg = "AuthenticationKerberosV5"; return "Kerberos V5";
	case 3: *msg = "AuthenticationCleartextPassword"; return "password";
	case 5: *msg = "AuthenticationMD5Password"; return "md5";
	case 7: *msg = "AuthenticationGSS"; return "GSSAPI";
	case 9: *msg = "AuthenticationSSPI"; return "SSPI";
	case 10: *msg = "AuthenticationSASL"; return "SASL (SCRAM)";
	default: *msg = "Authentication"; return "unknown";
	}
}

/* An ErrorResponse's fields (body[0..n-1]) into res. */
static enum proto_verdict
pg_error(const char *body, size_t n, struct proto_res *res)
{
	const char *msg = NULL, *detail = NULL;
	size_t i = 0;

	while (i < n && body[i] != '\0') {
		char f = body[i++];
		const char *v = body + i;
		const char *z = memchr(v, '\0', n - i);

		if (z == NULL)
			break;
		if (f == 'C' && z - v == 5)
			memcpy(res->sqlstate, v, 6);
		else if (f == 'M')
			msg = v;
		else if (f == 'D')
			detail = v;
		i += (size_t)(z - v) + 1;
	}
	if (msg != NULL)
		words(msg, strlen(msg), res->said, sizeof(res->said));
	if (detail != NULL)
		words(detail, strlen(detail), res->note, sizeof(res->note));
	if (res->sqlstate[0] == '\0') {
		if (msg == NULL)
			return garbage(body, n, res);
		return verdict(res, PV_READY, PK_REJECTED);
	}
	if (strcmp(res->sqlstate, "57P03") == 0)
		return verdict(res, PV_NOT_READY, PK_STARTING);
	if (strcmp(res->sqlstate, "53300") == 0)
		return verdict(res, PV_NOT_READY, PK_TOO_MANY);
	if (strcmp(res->sqlstate, "3D000") == 0)
		return verdict(res, PV_READY, PK_NO_DB);
	if (strcmp(res->sqlstate, "28000") == 0 && msg != NULL &&
	    strstr(msg, "role") != NULL && strstr(msg, "does not exist"))
		return verdict(res, PV_READY, PK_NO_ROLE);
	/* as PQping: any other error means the server accepts connections */
	return verdict(res, PV_READY, PK_REJECTED);
}

static enum proto_verdict
pg_judge(const char *buf, size_t len, int eof, struct proto_res *res)
{
	size_t off = 0;

	/* notices and a protocol negotiation may come first; after
	 * AuthenticationOk the session's start: its parameters, then
	 * ReadyForQuery, or an error (no such role, no slot left) */
	for (int i = 0; i < 64; i++) {
		const char *m = buf + off;
		size_t left = len - off;
		uint32_t ml;

		if (left > 0 && (m[0] == '\0' || strchr(res->auth_ok ?
		    "ESKNZ" : "REvN", m[0]) == NULL))
			return garbage(buf + off, left, res);
		if (left < 5)
			return incomplete(buf, len, eof, res);
		ml = be32(m + 1);
		if (ml < 4 || ml > PG_ERR_MAX || (m[0] == 'R' && ml < 8))
			return garbage(m, left, res);
		if (left < 1 + (size_t)ml)
			return incomplete(buf, len, eof, res);
		if (m[0] == 'R') {
			const char *name;

			res->auth = (int)be32(m + 5);
			snprintf(res->note, sizeof(res->note), "%s",
			    pg_auth_name(be32(m + 5), &name));
			snprintf(res->said, sizeof(res->said), "%s (request "
			    "%d)", name, res->auth);
			/* as PQping: asked for a password, the server is up */
			if (res->auth != 0)
				return verdict(res, PV_READY, PK_AUTH);
			res->auth_ok = 1;
		}
		if (m[0] == 'Z') {
			snprintf(res->said, sizeof(res->said), "ReadyForQuery");
			return verdict(res, PV_READY, PK_READY);
		}
		if (m[0] == 'E')
			return pg_error(m + 5, ml - 4, res);
		off += 1 + (size_t)ml;
	}
	return garbage(buf, len, res);
}

/* MySQL and MariaDB */

static enum proto_verdict
my_judge(const char *buf, size_t len, int eof, struct proto_res *res)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t pl;
	const char *p, *z;

	if (len < 4)
		return incomplete(buf, len, eof, res);
	pl = (size_t)u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16;
	if (u[3] != 0 || pl == 0 || pl > MY_PKT_MAX)
		return garbage(buf, len, res);
	if (len > 4 && u[4] != 0x0a && u[4] != 0xff)
		return garbage(buf, len, res);
	if (len < 4 + pl)
		return incomplete(buf, len, eof, res);
	p = buf + 4;
	if (u[4] == 0x0a) {
		z = memchr(p + 1, '\0', pl - 1);
		if (z == NULL)
			return garbage(buf, len, res);
		words(p + 1, (size_t)(z - p - 1), res->said,
		    sizeof(res->said));
		/* MariaDB puts "5.5.5-" first, for clients of old */
		p += z - p > 7 && memcmp(p + 1, "5.5.5-", 6) == 0 ? 6 : 0;
		words(p + 1, (size_t)(z - p - 1), res->note,
		    sizeof(res->note));
		return verdict(res, PV_READY, PK_READY);
	}
	/* an error packet: 0xff, the code, maybe '#' and a SQLSTATE */
	if (pl < 3)
		return garbage(buf, len, res);
	res->code = u[5] | u[6] << 8;
	p += 3;
	pl -= 3;
	if (pl >= 6 && p[0] == '#') {
		p += 6;
		pl -= 6;
	}
	words(p, pl, res->said, sizeof(res->said));
	switch (res->code) {
	case 1040:
		return verdict(res, PV_NOT_READY, PK_TOO_MANY);
	case 1129:
		return verdict(res, PV_FAIL, PK_BLOCKED);
	case 1130:
		return verdict(res, PV_FAIL, PK_HOST_DENIED);
	default:
		return verdict(res, PV_FAIL, PK_ERROR);
	}
}

/* SMTP */

/* The length of a complete reply (its last line "NNN "), or 0. */
static size_t
smtp_reply_end(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);

		if (nl == NULL)
			return 0;
		if ((size_t)(nl - buf) - i >= 3 && (i + 3 == (size_t)(nl -
		    buf) || buf[i + 3] != '-'))
			return (size_t)(nl - buf) + 1;
		i = (size_t)(nl - buf) + 1;
	}
	return 0;
}

static enum proto_verdict
smtp_judge(const char *buf, size_t len, int eof, struct proto_res *res)
{
	for (size_t i = 0; i < len && i < 4; i++)
		if (i < 3 ? !isdigit((unsigned char)buf[i]) : (buf[i] != ' ' &&
		    buf[i] != '-' && buf[i] != '\r' && buf[i] != '\n'))
			return garbage(buf, len, res);
	if (len < 3 || smtp_reply_end(buf, len) == 0) {
		/* a 421 is final even when its line is all that came */
		if (eof && len >= 3 && memchr(buf, '\n', len) != NULL)
			goto judge;
		return incomplete(buf, len, eof, res);
	}
judge:
	said_line(buf, len, res);
	res->code = (buf[0] - '0') * 100 + (buf[1] - '0') * 10 +
	    (buf[2] - '0');
	if (res->code == 220)
		return verdict(res, PV_READY, PK_READY);
	if (res->code == 421)
		return verdict(res, PV_NOT_READY, PK_UNAVAILABLE);
	return verdict(res, PV_FAIL, PK_ERROR);
}

enum proto_verdict
proto_judge(const struct proto_opts *o, const char *buf, size_t len, int eof,
    struct proto_res *res)
{
	memset(res, 0, sizeof(*res));
	if (len > PROTO_REPLY_MAX)
		len = PROTO_REPLY_MAX;
	if (len == 0 && eof)
		return verdict(res, PV_FAIL, PK_CLOSED);
	switch (o->proto) {
	case PROTO_HTTP:
		return http_judge(o, buf, len, eof, res);
	case PROTO_REDIS:
		return redis_judge(buf, len, eof, res);
	case PROTO_POSTGRES:
		return pg_judge(buf, len, eof, res);
	case PROTO_MYSQL:
		return my_judge(buf, len, eof, res);
	case PROTO_SMTP:
		return smtp_judge(buf, len, eof, res);
	default:
		return verdict(res, PV_READY, PK_READY);
	}
}

/* Requests */

/* Appends n bytes of s to out at *o; returns -1 when they do not fit. */
static int
put(char *out, size_t outlen, size_t *o, const void *s, size_t n)
{
	if (*o + n > outlen)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

static int
put_str(char *out, size_t outlen, size_t *o, const char *s)
{
	return put(out, outlen, o, s, strlen(s) + 1);
}

/* Whether s may go into a request line or header as it is. */
static int
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

long
proto_request(const struct proto_opts *o, char *out, size_t outlen)
{
	const char *user = o->user != NULL ? o->user : "sockctl";
	size_t n = 0;
	int w;

	switch (o->proto) {
	case PROTO_HTTP:
		if (!clean(o->http_path ? o->http_path : "/") ||
		    !clean(o->host ? o->host : "localhost"))
			return -1;
		w = snprintf(out, outlen, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: sockctl\r\nAccept: */*\r\nConnection: close"
		    "\r\n\r\n", o->http_path ? o->http_path : "/",
		    o->host ? o->host : "localhost");
		return w < 0 || (size_t)w >= outlen ? -1 : w;
	case PROTO_REDIS:
		w = snprintf(out, outlen, "*1\r\n$4\r\nPING\r\n");
		return w < 0 || (size_t)w >= outlen ? -1 : w;
	case PROTO_POSTGRES: {
		/* the length, then protocol 3.0 */
		unsigned char hd[8] = { 0, 0, 0, 0, 0, 3, 0, 0 };

		if (put(out, outlen, &n, hd, 8) == -1 ||
		    put_str(out, outlen, &n, "user") == -1 ||
		    put_str(out, outlen, &n, user) == -1 ||
		    put_str(out, outlen, &n, "application_name") == -1 ||
		    put_str(out, outlen, &n, "sockctl") == -1 ||
		    put(out, outlen, &n, "", 1) == -1)
			return -1;
		out[0] = (char)(n >> 24);
		out[1] = (char)(n >> 16);
		out[2] = (char)(n >> 8);
		out[3] = (char)n;
		return (long)n;
	}
	default:
		return 0;
	}
}

/* Goodbyes */

/* The MySQL packet after the first skip ones: its offset, or -1. */
static long
my_packet(const char *buf, size_t len, int skip, size_t *pl)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t off = 0;

	for (int i = 0; ; i++) {
		if (len - off < 4)
			return -1;
		*pl = (size_t)u[off] | (size_t)u[off + 1] << 8 |
		    (size_t)u[off + 2] << 16;
		if (len - off - 4 < *pl)
			return -1;
		if (i == skip)
			return (long)off;
		off += 4 + *pl;
	}
}

/* A HandshakeResponse41 for user, with an empty password, into out. */
static size_t
my_login(const char *greet, size_t gl, const char *user, char *out,
    size_t outlen)
{
	/* CLIENT_LONG_PASSWORD | PROTOCOL_41 | SECURE_CONNECTION |
	 * PLUGIN_AUTH */
	static const unsigned char caps[4] = { 0x01, 0x82, 0x08, 0x00 };
	static const unsigned char maxpkt[4] = { 0, 0, 0, 1 };
	const char *plugin = "mysql_native_password";
	char zero[23] = { 0 };
	size_t o = 4, ul;
	const char *z;

	/* the greeting's plugin name is its last NUL-terminated string */
	if (gl > 2 && greet[gl - 1] == '\0') {
		z = greet + gl - 2;
		while (z > greet && z[-1] != '\0')
			z--;
		if (z > greet && strlen(z) > 0 && strlen(z) < 64 && clean(z))
			plugin = z;
	}
	ul = strnlen(user, 64);
	if (put(out, outlen, &o, caps, 4) == -1 ||
	    put(out, outlen, &o, maxpkt, 4) == -1 ||
	    put(out, outlen, &o, "\x21", 1) == -1 ||
	    put(out, outlen, &o, zero, 23) == -1 ||
	    put(out, outlen, &o, user, ul) == -1 ||
	    put(out, outlen, &o, "", 1) == -1 ||
	    put(out, outlen, &o, "", 1) == -1 ||	/* no auth data */
	    put_str(out, outlen, &o, plugin) == -1)
		return 0;
	out[0] = (char)((o - 4) & 0xff);
	out[1] = (char)((o - 4) >> 8);
	out[2] = 0;
	out[3] = 1;
	return o;
}

static int
my_bye(const struct proto_opts *o, const char *buf, size_t len, int *step,
    char *out, size_t *outlen)
{
	const unsigned char *u;
	size_t pl;
	long off;

	if (*step == 0) {
		off = my_packet(buf, len, 0, &pl);
		if (off != 0)
			return 0;
		*outlen = my_login(buf + 4, pl, o->user ? o->user :
		    "sockctl", out, PROTO_REQ_MAX);
		*step = 1;
		return *outlen > 0;
	}
	if (*step > 4)
		return 0;
	off = my_packet(buf, len, *step, &pl);
	if (off < 0)
		return 1;	/* its answer has not come yet */
	u = (const unsigned char *)buf + off;
	if (pl == 0)
		return 0;
	switch (u[4]) {
	case 0x00:	/* logged in: say goodbye */
		memcpy(out, "\x01\x00\x00\x00\x01", 5);
		*outlen = 5;
		return 0;
	case 0xfe:	/* another method: an empty password for it too */
		out[0] = out[1] = out[2] = 0;
		out[3] = (char)(u[3] + 1);
		*outlen = 4;
		(*step)++;
		return 1;
	default:	/* refused (1045): the server closes, nothing counted */
		return 0;
	}
}

int
proto_bye(const struct proto_opts *o, const struct proto_res *res,
    const char *buf, size_t len, int *step, char *out, size_t *outlen)
{
	size_t end;

	*outlen = 0;
	switch (o->proto) {
	case PROTO_POSTGRES:
		/* as libpq: a Terminate once in; mid-authentication a close
		 * is what the server expects of a client without a
		 * password */
		if (*step == 0 && res->kind == PK_READY && res->auth == 0) {
			memcpy(out, "X\0\0\0\4", 5);
			*outlen = 5;
		}
		*step = 1;
		return 0;
	case PROTO_MYSQL:
		if (res->v != PV_READY)
			return 0;
		return my_bye(o, buf, len, step, out, outlen);
	case PROTO_SMTP:
		end = smtp_reply_end(buf, len);
		if (*step == 0) {
			/* a 421 closes the channel itself (RFC 5321 3.8) */
			if (res->v != PV_READY && res->kind != PK_ERROR)
				return 0;
			memcpy(out, "QUIT\r\n", 6);
			*outlen = 6;
			*step = 1;
			return 1;
		}
		/* the 221 after the greeting */
		return end == 0 || smtp_reply_end(buf + end, len - end) == 0;
	default:
		return 0;
	}
}
