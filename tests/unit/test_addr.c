/* lib/base/addr's address predicates and sa_len() for every family. */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "addr.h"
#include "unit.h"

static struct sockaddr_storage
num(const char *host, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (sa_from_numeric(host, port, &ss) == -1)
		ss.ss_family = AF_UNSPEC;
	return ss;
}

#define SA(x)	((const struct sockaddr *)&(x))

static void
test_len(void)
{
	struct sockaddr_storage a4 = num("127.0.0.1", 1), a6 = num("::1", 1);
	struct sockaddr_un un;
	size_t off = offsetof(struct sockaddr_un, sun_path);

	CHECK(sa_len(SA(a4)) == sizeof(struct sockaddr_in));
	CHECK(sa_len(SA(a6)) == sizeof(struct sockaddr_in6));
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	strcpy(un.sun_path, "/run/app.sock");
	CHECK(sa_len((struct sockaddr *)&un) == off + 14);
	/* abstract "@app": a NUL, then the name without one */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path + 1, "app", 3);
	CHECK(sa_len((struct sockaddr *)&un) == off + 4);
	/* a path that fills sun_path all but its NUL */
	memset(un.sun_path, 'x', sizeof(un.sun_path) - 1);
	un.sun_path[sizeof(un.sun_path) - 1] = '\0';
	CHECK(sa_len((struct sockaddr *)&un) == sizeof(un));
}

static void
test_predicates(void)
{
	struct sockaddr_storage lo = num("127.0.0.1", 80), lo2 = num(
	    "127.0.0.2", 81), any4 = num("0.0.0.0", 0), any6 = num("::", 0),
	    lo6 = num("::1", 0), m4 = num("::ffff:127.0.0.1", 0),
	    m4o = num("::ffff:198.51.100.1", 0), o4 = num("198.51.100.1", 0),
	    o6 = num("2001:db8::1", 0);
	struct sockaddr_un un;
	int v = -1;

	CHECK(sa_same_addr(SA(lo), SA(lo)) == 1);
	CHECK(sa_same_addr(SA(lo), SA(lo2)) == 0);
	CHECK(sa_same_addr(SA(lo), SA(lo6)) == 0);	/* families differ */
	CHECK(sa_same_addr(SA(o6), SA(o6)) == 1);

	CHECK(sa_is_loopback(SA(lo)) == 1);
	CHECK(sa_is_loopback(SA(lo2)) == 1);		/* all of 127/8 */
	CHECK(sa_is_loopback(SA(lo6)) == 1);
	CHECK(sa_is_loopback(SA(m4)) == 1);
	CHECK(sa_is_loopback(SA(o4)) == 0);
	CHECK(sa_is_loopback(SA(m4o)) == 0);

	CHECK(sa_is_wildcard(SA(any4)) == 1);
	CHECK(sa_is_wildcard(SA(any6)) == 1);
	CHECK(sa_is_wildcard(SA(lo)) == 0);
	CHECK(sa_is_wildcard(SA(lo6)) == 0);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	CHECK(sa_is_wildcard((struct sockaddr *)&un) == 0);
	CHECK(sa_is_loopback((struct sockaddr *)&un) == 0);
	CHECK(sa_same_addr((struct sockaddr *)&un, (struct sockaddr *)&un) ==
	    0);

	/* a listener on l takes d */
	CHECK(sa_listens_for(SA(any4), SA(lo), &v) == 1 && v == 0);
	CHECK(sa_listens_for(SA(lo), SA(lo), &v) == 1 && v == 0);
	CHECK(sa_listens_for(SA(lo2), SA(lo), &v) == 0);
	CHECK(sa_listens_for(SA(any6), SA(lo6), &v) == 1 && v == 0);
	/* [::] takes IPv4 unless it is v6-only */
	CHECK(sa_listens_for(SA(any6), SA(lo), &v) == 1 && v == 1);
	/* an IPv4-mapped listener takes its IPv4 address only */
	CHECK(sa_listens_for(SA(m4), SA(lo), &v) == 1 && v == 0);
	CHECK(sa_listens_for(SA(m4), SA(lo2), &v) == 0);
	/* IPv4 never takes IPv6 */
	CHECK(sa_listens_for(SA(any4), SA(lo6), &v) == 0);
	CHECK(sa_listens_for(SA(lo6), SA(lo), &v) == 0);
}

int
main(void)
{
	test_len();
	test_predicates();
	return UNIT_DONE("addr");
}
