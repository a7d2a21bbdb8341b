/*
 * Unix domain sockets, the mechanism tier: the kernel's table of AF_UNIX
 * sockets (NETLINK_SOCK_DIAG's UNIX_DIAG, as ss -x reads it, or
 * /proc/net/unix when the kernel will not answer), the processes that
 * hold one (/proc/PID/fd), the peer of a connected socket (SO_PEERCRED),
 * and the facts of a path (what the file is, the deepest directory that
 * exists). Never prints.
 *
 * The table comes from lib/kernel/unixdiag (inspect's reader); this file puts
 * it the way the probes ask: by the file's dev/ino as stat() gives them,
 * or by name.
 */
#ifndef SOCKCTL_UNIXSOCK_H
#define SOCKCTL_UNIXSOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include "fail.h"
#include "procnet.h"

#define USOCK_NAME_MAX	112	/* a path, or "@name", and its NUL */

/* One AF_UNIX socket of the kernel's table. */
struct usock {
	unsigned long	 ino;		/* the socket's own inode (sockfs) */
	int		 type;		/* SOCK_STREAM, SOCK_DGRAM, ... */
	int		 listening;	/* listen() was called */
	char		 name[USOCK_NAME_MAX];	/* "" unbound, "@x" abstract */
	int		 has_vfs;	/* bound to a path: the file's ids */
	dev_t		 vfs_dev;	/* as stat()'s st_dev */
	ino_t		 vfs_ino;
	int		 has_rq;	/* a listener's queue is known */
	unsigned	 rqueue;	/* listener: connections not accepted */
	unsigned	 backlog;	/* listener: listen()'s backlog */
	unsigned long	 peer;		/* the inode it is connected to; 0 none
					 * or unknown */
	int		 has_unread;	/* not a listener: unread is known */
	unsigned	 unread;	/* bytes waiting to be read (a datagram
					 * socket: its first datagram's) */
};

/*
 * Calls fn for each AF_UNIX socket until it returns non-zero. From the
 * kernel (UNIX_DIAG) when it answers, else from ROOT/net/unix (no VFS
 * ids, no queue). Returns 0, or -1 with errno set when neither could be
 * read.
 */
int	usock_scan(const char *root, int (*fn)(const struct usock *, void *),
	    void *arg);

/*
 * Finds the socket bound to the file (dev, ino) when vfs is set, else the
 * socket whose name is name (a path or "@name"); a listener is preferred.
 * Returns 1 and fills *out, 0 when there is none, -1 when the table could
 * not be read.
 */
int	usock_find(const char *root, int vfs, dev_t dev, ino_t ino,
	    const char *name, struct usock *out);

/*
 * Fills out[0..max-1] with the processes that have socket inode ino open
 * (ROOT/PID/fd); *unreadable gets the number of processes whose fds
 * could not be read. Returns the number found, or -1.
 */
int	usock_owners(const char *root, unsigned long ino, struct pn_owner *out,
	    int max, int *unreadable);

/*
 * The socket bound to name (a path: the file's dev/ino; "@name"), into *u
 * when u is not NULL, and the first process that holds it into *o.
 * Returns 1 when a holder was found, 0 when none (or not visible), -1 when
 * the table could not be read. For a datagram socket, which gives no
 * SO_PEERCRED.
 */
int	usock_bound_by(const char *root, const char *name, struct usock *u,
	    struct pn_owner *o);

/*
 * The process at the other end of connected socket fd (SO_PEERCRED), its
 * command (/proc/PID/comm) and user. Returns 0, or -1 with errno set.
 */
int	usock_peer(int fd, const char *root, struct pn_owner *out);

/*
 * Fills sun (and *len for bind and connect) from name: a path, or "@x"
 * for the abstract name x. Returns 0, or -1 when it does not fit.
 */
int	usock_addr(const char *name, struct sockaddr_un *sun, socklen_t *len);

/*
 * Binds AF_UNIX socket fd to a name the kernel picks (Linux autobind: an
 * abstract name of five hex digits, no file to remove), so that datagrams
 * can be sent back to it; the name goes into buf ("@0001f"). Returns 0, or
 * -1 with errno set.
 */
int	usock_autobind(int fd, char *buf, size_t buflen);

/* Formats a sockaddr_un of length len as its path or "@name". */
char	*usock_name(const struct sockaddr_un *sun, socklen_t len, char *buf,
	    size_t buflen);

/* Writes "socket", "regular file", "directory", ... for mode into buf. */
const char *usock_kind(mode_t mode);

/*
 * Copies the deepest directory of path that exists into dir (the parent
 * of path itself when that exists). Returns 0, or -1 when not even the
 * first component exists (a relative path: ".").
 */
int	usock_deepest_dir(const char *path, char *dir, size_t len);

/*
 * Copies into buf the first component of path that exists and is no
 * directory (what makes ENOTDIR): "/srv/app" of "/srv/app/x.sock" when
 * /srv/app is a regular file. Returns 0, or -1 when there is none.
 */
int	usock_notdir(const char *path, char *buf, size_t len);

/*
 * Whether waiting cannot turn path into a socket: it is a directory (a
 * server's unlink() will not remove it, bind() will not replace it), or
 * its symbolic links go round in a loop (ELOOP). Returns 1 or 0.
 */
int	usock_wait_futile(const char *path);

/* A live socket whose path looks like another one (usock_similar). */
struct usock_like {
	char		 name[USOCK_NAME_MAX];
	int		 type;
	int		 listening;
	unsigned long	 ino;		/* the socket's own inode */
	int		 how;		/* USL_SAME_BASE, USL_SAME_DIR, USL_LIKE */
};
#define USL_LIKE	1	/* a similar name elsewhere */
#define USL_SAME_DIR	2	/* a similar name in the same directory */
#define USL_SAME_BASE	3	/* the same file name in another directory */

/*
 * Fills out[0..max-1] with the live sockets of the kernel's table bound
 * to a path other than path but like it: the same file name elsewhere
 * (/run/mysqld/mysql.sock for /tmp/mysql.sock), a similar one
 * (mysqld.sock for mysql.sock, .s.PGSQL.5433 for .s.PGSQL.5432), best
 * first; only listeners for a stream or seqpacket type, only sockets of
 * type (0: any), only those whose file is still theirs. Returns the
 * number found, or -1 when the table could not be read.
 */
int	usock_similar(const char *root, const char *path, int type,
	    struct usock_like *out, int max);

/*
 * Whether the file names a and b look alike (one or two typed
 * characters apart, or the same leading word of four letters or more:
 * "redis.sock", "redis-server.sock"). Returns 1 or 0.
 */
int	usock_name_like(const char *a, const char *b);

/* What a path holds, for a bind or a server's --unlink. */
enum usock_state {
	US_ABSENT,		/* nothing there */
	US_NOT_SOCKET,		/* a file of another kind */
	US_STALE,		/* a socket file no socket is bound to */
	US_LIVE,		/* a socket file a socket is bound to */
};

/*
 * Says what is at path: *sb gets its lstat(), *holder the socket bound to
 * it (US_LIVE). When the socket table cannot be read, a socket file that
 * refuses connections of every type counts as stale. Returns the state.
 */
enum usock_state usock_path_state(const char *root, const char *path,
	    struct stat *sb, struct usock *holder);

/*
 * Takes the lock that orders sockctl's changes to the socket files of
 * path's directory: an exclusive flock() on the directory itself, waited
 * for at most USOCK_LOCK_MS. Two servers started together with --unlink
 * on one stale file then check, remove and bind one after the other, so
 * neither takes the other's live socket. Returns an fd to close to
 * release it, or -1 with errno set (the directory cannot be opened for
 * reading; EWOULDBLOCK: still held after the wait).
 */
#define USOCK_LOCK_MS	3000
int	usock_lock_dir(const char *path);

/*
 * Removes the socket file path when it is still the one a bind made (the
 * same dev and ino): never a file that replaced it. The check and the
 * unlink() are made under usock_lock_dir(), so a server that has just
 * replaced a stale file cannot lose its own between them. Returns 1 when
 * it was removed, 0 when it was not ours (or gone), -1 on an error
 * (errno).
 */
int	usock_unlink_own(const char *path, dev_t dev, ino_t ino);

/*
 * Maps an errno of a unix socket's stage st (ST_CONNECT or ST_BIND) to
 * the DX_ condition of lib/base/reason.h that words it; 0 when none fits.
 */
int	usock_dx(int st, int err);

#endif
