/*
 * lib/kernel/procnet against the fixture tree tests/fixtures/proc1 (FIXTURES
 * overrides the directory), and once against the real /proc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "procnet.h"
#include "unit.h"

static char root1[1024], root2[1024], root5[1024];

static const char *
host_of(const struct sockaddr_storage *ss)
{
	static char buf[4][ADDRSTR_MAX];
	static int i;

	i = (i + 1) % 4;
	return sa_fmt((const struct sockaddr *)ss, buf[i], sizeof(buf[i]));
}

static void
test_parse_line(void)
{
	struct pn_sock s;

	CHECK(pn_parse_line("  sl  local_address rem_address   st tx_queue "
	    "rx_queue tr tm->when retrnsmt   uid  timeout inode", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   0: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000003 00:00000000 00000000  1000        0 1001 1 "
	    "0000000000000000 100 0 0 10 0\n", AF_INET, IPPROTO_TCP, &s) == 0);
	CHECK_STR(host_of(&s.local), "127.0.0.1:8080");
	CHECK_STR(host_of(&s.remote), "0.0.0.0:0");
	CHECK(s.proto == IPPROTO_TCP);
	CHECK(s.state == PN_LISTEN);
	CHECK(s.uid == 1000);
	CHECK(s.inode == 1001);
	CHECK(s.rxq == 3 && s.txq == 0);

	/* IPv6: four words, each in host order */
	CHECK(pn_parse_line("   0: 00000000000000000000000001000000:1F90 "
	    "00000000000000000000000000000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000     0        0 9 1 0 100 0 0 10 0",
	    AF_INET6, IPPROTO_TCP, &s) == 0);
	CHECK_STR(host_of(&s.local), "[::1]:8080");
	CHECK_STR(host_of(&s.remote), "[::]:0");
	CHECK(pn_parse_line("   2: 0000000000000000FFFF00000100007F:1F91 "
	    "00000000000000000000000000000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000  1000        0 1005 1 0", AF_INET6,
	    IPPROTO_TCP, &s) == 0);
	CHECK_STR(host_of(&s.local), "[::ffff:127.0.0.1]:8081");
	CHECK(pn_parse_line("   3: B80D0120000000000000000001000000:01BB "
	    "00000000000000000000000000000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000     0        0 7000 1 0", AF_INET6,
	    IPPROTO_TCP, &s) == 0);
	CHECK_STR(host_of(&s.local), "[2001:db8::1]:443");

	/* a v4 line is no v6 line and the other way round */
	CHECK(pn_parse_line("   0: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_INET6,
	    IPPROTO_TCP, &s) == -1);
	/* malformed and truncated lines */
	CHECK(pn_parse_line("", AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("\n", AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("hello world", AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   6: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000", AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   6: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007G:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F9 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 -1 1", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 "
	    "99999999999999999999999 1", AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 4294967296 0 1 1",
	    AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F90 00000000:0000 FF "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("x5: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_INET,
	    IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line(NULL, AF_INET, IPPROTO_TCP, &s) == -1);
	CHECK(pn_parse_line("   5: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000 0 0 1 1", AF_UNIX,
	    IPPROTO_TCP, &s) == -1);
	/* the minimum: ten fields */
	CHECK(pn_parse_line("5: 0100007f:1f90 00000000:0000 0a "
	    "00000000:00000000 00:00000000 00000000 0 0 1", AF_INET,
	    IPPROTO_UDP, &s) == 0);
	CHECK(s.proto == IPPROTO_UDP && s.inode == 1);
}

static void
test_state_names(void)
{
	CHECK_STR(pn_state_name(IPPROTO_TCP, PN_LISTEN), "LISTEN");
	CHECK_STR(pn_state_name(IPPROTO_TCP, PN_TIME_WAIT), "TIME_WAIT");
	CHECK_STR(pn_state_name(IPPROTO_TCP, PN_ESTABLISHED), "ESTAB");
	CHECK_STR(pn_state_name(IPPROTO_TCP, PN_CLOSE_WAIT), "CLOSE_WAIT");
	CHECK_STR(pn_state_name(IPPROTO_TCP, PN_NEW_SYN_RECV), "NEW_SYN_RECV");
	CHECK_STR(pn_state_name(IPPROTO_TCP, 0), "?");
	CHECK_STR(pn_state_name(IPPROTO_TCP, 13), "?");
	CHECK_STR(pn_state_name(IPPROTO_TCP, -1), "?");
	CHECK_STR(pn_state_name(IPPROTO_UDP, 7), "UNCONN");
	CHECK_STR(pn_state_name(IPPROTO_UDP, 1), "ESTAB");
	CHECK_STR(pn_state_name(IPPROTO_UDP, PN_LISTEN), "?");
}

struct seen {
	int	n;
	char	addr[16][ADDRSTR_MAX];
	int	state[16];
	unsigned long inode[16];
	int	stop_after;
};

static int
record(const struct pn_sock *s, void *arg)
{
	struct seen *sn = arg;

	if (sn->n < 16) {
		sa_fmt((const struct sockaddr *)&s->local, sn->addr[sn->n],
		    sizeof(sn->addr[0]));
		sn->state[sn->n] = s->state;
		sn->inode[sn->n] = s->inode;
	}
	sn->n++;
	return sn->stop_after > 0 && sn->n >= sn->stop_after;
}

static void
test_scan(void)
{
	struct seen sn;

	/* every good line of tcp and tcp6; the bad ones are skipped */
	memset(&sn, 0, sizeof(sn));
	CHECK(pn_scan(root1, IPPROTO_TCP, -1, record, &sn) == 0);
	CHECK(sn.n == 9);
	for (int i = 0; i < sn.n && i < 16; i++)
		/* 5001-5006: the malformed lines */
		CHECK(sn.inode[i] < 5001 || sn.inode[i] > 5006);

	/* the port filter: 8080 is 3 IPv4 sockets and one IPv6 */
	memset(&sn, 0, sizeof(sn));
	CHECK(pn_scan(root1, IPPROTO_TCP, 8080, record, &sn) == 0);
	CHECK(sn.n == 4);
	CHECK_STR(sn.addr[0], "127.0.0.1:8080");
	CHECK(sn.state[0] == PN_LISTEN && sn.inode[0] == 1001);
	CHECK(sn.state[1] == PN_TIME_WAIT && sn.inode[1] == 0);
	CHECK(sn.state[2] == PN_ESTABLISHED);
	CHECK_STR(sn.addr[3], "[::1]:8080");

	memset(&sn, 0, sizeof(sn));
	CHECK(pn_scan(root1, IPPROTO_TCP, 22, record, &sn) == 0);
	CHECK(sn.n == 2);
	CHECK_STR(sn.addr[0], "0.0.0.0:22");
	CHECK_STR(sn.addr[1], "[::]:22");

	memset(&sn, 0, sizeof(sn));
	CHECK(pn_scan(root1, IPPROTO_TCP, 12345, record, &sn) == 0);
	CHECK(sn.n == 0);

	/* fn stops the scan */
	memset(&sn, 0, sizeof(sn));
	sn.stop_after = 2;
	CHECK(pn_scan(root1, IPPROTO_TCP, -1, record, &sn) == 0);
	CHECK(sn.n == 2);

	/* UDP: both tables */
	memset(&sn, 0, sizeof(sn));
	CHECK(pn_scan(root1, IPPROTO_UDP, 53, record, &sn) == 0);
	CHECK(sn.n == 2);
	CHECK_STR(sn.addr[0], "0.0.0.0:53");
	CHECK_STR(sn.addr[1], "[::1]:53");
	CHECK(sn.state[0] == 7);

	/* no table at all */
	errno = 0;
	CHECK(pn_scan(root2, IPPROTO_TCP, -1, record, &sn) == -1);
	CHECK(errno == ENOENT);
	CHECK(pn_scan(root1, IPPROTO_ICMP, -1, record, &sn) == -1);
}

static const struct pn_holder *
by_inode(const struct pn_holder *h, int n, unsigned long ino)
{
	for (int i = 0; i < n; i++)
		if (h[i].sock.inode == ino)
			return &h[i];
	return NULL;
}

static void
test_holders(void)
{
	struct pn_holder h[8];
	const struct pn_holder *x;
	char user[64];
	int n, unr = -1;

	/* port 8080: a listener owned by python3 (two fds, one owner) */
	n = pn_port_holders(root1, IPPROTO_TCP, 8080, h, 8, &unr);
	CHECK(n == 4);
	CHECK(unr == 0);
	if ((x = by_inode(h, n, 1001)) != NULL) {
		CHECK(x->sock.state == PN_LISTEN);
		CHECK(x->nowners == 1);
		CHECK(x->owners[0].pid == 1234);
		CHECK_STR(x->owners[0].comm, "python3");
		CHECK(x->owners[0].uid == 1000);
		pn_user(1000, user, sizeof(user));
		CHECK_STR(x->owners[0].user, user);
		CHECK_STR(x->user, user);
	} else
		CHECK(!"inode 1001 missing");
	/* TIME_WAIT: inode 0, no owner */
	if ((x = by_inode(h, n, 0)) != NULL) {
		CHECK(x->sock.state == PN_TIME_WAIT);
		CHECK(x->nowners == 0);
	} else
		CHECK(!"TIME_WAIT socket missing");
	x = by_inode(h, n, 1003);
	CHECK(x != NULL && x->nowners == 1 && x->owners[0].pid == 1234);
	x = by_inode(h, n, 1004);
	CHECK(x != NULL && x->nowners == 1 && x->sock.txq == 16);

	/* a listener no process here owns */
	n = pn_port_holders(root1, IPPROTO_TCP, 9090, h, 8, &unr);
	CHECK(n == 1);
	CHECK(h[0].sock.inode == 3000 && h[0].nowners == 0);
	CHECK_STR(h[0].user, "root");

	/* shared by pre-forked workers; real uid, not effective */
	n = pn_port_holders(root1, IPPROTO_TCP, 22, h, 8, &unr);
	CHECK(n == 2);
	x = by_inode(h, n, 2000);
	CHECK(x != NULL && x->nowners == 5 && x->nmore == 0);
	x = by_inode(h, n, 2001);
	if (x != NULL) {
		CHECK(x->nowners == 2);
		for (int k = 0; k < x->nowners; k++) {
			CHECK_STR(x->owners[k].comm, "nginx");
			if (x->owners[k].pid == 201)
				CHECK(x->owners[k].uid == 33);
			else
				CHECK(x->owners[k].pid == 200 &&
				    x->owners[k].uid == 0);
		}
	} else
		CHECK(!"inode 2001 missing");

	/* IPv4-mapped IPv6 and a global IPv6 address */
	n = pn_port_holders(root1, IPPROTO_TCP, 8081, h, 8, &unr);
	CHECK(n == 1 && h[0].nowners == 1 && h[0].owners[0].pid == 1234);
	CHECK_STR(host_of(&h[0].sock.local), "[::ffff:127.0.0.1]:8081");
	n = pn_port_holders(root1, IPPROTO_TCP, 443, h, 8, &unr);
	CHECK(n == 1 && h[0].nowners == 1);
	CHECK_STR(h[0].owners[0].comm, "caddy");

	/* UDP */
	n = pn_port_holders(root1, IPPROTO_UDP, 53, h, 8, &unr);
	CHECK(n == 2);
	CHECK(n == 2 && h[0].nowners == 1 && h[1].nowners == 1);
	CHECK_STR(h[0].owners[0].comm, "dnsmasq");
	CHECK_STR(pn_state_name(h[0].sock.proto, h[0].sock.state), "UNCONN");

	/* nothing on the port */
	CHECK(pn_port_holders(root1, IPPROTO_TCP, 1, h, 8, &unr) == 0);

	/* a short list keeps the listeners over TIME_WAIT and ESTAB */
	n = pn_port_holders(root1, IPPROTO_TCP, 8080, h, 2, &unr);
	CHECK(n == 2);
	CHECK(by_inode(h, n, 1001) != NULL && by_inode(h, n, 1003) != NULL);
	n = pn_port_holders(root1, IPPROTO_TCP, 8080, h, 1, &unr);
	CHECK(n == 1 && h[0].sock.inode == 1001);
	CHECK(pn_port_holders(root1, IPPROTO_TCP, 8080, h, 0, &unr) == -1);

	/* no tables */
	CHECK(pn_port_holders(root2, IPPROTO_TCP, 8080, h, 8, &unr) == -1);

	/* the files do not show IPV6_V6ONLY */
	n = pn_port_holders(root1, IPPROTO_TCP, 22, h, 8, &unr);
	for (int i = 0; i < n; i++)
		CHECK(h[i].sock.v6only == -1);
}

/*
 * A master and 19 workers share one listener: the first PN_MAX_OWNERS
 * are named, the rest counted, none lost; each process once.
 */
static void
test_prefork(void)
{
	struct pn_holder h[4];
	const struct pn_holder *x;
	int n, unr, dup = 0;

	n = pn_port_holders(root5, IPPROTO_TCP, 80, h, 4, &unr);
	CHECK(n == 2);
	if ((x = by_inode(h, n, 6000)) == NULL) {
		CHECK(!"inode 6000 missing");
		return;
	}
	CHECK(x->nowners == PN_MAX_OWNERS);
	CHECK(x->nowners + x->nmore == 20);
	for (int i = 0; i < x->nowners; i++)
		for (int k = i + 1; k < x->nowners; k++)
			dup |= x->owners[i].pid == x->owners[k].pid;
	CHECK(!dup);
	x = by_inode(h, n, 6001);
	CHECK(x != NULL && x->nowners == 1 && x->nmore == 0 &&
	    x->owners[0].pid == 600 && x->sock.v6only == -1);
}

static void
test_user(void)
{
	char buf[64];

	pn_user(0, buf, sizeof(buf));
	CHECK_STR(buf, "root");
	pn_user(4242420u, buf, sizeof(buf));
	CHECK_STR(buf, "4242420");
	pn_user(4242420u, buf, 4);
	CHECK_STR(buf, "424");
}

/*
 * A process whose fd directory we may not read is counted. Root reads
 * every directory, so this only runs for another user.
 */
static void
test_unreadable(void)
{
	char dir[] = "/tmp/procnet-unit.XXXXXX", p[128];
	struct pn_holder h[2];
	FILE *f;
	int unr = -1, n;

	if (geteuid() == 0) {
		fprintf(stderr, "skip: unreadable fd dirs need "
		    "a non-root user\n");
		return;
	}
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(p, sizeof(p), "%s/net", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/net/tcp", dir);
	if ((f = fopen(p, "w")) != NULL) {
		fprintf(f, "   0: 0100007F:1F90 00000000:0000 0A "
		    "00000000:00000000 00:00000000 00000000 0 0 77 1 0\n");
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/77", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/77/fd", dir);
	mkdir(p, 0);
	n = pn_port_holders(dir, IPPROTO_TCP, 8080, h, 2, &unr);
	CHECK(n == 1 && h[0].nowners == 0);
	CHECK(unr == 1);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/77", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/net/tcp", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/net", dir);
	rmdir(p);
	rmdir(dir);
}

struct pick {
	int		 n;
	struct pn_sock	 s;
};

static int
pick_fn(const struct pn_sock *s, void *arg)
{
	struct pick *p = arg;

	p->n++;
	p->s = *s;
	return 0;
}

/*
 * The kernel's answer (root "/proc": NETLINK_SOCK_DIAG) and the file's
 * ("//proc": /proc/net/tcp) name the same socket, state, uid and inode;
 * only the kernel knows a listener's backlog. A state mask leaves out the
 * rest: a connected pair on the port is not a listener.
 */
static void
test_diag_vs_file(int af)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pick nl, file, est;
	int fd, c = -1, port;

	memset(&ss, 0, sizeof(ss));
	memset(&nl, 0, sizeof(nl));
	memset(&file, 0, sizeof(file));
	memset(&est, 0, sizeof(est));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	if ((fd = socket(af, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sa_len((struct sockaddr *)&ss)) ==
	    -1 || listen(fd, 7) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    (c = socket(af, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&ss, sl) == -1) {
		fprintf(stderr, "skip: cannot listen on %s loopback\n",
		    family_name(af));
		if (fd != -1)
			close(fd);
		if (c != -1)
			close(c);
		return;
	}
	port = sa_port((struct sockaddr *)&ss);
	CHECK(pn_scan_states("/proc", IPPROTO_TCP, port, PN_STATE(PN_LISTEN),
	    pick_fn, &nl) == 0);
	CHECK(pn_scan_states("//proc", IPPROTO_TCP, port, PN_STATE(PN_LISTEN),
	    pick_fn, &file) == 0);
	CHECK(nl.n == 1 && file.n == 1);
	CHECK(nl.s.state == PN_LISTEN && file.s.state == PN_LISTEN);
	CHECK_STR(host_of(&nl.s.local), host_of(&file.s.local));
	CHECK(nl.s.inode != 0 && nl.s.inode == file.s.inode);
	CHECK(nl.s.uid == file.s.uid);
	/* one connection waits in the accept queue of backlog 7 */
	CHECK(nl.s.rxq == 1 && file.s.rxq == 1);
	CHECK(nl.s.has_backlog && nl.s.backlog == 7 && !file.s.has_backlog);
	/* every state: the listener and the accepted side of the pair */
	CHECK(pn_scan_states("/proc", IPPROTO_TCP, port, PN_ALL_STATES,
	    pick_fn, &est) == 0);
	CHECK(est.n == 2);
	close(c);
	close(fd);
}

#define MANY	150

struct many {
	int	ports[MANY];
	int	seen[MANY];
};

static int
many_fn(const struct pn_sock *s, void *arg)
{
	struct many *m = arg;
	int port = sa_port((const struct sockaddr *)&s->local);

	for (int i = 0; i < MANY; i++)
		if (m->ports[i] == port)
			m->seen[i]++;
	return 0;
}

/*
 * 150 listeners answer in several netlink datagrams (about 124 bytes
 * each, 8 KiB a read): every one is found, once, as in the files.
 */
static void
test_diag_many(void)
{
	struct many nl, file;
	int fds[MANY], n = 0, nl_ok = 0, file_ok = 0;

	memset(&nl, 0, sizeof(nl));
	for (; n < MANY; n++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fds[n] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			break;
		if (bind(fds[n], (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fds[n], 1) == -1 || getsockname(fds[n],
		    (struct sockaddr *)&sin, &sl) == -1) {
			close(fds[n]);
			break;
		}
		nl.ports[n] = ntohs(sin.sin_port);
	}
	if (n < MANY) {
		fprintf(stderr, "skip: only %d loopback listeners\n", n);
		while (n > 0)
			close(fds[--n]);
		return;
	}
	file = nl;
	CHECK(pn_scan_states("/proc", IPPROTO_TCP, -1, PN_STATE(PN_LISTEN),
	    many_fn, &nl) == 0);
	CHECK(pn_scan_states("//proc", IPPROTO_TCP, -1, PN_STATE(PN_LISTEN),
	    many_fn, &file) == 0);
	for (int i = 0; i < MANY; i++) {
		nl_ok += nl.seen[i] == 1;
		file_ok += file.seen[i] == 1;
	}
	CHECK(nl_ok == MANY);
	CHECK(file_ok == MANY);
	while (n > 0)
		close(fds[--n]);
}

/* The real kernel: a listener of ours is found with our pid. */
static void
test_real_proc(int af)
{
	struct sockaddr_storage ss;
	struct pn_holder h[8];
	socklen_t sl = sizeof(ss);
	char want[ADDRSTR_MAX];
	int fd, n, unr, port, found = 0;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	}
	if ((fd = socket(af, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sa_len((struct sockaddr *)&ss)) ==
	    -1 || listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		fprintf(stderr, "skip: cannot listen on %s loopback\n",
		    family_name(af));
		if (fd != -1)
			close(fd);
		return;
	}
	port = sa_port((struct sockaddr *)&ss);
	sa_fmt((struct sockaddr *)&ss, want, sizeof(want));
	n = pn_port_holders("/proc", IPPROTO_TCP, port, h, 8, &unr);
	CHECK(n >= 1);
	for (int i = 0; i < n; i++) {
		if (h[i].sock.state != PN_LISTEN)
			continue;
		CHECK_STR(host_of(&h[i].sock.local), want);
		CHECK(h[i].nowners == 1 && h[i].owners[0].pid == getpid());
		CHECK(h[i].sock.uid == getuid());
		found++;
	}
	CHECK(found == 1);
	close(fd);
}

/* Listens on [::]:0 with IPV6_V6ONLY v; returns the socket or -1. */
static int
listen6(int v, int *port)
{
	struct sockaddr_in6 s6;
	socklen_t sl = sizeof(s6);
	int fd;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return -1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 ||
	    bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == -1 ||
	    listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&s6, &sl) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(s6.sin6_port);
	return fd;
}

/*
 * sock_diag tells a v6-only [::] listener from a dual-stack one
 * (INET_DIAG_SKV6ONLY, sent unasked for LISTEN); the files cannot.
 */
static void
test_diag_v6only(void)
{
	struct pick nl, file;
	int fd, port, v;

	for (v = 0; v <= 1; v++) {
		if ((fd = listen6(v, &port)) == -1) {
			fprintf(stderr, "skip: cannot listen on [::]\n");
			return;
		}
		memset(&nl, 0, sizeof(nl));
		memset(&file, 0, sizeof(file));
		CHECK(pn_scan_states("/proc", IPPROTO_TCP, port,
		    PN_STATE(PN_LISTEN), pick_fn, &nl) == 0);
		CHECK(pn_scan_states("//proc", IPPROTO_TCP, port,
		    PN_STATE(PN_LISTEN), pick_fn, &file) == 0);
		CHECK(nl.n == 1 && nl.s.v6only == v);
		CHECK(file.n == 1 && file.s.v6only == -1);
		close(fd);
	}
}

int
main(void)
{
	const char *fx = getenv("FIXTURES");

	if (fx == NULL || *fx == '\0')
		fx = "tests/fixtures";
	snprintf(root1, sizeof(root1), "%s/proc1", fx);
	snprintf(root2, sizeof(root2), "%s/proc2", fx);
	snprintf(root5, sizeof(root5), "%s/proc5", fx);
	test_parse_line();
	test_state_names();
	test_scan();
	test_holders();
	test_user();
	test_unreadable();
	test_real_proc(AF_INET);
	test_real_proc(AF_INET6);
	test_diag_vs_file(AF_INET);
	test_diag_vs_file(AF_INET6);
	test_diag_many();
	test_prefork();
	test_diag_v6only();
	return UNIT_DONE("procnet");
}
