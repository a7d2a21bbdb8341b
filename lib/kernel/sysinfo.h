/*
 * Facts about this machine that explain a failure: sysctls, capabilities,
 * local addresses. Paths are read below the proc root (see procnet.h).
 */
#ifndef SOCKCTL_SYSINFO_H
#define SOCKCTL_SYSINFO_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * Reads the integer at ROOT/REL (e.g. "sys/net/ipv4/ip_unprivileged_port_start").
 * Returns 0, or -1 with errno set.
 */
int	si_read_long(const char *root, const char *rel, long *v);

/* net.ipv4.ip_unprivileged_port_start; returns 0 or -1. */
int	si_unpriv_port_start(const char *root, int *port);

/* net.ipv4.ip_local_port_range; returns 0 or -1. */
int	si_local_port_range(const char *root, int *lo, int *hi);

/*
 * net.ipv4.ip_local_reserved_ports: returns 1 when port is listed, 0 when
 * not, -1 when unknown. The list text goes to buf ("" when empty).
 */
int	si_port_reserved(const char *root, int port, char *buf, size_t len);

/* Returns 1 when IPv6 is disabled (sysctl or no ROOT/net/if_inet6), 0 when not. */
int	si_ipv6_disabled(const char *root);

/*
 * Whether this machine has a default route, per family, from
 * ROOT/net/route and ROOT/net/ipv6_route: *v4 and *v6 get 1 (a default
 * route that is up and no reject or unreachable route), 0 (none), or -1
 * (the table could not be read). Returns 0 when at least one table was
 * read, else -1 with errno set.
 */
int	si_default_routes(const char *root, int *v4, int *v6);

/*
 * Returns 1 when CAP_NET_BIND_SERVICE is in this process's effective set
 * (ROOT/self/status CapEff), 0 when not, -1 when unknown.
 */
int	si_cap_net_bind(const char *root);

/* RLIMIT_NOFILE soft/hard, and fs.file-nr / fs.file-max; -1 when unknown. */
struct si_fds {
	long	soft, hard;
	long	sys_used, sys_max;
};
void	si_fd_limits(const char *root, struct si_fds *f);

struct si_ifaddr {
	char			ifname[IF_NAMESIZE];
	struct sockaddr_storage	addr;	/* port 0 */
	int			up;	/* IFF_UP */
};

/*
 * Fills out[0..max-1] with this machine's interface addresses (getifaddrs,
 * IPv4 and IPv6 only). Returns the count, or -1 with errno set.
 */
int	si_local_addrs(struct si_ifaddr *out, int max);

/* Returns 1 when the address of sa (port ignored) is assigned here, else 0. */
int	si_is_local(const struct sockaddr *sa);

/*
 * Returns 1 when the address of sa lies on the subnet of an interface that
 * is up, not loopback (reaching it takes a neighbour lookup, no router),
 * with the interface's name in ifname; 0 when not, or getifaddrs() fails.
 */
int	si_on_link(const struct sockaddr *sa, char *ifname, size_t len);

/* Returns 1 when the loopback interface is up, 0 when down, -1 unknown. */
int	si_loopback_up(void);

/*
 * Looks the IPv4 address of sa up in ROOT/net/arp: returns 1 when its
 * entry is complete (the neighbour answered), 0 when incomplete or failed,
 * -1 when there is none (no ARP request was made: the packet never got
 * that far), -2 when it cannot tell (not IPv4, or no table).
 */
int	si_arp_state(const char *root, const struct sockaddr *sa);

/*
 * Returns the number of this process's descriptors open below limit
 * (numbers at or above it, inherited from a parent with a higher limit,
 * take no slot), from ROOT/self/fd, or -1 when it cannot be read.
 */
long	si_fds_open(const char *root, long limit);

/*
 * Reads the nameserver lines of /etc/resolv.conf (path, for tests) into
 * buf as "a, b". Returns the count found.
 */
int	si_nameservers(const char *path, char *buf, size_t len);

#endif
