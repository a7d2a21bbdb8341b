/*
 * The kernel's TCP counters that tell what no socket shows any more:
 * ROOT/net/netstat (TcpExt), ROOT/net/snmp (Tcp) and ROOT/net/sockstat,
 * for the network namespace of the reader. Never prints.
 */
#ifndef SOCKCTL_COUNTERS_H
#define SOCKCTL_COUNTERS_H

/* Each field is -1 when the kernel does not show it. */
struct counters {
	long long	listen_overflows;	/* TcpExt ListenOverflows */
	long long	listen_drops;		/* TcpExt ListenDrops */
	long long	syncookies_sent;	/* TcpExt SyncookiesSent */
	long long	reqq_full_drop;		/* TcpExt TCPReqQFullDrop */
	long long	reqq_full_cookies;	/* TcpExt TCPReqQFullDoCookies */
	long long	retrans_segs;		/* Tcp RetransSegs */
	long long	orphans;		/* sockstat TCP orphan */
	long long	tw;			/* sockstat TCP tw */
	long long	inuse;			/* sockstat TCP inuse */
};

/*
 * Fills *k from the three files below root. Returns 0 when at least one
 * could be read, else -1 with errno set (every field is then -1).
 */
int	counters_read(const char *root, struct counters *k);

/* Returns b - a for one field, or -1 when either read lacks it. */
long long counters_delta(long long a, long long b);

#endif
