/*
 * Evidence of --proto (probe-connect's readiness checks): the verdict of
 * lib/core/proto in words -- what the server said, what it means for a
 * client, and what to do. Never prints.
 */
#ifndef SOCKCTL_EVPROTO_H
#define SOCKCTL_EVPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "result.h"

/*
 * A ready verdict in a few words for the success line ("postgres:
 * accepting connections (asks for a password: md5)") into buf; and in
 * r's hint what a client should know (a password is needed, the role
 * does not exist).
 */
void	evproto_ok(enum proto p, const struct proto_res *pr, const char *user,
	    char *buf, size_t len, struct result *r);

/*
 * Appends to r the cause and fix of a failed readiness check: dx is the
 * attempt's (DX_NOT_READY, DX_PROTO_REPLY, DX_PROTO_SILENT), pr its
 * verdict (NULL: none), rlen the bytes received, http_path the path
 * asked for.
 */
void	evproto_explain(enum proto p, const struct proto_res *pr, int dx,
	    size_t rlen, int64_t timeout_ms, const char *http_path,
	    struct result *r);

#endif
