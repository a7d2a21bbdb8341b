/* libFuzzer target: endpoint and port parsing never crash, and accept only
 * what they report as valid; a Unix path or abstract name never exceeds
 * sun_path; an accepted IPv6 scope names an interface of this machine on a
 * link-local address; an accepted host that ends in a number is a
 * dotted-quad IPv4 address (never an inet_aton shorthand). */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What ep_parse() let through as a host holds to the literal rules. */
static void
check_host(const char *h)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
	char ifn[IF_NAMESIZE];

	if (ep_ipv4_shorthand(h))
		abort();
	if (strchr(h, '%') == NULL)
		return;
	/* a scope only on IPv6, resolved to an interface that exists */
	if (sa_from_numeric(h, 80, &ss) == -1 || ss.ss_family != AF_INET6 ||
	    s6->sin6_scope_id == 0 ||
	    if_indextoname(s6->sin6_scope_id, ifn) == NULL ||
	    !(IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) ||
	    IN6_IS_ADDR_MC_LINKLOCAL(&s6->sin6_addr) ||
	    IN6_IS_ADDR_MC_NODELOCAL(&s6->sin6_addr)))
		abort();
}

/* The scope parser alone, on a link-local and on a global address. */
static void
check_scope(const char *scope)
{
	struct in6_addr ll, gl;
	char err[256], ifn[IF_NAMESIZE];
	uint32_t idx;

	inet_pton(AF_INET6, "fe80::1", &ll);
	inet_pton(AF_INET6, "2001:db8::1", &gl);
	err[0] = '\0';
	if (sa_scope_parse(scope, &ll, &idx, err, sizeof(err)) == 0) {
		if (idx == 0 || if_indextoname(idx, ifn) == NULL)
			abort();
	} else if (err[0] == '\0' || idx != 0)
		abort();
	if (sa_scope_parse(scope, &gl, &idx, err, sizeof(err)) == 0)
		abort();		/* never on a global address */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct endpoint ep;
	char err[256], *s, *sep;
	int port;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ep_parse(s, EP_PORT_ONLY, &ep, err, sizeof(err)) == 0) {
		if (ep.port < 0 || ep.port > 65535 || strlen(ep.host) >= HOST_MAX)
			abort();
		if (!ep.is_unix)
			check_host(ep.host);
		/* a Unix name fits sun_path (an abstract one after its NUL,
		 * written with its '@'), and its address can be made */
		if (ep.is_unix) {
			struct sockaddr_storage ss;

			if (ep.host[0] == '\0' || strlen(ep.host) >
			    UNIX_PATH_LIMIT + (ep.host[0] == '@') ||
			    sa_from_unix(ep.host, &ss) == -1)
				abort();
		}
	} else if (err[0] == '\0')
		abort();		/* a failure always explains itself */
	if (ep_parse(s, EP_UDP, &ep, err, sizeof(err)) == 0 &&
	    ep.host[0] == '\0')
		abort();		/* without EP_PORT_ONLY a host is required */
	/* the two-argument form: split at the first space */
	sep = strchr(s, ' ');
	if (sep != NULL) {
		*sep = '\0';
		if (ep_parse2(s, sep + 1, 0, &ep, err, sizeof(err)) == 0) {
			if (ep.port < 0 || ep.port > 65535)
				abort();
			check_host(ep.host);
		}
	}
	check_scope(s);
	if (port_parse(s, 0, &port, err, sizeof(err)) == 0 &&
	    (port < 0 || port > 65535))
		abort();
	free(s);
	return 0;
}
