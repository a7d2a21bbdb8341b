/*
 * NETLINK_SOCK_DIAG, the mechanism under every socket-table read (as ss
 * reads them): a socket to ask on and one dump walked message by message.
 * Never prints. The callers build their own requests (inet_diag_req_v2,
 * unix_diag_req) and read their own messages.
 */
#ifndef SOCKCTL_NLDIAG_H
#define SOCKCTL_NLDIAG_H

#include <stddef.h>

#include <linux/netlink.h>

/*
 * A sock_diag netlink socket with a receive timeout (the kernel answers a
 * dump at once; the timeout only bounds a surprise) and, when rcvbuf > 0,
 * that receive buffer asked for. Returns it, or -1 (errno).
 */
int	nld_open(int rcvbuf);

/*
 * Fills h as the header of a dump request of len bytes in all (the header
 * first, then the family's request).
 */
void	nld_request(struct nlmsghdr *h, size_t len);

/*
 * Sends the request req (len bytes, made with nld_request()) on fd and
 * hands each SOCK_DIAG_BY_FAMILY message of the answer to fn, reading into
 * buf (size bytes; a message longer than that is EMSGSIZE), until the
 * kernel's NLMSG_DONE. fn returns 1 to stop (the rest of the dump is still
 * drained), 0 to go on, -1 for a message it did not take. Returns 1 when
 * fn stopped, 0 at the end, or -1 (errno) when the dump failed. *got says
 * what fn did before: 0 took no message (the dump can be asked for again
 * elsewhere), 1 took some, 2 took some and stopped.
 */
int	nld_dump(int fd, const void *req, size_t len, void *buf, size_t size,
	    int (*fn)(const struct nlmsghdr *, void *), void *arg, int *got);

#endif
