/*
 * The exporter's HTTP/1.1 connections on the event loop: see httpd.h.
 * A connection is a small state machine driven by conn_run(): READ (a
 * request head arriving in its fixed buffer), PENDING (the owner has the
 * request; nothing more is read), WRITE (the answer going out; then back
 * to READ for the next request already in the buffer, or closed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "httpd.h"

/* CS_LINGER: the last answer is out and our side shut; what the client
 * still sends is read and dropped until it closes (a close() with unread
 * bytes would reset the connection, and the answer could be lost) */
enum cstate { CS_READ, CS_PENDING, CS_WRITE, CS_LINGER };
enum { RUN_BLOCK, RUN_GONE, RUN_AGAIN };

#define ACCEPT_BATCH	64	/* accepts per wake-up */
#define PAUSE_MS	100	/* no descriptor left: accept again after */
#define LINGER_MS	1000	/* the most a closing connection waits */

struct httpd_conn {
	struct httpd		*h;
	struct httpd_conn	*prev, *next;
	struct loop_io		 io;
	struct loop_timer	 tm;
	struct sockaddr_storage	 peer;
	enum cstate		 st;
	int			 eof;		/* the peer shut its side */
	int			 dead;		/* gone while PENDING */
	int			 in_cb;		/* inside on_request */
	int			 keep;		/* stays open after this answer */
	int			 late;		/* cut off while answering */
	int64_t			 req_ms;	/* the request's first byte */
	int64_t			 req_ns;	/* the same, for the log */
	int64_t			 idle_ms;	/* waiting since; 0: has data */
	int64_t			 wr_ms;		/* the answer started */
	struct http_req		 rq;
	size_t			 headlen;	/* of the request answered */
	int			 status;
	char			*out;
	size_t			 outlen, outoff;
	size_t			 inlen;
	char			 in[HTTP_HEAD_MAX];
};

struct httpd {
	struct httpd_cfg	 cfg;
	struct loop_timer	 pause;
	struct httpd_conn	*conns;
	size_t			 nconns;
	uint64_t		 accepted, cut;
};

static void	conn_run(struct httpd_conn *c);

static void
conn_free(struct httpd_conn *c)
{
	struct httpd *h = c->h;

	loop_timer_cancel(h->cfg.l, &c->tm);
	if (c->io.fd != -1) {
		loop_unwatch(h->cfg.l, &c->io);
		close(c->io.fd);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nconns--;
	free(c->out);
	free(c);
}

static void
log_it(struct httpd_conn *c, const struct http_req *rq, int status,
    size_t bytes, const char *note)
{
	struct httpd *h = c->h;
	struct httpd_log lg;

	if (h->cfg.on_log == NULL)
		return;
	lg.peer = &c->peer;
	lg.rq = rq;
	lg.status = status;
	lg.bytes = bytes;
	lg.ms = (double)(clock_ns() - c->req_ns) / 1e6;
	lg.note = note;
	lg.late = c->late;
	h->cfg.on_log(&lg, h->cfg.arg);
}

/* Cuts c off: counted, logged when note, closed. */
static void
conn_cut(struct httpd_conn *c, int status, const char *note)
{
	c->h->cut++;
	c->late = c->st == CS_WRITE;
	if (note != NULL)
		log_it(c, c->st == CS_WRITE ? &c->rq : NULL, status, 0, note);
	conn_free(c);
}

/* Builds the answer into c->out; -1 when there is no memory. */
static int
build(struct httpd_conn *c, int status, const char *ctype, const char *body,
    size_t n, const char *extra, int close_)
{
	char head[512];
	int hl;
	size_t bl;

	c->keep = c->keep && !close_;
	hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n", status,
	    http_reason(status), ctype, n, c->keep ? "" :
	    "Connection: close\r\n", extra != NULL ? extra : "");
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return -1;
	bl = c->rq.method == HTTP_HEAD && c->headlen > 0 ? 0 : n;
	free(c->out);
	c->out = malloc((size_t)hl + bl);
	if (c->out == NULL)
		return -1;
	memcpy(c->out, head, (size_t)hl);
	if (bl > 0)
		memcpy(c->out + hl, body, bl);
	c->outlen = (size_t)hl + bl;
	c->outoff = 0;
	c->status = status;
	c->wr_ms = loop_now(c->h->cfg.l);
	c->st = CS_WRITE;
	return 0;
}

/* An error answer of the server's own: the message as a text body. */
static void
answer_error(struct httpd_conn *c, int status, const char *msg)
{
	char body[HTTP_ERR_MAX + 8];
	int n = snprintf(body, sizeof(body), "%s\n", msg);

	c->headlen = 0;
	c->keep = 0;
	if (build(c, status, "text/plain; charset=utf-8", body, (size_t)n,
	    status == 405 ? "Allow: GET, HEAD\r\n" : NULL, 1) == -1) {
		conn_cut(c, status, "no memory for the answer");
		return;
	}
	log_it(c, NULL, status, (size_t)n, msg);
}

/* Parses what is in c->in; RUN_BLOCK when it must wait for more. */
static int
conn_parse(struct httpd_conn *c)
{
	struct httpd *h = c->h;
	char err[HTTP_ERR_MAX];
	long r;

	if (c->inlen == 0) {
		if (c->eof) {
			conn_free(c);
			return RUN_GONE;
		}
		if (c->idle_ms == 0)
			c->idle_ms = loop_now(h->cfg.l);
		(void)loop_timer_set(h->cfg.l, &c->tm, h->cfg.idle_ms);
		(void)loop_watch(h->cfg.l, &c->io, LOOP_READ);
		return RUN_BLOCK;
	}
	if (c->idle_ms != 0) {
		c->idle_ms = 0;
		c->req_ms = loop_now(h->cfg.l);
		c->req_ns = clock_ns();
	}
	r = http_parse(c->in, c->inlen, &c->rq, err, sizeof(err));
	if (r < 0) {
		answer_error(c, (int)-r, err);
		return c->st == CS_WRITE ? RUN_AGAIN : RUN_GONE;
	}
	if (r == 0) {
		if (c->eof) {
			answer_error(c, 400, "the connection was shut before "
			    "the request head was complete");
			return c->st == CS_WRITE ? RUN_AGAIN : RUN_GONE;
		}
		(void)loop_timer_set(h->cfg.l, &c->tm, c->req_ms +
		    h->cfg.timeout_ms - loop_now(h->cfg.l));
		(void)loop_watch(h->cfg.l, &c->io, LOOP_READ);
		return RUN_BLOCK;
	}
	c->headlen = (size_t)r;
	c->keep = c->rq.keep_alive;
	c->st = CS_PENDING;
	loop_timer_cancel(h->cfg.l, &c->tm);
	(void)loop_watch(h->cfg.l, &c->io, 0);
	c->in_cb = 1;
	h->cfg.on_request(c, &c->rq, h->cfg.arg);
	c->in_cb = 0;
	if (c->dead) {
		conn_free(c);
		return RUN_GONE;
	}
	return c->st == CS_PENDING ? RUN_BLOCK : RUN_AGAIN;
}

/* Writes the answer; on the end of it, back to READ or closed. */
static int
conn_flush(struct httpd_conn *c)
{
	struct httpd *h = c->h;
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->io.fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			(void)loop_watch(h->cfg.l, &c->io, LOOP_WRITE);
			(void)loop_timer_set(h->cfg.l, &c->tm, c->wr_ms +
			    h->cfg.timeout_ms - loop_now(h->cfg.l));
			return RUN_BLOCK;
		}
		conn_free(c);	/* the client went away */
		return RUN_GONE;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	loop_timer_cancel(h->cfg.l, &c->tm);
	if (!c->keep) {
		if (c->eof || shutdown(c->io.fd, SHUT_WR) == -1) {
			conn_free(c);
			return RUN_GONE;
		}
		c->st = CS_LINGER;
		(void)loop_watch(h->cfg.l, &c->io, LOOP_READ);
		(void)loop_timer_set(h->cfg.l, &c->tm, LINGER_MS);
		return RUN_BLOCK;
	}
	/* the next request, maybe already here (pipelined) */
	memmove(c->in, c->in + c->headlen, c->inlen - c->headlen);
	c->inlen -= c->headlen;
	c->headlen = 0;
	c->st = CS_READ;
	c->idle_ms = loop_now(h->cfg.l);
	return RUN_AGAIN;
}

static void
conn_run(struct httpd_conn *c)
{
	int r = RUN_AGAIN;

	while (r == RUN_AGAIN) {
		if (c->st == CS_READ)
			r = conn_parse(c);
		else if (c->st == CS_WRITE)
			r = conn_flush(c);
		else
			r = RUN_BLOCK;
	}
}

static void
conn_read(struct httpd_conn *c)
{
	ssize_t n;

	while (c->inlen < sizeof(c->in) && !c->eof) {
		n = recv(c->io.fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
		    MSG_DONTWAIT);
		if (n > 0) {
			c->inlen += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		c->eof = 1;	/* reset: what is here is all there is */
		c->keep = 0;
		break;
	}
}

static void
conn_io(struct loop *l, struct loop_io *io, int ev)
{
	struct httpd_conn *c = io->arg;

	(void)l;
	if (c->st == CS_PENDING) {
		/* an error or hang-up while the owner works: answer nobody */
		loop_unwatch(c->h->cfg.l, &c->io);
		c->dead = 1;
		return;
	}
	if (c->st == CS_LINGER) {
		char drop[4096];
		ssize_t n;

		while ((n = recv(c->io.fd, drop, sizeof(drop), MSG_DONTWAIT)) >
		    0)
			;
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_free(c);
		return;
	}
	if (c->st == CS_READ && (ev & (LOOP_READ | LOOP_HUP)))
		conn_read(c);
	conn_run(c);
}

static void
conn_timer(struct loop *l, struct loop_timer *t)
{
	struct httpd_conn *c = t->arg;

	(void)l;
	if (c->st == CS_LINGER)
		conn_free(c);
	else if (c->st == CS_WRITE)
		conn_cut(c, c->status, "cut off: the client did not take the "
		    "answer within the time limit");
	else if (c->st == CS_READ && c->inlen > 0) {
		static const char msg[] = "HTTP/1.1 408 Request Timeout\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n";

		(void)send(c->io.fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		conn_cut(c, 408, "cut off: the request head was not complete "
		    "within the time limit");
	} else if (c->st == CS_READ) {
		conn_free(c);	/* idle keep-alive: closed quietly */
	}
}

/* The connection waiting longest for a request, or NULL. */
static struct httpd_conn *
oldest_reader(struct httpd *h)
{
	struct httpd_conn *best = NULL;
	int64_t bt = 0;

	for (struct httpd_conn *c = h->conns; c != NULL; c = c->next) {
		int64_t t = c->idle_ms != 0 ? c->idle_ms : c->req_ms;

		if (c->st == CS_LINGER)
			return c;	/* answered already: the first to go */
		if (c->st != CS_READ)
			continue;
		if (best == NULL || t < bt) {
			best = c;
			bt = t;
		}
	}
	return best;
}

static void
refuse(int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 42\r\n"
	    "Connection: close\r\n\r\n"
	    "too many connections open; try again soon\n";

	(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
pause_timer(struct loop *l, struct loop_timer *t)
{
	struct httpd *h = t->arg;

	(void)loop_watch(l, h->cfg.lio, LOOP_READ);
}

void
httpd_accept(struct httpd *h)
{
	struct loop *l = h->cfg.l;
	struct loop_io *io = h->cfg.lio;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct httpd_conn *c;
		int fd;

		fd = accept4(io->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct httpd_conn *o = oldest_reader(h);

				if (o != NULL) {
					conn_cut(o, 503, o->st == CS_READ &&
					    o->inlen > 0 ?
					    "closed to make room: no "
					    "descriptor left" : NULL);
					continue;
				}
				/* nothing to close: wait a little */
				(void)loop_watch(l, io, 0);
				(void)loop_timer_set(l, &h->pause, PAUSE_MS);
			}
			return;
		}
		if (h->nconns >= h->cfg.max_conns) {
			struct httpd_conn *o = oldest_reader(h);

			if (o == NULL) {
				h->cut++;
				refuse(fd);
				continue;
			}
			conn_cut(o, 503, o->st == CS_READ && o->inlen > 0 ?
			    "closed to make room "
			    "for a new connection" : NULL);
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			h->cut++;
			refuse(fd);
			continue;
		}
		if (ss.ss_family == AF_UNIX && sl <= sizeof(sa_family_t))
			ss.ss_family = AF_UNIX;	/* an unbound client */
		c->h = h;
		c->peer = ss;
		c->io.fd = fd;
		c->io.fn = conn_io;
		c->io.arg = c;
		c->tm.fn = conn_timer;
		c->tm.arg = c;
		c->st = CS_READ;
		c->idle_ms = loop_now(l);
		c->req_ms = c->idle_ms;
		c->req_ns = clock_ns();
		c->next = h->conns;
		if (h->conns != NULL)
			h->conns->prev = c;
		h->conns = c;
		h->nconns++;
		h->accepted++;
		if (loop_watch(l, &c->io, LOOP_READ) == -1) {
			conn_free(c);
			continue;
		}
		/* the request may be here already (TCP_DEFER_ACCEPT-like) */
		conn_read(c);
		conn_run(c);
	}
}

struct httpd *
httpd_new(const struct httpd_cfg *cfg)
{
	struct httpd *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->cfg = *cfg;
	if (h->cfg.max_conns == 0)
		h->cfg.max_conns = 1;
	h->pause.fn = pause_timer;
	h->pause.arg = h;
	return h;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	while (h->conns != NULL)
		conn_free(h->conns);
	loop_timer_cancel(h->cfg.l, &h->pause);
	free(h);
}

int
httpd_respond(struct httpd_conn *c, int status, const char *ctype,
    const char *body, size_t n, const char *extra, int close_,
    const char *note)
{
	if (c->dead && !c->in_cb) {
		conn_free(c);
		return 0;
	}
	if (c->dead)
		return 0;	/* conn_parse() frees it after the callback */
	if (n > c->h->cfg.max_body) {
		status = 500;
		ctype = "text/plain; charset=utf-8";
		body = "the answer is larger than the exporter sends\n";
		n = strlen(body);
		extra = NULL;
	}
	if (build(c, status, ctype, body, n, extra, close_) == -1) {
		log_it(c, &c->rq, 500, 0, "no memory for the answer");
		c->h->cut++;
		if (c->in_cb)
			c->dead = 1;
		else
			conn_free(c);
		return -1;
	}
	log_it(c, &c->rq, status, n, note);
	if (!c->in_cb)
		conn_run(c);
	return 0;
}

const struct sockaddr_storage *
httpd_peer(const struct httpd_conn *c)
{
	return &c->peer;
}

void
httpd_stats(const struct httpd *h, struct httpd_stats *st)
{
	st->open = h->nconns;
	st->accepted = h->accepted;
	st->cut = h->cut;
}
