/* Reason slugs and exit codes: the SPEC's result table, one line each. */
#ifndef SOCKCTL_REASON_H
#define SOCKCTL_REASON_H

#define REASON_LIST(X)						\
	X(RS_OK,		"ok",			0)		\
	X(RS_ERROR,	"error",		1)		\
	X(RS_USAGE,	"usage",		2)		\
	X(RS_DNS,	"dns-failure",		3)		\
	X(RS_REFUSED,	"refused",		4)		\
	X(RS_TIMEOUT,	"timeout",		5)		\
	X(RS_UNREACH,	"unreachable",		6)		\
	X(RS_INUSE,	"port-in-use",		7)		\
	X(RS_PERM,	"permission-denied",	8)		\
	X(RS_ADDRNA,	"address-not-available", 9)		\
	X(RS_EXPECT,	"expect-failed",	10)		\
	X(RS_RESET,	"reset",		11)		\
	X(RS_RESOURCE,	"resource-limit",	12)		\
	X(RS_UNHEALTHY,	"unhealthy",		13)		\
	/* inspect's findings: each a reason of its own, exit 13 */	\
	X(RS_CLOSE_WAIT, "close-wait-leak",	13)		\
	X(RS_ACCEPT_FULL, "accept-queue-full",	13)		\
	X(RS_SYN_FLOOD,	"syn-flood",		13)		\
	X(RS_TIME_WAIT,	"time-wait-pile",	13)		\
	X(RS_PEER_NOT_READING, "peer-not-reading", 13)		\
	X(RS_RETRANS,	"retransmitting",	13)		\
	X(RS_FD_LIMIT,	"fd-limit",		13)		\
	/* trace's lifecycle problems of a program's socket, exit 13 */	\
	X(RS_UNREAD_CLOSE, "unread-at-close",	13)		\
	X(RS_BLOCKED_CONNECT, "blocked-connect", 13)		\
	X(RS_BLOCKED_RECV, "blocked-recv",	13)

enum reason {
#define X(id, slug, code) id,
	REASON_LIST(X)
#undef X
	RS__COUNT
};

/* Lifecycle stages a failure can happen in. */
#define STAGE_LIST(X)			\
	X(ST_NONE,	"none")		\
	X(ST_ARGS,	"args")		\
	X(ST_RESOLVE,	"resolve")	\
	X(ST_SOCKET,	"socket")	\
	X(ST_SETSOCKOPT, "setsockopt")	\
	X(ST_BIND,	"bind")		\
	X(ST_LISTEN,	"listen")	\
	X(ST_ACCEPT,	"accept")	\
	X(ST_CONNECT,	"connect")	\
	X(ST_SEND,	"send")		\
	X(ST_RECV,	"recv")		\
	X(ST_EXPECT,	"expect")	\
	X(ST_CLOSE,	"close")

enum stage {
#define X(id, name) id,
	STAGE_LIST(X)
#undef X
	ST__COUNT
};

/*
 * reason_slug() returns the slug of r ("port-in-use"), reason_exit() its
 * exit code. reason_by_slug() returns the reason named s, or -1.
 */
const char	*reason_slug(enum reason r);
int		 reason_exit(enum reason r);
int		 reason_by_slug(const char *s);
const char	*stage_name(enum stage s);

#endif
