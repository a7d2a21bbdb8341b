/*
 * The dialer, the mechanism tier of probe-connect: one round of a target
 * over the event loop (lib/core/loop) -- resolve (timed, on a thread of
 * lib/core/resolve), then connect to the addresses RFC 8305 style (the next
 * one starts DIAL_HE_DELAY_MS after the previous unless that failed
 * sooner; the first to connect wins), then the optional send/expect
 * exchange -- and the facts of each attempt, for lib/explain/evconn to explain.
 * It never prints: each lifecycle stage goes to a trace callback when one
 * is set.
 */
#ifndef SOCKCTL_DIAL_H
#define SOCKCTL_DIAL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dialx.h"
#include "loop.h"
#include "reason.h"

#define DIAL_HE_DELAY_MS	250	/* RFC 8305 connection attempt delay */
#define DIAL_MAX_ADDRS		16
/* One round: a resolution and the attempts to the addresses it gave. */
struct dial_round {
	int64_t			 rs_ns;		/* resolving started */
	double			 resolve_ms;	/* NaN: not resolved */
	int			 eai;
	int			 eai_err;	/* errno of EAI_SYSTEM */
	int			 rs_cut;	/* no answer within the limit */
	int			 cut;		/* the deadline cut lookup */
	int			 numeric;	/* an address literal */
	struct sockaddr_storage	*addrs;		/* DIAL_MAX_ADDRS, while it
						 * runs */
	int			 naddr;
	struct dial_att		*att;
	int			 nstarted;
	int			 winner;	/* -1: none */
};

enum dial_state { DS_IDLE, DS_RESOLVING, DS_CONNECTING, DS_DONE };

typedef void	dial_done_fn(struct dial *, void *arg);

/* One target, over every round; set by dial_init(), then the dialer's. */
struct dial {
	struct dial_cfg		*cfg;
	const char		*host;		/* as typed */
	int			 port;
	const char		*label;		/* trace prefix: HOST:PORT */
	const struct sockaddr_storage *un;	/* AF_UNIX: the address to
						 * dial instead of host */
	enum dial_state		 st;
	struct loop_timer	 tm;	/* lookup limit, next address */
	struct rs_req		*rq;
	int			 connects;	/* connect() calls, in all */
	int			 in_start;
	struct dial_round	 r;
	dial_done_fn		*done;
	void			*done_arg;
	struct dialx_dialer	 x;		/* what its attempts' exchange
						 * needs of it */
};

/* Sets d up for host and port; done is called when a round is over. */
void	dial_init(struct dial *d, struct dial_cfg *cfg, const char *host,
	    int port, const char *label, dial_done_fn *done, void *arg);

/*
 * Makes d dial the AF_UNIX address *un (kept by the caller) instead of
 * resolving host: one stream connect, and SO_PEERCRED on success.
 */
void	dial_set_unix(struct dial *d, const struct sockaddr_storage *un);

/*
 * Starts a round (the last one's attempts must have been taken or freed).
 * The round may be over, and done called, before this returns.
 */
void	dial_round(struct dial *d);

/*
 * After a byte on cfg->rs_wfd's pipe: collects d's lookup when its thread
 * is done, and goes on with the round. Returns 1 when it was collected.
 */
int	dial_collect(struct dial *d);

/* Returns the number of d's attempts still in progress. */
int	dial_running(const struct dial *d);

/* Whether the deadline has passed (its last millisecond counts). */
int	dial_deadline_passed(const struct dial_cfg *cfg);

/*
 * Moves the finished round of d into *out (the attempts with it; the
 * address list is freed), leaving d ready for the next round.
 */
void	dial_take(struct dial *d, struct dial_round *out);

/* Closes and frees the attempts of rd (a live round is stopped). */
void	dial_round_free(struct dial_round *rd);

#endif
