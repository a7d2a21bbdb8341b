/*
 * udp-echo [OPTIONS] [ADDRESS:]PORT: a UDP echo server. Datagrams are
 * received and sent in batches (recvmmsg/sendmmsg) from buffers allocated
 * once; a reply is the request itself (upper-cased with --upper), so it is
 * never larger. When the socket's send buffer is full the reply is
 * dropped and counted: the server never blocks on one client, nor on
 * a stdout or stderr nobody reads (lib/cli/logq: lines dropped and counted).
 *
 * On a Unix path or @NAME (SOCK_DGRAM) it refuses a path that exists with
 * the bind diagnosis (--unlink takes a stale socket file, nothing else),
 * replies to each sender's own bound name (a sender that never bound has
 * none: its datagram is counted, not answered), and removes its socket
 * file at exit if it is still the one it made.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "errname.h"
#include "evidence.h"
#include "logq.h"
#include "loop.h"
#include "opt.h"
#include "serve.h"
#include "srv.h"
#include "cmds.h"

static const struct cmd_help help = {
	"udp-echo", "[OPTIONS] [ADDRESS:]PORT | PATH | @NAME",
	"UDP echo server: sends every datagram back to its sender.",
	"ADDRESS is 127.0.0.1 unless given; 0.0.0.0 or :: (IPv6 and IPv4)\n"
	"listen on every interface. PORT 0 (or none) picks a free port. The\n"
	"first line on stdout is 'listening on ADDRESS:PORT' (with --json the\n"
	"\"listening\" event). A reply is never larger than its request; one\n"
	"that the socket cannot take at once is dropped and counted. SIGINT or\n"
	"SIGTERM prints the totals and exits 0.\n"
	"A Unix PATH (unix:PATH, anything with a '/') or @NAME serves a\n"
	"datagram socket: an existing path is refused unless --unlink and it is\n"
	"a stale socket; a sender that bound no name cannot be answered\n"
	"(counted as unaddressed); the socket file is removed at exit.\n\n"
	"examples:\n"
	"  sockctl udp-echo 0\n"
	"  sockctl udp-echo --upper 0.0.0.0:7007\n"
	"  sockctl udp-echo --unlink /run/app/echo.sock\n"
	"  sockctl probe-udp 127.0.0.1 7007\n",
};

/* Where the options land. */
struct ue_args {
	int		 upper, unlink_stale;
	long long	 count;
};

#define NOPTS		4

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct ue_args *v)
{
	const struct opt t[NOPTS] = {
		{ "upper", 0, OT_FLAG, &v->upper, NULL,
		    "reply upper-cased (ASCII letters)", 0, 0, NULL },
		{ "count", 0, OT_INT, &v->count, "N",
		    "exit after echoing N datagrams", 1, 1000000000000LL,
		    NULL },
		{ "unlink", 0, OT_FLAG, &v->unlink_stale, NULL,
		    "on a Unix path: remove a stale socket file first", 0, 0,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

#define BATCH		32
#define DGRAM_MAX	65536	/* more than any UDP payload */
#define ROUNDS		16	/* batches per wake-up, then others' turn */

struct udp {
	struct ctx		*c;
	struct srv		 sv;	/* the socket, the loop */
	int			 upper;
	int			 is_unix;	/* AF_UNIX: peers may be unbound */
	long long		 count;
	uint64_t		 rx, tx, dropped, truncated;
	uint64_t		 unaddressed;	/* from unbound Unix senders */
	uint64_t		 bytes_in, bytes_out;
	struct logq		 outq, errq;	/* stdout, stderr */
	char			*bufs;		/* BATCH * DGRAM_MAX */
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_storage	 peers[BATCH];
};

static void
upcase(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'a' && p[i] <= 'z')
			p[i] -= 'a' - 'A';
}

/*
 * Whether a received datagram came from an AF_UNIX socket with no name (it
 * never bound, and Linux did not autobind it): there is no address to reply
 * to.
 */
static int
no_address(const struct mmsghdr *m)
{
	return m->msg_hdr.msg_namelen <= sizeof(sa_family_t);
}

/* Sends the n replies in u->msgs; what the socket cannot take is dropped. */
static void
send_batch(struct udp *u, unsigned int n)
{
	unsigned int done = 0;
	int r;

	while (done < n) {
		unsigned int run = 0;

		if (u->is_unix && no_address(&u->msgs[done])) {
			/* an unbound sender: nowhere to send its echo */
			u->unaddressed++;
			u->dropped++;
			done++;
			continue;
		}
		while (u->is_unix && done + run < n &&
		    !no_address(&u->msgs[done + run]))
			run++;
		r = sendmmsg(u->sv.io.fd, u->msgs + done, u->is_unix ? run :
		    n - done, MSG_DONTWAIT);
		if (r > 0) {
			for (unsigned int i = done; i < done + (unsigned)r; i++)
				u->bytes_out += u->msgs[i].msg_len;
			out_trace(u->c, "sendmmsg(fd %d) = %d datagram%s sent "
			    "back", u->sv.io.fd, r, r == 1 ? "" : "s");
			u->tx += (unsigned)r;
			done += (unsigned)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && u->is_unix && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			/* that one receiver's queue is full (it does not read):
			 * its echo is dropped, the others still go */
			out_trace(u->c, "sendmmsg(fd %d): EAGAIN: the "
			    "receiver's queue is full, 1 dropped", u->sv.io.fd);
			u->dropped++;
			done++;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			/* a full send buffer: drop the rest, never block */
			u->dropped += n - done;
			out_trace(u->c, "sendmmsg(fd %d): %s: %u dropped",
			    u->sv.io.fd, errname(errno), n - done);
			return;
		}
		/* this reply cannot go (unreachable sender, ...): skip it */
		u->dropped++;
		done++;
	}
}

/* -v: each datagram of a batch, with its sender. */
static void
trace_batch(const struct udp *u, int n)
{
	char peer[ADDRSTR_MAX];

	out_trace(u->c, "recvmmsg(fd %d) = %d datagram%s", u->sv.io.fd, n,
	    n == 1 ? "" : "s");
	for (int i = 0; i < n; i++)
		out_trace(u->c, "recv: %u bytes from %s%s", u->msgs[i].msg_len,
		    u->is_unix && no_address(&u->msgs[i]) ? "an unbound "
		    "socket: no address to reply to, not answered" :
		    sa_fmt((const struct sockaddr *)&u->peers[i], peer,
		    sizeof(peer)), u->msgs[i].msg_hdr.msg_flags & MSG_TRUNC ?
		    " (truncated)" : "");
}

static void
udp_ready(struct loop *l, struct loop_io *io, int ev)
{
	struct udp *u = io->arg;
	unsigned int want;
	int n;

	(void)ev;
	for (int round = 0; round < ROUNDS; round++) {
		want = BATCH;
		if (u->count > 0 && (long long)u->rx + BATCH > u->count)
			want = (unsigned int)(u->count - (long long)u->rx);
		if (want == 0)
			break;
		for (unsigned int i = 0; i < want; i++) {
			u->iov[i].iov_len = DGRAM_MAX;
			u->msgs[i].msg_hdr.msg_namelen = sizeof(u->peers[i]);
			u->msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(io->fd, u->msgs, want, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;	/* EAGAIN, or an error queued by ICMP */
		for (int i = 0; i < n; i++) {
			struct mmsghdr *m = &u->msgs[i];

			if (m->msg_hdr.msg_flags & MSG_TRUNC)
				u->truncated++;
			u->bytes_in += m->msg_len;
			u->iov[i].iov_len = m->msg_len;
			if (u->is_unix && m->msg_hdr.msg_namelen <
			    sizeof(struct sockaddr_un))
				/* a name is not NUL-terminated: end it, for
				 * the trace (the reply uses msg_namelen) */
				((char *)&u->peers[i])[m->msg_hdr.msg_namelen] =
				    '\0';
			if (u->upper)
				upcase(u->iov[i].iov_base, m->msg_len);
		}
		u->rx += (unsigned)n;
		if (u->c->trace)
			trace_batch(u, n);
		send_batch(u, (unsigned int)n);
		if ((unsigned int)n < want)
			break;
	}
	if (u->count > 0 && (long long)u->rx >= u->count)
		loop_stop(l);
}


static void
summary(struct udp *u, int sig)
{
	const struct serve_count counts[] = {
		{ "datagrams_in", (long long)u->rx },
		{ "datagrams_out", (long long)u->tx },
		{ "bytes_in", (long long)u->bytes_in },
		{ "bytes_out", (long long)u->bytes_out },
		{ "dropped", (long long)u->dropped },
		{ "unaddressed", (long long)u->unaddressed },
		{ "truncated", (long long)u->truncated },
	};
	char unb[96] = "", text[320];

	if (u->unaddressed > 0)
		snprintf(unb, sizeof(unb), " (%llu from unbound senders: no "
		    "address to reply to)", (unsigned long long)u->unaddressed);
	snprintf(text, sizeof(text), "%llu datagrams in (%llu bytes), %llu "
	    "out (%llu bytes), %llu dropped%s, %llu truncated",
	    (unsigned long long)u->rx, (unsigned long long)u->bytes_in,
	    (unsigned long long)u->tx, (unsigned long long)u->bytes_out,
	    (unsigned long long)u->dropped, unb,
	    (unsigned long long)u->truncated);
	serve_summary(u->c, &u->outq, &u->errq, sig, text, counts,
	    sizeof(counts) / sizeof(counts[0]));
}

int
cmd_udp_echo(struct ctx *c, int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	struct ue_args a = { 0 };
	int npos, rc, sig;
	struct opt opts[NOPTS];
	struct sockaddr_storage ss;
	struct udp *u = NULL;

	opts_fill(opts, &a);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	rc = serve_addr(c, npos, argv + 1, 1, &ss);
	if (rc != 0)
		return rc;

	u = calloc(1, sizeof(*u));
	if (u == NULL || (u->bufs = malloc((size_t)BATCH * DGRAM_MAX)) ==
	    NULL)
		nomem_exit("server's buffers");
	u->c = c;
	u->upper = a.upper;
	u->is_unix = ss.ss_family == AF_UNIX;
	u->count = a.count;
	for (int i = 0; i < BATCH; i++) {
		u->iov[i].iov_base = u->bufs + (size_t)i * DGRAM_MAX;
		u->iov[i].iov_len = DGRAM_MAX;
		u->msgs[i].msg_hdr.msg_iov = &u->iov[i];
		u->msgs[i].msg_hdr.msg_iovlen = 1;
		u->msgs[i].msg_hdr.msg_name = &u->peers[i];
		u->msgs[i].msg_hdr.msg_namelen = sizeof(u->peers[i]);
	}

	rc = serve_start(c, &u->sv, &ss, SOCK_DGRAM, a.unlink_stale, sigs,
	    udp_ready, u);
	if (rc != 0)
		goto done;
	sig = serve_run(c, &u->sv, &u->outq, &u->errq);
	rc = sig == -1 ? 1 : 0;
	summary(u, sig);
	rc = logq_end(c, &u->outq, &u->errq, rc);
done:
	if (u != NULL) {
		srv_stop(&u->sv, c->trace ? out_trace_cb : NULL, c);
		free(u->bufs);
		free(u);
	}
	return rc;
}
