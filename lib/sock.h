/*
 * Sockets, the mechanism tier: the kernel's view of one socket (its TCP
 * state, RTT) and the names the lifecycle trace (-v) prints. Never prints.
 */
#ifndef SOCKCTL_SOCK_H
#define SOCKCTL_SOCK_H

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

#endif
