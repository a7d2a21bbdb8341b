#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "procnet.h"
#include "sock.h"

int
sock_tcp_state(int fd, double *rtt_ms)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	if (rtt_ms != NULL)
		*rtt_ms = ti.tcpi_rtt / 1000.0;
	return ti.tcpi_state;
}

/* The kernel's names, as tcp_states.h spells them (ss abbreviates two). */
const char *
sock_state_name(int st)
{
	if (st == PN_ESTABLISHED)
		return "ESTABLISHED";
	if (st == PN_CLOSE)
		return "CLOSE";
	return st < 0 ? "?" : pn_state_name(IPPROTO_TCP, st);
}

const char *
sock_family_name(int af)
{
	switch (af) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_UNIX:
		return "AF_UNIX";
	}
	return "AF_?";
}

const char *
sock_type_name(int type)
{
	switch (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
	case SOCK_STREAM:
		return "SOCK_STREAM";
	case SOCK_DGRAM:
		return "SOCK_DGRAM";
	case SOCK_SEQPACKET:
		return "SOCK_SEQPACKET";
	case SOCK_RAW:
		return "SOCK_RAW";
	}
	return "SOCK_?";
}
