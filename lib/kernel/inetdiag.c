#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "addr.h"
#include "inetdiag.h"
#include "nldiag.h"

/*
 * One recv() of a dump: the kernel fills as much of it as it may (it
 * grows its batches towards 32 KiB when the reader's buffer allows), so
 * 64 KiB keeps the number of system calls low on a host with 100 000
 * sockets.
 */
#define ID_BUF	65536

struct file_arg {
	int	(*fn)(const struct inetdiag_sock *, void *);
	void	*arg;
};

/* The files' sockets: no cookie, no tcp_info. */
static int
file_fn(const struct pn_sock *s, void *arg)
{
	struct file_arg *fa = arg;
	struct inetdiag_sock d;

	memset(&d, 0, sizeof(d));
	d.s = *s;
	return fa->fn(&d, fa->arg);
}

/*
 * The tcp_info of an answer: a kernel older than these headers sends a
 * shorter struct, so only the bytes it sent are read, and snd_wnd only
 * when it is among them.
 */
static void
take_info(const struct rtattr *a, struct inetdiag_sock *d)
{
	struct tcp_info ti;
	size_t n = RTA_PAYLOAD(a);

	memset(&ti, 0, sizeof(ti));
	if (n > sizeof(ti))
		n = sizeof(ti);
	if (n < offsetof(struct tcp_info, tcpi_total_retrans) + 4)
		return;
	memcpy(&ti, RTA_DATA(a), n);
	d->has_info = 1;
	d->retransmits = ti.tcpi_retransmits;
	d->probes = ti.tcpi_probes;
	d->backoff = ti.tcpi_backoff;
	d->unacked = ti.tcpi_unacked;
	d->total_retrans = ti.tcpi_total_retrans;
	d->last_data_recv = ti.tcpi_last_data_recv;
	d->last_ack_recv = ti.tcpi_last_ack_recv;
	d->rto_ms = ti.tcpi_rto / 1000;
	d->snd_mss = ti.tcpi_snd_mss;
	if (n >= offsetof(struct tcp_info, tcpi_snd_wnd) + 4) {
		d->has_snd_wnd = 1;
		d->snd_wnd = ti.tcpi_snd_wnd;
	}
}

/* Fills *d from one answer; returns 0, or -1 when it is malformed. */
static int
take_msg(const struct nlmsghdr *h, int proto, struct inetdiag_sock *d)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	size_t off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(*m)));
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) ||
	    m->idiag_state == 0 || m->idiag_state > PN_NEW_SYN_RECV)
		return -1;
	memset(d, 0, sizeof(*d));
	d->s.proto = proto;
	sa_set_raw(&d->s.local, m->idiag_family, m->id.idiag_src,
	    m->id.idiag_sport);
	sa_set_raw(&d->s.remote, m->idiag_family, m->id.idiag_dst,
	    m->id.idiag_dport);
	d->s.state = m->idiag_state;
	d->s.uid = m->idiag_uid;
	d->s.inode = m->idiag_inode;
	d->s.rxq = m->idiag_rqueue;
	d->timer = m->idiag_timer;
	d->s.v6only = -1;
	if (proto == IPPROTO_TCP && d->s.state == PN_LISTEN) {
		d->s.backlog = m->idiag_wqueue;
		d->s.has_backlog = 1;
	} else
		d->s.txq = m->idiag_wqueue;
	if (m->id.idiag_cookie[0] != INET_DIAG_NOCOOKIE ||
	    m->id.idiag_cookie[1] != INET_DIAG_NOCOOKIE)
		d->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 |
		    m->id.idiag_cookie[0];
	d->timer_ms = m->idiag_expires;
	if (h->nlmsg_len <= off)
		return 0;
	len = (int)(h->nlmsg_len - off);
	a = (const struct rtattr *)((const char *)h + off);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == INET_DIAG_INFO && proto == IPPROTO_TCP)
			take_info(a, d);
		else if (a->rta_type == INET_DIAG_SKMEMINFO &&
		    RTA_PAYLOAD(a) >= (SK_MEMINFO_DROPS + 1) * 4) {
			uint32_t mi[SK_MEMINFO_DROPS + 1];

			memcpy(mi, RTA_DATA(a), sizeof(mi));
			d->has_mem = 1;
			d->rmem = mi[SK_MEMINFO_RMEM_ALLOC];
			d->rcvbuf = mi[SK_MEMINFO_RCVBUF];
			d->drops = mi[SK_MEMINFO_DROPS];
		}
		else if (a->rta_type == INET_DIAG_SKV6ONLY &&
		    RTA_PAYLOAD(a) >= 1 && m->idiag_family == AF_INET6)
			d->s.v6only = *(const unsigned char *)RTA_DATA(a) != 0;
	}
	return 0;
}

struct dump_arg {
	int	 proto;
	int	(*fn)(const struct inetdiag_sock *, void *);
	void	*arg;
};

static int
dump_fn(const struct nlmsghdr *h, void *arg)
{
	struct dump_arg *da = arg;
	struct inetdiag_sock d;

	if (take_msg(h, da->proto, &d) != 0)
		return -1;
	return da->fn(&d, da->arg) != 0;
}

/*
 * One dump of (family, proto) on fd. Returns 1 when fn stopped, 0, or -1
 * (errno) when the kernel would not answer before the first socket.
 */
static int
dump(int fd, char *buf, int family, int proto, unsigned states,
    int (*fn)(const struct inetdiag_sock *, void *), void *arg)
{
	struct {
		struct nlmsghdr		h;
		struct inet_diag_req_v2	r;
	} req;
	struct dump_arg da = { proto, fn, arg };
	int rc, got;

	memset(&req, 0, sizeof(req));
	nld_request(&req.h, sizeof(req));
	req.r.sdiag_family = (unsigned char)family;
	req.r.sdiag_protocol = (unsigned char)proto;
	req.r.idiag_states = states;
	/* the socket's memory and drop counter (udp-drops), for both */
	req.r.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
	if (proto == IPPROTO_TCP)
		req.r.idiag_ext |= 1 << (INET_DIAG_INFO - 1);
	rc = nld_dump(fd, &req, sizeof(req), buf, ID_BUF, dump_fn, &da, &got);
	return rc != -1 || got == 0 ? rc : got == 2;
}

int
inetdiag_scan(const char *root, int proto, unsigned states,
    int (*fn)(const struct inetdiag_sock *, void *), void *arg)
{
	struct file_arg fa = { fn, arg };
	int fd, r4, r6, saved;
	char *buf;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(root, "/proc") != 0)
		return pn_scan_states(root, proto, -1, states, file_fn, &fa);
	fd = nld_open(1 << 20);
	if (fd == -1 || (buf = malloc(ID_BUF)) == NULL) {
		if (fd != -1)
			close(fd);
		return pn_scan_states(root, proto, -1, states, file_fn, &fa);
	}
	r4 = dump(fd, buf, AF_INET, proto, states, fn, arg);
	saved = errno;
	r6 = r4 == 1 ? 1 : dump(fd, buf, AF_INET6, proto, states, fn, arg);
	free(buf);
	close(fd);
	if (r4 == -1 && r6 == -1) {
		/* the kernel would not answer at all: the files may */
		errno = saved;
		return pn_scan_states("//proc", proto, -1, states, file_fn,
		    &fa);
	}
	return 0;
}

/* The raw address and network-order port of ss into an inet_diag id. */
static void
id_end(const struct sockaddr_storage *ss, __be32 *addr, __be16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(addr, &s4->sin_addr, 4);
		*port = s4->sin_port;
	} else {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)ss;

		memcpy(addr, &s6->sin6_addr, 16);
		*port = s6->sin6_port;
	}
}

int
inetdiag_lookup(const char *root, int proto,
    const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, struct inetdiag_sock *out)
{
	struct {
		struct nlmsghdr		h;
		struct inet_diag_req_v2	r;
	} req;
	struct sockaddr_nl sa;
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf;
	ssize_t n;
	int fd, rc = -1, err = ENOENT;

	if (strcmp(root, "/proc") != 0 || local->ss_family !=
	    remote->ss_family || (local->ss_family != AF_INET &&
	    local->ss_family != AF_INET6)) {
		errno = ENOTSUP;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = (unsigned char)local->ss_family;
	req.r.sdiag_protocol = (unsigned char)proto;
	req.r.idiag_states = ~0U;
	if (proto == IPPROTO_TCP)
		req.r.idiag_ext = 1 << (INET_DIAG_INFO - 1);
	id_end(local, req.r.id.idiag_src, &req.r.id.idiag_sport);
	id_end(remote, req.r.id.idiag_dst, &req.r.id.idiag_dport);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] =
	    INET_DIAG_NOCOOKIE;
	if ((fd = nld_open(0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa,
	    sizeof(sa)) != (ssize_t)sizeof(req)) {
		err = errno;
		goto out;
	}
	/* one answer: the socket, or an error (ENOENT: none) */
	while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		err = errno;
		goto out;
	}
	if (!NLMSG_OK(h, (size_t)n))
		err = EPROTO;
	else if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		err = e->error < 0 ? -e->error : EPROTO;
	} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
	    take_msg(h, proto, out) == 0)
		rc = 0;
	else
		err = EPROTO;
out:
	close(fd);
	if (rc == -1)
		errno = err;
	return rc;
}
