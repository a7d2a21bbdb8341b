#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tasks.h"

/* One system call of the table: its number here, name and kind. */
struct sc {
	long		 nr;
	const char	*name;
	enum task_kind	 kind;
};

/*
 * The calls a socket program waits in, by number on each architecture
 * (arch/x86/entry/syscalls/syscall_64.tbl; aarch64 uses the generic
 * numbers of include/uapi/asm-generic/unistd.h, which has no poll,
 * select or epoll_wait). A 32-bit process on a 64-bit kernel numbers its
 * calls otherwise; its waits read as other calls.
 */
static const struct sc table[] = {
#if defined(__x86_64__)
	{ 0, "read", TK_RECV },		{ 1, "write", TK_SEND },
	{ 7, "poll", TK_POLL },		{ 19, "readv", TK_RECV },
	{ 20, "writev", TK_SEND },	{ 23, "select", TK_SELECT },
	{ 34, "pause", TK_SLEEP },	{ 35, "nanosleep", TK_SLEEP },
	{ 42, "connect", TK_CONNECT },	{ 43, "accept", TK_ACCEPT },
	{ 44, "sendto", TK_SEND },	{ 45, "recvfrom", TK_RECV },
	{ 46, "sendmsg", TK_SEND },	{ 47, "recvmsg", TK_RECV },
	{ 61, "wait4", TK_OTHER },	{ 202, "futex", TK_FUTEX },
	{ 230, "clock_nanosleep", TK_SLEEP },
	{ 232, "epoll_wait", TK_EPOLL },
	{ 270, "pselect6", TK_SELECT },	{ 271, "ppoll", TK_POLL },
	{ 281, "epoll_pwait", TK_EPOLL },
	{ 288, "accept4", TK_ACCEPT },	{ 299, "recvmmsg", TK_RECV },
	{ 307, "sendmmsg", TK_SEND },	{ 441, "epoll_pwait2", TK_EPOLL },
#define TASKS_ARCH "x86_64"
#elif defined(__aarch64__)
	{ 22, "epoll_pwait", TK_EPOLL },
	{ 63, "read", TK_RECV },	{ 64, "write", TK_SEND },
	{ 65, "readv", TK_RECV },	{ 66, "writev", TK_SEND },
	{ 72, "pselect6", TK_SELECT },	{ 73, "ppoll", TK_POLL },
	{ 98, "futex", TK_FUTEX },	{ 101, "nanosleep", TK_SLEEP },
	{ 115, "clock_nanosleep", TK_SLEEP },
	{ 202, "accept", TK_ACCEPT },	{ 203, "connect", TK_CONNECT },
	{ 206, "sendto", TK_SEND },	{ 207, "recvfrom", TK_RECV },
	{ 211, "sendmsg", TK_SEND },	{ 212, "recvmsg", TK_RECV },
	{ 242, "accept4", TK_ACCEPT },	{ 243, "recvmmsg", TK_RECV },
	{ 260, "wait4", TK_OTHER },	{ 269, "sendmmsg", TK_SEND },
	{ 441, "epoll_pwait2", TK_EPOLL },
#define TASKS_ARCH "aarch64"
#endif
	{ -1, NULL, TK_OTHER }
};

const char *
tasks_arch(void)
{
#ifdef TASKS_ARCH
	return TASKS_ARCH;
#else
	return NULL;
#endif
}

static const struct sc *
sc_of(long nr)
{
	for (size_t i = 0; table[i].name != NULL; i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

const char *
tasks_syscall_name(long nr)
{
	const struct sc *s = sc_of(nr);

	return s != NULL ? s->name : NULL;
}

/* An int argument as the register holds it (the upper half is junk). */
static long
arg_int(unsigned long a)
{
	return (long)(int)(unsigned)(a & 0xffffffffUL);
}

/* The descriptor in argument a, or -1 when it cannot be one. */
static int
arg_fd(unsigned long a)
{
	long v = arg_int(a);

	return v >= 0 && v < INT_MAX ? (int)v : -1;
}

int
tasks_parse_syscall(const char *text, struct task_wait *w)
{
	const struct sc *s;
	char *end;
	const char *p;
	long nr;

	w->kind = TK_UNKNOWN;
	w->nr = -1;
	w->name = NULL;
	w->fd = -1;
	w->forever = 0;
	w->timeout_ms = -1;
	w->nfds = -1;
	w->has_fds = 0;
	memset(w->args, 0, sizeof(w->args));
	if (strncmp(text, "running", 7) == 0) {
		w->kind = TK_RUNNING;
		return 0;
	}
	errno = 0;
	nr = strtol(text, &end, 10);
	if (end == text || errno != 0 || (*end != ' ' && *end != '\n' &&
	    *end != '\0'))
		return -1;
	if (nr < 0) {
		/* "-1 SP PC": blocked, but not in a system call */
		w->kind = TK_NOSYS;
		return 0;
	}
	p = end;
	for (int i = 0; i < 6; i++) {
		unsigned long v;

		while (*p == ' ')
			p++;
		if (strncmp(p, "0x", 2) != 0)
			return -1;
		errno = 0;
		v = strtoul(p + 2, &end, 16);
		if (end == p + 2 || errno != 0)
			return -1;
		w->args[i] = v;
		p = end;
	}
	w->nr = nr;
	if ((s = sc_of(nr)) == NULL) {
		w->kind = TK_OTHER;
		return 0;
	}
	w->name = s->name;
	w->kind = s->kind;
	switch (s->kind) {
	case TK_RECV:
	case TK_SEND:
	case TK_CONNECT:
	case TK_ACCEPT:
		w->fd = arg_fd(w->args[0]);
		break;
	case TK_POLL:
		w->nfds = (int)(w->args[1] > INT_MAX ? INT_MAX : w->args[1]);
		if (strcmp(s->name, "poll") == 0) {
			w->timeout_ms = arg_int(w->args[2]);
			w->forever = w->timeout_ms < 0;
		} else	/* ppoll: a timespec pointer, NULL for none */
			w->forever = w->args[2] == 0;
		break;
	case TK_SELECT:
		/* a timeval (select) or timespec (pselect6) pointer */
		w->forever = w->args[4] == 0;
		break;
	case TK_EPOLL:
		w->fd = arg_fd(w->args[0]);
		if (strcmp(s->name, "epoll_pwait2") == 0)
			w->forever = w->args[3] == 0;
		else {
			w->timeout_ms = arg_int(w->args[3]);
			w->forever = w->timeout_ms < 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

char
tasks_parse_state(const char *text)
{
	const char *p = strrchr(text, ')');

	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[2] == ' ')
		return '?';
	return p[2];
}

/* Reads root/rel into buf (at most len - 1 bytes, NUL-ended); -1 errno. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, buf, len - 1)) == -1 && errno == EINTR)
		;
	if (n == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

/*
 * The descriptors a poll or select of thread w watches, from the process's
 * memory (the live /proc only: a fixture tree has no process).
 */
static void
read_fds(const char *root, int pid, struct task_wait *w)
{
	struct iovec lo, re;
	ssize_t n;

	if (strcmp(root, "/proc") != 0) {
		w->fds_errno = ENOTSUP;
		return;
	}
	if (w->kind == TK_POLL) {
		struct pollfd pf[TASKS_MAX_FDS];
		int k = w->nfds < TASKS_MAX_FDS ? w->nfds : TASKS_MAX_FDS;

		if (k <= 0)
			return;
		lo.iov_base = pf;
		lo.iov_len = (size_t)k * sizeof(pf[0]);
		re.iov_base = (void *)w->args[0];
		re.iov_len = lo.iov_len;
		if ((n = process_vm_readv(pid, &lo, 1, &re, 1, 0)) !=
		    (ssize_t)lo.iov_len) {
			w->fds_errno = n == -1 ? errno : EIO;
			return;
		}
		for (int i = 0; i < k; i++)
			w->fds[i] = pf[i].fd;
		w->has_fds = 1;
	} else if (w->kind == TK_SELECT) {
		/* readfds and writefds: nfds bits each, at most FD_SETSIZE */
		unsigned char set[2][128];
		long nb = arg_int(w->args[0]);
		size_t bytes;
		int c = 0;

		if (nb <= 0 || nb > 1024) {
			w->nfds = nb <= 0 ? 0 : -1;
			return;
		}
		bytes = ((size_t)nb + 63) / 64 * 8;
		memset(set, 0, sizeof(set));
		for (int s = 0; s < 2; s++) {
			if (w->args[s + 1] == 0)
				continue;
			lo.iov_base = set[s];
			lo.iov_len = bytes;
			re.iov_base = (void *)w->args[s + 1];
			re.iov_len = bytes;
			if ((n = process_vm_readv(pid, &lo, 1, &re, 1, 0)) !=
			    (ssize_t)bytes) {
				w->fds_errno = n == -1 ? errno : EIO;
				return;
			}
		}
		for (int fd = 0; fd < nb; fd++)
			if ((set[0][fd / 8] | set[1][fd / 8]) &
			    (1u << (fd % 8))) {
				if (c < TASKS_MAX_FDS)
					w->fds[c] = fd;
				c++;
			}
		w->nfds = c;
		w->has_fds = 1;
	}
}

static void
wait_init(struct task_wait *w, int tid)
{
	memset(w, 0, sizeof(*w));
	w->tid = tid;
	w->state = '?';
	w->fd = -1;
	w->nr = -1;
	w->timeout_ms = -1;
	w->nfds = -1;
}

/*
 * One thread, lightly (tasks_read_light()): its syscall file first, and
 * its state only when the call is of kinds. 0 kept, 1 left out or gone.
 */
static int
read_light(const char *root, int pid, int tid, unsigned kinds,
    struct task_wait *w, int *denied)
{
	char path[PATH_MAX], buf[512];

	wait_init(w, tid);
	snprintf(path, sizeof(path), "%s/%d/task/%d/syscall", root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) == -1) {
		if (errno == EACCES || errno == EPERM)
			(*denied)++;
		return 1;
	}
	if (tasks_parse_syscall(buf, w) == -1 ||
	    !(kinds & (1u << w->kind)))
		return 1;
	snprintf(path, sizeof(path), "%s/%d/task/%d/stat", root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) == -1)
		return 1;
	w->state = tasks_parse_state(buf);
	/* a thread on a CPU has its last call in the file, not a wait */
	return w->state == 'R' ? 1 : 0;
}

/* One thread; 0, 1 when it is gone, -1 ENOMEM never (no allocation). */
static int
read_one(const char *root, int pid, int tid, struct task_wait *w, int *denied)
{
	char path[PATH_MAX], buf[512];
	size_t l;

	wait_init(w, tid);
	snprintf(path, sizeof(path), "%s/%d/task/%d/stat", root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) == -1)
		return errno == ENOENT || errno == ESRCH ? 1 : 0;
	w->state = tasks_parse_state(buf);
	snprintf(path, sizeof(path), "%s/%d/task/%d/wchan", root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) > 0 && strcmp(buf, "0") != 0) {
		l = strcspn(buf, "\n");
		buf[l] = '\0';
		snprintf(w->wchan, sizeof(w->wchan), "%.31s", buf);
	}
	snprintf(path, sizeof(path), "%s/%d/task/%d/syscall", root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) == -1) {
		if (errno == EACCES || errno == EPERM)
			(*denied)++;
		else if (errno == ENOENT || errno == ESRCH)
			return 1;
		w->kind = TK_UNKNOWN;
		return 0;
	}
	if (tasks_parse_syscall(buf, w) == -1) {
		w->kind = TK_UNKNOWN;
		return 0;
	}
	/* a thread on a CPU has its last call in the file, not a wait */
	if (w->state == 'R' && w->kind != TK_RUNNING)
		w->kind = TK_RUNNING;
	if ((w->kind == TK_POLL || w->kind == TK_SELECT) && w->state != 'R')
		read_fds(root, pid, w);
	return 0;
}

static int
cmp_tid(const void *a, const void *b)
{
	const struct task_wait *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* tasks_read(), or with light its light form (kinds: which to keep). */
static int
read_all(const char *root, int pid, int light, unsigned kinds,
    struct tasks *out)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t cap = 0;
	DIR *d;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	snprintf(path, sizeof(path), "%s/%d/task", root, pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0' ||
		    tid <= 0 || tid > INT_MAX)
			continue;
		if (out->n == TASKS_MAX) {
			out->more++;
			continue;
		}
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *x = realloc(out->t, nc * sizeof(*out->t));

			if (x == NULL) {
				closedir(d);
				tasks_free(out);
				errno = ENOMEM;
				return -1;
			}
			out->t = x;
			cap = nc;
		}
		if ((light ? read_light(root, pid, (int)tid, kinds,
		    &out->t[out->n], &out->denied) : read_one(root, pid,
		    (int)tid, &out->t[out->n], &out->denied)) == 0)
			out->n++;
	}
	closedir(d);
	/* a process that ended meanwhile lists no thread: out->t is NULL,
	 * which qsort() may not be given */
	if (out->n > 1)
		qsort(out->t, out->n, sizeof(*out->t), cmp_tid);
	return 0;
}

int
tasks_read(const char *root, int pid, struct tasks *out)
{
	return read_all(root, pid, 0, 0, out);
}

int
tasks_read_light(const char *root, int pid, unsigned kinds,
    struct tasks *out)
{
	return read_all(root, pid, 1, kinds, out);
}

void
tasks_free(struct tasks *t)
{
	free(t->t);
	t->t = NULL;
	t->n = 0;
}

const struct task_wait *
tasks_find(const struct tasks *t, int tid)
{
	struct task_wait k;

	if (t->n == 0)
		return NULL;
	k.tid = tid;
	return bsearch(&k, t->t, t->n, sizeof(*t->t), cmp_tid);
}

int
tasks_fd(const char *root, int pid, int fd, unsigned long *ino)
{
	char path[PATH_MAX], link[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, pid, fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) == -1)
		return -1;
	link[n] = '\0';
	if (strncmp(link, "socket:[", 8) == 0) {
		char *end;

		errno = 0;
		*ino = strtoul(link + 8, &end, 10);
		if (errno == 0 && *end == ']' && end[1] == '\0')
			return FDK_SOCKET;
		return FDK_OTHER;
	}
	if (strcmp(link, "anon_inode:[eventpoll]") == 0)
		return FDK_EPOLL;
	return FDK_OTHER;
}

int
tasks_parse_fdinfo(const char *text, struct tasks_fdinfo *fi)
{
	const char *p = text;

	memset(fi, 0, sizeof(*fi));
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char *end;

		if (strncmp(p, "flags:", 6) == 0) {
			errno = 0;
			fi->flags = strtoul(p + 6, &end, 8);
			if (errno == 0 && end != p + 6)
				fi->has_flags = 1;
		} else if (strncmp(p, "tfd:", 4) == 0) {
			long v;

			errno = 0;
			v = strtol(p + 4, &end, 10);
			if (errno == 0 && end != p + 4 && v >= 0 &&
			    v < INT_MAX) {
				if (fi->ntfd < TASKS_MAX_TFDS)
					fi->tfd[fi->ntfd] = (int)v;
				if (fi->ntfd < INT_MAX)
					fi->ntfd++;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return fi->has_flags ? 0 : -1;
}

int
tasks_fdinfo(const char *root, int pid, int fd, struct tasks_fdinfo *fi)
{
	char path[PATH_MAX], *buf;
	size_t cap = 4096, len = 0;
	ssize_t n;
	int f, rc;

	snprintf(path, sizeof(path), "%s/%d/fdinfo/%d", root, pid, fd);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((buf = malloc(cap)) == NULL) {
		close(f);
		errno = ENOMEM;
		return -1;
	}
	/* an epoll set lists a line per descriptor: the first 64 KiB do */
	while (len < cap - 1) {
		n = read(f, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1 && cap < 65536) {
			char *x = realloc(buf, cap * 2);

			if (x == NULL)
				break;
			buf = x;
			cap *= 2;
		}
	}
	close(f);
	buf[len] = '\0';
	rc = tasks_parse_fdinfo(buf, fi);
	free(buf);
	if (rc == -1)
		errno = EPROTO;
	return rc;
}
