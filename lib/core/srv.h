/*
 * What the servers (echo-server, udp-echo) share: the [ADDRESS:]PORT
 * argument, opening the listening socket, and the fd limit.
 */
#ifndef SOCKCTL_SRV_H
#define SOCKCTL_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fail.h"
#include "loop.h"
#include "reason.h"
#include "sock.h"

/*
 * Parses a server's positional arguments: none (port 0), PORT,
 * ADDRESS:PORT, [IPV6]:PORT or ADDRESS PORT, into *ss. The default address
 * is 127.0.0.1 (::1 when family is AF_INET6); 0.0.0.0 and :: must be
 * asked for. A name is resolved by rs_lookup(), waiting at most ms; its
 * first address of family (AF_UNSPEC: any) is used.
 * Returns 0; -1 for a usage error, with a message in err; -2 when the name
 * does not resolve, with f filled (stage ST_RESOLVE; eai the
 * getaddrinfo() code, or 0 with err: errno for EAI_SYSTEM, ETIMEDOUT when
 * no answer came within ms).
 */
int	srv_addr(int argc, char **argv, int family, int udp, int64_t ms,
	    struct sockaddr_storage *ss, char *err, size_t errlen,
	    struct fail *f);

/* How srv_bind() makes its socket. */
struct srv_bind_opt {
	int	type;		/* SOCK_STREAM or SOCK_DGRAM */
	int	nonblock;	/* SOCK_NONBLOCK */
	int	backlog;	/* listen()'s, for a stream */
	int	reuseaddr;	/* SO_REUSEADDR (not for AF_UNIX) */
};

/*
 * One socket()/bind()/listen() sequence for sa, each stage reported to tr
 * (with arg) when tr is not NULL. Returns the socket, or -1 with the
 * failed stage and errno in *f (errno survives the cleanup close()).
 * For an AF_UNIX path, *dev and *ino (when not NULL) get the file bind()
 * made, so its owner can tell it is still the one (usock_unlink_own()).
 */
int	srv_bind(const struct sockaddr *sa, const struct srv_bind_opt *o,
	    struct fail *f, dev_t *dev, ino_t *ino, sock_trace_fn tr,
	    void *arg);

/* A server's socket and its event loop, from srv_start() to srv_stop(). */
struct srv {
	struct sockaddr_storage	 ss;	/* bound: the port chosen for 0 */
	int			 type;	/* SOCK_STREAM or SOCK_DGRAM */
	struct stat		 own;	/* the socket file bind() made */
	struct loop		*l;	/* NULL until made */
	struct loop_io		 io;	/* the server's socket; fd -1 once
					 * closed */
};

/* What srv_start() is to make. */
struct srv_cfg {
	int		 type;		/* SOCK_STREAM or SOCK_DGRAM */
	int		 unlink_stale;	/* --unlink: a stale socket file */
	const char	*proc_root;	/* /proc, to tell a stale file */
	const int	*sigs;		/* loop_new()'s signals */
	loop_io_fn	*fn;		/* called when the socket is ready */
	void		*arg;		/* fn's (io.arg) */
	sock_trace_fn	 tr;		/* the -v trace, or NULL */
	void		*tr_arg;
};

/*
 * Starts a server at *ss, as every server does: on a Unix path with
 * unlink_stale, a stale socket file removed first (never a live socket,
 * never another kind of file); a non-blocking socket of cfg->type bound
 * (a stream listening with the largest backlog the kernel allows; "::"
 * takes IPv4 too); the socket file it made remembered; the event loop
 * made and the socket watched for reading. Each stage is traced to
 * cfg->tr. Returns 0 with sv filled (sv->ss the bound address); -1
 * with f filled: the failed stage and errno (ST_NONE for the loop's own
 * descriptors, EMFILE under a tight ulimit -n). Either way srv_stop()
 * undoes what was done.
 */
int	srv_start(struct srv *sv, const struct sockaddr_storage *ss,
	    const struct srv_cfg *cfg, struct fail *f);

/*
 * Closes the server's socket (unless already closed), removes the socket
 * file it made if it is still the one (the same device and inode; never
 * a file that replaced it; the outcome traced to tr), frees the loop.
 */
void	srv_stop(struct srv *sv, sock_trace_fn tr, void *arg);

/*
 * Raises the soft RLIMIT_NOFILE to the hard limit. Returns the soft limit
 * in force afterwards, or -1 when it cannot be read.
 */
long	srv_raise_nofile(void);

/*
 * Returns 1 when accept() failed with err for that one client only (it
 * reset or went away, a network error on its way): the next accept may
 * succeed. EAGAIN and a shortage (EMFILE, ENFILE, ENOBUFS, ENOMEM) are 0.
 */
int	srv_accept_gone(int err);

#endif
