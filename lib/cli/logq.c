#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"
#include "esc.h"
#include "logq.h"
#include "out.h"
#include "reason.h"

/*
 * How the fd is written: LQ_WRITE with write() (a file, a device, an fd
 * already O_NONBLOCK), LQ_OWN with write() to our own O_NONBLOCK open of
 * a pipe or tty, LQ_SEND with send(MSG_DONTWAIT) (a socket), LQ_POLL with
 * write() once poll() says there is room.
 */
enum { LQ_WRITE, LQ_OWN, LQ_SEND, LQ_POLL };

#define NOTE_MAX	192
#define LQ_LINE_MAX	2048	/* a formatted line; longer is cut */

static void	q_ready(struct loop *, struct loop_io *, int);

/*
 * A pipe or a tty can be full and stay full; opening it again gives an
 * open file description of our own, whose O_NONBLOCK nobody else sees.
 * Returns the new fd, or -1 (a socket gives ENXIO, no /proc, EACCES...).
 */
static int
reopen(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

int
logq_open(struct logq *q, int fd, const char *name, const char *what,
    const char *json_cmd)
{
	struct stat st;
	int fl, nfd;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->io.fd = fd;
	q->io.fn = q_ready;
	q->io.arg = q;
	q->name = name;
	q->what = what;
	q->json_cmd = json_cmd;
	q->how = LQ_WRITE;
	if ((q->buf = malloc(LOGQ_CAP)) == NULL)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fstat(fd, &st) == -1 || (fl & O_NONBLOCK))
		return 0;	/* writes fail (EBADF), or never wait */
	if (S_ISSOCK(st.st_mode))
		q->how = LQ_SEND;
	else if (S_ISFIFO(st.st_mode) || (S_ISCHR(st.st_mode) && isatty(fd))) {
		if ((nfd = reopen(fd)) != -1) {
			q->how = LQ_OWN;
			q->io.fd = nfd;
		} else
			q->how = LQ_POLL;
	}
	return 0;
}

/* Watches the fd while lines wait, and only then. */
static void
watch(struct logq *q)
{
	int want = q->len > 0 && q->err == 0;

	if (q->l == NULL)
		return;
	if (want && !q->io.added)
		/* a failure (no memory) leaves the lines to the next put */
		(void)loop_watch(q->l, &q->io, LOOP_WRITE);
	else if (!want && q->io.added)
		loop_unwatch(q->l, &q->io);
}

void
logq_attach(struct logq *q, struct loop *l)
{
	if (q->l != NULL && q->io.added)
		loop_unwatch(q->l, &q->io);
	q->l = l;
	watch(q);
}

static uint64_t
count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	const char *e = p + n, *nl;

	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p = nl + 1;
	}
	return k + (p < e);	/* a last line without its newline yet */
}

/* A write failed for good: what waits is lost, and so is what follows. */
static void
fail(struct logq *q, int err)
{
	q->err = err;
	q->dropped += count_lines(q->buf + q->off, q->len);
	q->off = q->len = 0;
}

static ssize_t
put_out(struct logq *q, const char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;

	switch (q->how) {
	case LQ_SEND:
		w = send(q->io.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w == -1 && errno == ENOTSOCK) {
			q->how = LQ_POLL;
			return put_out(q, p, n);
		}
		return w;
	case LQ_POLL:
		/* room for PIPE_BUF bytes: a pipe has a free page */
		pfd.fd = q->io.fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0) {
			errno = EAGAIN;
			return -1;
		}
		return write(q->io.fd, p, n);
	default:
		return write(q->io.fd, p, n);
	}
}

/* Formats the dropped-lines note into buf; returns its length. */
static size_t
note_fmt(const struct logq *q, char *buf)
{
	int n;

	if (q->json_cmd != NULL)
		n = snprintf(buf, NOTE_MAX, "{\"event\":\"dropped\","
		    "\"command\":\"%s\",\"log_dropped\":%llu}\n", q->json_cmd,
		    (unsigned long long)q->unsaid);
	else
		n = snprintf(buf, NOTE_MAX, "(%llu %s dropped: %s was not "
		    "read)\n", (unsigned long long)q->unsaid, q->what, q->name);
	return n < 0 ? 0 : (size_t)n >= NOTE_MAX ? NOTE_MAX - 1 : (size_t)n;
}

/* Appends n bytes, which fit. */
static void
append(struct logq *q, const char *s, size_t n)
{
	if (q->off + q->len + n > LOGQ_CAP) {
		memmove(q->buf, q->buf + q->off, q->len);
		q->off = 0;
	}
	memcpy(q->buf + q->off + q->len, s, n);
	q->len += n;
}

/*
 * Queues the note of the lines dropped when it fits with need bytes more.
 * Returns 0 when it is queued (or none is owed), -1 when there is no room.
 */
static int
note(struct logq *q, size_t need)
{
	char buf[NOTE_MAX];
	size_t n;

	if (q->unsaid == 0)
		return 0;
	n = note_fmt(q, buf);
	if (q->len + n + need > LOGQ_CAP)
		return -1;
	append(q, buf, n);
	q->unsaid = 0;
	return 0;
}

void
logq_flush(struct logq *q)
{
	size_t n;
	ssize_t w;
	char *p, *nl;

	for (;;) {
		while (q->len > 0 && q->err == 0) {
			/*
			 * Whole lines, at most PIPE_BUF bytes a write: a pipe
			 * takes those whole or not at all, so lines of others
			 * sharing it (2>&1) never cut into ours.
			 */
			p = q->buf + q->off;
			n = q->len;
			if (n > PIPE_BUF) {
				nl = memrchr(p, '\n', PIPE_BUF);
				n = nl != NULL ? (size_t)(nl - p) + 1 :
				    PIPE_BUF;
			}
			w = put_out(q, p, n);
			if (w > 0) {
				q->off += (size_t)w;
				q->len -= (size_t)w;
				continue;
			}
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK))
				break;
			fail(q, w == -1 ? errno : EIO);
		}
		if (q->len == 0)
			q->off = 0;
		/* room again: say what was lost as soon as it fits */
		if (q->err != 0 || q->unsaid == 0 || note(q, 0) == -1 ||
		    q->len == 0)
			break;
	}
	watch(q);
}

static void
q_ready(struct loop *l, struct loop_io *io, int ev)
{
	struct logq *q = io->arg;

	(void)l;
	logq_flush(q);
	/* a hang-up is for good: the reader is gone, nothing will drain */
	if ((ev & LOOP_HUP) && q->len > 0 && q->err == 0) {
		fail(q, EPIPE);
		watch(q);
	}
}

int
logq_put(struct logq *q, const char *s, size_t n, int nl)
{
	size_t need = n + (nl ? 1 : 0);

	if (q->err != 0 || note(q, need) == -1 || q->len + need > LOGQ_CAP) {
		q->dropped++;
		q->unsaid++;
		return -1;
	}
	append(q, s, n);
	if (nl)
		append(q, "\n", 1);
	/* while the loop watches the fd, it says when there is room */
	if (!q->io.added)
		logq_flush(q);
	return 0;
}

int
logq_printf(struct logq *q, const char *fmt, ...)
{
	char text[LQ_LINE_MAX], line[LQ_LINE_MAX];
	va_list ap;
	size_t used, len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	/* a peer's Unix socket path may hold escapes or invalid UTF-8 */
	len = esc_term(text, (size_t)n, line, sizeof(line), &used);
	if (len > 0 && line[len - 1] != '\n')
		line[len - 1] = '\n';	/* cut: the line still ends */
	return logq_put(q, line, len, 0);
}

void
logq_sink(void *arg, const char *s, size_t n)
{
	(void)logq_put(arg, s, n, 0);
}

uint64_t
logq_dropped(const struct logq *q)
{
	return q->dropped;
}

uint64_t
logq_close(struct logq *q)
{
	uint64_t d;

	logq_flush(q);
	if (q->l != NULL && q->io.added)
		loop_unwatch(q->l, &q->io);
	q->l = NULL;
	d = q->dropped + count_lines(q->buf + q->off, q->len);
	if (q->how == LQ_OWN)
		close(q->io.fd);
	free(q->buf);
	q->buf = NULL;
	q->off = q->len = 0;
	return d;
}

void
logq_drops(char *buf, size_t size, uint64_t out, uint64_t err)
{
	int n = 0;

	buf[0] = '\0';
	if (out > 0)
		n = snprintf(buf, size, ", %llu log lines dropped",
		    (unsigned long long)out);
	if (err > 0 && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", %llu stderr lines "
		    "dropped", (unsigned long long)err);
}

int
logq_begin(struct ctx *c, struct logq *out, struct logq *err,
    struct loop *l)
{
	fflush(c->out);
	fflush(c->err);
	if (logq_open(out, fileno(c->out), "stdout", "log lines",
	    c->json ? c->cmd : NULL) == -1)
		return -1;
	if (logq_open(err, fileno(c->err), "stderr", "lines", NULL) == -1) {
		(void)logq_close(out);
		return -1;
	}
	logq_attach(out, l);
	logq_attach(err, l);
	c->errsink = logq_sink;
	c->errsink_arg = err;
	return 0;
}

int
logq_end(struct ctx *c, struct logq *out, struct logq *err, int rc)
{
	int e = out->err;
	uint64_t lost;

	lost = logq_close(out);
	if (e == 0)
		e = out->err;
	if (e != 0) {
		out_err(c, "cannot write to stdout: %s (%s); %llu log lines "
		    "are lost", errname(e) != NULL ? errname(e) : "error",
		    strerror(e), (unsigned long long)lost);
		if (rc == 0)
			rc = reason_exit(RS_ERROR);
	} else if (lost > 0)
		out_err(c, "%llu log lines dropped: stdout was not read",
		    (unsigned long long)lost);
	(void)logq_close(err);
	c->errsink = NULL;
	c->errsink_arg = NULL;
	return rc;
}
