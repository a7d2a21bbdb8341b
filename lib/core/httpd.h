/*
 * A small HTTP/1.1 server on the event loop (lib/loop): the exporter's
 * connections. Each connection holds at most HTTP_HEAD_MAX bytes of
 * request and one response; a request head must arrive within timeout_ms
 * of its first byte, a response must be taken by the client within
 * timeout_ms, an idle keep-alive connection is closed after idle_ms, and
 * at most max_conns are open (the one waiting longest for a request is
 * closed to make room for a new one). Requests on one connection are
 * answered in order (pipelining): the next is not read before the answer
 * to the last is written. It never prints: each request is handed to
 * on_request, and each answer, or each connection cut off, to on_log.
 */
#ifndef SOCKCTL_HTTPD_H
#define SOCKCTL_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http.h"
#include "loop.h"

struct httpd;
struct httpd_conn;

/* What one answered request (or a connection cut off) looked like. */
struct httpd_log {
	const struct sockaddr_storage *peer;
	const struct http_req	*rq;	/* NULL: no request was parsed */
	int			 status;
	size_t			 bytes;	/* of the body */
	double			 ms;	/* from its first byte to the answer */
	const char		*note;	/* the owner's note, why it was cut
					 * off, or NULL */
	int			 late;	/* cut off after its answer was
					 * logged: a second line for it */
};

struct httpd_cfg {
	struct loop	*l;
	struct loop_io	*lio;		/* the listening socket, watched by
					 * its owner, who calls httpd_accept()
					 * when it is readable */
	int64_t		 timeout_ms;	/* a head's arrival, a reply's drain */
	int64_t		 idle_ms;	/* a keep-alive connection's wait */
	size_t		 max_conns;
	size_t		 max_body;	/* a response body's limit */
	/*
	 * A request: answer it now or later with httpd_respond(); until
	 * then the connection reads nothing more.
	 */
	void		(*on_request)(struct httpd_conn *,
			    const struct http_req *, void *arg);
	void		(*on_log)(const struct httpd_log *, void *arg);
	void		*arg;
};

/* Returns a server for cfg->lio's socket, or NULL (ENOMEM). */
struct httpd	*httpd_new(const struct httpd_cfg *cfg);

/*
 * Accepts the connections waiting on the listening socket (a batch; the
 * loop calls again while more wait). Out of descriptors, the connection
 * waiting longest for a request is closed to make room, or accepting
 * pauses a moment.
 */
void		 httpd_accept(struct httpd *h);

/*
 * Closes every connection (a request still unanswered is dropped: its
 * owner must not answer it after this) and frees h; the listening socket
 * is the caller's.
 */
void		 httpd_free(struct httpd *h);

/*
 * Answers c's request: status, content type, n bytes of body (none is
 * sent for HEAD), and extra header lines (each ending in CRLF, or NULL).
 * The connection stays open when the request allowed it and close is 0.
 * note (or NULL) goes to the request's on_log.
 * Returns 0, or -1 when the answer could not be built (no memory: the
 * connection is closed).
 */
int	httpd_respond(struct httpd_conn *c, int status, const char *ctype,
	    const char *body, size_t n, const char *extra, int close,
	    const char *note);

/* The peer of c. */
const struct sockaddr_storage *httpd_peer(const struct httpd_conn *c);

/* Counts of h: connections open now, accepted in all, cut off in all. */
struct httpd_stats {
	size_t		open;
	uint64_t	accepted;
	uint64_t	cut;
};
void	httpd_stats(const struct httpd *h, struct httpd_stats *st);

#endif
