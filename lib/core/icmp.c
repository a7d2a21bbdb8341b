#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

/* after <time.h>: it declares struct timespec but includes nothing */
#include <linux/errqueue.h>

#include "icmp.h"

int
icmp_enable(int fd, int family)
{
	int on = 1;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
		    sizeof(on)) == -1)
			return -1;
		/* an IPv4-mapped destination reports through IP_RECVERR */
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
		return 0;
	}
	return setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
}

static enum icmp_kind
kind4(int type, int code)
{
	if (type == 11)
		return IK_TTL;
	if (type != 3)
		return IK_OTHER;
	switch (code) {
	case 0:		/* net unreachable */
	case 6:		/* destination network unknown */
	case 11:	/* network unreachable for TOS */
		return IK_NET;
	case 1:		/* host unreachable */
	case 7:		/* destination host unknown */
	case 12:	/* host unreachable for TOS */
		return IK_HOST;
	case 3:
		return IK_PORT;
	case 9:		/* network administratively prohibited */
	case 10:	/* host administratively prohibited */
	case 13:	/* communication administratively prohibited */
		return IK_ADMIN;
	default:
		return IK_OTHER;
	}
}

static enum icmp_kind
kind6(int type, int code)
{
	if (type == 3)
		return IK_TTL;
	if (type != 1)
		return IK_OTHER;
	switch (code) {
	case 0:		/* no route to destination */
	case 6:		/* reject route to destination */
		return IK_NET;
	case 3:		/* address unreachable */
		return IK_HOST;
	case 4:
		return IK_PORT;
	case 1:		/* administratively prohibited */
	case 5:		/* source address failed ingress/egress policy */
		return IK_ADMIN;
	default:
		return IK_OTHER;
	}
}

int
icmp_read(int fd, struct icmp_ev *ev)
{
	char data[256];
	union {
		char		buf[512];
		struct cmsghdr	align;
	} ctl;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	int got = 0;

	memset(ev, 0, sizeof(*ev));
	/* bounded: the kernel caps the queue, but never loop forever */
	for (int i = 0; i < 16; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			break;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			struct sock_extended_err ee;
			const struct sockaddr *off;

			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			if (got || cm->cmsg_len < CMSG_LEN(sizeof(ee)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP &&
			    ee.ee_origin != SO_EE_ORIGIN_ICMP6)
				continue;
			ev->origin = ee.ee_origin;
			ev->type = ee.ee_type;
			ev->code = ee.ee_code;
			ev->err = (int)ee.ee_errno;
			ev->kind = ee.ee_origin == SO_EE_ORIGIN_ICMP ?
			    kind4(ev->type, ev->code) :
			    kind6(ev->type, ev->code);
			/* the offender follows the struct in the cmsg */
			off = (const struct sockaddr *)(CMSG_DATA(cm) +
			    sizeof(ee));
			if (cm->cmsg_len >= CMSG_LEN(sizeof(ee) +
			    sizeof(sa_family_t)) &&
			    (off->sa_family == AF_INET ||
			    off->sa_family == AF_INET6)) {
				size_t n = off->sa_family == AF_INET ?
				    sizeof(struct sockaddr_in) :
				    sizeof(struct sockaddr_in6);

				if (cm->cmsg_len >= CMSG_LEN(sizeof(ee) + n)) {
					memcpy(&ev->offender, off, n);
					ev->has_offender = 1;
				}
			}
			got = 1;
		}
	}
	return got;
}

static const char *
name4(int type, int code)
{
	static const char *unreach[] = {
		"network unreachable", "host unreachable",
		"protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed",
		"destination network unknown", "destination host unknown",
		"source host isolated", "network administratively prohibited",
		"host administratively prohibited",
		"network unreachable for TOS", "host unreachable for TOS",
		"communication administratively prohibited",
		"host precedence violation", "precedence cutoff in effect",
	};

	if (type == 3 && code >= 0 &&
	    code < (int)(sizeof(unreach) / sizeof(unreach[0])))
		return unreach[code];
	if (type == 11)
		return "time exceeded (TTL expired in transit)";
	if (type == 3)
		return "destination unreachable";
	return "ICMP error";
}

static const char *
name6(int type, int code)
{
	static const char *unreach[] = {
		"no route to destination",
		"communication administratively prohibited",
		"beyond scope of source address", "address unreachable",
		"port unreachable", "source address failed policy",
		"reject route to destination",
	};

	if (type == 1 && code >= 0 &&
	    code < (int)(sizeof(unreach) / sizeof(unreach[0])))
		return unreach[code];
	if (type == 1)
		return "destination unreachable";
	if (type == 3)
		return "time exceeded (hop limit expired in transit)";
	if (type == 2)
		return "packet too big";
	return "ICMPv6 error";
}

const char *
icmp_describe(const struct icmp_ev *ev, char *buf, size_t len)
{
	if (ev->origin == SO_EE_ORIGIN_ICMP)
		snprintf(buf, len, "ICMP %s (type %d code %d)",
		    name4(ev->type, ev->code), ev->type, ev->code);
	else if (ev->origin == SO_EE_ORIGIN_ICMP6)
		snprintf(buf, len, "ICMPv6 %s (type %d code %d)",
		    name6(ev->type, ev->code), ev->type, ev->code);
	else
		snprintf(buf, len, "no ICMP error");
	return buf;
}
