/*
 * sysinfo against the fixture trees tests/fixtures/proc[1-4] (FIXTURES
 * overrides the directory), and the local address checks against this
 * machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "addr.h"
#include "sysinfo.h"
#include "unit.h"

static char fx[1024];

static const char *
root(const char *name)
{
	static char buf[4][1100];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fx, name);
	return buf[i];
}

static void
test_sysctls(void)
{
	long v = -7;
	int a = -7, b = -7;

	CHECK(si_read_long(root("proc1"), "sys/fs/file-max", &v) == 0);
	CHECK(v == 2466177);
	CHECK(si_read_long(root("proc1"), "no/such/file", &v) == -1);
	CHECK(errno == ENOENT);
	/* "477\t0\t2466177" is not one integer */
	CHECK(si_read_long(root("proc1"), "sys/fs/file-nr", &v) == -1);
	CHECK(si_read_long(root("proc3"),
	    "sys/net/ipv4/ip_unprivileged_port_start", &v) == -1);

	CHECK(si_unpriv_port_start(root("proc1"), &a) == 0 && a == 1024);
	CHECK(si_unpriv_port_start(root("proc2"), &a) == 0 && a == 80);
	CHECK(si_unpriv_port_start(root("proc3"), &a) == -1);
	CHECK(si_unpriv_port_start(root("proc4"), &a) == -1);

	CHECK(si_local_port_range(root("proc1"), &a, &b) == 0);
	CHECK(a == 32768 && b == 60999);
	CHECK(si_local_port_range(root("proc2"), &a, &b) == 0);
	CHECK(a == 1024 && b == 65535);
	/* lo > hi */
	CHECK(si_local_port_range(root("proc3"), &a, &b) == -1);
	CHECK(si_local_port_range(root("proc4"), &a, &b) == -1);

	CHECK(si_ipv6_disabled(root("proc1")) == 0);
	CHECK(si_ipv6_disabled(root("proc2")) == 1);	/* the sysctl */
	CHECK(si_ipv6_disabled(root("proc3")) == 1);	/* no if_inet6 */
	CHECK(si_ipv6_disabled(root("proc4")) == 1);
}

static void
test_reserved(void)
{
	char buf[64];

	/* "8080,9000-9010" */
	CHECK(si_port_reserved(root("proc1"), 8080, buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "8080,9000-9010");
	CHECK(si_port_reserved(root("proc1"), 9000, buf, sizeof(buf)) == 1);
	CHECK(si_port_reserved(root("proc1"), 9005, buf, sizeof(buf)) == 1);
	CHECK(si_port_reserved(root("proc1"), 9010, buf, sizeof(buf)) == 1);
	CHECK(si_port_reserved(root("proc1"), 9011, buf, sizeof(buf)) == 0);
	CHECK(si_port_reserved(root("proc1"), 8999, buf, sizeof(buf)) == 0);
	CHECK(si_port_reserved(root("proc1"), 808, buf, sizeof(buf)) == 0);
	CHECK(si_port_reserved(root("proc1"), 80, buf, sizeof(buf)) == 0);
	/* a short buffer keeps what fits, the answer still counts all */
	CHECK(si_port_reserved(root("proc1"), 9010, buf, 6) == 1);
	CHECK_STR(buf, "8080,");
	CHECK(si_port_reserved(root("proc1"), 9010, NULL, 0) == 1);
	/* empty list */
	CHECK(si_port_reserved(root("proc2"), 8080, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
	/* malformed: "80,,90" and "1-" */
	CHECK(si_port_reserved(root("proc3"), 80, buf, sizeof(buf)) == -1);
	CHECK(si_port_reserved(root("proc4"), 1, buf, sizeof(buf)) == -1);
	/* missing */
	CHECK(si_port_reserved(root("nonexistent"), 1, buf, sizeof(buf)) ==
	    -1);
	CHECK_STR(buf, "");
}

static void
test_caps(void)
{
	CHECK(si_cap_net_bind(root("proc1")) == 1);	/* 000001fffeffffff */
	CHECK(si_cap_net_bind(root("proc2")) == 0);	/* 0 */
	CHECK(si_cap_net_bind(root("proc3")) == 0);	/* bit 10 clear */
	CHECK(si_cap_net_bind(root("proc4")) == -1);	/* "zz" */
	CHECK(si_cap_net_bind(root("nonexistent")) == -1);
	/* this process, as root, has it unless a container took it away */
	CHECK(si_cap_net_bind("/proc") >= 0);
}

static void
test_fds(void)
{
	struct si_fds f;
	struct rlimit rl;

	si_fd_limits(root("proc1"), &f);
	CHECK(f.sys_used == 477);
	CHECK(f.sys_max == 2466177);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(f.soft == (rl.rlim_cur == RLIM_INFINITY ? LONG_MAX :
	    (long)rl.rlim_cur));
	CHECK(f.hard >= f.soft);
	si_fd_limits(root("proc2"), &f);
	CHECK(f.sys_used == -1 && f.sys_max == -1);
	CHECK(f.soft > 0);
}

static int
local(const char *host)
{
	struct sockaddr_storage ss;

	if (sa_from_numeric(host, 4242, &ss) == -1)
		return -9;
	return si_is_local((struct sockaddr *)&ss);
}

static void
test_local(void)
{
	struct si_ifaddr a[64];
	char host[ADDRSTR_MAX];
	int n, lo = 0;

	n = si_local_addrs(a, 64);
	CHECK(n >= 1);
	for (int i = 0; i < n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&a[i].addr;

		CHECK(sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
		CHECK(sa_port(sa) == 0);
		CHECK(si_is_local(sa) == 1);
		sa_fmt_host(sa, host, sizeof(host));
		if (strcmp(host, "127.0.0.1") == 0) {
			lo++;
			CHECK_STR(a[i].ifname, "lo");
			CHECK(a[i].up == 1);
		}
	}
	CHECK(lo == 1);
	CHECK(si_local_addrs(a, 1) == 1);
	CHECK(si_local_addrs(a, 0) == 0);

	CHECK(local("127.0.0.1") == 1);
	CHECK(local("127.0.0.2") == 1);		/* all of 127/8 is lo's */
	CHECK(local("0.0.0.0") == 1);
	CHECK(local("::") == 1);
	CHECK(local("::ffff:127.0.0.1") == 1);
	CHECK(local("::ffff:0.0.0.0") == 1);
	CHECK(local("192.0.2.1") == 0);		/* TEST-NET-1 */
	CHECK(local("2001:db8::1") == 0);
	CHECK(local("::ffff:192.0.2.1") == 0);
	CHECK(local("8.8.8.8") == 0);
	/* ::1 is local when IPv6 is up on lo */
	if (si_ipv6_disabled("/proc") == 0)
		CHECK(local("::1") == 1);
}

static void
test_resolv(void)
{
	char buf[128];
	char p[1100];

	snprintf(p, sizeof(p), "%s/resolv.conf.multi", fx);
	CHECK(si_nameservers(p, buf, sizeof(buf)) == 3);
	CHECK_STR(buf, "192.0.2.53, 2001:db8::53, 198.51.100.1");
	/* a short buffer: the count is still all of them */
	CHECK(si_nameservers(p, buf, 16) == 3);
	CHECK(strlen(buf) == 15);
	CHECK(strncmp(buf, "192.0.2.53, 200", 15) == 0);
	CHECK(si_nameservers(p, NULL, 0) == 3);
	snprintf(p, sizeof(p), "%s/resolv.conf.none", fx);
	CHECK(si_nameservers(p, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
	snprintf(p, sizeof(p), "%s/no-such-resolv.conf", fx);
	CHECK(si_nameservers(p, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
}

static void
test_routes(void)
{
	int v4 = -7, v6 = -7;

	/* an IPv4 default via 198.51.100.1; IPv6 only link-local and the
	 * kernel's null entry (::/0 on lo, RTF_REJECT) */
	CHECK(si_default_routes(root("routes-v4only"), &v4, &v6) == 0);
	CHECK(v4 == 1 && v6 == 0);
	CHECK(si_default_routes(root("routes-dual"), &v4, &v6) == 0);
	CHECK(v4 == 1 && v6 == 1);
	/* an unreachable default (RTF_REJECT) is none; no ipv6_route */
	CHECK(si_default_routes(root("routes-none"), &v4, &v6) == 0);
	CHECK(v4 == 0 && v6 == -1);
	CHECK(si_default_routes(root("nonexistent"), &v4, &v6) == -1);
	CHECK(v4 == -1 && v6 == -1);
	/* this machine: each table read, or not there */
	CHECK(si_default_routes("/proc", &v4, &v6) == 0);
	CHECK(v4 >= 0);
}

static void
test_links(void)
{
	struct sockaddr_storage ss;
	char ifn[IF_NAMESIZE] = "";

	/* tests/fixtures/evconn/net/arp: .2 complete, .3 incomplete */
	CHECK(sa_from_numeric("198.51.100.2", 80, &ss) == 0);
	CHECK(si_arp_state(root("evconn"), (struct sockaddr *)&ss) == 1);
	CHECK(sa_from_numeric("198.51.100.3", 80, &ss) == 0);
	CHECK(si_arp_state(root("evconn"), (struct sockaddr *)&ss) == 0);
	CHECK(sa_from_numeric("198.51.100.4", 80, &ss) == 0);
	CHECK(si_arp_state(root("evconn"), (struct sockaddr *)&ss) == -1);
	CHECK(si_arp_state(root("nonexistent"), (struct sockaddr *)&ss) ==
	    -2);
	CHECK(sa_from_numeric("2001:db8::1", 80, &ss) == 0);
	CHECK(si_arp_state(root("evconn"), (struct sockaddr *)&ss) == -2);
	/* loopback is never "on link": no neighbour lookup reaches it */
	CHECK(sa_from_numeric("127.0.0.1", 80, &ss) == 0);
	CHECK(si_on_link((struct sockaddr *)&ss, ifn, sizeof(ifn)) == 0);
	CHECK(si_loopback_up() >= 0);
	/* this process holds stdin, stdout, stderr at least */
	CHECK(si_fds_open("/proc", 1L << 20) >= 3);
	CHECK(si_fds_open("/proc", 1) <= 1);
	CHECK(si_fds_open(root("nonexistent"), 1024) == -1);
}

int
main(void)
{
	const char *e = getenv("FIXTURES");

	snprintf(fx, sizeof(fx), "%s", e != NULL && *e != '\0' ? e :
	    "tests/fixtures");
	test_sysctls();
	test_reserved();
	test_caps();
	test_fds();
	test_local();
	test_resolv();
	test_routes();
	test_links();
	return UNIT_DONE("sysinfo");
}
