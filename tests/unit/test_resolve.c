/*
 * lib/core/resolve's address lists over addrinfo chains made here (no lookup):
 * IPv4/IPv6 only, each address once, the port set, and RFC 8305's
 * alternating order starting with the resolver's first family.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "addr.h"
#include "resolve.h"
#include "unit.h"

#define NAI	8

static struct addrinfo ai[NAI];
static struct sockaddr_storage ss[NAI];

/* Builds a chain from numeric addresses ("unix" for an AF_UNIX entry). */
static struct addrinfo *
chain(const char **addrs, int n)
{
	for (int i = 0; i < n; i++) {
		memset(&ai[i], 0, sizeof(ai[i]));
		memset(&ss[i], 0, sizeof(ss[i]));
		if (strcmp(addrs[i], "unix") == 0)
			ss[i].ss_family = AF_UNIX;
		else
			CHECK(sa_from_numeric(addrs[i], 0, &ss[i]) == 0);
		ai[i].ai_family = ss[i].ss_family;
		ai[i].ai_addr = (struct sockaddr *)&ss[i];
		ai[i].ai_addrlen = sa_len((struct sockaddr *)&ss[i]);
		ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
	}
	return &ai[0];
}

static void
expect_order(struct sockaddr_storage *out, int n, const char **want, int nw)
{
	char buf[ADDRSTR_MAX];

	CHECK(n == nw);
	for (int i = 0; i < n && i < nw; i++)
		CHECK_STR(sa_fmt((struct sockaddr *)&out[i], buf, sizeof(buf)),
		    want[i]);
}

int
main(void)
{
	struct sockaddr_storage out[NAI];
	const char *a[] = { "::1", "127.0.0.1", "unix", "::1", "127.0.0.2",
	    "2001:db8::1" };
	const char *all[] = { "[::1]:80", "127.0.0.1:80", "127.0.0.2:80",
	    "[2001:db8::1]:80" };
	const char *mixed[] = { "[::1]:80", "127.0.0.1:80", "[2001:db8::1]:80",
	    "127.0.0.2:80" };
	const char *b[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3", "::1" };
	const char *b_mixed[] = { "127.0.0.1:7", "[::1]:7", "127.0.0.2:7",
	    "127.0.0.3:7" };
	const char *u[] = { "unix" };

	/* the resolver's order, a repeat and a non-IP entry left out */
	expect_order(out, rs_addrs(chain(a, 6), 80, out, NAI), all, 4);
	expect_order(out, rs_interleave(chain(a, 6), 80, out, NAI), mixed, 4);
	expect_order(out, rs_interleave(chain(b, 4), 7, out, NAI), b_mixed, 4);
	/* at most max, and nothing usable is 0 */
	CHECK(rs_addrs(chain(a, 6), 80, out, 2) == 2);
	CHECK(rs_interleave(chain(b, 4), 7, out, 1) == 1);
	CHECK(rs_addrs(chain(u, 1), 80, out, NAI) == 0);
	CHECK(rs_interleave(chain(u, 1), 80, out, NAI) == 0);
	CHECK(rs_addrs(NULL, 80, out, NAI) == 0);
	return UNIT_DONE("resolve");
}
