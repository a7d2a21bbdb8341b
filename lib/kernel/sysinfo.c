#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "sysinfo.h"

/* Opens ROOT/REL for reading; returns NULL with errno set. */
static FILE *
open_rel(const char *root, const char *rel)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, "re");
}

/* Reads the first line of ROOT/REL (at most len-1 bytes) into buf. */
static int
read_first_line(const char *root, const char *rel, char *buf, size_t len)
{
	FILE *f;

	if ((f = open_rel(root, rel)) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Parses a decimal long at *p, advancing *p past it. */
static int
parse_long(const char **p, long *v)
{
	char *end;

	if (!(**p >= '0' && **p <= '9') && **p != '-')
		return -1;
	errno = 0;
	*v = strtol(*p, &end, 10);
	if (errno != 0 || end == *p)
		return -1;
	*p = end;
	return 0;
}

int
si_read_long(const char *root, const char *rel, long *v)
{
	char buf[128];
	const char *p = buf;
	long x;

	if (read_first_line(root, rel, buf, sizeof(buf)) == -1)
		return -1;
	p += strspn(p, " \t");
	if (parse_long(&p, &x) == -1) {
		errno = errno == ERANGE ? ERANGE : EINVAL;
		return -1;
	}
	p += strspn(p, " \t");
	if (*p != '\0') {
		errno = EINVAL;
		return -1;
	}
	*v = x;
	return 0;
}

int
si_unpriv_port_start(const char *root, int *port)
{
	long v;

	if (si_read_long(root, "sys/net/ipv4/ip_unprivileged_port_start",
	    &v) == -1)
		return -1;
	/* the kernel allows 0..65535; 0 makes every port unprivileged */
	if (v < 0 || v > 65536) {
		errno = ERANGE;
		return -1;
	}
	*port = (int)v;
	return 0;
}

int
si_local_port_range(const char *root, int *lo, int *hi)
{
	char buf[128];
	const char *p = buf;
	long a, b;

	if (read_first_line(root, "sys/net/ipv4/ip_local_port_range", buf,
	    sizeof(buf)) == -1)
		return -1;
	p += strspn(p, " \t");
	if (parse_long(&p, &a) == -1)
		goto bad;
	p += strspn(p, " \t");
	if (parse_long(&p, &b) == -1)
		goto bad;
	p += strspn(p, " \t");
	if (*p != '\0' || a < 0 || b > 65535 || a > b)
		goto bad;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * The list is read a character at a time so that a long one costs no
 * memory; buf keeps as much of its text as fits.
 */
int
si_port_reserved(const char *root, int port, char *buf, size_t len)
{
	long cur = -1, lo = -1;
	size_t n = 0;
	int c, found = 0;
	FILE *f;

	if (len > 0)
		buf[0] = '\0';
	if ((f = open_rel(root, "sys/net/ipv4/ip_local_reserved_ports")) ==
	    NULL)
		return -1;
	for (;;) {
		c = getc(f);
		if (c != EOF && c != '\n' && len > 0 && n + 1 < len) {
			buf[n++] = (char)c;
			buf[n] = '\0';
		}
		if (c >= '0' && c <= '9') {
			cur = (cur < 0 ? 0 : cur) * 10 + (c - '0');
			if (cur > 65535)
				goto bad;
		} else if (c == '-' && cur >= 0 && lo < 0) {
			lo = cur;
			cur = -1;
		} else if (c == ',' || c == '\n' || c == EOF) {
			if (cur < 0) {
				/* an empty list is "\n"; ",," or "1-" is not */
				if (lo >= 0 || c == ',')
					goto bad;
			} else {
				if (lo < 0)
					lo = cur;
				if (port >= lo && port <= cur)
					found = 1;
			}
			cur = lo = -1;
			if (c != ',')
				break;
		} else
			goto bad;
	}
	fclose(f);
	return found;
bad:
	fclose(f);
	errno = EINVAL;
	return -1;
}

int
si_ipv6_disabled(const char *root)
{
	long v;
	FILE *f;

	if (si_read_long(root, "sys/net/ipv6/conf/all/disable_ipv6", &v) == 0 &&
	    v == 1)
		return 1;
	/* without IPv6 in the kernel there is no if_inet6 (nor the sysctl) */
	if ((f = open_rel(root, "net/if_inet6")) == NULL)
		return 1;
	fclose(f);
	return 0;
}

#define RT_UP		0x0001	/* RTF_UP */
#define RT_REJECT	0x0200	/* RTF_REJECT: unreachable, prohibit, ... */

/* 1 when ROOT/net/route has a usable default route, 0 none, -1 unread. */
static int
default_v4(const char *root)
{
	char line[512], ifn[32];
	unsigned long dst, gw, mask;
	unsigned flags;
	int found = 0;
	FILE *f;

	if ((f = open_rel(root, "net/route")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%31s %lx %lx %x %*d %*d %*d %lx", ifn, &dst,
		    &gw, &flags, &mask) != 5)
			continue;	/* the header */
		found = dst == 0 && mask == 0 && (flags & RT_UP) &&
		    !(flags & RT_REJECT);
	}
	fclose(f);
	return found;
}

/*
 * 1 when ROOT/net/ipv6_route has a usable default route (::/0), 0 none,
 * -1 unread. The kernel always lists its null entry, ::/0 on lo with
 * RTF_REJECT and without RTF_UP: that is no route.
 */
static int
default_v6(const char *root)
{
	char line[512], dst[40];
	unsigned plen, flags;
	int found = 0;
	FILE *f;

	if ((f = open_rel(root, "net/ipv6_route")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		/* dst plen src plen nexthop metric refcnt use flags dev */
		if (sscanf(line, "%32s %x %*s %*x %*s %*x %*x %*x %x", dst,
		    &plen, &flags) != 3)
			continue;
		found = plen == 0 && strspn(dst, "0") == 32 &&
		    (flags & RT_UP) && !(flags & RT_REJECT);
	}
	fclose(f);
	return found;
}

int
si_default_routes(const char *root, int *v4, int *v6)
{
	int e;

	*v4 = default_v4(root);
	e = errno;
	*v6 = default_v6(root);
	if (*v4 == -1 && *v6 == -1) {
		errno = e;
		return -1;
	}
	return 0;
}

int
si_cap_net_bind(const char *root)
{
	char line[256];
	unsigned long long caps = 0;
	int found = 0;
	FILE *f;

	if ((f = open_rel(root, "self/status")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;

		if (strncmp(line, "CapEff:", 7) != 0)
			continue;
		errno = 0;
		caps = strtoull(line + 7, &end, 16);
		found = errno == 0 && end != line + 7 &&
		    (*end == '\n' || *end == '\0');
		break;
	}
	fclose(f);
	if (!found)
		return -1;
	return (caps >> 10) & 1;	/* CAP_NET_BIND_SERVICE */
}

void
si_fd_limits(const char *root, struct si_fds *fds)
{
	struct rlimit rl;
	char buf[128];
	const char *p = buf;
	long v;

	fds->soft = fds->hard = fds->sys_used = fds->sys_max = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		fds->soft = rl.rlim_cur == RLIM_INFINITY ||
		    rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
		fds->hard = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > LONG_MAX ? LONG_MAX : (long)rl.rlim_max;
	}
	/* file-nr: allocated, free (always 0 since 2.6), maximum */
	if (read_first_line(root, "sys/fs/file-nr", buf, sizeof(buf)) == 0 &&
	    parse_long(&p, &v) == 0)
		fds->sys_used = v;
	if (si_read_long(root, "sys/fs/file-max", &v) == 0)
		fds->sys_max = v;
}

static void
copy_addr(struct sockaddr_storage *ss, const struct sockaddr *sa)
{
	memset(ss, 0, sizeof(*ss));
	if (sa->sa_family == AF_INET) {
		memcpy(ss, sa, sizeof(struct sockaddr_in));
		((struct sockaddr_in *)ss)->sin_port = 0;
	} else {
		memcpy(ss, sa, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	}
}

int
si_local_addrs(struct si_ifaddr *out, int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].ifname, sizeof(out[n].ifname), "%s",
		    i->ifa_name ? i->ifa_name : "?");
		copy_addr(&out[n].addr, i->ifa_addr);
		out[n].up = (i->ifa_flags & IFF_UP) != 0;
		n++;
	}
	freeifaddrs(ifa);
	return n;
}

/*
 * Reduces sa to (family, 4 or 16 address bytes); an IPv4-mapped IPv6
 * address becomes IPv4. Returns the address length, or 0.
 */
static size_t
addr_key(const struct sockaddr *sa, int *fam, unsigned char *key)
{
	if (sa->sa_family == AF_INET) {
		*fam = AF_INET;
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*fam = AF_INET;
			memcpy(key, a->s6_addr + 12, 4);
			return 4;
		}
		*fam = AF_INET6;
		memcpy(key, a->s6_addr, 16);
		return 16;
	}
	return 0;
}

int
si_is_local(const struct sockaddr *sa)
{
	static const unsigned char zero[16];
	unsigned char key[16], k2[16];
	struct ifaddrs *ifa, *i;
	size_t n;
	int fam, f2, found = 0;

	if ((n = addr_key(sa, &fam, key)) == 0)
		return 0;
	if (memcmp(key, zero, n) == 0)
		return 1;	/* the wildcard: every local address */
	/* Linux routes all of 127.0.0.0/8 to lo, not just 127.0.0.1 */
	if (fam == AF_INET && key[0] == 127)
		return 1;
	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		found = addr_key(i->ifa_addr, &f2, k2) == n && f2 == fam &&
		    memcmp(key, k2, n) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

int
si_nameservers(const char *path, char *buf, size_t len)
{
	char line[512];
	size_t used = 0;
	int c, count = 0;
	FILE *f;

	if (len > 0)
		buf[0] = '\0';
	if ((f = fopen(path ? path : "/etc/resolv.conf", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *addr;
		size_t an;

		if (strchr(line, '\n') == NULL && !feof(f)) {
			/* longer than any sensible line: skip the rest */
			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		p += strspn(p, " \t");
		if (strncmp(p, "nameserver", 10) != 0 ||
		    (p[10] != ' ' && p[10] != '\t'))
			continue;
		addr = p + 10 + strspn(p + 10, " \t");
		an = strcspn(addr, " \t\r\n#;");
		if (an == 0)
			continue;
		count++;
		if (len > 0 && used < len - 1) {
			int w = snprintf(buf + used, len - used, "%s%.*s",
			    used > 0 ? ", " : "", (int)an, addr);

			used = w < 0 ? used : used + (size_t)w;
			if (used >= len)
				used = len - 1;
		}
	}
	fclose(f);
	return count;
}

int
si_on_link(const struct sockaddr *sa, char *ifname, size_t len)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		const unsigned char *a, *m, *t;
		size_t n;

		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    i->ifa_addr->sa_family != sa->sa_family ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (sa->sa_family == AF_INET) {
			a = (const unsigned char *)&((struct sockaddr_in *)
			    i->ifa_addr)->sin_addr;
			m = (const unsigned char *)&((struct sockaddr_in *)
			    i->ifa_netmask)->sin_addr;
			t = (const unsigned char *)&((const struct sockaddr_in *)
			    sa)->sin_addr;
			n = 4;
		} else {
			a = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.
			    s6_addr;
			m = ((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.
			    s6_addr;
			t = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
			n = 16;
		}
		found = 1;
		for (size_t k = 0; k < n && found; k++)
			found = (a[k] & m[k]) == (t[k] & m[k]);
		if (found)
			snprintf(ifname, len, "%s", i->ifa_name);
	}
	freeifaddrs(ifa);
	return found;
}

int
si_loopback_up(void)
{
	struct ifaddrs *ifa, *i;
	int up = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_flags & IFF_LOOPBACK) {
			up = (i->ifa_flags & IFF_UP) != 0;
			break;
		}
	freeifaddrs(ifa);
	return up;
}

int
si_arp_state(const char *root, const struct sockaddr *sa)
{
	char line[256], want[INET_ADDRSTRLEN], ip[64];
	unsigned flags;
	FILE *f;
	int st = -1;

	if (sa->sa_family != AF_INET)
		return -2;
	sa_fmt_host(sa, want, sizeof(want));
	if ((f = open_rel(root, "net/arp")) == NULL)
		return -2;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%63s %*s %x", ip, &flags) == 2 &&
		    strcmp(ip, want) == 0) {
			st = (flags & 0x2) != 0;	/* ATF_COM */
			break;
		}
	fclose(f);
	return st;
}

long
si_fds_open(const char *root, long limit)
{
	char path[4096];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/self/fd", root);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' && atol(e->d_name) < limit;
	closedir(d);
	return n - 1;	/* the directory's own */
}
