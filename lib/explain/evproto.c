#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "evproto.h"

void
evproto_ok(enum proto p, const struct proto_res *pr, const char *user,
    char *buf, size_t len, struct result *r)
{
	const char *name = proto_str(p);

	if (user == NULL)
		user = "sockctl";
	switch (pr->kind) {
	case PK_AUTH:
		if (p == PROTO_REDIS) {
			snprintf(buf, len, "%s: up, a password is needed "
			    "('%s')", name, pr->said);
			result_fix(r, "redis answers, and wants AUTH first: "
			    "clients need the password (requirepass, or an "
			    "ACL user)");
		} else
			snprintf(buf, len, "%s: accepting connections (asks "
			    "for a password: %s)", name, pr->note);
		return;
	case PK_NO_ROLE:
		snprintf(buf, len, "%s: accepting connections (it says: '%s')",
		    name, pr->said);
		result_fix(r, "the server is up; the role '%s' does not exist "
		    "there: give --user a role that exists to check the login "
		    "as well", user);
		return;
	case PK_NO_DB:
		snprintf(buf, len, "%s: accepting connections (it says: '%s')",
		    name, pr->said);
		result_fix(r, "the server is up; the database named after the "
		    "user '%s' does not exist there (the login itself was "
		    "accepted)", user);
		return;
	case PK_REJECTED:
		snprintf(buf, len, "%s: accepting connections (it refused this "
		    "login: '%s')", name, pr->said);
		result_fix(r, "the server is up; it refused user '%s' from "
		    "here (pg_hba.conf or the authentication method), which "
		    "does not change whether it is ready", user);
		return;
	default:
		break;
	}
	if (p == PROTO_POSTGRES)
		snprintf(buf, len, "%s: accepting connections (no password "
		    "asked: trust)", name);
	else if (p == PROTO_MYSQL)
		snprintf(buf, len, "%s: ready, server version %s", name,
		    pr->note);
	else
		snprintf(buf, len, "%s: ready, '%s'", name, pr->said);
}

/* What a reply that is not p looks like, when it is a known protocol. */
static const char *
looks_like(const struct proto_res *pr)
{
	const char *s = pr->said;

	if (strncmp(s, "HTTP/", 5) == 0)
		return "an HTTP server";
	if (strncmp(s, "-ERR", 4) == 0 || strncmp(s, "-NOAUTH", 7) == 0 ||
	    strncmp(s, "+PONG", 5) == 0)
		return "Redis";
	if (strncmp(s, "220 ", 4) == 0 || strncmp(s, "220-", 4) == 0)
		return "an SMTP server (or another that greets with 220)";
	if (strncmp(s, "SSH-", 4) == 0)
		return "an SSH server";
	if (strncmp(s, "\\x15\\x03", 8) == 0)
		return "a TLS alert: the port wants TLS, and this check speaks "
		    "plain text";
	if (strstr(s, "\\x0a") == s + 16 || strstr(s, "mysql_native") ||
	    strstr(s, "MariaDB"))
		return "MySQL or MariaDB";
	if (s[0] == 'E' && strstr(s, "SFATAL"))
		return "PostgreSQL";
	return NULL;
}

static void
not_ready(enum proto p, const struct proto_res *pr, struct result *r)
{
	const char *s = pr->said;

	switch (pr->kind) {
	case PK_STARTING:
		result_cause(r, "postgres answered SQLSTATE 57P03 (cannot "
		    "connect now): '%s'", s);
		if (strstr(s, "starting up"))
			result_cause(r, "the server is starting up (recovering "
			    "from its WAL); it accepts sessions once that is "
			    "done");
		else if (strstr(s, "shutting down"))
			result_cause(r, "the server is shutting down (a smart "
			    "shutdown waits for its sessions to end, and takes "
			    "no new ones)");
		else if (strstr(s, "recovery") || strstr(s, "not yet "
		    "accepting"))
			result_cause(r, "the server is in recovery (a standby "
			    "without hot_standby, or one that has not reached "
			    "a consistent state)");
		result_fix(r, "wait for it (--wait), or see the server's log "
		    "for how far it is");
		return;
	case PK_TOO_MANY:
		if (p == PROTO_POSTGRES) {
			result_cause(r, "postgres answered SQLSTATE 53300 (too "
			    "many connections): '%s'; every slot of "
			    "max_connections is taken: pg_isready counts this "
			    "as accepting, but a new session fails, so sockctl "
			    "waits", s);
			result_fix(r, "wait for sessions to end, or raise "
			    "max_connections or put a pooler in front "
			    "(pgbouncer); who holds them: SELECT usename, "
			    "client_addr, state FROM pg_stat_activity");
		} else {
			result_cause(r, "mysql answered error %d: '%s': every "
			    "slot of max_connections is taken", pr->code, s);
			result_fix(r, "wait for sessions to end, or raise "
			    "max_connections (SET GLOBAL max_connections = N); "
			    "who holds them: SHOW PROCESSLIST");
		}
		return;
	case PK_BUSY:
		result_cause(r, "redis answered '%s'", s);
		if (strncmp(s, "-LOADING", 8) == 0)
			result_cause(r, "it is loading its dataset into memory "
			    "(after a restart); it answers once it is loaded");
		else if (strncmp(s, "-BUSY", 5) == 0) {
			result_cause(r, "a script or function runs longer than "
			    "busy-reply-threshold, and blocks every client");
			result_fix(r, "wait, or stop it: redis-cli SCRIPT KILL "
			    "(FUNCTION KILL for a function)");
			return;
		} else if (strncmp(s, "-MASTERDOWN", 11) == 0)
			result_cause(r, "a replica whose link to its master is "
			    "down, set not to serve stale data "
			    "(replica-serve-stale-data no)");
		else
			result_cause(r, "a cluster slot is being moved "
			    "(resharding); the command may be retried");
		result_fix(r, "wait for it (--wait)");
		return;
	case PK_UNAVAILABLE:
		if (p == PROTO_SMTP) {
			result_cause(r, "smtp answered '%s': 421, the service "
			    "is not available now (shutting down, overloaded, "
			    "or limiting connections)", s);
			result_fix(r, "wait for it (--wait), or see the mail "
			    "server's log");
			return;
		}
		result_cause(r, "http answered '%s'%s%s%s: %s", s,
		    pr->note[0] ? " (" : "", pr->note, pr->note[0] ? ")" : "",
		    pr->code == 429 ? "too many requests, this client is "
		    "rate limited for now" : "the server, or a proxy in front "
		    "of it, cannot serve now (no healthy backend, overload or "
		    "maintenance)");
		result_fix(r, "wait for it (--wait)%s", pr->note[0] ?
		    ", as Retry-After says" : "");
		return;
	default:
		result_cause(r, "%s answered that it is not ready: '%s'",
		    proto_str(p), s);
		return;
	}
}

static void
failed(enum proto p, const struct proto_res *pr, size_t rlen,
    const char *http_path, struct result *r)
{
	const char *s = pr->said, *like;

	switch (pr->kind) {
	case PK_STATUS:
		result_cause(r, "http answered '%s': status %d does not change "
		    "by waiting (ready is a status below 400, or one of "
		    "--http-status)", s, pr->code);
		result_fix(r, "check the path (--http-path, now '%s'); to "
		    "count this status as ready: --http-status %d",
		    http_path ? http_path : "/", pr->code);
		return;
	case PK_BLOCKED:
		result_cause(r, "mysql answered error 1129: '%s': the server "
		    "blocks this host after more than max_connect_errors "
		    "connections in a row broke off mid-handshake", s);
		result_fix(r, "unblock it on the server: mysqladmin "
		    "flush-hosts (FLUSH HOSTS, or TRUNCATE "
		    "performance_schema.host_cache), raise max_connect_errors, "
		    "and find the client that aborts its connections");
		return;
	case PK_HOST_DENIED:
		result_cause(r, "mysql answered error 1130: '%s': no account "
		    "may connect from this host (the host part of "
		    "'user'@'host')", s);
		result_fix(r, "create an account for this client's address "
		    "(CREATE USER 'app'@'10.0.0.%%' ...), or connect from a "
		    "host that has one");
		return;
	case PK_ERROR:
		result_cause(r, "%s answered with an error%s: '%s'",
		    proto_str(p), p == PROTO_SMTP ? " (no 220 greeting)" : "",
		    s);
		if (p == PROTO_SMTP)
			result_fix(r, "see the mail server's log: %s",
			    pr->code == 554 ? "554 refuses this client "
			    "(a block list, or no service for it)" :
			    "the greeting was not 220");
		return;
	case PK_TOO_LONG:
		result_cause(r, "no whole %s answer in the first %d bytes: "
		    "'%s'", proto_str(p), PROTO_REPLY_MAX, s);
		break;
	case PK_CLOSED:
		result_cause(r, "the server closed after %zu bytes, before a "
		    "whole %s answer: '%s'", rlen, proto_str(p), s);
		break;
	default:
		result_cause(r, "the reply is not %s: it began '%s'",
		    proto_str(p), s);
		break;
	}
	like = looks_like(pr);
	if (like != NULL)
		result_cause(r, "that looks like %s", like);
	result_fix(r, "check the port, and that --proto %s is the service "
	    "listening there", proto_str(p));
}

void
evproto_explain(enum proto p, const struct proto_res *pr, int dx,
    size_t rlen, int64_t timeout_ms, const char *http_path,
    struct result *r)
{
	int greets = p == PROTO_MYSQL || p == PROTO_SMTP;

	if (dx == DX_PROTO_SILENT || pr == NULL) {
		if (rlen == 0)
			result_cause(r, "connected, but the server sent "
			    "nothing within %lld ms%s: a proxy with no "
			    "backend, or a server that is stuck",
			    (long long)timeout_ms, greets ? " (no greeting)" :
			    " after the request");
		else
			result_cause(r, "connected, and the server sent %zu "
			    "bytes, but no whole %s answer within %lld "
			    "ms%s%s%s", rlen, proto_str(p),
			    (long long)timeout_ms, pr != NULL ? ": '" : "",
			    pr != NULL ? pr->said : "", pr != NULL ? "'" : "");
		return;
	}
	if (dx == DX_NOT_READY)
		not_ready(p, pr, r);
	else
		failed(p, pr, rlen, http_path, r);
}
