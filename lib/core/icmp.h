/*
 * The ICMP error behind a failed connect, read from the socket's error
 * queue (IP_RECVERR / IPV6_RECVERR, recvmsg(MSG_ERRQUEUE)): its type, code
 * and who sent it. Unprivileged and libc only.
 */
#ifndef SOCKCTL_ICMP_H
#define SOCKCTL_ICMP_H

#include <sys/socket.h>

/* What an ICMP error says about the destination. */
enum icmp_kind {
	IK_NONE,	/* no ICMP error was queued */
	IK_NET,		/* network unreachable / no route */
	IK_HOST,	/* host unreachable / address unreachable */
	IK_PORT,	/* port unreachable */
	IK_ADMIN,	/* administratively prohibited (a filter) */
	IK_TTL,		/* time exceeded in transit */
	IK_OTHER,
};

struct icmp_ev {
	int			origin;	/* SO_EE_ORIGIN_*; 0: none queued */
	int			type;
	int			code;
	int			err;	/* the errno the kernel made of it */
	enum icmp_kind		kind;
	int			has_offender;
	struct sockaddr_storage	offender;	/* the ICMP's source address */
};

/*
 * Asks the kernel to queue ICMP errors on fd, a socket of family (for
 * AF_INET6 both IPv6 and IPv4-mapped). Returns 0, or -1 with errno set.
 */
int		 icmp_enable(int fd, int family);

/*
 * Drains fd's error queue into *ev, keeping the first ICMP error (the one
 * that failed the connect). Returns 1 when one was read, 0 when the queue
 * held none (ev->origin is then 0).
 */
int		 icmp_read(int fd, struct icmp_ev *ev);

/*
 * Returns the ICMP message in words: "port unreachable (ICMP type 3 code
 * 3)", written into buf.
 */
const char	*icmp_describe(const struct icmp_ev *ev, char *buf, size_t len);

#endif
