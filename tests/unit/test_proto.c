/*
 * Unit tests: lib/core/proto, --proto's requests and the judgement of
 * replies, byte for byte as the servers send them (PostgreSQL 15,
 * MariaDB 10.11, Redis 7, nginx, aiosmtpd), cut at every length on the
 * way, and the goodbyes.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "unit.h"

static struct proto_opts o;
static struct proto_res res;

static enum proto_verdict
judge(enum proto p, const char *buf, size_t len, int eof)
{
	o.proto = p;
	return proto_judge(&o, buf, len, eof, &res);
}

/* Every prefix of a complete reply is PV_MORE, the whole one is not. */
static int
needs_all(enum proto p, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (judge(p, buf, i, 0) != PV_MORE)
			return 0;
	return judge(p, buf, len, 0) != PV_MORE;
}

static void
test_names(void)
{
	CHECK(proto_lookup("http") == PROTO_HTTP);
	CHECK(proto_lookup("postgres") == PROTO_POSTGRES);
	CHECK(proto_lookup("postgresql") == PROTO_POSTGRES);
	CHECK(proto_lookup("mariadb") == PROTO_MYSQL);
	CHECK(proto_lookup("smtp") == PROTO_SMTP);
	CHECK(proto_lookup("ftp") == -1);
	CHECK(proto_lookup("") == -1);
	CHECK(proto_lookup(NULL) == -1);
	CHECK_STR(proto_str(PROTO_REDIS), "redis");
	CHECK(proto_str(PROTO_NONE) == NULL);
}

static void
test_status_list(void)
{
	int c[PROTO_STATUS_MAX];
	char err[200];

	CHECK(proto_status_list("200,204,401", c, PROTO_STATUS_MAX, err,
	    sizeof(err)) == 3);
	CHECK(c[0] == 200 && c[1] == 204 && c[2] == 401);
	CHECK(proto_status_list("404", c, PROTO_STATUS_MAX, err,
	    sizeof(err)) == 1);
	CHECK(proto_status_list("", c, 4, err, sizeof(err)) == -1);
	CHECK(proto_status_list("20x", c, 4, err, sizeof(err)) == -1);
	CHECK(strstr(err, "'20x'") != NULL);
	CHECK(proto_status_list("200,", c, 4, err, sizeof(err)) == -1);
	CHECK(proto_status_list("99", c, 4, err, sizeof(err)) == -1);
	CHECK(proto_status_list("600", c, 4, err, sizeof(err)) == -1);
	CHECK(proto_status_list("2000", c, 4, err, sizeof(err)) == -1);
	CHECK(proto_status_list("200,201,202,203,204", c, 4, err,
	    sizeof(err)) == -1);
}

static void
test_requests(void)
{
	char buf[PROTO_REQ_MAX];
	long n;

	memset(&o, 0, sizeof(o));
	o.proto = PROTO_HTTP;
	o.host = "db.example:8080";
	o.http_path = "/healthz";
	n = proto_request(&o, buf, sizeof(buf));
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strncmp(buf, "GET /healthz HTTP/1.1\r\nHost: db.example:8080\r\n",
	    46) == 0);
	CHECK(n > 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	o.http_path = "/a b";		/* never a broken request line */
	CHECK(proto_request(&o, buf, sizeof(buf)) == -1);
	o.http_path = NULL;
	o.proto = PROTO_REDIS;
	n = proto_request(&o, buf, sizeof(buf));
	CHECK(n == 14 && memcmp(buf, "*1\r\n$4\r\nPING\r\n", 14) == 0);
	o.proto = PROTO_POSTGRES;
	n = proto_request(&o, buf, sizeof(buf));
	/* length, protocol 3.0, user sockctl, application_name, a NUL */
	CHECK(n == 8 + 5 + 8 + 17 + 8 + 1);
	CHECK(buf[3] == (char)n && buf[4] == 0 && buf[5] == 3 &&
	    buf[6] == 0 && buf[7] == 0);
	CHECK(memcmp(buf + 8, "user\0sockctl\0", 13) == 0);
	CHECK(buf[n - 1] == '\0' && buf[n - 2] == '\0');
	o.user = "app";
	n = proto_request(&o, buf, sizeof(buf));
	CHECK(memcmp(buf + 8, "user\0app\0", 9) == 0);
	o.user = NULL;
	o.proto = PROTO_MYSQL;
	CHECK(proto_request(&o, buf, sizeof(buf)) == 0);
	o.proto = PROTO_SMTP;
	CHECK(proto_request(&o, buf, sizeof(buf)) == 0);
}

static void
test_http(void)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
	    "Content-Length: 3\r\n\r\nok\n";
	static const char down[] = "HTTP/1.1 503 Service Temporarily "
	    "Unavailable\r\nServer: nginx\r\nretry-after:  30\r\n\r\n";
	static const char nf[] = "HTTP/1.0 404 Not Found\r\n\r\n";
	int st[1] = { 404 };

	memset(&o, 0, sizeof(o));
	CHECK(needs_all(PROTO_HTTP, ok, strlen(ok) - 3));
	CHECK(judge(PROTO_HTTP, ok, strlen(ok), 0) == PV_READY);
	CHECK(res.code == 200);
	CHECK_STR(res.said, "HTTP/1.1 200 OK");
	CHECK(judge(PROTO_HTTP, down, strlen(down), 0) == PV_NOT_READY);
	CHECK(res.kind == PK_UNAVAILABLE && res.code == 503);
	CHECK_STR(res.note, "Retry-After: 30");
	CHECK(judge(PROTO_HTTP, nf, strlen(nf), 0) == PV_FAIL);
	CHECK(res.kind == PK_STATUS && res.code == 404);
	CHECK_STR(res.said, "HTTP/1.0 404 Not Found");
	o.http_status = st;
	o.nhttp_status = 1;
	CHECK(judge(PROTO_HTTP, nf, strlen(nf), 0) == PV_READY);
	o.nhttp_status = 0;
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 429 Too Many\r\n\r\n", 25, 0) ==
	    PV_NOT_READY);
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 302 Found\r\n\r\n", 22, 0) ==
	    PV_READY);
	/* the status line alone, then the close: judged on what came */
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 204 No\r\n", 17, 1) == PV_READY);
	/* not HTTP: told at the first byte that cannot be */
	CHECK(judge(PROTO_HTTP, "SSH-2.0-OpenSSH", 15, 0) == PV_FAIL);
	CHECK(res.kind == PK_GARBAGE);
	CHECK_STR(res.said, "SSH-2.0-OpenSSH");
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 2x0 OK\r\n\r\n", 19, 0) ==
	    PV_FAIL);
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 200OK\r\n\r\n", 18, 0) == PV_FAIL);
	CHECK(judge(PROTO_HTTP, "HTTP/1.1 200", 12, 1) == PV_FAIL);
	CHECK(res.kind == PK_CLOSED);
	CHECK(judge(PROTO_HTTP, "", 0, 1) == PV_FAIL && res.kind ==
	    PK_CLOSED);
}

static void
test_redis(void)
{
	memset(&o, 0, sizeof(o));
	CHECK(needs_all(PROTO_REDIS, "+PONG\r\n", 7));
	CHECK(judge(PROTO_REDIS, "+PONG\r\n", 7, 0) == PV_READY);
	CHECK_STR(res.said, "+PONG");
	CHECK(judge(PROTO_REDIS, "-NOAUTH Authentication required.\r\n", 34,
	    0) == PV_READY && res.kind == PK_AUTH);
	CHECK(judge(PROTO_REDIS, "-LOADING Redis is loading the dataset in "
	    "memory\r\n", 49, 0) == PV_NOT_READY && res.kind == PK_BUSY);
	CHECK_STR(res.said, "-LOADING Redis is loading the dataset in memory");
	CHECK(judge(PROTO_REDIS, "-BUSY Redis is busy\r\n", 21, 0) ==
	    PV_NOT_READY);
	CHECK(judge(PROTO_REDIS, "-MASTERDOWN Link with MASTER is down\r\n",
	    38, 0) == PV_NOT_READY);
	CHECK(judge(PROTO_REDIS, "-TRYAGAIN Multiple keys\r\n", 25, 0) ==
	    PV_NOT_READY);
	/* a prefix of a word is not the word */
	CHECK(judge(PROTO_REDIS, "-BUSYKEY Target key\r\n", 21, 0) ==
	    PV_FAIL && res.kind == PK_ERROR);
	CHECK(judge(PROTO_REDIS, "+PONGS\r\n", 8, 0) == PV_FAIL);
	CHECK(judge(PROTO_REDIS, "-DENIED Redis is running in protected "
	    "mode\r\n", 44, 0) == PV_FAIL && res.kind == PK_ERROR);
	CHECK(judge(PROTO_REDIS, "HTTP/1.1 400", 12, 0) == PV_FAIL &&
	    res.kind == PK_GARBAGE);
	CHECK(judge(PROTO_REDIS, "+PON", 4, 1) == PV_FAIL && res.kind ==
	    PK_CLOSED);
}

/* A PostgreSQL message of type t with body b (n bytes) at out. */
static size_t
pg_msg(char *out, char t, const char *b, size_t n)
{
	out[0] = t;
	out[1] = 0;
	out[2] = 0;
	out[3] = (char)((n + 4) >> 8);
	out[4] = (char)(n + 4);
	memcpy(out + 5, b, n);
	return n + 5;
}

static void
test_postgres(void)
{
	char buf[512];
	size_t n;
	static const char starting[] = "SFATAL\0VFATAL\0C57P03\0Mthe database "
	    "system is starting up\0Fpostmaster.c\0\0";
	static const char full[] = "SFATAL\0C53300\0Msorry, too many clients "
	    "already\0\0";
	static const char role[] = "SFATAL\0C28000\0Mrole \"sockctl\" does not "
	    "exist\0\0";
	static const char nodb[] = "SFATAL\0C3D000\0Mdatabase \"x\" does not "
	    "exist\0\0";
	static const char hba[] = "SFATAL\0C28000\0Mno pg_hba.conf entry for "
	    "host \"10.0.0.1\"\0\0";

	memset(&o, 0, sizeof(o));
	/* AuthenticationSASL: up, asking for a password */
	n = pg_msg(buf, 'R', "\0\0\0\nSCRAM-SHA-256\0\0", 19);
	CHECK(needs_all(PROTO_POSTGRES, buf, n));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY);
	CHECK(res.kind == PK_AUTH && res.auth == 10);
	CHECK(strstr(res.said, "AuthenticationSASL") != NULL);
	n = pg_msg(buf, 'R', "\0\0\0\5salt", 8);
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY);
	CHECK_STR(res.note, "md5");
	/* asked for a password: a close, no Terminate (as libpq's) */
	{
		char out[PROTO_REQ_MAX];
		size_t outlen = 1;
		int step = 0;

		CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 0 &&
		    outlen == 0);
	}
	/* trust: AuthenticationOk, then the session, or an error */
	n = pg_msg(buf, 'R', "\0\0\0\0", 4);
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_MORE);
	n += pg_msg(buf + n, 'S', "TimeZone\0UTC\0", 13);
	n += pg_msg(buf + n, 'K', "\0\0\0\1\0\0\0\2", 8);
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_MORE);
	n += pg_msg(buf + n, 'Z', "I", 1);
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY);
	CHECK(res.kind == PK_READY);
	/* the goodbye once in: a Terminate, as libpq's PQfinish() */
	{
		char out[PROTO_REQ_MAX];
		size_t outlen;
		int step = 0;

		CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 0);
		CHECK(outlen == 5 && memcmp(out, "X\0\0\0\4", 5) == 0);
	}
	n = pg_msg(buf, 'R', "\0\0\0\0", 4);
	n += pg_msg(buf + n, 'E', role, sizeof(role));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY);
	CHECK(res.kind == PK_NO_ROLE);
	CHECK_STR(res.said, "role \"sockctl\" does not exist");
	n = pg_msg(buf, 'R', "\0\0\0\0", 4);
	n += pg_msg(buf + n, 'E', full, sizeof(full));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_NOT_READY);
	/* refusals before authentication */
	n = pg_msg(buf, 'E', starting, sizeof(starting));
	CHECK(needs_all(PROTO_POSTGRES, buf, n));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_NOT_READY);
	CHECK(res.kind == PK_STARTING);
	CHECK_STR(res.sqlstate, "57P03");
	CHECK_STR(res.said, "the database system is starting up");
	n = pg_msg(buf, 'E', full, sizeof(full));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_NOT_READY &&
	    res.kind == PK_TOO_MANY);
	n = pg_msg(buf, 'E', nodb, sizeof(nodb));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY && res.kind ==
	    PK_NO_DB);
	n = pg_msg(buf, 'E', hba, sizeof(hba));
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY && res.kind ==
	    PK_REJECTED);
	/* a notice first is skipped */
	n = pg_msg(buf, 'N', "SNOTICE\0Mhi\0\0", 13);
	n += pg_msg(buf + n, 'R', "\0\0\0\3", 4);
	CHECK(judge(PROTO_POSTGRES, buf, n, 0) == PV_READY);
	/* not PostgreSQL */
	CHECK(judge(PROTO_POSTGRES, "HTTP/1.1 400 Bad", 16, 0) == PV_FAIL);
	CHECK(res.kind == PK_GARBAGE);
	CHECK(strncmp(res.said, "HTTP/1.1 400", 12) == 0);
	CHECK(judge(PROTO_POSTGRES, "E\0\0\0\1", 5, 0) == PV_FAIL);
	CHECK(judge(PROTO_POSTGRES, "E\x7f\0\0\0", 5, 0) == PV_FAIL);
	CHECK(judge(PROTO_POSTGRES, "R\0\0\0\x08\0\0", 7, 1) == PV_FAIL &&
	    res.kind == PK_CLOSED);
}

/* A MySQL packet (sequence 0) with payload b of n bytes at out. */
static size_t
my_pkt(char *out, const char *b, size_t n, int seq)
{
	out[0] = (char)n;
	out[1] = 0;
	out[2] = 0;
	out[3] = (char)seq;
	memcpy(out + 4, b, n);
	return n + 4;
}

static void
test_mysql(void)
{
	char buf[512], g[128], out[PROTO_REQ_MAX];
	size_t n, gl, outlen;
	int step = 0;
	static const char ver[] = "5.5.5-10.11.19-MariaDB-0+deb12u1";

	memset(&o, 0, sizeof(o));
	g[0] = 0x0a;
	memcpy(g + 1, ver, sizeof(ver));
	gl = 1 + sizeof(ver);
	memcpy(g + gl, "\x05\0\0\0" "abcdefgh\0" "\xfe\xf7\x2d\x02\0\xff\x81"
	    "\x15\0\0\0\0\0\0\x1d\0\0\0" "ijklmnopqrst\0"
	    "mysql_native_password\0", 4 + 9 + 7 + 11 + 13 + 22);
	gl += 4 + 9 + 7 + 11 + 13 + 22;
	n = my_pkt(buf, g, gl, 0);
	CHECK(needs_all(PROTO_MYSQL, buf, n));
	CHECK(judge(PROTO_MYSQL, buf, n, 0) == PV_READY);
	CHECK_STR(res.said, ver);
	CHECK_STR(res.note, "10.11.19-MariaDB-0+deb12u1");
	/* the goodbye: a login with no password, then COM_QUIT once in */
	CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 1);
	CHECK(outlen > 36 && out[3] == 1);
	CHECK(memcmp(out + 36, "sockctl\0\0mysql_native_password\0",
	    31) == 0);
	CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 1 &&
	    outlen == 0);	/* its answer has not come */
	n += my_pkt(buf + n, "\0\0\0\2\0\0\0", 7, 2);
	CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 0);
	CHECK(outlen == 5 && memcmp(out, "\1\0\0\0\1", 5) == 0);
	/* access denied: nothing more to say */
	step = 0;
	n = my_pkt(buf, g, gl, 0);
	(void)judge(PROTO_MYSQL, buf, n, 0);
	(void)proto_bye(&o, &res, buf, n, &step, out, &outlen);
	n += my_pkt(buf + n, "\xff\x15\x04#28000Access denied", 22, 2);
	CHECK(proto_bye(&o, &res, buf, n, &step, out, &outlen) == 0 &&
	    outlen == 0);
	/* errors instead of a greeting */
	n = my_pkt(buf, "\xff\x10\x04Too many connections", 23, 0);
	CHECK(judge(PROTO_MYSQL, buf, n, 0) == PV_NOT_READY);
	CHECK(res.code == 1040 && res.kind == PK_TOO_MANY);
	CHECK_STR(res.said, "Too many connections");
	n = my_pkt(buf, "\xff\x69\x04Host 'h' is blocked", 22, 0);
	CHECK(judge(PROTO_MYSQL, buf, n, 0) == PV_FAIL && res.kind ==
	    PK_BLOCKED && res.code == 1129);
	n = my_pkt(buf, "\xff\x6a\x04#HY000Host 'h' is not allowed", 32, 0);
	CHECK(judge(PROTO_MYSQL, buf, n, 0) == PV_FAIL && res.kind ==
	    PK_HOST_DENIED);
	CHECK_STR(res.said, "Host 'h' is not allowed");
	/* not MySQL */
	CHECK(judge(PROTO_MYSQL, "220 mail ESMTP\r\n", 16, 0) == PV_FAIL &&
	    res.kind == PK_GARBAGE);
	CHECK(judge(PROTO_MYSQL, "\x05\0\0\0\x0a" "5.5", 8, 0) == PV_MORE);
	CHECK(judge(PROTO_MYSQL, "\x05\0\0\0\x0a" "5.5.", 9, 0) == PV_FAIL);
}

static void
test_smtp(void)
{
	static const char multi[] = "220-mail.example ESMTP\r\n220 ready\r\n";
	char out[PROTO_REQ_MAX], buf[128];
	size_t outlen;
	int step = 0;

	memset(&o, 0, sizeof(o));
	CHECK(needs_all(PROTO_SMTP, multi, strlen(multi)));
	CHECK(judge(PROTO_SMTP, multi, strlen(multi), 0) == PV_READY);
	CHECK_STR(res.said, "220-mail.example ESMTP");
	CHECK(proto_bye(&o, &res, multi, strlen(multi), &step, out,
	    &outlen) == 1);
	CHECK(outlen == 6 && memcmp(out, "QUIT\r\n", 6) == 0);
	snprintf(buf, sizeof(buf), "%s221 bye\r\n", multi);
	CHECK(proto_bye(&o, &res, buf, strlen(buf) - 2, &step, out,
	    &outlen) == 1);
	CHECK(proto_bye(&o, &res, buf, strlen(buf), &step, out,
	    &outlen) == 0);
	CHECK(judge(PROTO_SMTP, "421 closing\r\n", 13, 0) == PV_NOT_READY);
	CHECK(judge(PROTO_SMTP, "421-closing\r\n", 13, 1) == PV_NOT_READY);
	CHECK(judge(PROTO_SMTP, "554 no\r\n", 8, 0) == PV_FAIL && res.kind ==
	    PK_ERROR && res.code == 554);
	CHECK(judge(PROTO_SMTP, "+PONG\r\n", 7, 0) == PV_FAIL && res.kind ==
	    PK_GARBAGE);
	CHECK(judge(PROTO_SMTP, "22", 2, 0) == PV_MORE);
}

static void
test_escaped(void)
{
	char buf[PROTO_REPLY_MAX + 10];

	memset(&o, 0, sizeof(o));
	/* a terminal escape comes out as text */
	CHECK(judge(PROTO_REDIS, "-ERR \x1b[31mred\r\n", 15, 0) == PV_FAIL);
	CHECK_STR(res.said, "-ERR \\x1b[31mred");
	/* bounded: a reply that never ends a line is judged at the limit */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "220-", 4);
	CHECK(judge(PROTO_SMTP, buf, PROTO_REPLY_MAX - 1, 0) == PV_MORE);
	CHECK(judge(PROTO_SMTP, buf, sizeof(buf), 0) == PV_FAIL);
	CHECK(res.kind == PK_TOO_LONG);
	CHECK(strlen(res.said) < sizeof(res.said));
	memset(buf, 0xff, 400);
	CHECK(judge(PROTO_HTTP, buf, 400, 0) == PV_FAIL);
	CHECK(strlen(res.said) < sizeof(res.said));
	CHECK(strstr(res.said, "...") != NULL);
}

int
main(void)
{
	test_names();
	test_status_list();
	test_requests();
	test_http();
	test_redis();
	test_postgres();
	test_mysql();
	test_smtp();
	test_escaped();
	return UNIT_DONE("proto");
}
