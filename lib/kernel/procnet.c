#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "addr.h"
#include "nldiag.h"
#include "esc.h"
#include "procnet.h"

/* A /proc/net/tcp6 line is about 150 bytes; anything past this is junk. */
#define PN_LINE_MAX	1024
/* sl local remote st tx:rx tr:when retrnsmt uid timeout inode */
#define PN_NTOK		10

struct tok {
	const char	*s;
	size_t		 n;
};

const char *
pn_state_name(int proto, int state)
{
	static const char *tcp[] = {
		[PN_ESTABLISHED] = "ESTAB", [PN_SYN_SENT] = "SYN_SENT",
		[PN_SYN_RECV] = "SYN_RECV", [PN_FIN_WAIT1] = "FIN_WAIT1",
		[PN_FIN_WAIT2] = "FIN_WAIT2", [PN_TIME_WAIT] = "TIME_WAIT",
		[PN_CLOSE] = "UNCONN", [PN_CLOSE_WAIT] = "CLOSE_WAIT",
		[PN_LAST_ACK] = "LAST_ACK", [PN_LISTEN] = "LISTEN",
		[PN_CLOSING] = "CLOSING", [PN_NEW_SYN_RECV] = "NEW_SYN_RECV",
	};

	if (proto == IPPROTO_UDP) {
		/* UDP borrows TCP_ESTABLISHED for connected, TCP_CLOSE else */
		if (state == PN_CLOSE)
			return "UNCONN";
		return state == PN_ESTABLISHED ? "ESTAB" : "?";
	}
	if (state <= 0 || state >= (int)(sizeof(tcp) / sizeof(tcp[0])))
		return "?";
	return tcp[state];
}

/* Splits line at blanks into at most max tokens; returns how many. */
static int
tokenize(const char *line, struct tok *t, int max)
{
	const char *p = line;
	int n = 0;

	while (n < max) {
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '\n')
			break;
		t[n].s = p;
		t[n].n = strcspn(p, " \t\n");
		p += t[n].n;
		n++;
	}
	return n;
}

/* Parses exactly n (1..16) hex digits into *v. */
static int
hex_n(const char *s, size_t n, unsigned long long *v)
{
	unsigned long long x = 0;

	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		x = x << 4 | (unsigned long long)d;
	}
	*v = x;
	return 0;
}

/* Parses a token of decimal digits that fits in an unsigned long. */
static int
dec_tok(const struct tok *t, unsigned long *v)
{
	unsigned long x = 0;

	if (t->n == 0 || t->n > 20)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		if (x > (~0UL - 9) / 10)
			return -1;
		x = x * 10 + (unsigned long)(t->s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Parses "HEX:HEX" with a digits before the colon and 1..b after. */
static int
hex_pair(const struct tok *t, size_t a, size_t b, unsigned long long *x,
    unsigned long long *y)
{
	if (t->n < a + 2 || t->n > a + 1 + b || t->s[a] != ':')
		return -1;
	if (hex_n(t->s, a, x) == -1)
		return -1;
	return hex_n(t->s + a + 1, t->n - a - 1, y);
}

/*
 * The kernel prints an address as the 32-bit words of the in-memory
 * (network order) address, each read as a host-order integer and printed
 * with %08X. Storing each parsed word back in host order restores the
 * network-order bytes on any endianness.
 */
static int
parse_addr(const struct tok *t, int family, struct sockaddr_storage *ss)
{
	size_t words = family == AF_INET ? 1 : 4;
	unsigned long long port, w;
	unsigned char raw[16];

	if (t->n != words * 8 + 5 || t->s[words * 8] != ':' ||
	    hex_n(t->s + words * 8 + 1, 4, &port) == -1)
		return -1;
	for (size_t i = 0; i < words; i++) {
		uint32_t v;

		if (hex_n(t->s + i * 8, 8, &w) == -1)
			return -1;
		v = (uint32_t)w;
		memcpy(raw + i * 4, &v, 4);
	}
	sa_set_raw(ss, family, raw, htons((uint16_t)port));
	return 0;
}

int
pn_parse_line(const char *line, int family, int proto, struct pn_sock *s)
{
	struct tok t[PN_NTOK];
	unsigned long long st, tx, rx, a, b;
	unsigned long sl, uid, to, inode;

	if (line == NULL || (family != AF_INET && family != AF_INET6))
		return -1;
	if (tokenize(line, t, PN_NTOK) != PN_NTOK)
		return -1;
	/* "12:", the slot number: the header's "sl" fails here */
	if (t[0].n < 2 || t[0].s[t[0].n - 1] != ':')
		return -1;
	t[0].n--;
	if (dec_tok(&t[0], &sl) == -1)
		return -1;
	memset(s, 0, sizeof(*s));
	s->proto = proto;
	if (parse_addr(&t[1], family, &s->local) == -1 ||
	    parse_addr(&t[2], family, &s->remote) == -1)
		return -1;
	if (t[3].n != 2 || hex_n(t[3].s, 2, &st) == -1 || st == 0 ||
	    st > PN_NEW_SYN_RECV)
		return -1;
	if (hex_pair(&t[4], 8, 16, &tx, &rx) == -1 ||
	    hex_pair(&t[5], 2, 16, &a, &b) == -1 ||
	    hex_n(t[6].s, t[6].n, &a) == -1)
		return -1;
	if (dec_tok(&t[7], &uid) == -1 || uid > 0xffffffffUL ||
	    dec_tok(&t[8], &to) == -1 || dec_tok(&t[9], &inode) == -1)
		return -1;
	s->state = (int)st;
	s->uid = (unsigned)uid;
	s->inode = inode;
	s->txq = (unsigned long)tx;
	s->rxq = (unsigned long)rx;
	s->v6only = -1;
	return 0;
}

/*
 * Reads one line into buf. Returns 1 for a line, 0 at the end, and -2 for
 * a line longer than buf (its rest is skipped).
 */
static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;
	int c;

	if (fgets(buf, (int)len, f) == NULL)
		return 0;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		return 1;
	if (feof(f))
		return 1;
	while ((c = getc(f)) != EOF && c != '\n')
		;
	return -2;
}

/* Scans one table; returns 1 when fn asked to stop, 0, or -1 (errno). */
static int
scan_table(const char *root, const char *name, int family, int proto,
    int port, unsigned states, int (*fn)(const struct pn_sock *, void *),
    void *arg)
{
	char path[4096], line[PN_LINE_MAX];
	struct pn_sock s;
	FILE *f;
	int r, stop = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/net/%s", root, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (!stop && (r = read_line(f, line, sizeof(line))) != 0) {
		if (r != 1 || pn_parse_line(line, family, proto, &s) == -1 ||
		    !(states & (1u << s.state)))
			continue;
		if (port >= 0 && port != ntohs(family == AF_INET ?
		    ((struct sockaddr_in *)&s.local)->sin_port :
		    ((struct sockaddr_in6 *)&s.local)->sin6_port))
			continue;
		stop = fn(&s, arg) != 0;
	}
	fclose(f);
	return stop;
}

/*
 * INET_DIAG_SKV6ONLY from the attributes after the message, or -1. The
 * kernel puts it for every AF_INET6 socket in LISTEN or CLOSE without
 * being asked (inet_diag_msg_attrs_fill()); other states carry none.
 */
static int
diag_v6only(const struct nlmsghdr *h)
{
	const struct rtattr *a;
	size_t off = NLMSG_LENGTH(sizeof(struct inet_diag_msg));
	int len;

	if (h->nlmsg_len <= NLMSG_ALIGN(off))
		return -1;
	len = (int)(h->nlmsg_len - NLMSG_ALIGN(off));
	a = (const struct rtattr *)((const char *)h + NLMSG_ALIGN(off));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKV6ONLY &&
		    RTA_PAYLOAD(a) >= 1)
			return *(const unsigned char *)RTA_DATA(a) != 0;
	return -1;
}

/* Fills *s from one sock_diag answer; returns 0, or -1 when malformed. */
static int
diag_sock(const struct inet_diag_msg *m, int proto, struct pn_sock *s)
{
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -1;
	memset(s, 0, sizeof(*s));
	s->proto = proto;
	sa_set_raw(&s->local, m->idiag_family, m->id.idiag_src,
	    m->id.idiag_sport);
	sa_set_raw(&s->remote, m->idiag_family, m->id.idiag_dst,
	    m->id.idiag_dport);
	if (m->idiag_state == 0 || m->idiag_state > PN_NEW_SYN_RECV)
		return -1;
	s->state = m->idiag_state;
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
	s->rxq = m->idiag_rqueue;
	s->v6only = -1;
	/* a listener's wqueue is its backlog; /proc/net/tcp has no field */
	if (proto == IPPROTO_TCP && s->state == PN_LISTEN) {
		s->backlog = m->idiag_wqueue;
		s->has_backlog = 1;
	} else
		s->txq = m->idiag_wqueue;
	return 0;
}

struct diag_arg {
	int	 proto;
	int	 port;
	int	(*fn)(const struct pn_sock *, void *);
	void	*arg;
};

static int
diag_fn(const struct nlmsghdr *h, void *arg)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	struct diag_arg *da = arg;
	struct pn_sock s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    diag_sock(m, da->proto, &s) != 0 ||
	    (da->port >= 0 && da->port != ntohs(m->id.idiag_sport)))
		return -1;
	if (s.local.ss_family == AF_INET6)
		s.v6only = diag_v6only(h);
	return da->fn(&s, da->arg) != 0;
}

/*
 * Asks the kernel (NETLINK_SOCK_DIAG, as ss does) for the sockets of one
 * family and protocol in states. For listeners alone the kernel walks only
 * its listening table, where /proc/net/tcp walks every hash bucket: on a
 * machine with much memory that is milliseconds per read. Returns 1 when
 * fn asked to stop, 0, or -1 (errno) when the kernel would not answer; the
 * caller then reads the /proc file. *fdp is the socket (nld_open());
 * after a failure it is closed and -1.
 */
static int
scan_diag(int *fdp, int family, int proto, int port, unsigned states,
    int (*fn)(const struct pn_sock *, void *), void *arg)
{
	struct {
		struct nlmsghdr		h;
		struct inet_diag_req_v2	r;
	} req;
	struct diag_arg da = { proto, port, fn, arg };
	long buf[8192 / sizeof(long)];
	int rc, got, saved;

	if (*fdp == -1)
		return -1;
	memset(&req, 0, sizeof(req));
	nld_request(&req.h, sizeof(req));
	req.r.sdiag_family = (unsigned char)family;
	req.r.sdiag_protocol = (unsigned char)proto;
	req.r.idiag_states = states;
	rc = nld_dump(*fdp, &req, sizeof(req), buf, sizeof(buf), diag_fn, &da,
	    &got);
	if (rc != -1)
		return rc;
	/* what is left of the dump must not answer the next question */
	saved = errno;
	close(*fdp);
	*fdp = -1;
	errno = saved;
	/* a dump cut short after fn saw sockets cannot be redone */
	return got == 0 ? -1 : got == 2;
}

/*
 * One table: the kernel's answer on *fdp (the live /proc), or the file when
 * *fdp is -1 or the kernel would not answer (then *fdp is closed, -1).
 */
static int
scan_one(int *fdp, const char *root, const char *name, int family, int proto,
    int port, unsigned states, int (*fn)(const struct pn_sock *, void *),
    void *arg)
{
	int r;

	if ((r = scan_diag(fdp, family, proto, port, states, fn, arg)) != -1)
		return r;
	return scan_table(root, name, family, proto, port, states, fn, arg);
}

int
pn_scan(const char *root, int proto, int port,
    int (*fn)(const struct pn_sock *, void *), void *arg)
{
	return pn_scan_states(root, proto, port, PN_ALL_STATES, fn, arg);
}

int
pn_scan_states(const char *root, int proto, int port, unsigned states,
    int (*fn)(const struct pn_sock *, void *), void *arg)
{
	int r4, r6, saved, fd = -1;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		errno = EINVAL;
		return -1;
	}
	/* a fixture tree (or "//proc") is read as files, never asked of
	 * the kernel */
	if (strcmp(root, "/proc") == 0)
		fd = nld_open(0);
	r4 = scan_one(&fd, root, proto == IPPROTO_TCP ? "tcp" : "udp", AF_INET,
	    proto, port, states, fn, arg);
	if (r4 == 1) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	saved = errno;
	/* tcp6 is missing when IPv6 is not built in: not an error alone */
	r6 = scan_one(&fd, root, proto == IPPROTO_TCP ? "tcp6" : "udp6",
	    AF_INET6, proto, port, states, fn, arg);
	if (fd != -1)
		close(fd);
	if (r4 == -1 && r6 == -1) {
		errno = saved;
		return -1;
	}
	return 0;
}

struct collect {
	struct pn_holder	*out;
	int			 max;
	int			 n;
};

/* Listeners (and UDP sockets) matter most when the list is full. */
static int
rank(const struct pn_sock *s)
{
	if (s->proto == IPPROTO_UDP || s->state == PN_LISTEN)
		return 0;
	return s->state == PN_TIME_WAIT ? 2 : 1;
}

static int
collect_fn(const struct pn_sock *s, void *arg)
{
	struct collect *c = arg;
	struct pn_holder *h;
	int worst = 0;

	if (c->n < c->max)
		h = &c->out[c->n++];
	else {
		/* full: replace the least telling entry if this one beats it */
		for (int i = 1; i < c->n; i++)
			if (rank(&c->out[i].sock) > rank(&c->out[worst].sock))
				worst = i;
		if (rank(s) >= rank(&c->out[worst].sock))
			return 0;
		h = &c->out[worst];
	}
	memset(h, 0, sizeof(*h));
	h->sock = *s;
	pn_user(s->uid, h->user, sizeof(h->user));
	return 0;
}

/* Reads at most len-1 bytes of ROOT/PID/name into buf; returns 0 or -1. */
static int
read_small(int dirfd, const char *pid, const char *name, char *buf,
    size_t len)
{
	char rel[64];
	ssize_t n;
	int fd;

	snprintf(rel, sizeof(rel), "%s/%s", pid, name);
	if ((fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Fills *o with pid's command and real uid; fallback_uid if unknown. */
static void
load_owner(int rootfd, const char *pid, unsigned fallback_uid,
    struct pn_owner *o)
{
	char buf[2048], *p;
	unsigned long uid;

	memset(o, 0, sizeof(*o));
	o->pid = 0;
	for (const char *q = pid; *q != '\0'; q++)
		o->pid = o->pid * 10 + (*q - '0');
	if (read_small(rootfd, pid, "comm", buf, sizeof(buf)) == -1)
		snprintf(buf, sizeof(buf), "?");
	else {
		/* only the kernel's last '\n': PR_SET_NAME takes any byte */
		size_t n = strlen(buf);

		if (n > 0 && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
	}
	snprintf(o->comm, sizeof(o->comm), "%.*s", (int)sizeof(o->comm) - 1,
	    buf);
	esc_str(o->comm, o->tcomm, sizeof(o->tcomm));
	o->uid = fallback_uid;
	if (read_small(rootfd, pid, "status", buf, sizeof(buf)) == 0) {
		struct tok t;

		if ((p = strstr(buf, "\nUid:")) != NULL) {
			p += 5;
			p += strspn(p, " \t");
			t.s = p;
			t.n = strspn(p, "0123456789");
			if (dec_tok(&t, &uid) == 0 && uid <= 0xffffffffUL)
				o->uid = (unsigned)uid;
		}
		if ((p = strstr(buf, "\nPPid:")) != NULL) {
			p += 6;
			p += strspn(p, " \t");
			t.s = p;
			t.n = strspn(p, "0123456789");
			if (dec_tok(&t, &uid) == 0 && uid <= 0x7fffffffUL)
				o->ppid = (int)uid;
		}
	}
	pn_user(o->uid, o->user, sizeof(o->user));
}

/* Returns the inode of a "socket:[N]" link target, or 0. */
static unsigned long
socket_inode(const char *target)
{
	struct tok t;
	unsigned long ino;

	if (strncmp(target, "socket:[", 8) != 0)
		return 0;
	t.s = target + 8;
	t.n = strcspn(t.s, "]");
	if (t.s[t.n] != ']' || t.s[t.n + 1] != '\0' || dec_tok(&t, &ino) == -1)
		return 0;
	return ino;
}

/* Records pid as an owner of every holder with inode ino. */
static void
add_owner(int rootfd, const char *pid, unsigned long ino,
    struct pn_holder *h, int n, struct pn_owner *cache, int *loaded)
{
	for (int i = 0; i < n; i++) {
		struct pn_holder *x = &h[i];
		int dup = 0, parent = 0;

		if (x->sock.inode != ino)
			continue;
		if (!*loaded) {
			load_owner(rootfd, pid, x->sock.uid, cache);
			*loaded = 1;
		}
		/* dup()ed descriptors: one process, one entry */
		for (int k = 0; k < x->nowners; k++)
			dup |= x->owners[k].pid == cache->pid;
		if (dup || x->last_pid == cache->pid)
			continue;
		x->last_pid = cache->pid;
		/*
		 * /proc lists processes in pid order, and pids wrap: a
		 * master can come after its workers. The parent of an owner
		 * already listed goes first, displacing the last listed
		 * when the list is full, so the master is always named.
		 */
		for (int k = 0; k < x->nowners && !parent; k++)
			parent = x->owners[k].ppid == cache->pid;
		if (!parent && x->nowners < PN_MAX_OWNERS)
			x->owners[x->nowners++] = *cache;
		else if (!parent)
			x->nmore++;
		else {
			if (x->nowners < PN_MAX_OWNERS)
				x->nowners++;
			else
				x->nmore++;
			memmove(&x->owners[1], &x->owners[0],
			    (size_t)(x->nowners - 1) * sizeof(x->owners[0]));
			x->owners[0] = *cache;
		}
	}
}

/* Walks ROOT/PID/fd of one process; returns -1 when it is unreadable. */
static int
walk_fds(int rootfd, const char *pid, struct pn_holder *h, int n)
{
	struct pn_owner cache;
	struct dirent *e;
	char rel[64], target[64];
	int fd, loaded = 0;
	DIR *d;

	snprintf(rel, sizeof(rel), "%s/fd", pid);
	fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		ssize_t len;
		unsigned long ino;

		if (e->d_name[0] == '.')
			continue;
		len = readlinkat(fd, e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if ((ino = socket_inode(target)) != 0)
			add_owner(rootfd, pid, ino, h, n, &cache, &loaded);
	}
	closedir(d);
	return 0;
}

int
pn_port_holders(const char *root, int proto, int port,
    struct pn_holder *out, int max, int *unreadable)
{
	struct collect c = { out, max, 0 };
	struct dirent *e;
	int rootfd, want = 0;
	DIR *d;

	*unreadable = 0;
	if (max <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (pn_scan(root, proto, port, collect_fn, &c) == -1)
		return -1;
	for (int i = 0; i < c.n; i++)
		want |= out[i].sock.inode != 0;
	if (!want)
		return c.n;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1 || (d = fdopendir(rootfd)) == NULL) {
		if (rootfd != -1)
			close(rootfd);
		*unreadable = 1;	/* no process could be looked at */
		return c.n;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len == 0 || len > 9 ||
		    strspn(e->d_name, "0123456789") != len)
			continue;
		if (walk_fds(rootfd, e->d_name, out, c.n) == -1)
			(*unreadable)++;
	}
	closedir(d);
	return c.n;
}

void
pn_owner_load(const char *root, int pid, unsigned fallback_uid,
    struct pn_owner *o)
{
	char name[16];
	int rootfd;

	snprintf(name, sizeof(name), "%d", pid > 0 ? pid : 0);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* with no root every read below fails: "?" and fallback_uid */
	load_owner(rootfd, name, fallback_uid, o);
	if (rootfd != -1)
		close(rootfd);
}

void
pn_user(unsigned uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 &&
	    res != NULL && res->pw_name != NULL && res->pw_name[0] != '\0')
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%u", uid);
}
