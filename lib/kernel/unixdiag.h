/*
 * The live AF_UNIX sockets: NETLINK_SOCK_DIAG's unix_diag (UDIAG_SHOW_NAME,
 * VFS, PEER, RQLEN, UID, MEMINFO, SHUTDOWN) as ss -x reads them, or ROOT/net/unix below any
 * proc root but "/proc" (a fixture tree), which shows no VFS inode, peer
 * or queues. For inspect, and for any command that diagnoses a Unix
 * connect or bind. Never prints.
 */
#ifndef SOCKCTL_UNIXDIAG_H
#define SOCKCTL_UNIXDIAG_H

#include <stdint.h>
#include <sys/types.h>

/* sun_path is 108 bytes; an abstract name is shown as "@NAME" */
#define UNIXDIAG_NAME_MAX	112

/* Unix states as the kernel numbers them (TCP's numbers). */
enum { UNIXDIAG_ESTABLISHED = 1, UNIXDIAG_CLOSE = 7, UNIXDIAG_LISTEN = 10 };

/* One socket. */
struct unixdiag_sock {
	int		type;		/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	int		state;		/* UNIXDIAG_LISTEN, _ESTABLISHED, _CLOSE */
	unsigned long	inode;		/* the socket's own inode (socket:[N]) */
	char		name[UNIXDIAG_NAME_MAX];	/* bound name; "" none */
	int		abstract;	/* name is "@..." (no file) */
	int		has_vfs;	/* bound to a file: vfs_dev/vfs_ino */
	uint64_t	vfs_dev;	/* the socket file's device (the
					 * kernel's dev_t encoding) */
	uint64_t	vfs_ino;	/* and inode, as stat() shows them */
	unsigned long	peer;		/* the peer socket's inode; 0 none */
	int		has_queue;	/* rqueue, wqueue are set */
	unsigned long	rqueue;		/* LISTEN: connections waiting to be
					 * accepted; else bytes unread */
	unsigned long	wqueue;		/* LISTEN: the backlog; else bytes
					 * unsent */
	long		uid;		/* the socket's uid, -1 unknown */
	int		has_shutdown;	/* shutdown is set */
	int		shutdown;	/* 1 no more receives, 2 no more
					 * sends, 3 both: what shutdown() or
					 * the peer's close left */
	int		has_drops;	/* drops is set */
	uint32_t	drops;		/* SK_MEMINFO_DROPS: what it dropped */
	uint32_t	rcvbuf;		/* SO_RCVBUF (with has_mem) */
	int		has_mem;	/* wmem, sndbuf are set */
	uint32_t	wmem;		/* bytes it sent that the peer has not
					 * read (their truesize) */
	uint32_t	sndbuf;		/* SO_SNDBUF: writes block at wmem >= it */
	const void	*icons;		/* LISTEN: the inodes (u32, unaligned)
					 * of the clients in its accept queue,
					 * 0 for one whose client closed; valid
					 * during the callback only */
	size_t		nicons;
};

/* The i-th inode of u->icons. */
unsigned long	unixdiag_icon(const struct unixdiag_sock *u, size_t i);

/*
 * Calls fn for every Unix socket (fn returns non-zero to stop). Returns 0,
 * or -1 with errno set when neither the kernel nor ROOT/net/unix answered.
 */
int	unixdiag_scan(const char *root,
	    int (*fn)(const struct unixdiag_sock *, void *), void *arg);

/*
 * Returns 1 when u is bound to the file at path: the same device and
 * inode as stat(path) (a socket file deleted and re-created is another
 * inode), or, when the kernel showed no VFS inode, the same name; else 0.
 * st_dev/st_ino are stat(path)'s (st_ino 0: no file there).
 */
int	unixdiag_is_path(const struct unixdiag_sock *u, const char *path,
	    dev_t st_dev, ino_t st_ino);

/* Returns "stream", "dgram", "seqpacket" or "?". */
const char *unixdiag_type_name(int type);

#endif
