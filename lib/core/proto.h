/*
 * Readiness checks (probe-connect --proto): the first exchange of a
 * service's protocol without credentials, and the judgement of its
 * answer -- ready, not ready (starting up, loading, too many clients), or
 * a failure that waiting will not fix -- with the server's own words.
 * The decisions follow the protocols' own tools: PostgreSQL's PQping
 * (pg_isready), the MySQL greeting, Redis PING, the HTTP status line, the
 * SMTP greeting. Pure functions over the bytes received so far: lib/dial
 * drives the socket, lib/evproto words the verdict. Never prints.
 */
#ifndef SOCKCTL_PROTO_H
#define SOCKCTL_PROTO_H

#include <stddef.h>

enum proto {
	PROTO_NONE,
	PROTO_HTTP,
	PROTO_REDIS,
	PROTO_POSTGRES,
	PROTO_MYSQL,
	PROTO_SMTP,
};

/* The names --proto takes, for messages and --help. */
#define PROTO_NAMES	"http, redis, postgres, mysql, smtp"

#define PROTO_REPLY_MAX	16384	/* bytes of a reply judged, at most */
#define PROTO_REQ_MAX	1024	/* room for any request or goodbye */
#define PROTO_SAID_LEN	256	/* the server's words, escaped */
#define PROTO_NOTE_LEN	160
#define PROTO_STATUS_MAX 16	/* codes in --http-status */

/* What a request needs beyond the protocol. */
struct proto_opts {
	enum proto	 proto;
	const char	*host;		/* HTTP Host (with the port unless
					 * 80); NULL: "localhost" */
	const char	*http_path;	/* NULL: "/" */
	const int	*http_status;	/* more ready statuses, or NULL */
	int		 nhttp_status;
	const char	*user;		/* PostgreSQL and MySQL; NULL:
					 * "sockctl" */
};

enum proto_verdict {
	PV_MORE,	/* not enough of the reply yet */
	PV_READY,
	PV_NOT_READY,	/* the server says it is not ready: retry */
	PV_FAIL,	/* an answer waiting will not change */
};

/* What kind of answer it was: lib/evproto words each. */
enum proto_kind {
	PK_NONE,
	PK_READY,	/* +PONG, 220, a status below 400, a greeting */
	PK_AUTH,	/* asks for a password: up (note: the method) */
	PK_NO_ROLE,	/* PostgreSQL: the user does not exist (28000) */
	PK_NO_DB,	/* PostgreSQL: the database does not exist */
	PK_REJECTED,	/* PostgreSQL: another error, the server is up */
	PK_STARTING,	/* PostgreSQL 57P03: starting, stopping, recovery */
	PK_TOO_MANY,	/* 53300, MySQL 1040 */
	PK_BUSY,	/* Redis LOADING, BUSY, MASTERDOWN, TRYAGAIN */
	PK_UNAVAILABLE,	/* HTTP 503, 429; SMTP 421 */
	PK_STATUS,	/* HTTP: another status */
	PK_BLOCKED,	/* MySQL 1129: host blocked (max_connect_errors) */
	PK_HOST_DENIED,	/* MySQL 1130: host not allowed to connect */
	PK_ERROR,	/* the protocol's error, not one of the above */
	PK_GARBAGE,	/* not this protocol at all */
	PK_TOO_LONG,	/* no complete answer in PROTO_REPLY_MAX bytes */
	PK_CLOSED,	/* the server closed before a complete answer */
};

/*
 * The verdict of a reply, and what the server said: said is the first
 * line, the error's message or the PostgreSQL message, note the version,
 * Retry-After or the authentication method; both escaped.
 */
struct proto_res {
	enum proto_verdict	 v;
	enum proto_kind		 kind;
	int	code;		/* HTTP status, SMTP code, MySQL error; or 0 */
	char	sqlstate[6];	/* PostgreSQL's, or "" */
	int	auth;		/* PostgreSQL's authentication request */
	int	auth_ok;	/* PostgreSQL: AuthenticationOk came */
	char	said[PROTO_SAID_LEN];
	char	note[PROTO_NOTE_LEN];
};

/* Returns the protocol called name ("postgres"), or -1. */
int		 proto_lookup(const char *name);

/* Returns the name of p ("postgres"), or NULL for PROTO_NONE. */
const char	*proto_str(enum proto p);

/*
 * Parses an --http-status LIST ("200,204,401") into codes (at most max).
 * Returns their number, or -1 with the reason in err.
 */
int	proto_status_list(const char *s, int *codes, int max, char *err,
	    size_t errlen);

/*
 * Writes the request of o->proto into out (PROTO_REQ_MAX bytes): HTTP's
 * GET, Redis's PING, PostgreSQL's StartupMessage; nothing for MySQL and
 * SMTP, whose servers speak first. Returns its length (0: none), or -1
 * when it does not fit (an --http-path too long).
 */
long	proto_request(const struct proto_opts *o, char *out, size_t outlen);

/*
 * Judges buf[0..len-1], the reply so far (eof: the server closed after
 * it), into *res. Returns res->v: PV_MORE until the answer is complete
 * (at PROTO_REPLY_MAX bytes, or at eof, it never is PV_MORE).
 */
enum proto_verdict proto_judge(const struct proto_opts *o, const char *buf,
	    size_t len, int eof, struct proto_res *res);

/*
 * The goodbye: what to send after the verdict so that the server counts
 * a clean close, not an aborted client (MySQL's max_connect_errors,
 * PostgreSQL's log). buf[0..len-1] is everything received so far, *step
 * starts at 0 and is the caller's to keep. Writes what to send now into
 * out (PROTO_REQ_MAX bytes) with its length in *outlen (0: nothing), and
 * returns 1 when more of the reply is to be read after that, 0 when the
 * connection may be closed.
 */
int	proto_bye(const struct proto_opts *o, const struct proto_res *res,
	    const char *buf, size_t len, int *step, char *out,
	    size_t *outlen);

#endif
