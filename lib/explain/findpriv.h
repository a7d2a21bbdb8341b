/*
 * The private half of findings: what the judge (findings.c) keeps and
 * the texts (findtext.c) read. Not for other modules.
 */
#ifndef SOCKCTL_FINDPRIV_H
#define SOCKCTL_FINDPRIV_H

#include "counters.h"
#include "diag.h"
#include "findtypes.h"
#include "inetdiag.h"
#include "owners.h"
#include "result.h"
#include "unixdiag.h"

/* What the first read saw of a socket, by its cookie. */
struct base {
	uint64_t	key;
	uint32_t	total_retrans;
	uint8_t		state;
	uint8_t		flags;
};

#define B_CW		0x01	/* in CLOSE_WAIT */
#define B_PNR		0x02	/* send queue waiting, the peer's window closed */
#define B_RTX		0x04	/* RTO timeouts outstanding */
#define B_FULL		0x08	/* a listener with a full accept queue */
#define B_QUEUED	0x10	/* in an accept queue (no descriptor yet) */

/* Sockets that share a finding: by kind, owner and one address. */
enum gk { GK_CW, GK_TW, GK_PNR, GK_RTX };

struct agg {
	enum gk			 kind;
	struct owners_proc	*proc;
	unsigned		 uid;
	struct sockaddr_storage	 key;		/* GK_TW: the destination;
						 * GK_RTX: the peer's address */
	struct sockaddr_storage	 local, remote;	/* of the first socket */
	int			 many_local, many_remote;
	int			 nshare;
	int			 orphan;	/* no descriptor: no process */
	long			 count;
	uint64_t		 sum;		/* bytes queued, segments */
	uint32_t		 max;		/* oldest age, largest RTO */
	long			 nsyn;		/* GK_RTX: sockets in SYN_SENT */
	uint64_t		 syn_sum;	/* and their retransmissions */
	/* GK_PNR: the largest window the peer offers, and the segment */
	int			 has_wnd, persist;
	uint32_t		 wnd, mss;
	/* GK_PNR, GK_RTX: the other end when it is a socket of this machine */
	int			 peer;		/* found by findings_judge() */
	struct owners_proc	*peer_proc;	/* its owner, NULL unseen */
	unsigned		 peer_uid;
	unsigned long		 peer_rxq;	/* bytes it has not read */
};

/* A Unix socket of one read, kept while a PATH target is judged. */
struct usock {
	unsigned long		 ino, peer;	/* peer 0: none, or gone */
	struct owners_proc	*proc;		/* the last read's owner */
	long			 uid;
	int			 group;		/* its summary line, -1: not on
						 * a target */
	uint32_t		 rq;		/* bytes it has not read */
	uint32_t		 wmem, sndbuf;
	uint8_t			 flags;
};

#define U_GONE		0x01	/* connected stream, the other end closed */
#define U_FULL		0x02	/* stream whose writes block (wmem >= sndbuf) */

/* A finding on a Unix path: per kind, path, owner and other end. */
enum uk { UK_GONE, UK_NOREAD };

struct uagg {
	enum uk			 kind;
	int			 group;		/* the path's summary line */
	struct owners_proc	*proc;		/* GONE: holder; NOREAD: sender */
	long			 uid;
	struct owners_proc	*peer_proc;	/* NOREAD: the receiver */
	long			 peer_uid;
	int			 recv_listens;	/* NOREAD: the receiver is the
						 * path's (the server's) end */
	long			 count;
	uint64_t		 sum;		/* bytes unread */
	uint32_t		 sndbuf;
};

/* A connection in a Unix listener's accept queue: (listener, client). */
struct upair {
	unsigned long	lis, cli;	/* cli 0: its client closed */
};

/* At most this many of one listener's queue are kept per read. */
#define FINDINGS_MAX_QUEUE	4096

struct finding {
	enum reason		 reason;
	int			 dx;
	enum stage		 stage;
	const struct uagg	*u;		/* or: */
	const struct agg	*a;		/* or: */
	const struct findings_group *g;		/* a listener */
	struct owners_proc	*proc;		/* fd-limit */
};

struct findings {
	struct findings_cfg	 cfg;
	struct base		*b;
	size_t			 nb, capb;
	struct findings_group	*g;
	size_t			 ng, capg;
	int			*port_listen;	/* port -> group index + 1 */
	unsigned char		*lports;	/* bit per port: a local LISTEN
						 * socket was seen on it */
	struct agg		*a;
	size_t			 na, capa;
	struct finding		*f;
	size_t			 nf, capf;
	long			 states[FINDINGS_NSTATES];
	long			 udp, unix_n;
	struct counters		 k1, k2;
	long			 range_lo, range_hi;
	int			 nlook;		/* inetdiag_lookup()s made */
	struct usock		*ub, *ul;	/* Unix: first and last read */
	size_t			 nub, capub, nul, capul;
	struct uagg		*ua;
	size_t			 nua, capua;
	struct upair		*qb, *ql;	/* Unix queues: first, last */
	size_t			 nqb, capqb, nql, capql;
};

/* At most this many exact lookups of a socket's other end per run. */
#define FINDINGS_MAX_LOOKUPS	64

/* Adds a finding of reason r (the other arguments as struct finding's). */
int		findings_note(struct findings *f, enum reason r, int dx,
		    enum stage st, const struct agg *a,
		    const struct findings_group *g, struct owners_proc *p);

/*
 * The listeners (findlisten.c; called by findings.c alone):
 * findlisten_queued() counts a connection d of an accept queue (stuck: it
 * was there at both reads) on its listener; findlisten_judge() adds
 * accept-queue-full, not-accepting and syn-flood (0, or -1: ENOMEM);
 * findlisten_text() words a finding of theirs.
 */
int		findlisten_full(const struct findings_group *g);
void		findlisten_queued(struct findings *f,
		    const struct inetdiag_sock *d, int stuck);
void		findlisten_accepted(struct findings *f,
		    const struct inetdiag_sock *d);
int		findlisten_judge(struct findings *f);
void		findlisten_text(struct findings *f, struct owners *w,
		    const struct finding *x, struct result *r);

/* The words and keys of one finding's owner (findtext.c). */
struct who {
	char	text[200];	/* "pid 42 (nginx, user www)" */
	char	short_[96];	/* "pid 42 (nginx)" */
	int	pid;		/* 0: unknown */
	char	process[64];
	char	user[64];
	int	hidden;		/* the uid is known, the process not */
};

void		findtext_who(struct owners *w, struct owners_proc *p,
		    unsigned uid, int known_uid, int nshare, struct who *o);
void		findtext_keys(struct result *r, const struct who *o,
		    const char *local, const char *remote, long count,
		    const struct who *peer);
void		findtext_set_end(struct result *r,
		    const struct sockaddr_storage *ss);
const char	*findtext_reads(const struct findings *f, char *buf,
		    size_t len);

/* Grows *v (of element size sz) to hold one more; returns 0 or -1. */

/* A new summary line; NULL when memory ran out. */
struct findings_group *findings_group_new(struct findings *f,
		    enum fg_kind k, struct owners_proc *p, unsigned uid);

/*
 * Unix sockets (findunix.c; called by findings.c alone): the first read,
 * the last, and their findings. Each returns 0 or -1 (ENOMEM).
 */
int		findunix_base(struct findings *f, const struct unixdiag_sock *u);
int		findunix_sock(struct findings *f, const struct unixdiag_sock *u,
		    struct owners_proc *p, int on);
int		findunix_judge(struct findings *f);
int		findunix_queues(struct findings *f);

/*
 * Fills r with the reason, cause, fix and keys of finding x (findtext.c;
 * called by findings_result() alone).
 */
void		findtext_result(struct findings *f, struct owners *w,
		    const struct finding *x, const char *target,
		    struct result *r);

/* b - a of a counter over the sample; -1 for one read or unknown. */
long long	findings_delta(const struct findings *f, long long a,
		    long long b);

/* The integer sysctl at ROOT/rel, or -1. */
long		findings_sysctl(const struct findings *f, const char *rel);

#endif
