/* Endpoints as users type them, and socket addresses as we print them. */
#ifndef SOCKCTL_ADDR_H
#define SOCKCTL_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define HOST_MAX	254	/* 253 characters of a DNS name, and the NUL */
#define ADDRSTR_MAX	80	/* "[v6%scope]:port" */

struct endpoint {
	char	host[HOST_MAX];	/* "" when the user gave only a port */
	char	port_str[64];	/* the port as typed (a number or a service) */
	int	port;		/* 0-65535 */
};

/* ep_parse() flags */
#define EP_PORT_ONLY	0x1	/* a bare PORT is allowed (servers, probe-bind) */
#define EP_UDP		0x2	/* look service names up for udp, not tcp */

/*
 * Parses one argument, PORT, HOST:PORT or [IPV6]:PORT, into *ep.
 * Returns 0, or -1 with a message naming the bad part in err.
 */
int	ep_parse(const char *s, int flags, struct endpoint *ep, char *err,
	    size_t errlen);

/* The same for the two-argument form HOST PORT. */
int	ep_parse2(const char *host, const char *port, int flags,
	    struct endpoint *ep, char *err, size_t errlen);

/*
 * Parses a port: 0-65535, or a service name from /etc/services. Returns 0,
 * or -1 with a message in err. getaddrinfo() would wrap 70000 to 4464, so
 * the range is checked here.
 */
int	port_parse(const char *s, int udp, int *port, char *err,
	    size_t errlen);

/*
 * Formats sa as "127.0.0.1:80" or "[::1]:80" into buf (ADDRSTR_MAX bytes
 * suffice) and returns buf; sa_fmt_host() leaves out the port.
 */
char	*sa_fmt(const struct sockaddr *sa, char *buf, size_t len);
char	*sa_fmt_host(const struct sockaddr *sa, char *buf, size_t len);

/* Returns the port of an AF_INET/AF_INET6 address, or -1. */
int	 sa_port(const struct sockaddr *sa);
void	 sa_set_port(struct sockaddr *sa, int port);
socklen_t sa_len(const struct sockaddr *sa);

/* Returns "ipv4" or "ipv6" for an address family, NULL for another. */
const char *family_name(int af);

/*
 * Parses a numeric IPv4 or IPv6 address (no port) into *ss. Returns 0, or
 * -1 when host is not a numeric address.
 */
int	 sa_from_numeric(const char *host, int port, struct sockaddr_storage *ss);

#endif
