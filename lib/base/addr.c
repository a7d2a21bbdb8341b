#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "esc.h"

int
port_parse(const char *s, int udp, int *port, char *err, size_t errlen)
{
	struct servent *se;
	size_t n = strlen(s);

	if (n == 0) {
		snprintf(err, errlen, "empty port (expected 0-65535 or a "
		    "service name)");
		return -1;
	}
	if (strspn(s, "0123456789") == n) {
		long v = 0;

		for (const char *p = s; *p != '\0' && v <= 65535; p++)
			v = v * 10 + (*p - '0');
		if (v > 65535) {
			snprintf(err, errlen, "port '%.20s%s' is out of range "
			    "(0-65535)", s, n > 20 ? "..." : "");
			return -1;
		}
		*port = (int)v;
		return 0;
	}
	if (n > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+.") != n) {
		snprintf(err, errlen, "invalid port '%.40s%s' (expected "
		    "0-65535 or a service name)", s, n > 40 ? "..." : "");
		return -1;
	}
	se = getservbyname(s, udp ? "udp" : "tcp");
	if (se == NULL) {
		snprintf(err, errlen, "unknown port '%s': not a number and not "
		    "a %s service in /etc/services", s, udp ? "udp" : "tcp");
		return -1;
	}
	*port = ntohs((unsigned short)se->s_port);
	return 0;
}

/* 1 when label is all digits, or "0x" and hex digits: inet_aton's parts */
static int
numeric_label(const char *l, size_t n)
{
	if (n >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X'))
		return strspn(l + 2, "0123456789abcdefABCDEF") >= n - 2;
	return n > 0 && strspn(l, "0123456789") >= n;
}

int
ep_ipv4_shorthand(const char *h)
{
	struct in_addr a;
	size_t n = strlen(h);
	const char *last;

	if (n > 0 && h[n - 1] == '.')
		n--;			/* "127.0.0.1." ends in a number too */
	last = memrchr(h, '.', n);
	last = last != NULL ? last + 1 : h;
	if (!numeric_label(last, (size_t)(h + n - last)))
		return 0;
	return inet_pton(AF_INET, h, &a) != 1;
}

/* Lists this machine's interfaces into buf: "lo, eth0" (at most 8). */
static void
if_list(char *buf, size_t len)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	size_t n = 0;
	int k = 0;

	buf[0] = '\0';
	if (ifs == NULL)
		return;
	for (i = ifs; i->if_index != 0 && n < len; i++, k++) {
		if (k == 8) {
			snprintf(buf + n, len - n, ", ...");
			break;
		}
		n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? ", " : "",
		    i->if_name);
	}
	if_freenameindex(ifs);
}

int
sa_scope_parse(const char *scope, const struct in6_addr *a, uint32_t *idx,
    char *err, size_t errlen)
{
	size_t n = strlen(scope);
	char ifs[120], name[IF_NAMESIZE];

	*idx = 0;
	if (n == 0) {
		snprintf(err, errlen, "empty scope after '%%' (expected an "
		    "interface name or index, e.g. %%eth0)");
		return -1;
	}
	if (n < IF_NAMESIZE)
		*idx = if_nametoindex(scope);
	if (*idx == 0 && strspn(scope, "0123456789") == n) {
		unsigned long v = n <= 10 ? strtoul(scope, NULL, 10) : 0;

		if (v > 0 && v <= UINT32_MAX &&
		    if_indextoname((unsigned)v, name) != NULL)
			*idx = (uint32_t)v;
		else {
			if_list(ifs, sizeof(ifs));
			snprintf(err, errlen, "no interface with index '%.20s' "
			    "(scope '%%%.20s'; interfaces here: %s)", scope,
			    scope, ifs[0] ? ifs : "none");
			return -1;
		}
	}
	if (*idx == 0) {
		if_list(ifs, sizeof(ifs));
		snprintf(err, errlen, "unknown interface '%.40s' in scope "
		    "'%%%.40s' (a scope is an interface name or its index, "
		    "all digits; interfaces here: %s)", scope, scope,
		    ifs[0] ? ifs : "none");
		return -1;
	}
	if (!IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MC_LINKLOCAL(a) &&
	    !IN6_IS_ADDR_MC_NODELOCAL(a)) {
		snprintf(err, errlen, "scope '%%%.40s' on an address that is not "
		    "link-local: the kernel ignores a scope outside fe80::/10 "
		    "(and ff01::/16, ff02::/16), so it would not choose the "
		    "interface; drop '%%%.40s'", scope, scope);
		*idx = 0;
		return -1;
	}
	return 0;
}

/*
 * What a host that is an address literal must be: IPv6 (with a valid
 * scope) when it holds ':' or '%', and dotted-quad IPv4 when it ends in
 * a number (never inet_aton's shorthands "0", "127.1", "0x7f.1").
 */
static int
host_literal(const char *h, char *err, size_t errlen)
{
	char addr[HOST_MAX], serr[200];
	struct in6_addr a6;
	const char *pct = strchr(h, '%');
	uint32_t idx;

	if (strchr(h, ':') != NULL || pct != NULL) {
		size_t an = pct != NULL ? (size_t)(pct - h) : strlen(h);

		memcpy(addr, h, an);
		addr[an] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1) {
			snprintf(err, errlen, pct != NULL && strchr(addr, ':') ==
			    NULL ? "'%s' is not an IPv6 address: a scope "
			    "(%%IFACE) follows only an IPv6 link-local address" :
			    "'%s' is not an IPv6 address", addr);
			return -1;
		}
		if (pct != NULL && sa_scope_parse(pct + 1, &a6, &idx, serr,
		    sizeof(serr)) == -1) {
			snprintf(err, errlen, "%s: %s", h, serr);
			return -1;
		}
		return 0;
	}
	if (ep_ipv4_shorthand(h)) {
		snprintf(err, errlen, "'%s' is not an IPv4 address: write all "
		    "four parts in decimal (0.0.0.0 for every interface, "
		    "127.0.0.1 for loopback); shorthands such as 0, 127.1 or "
		    "0x7f.1 are not taken, and a host name cannot end in a "
		    "number", h);
		return -1;
	}
	return 0;
}

static int
host_check(const char *h, const char *whole, char *err, size_t errlen)
{
	size_t n = strlen(h);

	if (n == 0) {
		snprintf(err, errlen, "empty host in '%.60s'", whole);
		return -1;
	}
	if (n >= HOST_MAX) {
		snprintf(err, errlen, "host name too long (%zu characters, at "
		    "most %d): '%.40s...'", n, HOST_MAX - 1, h);
		return -1;
	}
	if (strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._:%") != n) {
		snprintf(err, errlen, "invalid host '%.60s%s' (letters, digits, "
		    "'-', '.', and ':' inside [ ] for IPv6)", h,
		    n > 60 ? "..." : "");
		return -1;
	}
	return host_literal(h, err, errlen);
}

int
ep_parse2(const char *host, const char *port, int flags, struct endpoint *ep,
    char *err, size_t errlen)
{
	size_t hn = strlen(host);

	memset(ep, 0, sizeof(*ep));
	/* "[::1]" as the host of the two-argument form: drop the brackets */
	if (hn >= 2 && host[0] == '[' && host[hn - 1] == ']') {
		if (hn - 2 >= HOST_MAX) {
			snprintf(err, errlen, "host name too long (%zu "
			    "characters, at most %d)", hn - 2, HOST_MAX - 1);
			return -1;
		}
		memcpy(ep->host, host + 1, hn - 2);
		ep->host[hn - 2] = '\0';
	} else {
		if (host_check(host, host, err, errlen) == -1)
			return -1;
		snprintf(ep->host, sizeof(ep->host), "%s", host);
	}
	if (host_check(ep->host, host, err, errlen) == -1)
		return -1;
	if (port_parse(port, flags & EP_UDP, &ep->port, err, errlen) == -1)
		return -1;
	snprintf(ep->port_str, sizeof(ep->port_str), "%s", port);
	return 0;
}

int
ep_is_unix(const char *s)
{
	return strncmp(s, "unix:", 5) == 0 || strchr(s, '/') != NULL ||
	    s[0] == '@';
}

/* unix:PATH, PATH or @NAME into *ep; the length checked against sun_path. */
static int
ep_parse_unix(const char *s, struct endpoint *ep, char *err, size_t errlen)
{
	const char *name = strncmp(s, "unix:", 5) == 0 ? s + 5 : s;
	size_t n = strlen(name);

	if (n == 0 || strcmp(name, "@") == 0) {
		snprintf(err, errlen, "empty Unix socket %s in '%.60s' "
		    "(expected unix:PATH or @NAME)", name[0] == '@' ? "name" :
		    "path", s);
		return -1;
	}
	if (name[0] == '@' && n - 1 > UNIX_PATH_LIMIT) {
		snprintf(err, errlen, "abstract socket name '%.40s...' is %zu "
		    "bytes long, more than the %d that sun_path holds after "
		    "its leading NUL", name, n - 1, UNIX_PATH_LIMIT);
		return -1;
	}
	if (name[0] != '@' && n > UNIX_PATH_LIMIT) {
		snprintf(err, errlen, "socket path '%.40s...' is %zu bytes "
		    "long, more than the %d that sun_path holds (%d with its "
		    "NUL); the kernel would cut it: use a shorter path (e.g. "
		    "cd to its directory and give a relative one)", name, n,
		    UNIX_PATH_LIMIT, UNIX_PATH_LIMIT + 1);
		return -1;
	}
	memcpy(ep->host, name, n + 1);
	ep->port = 0;
	ep->port_str[0] = '\0';
	ep->is_unix = 1;
	return 0;
}

int
sa_from_unix(const char *name, struct sockaddr_storage *ss)
{
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	size_t n = strlen(name);

	memset(ss, 0, sizeof(*ss));
	un->sun_family = AF_UNIX;
	if (name[0] == '@') {
		if (n - 1 > UNIX_PATH_LIMIT)
			return -1;
		memcpy(un->sun_path + 1, name + 1, n - 1);
		return 0;
	}
	if (n > UNIX_PATH_LIMIT)
		return -1;
	memcpy(un->sun_path, name, n + 1);
	return 0;
}

int
ep_parse(const char *s, int flags, struct endpoint *ep, char *err,
    size_t errlen)
{
	const char *colon, *port;
	char host[HOST_MAX];
	size_t hn;

	memset(ep, 0, sizeof(*ep));
	if (*s == '\0') {
		snprintf(err, errlen, "empty endpoint (expected %sHOST:PORT)",
		    flags & EP_PORT_ONLY ? "PORT or " : "");
		return -1;
	}
	if (ep_is_unix(s))
		return ep_parse_unix(s, ep, err, errlen);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL) {
			snprintf(err, errlen, "missing ']' in '%.60s'", s);
			return -1;
		}
		if (close[1] != ':' || close[2] == '\0') {
			snprintf(err, errlen, "missing port after ']' in "
			    "'%.60s' (expected [IPV6]:PORT)", s);
			return -1;
		}
		hn = (size_t)(close - s - 1);
		port = close + 2;
		if (hn == 0) {
			snprintf(err, errlen, "empty address in '%.60s'", s);
			return -1;
		}
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			if (!(flags & EP_PORT_ONLY)) {
				snprintf(err, errlen, "missing port in '%.60s' "
				    "(expected HOST:PORT or HOST PORT)", s);
				return -1;
			}
			if (port_parse(s, flags & EP_UDP, &ep->port, err,
			    errlen) == -1)
				return -1;
			snprintf(ep->port_str, sizeof(ep->port_str), "%s", s);
			return 0;
		}
		if (strchr(s, ':') != colon) {
			snprintf(err, errlen, "IPv6 address in '%.60s' needs "
			    "brackets, e.g. [::1]:80", s);
			return -1;
		}
		hn = (size_t)(colon - s);
		port = colon + 1;
		if (hn == 0 && (flags & EP_PORT_ONLY)) {
			/* ":8080" means the default address */
			if (port_parse(port, flags & EP_UDP, &ep->port, err,
			    errlen) == -1)
				return -1;
			snprintf(ep->port_str, sizeof(ep->port_str), "%s",
			    port);
			return 0;
		}
	}
	if (hn >= sizeof(host)) {
		snprintf(err, errlen, "host name too long (%zu characters, at "
		    "most %d): '%.40s...'", hn, HOST_MAX - 1, s[0] == '[' ?
		    s + 1 : s);
		return -1;
	}
	memcpy(host, s[0] == '[' ? s + 1 : s, hn);
	host[hn] = '\0';
	if (s[0] == '[' && strchr(host, ':') == NULL) {
		snprintf(err, errlen, "'%.60s' inside [ ] is not an IPv6 "
		    "address", host);
		return -1;
	}
	if (host_check(host, s, err, errlen) == -1)
		return -1;
	if (*port == '\0') {
		snprintf(err, errlen, "missing port in '%.60s'", s);
		return -1;
	}
	if (port_parse(port, flags & EP_UDP, &ep->port, err, errlen) == -1)
		return -1;
	memcpy(ep->host, host, hn + 1);
	snprintf(ep->port_str, sizeof(ep->port_str), "%s", port);
	return 0;
}

char *
sa_fmt_host(const struct sockaddr *sa, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;

		if (un->sun_path[0] == '\0' && un->sun_path[1] == '\0')
			snprintf(buf, len, "(unnamed)");
		else if (un->sun_path[0] != '\0')
			snprintf(buf, len, "%.*s", (int)strnlen(un->sun_path,
			    sizeof(un->sun_path)), un->sun_path);
		else
			snprintf(buf, len, "@%.*s", (int)strnlen(un->sun_path +
			    1, sizeof(un->sun_path) - 1), un->sun_path + 1);
		return buf;
	}
	if (sa->sa_family == AF_INET) {
		const void *a = &((const struct sockaddr_in *)sa)->sin_addr;

		/* straight into buf when it is large enough (the usual case) */
		if (len >= INET_ADDRSTRLEN &&
		    inet_ntop(AF_INET, a, buf, (socklen_t)len) != NULL)
			return buf;
		inet_ntop(AF_INET, a, tmp, sizeof(tmp));
		snprintf(buf, len, "%s", tmp);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		char ifn[IF_NAMESIZE];

		inet_ntop(AF_INET6, &s6->sin6_addr, tmp, sizeof(tmp));
		if (s6->sin6_scope_id != 0 &&
		    if_indextoname(s6->sin6_scope_id, ifn) != NULL)
			snprintf(buf, len, "%s%%%s", tmp, ifn);
		else
			snprintf(buf, len, "%s", tmp);
	} else
		snprintf(buf, len, "?");
	return buf;
}

char *
sa_fmt(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[ADDRSTR_MAX];

	if (sa->sa_family == AF_UNIX) {
		/* a name from outside: escaped (sa_fmt_host() is the raw one) */
		sa_fmt_host(sa, host, sizeof(host));
		return esc_str(host, buf, len);
	}
	sa_fmt_host(sa, host, sizeof(host));
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", host, sa_port(sa));
	else
		snprintf(buf, len, "%s:%d", host, sa_port(sa));
	return buf;
}

int
sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return -1;
}

void
sa_set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

socklen_t
sa_len(const struct sockaddr *sa)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t off = offsetof(struct sockaddr_un, sun_path);

	switch (sa->sa_family) {
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	case AF_UNIX:
		if (un->sun_path[0] != '\0')
			return (socklen_t)(off + strnlen(un->sun_path,
			    sizeof(un->sun_path) - 1) + 1);
		/* abstract: a NUL, then the name (no NUL of its own) */
		return (socklen_t)(off + 1 + strnlen(un->sun_path + 1,
		    sizeof(un->sun_path) - 1));
	default:
		return sizeof(struct sockaddr_in);
	}
}

int
sa_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

int
sa_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) &&
		    a->s6_addr[12] == 127);
	}
	return 0;
}

int
sa_is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

int
sa_listens_for(const struct sockaddr *l, const struct sockaddr *d,
    int *via_v6any)
{
	const struct in6_addr *l6;

	*via_v6any = 0;
	if (l->sa_family == d->sa_family)
		return sa_is_wildcard(l) || sa_same_addr(l, d);
	if (l->sa_family != AF_INET6 || d->sa_family != AF_INET)
		return 0;
	if (sa_is_wildcard(l)) {
		*via_v6any = 1;
		return 1;
	}
	l6 = &((const struct sockaddr_in6 *)l)->sin6_addr;
	/* ::ffff:a.b.c.d: the IPv4 address in its last four bytes */
	return IN6_IS_ADDR_V4MAPPED(l6) && memcmp(l6->s6_addr + 12,
	    &((const struct sockaddr_in *)d)->sin_addr, 4) == 0;
}

const char *
family_name(int af)
{
	if (af == AF_INET)
		return "ipv4";
	if (af == AF_INET6)
		return "ipv6";
	if (af == AF_UNIX)
		return "unix";
	return NULL;
}

int
sa_from_numeric(const char *host, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char buf[HOST_MAX], ebuf[200];
	char *pct;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", host);
	pct = strchr(buf, '%');
	if (pct != NULL)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		/* ep_parse() checked the scope; an interface gone since
		 * leaves it 0 (connect then fails), never a guess */
		if (pct != NULL && sa_scope_parse(pct, &s6->sin6_addr,
		    &s6->sin6_scope_id, ebuf, sizeof(ebuf)) == -1)
			s6->sin6_scope_id = 0;
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	return -1;
}

void
sa_set_raw(struct sockaddr_storage *ss, int family, const void *raw,
    uint16_t nport)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = nport;
		memcpy(&s4->sin_addr, raw, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = nport;
		memcpy(&s6->sin6_addr, raw, 16);
	}
}
