#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procstate.h"

/* Reads the small file at path into buf (NUL-ended); its length or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * "PID (COMM) S ...": the state follows the last ')' (a command may hold
 * one); num_threads is the 20th field.
 */
static int
read_stat(const char *dir, char *state, int *nthreads)
{
	char path[4200], buf[1024], *p;
	int field = 3;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return -1;
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	p += 2;
	*state = *p;
	if (nthreads == NULL)
		return 0;
	*nthreads = 0;
	while (*p != '\0' && field < 20) {
		if (*p++ == ' ')
			field++;
	}
	if (field == 20)
		*nthreads = atoi(p);
	return 0;
}

/* The wchan of dir into w ("" when none or hidden); 1 when hidden. */
static int
read_wchan(const char *dir, char *w, size_t len)
{
	char path[4200], *dot;

	w[0] = '\0';
	snprintf(path, sizeof(path), "%s/wchan", dir);
	if (slurp(path, w, len) < 0)
		return errno == EACCES || errno == EPERM;
	w[strcspn(w, "\n")] = '\0';
	if (strcmp(w, "0") == 0) {
		/* a running thread, or kallsyms hidden from this user */
		w[0] = '\0';
		return 0;
	}
	/* poll_schedule_timeout.constprop.0 */
	if ((dot = strchr(w, '.')) != NULL)
		*dot = '\0';
	return 0;
}

static int
is_any(const char *w, const char *const *v)
{
	for (; *v != NULL; v++)
		if (strcmp(w, *v) == 0)
			return 1;
	return 0;
}

/* The number of the system call dir's thread is in, or -1. */
static long
read_syscall(const char *dir)
{
	char path[4200], buf[64];

	snprintf(path, sizeof(path), "%s/syscall", dir);
	/* "running", or the number and its arguments; closed to others */
	if (slurp(path, buf, sizeof(buf)) <= 0 || buf[0] < '0' ||
	    buf[0] > '9')
		return -1;
	return strtol(buf, NULL, 10);
}

static int
in_list(long nr, const long *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == nr)
			return 1;
	return 0;
}

/*
 * What a thread in system call nr waits for: 1 room to send, 2 events
 * (an event loop), 3 a connection to accept, 0 other. The numbers are the
 * architecture's (<sys/syscall.h>); a call it lacks is left out.
 */
static int
syscall_kind(long nr)
{
	static const long send[] = {
#ifdef SYS_sendto
		SYS_sendto,
#endif
#ifdef SYS_sendmsg
		SYS_sendmsg,
#endif
#ifdef SYS_sendmmsg
		SYS_sendmmsg,
#endif
#ifdef SYS_write
		SYS_write,
#endif
#ifdef SYS_writev
		SYS_writev,
#endif
#ifdef SYS_sendfile
		SYS_sendfile,
#endif
		-2 };
	static const long loop[] = {
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait
		SYS_epoll_pwait,
#endif
#ifdef SYS_epoll_pwait2
		SYS_epoll_pwait2,
#endif
#ifdef SYS_poll
		SYS_poll,
#endif
#ifdef SYS_ppoll
		SYS_ppoll,
#endif
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_pselect6
		SYS_pselect6,
#endif
		-2 };
	static const long acc[] = {
#ifdef SYS_accept
		SYS_accept,
#endif
#ifdef SYS_accept4
		SYS_accept4,
#endif
		-2 };

	if (nr < 0)
		return 0;
	if (in_list(nr, send, sizeof(send) / sizeof(send[0])))
		return 1;
	if (in_list(nr, loop, sizeof(loop) / sizeof(loop[0])))
		return 2;
	if (in_list(nr, acc, sizeof(acc) / sizeof(acc[0])))
		return 3;
	return 0;
}

static void
judge_task(struct procstate *ps, char st, const char *w, long nr)
{
	static const char *const send[] = { "sk_stream_wait_memory",
	    "sock_wait_for_wmem", "unix_wait_for_peer", "wait_for_wmem",
	    NULL };
	static const char *const loop[] = { "do_epoll_wait", "ep_poll",
	    "do_sys_poll", "poll_schedule_timeout", "do_select",
	    "core_sys_select", NULL };
	static const char *const acc[] = { "inet_csk_accept",
	    "inet_csk_wait_for_connect", "unix_accept",
	    "__skb_wait_for_more_packets", NULL };

	if (st == 'T' || st == 't')
		ps->stopped++;
	/*
	 * the system call says it where it is readable (the wchan of a send
	 * is wait_woken, as of many other waits); the wchan otherwise
	 */
	switch (st == 'S' || st == 'D' ? syscall_kind(nr) : 0) {
	case 1:
		ps->in_send++;
		return;
	case 2:
		ps->in_loop++;
		return;
	case 3:
		ps->in_accept++;
		return;
	}
	if (is_any(w, send))
		ps->in_send++;
	else if (is_any(w, loop))
		ps->in_loop++;
	else if (is_any(w, acc))
		ps->in_accept++;
}

int
procstate_read(const char *root, int pid, struct procstate *ps)
{
	char dir[4200], tdir[4300], w[64];
	struct dirent *e;
	int ntask = 0;
	DIR *d;

	memset(ps, 0, sizeof(*ps));
	snprintf(dir, sizeof(dir), "%s/%d", root, pid);
	if (read_stat(dir, &ps->state, &ps->nthreads) == -1) {
		if (errno != EACCES && errno != EPERM)
			errno = ENOENT;
		return -1;
	}
	ps->found = 1;
	ps->wchan_hidden = read_wchan(dir, ps->wchan, sizeof(ps->wchan));
	snprintf(tdir, sizeof(tdir), "%s/task", dir);
	if ((d = opendir(tdir)) == NULL) {
		judge_task(ps, ps->state, ps->wchan, read_syscall(dir));
		return 0;
	}
	while ((e = readdir(d)) != NULL && ntask < PROCSTATE_MAX_TASKS) {
		char st;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(tdir, sizeof(tdir), "%s/task/%.16s", dir, e->d_name);
		if (read_stat(tdir, &st, NULL) == -1)
			continue;
		ntask++;
		ps->wchan_hidden |= read_wchan(tdir, w, sizeof(w));
		judge_task(ps, st, w, read_syscall(tdir));
	}
	closedir(d);
	return 0;
}

const char *
procstate_word(char state)
{
	switch (state) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "in uninterruptible sleep (disk or kernel wait)";
	case 'T':
		return "stopped (SIGSTOP, SIGTSTP or a debugger)";
	case 't':
		return "stopped by a debugger (traced)";
	case 'Z':
		return "a zombie (exited, not yet reaped)";
	case 'X':
		return "exiting";
	case 'I':
		return "idle";
	default:
		return "in an unknown state";
	}
}
