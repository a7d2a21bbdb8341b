/*
 * HTTP/1.1 requests as the exporter takes them (RFC 9112): one request
 * head parsed from a bounded buffer, its query parameters, and the Accept
 * header's choice between the two Prometheus exposition formats. It never
 * prints and never allocates: a request head is at most HTTP_HEAD_MAX
 * bytes, and what does not fit is an error with the status to answer.
 */
#ifndef SOCKCTL_HTTP_H
#define SOCKCTL_HTTP_H

#include <stddef.h>

#define HTTP_HEAD_MAX		8192	/* bytes of a request head */
#define HTTP_TARGET_MAX		2048	/* bytes of its request target */
#define HTTP_HEADERS_MAX	64	/* header fields of one request */
#define HTTP_ERR_MAX		160	/* an error message, with its NUL */

enum http_method { HTTP_GET, HTTP_HEAD };

/* One request head, copied out of the connection's buffer. */
struct http_req {
	enum http_method method;
	int		 minor;		/* HTTP/1.0 or HTTP/1.1 */
	int		 keep_alive;	/* the connection may stay open */
	int		 om;		/* Accept prefers OpenMetrics */
	double		 scrape_timeout; /* X-Prometheus-Scrape-Timeout-
					 * Seconds; < 0: none */
	char		 target[HTTP_TARGET_MAX];	/* as sent */
	size_t		 pathlen;	/* target[0, pathlen) is the path */
	const char	*query;		/* after '?' in target, or "" */
};

/*
 * Parses the request head at the start of buf (len bytes; lines end in
 * CRLF or LF). Returns the length of the head (the next request starts
 * there) with *rq filled; 0 when the head is not complete yet and may
 * still fit; or a negative HTTP status with a message in err
 * (HTTP_ERR_MAX bytes): -400 malformed, -405 not GET or HEAD, -414 the
 * target too long, -431 the head over HTTP_HEAD_MAX or too many fields,
 * -501 a body (Transfer-Encoding), -505 not HTTP/1.x. A request with a
 * body (Content-Length other than 0) is -400: the exporter takes none.
 */
long	http_parse(const char *buf, size_t len, struct http_req *rq,
	    char *err, size_t errlen);

/*
 * Finds parameter name in query (a=1&b=2, without the '?') and decodes
 * it (%XX, '+' as a space) into out (outlen bytes, NUL-terminated).
 * Returns 1 when found, 0 when absent, -1 with a message in err when the
 * query is malformed there: a bad %-escape, a NUL, a value longer than
 * outlen - 1, or the parameter given twice.
 */
int	http_query(const char *query, const char *name, char *out,
	    size_t outlen, char *err, size_t errlen);

/*
 * Checks that every parameter of query is one of names (NULL-terminated).
 * Returns 0, or -1 with the unknown one named in err.
 */
int	http_query_known(const char *query, const char *const *names,
	    char *err, size_t errlen);

/*
 * Returns 1 when the Accept header value a asks for OpenMetrics text
 * (application/openmetrics-text with a q above 0 and at least that of
 * text/plain or a wildcard), 0 otherwise (Prometheus text 0.0.4).
 */
int	http_accept_om(const char *a);

/* The reason phrase of status ("Not Found"), or "Unknown". */
const char *http_reason(int status);

#endif
