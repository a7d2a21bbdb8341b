#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "nomem.h"
#include "serve.h"

int
serve_addr(struct ctx *c, int argc, char **argv, int udp,
    struct sockaddr_storage *ss)
{
	struct fail f;
	char err[256];
	int rc;

	rc = srv_addr(argc, argv, c->env.family, udp, c->env.timeout_ms, ss, err,
	    sizeof(err), &f);
	if (rc == -1)
		return out_usage(c, "%s", err);
	if (rc == -2)
		return out_server_failed(c, NULL, udp, f.stage, f.err, f.eai,
		    argv[0]);
	return 0;
}

int
serve_start(struct ctx *c, struct srv *sv, const struct sockaddr_storage *ss,
    int type, int unlink_stale, const int *sigs, loop_io_fn *fn, void *arg)
{
	const struct srv_cfg cfg = {
		.type = type, .unlink_stale = unlink_stale,
		.proc_root = c->env.proc_root, .sigs = sigs, .fn = fn, .arg = arg,
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
		nomem_exit("log queues");
	sig = loop_run(sv->l);
	if (sig == -1)
		out_err(c, "event loop: %s", strerror(errno));
	return sig;
}

void
serve_summary(struct ctx *c, struct logq *out, struct logq *err, int sig,
    const char *text, const struct serve_count *counts, size_t n)
{
	const char *sn = sig == SIGINT ? "SIGINT" : sig == SIGTERM ?
	    "SIGTERM" : NULL;
	double ms = clock_since_ms(c->t0_ns);
	uint64_t lo = logq_dropped(out), le = logq_dropped(err);
	char drops[96];
	struct jbuf jb;

	if (c->quiet)
		return;
	if (!c->json) {
		logq_drops(drops, sizeof(drops), lo, le);
		logq_printf(out, "summary: %s, %.3f s%s%s%s\n", text, ms / 1000,
		    drops, sn ? ", stopped by " : "", sn ? sn : "");
		return;
	}
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", "summary");
	jb_kstr(&jb, "command", c->cmd);
	for (size_t i = 0; i < n; i++)
		jb_kint(&jb, counts[i].key, counts[i].n);
	jb_kint(&jb, "log_dropped", (long long)lo);
	jb_kint(&jb, "stderr_dropped", (long long)le);
	jb_knum(&jb, "elapsed_ms", ms);
	jb_kstr(&jb, "signal", sn);
	jb_obj_close(&jb);
	nomem_check(&jb);
	logq_put(out, jb.s, jb.len, 1);
	jb_free(&jb);
}
