/*
 * A server's life as the commands see it (CLI I/O): started, its
 * failure printed, its listening line, its loop. echo-server and udp-echo
 * differ only in what they do with a ready socket and in their summary.
 */
#ifndef SOCKCTL_SERVE_H
#define SOCKCTL_SERVE_H

#include <sys/socket.h>

#include "logq.h"
#include "loop.h"
#include "out.h"
#include "srv.h"

/*
 * srv_addr() for c: a server's positional arguments (argc of them at
 * argv, argv[0] the first) into *ss, a name resolved within -t. Returns
 * 0, or the exit code once a usage error or the failed lookup is printed.
 */
int	serve_addr(struct ctx *c, int argc, char **argv, int udp,
	    struct sockaddr_storage *ss);

/*
 * srv_start() for c: type SOCK_STREAM or SOCK_DGRAM at *ss, a stale
 * socket file removed first when unlink_stale, the loop stopped by sigs,
 * fn(arg) called when the socket is ready, every stage traced with -v.
 * Returns 0, or the exit code once the failure is printed (with its
 * diagnosis and evidence, out_server_failed()); srv_stop() undoes it
 * either way.
 */
int	serve_start(struct ctx *c, struct srv *sv,
	    const struct sockaddr_storage *ss, int type, int unlink_stale,
	    const int *sigs, loop_io_fn *fn, void *arg);

/*
 * The run of a started server: its listening line (written whole before
 * the loop: it is first, the pipe has room), then stdout and stderr
 * through out and err (logq_begin(); no memory is nomem_exit()), then the
 * loop until a signal. Returns the signal that stopped it, or -1 when the
 * loop failed (said on stderr).
 */
int	serve_run(struct ctx *c, struct srv *sv, struct logq *out,
	    struct logq *err);

/* One count of a server's summary, under its JSON key. */
struct serve_count {
	const char	*key;
	long long	 n;
};

/*
 * A server's last line on stdout, after its loop (nothing with -q):
 * "summary: TEXT, N s" with the dropped log lines and the signal that
 * stopped it (sig: -1 none), or with --json the "summary" event with the
 * n counts in order, then log_dropped, stderr_dropped, elapsed_ms and
 * signal.
 */
void	serve_summary(struct ctx *c, struct logq *out, struct logq *err,
	    int sig, const char *text, const struct serve_count *counts,
	    size_t n);

#endif
