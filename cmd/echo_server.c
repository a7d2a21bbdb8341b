/*
 * echo-server [OPTIONS] [ADDRESS:]PORT: a TCP echo server built to take
 * thousands of clients and to survive every one of them.
 *
 * The data path is lib/core/echo: each connection echoes straight from one
 * shared read buffer (64 KiB reads, up to 1 MiB while it streams and its
 * socket has the room); only what the client's socket cannot take at once
 * is kept in a buffer of its own (at most ECHO_BUF bytes, allocated when
 * needed and freed when drained). While that buffer is full the
 * connection is not read from, so a client that never reads costs at most
 * ECHO_BUF bytes here and TCP flow control stops it.
 *
 * The log lines go out through lib/cli/logq: a stdout (or stderr) nobody reads
 * costs lines, counted and said, never a wait, so the loop keeps serving
 * and a signal still stops it.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "echo.h"
#include "evidence.h"
#include "errname.h"
#include "logq.h"
#include "loop.h"
#include "opt.h"
#include "serve.h"
#include "sock.h"
#include "srv.h"
#include "unixsock.h"
#include "cmds.h"

static const struct cmd_help help = {
	"echo-server", "[OPTIONS] [ADDRESS:]PORT",
	"TCP echo server: sends back what each client sends.",
	"ADDRESS is 127.0.0.1 unless given; 0.0.0.0 or :: (IPv6 and IPv4)\n"
	"listen on every interface. PORT 0 (or none) picks a free port. The\n"
	"first line on stdout is 'listening on ADDRESS:PORT' (with --json the\n"
	"\"listening\" event), then one line when a client connects and one\n"
	"when it leaves (bytes in/out, duration, who closed first), unless -q.\n"
	"SIGINT or SIGTERM stops accepting, closes every client, prints the\n"
	"totals and exits 0.\n\n"
	"examples:\n"
	"  sockctl echo-server 0\n"
	"  sockctl echo-server --upper 0.0.0.0:7007\n"
	"  sockctl --json echo-server --idle-timeout 30s [::]:7007\n",
};

/* Where the options land. */
struct es_args {
	int		 upper, once, unlink_stale;
	long long	 max_conns, count;
	int64_t		 idle_ms;
};

#define NOPTS		7

/* The option table, pointing into v. */
static void
opts_fill(struct opt o[NOPTS], struct es_args *v)
{
	const struct opt t[NOPTS] = {
		{ "upper", 0, OT_FLAG, &v->upper, NULL,
		    "reply upper-cased (ASCII letters)", 0, 0, NULL },
		{ "max-conns", 0, OT_INT, &v->max_conns, "N",
		    "serve at most N clients at once; close the ones over",
		    1, 1000000000, NULL },
		{ "idle-timeout", 0, OT_DUR, &v->idle_ms, "DUR",
		    "close a client idle (nothing read or written) for DUR",
		    0, 0, NULL },
		{ "once", 0, OT_FLAG, &v->once, NULL,
		    "exit after the first client leaves", 0, 0, NULL },
		{ "count", 0, OT_INT, &v->count, "N",
		    "exit after N clients have come and gone", 1,
		    1000000000000LL, NULL },
		{ "unlink", 0, OT_FLAG, &v->unlink_stale, NULL,
		    "on a Unix path: remove a stale socket file first", 0, 0,
		    NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

#define PAUSE_MS	100		/* accept retry after EMFILE and co */
#define CALM_MS		1000		/* a shortage ends after this long */
#define TRIM_MS		1000		/* large reads over: the buffer shrinks */

/* Why a connection ended. */
enum why { W_EOF, W_RESET, W_IDLE, W_SHUTDOWN, W_MAXCONNS, W_ERROR };

static const char *why_name[] = {
	[W_EOF] = "eof", [W_RESET] = "reset", [W_IDLE] = "idle-timeout",
	[W_SHUTDOWN] = "shutdown", [W_MAXCONNS] = "max-conns",
	[W_ERROR] = "error",
};

struct server;

struct conn {
	struct loop_io		 io;
	struct conn		*prev, *next;	/* least recently active first */
	struct server		*srv;
	struct echo_conn	 e;		/* the data path's state */
	int64_t			 last_ms;	/* last progress, loop time */
	int64_t			 t0_ns;
	union {
		struct sockaddr		sa;
		struct sockaddr_in	s4;
		struct sockaddr_in6	s6;
	}			 peer;
};

struct server {
	struct ctx		*c;
	struct srv		 sv;	/* the listening socket, the loop */
	struct loop_timer	 idle_t;
	struct loop_timer	 pause_t;
	struct loop_timer	 calm_t;	/* the queue emptied: ending? */
	struct loop_timer	 trim_t;
	uint64_t		 trim_seen;	/* e.bigreads when it was set */
	struct conn		*first, *last;
	int			 is_unix;	/* AF_UNIX: no TCP states */
	long long		 max_conns, count;
	int64_t			 idle_ms;
	int			 listening;	/* sv.io in the loop */
	int			 starved;	/* in an fd shortage episode */
	int			 calming;	/* its queue is empty: calm_t */
	long long		 short_hits;	/* its accepts short of an fd */
	long long		 short_late;	/* clients accepted during it */
	int64_t			 short_t0;	/* when it began (ns) */
	long long		 nopen, max_open;
	long long		 accepted, refused, closed;
	long long		 resets, idled;
	uint64_t		 bytes_in, bytes_out;
	long			 nofile;
	struct logq		 outq, errq;	/* stdout, stderr */
	struct echo		 e;		/* the shared read buffer */
};

/*
 * For the trace: pre, "TCP state X" and post, or "" for a Unix socket,
 * which has no TCP state.
 */
static const char *
tcp_state(const struct server *s, int fd, const char *pre, const char *post)
{
	static char buf[64];

	if (s->is_unix)
		return "";
	snprintf(buf, sizeof(buf), "%sTCP state %s%s", pre,
	    sock_state_name(sock_tcp_state(fd, NULL)), post);
	return buf;
}

static void
list_del(struct server *s, struct conn *k)
{
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		s->first = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	else
		s->last = k->prev;
	k->prev = k->next = NULL;
}

static void
list_add(struct server *s, struct conn *k)
{
	k->prev = s->last;
	k->next = NULL;
	if (s->last != NULL)
		s->last->next = k;
	else
		s->first = k;
	s->last = k;
}

/* Progress on k: it moves to the end of the idle order, in O(1). */
static void
touch(struct server *s, struct conn *k)
{
	if (s->idle_ms <= 0)
		return;
	k->last_ms = loop_now(s->sv.l);
	if (s->last != k) {
		list_del(s, k);
		list_add(s, k);
	}
}

static void
log_accept(struct server *s, struct conn *k)
{
	char peer[ADDRSTR_MAX], host[ADDRSTR_MAX];
	struct jbuf jb;

	if (s->c->quiet)
		return;
	sa_fmt(&k->peer.sa, peer, sizeof(peer));
	if (!s->c->json) {
		logq_printf(&s->outq, "accept %s (%lld open)\n", peer,
		    s->nopen);
		return;
	}
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", "accept");
	jb_kstr(&jb, "command", s->c->cmd);
	jb_kstr(&jb, "peer", peer);
	jb_kstr(&jb, "address", sa_fmt_host(&k->peer.sa, host, sizeof(host)));
	jb_kint(&jb, "port", sa_port(&k->peer.sa));
	jb_kstr(&jb, "family", family_name(k->peer.sa.sa_family));
	jb_kint(&jb, "open", s->nopen);
	jb_obj_close(&jb);
	nomem_check(&jb);
	logq_put(&s->outq, jb.s, jb.len, 1);
	jb_free(&jb);
}

static void
log_close(struct server *s, const struct sockaddr *peer_sa, uint64_t in,
    uint64_t out, double ms, int by_client, enum why why, int err)
{
	char peer[ADDRSTR_MAX], host[ADDRSTR_MAX];
	const char *en = err != 0 ? errname(err) : NULL;
	struct jbuf jb;

	if (s->c->quiet)
		return;
	sa_fmt(peer_sa, peer, sizeof(peer));
	if (!s->c->json) {
		logq_printf(&s->outq, "close %s: %llu bytes in, %llu out, "
		    "%.3f ms, %s closed first (%s%s%s)\n", peer,
		    (unsigned long long)in, (unsigned long long)out, ms,
		    by_client ? "client" : "server", why_name[why],
		    en ? ", " : "", en ? en : "");
		return;
	}
	jb_init(&jb);
	jb_obj_open(&jb);
	jb_kstr(&jb, "event", "close");
	jb_kstr(&jb, "command", s->c->cmd);
	jb_kstr(&jb, "peer", peer);
	jb_kstr(&jb, "address", sa_fmt_host(peer_sa, host, sizeof(host)));
	jb_kint(&jb, "port", sa_port(peer_sa));
	jb_kstr(&jb, "family", family_name(peer_sa->sa_family));
	jb_kint(&jb, "bytes_in", (long long)in);
	jb_kint(&jb, "bytes_out", (long long)out);
	jb_knum(&jb, "duration_ms", ms);
	jb_kstr(&jb, "closed_by", by_client ? "client" : "server");
	jb_kstr(&jb, "why", why_name[why]);
	jb_kstr(&jb, "errno", en);
	jb_kint(&jb, "open", s->nopen);
	jb_obj_close(&jb);
	nomem_check(&jb);
	logq_put(&s->outq, jb.s, jb.len, 1);
	jb_free(&jb);
}

static void	accept_ready(struct loop *, struct loop_io *, int);

/* Stops watching the listening socket; a timer may bring it back. */
static void
accept_pause(struct server *s, int64_t ms)
{
	if (s->listening) {
		loop_unwatch(s->sv.l, &s->sv.io);
		s->listening = 0;
	}
	if (ms > 0)
		loop_timer_set(s->sv.l, &s->pause_t, ms);
}

static void
accept_resume(struct server *s)
{
	if (s->sv.io.fd == -1 || s->listening)
		return;
	loop_timer_cancel(s->sv.l, &s->pause_t);
	if (loop_watch(s->sv.l, &s->sv.io, LOOP_READ) == 0)
		s->listening = 1;
	else
		loop_timer_set(s->sv.l, &s->pause_t, PAUSE_MS);
}

static void
pause_fired(struct loop *l, struct loop_timer *t)
{
	struct server *s = t->arg;

	accept_resume(s);
	if (s->listening)
		accept_ready(l, &s->sv.io, LOOP_READ);
}

/* Closes the listening socket: --count has all the clients it takes. */
static void
accept_stop(struct server *s)
{
	accept_pause(s, 0);
	loop_timer_cancel(s->sv.l, &s->pause_t);
	if (s->sv.io.fd != -1) {
		out_trace(s->c, "close(fd %d): the listening socket; no more "
		    "accepts", s->sv.io.fd);
		close(s->sv.io.fd);
	}
	s->sv.io.fd = -1;
}

static void
conn_close(struct server *s, struct conn *k, int by_client, enum why why,
    int err)
{
	loop_unwatch(s->sv.l, &k->io);
	if (s->c->trace)
		out_trace(s->c, "close(fd %d)%s (%s)", k->io.fd,
		    tcp_state(s, k->io.fd, ": ", " before it"),
		    by_client ? "the client closed first" : "we close first");
	close(k->io.fd);
	list_del(s, k);
	s->nopen--;
	s->closed++;
	if (why == W_RESET)
		s->resets++;
	if (why == W_IDLE)
		s->idled++;
	log_close(s, &k->peer.sa, k->e.in, k->e.out,
	    clock_since_ms(k->t0_ns), by_client, why, err);
	echo_conn_free(&s->e, &k->e);
	free(k);
	/* a freed fd may be what a paused accept waits for; try at once
	 * (EMFILE comes before an empty queue's EAGAIN, so only an accept
	 * says whether anyone still waits and the shortage is over) */
	if (s->starved && !s->calming && s->sv.io.fd != -1)
		loop_timer_set(s->sv.l, &s->pause_t, 0);
	if (s->count > 0 && s->closed >= s->count && s->sv.io.fd == -1 &&
	    s->nopen == 0)
		loop_stop(s->sv.l);
}

/* Closes k after a failed recv or send. */
static void
conn_fail(struct server *s, struct conn *k, int err)
{
	if (err == ECONNRESET || err == EPIPE || err == ETIMEDOUT ||
	    err == EHOSTUNREACH || err == ENETUNREACH)
		conn_close(s, k, 1, W_RESET, err);
	else
		conn_close(s, k, 0, W_ERROR, err);
}

/* Counts what k moved since in0 and out0; progress keeps it alive. */
static void
moved(struct server *s, struct conn *k, uint64_t in0, uint64_t out0)
{
	s->bytes_in += k->e.in - in0;
	s->bytes_out += k->e.out - out0;
	if (k->e.in != in0 || k->e.out != out0)
		touch(s, k);
}

/* Writes what is pending. Returns 0, or -1 when k was closed. */
static int
conn_flush(struct server *s, struct conn *k)
{
	uint64_t in0 = k->e.in, out0 = k->e.out;

	if (echo_flush(&s->e, &k->e, s->c->trace ? out_trace_cb : NULL,
	    s->c) == -1) {
		conn_fail(s, k, errno);
		return -1;
	}
	moved(s, k, in0, out0);
	return 0;
}

/* Large reads over for a while: the shared buffer gives its pages back. */
static void
trim_fired(struct loop *l, struct loop_timer *t)
{
	struct server *s = t->arg;

	if (s->e.bigreads == s->trim_seen) {
		echo_trim(&s->e);
		return;
	}
	s->trim_seen = s->e.bigreads;
	loop_timer_set(l, t, TRIM_MS);
}

/*
 * Reads what is there and echoes it (lib/core/echo). Returns 0, or -1 when k
 * was closed.
 */
static int
conn_read(struct server *s, struct conn *k)
{
	uint64_t in0 = k->e.in, out0 = k->e.out;

	if (echo_read(&s->e, &k->e, s->c->trace ? out_trace_cb : NULL,
	    s->c) == -1) {
		int err = errno;

		moved(s, k, in0, out0);
		conn_fail(s, k, err);
		return -1;
	}
	moved(s, k, in0, out0);
	if (s->e.bigreads != s->trim_seen && s->trim_t.slot == 0)
		loop_timer_set(s->sv.l, &s->trim_t, TRIM_MS);
	if (k->e.eof && s->c->trace)
		out_trace(s->c, "recv(fd %d): EOF, %s%s", k->io.fd,
		    s->is_unix ? "the client shut its side or closed" :
		    "the client's FIN", tcp_state(s, k->io.fd, "; ", ""));
	return 0;
}

static void
conn_ready(struct loop *l, struct loop_io *io, int ev)
{
	struct conn *k = io->arg;
	struct server *s = k->srv;
	int want = 0, drained = 0;

	if ((ev & LOOP_WRITE) || ((ev & LOOP_HUP) && k->e.len > 0)) {
		if (conn_flush(s, k) == -1)
			return;
		/* all written: read at once rather than after a wake-up */
		drained = k->e.len == 0;
	}
	if (((ev & (LOOP_READ | LOOP_HUP)) || drained) &&
	    echo_wants_read(&k->e)) {
		if (conn_read(s, k) == -1)
			return;
	}
	if (k->e.eof && k->e.len == 0) {
		conn_close(s, k, 1, W_EOF, 0);
		return;
	}
	if ((ev & LOOP_HUP) && !(ev & (LOOP_READ | LOOP_WRITE)) &&
	    k->e.eof) {
		/* hung up with our echo unsent: nobody will read it */
		conn_close(s, k, 1, W_RESET, 0);
		return;
	}
	if (echo_wants_read(&k->e))
		want |= LOOP_READ;
	if (k->e.len > 0)
		want |= LOOP_WRITE;
	if (loop_watch(l, &k->io, want) == -1)
		conn_close(s, k, 0, W_ERROR, errno);
}

static void
idle_fired(struct loop *l, struct loop_timer *t)
{
	struct server *s = t->arg;
	int64_t now = loop_now(l);

	while (s->first != NULL && now - s->first->last_ms >= s->idle_ms)
		conn_close(s, s->first, 0, W_IDLE, 0);
	if (s->first != NULL)
		loop_timer_set(l, t, s->first->last_ms + s->idle_ms - now);
}

/* Pauses accept() and logs an fd shortage once an episode: until the
 * listen queue has been empty for CALM_MS (under churn each freed fd takes
 * one waiting client and the next accept fails again: the same one). */
static void
starving(struct server *s, int err)
{
	char pipes[80];

	accept_pause(s, PAUSE_MS);
	s->short_hits++;
	if (s->calming)
		loop_timer_cancel(s->sv.l, &s->calm_t);
	s->calming = 0;
	if (s->starved)
		return;
	s->starved = 1;
	s->short_hits = 1;
	s->short_late = 0;
	s->short_t0 = clock_ns();
	pipes[0] = '\0';
	if (s->e.pipes > 0)
		snprintf(pipes, sizeof(pipes), " and %d pipe%s of streaming "
		    "ones (%d descriptors)", s->e.pipes, s->e.pipes == 1 ?
		    "" : "s", 2 * s->e.pipes);
	out_err(s->c, "accept: %s (%s): %lld clients open%s, fd limit %ld; "
	    "new clients wait in the listen queue until descriptors free up "
	    "(raise ulimit -n)", errname(err) ? errname(err) : "error",
	    strerror(err), s->nopen, pipes, s->nofile);
}

/* The listen queue stayed empty: the episode is over, with its count. */
static void
starved_end(struct loop *l, struct loop_timer *t)
{
	struct server *s = t->arg;

	(void)l;
	s->starved = s->calming = 0;
	out_err(s->c, "accept: descriptors available again after %.1f s: %lld "
	    "client%s waited in the listen queue, %lld accept%s short of a "
	    "descriptor (%lld clients open)", clock_since_ms(s->short_t0) /
	    1000, s->short_late, s->short_late == 1 ? "" : "s", s->short_hits,
	    s->short_hits == 1 ? "" : "s", s->nopen);
}

static void
refuse(struct server *s, int fd, const struct sockaddr *sa)
{
	char peer[ADDRSTR_MAX];

	close(fd);
	s->refused++;
	if (s->c->json) {
		log_close(s, sa, 0, 0, 0.0, 0, W_MAXCONNS, 0);
		return;
	}
	if (s->c->quiet)
		return;
	logq_printf(&s->outq, "refuse %s: --max-conns %lld reached\n",
	    sa_fmt(sa, peer, sizeof(peer)), s->max_conns);
}

static void
accept_ready(struct loop *l, struct loop_io *io, int ev)
{
	struct server *s = io->arg;
	struct sockaddr_storage ss;
	struct conn *k;
	socklen_t len;
	int fd;

	(void)ev;
	while (s->sv.io.fd != -1 && s->listening) {
		len = sizeof(ss);
		fd = accept4(s->sv.io.fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (s->starved && !s->calming) {
				s->calming = 1;
				loop_timer_set(l, &s->calm_t, CALM_MS);
			}
			return;
		}
		if (fd == -1 && srv_accept_gone(errno))
			continue;	/* that client is gone; the next may do */
		if (fd == -1)
			goto short_of;			/* EMFILE and co */
		s->short_late += s->starved && !s->calming;
		if (s->max_conns > 0 && s->nopen >= s->max_conns) {
			refuse(s, fd, (struct sockaddr *)&ss);
			continue;
		}
		k = calloc(1, sizeof(*k));
		if (k == NULL) {
			close(fd);
			errno = ENOMEM;
			goto short_of;
		}
		k->srv = s;
		k->io.fd = fd;
		k->e.fd = fd;
		k->io.fn = conn_ready;
		k->io.arg = k;
		k->t0_ns = clock_ns();
		k->last_ms = loop_now(l);
		memcpy(&k->peer, &ss, len < sizeof(k->peer) ? len :
		    sizeof(k->peer));
		if (loop_watch(l, &k->io, LOOP_READ) == -1) {
			close(fd);
			free(k);
			goto short_of;
		}
		list_add(s, k);
		s->nopen++;
		s->accepted++;
		if (s->c->trace) {
			char peer[ADDRSTR_MAX];

			out_trace(s->c, "accept(fd %d) = fd %d from %s%s",
			    s->sv.io.fd, fd, s->is_unix && len <= sizeof(
			    sa_family_t) ? "an unbound client socket" :
			    sa_fmt((struct sockaddr *)&ss, peer, sizeof(peer)),
			    tcp_state(s, fd, ", ", ""));
		}
		if (s->nopen > s->max_open)
			s->max_open = s->nopen;
		log_accept(s, k);
		if (s->idle_ms > 0 && s->idle_t.slot == 0)
			loop_timer_set(l, &s->idle_t, s->idle_ms);
		if (s->count > 0 && s->accepted >= s->count)
			accept_stop(s);
	}
	return;
short_of:
	starving(s, errno);
}

static void
summary(struct server *s, int sig)
{
	const struct serve_count counts[] = {
		{ "clients", s->accepted },
		{ "refused", s->refused },
		{ "resets", s->resets },
		{ "idle_closed", s->idled },
		{ "bytes_in", (long long)s->bytes_in },
		{ "bytes_out", (long long)s->bytes_out },
		{ "max_open", s->max_open },
	};
	char text[320];

	snprintf(text, sizeof(text), "%lld clients (%lld refused, %lld reset, "
	    "%lld idle), %llu bytes in, %llu out, at most %lld open",
	    s->accepted, s->refused, s->resets, s->idled,
	    (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	    s->max_open);
	serve_summary(s->c, &s->outq, &s->errq, sig, text, counts,
	    sizeof(counts) / sizeof(counts[0]));
}

int
cmd_echo_server(struct ctx *c, int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	struct es_args a = { 0 };
	int npos, rc, sig;
	struct opt opts[NOPTS];
	struct sockaddr_storage ss;
	struct server *s = NULL;

	opts_fill(opts, &a);
	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (a.once && a.count > 0)
		return out_usage(c, "--once and --count exclude each other");
	if (a.once)
		a.count = 1;
	rc = serve_addr(c, npos, argv + 1, 0, &ss);
	if (rc != 0)
		return rc;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		nomem_exit("server's state");
	s->c = c;
	s->is_unix = ss.ss_family == AF_UNIX;
	s->max_conns = a.max_conns;
	s->count = a.count;
	s->idle_ms = a.idle_ms;
	s->nofile = srv_raise_nofile();
	s->idle_t.fn = idle_fired;
	s->idle_t.arg = s;
	s->pause_t.fn = pause_fired;
	s->pause_t.arg = s;
	s->calm_t.fn = starved_end;
	s->calm_t.arg = s;
	s->trim_t.fn = trim_fired;
	s->trim_t.arg = s;
	if (echo_init(&s->e, a.upper) == -1)
		nomem_exit("echo buffer");

	rc = serve_start(c, &s->sv, &ss, SOCK_STREAM, a.unlink_stale, sigs,
	    accept_ready, s);
	if (rc != 0)
		goto done;
	s->listening = 1;
	out_trace(c, "fd limit %ld; serving", s->nofile);
	sig = serve_run(c, &s->sv, &s->outq, &s->errq);
	rc = sig == -1 ? 1 : 0;
	accept_stop(s);
	if (s->calming) {
		loop_timer_cancel(s->sv.l, &s->calm_t);
		starved_end(s->sv.l, &s->calm_t);
	}
	while (s->first != NULL)
		conn_close(s, s->first, 0, W_SHUTDOWN, 0);
	summary(s, sig);
	rc = logq_end(c, &s->outq, &s->errq, rc);
done:
	if (s != NULL) {
		srv_stop(&s->sv, c->trace ? out_trace_cb : NULL, c);
		echo_free(&s->e);
		free(s);
	}
	return rc;
}
