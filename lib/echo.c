#include <errno.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

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
}

/* Traces a failed send(), errno kept. */
static void
trace_err(sock_trace_fn tr, void *arg, const char *call, int fd)
{
	int save = errno;
	const char *en = errname(save);

	if (tr != NULL)
		tr(arg, "%s(fd %d): %s", call, fd, en != NULL ? en : "error");
	errno = save;
}

static int
again(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

int
echo_read(struct echo *e, struct echo_conn *k, sock_trace_fn tr, void *arg)
{
	ssize_t n, w;
	size_t room;
	char *p;

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
		k->streaming = (size_t)n == room;
		w = send(k->fd, p, (size_t)n, MSG_NOSIGNAL);
		if (w == -1) {
			if (!again(errno)) {
				trace_err(tr, arg, "send", k->fd);
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
		/* a short read: the socket is empty, or nearly */
		if (!k->streaming)
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
	w = send(k->fd, k->buf + k->off, k->len, MSG_NOSIGNAL);
	if (w == -1) {
		if (again(errno))
			return 0;
		trace_err(tr, arg, "send", k->fd);
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
