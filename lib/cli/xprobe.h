/*
 * The exporter's /probe: one probe of a target now, on the event loop,
 * and its answer as the --openmetrics families (lib/cli/expo). The
 * modules: connect (the dialer, lib/dial, as probe-connect), udp (one
 * datagram and its reply, as probe-udp), bind (as probe-bind, without the
 * search for the holder), and the --proto names (http, redis, postgres,
 * mysql, smtp: a connect whose dialer speaks the protocol). Never prints: the
 * exporter writes the log line from xprobe_summary().
 */
#ifndef SOCKCTL_XPROBE_H
#define SOCKCTL_XPROBE_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "dial.h"
#include "expo.h"
#include "http.h"
#include "loop.h"
#include "out.h"
#include "proto.h"
#include "resolve.h"

#define XPROBE_SEND_MAX	1024	/* bytes of send= after its escapes */
#define XPROBE_ARG_MAX	512	/* bytes of a parameter as sent */
#define XPROBE_UDP_ADDRS 8	/* addresses module udp tries, at most */

/* a --proto module is XP_CONNECT with its proto set */
enum xp_module { XP_CONNECT, XP_UDP, XP_BIND };

/* What every probe of an exporter shares. */
struct xprobe_env {
	struct ctx	*c;
	struct loop	*lp;
	int		 rs_wfd;	/* resolver threads write a byte here */
	int		 rs_abandoned;	/* a thread may still write it */
	char	       **allow;		/* --allow patterns; NULL-terminated */
	int		 nallow;
};

/* A probe request, from the query. */
struct xp_params {
	enum xp_module	 module;
	char		 module_name[32];
	enum proto	 proto;		/* PROTO_NONE but for a --proto module */
	char		 target[XPROBE_ARG_MAX];
	struct endpoint	 ep;
	struct sockaddr_storage un;	/* a Unix target's address */
	char		 send[XPROBE_SEND_MAX];
	size_t		 sendlen;
	int		 has_send;
	char		 expect[XPROBE_ARG_MAX];
	regex_t		 re;
	int		 has_re;
	char		 http_path[XPROBE_ARG_MAX];
	int64_t		 limit_ms;	/* the probe's time limit */
	char		 limit_from[48]; /* what set it: "-t", "timeout", ... */
};

/*
 * Parses the query of rq into *p, and the time limit: -t (def_ms), the
 * timeout parameter, X-Prometheus-Scrape-Timeout-Seconds less 0.5 s,
 * whichever is least. Returns 0; 400 with the problem in err (a
 * parameter missing, unknown, malformed; a module this build lacks); 403
 * when --allow does not let the target through. On 0, xprobe_params_free()
 * frees what p holds.
 */
int	xprobe_parse(const struct xprobe_env *env, const struct http_req *rq,
	    int64_t def_ms, struct xp_params *p, char *err, size_t errlen);
void	xprobe_params_free(struct xp_params *p);

struct xprobe;
typedef void	xprobe_done_fn(struct xprobe *, void *arg);

/* One probe running. */
struct xprobe {
	struct xp_params	 p;
	struct xprobe_env	*env;
	xprobe_done_fn		*done;
	void			*done_arg;
	int64_t			 t0_ns, end_ns;
	int			 finished;
	struct loop_timer	 fin;	/* finishes on the loop, not inside
					 * the dialer's callback */
	struct loop_timer	 guard;	/* the limit, whatever the module */
	/* connect */
	struct dial_cfg		 dc;
	struct dial		 d;
	int			 dialing;
	int			 conn_done;	/* the round is in last */
	struct dial_round	 last;
	/* udp */
	struct rs_req		*rq;
	int64_t			 rs_ns;
	struct sockaddr_storage	 sa;		/* the address tried now */
	int			 have_sa;
	struct sockaddr_storage	 addrs[XPROBE_UDP_ADDRS]; /* resolved */
	int			 naddr, iaddr;
	struct loop_io		 uio;
	/* the outcome */
	int			 ok;
	enum reason		 reason;
	enum stage		 stage;
	int			 err, eai, dx;
	double			 resolve_s;	/* NaN: none */
	double			 connect_s;	/* NaN: none */
	char			 address[ADDRSTR_MAX];
	char			 note[256];	/* the cause, one line */
};

/*
 * Starts probe x with the parameters already in x->p (xprobe_parse());
 * done(x, arg) is called from the loop once it is over (never from
 * inside this call). x must stay put until then, or xprobe_cancel().
 */
void	xprobe_start(struct xprobe *x, struct xprobe_env *env,
	    xprobe_done_fn *done, void *arg);

/* After a byte on env->rs_wfd's pipe: collects x's lookup if done. */
void	xprobe_collect(struct xprobe *x);

/* Stops x (nothing is called after) and frees what it holds. */
void	xprobe_cancel(struct xprobe *x);

/* Frees what a finished x holds. */
void	xprobe_free(struct xprobe *x);

/* Writes x's families to e. */
void	xprobe_expo(const struct xprobe *x, struct expo *e);

/* "refused (ECONNREFUSED) at connect: ...", or "ok ...", for the log. */
void	xprobe_summary(const struct xprobe *x, char *buf, size_t len);

#endif
