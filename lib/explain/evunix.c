#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "esc.h"
#include "evunix.h"
#include "evupath.h"
#include "evuperm.h"
#include "sysinfo.h"
#include "unixsock.h"


static const char *
root_of(const struct ev_env *c)
{
	return c->proc_root != NULL ? c->proc_root : "/proc";
}

/* "12 s", "5 min", "3 h", "2 days" since t */
static char *
age_of(time_t t, char *buf, size_t len)
{
	long d = (long)(time(NULL) - t);

	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%ld s", d);
	else if (d < 7200)
		snprintf(buf, len, "%ld min", d / 60);
	else if (d < 172800)
		snprintf(buf, len, "%ld h", d / 3600);
	else
		snprintf(buf, len, "%ld days", d / 86400);
	return buf;
}

/* "pid 42 (postgres, user postgres)", and "and N more" */
static void
owners_text(const struct pn_owner *o, int n, char *buf, size_t len)
{
	size_t m = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && i < 3 && m < len; i++)
		m += (size_t)snprintf(buf + m, len - m, "%spid %d (%s, user %s)",
		    i ? ", " : "", o[i].pid, o[i].tcomm, o[i].user);
	if (n > 3 && m < len)
		snprintf(buf + m, len - m, " and %d more", n - 3);
}

/*
 * The processes that hold socket u, as text ("" when none could be
 * seen: another user's, when not root); n gets their number.
 */
static void
holders(const struct ev_env *c, const struct usock *u, struct pn_owner *o,
    int max, int *n, char *buf, size_t len)
{
	int unreadable = 0;

	*n = usock_owners(root_of(c), u->ino, o, max, &unreadable);
	if (*n < 0)
		*n = 0;
	owners_text(o, *n, buf, len);
	if (*n == 0)
		snprintf(buf, len, "a process this user may not see (socket "
		    "inode %lu%s)", u->ino, geteuid() != 0 ? "; root would "
		    "name it" : "");
}

static const char *
type_word(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "a stream socket (SOCK_STREAM)";
	case SOCK_DGRAM:
		return "a datagram socket (SOCK_DGRAM)";
	case SOCK_SEQPACKET:
		return "a seqpacket socket (SOCK_SEQPACKET)";
	}
	return "a socket of another type";
}

static void
missing(const struct ev_env *c, const char *path, int type, int err,
    struct result *r)
{
	char dir[PATH_MAX], parent[PATH_MAX], list[512], sim[256] = "";
	const char *base = strrchr(path, '/');
	struct usock u;
	struct stat sb;

	evupath_parent(path, parent, sizeof(parent));
	base = base != NULL ? base + 1 : path;
	if (usock_deepest_dir(path, dir, sizeof(dir)) == -1)
		snprintf(dir, sizeof(dir), ".");
	if ((err == ENOTDIR || err == ELOOP) && evupath_not_dir(path, err,
	    r))
		return;
	if (err == ENOTDIR) {
		result_cause(r, "a component of %s is no directory (ENOTDIR): "
		    "the deepest directory of the path is %s", path, dir);
		return;
	}
	if (evupath_link(path, r)) {
		result_fix(r, "start the server that creates the link's "
		    "target, or point the link at the live socket (ln -sfn "
		    "SOCKET %s)", path);
		(void)evupath_similar(c, path, type, r);
		return;
	}
	if (strcmp(dir, parent) == 0) {
		result_cause(r, "no socket at %s: its directory %s exists, but "
		    "nothing has created %s there (the server is not running, "
		    "or it binds another path)", path, dir, base);
		evupath_siblings(dir, base, list, sizeof(list), sim, sizeof(sim));
		if (list[0] != '\0')
			result_cause(r, "sockets in %s: %s", dir, list);
		if (sim[0] != '\0') {
			result_cause(r, "%s%s%s is there: probably the wrong "
			    "name or port (PostgreSQL's socket is "
			    ".s.PGSQL.PORT)", dir, strcmp(dir, "/") ? "/" : "",
			    sim);
			result_fix(r, "connect to %s%s%s if that is the server, "
			    "or start the server that binds %s", dir,
			    strcmp(dir, "/") ? "/" : "", sim, path);
		}
	} else
		result_cause(r, "no socket at %s: %s is the deepest directory "
		    "of the path that exists (the server is not running, or "
		    "its runtime directory was never created)", path, dir);
	if (sim[0] == '\0')
		(void)evupath_similar(c, path, type, r);
	/* a server that still has the name, whose file was removed */
	if (usock_find(root_of(c), 0, 0, 0, path, &u) == 1 && u.listening &&
	    lstat(path, &sb) == -1) {
		struct pn_owner o[4];
		char who[512];
		int n;

		holders(c, &u, o, 4, &n, who, sizeof(who));
		result_cause(r, "%s listens on a socket bound to %s, but that "
		    "file was removed: nobody can connect to it by name any "
		    "more", who, path);
		result_fix(r, "restart that server so it binds %s again", path);
	}
}

static void
wrong_type(const char *path, int type, struct result *r)
{
	int other = type == SOCK_STREAM ? SOCK_DGRAM : SOCK_STREAM;

	result_cause(r, "%s is %s, and %s connects with %s", path,
	    type_word(other), type == SOCK_STREAM ? "this command" :
	    "probe-udp", type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM");
	if (other == SOCK_DGRAM)
		result_fix(r, "send it datagrams: sockctl probe-udp %s", path);
	else
		result_fix(r, "connect to it as a stream: sockctl connect %s",
		    path);
}

static void
refused(const struct ev_env *c, const char *path, int type, struct result *r)
{
	char ids[160], age[32], who[512], real[PATH_MAX], file[PATH_MAX];
	struct pn_owner o[4];
	struct usock u;
	struct stat sb;
	int n, link;

	if (path[0] == '@' && usock_find(root_of(c), 0, 0, 0, path, &u) ==
	    1 && u.type != type) {	/* looked up per type: refused */
		holders(c, &u, o, 4, &n, who, sizeof(who));
		r->reason = RS_ERROR;
		r->dx = DX_UNIX_WRONG_TYPE;
		r->message[0] = r->hint[0] = '\0';
		wrong_type(path, type, r);
		result_cause(r, "held by %s; Linux finds an abstract name only "
		    "among sockets of the connecting type", who);
		return;
	}
	if (path[0] == '@') {
		result_cause(r, "no socket is bound to the abstract name %s "
		    "(Linux answers ECONNREFUSED for an abstract name nobody "
		    "bound)", path);
		result_fix(r, "start the server; check the name it binds "
		    "(ss -xl lists them, abstract names with a leading @)");
		return;
	}
	link = evupath_link(path, r);
	if (stat(path, &sb) == -1) {
		result_cause(r, "%s is gone now (it was there when connect() "
		    "ran)", path);
		return;
	}
	if (link && realpath(path, real) != NULL)
		esc_str(real, file, sizeof(file));
	else
		snprintf(file, sizeof(file), "%s", path);
	if (S_ISDIR(sb.st_mode)) {
		evupath_dir(path, "connect", r);
		return;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		result_cause(r, "%s is a %s, not a socket (%s): connecting to "
		    "it is refused", file, usock_kind(sb.st_mode),
		    evuperm_ids(&sb, ids, sizeof(ids)));
		result_fix(r, "check the path the server binds; %s is no "
		    "socket, so leave it alone unless you know what it is",
		    file);
		return;
	}
	if (usock_find(root_of(c), 1, sb.st_dev, sb.st_ino, path, &u) == 1) {
		holders(c, &u, o, 4, &n, who, sizeof(who));
		if (!u.listening) {
			result_cause(r, "%s is bound to %s by %s, which has not "
			    "called listen() (yet)", type_word(u.type), path,
			    who);
			result_fix(r, "wait for the server to listen (--wait), "
			    "or check why it does not");
			return;
		}
	}
	/* a listener has the name, and its file refused: not its file (with
	 * no file ids, /proc/net/unix, the refusal itself tells) */
	if (usock_find(root_of(c), 0, 0, 0, path, &u) == 1 && u.listening &&
	    (!u.has_vfs || u.vfs_ino != sb.st_ino)) {
		holders(c, &u, o, 4, &n, who, sizeof(who));
		if (u.has_vfs)
			result_cause(r, "%s listens on a socket bound to %s, "
			    "but the file now at %s is another inode (%lu, not "
			    "%lu): it was deleted and re-created after the "
			    "server bound it", who, path, path,
			    (unsigned long)sb.st_ino, (unsigned long)u.vfs_ino);
		else
			result_cause(r, "%s listens on a socket bound to %s, "
			    "but the file now at %s refuses connections: it "
			    "is another file, made after the server bound its "
			    "own", who, path, path);
		result_fix(r, "restart that server so it binds %s again (and "
		    "find what re-created the file)", path);
		return;
	}
	result_cause(r, "%s is a stale socket file: no process %s it "
	    "(%s, created %s ago); a server that exited without removing it "
	    "left it behind", file, type == SOCK_DGRAM ? "has a socket bound "
	    "to" : "listens on", evuperm_ids(&sb, ids, sizeof(ids)),
	    age_of(sb.st_mtime, age, sizeof(age)));
	result_fix(r, "start the server: most servers (PostgreSQL, MySQL, "
	    "redis, php-fpm) replace their stale socket file at start; for "
	    "one that does not (nginx, many hand-written ones), remove it "
	    "first: rm %s", file);
}

/* The fix for a server that does not drain its queue (verb: accept, read). */
static void
stuck_fix(struct result *r, int pid, const char *verb)
{
	result_fix(r, "check why pid %d does not %s (stuck or overloaded? cat "
	    "/proc/%d/stack as root, strace -p %d); restarting it empties the "
	    "queue", pid, verb, pid, pid);
}

/* The socket bound to path (its file's inode) or @name: 1 and *u, else 0. */
static int
bound_sock(const struct ev_env *c, const char *path, struct usock *u)
{
	struct stat sb;

	if (path[0] == '@')
		return usock_find(root_of(c), 0, 0, 0, path, u) == 1;
	if (stat(path, &sb) == 0)
		return usock_find(root_of(c), 1, sb.st_dev, sb.st_ino, path,
		    u) == 1;
	return 0;
}

static void
queue_full(const struct ev_env *c, const char *path, struct result *r)
{
	char who[512];
	struct pn_owner o[4];
	struct usock u;
	int n;

	if (!bound_sock(c, path, &u))
		return;
	holders(c, &u, o, 4, &n, who, sizeof(who));
	if (u.has_rq)
		result_cause(r, "the accept queue of %s is full: %u "
		    "connections wait, the backlog is %u; %s listens on it "
		    "and is not calling accept()", path, u.rqueue, u.backlog,
		    who);
	else
		result_cause(r, "%s listens on %s and is not calling accept() "
		    "fast enough", who, path);
	if (n > 0)
		stuck_fix(r, o[0].pid, "accept");
}

void
evunix_connect(const struct ev_env *c, const struct sockaddr *sa, int type,
    int dx, int err, struct result *r)
{
	char path[ADDRSTR_MAX];

	sa_fmt_host(sa, path, sizeof(path));
	switch (dx) {
	case DX_UNIX_MISSING:
		missing(c, path, type, err, r);
		break;
	case DX_UNIX_REFUSED:
		refused(c, path, type, r);
		break;
	case DX_UNIX_QUEUE_FULL:
		queue_full(c, path, r);
		break;
	case DX_UNIX_DENIED:
		evuperm_denied(c, path, r);
		break;
	case DX_UNIX_WRONG_TYPE:
		wrong_type(path, type, r);
		break;
	default:
		break;
	}
}

/* "net.unix.max_dgram_qlen is 10 datagrams", or "" when unreadable */
static void
qlen_text(const struct ev_env *c, char *buf, size_t len)
{
	long v;

	buf[0] = '\0';
	if (si_read_long(c->proc_root, "sys/net/unix/max_dgram_qlen", &v) == 0)
		snprintf(buf, len, " (net.unix.max_dgram_qlen: %ld datagrams)",
		    v);
}

/* send() kept failing with EAGAIN: the receiver does not read. */
static void
dgram_full(const struct ev_env *c, const char *path, struct result *r)
{
	char who[512], ql[96];
	struct pn_owner o[4];
	struct usock u;
	int n = 0;

	qlen_text(c, ql, sizeof(ql));
	if (!bound_sock(c, path, &u)) {
		result_cause(r, "the receive queue of the socket at %s is "
		    "full%s: its server is not reading it", path, ql);
		return;
	}
	holders(c, &u, o, 4, &n, who, sizeof(who));
	result_cause(r, "the receive queue of %s is full%s: %s holds that "
	    "socket and is not reading it (a Unix datagram sender waits, "
	    "EAGAIN, until the receiver reads)", path, ql, who);
	if (n > 0)
		stuck_fix(r, o[0].pid, "read");
}

/*
 * EPERM from a datagram socket that is connected to another one: it takes
 * datagrams from that peer only. Returns 1 when that is what was found.
 */
static int
connected_away(const struct ev_env *c, const char *path, struct result *r)
{
	char who[512];
	struct pn_owner o[4];
	struct usock u;
	int n = 0;

	if (!bound_sock(c, path, &u) || u.type != SOCK_DGRAM || u.peer == 0)
		return 0;
	holders(c, &u, o, 4, &n, who, sizeof(who));
	result_cause(r, "the datagram socket at %s (held by %s) is connected "
	    "to another socket (inode %lu): it takes datagrams from that peer "
	    "only, and Linux answers EPERM to every other sender", path, who,
	    u.peer);
	result_fix(r, "the server must not connect() the socket it serves "
	    "on; or send from the peer it is connected to");
	return 1;
}

/* Delivered, never answered: who has the socket, and whether it reads. */
static void
dgram_silence(const struct ev_env *c, const char *path, long long sent,
    struct result *r)
{
	char who[512];
	struct pn_owner o[4];
	struct usock u;
	int n = 0;

	if (!bound_sock(c, path, &u)) {
		result_cause(r, "%lld datagram%s delivered to %s, no reply; "
		    "the socket is gone now", sent, sent == 1 ? " was" :
		    "s were", path);
		return;
	}
	holders(c, &u, o, 4, &n, who, sizeof(who));
	if (u.has_unread && u.unread > 0) {
		result_cause(r, "%s holds %s and has not read what was sent: "
		    "datagrams wait unread in its queue, so it is not reading "
		    "(stuck, or busy elsewhere)", who, path);
		if (n > 0)
			result_fix(r, "check why pid %d does not read its socket "
			    "(strace -p %d)", o[0].pid, o[0].pid);
	} else
		result_cause(r, "%s holds %s and read the %lld datagram%s, "
		    "but sent nothing back: it does not answer this payload, "
		    "or replies to another address", who, path, sent,
		    sent == 1 ? "" : "s");
}

void
evunix_dgram(const struct ev_env *c, const struct sockaddr *sa, int dx,
    int err, long long sent, struct result *r)
{
	char path[ADDRSTR_MAX];

	sa_fmt_host(sa, path, sizeof(path));
	switch (dx) {
	case DX_UNIX_DGRAM_FULL:
		dgram_full(c, path, r);
		break;
	case DX_UNIX_SILENCE:
		dgram_silence(c, path, sent, r);
		break;
	default:
		if (dx == DX_UNIX_DENIED && err == EPERM && connected_away(c,
		    path, r))
			break;
		evunix_connect(c, sa, SOCK_DGRAM, dx, err, r);
		break;
	}
}

static void
owners_json(struct jbuf *x, const struct pn_owner *o, int n,
    const char *path, const char *state)
{
	jb_arr_open(x, "owners");
	for (int i = 0; i < n; i++) {
		jb_obj_open(x);
		jb_kint(x, "pid", o[i].pid);
		jb_kstr(x, "command", o[i].comm);
		jb_kstr(x, "user", o[i].user);
		jb_kstr(x, "local", path);
		jb_kstr(x, "state", state);
		jb_obj_close(x);
	}
	jb_arr_close(x);
}

/*
 * A stale file at path while a server still listens on a socket bound to
 * that name: its file was removed (and this one made) after it bound, so
 * the server runs, unreachable by name. Returns 1 when that was found.
 */
static int
replaced(const struct ev_env *c, const char *path, const struct stat *sb,
    struct result *r)
{
	char who[512];
	struct pn_owner o[4];
	struct usock u;
	int n;

	if (usock_find(root_of(c), 0, 0, 0, path, &u) != 1 || !u.listening ||
	    (u.has_vfs && u.vfs_ino == sb->st_ino && u.vfs_dev == sb->st_dev))
		return 0;
	holders(c, &u, o, 4, &n, who, sizeof(who));
	result_cause(r, "%s listens on a socket bound to %s, but the file now "
	    "at %s is another one, a socket file nothing listens on: the "
	    "server's own file was removed and this one made after it bound, "
	    "so nobody reaches that server by name", who, path, path);
	result_fix(r, "restart that server so it binds %s anew (stop it "
	    "first); do not remove the path or bind a second server there "
	    "while it runs", path);
	return 1;
}

static void
in_use(const struct ev_env *c, const char *path, struct result *r)
{
	char ids[160], age[32], who[512];
	struct pn_owner o[8];
	struct usock u;
	struct stat sb;
	int n = 0;
	enum usock_state us;

	if (path[0] == '@') {
		if (usock_find(root_of(c), 0, 0, 0, path, &u) == 1) {
			holders(c, &u, o, 8, &n, who, sizeof(who));
			result_cause(r, "the abstract name %s is held by %s (%s, "
			    "%s)", path, who, type_word(u.type), u.listening ?
			    "listening" : "bound");
			owners_json(&r->extra, o, n, path, u.listening ?
			    "LISTEN" : "UNCONN");
		} else
			jb_knull(&r->extra, "owners");
		result_fix(r, "stop the process that holds it, or choose "
		    "another name (an abstract name goes when its socket "
		    "closes: there is no file to remove)");
		return;
	}
	us = usock_path_state(root_of(c), path, &sb, &u);
	switch (us) {
	case US_LIVE:
		holders(c, &u, o, 8, &n, who, sizeof(who));
		result_cause(r, "%s is held by %s: %s %s", path, who,
		    type_word(u.type), u.listening ? "listening on it" :
		    "bound to it");
		result_fix(r, "stop that process, or choose another path; do "
		    "not remove a live server's socket (its clients could not "
		    "reach it any more)");
		owners_json(&r->extra, o, n, path, u.listening ? "LISTEN" :
		    "UNCONN");
		return;
	case US_STALE:
		if (replaced(c, path, &sb, r))
			break;
		result_cause(r, "%s is a stale socket file: nothing listens on "
		    "it, connecting is refused (%s, created %s ago); a server "
		    "that exited without removing it left it behind", path,
		    evuperm_ids(&sb, ids, sizeof(ids)), age_of(sb.st_mtime, age,
		    sizeof(age)));
		result_fix(r, "start the server: most servers (PostgreSQL, "
		    "MySQL, redis, php-fpm) replace their stale socket file at "
		    "start; for one that does not (nginx, many hand-written "
		    "ones), remove it, then bind again: rm %s (sockctl's "
		    "servers: --unlink)", path);
		break;
	case US_NOT_SOCKET:
		if (S_ISDIR(sb.st_mode)) {
			evupath_dir(path, "bind", r);
			break;
		}
		if (evupath_link(path, r)) {
			result_cause(r, "bind() never follows a link: the link "
			    "itself is in the way");
			result_fix(r, "bind the path the link points to, or "
			    "choose another path; leave the link alone unless "
			    "you made it");
			break;
		}
		result_cause(r, "%s is a %s, not a socket (%s): bind() never "
		    "replaces a file", path, usock_kind(sb.st_mode),
		    evuperm_ids(&sb, ids, sizeof(ids)));
		result_fix(r, "choose another path for the socket; %s is no "
		    "socket, so leave it alone", path);
		break;
	case US_ABSENT:
		result_cause(r, "%s was there when bind() ran and is gone now",
		    path);
		break;
	}
	jb_knull(&r->extra, "owners");
}

static void
dir_problem(const char *path, int err, struct result *r)
{
	char dir[PATH_MAX], parent[PATH_MAX], ids[160], me[64];
	struct stat sb;

	evupath_parent(path, parent, sizeof(parent));
	if ((err == ENOTDIR || err == ELOOP) && evupath_not_dir(path, err, r))
		return;
	if (err == ENOENT || err == ENOTDIR) {
		if (usock_deepest_dir(path, dir, sizeof(dir)) == -1)
			snprintf(dir, sizeof(dir), ".");
		result_cause(r, "the directory %s does not exist%s%s%s", parent,
		    err == ENOTDIR ? " (a component of it is no directory)" :
		    "", strcmp(dir, parent) ? "; the deepest that does is " :
		    "", strcmp(dir, parent) ? dir : "");
		result_fix(r, "create it: mkdir -p %s (for a service, "
		    "systemd's RuntimeDirectory= does it)", parent);
		return;
	}
	pn_user(geteuid(), me, sizeof(me));
	if (stat(parent, &sb) == -1) {
		result_cause(r, "%s may not be used by uid %u (%s)", parent,
		    (unsigned)geteuid(), me);
		return;
	}
	if (err == EROFS) {
		result_cause(r, "the filesystem that holds %s is mounted "
		    "read-only (%s)", parent, evuperm_ids(&sb, ids,
		    sizeof(ids)));
		result_fix(r, "choose a directory on a writable filesystem "
		    "(/run, $XDG_RUNTIME_DIR, /tmp)");
		return;
	}
	result_cause(r, "the directory %s (%s) may not be written by uid %u "
	    "(%s): bind() creates the socket file there", parent,
	    evuperm_ids(&sb, ids, sizeof(ids)), (unsigned)geteuid(), me);
	result_fix(r, "choose a directory this user may write "
	    "($XDG_RUNTIME_DIR, /tmp), or run as its owner; or let the "
	    "owner make it writable (chmod, chgrp %s)", parent);
}

void
evunix_bind(const struct ev_env *c, const struct sockaddr *sa, int type,
    int st, int err, struct result *r)
{
	char path[ADDRSTR_MAX];

	(void)type;
	sa_fmt_host(sa, path, sizeof(path));
	r->stage = st;
	r->err = err;
	r->dx = usock_dx(st, err);
	switch (r->dx) {
	case DX_UNIX_IN_USE:
		in_use(c, path, r);
		break;
	case DX_UNIX_NO_DIR:
	case DX_UNIX_DIR_DENIED:
		dir_problem(path, err, r);
		jb_knull(&r->extra, "owners");
		break;
	default:
		jb_knull(&r->extra, "owners");
		break;
	}
	result_diagnose(r);
}

int
evunix_waitable(const struct sockaddr *sa, int dx)
{
	char path[ADDRSTR_MAX];

	if (sa->sa_family != AF_UNIX || (dx != DX_UNIX_MISSING && dx !=
	    DX_UNIX_REFUSED))
		return 1;
	sa_fmt_host(sa, path, sizeof(path));
	return !usock_wait_futile(path);
}

void
evunix_peer_json(struct jbuf *jb, int has, int pid, const char *comm,
    const char *user)
{
	if (!has || pid == 0) {
		jb_knull(jb, "peer");
		return;
	}
	jb_kobj_open(jb, "peer");
	jb_kint(jb, "pid", pid);
	jb_kstr(jb, "command", comm);
	jb_kstr(jb, "user", user);
	jb_obj_close(jb);
}
