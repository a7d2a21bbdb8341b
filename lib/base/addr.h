/* Endpoints as users type them, and socket addresses as we print them. */
#ifndef SOCKCTL_ADDR_H
#define SOCKCTL_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HOST_MAX	254	/* 253 characters of a DNS name, and the NUL */
#define ADDRSTR_MAX	112	/* "[v6%scope]:port", or a Unix path */
#define UNIX_PATH_LIMIT	107	/* bytes of sun_path before its NUL */

struct endpoint {
	char	host[HOST_MAX];	/* "" when the user gave only a port; for a
				 * Unix socket its path, or "@NAME" */
	char	port_str[64];	/* the port as typed (a number or a service) */
	int	port;		/* 0-65535; 0 for a Unix socket */
	int	is_unix;	/* AF_UNIX: host is a path or "@NAME" */
};

/* ep_parse() flags */
#define EP_PORT_ONLY	0x1	/* a bare PORT is allowed (servers, probe-bind) */
#define EP_UDP		0x2	/* look service names up for udp, not tcp */

/*
 * Parses one argument, PORT, HOST:PORT or [IPV6]:PORT, or a Unix socket
 * (unix:PATH, any argument with a '/', @NAME for an abstract name), into
 * *ep. Returns 0, or -1 with a message naming the bad part in err (a path
 * longer than sun_path takes gives its length and the limit).
 */
int	ep_parse(const char *s, int flags, struct endpoint *ep, char *err,
	    size_t errlen);

/*
 * Returns 1 when host h ends in a number (all digits, or 0x and hex) but
 * is no dotted-quad IPv4 address by inet_pton(): one of inet_aton()'s
 * shorthands ("0", "127.1", "0x7f.1", "1.2.3.4."), which getaddrinfo()
 * would take as an address. ep_parse() refuses them.
 */
int	ep_ipv4_shorthand(const char *h);

/*
 * Parses the scope of an IPv6 address (what follows its '%'): the name of
 * an interface of this machine, or its index (all digits). A scope is
 * taken only on a link-local address (fe80::/10, ff01::/16, ff02::/16),
 * the only ones the kernel applies it to. Returns 0 with *idx set, or -1
 * with a message in err naming the unknown interface, the index or the
 * address kind (and the interfaces there are).
 */
struct in6_addr;
int	sa_scope_parse(const char *scope, const struct in6_addr *a,
	    uint32_t *idx, char *err, size_t errlen);

/* Returns 1 when s is written as a Unix socket endpoint (see ep_parse). */
int	ep_is_unix(const char *s);

/*
 * Fills *ss with the AF_UNIX address of a Unix endpoint's name (a path,
 * or "@NAME"). Returns 0, or -1 when it does not fit sun_path.
 */
int	sa_from_unix(const char *name, struct sockaddr_storage *ss);

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
 * suffice) and returns buf; sa_fmt_host() leaves out the port. An AF_UNIX
 * address is its path, or "@NAME": sa_fmt() escapes it for text
 * (esc_text(), cut to len), sa_fmt_host() gives it raw (for stat, unlink).
 */
char	*sa_fmt(const struct sockaddr *sa, char *buf, size_t len);
char	*sa_fmt_host(const struct sockaddr *sa, char *buf, size_t len);

/* Returns the port of an AF_INET/AF_INET6 address, or -1. */
int	 sa_port(const struct sockaddr *sa);
void	 sa_set_port(struct sockaddr *sa, int port);

/*
 * The length to pass to bind() and connect() for sa: the family's struct
 * for AF_INET and AF_INET6; for AF_UNIX the path and its NUL, or for an
 * abstract name (sun_path[0] is NUL) the name up to its first NUL (names
 * with NUL bytes inside cannot be told from the struct alone).
 */
socklen_t sa_len(const struct sockaddr *sa);

/*
 * Fills *ss (zeroed first) with an AF_INET (4 bytes) or AF_INET6 (16
 * bytes) address in network order, raw, and a network-order port: as the
 * kernel's socket tables (sock_diag, /proc/net) give them.
 */
void	 sa_set_raw(struct sockaddr_storage *ss, int family, const void *raw,
	    uint16_t nport);

/*
 * Address predicates on AF_INET/AF_INET6 addresses (ports ignored); each
 * returns 1 or 0, and 0 for another family.
 *
 * sa_same_addr(): the same family and address.
 * sa_is_loopback(): 127.0.0.0/8, ::1, or ::ffff:127.x.y.z.
 * sa_is_wildcard(): 0.0.0.0 or :: (INADDR_ANY, in6addr_any).
 */
int	 sa_same_addr(const struct sockaddr *a, const struct sockaddr *b);
int	 sa_is_loopback(const struct sockaddr *sa);
int	 sa_is_wildcard(const struct sockaddr *sa);

/*
 * Returns 1 when a socket listening on l takes connections for d: the same
 * family and l the wildcard or d's address, or an IPv6 l that is [::]
 * (then *via_v6any is set: unless it set IPV6_V6ONLY, which /proc does not
 * show) or d's IPv4-mapped address. Returns 0 when it does not.
 */
int	 sa_listens_for(const struct sockaddr *l, const struct sockaddr *d,
	    int *via_v6any);

/* Returns "ipv4", "ipv6" or "unix" for an address family, NULL for another. */
const char *family_name(int af);

/*
 * Parses a numeric IPv4 or IPv6 address (no port) into *ss. Returns 0, or
 * -1 when host is not a numeric address.
 */
int	 sa_from_numeric(const char *host, int port, struct sockaddr_storage *ss);

#endif
