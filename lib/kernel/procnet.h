/*
 * Who holds a port: /proc/net/{tcp,tcp6,udp,udp6} joined to processes
 * through /proc/PID/fd. Every function takes the proc root ("/proc", or a
 * fixture tree in tests; iproute2's ss honours PROC_ROOT the same way).
 */
#ifndef SOCKCTL_PROCNET_H
#define SOCKCTL_PROCNET_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "esc.h"

/* TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h). */
enum pn_state {
	PN_ESTABLISHED = 1, PN_SYN_SENT, PN_SYN_RECV, PN_FIN_WAIT1,
	PN_FIN_WAIT2, PN_TIME_WAIT, PN_CLOSE, PN_CLOSE_WAIT, PN_LAST_ACK,
	PN_LISTEN, PN_CLOSING, PN_NEW_SYN_RECV,
};

/* One line of /proc/net/{tcp,tcp6,udp,udp6}. */
struct pn_sock {
	int			proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	struct sockaddr_storage	local;	/* AF_INET or AF_INET6, with port */
	struct sockaddr_storage	remote;
	int			state;	/* enum pn_state */
	unsigned		uid;
	unsigned long		inode;	/* 0 for TIME_WAIT: no socket left */
	unsigned long		txq;	/* tx_queue */
	unsigned long		rxq;	/* rx_queue; for LISTEN the accept queue */
	unsigned long		backlog; /* LISTEN: listen()'s backlog as the
					  * kernel keeps it, when has_backlog */
	int			has_backlog; /* 0: read from /proc/net/tcp,
					  * which does not show it */
	int			v6only;	/* AF_INET6: 1 IPV6_V6ONLY set, 0
					  * dual-stack (takes IPv4 too), -1
					  * unknown: the /proc files do not
					  * show it, and sock_diag says it
					  * only for LISTEN and CLOSE */
};

/* A mask of states for pn_scan_states(): PN_STATE(PN_LISTEN) | ... */
#define PN_STATE(st)	(1u << (st))
#define PN_ALL_STATES	(PN_STATE(PN_NEW_SYN_RECV + 1) - 1)

/* A process that has the socket open. */
struct pn_owner {
	int		pid;
	char		comm[64];	/* /proc/PID/comm, raw (for JSON) */
	char		tcomm[ESC_SIZE(16)];	/* comm escaped for text
					 * (esc_text(): any process may name
					 * itself ESC, newline, U+202E ...) */
	unsigned	uid;		/* the process's real uid */
	char		user[64];	/* name of uid, or the number */
	int		ppid;		/* its parent, 0: unknown */
};

/* A pre-fork server's master and workers fit; the rest are counted. */
#define PN_MAX_OWNERS	16

/* A socket on the port asked about, with the processes that hold it. */
struct pn_holder {
	struct pn_sock	sock;
	int		nowners;	/* 0: no process here owns it */
	int		nmore;		/* owners past PN_MAX_OWNERS, counted */
	struct pn_owner	owners[PN_MAX_OWNERS];
	char		user[64];	/* name of sock.uid, or the number */
	int		last_pid;	/* the walk's own: the last pid added,
					 * so one counts once in nmore */
};

/*
 * Returns the name of a TCP state ("LISTEN", "TIME_WAIT"), or "UNCONN" /
 * "?" as ss prints them. For UDP sockets state 7 reads "UNCONN" and 1
 * "ESTAB".
 */
const char	*pn_state_name(int proto, int state);

/*
 * Parses one data line of /proc/net/tcp (family AF_INET) or tcp6
 * (AF_INET6) into *s. Returns 0, or -1 for a header or malformed line.
 */
int	pn_parse_line(const char *line, int family, int proto,
	    struct pn_sock *s);

/*
 * Calls fn for each socket of proto (IPPROTO_TCP/UDP, both families) whose
 * local port is port (-1: every socket). fn returns non-zero to stop.
 * Returns 0, or -1 with errno set when no table could be read.
 */
int	pn_scan(const char *root, int proto, int port,
	    int (*fn)(const struct pn_sock *, void *), void *arg);

/*
 * pn_scan() limited to the sockets whose state is in the mask states
 * (PN_STATE(PN_LISTEN), PN_ALL_STATES). When root is exactly "/proc" the
 * kernel is asked through NETLINK_SOCK_DIAG, as ss does (the same sockets
 * and fields, plus a listener's backlog; a listeners-only question skips
 * the kernel's connection table, which /proc/net/tcp always walks); when
 * the kernel will not answer, or root is any other tree (a fixture, or
 * "//proc" to force it), the files ROOT/net/... are read. Same returns as
 * pn_scan().
 */
int	pn_scan_states(const char *root, int proto, int port, unsigned states,
	    int (*fn)(const struct pn_sock *, void *), void *arg);

/*
 * Fills out[0..max-1] with the sockets of proto on port and their owning
 * processes (one walk of ROOT/[0-9]*\/fd for all of them). *unreadable is
 * set to the number of processes whose fd table could not be read (another
 * user's, when not root): an owner may hide among them. Returns the number
 * of holders (at most max), or -1 with errno set.
 */
int	pn_port_holders(const char *root, int proto, int port,
	    struct pn_holder *out, int max, int *unreadable);

/*
 * Fills *o with the command and real uid of process pid below root
 * (fallback_uid when its status cannot be read) and the user's name; the
 * command is "?" when it cannot be read.
 */
void	pn_owner_load(const char *root, int pid, unsigned fallback_uid,
	    struct pn_owner *o);

/* Writes the name of uid (getpwuid) or its number into buf. */
void	pn_user(unsigned uid, char *buf, size_t len);

#endif
