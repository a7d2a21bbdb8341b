#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "nldiag.h"
#include "unixdiag.h"

#define UD_BUF	65536

const char *
unixdiag_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return "?";
}

/* The name attribute: a path, or an abstract name (leading NUL) as @. */
static void
take_name(const struct rtattr *a, struct unixdiag_sock *u)
{
	const char *p = RTA_DATA(a);
	size_t n = RTA_PAYLOAD(a), o = 0;

	if (n == 0)
		return;
	if (p[0] == '\0') {
		u->abstract = 1;
		u->name[o++] = '@';
		p++;
		n--;
	}
	/* a path arrives with its NUL, an abstract name without */
	while (n > 0 && o + 1 < sizeof(u->name) && *p != '\0') {
		u->name[o++] = *p++;
		n--;
	}
	u->name[o] = '\0';
}

static int
take_msg(const struct nlmsghdr *h, struct unixdiag_sock *u)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	size_t off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(*m)));
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    m->udiag_family != AF_UNIX)
		return -1;
	memset(u, 0, sizeof(*u));
	u->type = m->udiag_type;
	u->state = m->udiag_state;
	u->inode = m->udiag_ino;
	u->uid = -1;
	if (h->nlmsg_len <= off)
		return 0;
	len = (int)(h->nlmsg_len - off);
	a = (const struct rtattr *)((const char *)h + off);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case UNIX_DIAG_NAME:
			take_name(a, u);
			break;
		case UNIX_DIAG_VFS:
			if (RTA_PAYLOAD(a) >= sizeof(struct unix_diag_vfs)) {
				struct unix_diag_vfs v;

				memcpy(&v, RTA_DATA(a), sizeof(v));
				u->has_vfs = 1;
				u->vfs_ino = v.udiag_vfs_ino;
				u->vfs_dev = v.udiag_vfs_dev;
			}
			break;
		case UNIX_DIAG_PEER:
			if (RTA_PAYLOAD(a) >= 4) {
				uint32_t p;

				memcpy(&p, RTA_DATA(a), 4);
				u->peer = p;
			}
			break;
		case UNIX_DIAG_ICONS:
			/* a listener's queue: its clients' inodes, u32 each */
			u->icons = RTA_DATA(a);
			u->nicons = RTA_PAYLOAD(a) / 4;
			break;
		case UNIX_DIAG_RQLEN:
			if (RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen)) {
				struct unix_diag_rqlen q;

				memcpy(&q, RTA_DATA(a), sizeof(q));
				u->has_queue = 1;
				u->rqueue = q.udiag_rqueue;
				u->wqueue = q.udiag_wqueue;
			}
			break;
		case UNIX_DIAG_SHUTDOWN:
			if (RTA_PAYLOAD(a) >= 1) {
				u->has_shutdown = 1;
				u->shutdown = *(const unsigned char *)RTA_DATA(a);
			}
			break;
		case UNIX_DIAG_MEMINFO:
			if (RTA_PAYLOAD(a) >= (SK_MEMINFO_SNDBUF + 1) * 4) {
				uint32_t mi[SK_MEMINFO_SNDBUF + 1];

				memcpy(mi, RTA_DATA(a), sizeof(mi));
				u->has_mem = 1;
				u->wmem = mi[SK_MEMINFO_WMEM_ALLOC];
				u->sndbuf = mi[SK_MEMINFO_SNDBUF];
				u->rcvbuf = mi[SK_MEMINFO_RCVBUF];
			}
			if (RTA_PAYLOAD(a) >= (SK_MEMINFO_DROPS + 1) * 4) {
				uint32_t dr;

				memcpy(&dr, (const char *)RTA_DATA(a) +
				    SK_MEMINFO_DROPS * 4, 4);
				u->has_drops = 1;
				u->drops = dr;
			}
			break;
		case UNIX_DIAG_UID:
			if (RTA_PAYLOAD(a) >= 4) {
				uint32_t x;

				memcpy(&x, RTA_DATA(a), 4);
				u->uid = x;
			}
			break;
		}
	}
	return 0;
}

struct dump_arg {
	int	(*fn)(const struct unixdiag_sock *, void *);
	void	*arg;
};

static int
dump_fn(const struct nlmsghdr *h, void *arg)
{
	struct dump_arg *da = arg;
	struct unixdiag_sock u;

	if (take_msg(h, &u) != 0)
		return -1;
	return da->fn(&u, da->arg) != 0;
}

/* The kernel's dump; returns 1 (fn stopped), 0, or -1 (errno). */
static int
scan_diag(int (*fn)(const struct unixdiag_sock *, void *), void *arg)
{
	struct {
		struct nlmsghdr		h;
		struct unix_diag_req	r;
	} req;
	struct dump_arg da = { fn, arg };
	int fd, got, rc;
	char *buf;

	if ((fd = nld_open(0)) == -1)
		return -1;
	if ((buf = malloc(UD_BUF)) == NULL) {
		close(fd);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	nld_request(&req.h, sizeof(req));
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0U;
	req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
	    UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID | UDIAG_SHOW_MEMINFO |
	    UDIAG_SHOW_ICONS;
	rc = nld_dump(fd, &req, sizeof(req), buf, UD_BUF, dump_fn, &da, &got);
	if (rc == -1 && got != 0)
		rc = got == 2;
	free(buf);
	close(fd);
	return rc;
}

/*
 * "Num RefCount Protocol Flags Type St Inode Path": Flags 00010000 is
 * __SO_ACCEPTCON (listening), St 03 SS_CONNECTED; an abstract name shows
 * its leading NUL as @.
 */
static int
scan_file(const char *root, int (*fn)(const struct unixdiag_sock *, void *),
    void *arg)
{
	char path[4096], line[512];
	struct unixdiag_sock u;
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/unix", root);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long ref, proto, flags, type, st, ino;
		char name[UNIXDIAG_NAME_MAX] = "";
		int n;

		n = sscanf(line, "%*[0-9a-fA-F]: %lx %lx %lx %lx %lx %lu %111s",
		    &ref, &proto, &flags, &type, &st, &ino, name);
		if (n < 6)
			continue;
		memset(&u, 0, sizeof(u));
		u.type = (int)type;
		u.inode = ino;
		u.uid = -1;
		u.state = flags & 0x10000 ? UNIXDIAG_LISTEN : st == 3 ?
		    UNIXDIAG_ESTABLISHED : UNIXDIAG_CLOSE;
		snprintf(u.name, sizeof(u.name), "%s", name);
		u.abstract = name[0] == '@';
		if (fn(&u, arg) != 0)
			break;
	}
	fclose(f);
	return 0;
}

int
unixdiag_scan(const char *root,
    int (*fn)(const struct unixdiag_sock *, void *), void *arg)
{
	if (strcmp(root, "/proc") == 0 && scan_diag(fn, arg) != -1)
		return 0;
	return scan_file(strcmp(root, "/proc") == 0 ? "//proc" : root, fn,
	    arg);
}

int
unixdiag_is_path(const struct unixdiag_sock *u, const char *path,
    dev_t st_dev, ino_t st_ino)
{
	if (u->abstract)
		return path[0] == '@' && strcmp(u->name, path) == 0;
	if (u->has_vfs && st_ino != 0)
		/* the kernel's dev_t is MAJOR << 20 | MINOR */
		return u->vfs_ino == (uint64_t)st_ino &&
		    (u->vfs_dev >> 20) == major(st_dev) &&
		    (u->vfs_dev & 0xfffff) == minor(st_dev);
	return u->name[0] != '\0' && strcmp(u->name, path) == 0;
}

unsigned long
unixdiag_icon(const struct unixdiag_sock *u, size_t i)
{
	uint32_t v;

	if (i >= u->nicons)
		return 0;
	memcpy(&v, (const char *)u->icons + i * 4, 4);
	return v;
}
