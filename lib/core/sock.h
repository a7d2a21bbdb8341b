/*
 * Sockets, the mechanism tier: the kernel's view of one socket (its TCP
 * state, RTT) and the names the lifecycle trace (-v) prints. Never prints.
 */
#ifndef SOCKCTL_SOCK_H
#define SOCKCTL_SOCK_H

#include <sys/socket.h>

#include "fail.h"

/*
 * Returns the TCP state of fd as the kernel reports it (TCP_INFO; enum
 * pn_state numbering), or -1 when fd is no TCP socket or the kernel will
 * not say. When rtt_ms is not NULL it gets the smoothed RTT in ms.
 */
int		 sock_tcp_state(int fd, double *rtt_ms);

/*
 * The kernel's name of a TCP state as tcp_states.h spells it
 * ("ESTABLISHED", "CLOSE", "LISTEN"), "?" for -1 or an unknown number.
 */
const char	*sock_state_name(int st);

/* "AF_INET", "AF_INET6", "AF_UNIX", or "AF_?" for another family. */
const char	*sock_family_name(int af);

/* "SOCK_STREAM", "SOCK_DGRAM", ... (flags such as SOCK_NONBLOCK ignored). */
const char	*sock_type_name(int type);

/*
 * Whether a UDP probe's failure err says at once that this address is no
 * good (an ICMP refusal or unreachable, a family or route this host
 * lacks), so that the next address of the same name is worth trying.
 */
int		 sock_udp_next_address(int err);

/*
 * A trace callback: mechanism code that walks several stages (socket,
 * setsockopt, bind, listen...) calls it once a stage, and the CLI tier
 * prints (out_trace_cb()). arg is the caller's; NULL fn means no trace.
 */
typedef void	(*sock_trace_fn)(void *arg, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Closes the connected TCP socket fd in the open, calling tr(arg, ...)
 * once a stage with label first: shutdown(SHUT_WR) and the state it
 * leaves, the peer's FIN or reset (waited for up to 200 ms), and close()
 * with the state the kernel keeps after it (TIME_WAIT, from the socket
 * tables below proc_root). tr must not be NULL.
 */
void		 sock_close_traced(int fd, const char *proc_root,
		    sock_trace_fn tr, void *arg, const char *label);

/* How sock_open() makes a socket. */
#define SOCK_V6_DEFAULT	(-1)	/* v6only: the kernel's (bindv6only) */
#define SOCK_NO_LISTEN	(-1)	/* backlog: bind only */

struct sock_opts {
	int	type;		/* SOCK_STREAM or SOCK_DGRAM */
	int	nonblock;	/* SOCK_NONBLOCK */
	int	reuseaddr;	/* SO_REUSEADDR (IP only) */
	int	reuseport;	/* SO_REUSEPORT (IP only) */
	int	v6only;		/* AF_INET6: IPV6_V6ONLY 0/1, SOCK_V6_DEFAULT */
	int	bufsize;	/* SO_RCVBUF and SO_SNDBUF to ask for, 0: none */
	int	backlog;	/* stream: listen()'s backlog, SOCK_NO_LISTEN */
};

/*
 * The one socket/setsockopt/bind/listen sequence: makes a socket as o
 * says, binds it to sa and, for a stream, listens. Returns the socket
 * (with the bound address, the port chosen for port 0, in *bound when not
 * NULL), or -1 with f filled (the stage, errno) and errno set. Each stage
 * is reported to tr (with arg; NULL: none) with the TCP state after it:
 * the -v trace.
 */
int		 sock_open(const struct sockaddr *sa, const struct sock_opts *o,
		    struct sockaddr_storage *bound, struct fail *f,
		    sock_trace_fn tr, void *arg);

#endif
