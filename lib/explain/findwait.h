/*
 * inspect's waits (SPEC "inspect", "What the process waits on"): what each
 * thread of a watched process waits in at both reads (lib/tasks), on which
 * socket, and the wait's limits read from the process's own socket
 * (lib/sockopts); judged into blocked-recv and blocked-connect, and the
 * normal waits (accept, an event loop, a receive with a timeout) into a
 * summary per process. Also udp-drops: a UDP or Unix datagram socket whose
 * drop counter rose between the reads. Never prints.
 */
#ifndef SOCKCTL_FINDWAIT_H
#define SOCKCTL_FINDWAIT_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "findwtypes.h"
#include "inetdiag.h"
#include "owners.h"
#include "result.h"
#include "unixdiag.h"

/* Returns a new judge (sample_ms 0: one read), or NULL (ENOMEM). */
struct waits	*waits_new(const char *root, int64_t sample_ms);
void		 waits_free(struct waits *w);

/*
 * The sample's length when it is known only at the last read (the
 * exporter's scrapes: the time since the scrape before), > 0.
 */
void	waits_set_sample(struct waits *w, int64_t sample_ms);

/*
 * Watches pid's threads: reads them now (the first read) and again in
 * waits_judge(). Returns 0, or -1 (ENOMEM; a process that cannot be read
 * is kept and said so).
 */
int	waits_watch(struct waits *w, int pid);

/*
 * The first read of every process of the machine, for the processes the
 * findings will name (waits_also()): the threads that wait in a call a
 * finding is made of (receive, connect, poll, select, epoll), lightly.
 * Once, at the first read of a sample. Returns 0 or -1 (ENOMEM).
 */
int	waits_first(struct waits *w);

/*
 * Also says what pid's threads wait on, a process another finding names:
 * judged at waits_judge() against its first read when waits_first() had
 * one (so its waits can be findings too), else read once there, for the
 * summary only. At most WAITS_MAX_ALSO of them. Returns 0 or -1 (ENOMEM).
 */
#define WAITS_MAX_ALSO	8
int	waits_also(struct waits *w, int pid);

/*
 * Datagram sockets: the first read's drop counter (waits_*_base), then
 * the last read's for a socket the targets select, with its owner.
 * Return 0 or -1 (ENOMEM).
 */
int	waits_udp_base(struct waits *w, const struct inetdiag_sock *d);
int	waits_udp(struct waits *w, const struct inetdiag_sock *d,
	    struct owners_proc *p);
int	waits_unix_base(struct waits *w, const struct unixdiag_sock *u);
int	waits_unix(struct waits *w, const struct unixdiag_sock *u,
	    struct owners_proc *p);

/*
 * The last read of the watched processes' threads, and the judging.
 * Returns the number of findings, or -1 (ENOMEM).
 */
int	waits_judge(struct waits *w);

/*
 * Fills r (from result_init()) with finding i: reason, stage, cause, fix,
 * address and the keys pid, process, user, local, remote, count, peer,
 * tid, fd, syscall. target is what the user asked about, or NULL.
 */
void	waits_result(struct waits *w, struct owners *o, size_t i,
	    const char *target, struct result *r);

/*
 * What keeps finding i apart from the others of its kind: its pid, tid and
 * fd (0, -1 when none) and its socket's local end or path (into sock).
 */
void	waits_ids(const struct waits *w, size_t i, int *pid, int *tid,
	    int *fd, char *sock, size_t len);

/*
 * Whether finding i is a blocked-connect, and then its pid and the
 * destination it connects to (for findings_forget_syn()).
 */
int	waits_connect(const struct waits *w, size_t i, int *pid,
	    struct sockaddr_storage *remote);

/*
 * inspect's judging, once the sockets are read: f, then w with the
 * processes f's findings name watched too; a connect w finds stuck
 * (blocked-connect) is then not also f's retransmitting. *nf: f's
 * findings. Returns w's, or -1 (ENOMEM).
 */
int	waits_judge_with(struct waits *w, struct findings *f,
	    struct owners *o, int *nf);

/*
 * What pid's threads wait in, in words, for any finding about a process
 * (not-accepting: "thread 4243 waits in recvfrom() on fd 7, tcp
 * 127.0.0.1:5000 -> 127.0.0.1:8080"): each thread in a system call,
 * "; "-separated, into buf (cut to len). Reads them once, now. Returns
 * how many threads it names (0: none waits in a call it knows), or -1
 * with errno set: EACCES not this user's to see (root would), ENOENT
 * the process is gone, ENOMEM.
 */
int	waits_describe(const char *root, int pid, char *buf, size_t len);

/* The watched processes, after waits_judge(). */
const struct waits_proc *waits_procs(const struct waits *w, size_t *n);

/*
 * The words of a process's summary (from waits_procs()): "2 threads wait
 * in accept() on 0.0.0.0:8080; 1 in epoll_wait() on 3 descriptors", or
 * what keeps them hidden. Returns buf.
 */
char	*waits_proc_text(const struct waits_proc *p, char *buf, size_t len);

#endif
