/*
 * The live TCP and UDP sockets with what the kernel knows of each
 * connection: NETLINK_SOCK_DIAG with INET_DIAG_INFO (struct tcp_info), the
 * socket cookie and IPV6_V6ONLY, as ss -tanpi reads them. Below any proc
 * root but "/proc" (a fixture tree, "//proc") the files ROOT/net/tcp...
 * are read instead, which show no cookie and no tcp_info. Never prints.
 */
#ifndef SOCKCTL_INETDIAG_H
#define SOCKCTL_INETDIAG_H

#include <stdint.h>

#include "procnet.h"

/* One socket: the pn_sock fields, and tcp_info's when has_info. */
struct inetdiag_sock {
	struct pn_sock	s;		/* addresses, state, uid, inode, queues;
					 * s.txq is the send queue, s.backlog a
					 * listener's backlog */
	uint64_t	cookie;		/* the kernel's socket cookie; 0 when
					 * unknown (the files show none) */
	uint32_t	timer_ms;	/* when the timer fires next */
	int		has_mem;	/* INET_DIAG_SKMEMINFO: the fields
					 * below are set */
	uint32_t	rmem;		/* receive queue, bytes (truesize) */
	uint32_t	rcvbuf;		/* SO_RCVBUF as the kernel keeps it */
	uint32_t	drops;		/* packets the socket dropped
					 * (SK_MEMINFO_DROPS): a full receive
					 * buffer, a filter */
	int		has_info;	/* the tcp_info fields below are set */
	unsigned	retransmits;	/* RTO timeouts not yet recovered */
	unsigned	probes;		/* zero-window (persist) probes out */
	unsigned	backoff;	/* RTO or persist timer backoff */
	uint32_t	unacked;	/* segments in flight */
	uint32_t	total_retrans;	/* segments retransmitted, lifetime */
	uint32_t	last_data_recv;	/* ms since the peer's last data */
	uint32_t	last_ack_recv;	/* ms since the peer's last segment */
	uint32_t	rto_ms;
	uint32_t	snd_mss;	/* the largest segment it sends */
	int		has_snd_wnd;	/* kernel 6.2+: snd_wnd is set */
	uint32_t	snd_wnd;	/* the peer's advertised window */
	int		timer;		/* the timer running (idiag_timer):
					 * INETDIAG_TIMER_* */
};

/* inet_diag's idiag_timer, as ss prints it (timer:(persist,...)) */
enum {
	INETDIAG_TIMER_NONE = 0, INETDIAG_TIMER_RTO = 1,
	INETDIAG_TIMER_KEEPALIVE = 2, INETDIAG_TIMER_TW = 3,
	INETDIAG_TIMER_PERSIST = 4
};

/*
 * Calls fn for every socket of proto (IPPROTO_TCP or IPPROTO_UDP, IPv4 and
 * IPv6) in the states of the mask (PN_STATE(), PN_ALL_STATES). For TCP
 * from the live /proc each answer carries tcp_info. fn returns non-zero to
 * stop. Returns 0, or -1 with errno set when neither the kernel nor the
 * files answered.
 */
int	inetdiag_scan(const char *root, int proto, unsigned states,
	    int (*fn)(const struct inetdiag_sock *, void *), void *arg);

/*
 * The one socket of proto whose local end is local and remote end remote
 * (the kernel's exact lookup, as for a packet arriving: with no connection
 * of that 4-tuple it may answer the listener of local's port, state
 * PN_LISTEN). Returns 0 with *out filled, or -1 with errno set: ENOENT
 * none, ENOTSUP below a proc root other than "/proc" (the files have no
 * lookup) or for families that differ.
 */
int	inetdiag_lookup(const char *root, int proto,
	    const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, struct inetdiag_sock *out);

#endif
