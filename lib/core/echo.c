#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "errname.h"

/* Reads per echo_read() call at most: the loop serves the others too. */
#define ECHO_ROUNDS	8

int
echo_init(struct echo *e, int upper)
{
	memset(e, 0, sizeof(*e));
	/* mapped, so untouched pages cost nothing and echo_trim() can give
	 * them back */
	e->rbuf = mmap(NULL, ECHO_BIG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->rbuf == MAP_FAILED) {
		e->rbuf = NULL;
		return -1;
	}
	e->upper = upper;
	return 0;
}

void
echo_free(struct echo *e)
{
	if (e->rbuf != NULL)
		(void)munmap(e->rbuf, ECHO_BIG);
	e->rbuf = NULL;
}

void
echo_trim(struct echo *e)
{
	if (!e->dirty)
		return;
	(void)madvise(e->rbuf + ECHO_BUF, ECHO_BIG - ECHO_BUF, MADV_DONTNEED);
	e->dirty = 0;
}

/* Sixteen bytes, as GCC and Clang's vector extension has them. */
typedef unsigned char	echo_v16 __attribute__((vector_size(16)));

void
echo_upcase(char *p, size_t n)
{
	echo_v16 x, lower;
	size_t i = 0;

	/* x - 'a' < 26 (unsigned) for the letters: all ones there; the
	 * compiler makes it a few vector instructions for 16 bytes */
	for (; i + 16 <= n; i += 16) {
		memcpy(&x, p + i, 16);
		lower = (echo_v16)((echo_v16)(x - (unsigned char)'a') < 26);
		x -= lower & 0x20;
		memcpy(p + i, &x, 16);
	}
	for (; i < n; i++)
		if (p[i] >= 'a' && p[i] <= 'z')
			p[i] -= 'a' - 'A';
}

/* Traces a failed call on fd as "<pre><fd><post>: <errno name>", errno kept. */
static void
trace_err(sock_trace_fn tr, void *arg, const char *pre, int fd,
    const char *post)
{
	int save = errno;
	const char *en = errname(save);

	if (tr != NULL)
		tr(arg, "%s%d%s: %s", pre, fd, post, en != NULL ? en : "error");
	errno = save;
}

static int
again(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* The room in fd's send buffer now; 0 when the kernel will not say. */
static size_t
send_room(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);
	uint64_t used;

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == -1 ||
	    len < (SK_MEMINFO_WMEM_QUEUED + 1) * sizeof(mi[0]))
		return 0;
	/* TCP counts its queue in wmem_queued, a Unix stream in wmem_alloc */
	used = (uint64_t)mi[SK_MEMINFO_WMEM_QUEUED] + mi[SK_MEMINFO_WMEM_ALLOC];
	return mi[SK_MEMINFO_SNDBUF] > used ?
	    (size_t)(mi[SK_MEMINFO_SNDBUF] - used) : 0;
}

/* How much to read into the shared buffer. */
static size_t
read_size(const struct echo *e, const struct echo_conn *k)
{
	size_t r;

	/* a large read that the socket then refuses is kept whole: only
	 * while the budget could hold it */
	if (!k->streaming || e->over + (ECHO_BIG - ECHO_BUF) > ECHO_SPARE)
		return ECHO_BUF;
	r = send_room(k->fd);
	return r < ECHO_BUF ? ECHO_BUF : r > ECHO_BIG ? ECHO_BIG : r;
}

/*
 * A Unix stream socket has no send-buffer autotuning (TCP grows its own to
 * net.ipv4.tcp_wmem's maximum): once a Unix connection streams, ask for a
 * larger one, unless it is larger already; and splice its echo through a
 * pipe, when one can be had.
 */
static void
streams(struct echo *e, struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	struct rlimit rl;
	int dom, have, want = ECHO_UNIX_SNDBUF;
	socklen_t len = sizeof(dom);

	k->grown = 1;
	if (getsockopt(k->fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == -1 ||
	    dom != AF_UNIX)
		return;
	len = sizeof(have);
	/* getsockopt reads back what the kernel made of it: twice as much */
	if (getsockopt(k->fd, SOL_SOCKET, SO_SNDBUF, &have, &len) == 0 &&
	    have < 2 * want && setsockopt(k->fd, SOL_SOCKET, SO_SNDBUF, &want,
	    sizeof(want)) == 0 && tr != NULL)
		tr(arg, "setsockopt(fd %d, SO_SNDBUF, %d KiB): a streaming Unix "
		    "connection (it had %d KiB)", k->fd, want / 1024,
		    have / 1024);
	if (e->upper || e->pipes >= ECHO_PIPES)
		return;
	if (pipe2(k->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		trace_err(tr, arg, "fd ", k->fd, ": no pipe to splice "
		    "through, echoed by copy; pipe2()");
		return;
	}
	/* the last quarter of the descriptors is the clients' */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)k->pipe[1] >= rl.rlim_cur - rl.rlim_cur / 4) {
		if (tr != NULL)
			tr(arg, "fd %d: no pipe to splice through, echoed by "
			    "copy; its descriptors would be %d and %d of a limit "
			    "of %llu, the last quarter kept for clients", k->fd,
			    k->pipe[0], k->pipe[1],
			    (unsigned long long)rl.rlim_cur);
		close(k->pipe[0]);
		close(k->pipe[1]);
		return;
	}
	if (fcntl(k->pipe[1], F_SETPIPE_SZ, ECHO_PIPE) == -1) {
		trace_err(tr, arg, "fd ", k->fd, ": no pipe to splice "
		    "through, echoed by copy; fcntl(F_SETPIPE_SZ)");
		close(k->pipe[0]);
		close(k->pipe[1]);
		return;
	}
	k->piped = 1;
	e->pipes++;
	if (tr != NULL)
		tr(arg, "fd %d: echoed by splice() through a pipe of %d KiB "
		    "from now on", k->fd, ECHO_PIPE / 1024);
}

/* Keeps the n bytes at p that the socket did not take. */
static int
keep(struct echo *e, struct echo_conn *k, const char *p, size_t n)
{
	size_t cap = n > ECHO_BUF ? n : ECHO_BUF;

	k->buf = malloc(cap);
	if (k->buf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(k->buf, p, n);
	k->off = 0;
	k->len = (uint32_t)n;
	k->cap = (uint32_t)cap;
	e->over += cap - ECHO_BUF;
	return 0;
}

static void
drop(struct echo *e, struct echo_conn *k)
{
	if (k->buf == NULL)
		return;
	free(k->buf);
	e->over -= k->cap - ECHO_BUF;
	k->buf = NULL;
	k->off = k->len = k->cap = 0;
}

void
echo_conn_free(struct echo *e, struct echo_conn *k)
{
	drop(e, k);
	if (k->piped) {
		close(k->pipe[0]);
		close(k->pipe[1]);
		k->piped = 0;
		k->len = 0;
		e->pipes--;
	}
}

/*
 * Sends what waits in k's pipe. Returns 0, or -1 with errno set. splice()
 * takes no MSG_NOSIGNAL: a peer gone raises SIGPIPE, which the program
 * ignores (cmd/sockctl.c), and EPIPE comes back here.
 */
static int
splice_out(struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	ssize_t w;

	w = splice(k->pipe[0], NULL, k->fd, NULL, k->len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (w == -1) {
		if (again(errno))
			return 0;
		trace_err(tr, arg, "splice(pipe to fd ", k->fd, ")");
		return -1;
	}
	if (tr != NULL)
		tr(arg, "splice(pipe to fd %d): %zd of %u bytes%s", k->fd, w,
		    k->len, (uint32_t)w < k->len ? "; the rest waits for room" :
		    "");
	k->out += (uint64_t)w;
	k->len -= (uint32_t)w;
	return 0;
}

/* echo_read() for a spliced connection: socket to pipe, pipe to socket. */
static int
splice_echo(struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	ssize_t n;

	for (int round = 0; round < ECHO_ROUNDS && k->len == 0; round++) {
		/* the pipe is empty: EAGAIN says the socket is */
		n = splice(k->fd, NULL, k->pipe[1], NULL, ECHO_PIPE,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1) {
			if (again(errno))
				return 0;
			trace_err(tr, arg, "splice(fd ", k->fd,
			    " to pipe)");
			return -1;
		}
		if (n == 0) {
			k->eof = 1;
			return 0;
		}
		if (tr != NULL)
			tr(arg, "splice(fd %d to pipe): %zd bytes", k->fd, n);
		k->in += (uint64_t)n;
		k->len = (uint32_t)n;
		if (splice_out(k, tr, arg) == -1)
			return -1;
		if (n < ECHO_PIPE)
			break;
	}
	return 0;
}

int
echo_read(struct echo *e, struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	ssize_t n, w;
	size_t room;
	char *p;

	if (k->piped)
		return splice_echo(k, tr, arg);
	for (int round = 0; round < ECHO_ROUNDS; round++) {
		if (k->len > 0) {
			/* appended to what is pending, within the bound */
			if (k->len >= ECHO_BUF)
				return 0;
			if (k->off > 0) {
				memmove(k->buf, k->buf + k->off, k->len);
				k->off = 0;
			}
			if (k->cap > ECHO_BUF) {
				char *nb = realloc(k->buf, ECHO_BUF);

				if (nb != NULL) {
					e->over -= k->cap - ECHO_BUF;
					k->buf = nb;
					k->cap = ECHO_BUF;
				}
			}
			p = k->buf + k->len;
			room = ECHO_BUF - k->len;
		} else {
			p = e->rbuf;
			room = read_size(e, k);
		}
		n = recv(k->fd, p, room, 0);
		if (n == -1)
			return again(errno) ? 0 : -1;
		if (n == 0) {
			k->eof = 1;
			return 0;
		}
		if (tr != NULL)
			tr(arg, "recv(fd %d): %zd bytes", k->fd, n);
		k->in += (uint64_t)n;
		if (n > ECHO_BUF) {
			e->bigreads++;
			e->dirty = 1;
		}
		if (e->upper)
			echo_upcase(p, (size_t)n);
		if (k->len > 0) {
			k->len += (uint32_t)n;
			return 0;
		}
		/* a read of more than a small message's worth */
		k->streaming = n >= ECHO_BUF;
		w = send(k->fd, p, (size_t)n, MSG_NOSIGNAL);
		if (w == -1) {
			if (!again(errno)) {
				trace_err(tr, arg, "send(fd ", k->fd, ")");
				return -1;
			}
			w = 0;
		}
		if (tr != NULL)
			tr(arg, "send(fd %d): %zd of %zd bytes%s", k->fd, w, n,
			    w < n ? "; the rest waits for room" : "");
		k->out += (uint64_t)w;
		if (w < n)
			return keep(e, k, p + w, (size_t)(n - w));
		if (k->streaming && !k->grown) {
			streams(e, k, tr, arg);
			if (k->piped)
				return splice_echo(k, tr, arg);
		}
		/* a short read: the socket is empty, or nearly */
		if ((size_t)n < room)
			return 0;
	}
	return 0;
}

int
echo_flush(struct echo *e, struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	ssize_t w;

	if (k->len == 0)
		return 0;
	if (k->piped)
		return splice_out(k, tr, arg);
	w = send(k->fd, k->buf + k->off, k->len, MSG_NOSIGNAL);
	if (w == -1) {
		if (again(errno))
			return 0;
		trace_err(tr, arg, "send(fd ", k->fd, ")");
		return -1;
	}
	if (tr != NULL)
		tr(arg, "send(fd %d): %zd of %u pending bytes", k->fd, w,
		    k->len);
	k->off += (uint32_t)w;
	k->len -= (uint32_t)w;
	k->out += (uint64_t)w;
	if (k->len == 0)
		drop(e, k);
	return 0;
}
