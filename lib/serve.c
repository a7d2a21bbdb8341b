#include <errno.h>
#include <string.h>

#include "serve.h"

int
serve_start(struct ctx *c, struct srv *sv, const struct sockaddr_storage *ss,
    int type, int unlink_stale, const int *sigs, loop_io_fn *fn, void *arg)
{
	const struct srv_cfg cfg = {
		.type = type, .unlink_stale = unlink_stale,
		.proc_root = c->proc_root, .sigs = sigs, .fn = fn, .arg = arg,
		.tr = c->trace ? out_trace_cb : NULL, .tr_arg = c,
	};
	struct fail f;

	if (srv_start(sv, ss, &cfg, &f) == 0)
		return 0;
	return out_server_failed(c, (struct sockaddr *)&sv->ss,
	    type == SOCK_DGRAM, f.stage, f.err, 0, NULL);
}

int
serve_run(struct ctx *c, struct srv *sv, struct logq *out, struct logq *err)
{
	const char *kind;
	int sig;

	if (sv->ss.ss_family == AF_UNIX)
		kind = sv->type == SOCK_DGRAM ? "dgram" : "stream";
	else
		kind = sv->type == SOCK_DGRAM ? "udp" : "tcp";
	out_listening(c, kind, (struct sockaddr *)&sv->ss);
	if (logq_begin(c, out, err, sv->l) == -1)
		out_nomem("log queues");
	sig = loop_run(sv->l);
	if (sig == -1)
		out_err(c, "event loop: %s", strerror(errno));
	return sig;
}
