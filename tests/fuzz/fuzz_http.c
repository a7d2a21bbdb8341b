/* libFuzzer target: the exporter's request-head parser, its query
 * parameters and the Accept negotiation never read past what they are
 * given, never loop, and every refusal carries a status and a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "target", "module", "timeout",
		NULL };
	struct http_req rq;
	char err[HTTP_ERR_MAX], val[64], *buf, *s;
	long n;

	/* exactly size bytes, so ASan sees a read past the end */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	err[0] = '\0';
	n = http_parse(buf, size, &rq, err, sizeof(err));
	if (n > (long)size || n > HTTP_HEAD_MAX)
		abort();
	if (n < 0 && (err[0] == '\0' || (-n != 400 && -n != 405 &&
	    -n != 414 && -n != 431 && -n != 501 && -n != 505)))
		abort();
	if (n == 0 && size >= HTTP_HEAD_MAX)
		abort();	/* a full buffer must be an answer, not a wait */
	if (n > 0) {
		if (rq.target[0] != '/' || rq.pathlen > strlen(rq.target))
			abort();
		(void)http_query(rq.query, "target", val, sizeof(val), err,
		    sizeof(err));
		(void)http_query_known(rq.query, names, err, sizeof(err));
	}
	/* the raw bytes as a query and an Accept value too */
	s = malloc(size + 1);
	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (http_query(s, "module", val, sizeof(val), err,
		    sizeof(err)) == 1 && strlen(val) >= sizeof(val))
			abort();
		(void)http_accept_om(s);
		free(s);
	}
	free(buf);
	return 0;
}
