/*
 * The data path of an echoing stream connection (echo-server): read, send
 * back at once (upper-cased when asked), and keep only what the peer
 * cannot take yet, within a bound. Mechanism: returns 0/-1 with errno set,
 * never prints; each recv() and send() is reported to a trace callback
 * when one is given.
 *
 * The bound: a connection keeps at most ECHO_BUF bytes of its own. A
 * connection that streams (its last read brought ECHO_BUF or more) reads
 * more at a time, as much as its socket's send buffer has room for right
 * now (up to ECHO_BIG), into the one read buffer all connections share; the
 * kernel then takes it whole, so nothing more is kept. When it does not
 * (memory pressure), the excess above ECHO_BUF is kept and counted against
 * ECHO_SPARE, one budget for the whole server: large reads stop while it
 * could be overdrawn. So the user memory for echoes is at most ECHO_BUF a
 * connection plus ECHO_SPARE in all, and a client that never reads costs
 * at most ECHO_BUF here (TCP flow control stops it).
 *
 * Kernel memory: TCP grows a streaming socket's send buffer itself (to
 * net.ipv4.tcp_wmem's maximum, 4 MiB by default); a Unix stream socket
 * keeps net.core.wmem_default (208 KiB), which halves what one read and
 * one send can move. A Unix connection that streams asks once for
 * ECHO_UNIX_SNDBUF (the kernel doubles it, and caps it at twice
 * net.core.wmem_max): a client that stops reading then holds up to 1 MiB
 * of kernel memory in its queue, as a TCP one may hold 4 MiB.
 *
 * A streaming Unix connection is then echoed with splice(), socket to a
 * pipe of its own (ECHO_PIPE bytes) and back, when it is plain echo (not
 * --upper) and fewer than ECHO_PIPES connections are spliced: no copy
 * through user space, and nothing kept here at all (k->len is what waits
 * in the pipe: kernel memory, at most ECHO_PIPE). No pipe (descriptors
 * or pipe memory short, or the pipe's descriptors in the last quarter of
 * RLIMIT_NOFILE, kept for clients), and it is echoed by copy as before. Not on TCP:
 * there the spliced pages cost the reading client more than the copy
 * saves the server (bench/BULK.md). splice() cannot be told
 * MSG_NOSIGNAL: the caller ignores SIGPIPE.
 */
#ifndef SOCKCTL_ECHO_H
#define SOCKCTL_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "sock.h"

#define ECHO_BUF	(64 * 1024)		/* a connection's bound */
#define ECHO_BIG	(1024 * 1024)		/* the largest read */
#define ECHO_SPARE	(8 * 1024 * 1024)	/* kept above ECHO_BUF, in all */
/* SO_SNDBUF of a streaming Unix connection (the kernel doubles it) */
#define ECHO_UNIX_SNDBUF	(512 * 1024)
#define ECHO_PIPE	(256 * 1024)		/* a spliced connection's pipe */
#define ECHO_PIPES	16			/* pipes in all, 2 fds each */

/* What the connections of a server share. */
struct echo {
	char		*rbuf;		/* ECHO_BIG bytes, mapped */
	int		 upper;		/* upper-case the echo */
	size_t		 over;		/* kept above ECHO_BUF, all connections */
	uint64_t	 bigreads;	/* reads of more than ECHO_BUF so far */
	int		 dirty;		/* rbuf beyond ECHO_BUF touched */
	int		 pipes;		/* connections spliced now */
};

/* One connection; zero it, then set fd. */
struct echo_conn {
	int		 fd;
	int		 eof;		/* recv() returned 0 */
	int		 streaming;	/* its last read was ECHO_BUF or more */
	int		 grown;		/* its socket was looked at, once */
	int		 piped;		/* echoed by splice() through pipe */
	int		 pipe[2];	/* when piped */
	char		*buf;		/* pending echo, or NULL */
	uint32_t	 off, len, cap;
	uint64_t	 in, out;	/* bytes read, sent */
};

/* Maps the shared read buffer. Returns 0, or -1 with errno set. */
int	echo_init(struct echo *e, int upper);
void	echo_free(struct echo *e);

/*
 * Gives the pages of the shared buffer beyond the first ECHO_BUF bytes
 * back to the kernel (large reads touch them again when needed). Call it
 * when no large read happened for a while: echo_bigreads() unchanged.
 */
void	echo_trim(struct echo *e);

/*
 * Reads what k's socket has (until a short read, EAGAIN, or a send that
 * cannot take everything) and echoes it; what the socket cannot take is
 * kept. Sets k->eof on EOF. Returns 0, or -1 with errno set when the
 * connection failed (ENOMEM: no memory to keep the rest).
 */
int	echo_read(struct echo *e, struct echo_conn *k, sock_trace_fn tr,
	    void *arg);

/* Sends what is pending. Returns 0, or -1 with errno set. */
int	echo_flush(struct echo *e, struct echo_conn *k, sock_trace_fn tr,
	    void *arg);

/* Frees what k keeps (before the caller closes k->fd). */
void	echo_conn_free(struct echo *e, struct echo_conn *k);

/* Whether k should be read from: no EOF and room to keep a read's rest. */
static inline int
echo_wants_read(const struct echo_conn *k)
{
	/* what is in the pipe goes out before more comes in */
	return !k->eof && (k->piped ? k->len == 0 : k->len < ECHO_BUF);
}

/* ASCII letters upper-cased in place, eight bytes at a time. */
void	echo_upcase(char *p, size_t n);

#endif
