#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "esc.h"
#include "reason.h"
#include "unixdiag.h"
#include "unixsock.h"

/*
 * UNIX_DIAG_VFS gives the device as the kernel keeps it (s_dev: major in
 * the top 12 bits, minor in the low 20), while stat() gives it through
 * new_encode_dev() (glibc's makedev() layout); convert before comparing.
 */
static dev_t
kdev_to_dev(unsigned int kd)
{
	return makedev(kd >> 20, kd & 0xfffff);
}

struct scan_arg {
	int	(*fn)(const struct usock *, void *);
	void	*arg;
};

static int
scan_fn(const struct unixdiag_sock *d, void *arg)
{
	struct scan_arg *sa = arg;
	struct usock u;

	memset(&u, 0, sizeof(u));
	u.ino = d->inode;
	u.type = d->type;
	u.listening = d->state == UNIXDIAG_LISTEN;
	u.peer = d->peer;
	snprintf(u.name, sizeof(u.name), "%s", d->name);
	if (d->has_vfs) {
		u.has_vfs = 1;
		u.vfs_dev = kdev_to_dev((unsigned int)d->vfs_dev);
		u.vfs_ino = (ino_t)d->vfs_ino;
	}
	if (d->has_queue && u.listening) {
		u.has_rq = 1;
		u.rqueue = (unsigned)d->rqueue;
		u.backlog = (unsigned)d->wqueue;
	} else if (d->has_queue) {
		u.has_unread = 1;
		u.unread = (unsigned)d->rqueue;
	}
	return sa->fn(&u, sa->arg);
}

int
usock_scan(const char *root, int (*fn)(const struct usock *, void *),
    void *arg)
{
	struct scan_arg sa = { fn, arg };

	return unixdiag_scan(root, scan_fn, &sa);
}

struct find_arg {
	int		 vfs;
	dev_t		 dev;
	ino_t		 ino;
	const char	*name;
	struct usock	*out;
	int		 found;
};

static int
find_fn(const struct usock *u, void *arg)
{
	struct find_arg *fa = arg;
	int match;

	/* /proc/net/unix shows no file ids: then the name must do */
	if (fa->vfs && u->has_vfs)
		match = u->vfs_dev == fa->dev && u->vfs_ino == fa->ino;
	else
		match = fa->name != NULL && strcmp(u->name, fa->name) == 0;
	/* a connected socket of a server shares the name: keep looking */
	if (!match || (fa->found && !u->listening))
		return 0;
	*fa->out = *u;
	fa->found = 1;
	return u->listening;
}

int
usock_find(const char *root, int vfs, dev_t dev, ino_t ino,
    const char *name, struct usock *out)
{
	struct find_arg fa = { vfs, dev, ino, name, out, 0 };

	if (usock_scan(root, find_fn, &fa) == -1)
		return -1;
	return fa.found;
}

/* The command of pid into o (raw and escaped for text). */
static void
read_comm(const char *root, int pid, struct pn_owner *o)
{
	char *buf = o->comm;
	size_t len = sizeof(o->comm);
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	buf[0] = o->tcomm[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	/* only the kernel's last '\n': PR_SET_NAME takes any byte */
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	esc_str(buf, o->tcomm, sizeof(o->tcomm));
}

static unsigned
proc_uid(const char *root, int pid)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	return stat(path, &sb) == 0 ? (unsigned)sb.st_uid : 0;
}

int
usock_owners(const char *root, unsigned long ino, struct pn_owner *out,
    int max, int *unreadable)
{
	char path[512], link[64], want[64];
	struct dirent *de, *fe;
	DIR *d, *fd;
	int n = 0;

	*unreadable = 0;
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	if ((d = opendir(root)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < max) {
		int pid, hit = 0;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
		if ((fd = opendir(path)) == NULL) {
			(*unreadable)++;
			continue;
		}
		while (!hit && (fe = readdir(fd)) != NULL) {
			char lp[600];
			ssize_t l;

			if (fe->d_name[0] == '.')
				continue;
			if (snprintf(lp, sizeof(lp), "%s/%s", path,
			    fe->d_name) >= (int)sizeof(lp))
				continue;
			l = readlink(lp, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = '\0';
			hit = strcmp(link, want) == 0;
		}
		closedir(fd);
		if (!hit)
			continue;
		out[n].pid = pid;
		read_comm(root, pid, &out[n]);
		out[n].uid = proc_uid(root, pid);
		pn_user(out[n].uid, out[n].user, sizeof(out[n].user));
		n++;
	}
	closedir(d);
	return n;
}

int
usock_bound_by(const char *root, const char *name, struct usock *u,
    struct pn_owner *o)
{
	struct usock mine;
	struct stat sb;
	int rc, un = 0;

	if (u == NULL)
		u = &mine;
	memset(o, 0, sizeof(*o));
	if (name[0] == '@')
		rc = usock_find(root, 0, 0, 0, name, u);
	else if (stat(name, &sb) == 0)
		rc = usock_find(root, 1, sb.st_dev, sb.st_ino, name, u);
	else
		rc = 0;
	if (rc != 1)
		return rc;
	rc = usock_owners(root, u->ino, o, 1, &un);
	return rc > 0 ? 1 : rc;
}

int
usock_peer(int fd, const char *root, struct pn_owner *out)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(out, 0, sizeof(*out));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	out->pid = uc.pid;
	out->uid = uc.uid;
	read_comm(root, uc.pid, out);
	pn_user(uc.uid, out->user, sizeof(out->user));
	return 0;
}

int
usock_autobind(int fd, char *buf, size_t buflen)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sun, &len) == -1)
		return -1;
	usock_name(&sun, len, buf, buflen);
	return 0;
}

int
usock_addr(const char *name, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (name[0] == '@') {
		if (n - 1 > sizeof(sun->sun_path) - 1)
			return -1;
		memcpy(sun->sun_path + 1, name + 1, n - 1);
		if (len != NULL)
			*len = (socklen_t)(offsetof(struct sockaddr_un,
			    sun_path) + n);
		return 0;
	}
	if (n + 1 > sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, name, n + 1);
	if (len != NULL)
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
		    1);
	return 0;
}

/* An abstract name (its leading NUL dropped) as "@name". */
static void
diag_name(const char *p, size_t n, char *out, size_t len)
{
	size_t o = 0;

	if (n > 0 && p[0] == '\0') {
		p++;
		n--;
	}
	out[o++] = '@';
	for (size_t i = 0; i < n && o + 1 < len; i++)
		out[o++] = p[i] == '\0' ? '@' : p[i];
	out[o] = '\0';
}

char *
usock_name(const struct sockaddr_un *sun, socklen_t len, char *buf,
    size_t buflen)
{
	size_t off = offsetof(struct sockaddr_un, sun_path), n;

	if (len <= off) {
		snprintf(buf, buflen, "(unnamed)");
		return buf;
	}
	n = len - off;
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	if (sun->sun_path[0] == '\0')
		diag_name(sun->sun_path, n, buf, buflen);
	else
		snprintf(buf, buflen, "%.*s", (int)strnlen(sun->sun_path, n),
		    sun->sun_path);
	return buf;
}

const char *
usock_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFSOCK:
		return "socket";
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symbolic link";
	case S_IFIFO:
		return "named pipe (FIFO)";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	}
	return "file of unknown type";
}

int
usock_deepest_dir(const char *path, char *dir, size_t len)
{
	char buf[4096];
	struct stat sb;
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		slash = strrchr(buf, '/');
		if (slash == NULL) {
			snprintf(dir, len, ".");
			return stat(".", &sb) == 0 ? 0 : -1;
		}
		if (slash == buf) {
			snprintf(dir, len, "/");
			return 0;
		}
		*slash = '\0';
		if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			snprintf(dir, len, "%s", buf);
			return 0;
		}
	}
}

int
usock_dx(int st, int err)
{
	if (st == ST_CONNECT)
		switch (err) {
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
			return DX_UNIX_MISSING;
		case ECONNREFUSED:
			return DX_UNIX_REFUSED;
		case EAGAIN:
			return DX_UNIX_QUEUE_FULL;
		case EACCES:
		case EPERM:
			return DX_UNIX_DENIED;
		case EPROTOTYPE:
			return DX_UNIX_WRONG_TYPE;
		}
	if (st == ST_BIND)
		switch (err) {
		case EADDRINUSE:
			return DX_UNIX_IN_USE;
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
			return DX_UNIX_NO_DIR;
		case EACCES:
		case EPERM:
		case EROFS:
			return DX_UNIX_DIR_DENIED;
		}
	return 0;
}

/* Whether a connect of every socket type to path is refused. */
static int
refuses_all(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct sockaddr_un sun;
	socklen_t len;

	if (usock_addr(path, &sun, &len) == -1)
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0), rc, err;

		if (fd == -1)
			return 0;
		rc = connect(fd, (struct sockaddr *)&sun, len);
		err = errno;
		close(fd);
		if (rc == 0 || (err != ECONNREFUSED && err != EPROTOTYPE))
			return 0;
	}
	return 1;
}

enum usock_state
usock_path_state(const char *root, const char *path, struct stat *sb,
    struct usock *holder)
{
	int rc;

	memset(holder, 0, sizeof(*holder));
	if (lstat(path, sb) == -1)
		return US_ABSENT;
	if (!S_ISSOCK(sb->st_mode))
		return US_NOT_SOCKET;
	rc = usock_find(root, 1, sb->st_dev, sb->st_ino, path, holder);
	/* without the file ids (/proc/net/unix) the name matched: a server
	 * whose file was replaced has the name, and this file is stale */
	if (rc == 1 && !holder->has_vfs && holder->listening &&
	    refuses_all(path)) {
		memset(holder, 0, sizeof(*holder));
		return US_STALE;
	}
	if (rc == 1)
		return US_LIVE;
	if (rc == 0)
		return US_STALE;
	return refuses_all(path) ? US_STALE : US_LIVE;
}

/*
 * Why a lock on the directory, and not a temporary name renamed into
 * place or a lock file: rename() replaces whatever is at the name, so a
 * check-then-rename has the same gap as check-then-unlink; a lock file
 * is one more file to leave behind (and to remove safely). flock() on
 * the directory makes no file, ends with the process however it dies
 * (no stale lock after SIGKILL), and keeps the socket bound under its
 * own name, where ss, /proc/net/unix and our own evidence look for it.
 * It orders sockctl's servers; a foreign program that removes socket
 * files without a check is outside what any lock can hold.
 */
int
usock_lock_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct timespec ts = { 0, 10 * 1000000L };
	int fd, save;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	for (int i = 0; i < USOCK_LOCK_MS / 10; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		(void)nanosleep(&ts, NULL);
	}
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

int
usock_unlink_own(const char *path, dev_t dev, ino_t ino)
{
	struct stat sb;
	int lk, rc = 0, save = 0;

	if (path[0] == '@')
		return 0;
	/* without the lock (an unreadable directory) it is checked as
	 * closely as it can be */
	lk = usock_lock_dir(path);
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    sb.st_dev == dev && sb.st_ino == ino) {
		rc = unlink(path) == 0 ? 1 : -1;
		save = errno;
	}
	if (lk != -1)
		close(lk);
	errno = save;
	return rc;
}

int
usock_notdir(const char *path, char *buf, size_t len)
{
	char p[PATH_MAX];
	struct stat sb;
	size_t n = strlen(path);

	if (n >= sizeof(p))
		return -1;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		memcpy(p, path, i);
		p[i] = '\0';
		if (stat(p, &sb) == -1)
			return -1;
		if (!S_ISDIR(sb.st_mode)) {
			if (i == n)
				return -1;	/* the last component itself */
			snprintf(buf, len, "%s", p);
			return 0;
		}
	}
	return -1;
}

int
usock_wait_futile(const char *path)
{
	struct stat sb;

	if (path[0] == '@' || path[0] == '\0')
		return 0;
	if (stat(path, &sb) == 0)
		return S_ISDIR(sb.st_mode);
	return errno == ELOOP;
}

/* The edit distance of a and b, counted up to cap + 1. */
static int
edits(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[USOCK_NAME_MAX + 1];

	if (la > USOCK_NAME_MAX || lb > USOCK_NAME_MAX)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > (size_t)cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], best;

		row[0] = (int)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb];
}

/* The leading word of a file name: "redis" of "redis-server.sock". */
static size_t
word_of(const char *s, const char **start)
{
	size_t n = 0;

	while (*s != '\0' && !isalpha((unsigned char)*s))
		s++;
	*start = s;
	while (isalpha((unsigned char)s[n]))
		n++;
	return n;
}

int
usock_name_like(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), wa, wb;
	const char *sa, *sb;

	if (strcmp(a, b) == 0)
		return 1;
	if (la >= 6 && lb >= 6 && edits(a, b, la >= 10 && lb >= 10 ? 2 :
	    1) <= (la >= 10 && lb >= 10 ? 2 : 1))
		return 1;
	wa = word_of(a, &sa);
	wb = word_of(b, &sb);
	return wa >= 4 && wa == wb && strncasecmp(sa, sb, wa) == 0;
}

struct like_arg {
	const char		*path;
	const char		*base;
	size_t			 dirlen;	/* path's directory and '/' */
	int			 type;
	struct usock_like	*out;
	int			 max;
	int			 n;
};

static size_t
common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] != '\0' && a[n] == b[n])
		n++;
	return n;
}

static int
like_fn(const struct usock *u, void *arg)
{
	struct like_arg *la = arg;
	const char *slash = strrchr(u->name, '/'), *base;
	struct usock_like *o = la->out;
	struct stat sb;
	int how, at;

	if (u->name[0] != '/' || slash == NULL || strcmp(u->name, la->path) ==
	    0 || (la->type != 0 && u->type != la->type))
		return 0;
	if (u->type != SOCK_DGRAM && !u->listening)
		return 0;
	base = slash + 1;
	if (strcmp(base, la->base) == 0)
		how = USL_SAME_BASE;
	else if (!usock_name_like(base, la->base))
		return 0;
	else if ((size_t)(base - u->name) == la->dirlen && strncmp(u->name,
	    la->path, la->dirlen) == 0)
		how = USL_SAME_DIR;
	else
		how = USL_LIKE;
	/* its file must still be its own: a live socket, not a removed one */
	if (lstat(u->name, &sb) == -1 || !S_ISSOCK(sb.st_mode) ||
	    (u->has_vfs && (u->vfs_ino != sb.st_ino || u->vfs_dev !=
	    sb.st_dev)))
		return 0;
	for (int i = 0; i < la->n; i++)
		if (strcmp(o[i].name, u->name) == 0)
			return 0;
	/* best first: how, then the longer path in common with the asked */
	for (at = la->n; at > 0; at--) {
		if (o[at - 1].how > how || (o[at - 1].how == how &&
		    common_prefix(o[at - 1].name, la->path) >=
		    common_prefix(u->name, la->path)))
			break;
	}
	if (at >= la->max)
		return 0;
	if (la->n == la->max)
		la->n--;
	memmove(&o[at + 1], &o[at], (size_t)(la->n - at) * sizeof(*o));
	snprintf(o[at].name, sizeof(o[at].name), "%s", u->name);
	o[at].type = u->type;
	o[at].listening = u->listening;
	o[at].ino = u->ino;
	o[at].how = how;
	la->n++;
	return 0;
}

int
usock_similar(const char *root, const char *path, int type,
    struct usock_like *out, int max)
{
	const char *slash = strrchr(path, '/');
	struct like_arg la = { path, slash != NULL ? slash + 1 : path,
	    slash != NULL ? (size_t)(slash + 1 - path) : 0, type, out, max, 0 };

	if (max <= 0 || path[0] == '@' || la.base[0] == '\0')
		return 0;
	if (usock_scan(root, like_fn, &la) == -1)
		return -1;
	return la.n;
}
