/*
 * inspect's diagnosis: the live sockets of two reads (lib/kernel/inetdiag,
 * unixdiag), their owners (owners) and the kernel's counters
 * (lib/kernel/counters) in; findings (SPEC "inspect": close-wait-leak,
 * accept-queue-full, ...) and a summary per port or process out, each
 * finding as a struct result with its cause and fix. Never prints.
 */
#ifndef SOCKCTL_FINDINGS_H
#define SOCKCTL_FINDINGS_H

#include <stdint.h>
#include <sys/socket.h>

#include "counters.h"
#include "findtypes.h"
#include "inetdiag.h"
#include "result.h"
#include "owners.h"
#include "unixdiag.h"

struct findings;

/* Returns a new judge, or NULL (ENOMEM). */
struct findings	*findings_new(const struct findings_cfg *cfg);
void		 findings_free(struct findings *f);

/*
 * The first read: remembers what a socket looked like (by its cookie) so
 * the second read can tell what stayed and what rose. Returns 0 or -1
 * (ENOMEM). findings_base_done() ends the first read.
 */
int	findings_base(struct findings *f, const struct inetdiag_sock *d);
void	findings_base_done(struct findings *f);

/*
 * The last read: one TCP or UDP socket that the targets select, with its
 * owner (NULL when none was seen). Listeners must come before the other
 * sockets. Returns 0 or -1 (ENOMEM).
 */
int	findings_add(struct findings *f, const struct inetdiag_sock *d,
	    struct owners_proc *p, int nshare);

/*
 * Unix sockets, when there are PATH targets: every socket of the dump (the
 * other ends are judged too), on set for those a target selects (bound to
 * the path). findings_unix_base() is the first read, findings_unix_sock()
 * the last, with the owner. Return 0 or -1 (ENOMEM).
 */
int	findings_unix_base(struct findings *f, const struct unixdiag_sock *u);
int	findings_unix_sock(struct findings *f, const struct unixdiag_sock *u,
	    struct owners_proc *p, int on);

/*
 * Whether d waits in the accept queue of a listener already added (no
 * process holds it yet: --pid takes it with its listener's process).
 */
int	findings_in_queue(const struct findings *f,
	    const struct inetdiag_sock *d);

/* The counters of the first and last read (the same for one read). */
void	findings_counters(struct findings *f, const struct counters *a,
	    const struct counters *b);

/*
 * Judges what was added; w gives the processes for fd-limit (those that
 * own a selected socket, or every one when the config is the machine).
 * Returns the number of findings, or -1 (ENOMEM).
 */
int	findings_judge(struct findings *f, struct owners *w);

/*
 * Fills r (from result_init()) with finding i: reason, stage, cause, fix,
 * address and the keys pid, process, user, local, remote, count. target is
 * what the user asked about, or NULL (the finding's subject is used).
 */
void	findings_result(struct findings *f, struct owners *w, size_t i,
	    const char *target, struct result *r);

/*
 * What finding i concerns, for the labels of its series: the process
 * (*pid, 0 unknown) and the local address or Unix path (local, "" when
 * several).
 */
void	findings_subject(const struct findings *f, size_t i, int *pid,
	    char *local, size_t len);

/*
 * One connection of pid in SYN_SENT to remote that a blocked-connect
 * finding names: retransmitting no longer counts it (one finding per
 * fact), and goes when it counted nothing else. Returns the number of
 * findings left.
 */
int	findings_forget_syn(struct findings *f, int pid,
	    const struct sockaddr_storage *remote);

/* The pid of the process finding i names, or 0 (none, or not seen). */
int	findings_pid(const struct findings *f, size_t i);

/* The summary: its groups, and the counts per TCP state. */
const struct findings_group *findings_groups(const struct findings *f,
	    size_t *n);
const long	*findings_states(const struct findings *f);
long		 findings_udp(const struct findings *f);
long		 findings_unix(const struct findings *f);

/* The counter deltas the summary reports (-1: unknown or one read). */
struct findings_deltas {
	long long	listen_overflows, listen_drops, syncookies_sent;
	long long	retrans_segs;
	long long	orphans, tw;		/* at the last read */
};
void	findings_deltas(const struct findings *f, struct findings_deltas *d);

#endif
