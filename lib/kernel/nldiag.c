#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "nldiag.h"

int
nld_open(int rcvbuf)
{
	struct timeval tv = { 2, 0 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rcvbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	return fd;
}

void
nld_request(struct nlmsghdr *h, size_t len)
{
	memset(h, 0, sizeof(*h));
	h->nlmsg_len = (unsigned)len;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
}

int
nld_dump(int fd, const void *req, size_t len, void *buf, size_t size,
    int (*fn)(const struct nlmsghdr *, void *), void *arg, int *got)
{
	struct sockaddr_nl sa;
	int stop = 0, done = 0;

	*got = 0;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) !=
	    (ssize_t)len)
		return -1;
	/* bounded: the kernel ends every dump with NLMSG_DONE or an error */
	while (!done) {
		/* MSG_TRUNC: the datagram's whole length, to see a cut one */
		ssize_t n = recv(fd, buf, size, MSG_TRUNC);
		struct nlmsghdr *h = buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if ((size_t)n > size) {
			errno = EMSGSIZE;
			return -1;
		}
		for (; !done && NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				done = 1;
			else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				errno = e->error < 0 ? -e->error : EPROTO;
				return -1;
			} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    !stop) {
				int r = fn(h, arg);

				stop = r == 1;
				if (r >= 0)
					*got = stop ? 2 : 1;
			}
		}
		/* once fn has stopped, the rest of the dump is drained */
	}
	return stop;
}
