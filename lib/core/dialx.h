/*
 * An attempt of lib/core/dial and its send/expect or --proto exchange: the
 * settings of a run (struct dial_cfg), one attempt's facts and state
 * (struct dial_att), and the exchange the dialer calls once the attempt
 * has connected: send, read the reply, match it against --expect without
 * holding up the loop, or --proto's request, verdict and goodbye. The
 * exchange knows the dialer only through struct dialx_dialer, which
 * dial.c fills: it includes nothing of dial's, and reports the end of an
 * attempt through the dialer's finish().
 */
#ifndef SOCKCTL_DIALX_H
#define SOCKCTL_DIALX_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "expect.h"
#include "icmp.h"
#include "loop.h"
#include "procnet.h"
#include "proto.h"
#include "reason.h"
#include "sock.h"

struct dial;
#define DIAL_RECV_MAX		65536	/* bytes of a reply read at most */
#define DIAL_SEND_GRACE_MS	200	/* --send alone: wait this long for a
					 * close */
#define DIAL_BYE_MS		500	/* --proto: the goodbye's limit */

struct dial;

/* The settings shared by every dialer of a run. */
struct dial_cfg {
	struct loop	*lp;
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6 */
	int64_t		 timeout_ms;	/* each connect, reply and lookup */
	int64_t		 deadline_ns;	/* clock_ns() limit; 0: none */
	const char	*send;		/* bytes sent after connecting */
	size_t		 sendlen;	/* 0: none */
	const regex_t	*re;		/* the reply must match; NULL: none */
	int		 all;		/* every address, not the first win */
	/* --proto: a readiness check after connecting (lib/core/proto);
	 * PROTO_NONE: none. Not with send or re. */
	enum proto	 proto;
	const char	*http_path;	/* NULL: "/" */
	const int	*http_status;	/* statuses ready beyond those below
					 * 400, or NULL */
	int		 nhttp_status;
	const char	*user;		/* postgres, mysql; NULL: "sockctl" */
	int		 rs_wfd;	/* resolver threads write a byte here */
	int		 rs_abandoned;	/* set: a thread may still write it */
	const char	*proc_root;	/* for the TIME_WAIT lookup of -v */
	sock_trace_fn	 trace;		/* NULL: no trace (and no TCP_INFO
					 * asked for it) */
	void		*trace_arg;
	/* called after each event a dialer handled, round over or not */
	void		(*after)(void *arg);
	void		*after_arg;
};

/*
 * DA_MATCH: a child matches the reply so far (the socket is not read);
 * DA_BYE: --proto judged the reply, and the goodbye's answer is read
 */
enum dial_aphase { DA_IDLE, DA_CONNECT, DA_SEND, DA_RECV, DA_MATCH,
	DA_BYE, DA_DONE };

/* One connection attempt to one address: the facts evidence works from. */
struct dial_att {
	struct sockaddr_storage	 sa;
	struct sockaddr_storage	 local;		/* its own end, with an
						 * exchange; AF_UNSPEC: none */
	int64_t			 start_ns;
	int64_t			 est_ns;	/* connected at; 0: never */
	int64_t			 end_ns;
	int			 ok;
	enum stage		 stage;		/* where it failed */
	int			 err;		/* errno, or 0 */
	int			 dx;		/* a DX_ condition, or 0 */
	int			 immediate;	/* connect() failed at once */
	int			 abandoned;	/* another address won first */
	int			 cut;		/* the deadline cut it */
	double			 rtt_ms;	/* NaN: unknown */
	int			 has_peer;	/* AF_UNIX: peer is known */
	struct pn_owner		 peer;		/* SO_PEERCRED's process */
	struct icmp_ev		 icmp;
	size_t			 sent;
	char			*rbuf;		/* the reply, NUL-terminated */
	size_t			 rlen;
	struct proto_res	*pr;		/* --proto: the verdict and what
						 * the server said; NULL:
						 * none (yet) */
	size_t			 jlen;		/* the reply judged (rlen grows
						 * in DA_BYE) */
	/* the dialer's own */
	const struct dialx_dialer *x;		/* what the exchange needs of
						 * the dialer */
	struct dial		*d;
	int			 idx;
	struct loop_io		 io;
	struct loop_timer	 tm;
	struct expect_job	 xj;		/* DA_MATCH: the child */
	struct loop_io		 xio;		/* its pipe */
	char			*req;		/* --proto's request */
	size_t			 reqlen;
	int			 bye_step;	/* proto_bye()'s */
	enum dial_aphase	 ph;
	int			 cut_armed;
};

/* What the exchange of an attempt needs of the dialer that owns it. */
struct dialx_dialer {
	const struct dial_cfg	*cfg;
	const char		*label;		/* trace prefix: HOST:PORT */
	const char		*host;		/* as typed; NULL: a Unix path */
	int			 port;
	/* the attempt is over: ok, or failed at stage st with err (or dx) */
	void			(*finish)(struct dial_att *a, int ok,
				    enum stage st, int err, int dx);
	/* arms the attempt's timer for ms, or what is left of the deadline */
	void			(*arm)(struct dial_att *a, int64_t ms);
};

/* ", TCP state X" after a stage; "" for a Unix socket (no TCP state). */
const char	*dialx_state_of(int fd);

/* Connected with --send: sends (again when writable). */
void	dialx_send(struct dial_att *a);

/* Waits for the reply, within -t (--send alone: a grace). */
void	dialx_recv_start(struct dial_att *a);

/* Reads what came of the reply, and matches it. */
void	dialx_recv(struct dial_att *a);

/* The timer fired while a child matched: expect-cut-off. */
void	dialx_cut(struct dial_att *a);

/* Connected with --proto: sends its request, or waits. */
void	dialx_proto_start(struct dial_att *a);

/* The timer fired in DA_RECV (--proto) or DA_BYE. */
void	dialx_proto_timer(struct dial_att *a);

#endif
