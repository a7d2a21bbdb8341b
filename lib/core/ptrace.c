#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "clock.h"
#include "ptrace.h"
#include "which.h"
#include "ptrpriv.h"

/*
 * The calls the filter stops: the socket calls, the descriptor calls that
 * copy or drop a socket's descriptor, and the process calls whose
 * children and images the tracer must follow.
 */
static const long traced_nrs[] = {
	SYS_socket, SYS_socketpair, SYS_bind, SYS_listen, SYS_connect,
	SYS_accept4, SYS_shutdown, SYS_getsockopt, SYS_setsockopt,
	SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_sendmmsg,
	SYS_recvmmsg, SYS_close, SYS_dup, SYS_dup3, SYS_fcntl, SYS_clone,
	SYS_execve, SYS_execveat,
#ifdef SYS_accept
	SYS_accept,
#endif
#ifdef SYS_dup2
	SYS_dup2,
#endif
#ifdef SYS_fork
	SYS_fork,
#endif
#ifdef SYS_vfork
	SYS_vfork,
#endif
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_close_range
	SYS_close_range,
#endif
};
#define NTRACED	(sizeof(traced_nrs) / sizeof(traced_nrs[0]))

/* With -v: the descriptor calls that send and receive on a socket too. */
static const long io_nrs[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev,
};
#define NIO	(sizeof(io_nrs) / sizeof(io_nrs[0]))

#if defined(__x86_64__)
#define PT_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PT_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define PT_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#else
#define PT_AUDIT_ARCH	0	/* no filter: every call stops */
#endif

#define PT_OPTS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | \
		 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
		 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

int
pt_traced_nr(long nr)
{
	for (size_t i = 0; i < NTRACED; i++)
		if (traced_nrs[i] == nr)
			return 1;
	return 0;
}

int
pt_io_nr(long nr)
{
	for (size_t i = 0; i < NIO; i++)
		if (io_nrs[i] == nr)
			return 1;
	return 0;
}

int
ptp_traced(const struct pt *t, long nr)
{
	return pt_traced_nr(nr) || (t->io && pt_io_nr(nr));
}

void
pt_trace_io(struct pt *t, int on)
{
	t->io = on != 0;
}

ssize_t
pt_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };

	if (len == 0)
		return 0;
	return process_vm_readv(tid, &l, 1, &r, 1, 0);
}

/* Threads and processes */

static unsigned
hash_pid(pid_t p)
{
	return ((unsigned)p * 2654435761u) % PT_BUCKETS;
}

struct pt_thread *
ptp_thread(struct pt *t, pid_t tid)
{
	struct pt_thread *th;

	for (th = t->th[hash_pid(tid)]; th != NULL; th = th->next)
		if (th->tid == tid)
			return th;
	return NULL;
}

static struct pt_proc *
find_proc(struct pt *t, pid_t tgid)
{
	struct pt_proc *p;

	for (p = t->pr[hash_pid(tgid)]; p != NULL; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

/* The live-thread count of tgid changes by d; the entry goes at 0. */
static void
proc_count(struct pt *t, pid_t tgid, int d)
{
	struct pt_proc *p, **pp;

	p = find_proc(t, tgid);
	if (p == NULL) {
		if (d <= 0 || (p = calloc(1, sizeof(*p))) == NULL)
			return;
		p->tgid = tgid;
		p->next = t->pr[hash_pid(tgid)];
		t->pr[hash_pid(tgid)] = p;
	}
	p->nlive += d;
	if (p->nlive > 0)
		return;
	for (pp = &t->pr[hash_pid(tgid)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			free(p);
			return;
		}
}

struct pt_thread *
ptp_add(struct pt *t, pid_t tid, pid_t tgid)
{
	struct pt_thread *th;

	if ((th = ptp_thread(t, tid)) != NULL)
		return th;
	if ((th = calloc(1, sizeof(*th))) == NULL)
		return NULL;
	th->tid = tid;
	th->tgid = tgid;
	th->next = t->th[hash_pid(tid)];
	t->th[hash_pid(tid)] = th;
	t->nthreads++;
	proc_count(t, tgid, 1);
	return th;
}

/* Marks th exiting: it no longer counts as a live thread of its process. */
void
ptp_exiting(struct pt *t, struct pt_thread *th)
{
	if (th->exiting)
		return;
	th->exiting = 1;
	proc_count(t, th->tgid, -1);
}

void
ptp_remove(struct pt *t, struct pt_thread *th)
{
	struct pt_thread **pp;

	ptp_exiting(t, th);
	for (pp = &t->th[hash_pid(th->tid)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == th) {
			*pp = th->next;
			t->nthreads--;
			free(th);
			return;
		}
}

/* Whether tgid's first call of another ABI is news (then marked seen). */
int
ptp_foreign(struct pt *t, pid_t tgid)
{
	struct pt_proc *p = find_proc(t, tgid);

	if (p == NULL || p->foreign)
		return 0;
	p->foreign = 1;
	return 1;
}

int
ptp_live(struct pt *t, pid_t tgid)
{
	struct pt_proc *p = find_proc(t, tgid);

	return p ? p->nlive : 0;
}

struct pt *
pt_new(const struct pt_hooks *h)
{
	struct pt *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (h != NULL)
		t->h = *h;
	t->root = -1;
	t->rep_fd = -1;
	return t;
}

void
pt_free(struct pt *t)
{
	if (t == NULL)
		return;
	if (t->rep_fd >= 0)
		close(t->rep_fd);
	for (int i = 0; i < PT_BUCKETS; i++) {
		while (t->th[i] != NULL) {
			struct pt_thread *n = t->th[i]->next;
			free(t->th[i]);
			t->th[i] = n;
		}
		while (t->pr[i] != NULL) {
			struct pt_proc *n = t->pr[i]->next;
			free(t->pr[i]);
			t->pr[i] = n;
		}
	}
	free(t);
}

size_t
pt_threads(const struct pt *t)
{
	return t->nthreads;
}

int
pt_ended(const struct pt *t, int *code, int *sig)
{
	*code = t->root_code;
	*sig = t->root_sig;
	return t->root_done;
}

void
pt_pending(const struct pt *t, pt_pending_fn *fn, void *arg)
{
	for (int i = 0; i < PT_BUCKETS; i++)
		for (struct pt_thread *th = t->th[i]; th; th = th->next)
			if (th->in_call)
				fn(arg, &th->sys);
}

/* Starting a program */

#if PT_AUDIT_ARCH != 0
/* A search tree of n sorted call numbers: its instruction count. */
static size_t
bst_size(size_t n)
{
	return n <= 3 ? n + 1 : 1 + bst_size(n / 2) + bst_size(n - n / 2);
}

/*
 * Emits at p[*k] the search for the accumulator among a[0..n-1]: a match
 * jumps to the instruction trace_at, no match returns ALLOW. A tree, not
 * a list: every call of the program runs the filter, and most are
 * no socket call (a write() to a file meets about five tests, not 27).
 */
static void
bst_emit(struct sock_filter *p, size_t *k, const uint32_t *a, size_t n,
    size_t trace_at)
{
	size_t m = n / 2;

	if (n <= 3) {
		for (size_t i = 0; i < n; i++, (*k)++)
			p[*k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			    BPF_K, a[i], (uint8_t)(trace_at - *k - 1), 0);
		p[(*k)++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ALLOW);
		return;
	}
	p[*k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, a[m],
	    (uint8_t)bst_size(m), 0);
	(*k)++;
	bst_emit(p, k, a, m, trace_at);
	bst_emit(p, k, a + m, n - m, trace_at);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}
#endif

#if defined(__x86_64__)
#define I386_SOCKETCALL	102	/* i386: every socket call through one */
#define I386_SOCK_LO	359	/* i386: socket() ... shutdown() */
#define I386_SOCK_HI	373
#endif

/*
 * The filter: the native architecture's traced calls stop, the rest run.
 * Calls of another ABI (on x86_64: an i386 program's socket calls, any
 * x32 call; elsewhere: any call of another architecture) stop too, so
 * that the tracer can say it does not follow them rather than miss them
 * unseen.
 */
static int
install_filter(int io)
{
#if PT_AUDIT_ARCH != 0
	struct sock_filter prog[12 + 2 * (NTRACED + NIO) + 2];
	struct sock_fprog fp;
	uint32_t nrs[NTRACED + NIO];
	size_t n = 0, trace_at, nn = 0;

	for (size_t i = 0; i < NTRACED; i++)
		nrs[nn++] = (uint32_t)traced_nrs[i];
	for (size_t i = 0; io && i < NIO; i++)
		nrs[nn++] = (uint32_t)io_nrs[i];
	qsort(nrs, nn, sizeof(nrs[0]), cmp_u32);
#if defined(__x86_64__)
	trace_at = 10 + bst_size(nn);
#else
	trace_at = 4 + bst_size(nn);
#endif
	if (trace_at + 1 > sizeof(prog) / sizeof(prog[0])) {
		errno = E2BIG;	/* the list outgrew the program's room */
		return -1;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
#if defined(__x86_64__)
	/* 0 arch; 1: native -> 8; 2: i386 -> 4; 3 allow */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    PT_AUDIT_ARCH, 6, 0);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AUDIT_ARCH_I386, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	/* 4: an i386 program: its socket calls stop (to be named) */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    I386_SOCKETCALL, (uint8_t)(trace_at - 6), 0);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    I386_SOCK_LO, 0, (uint8_t)(trace_at - 6));	/* 6 */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
	    I386_SOCK_HI, (uint8_t)(trace_at - 7), (uint8_t)(trace_at - 8));
	/* 8: native; an x32 call (its number has bit 30) stops */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    0x40000000u, (uint8_t)(trace_at - 10), 0);
#else
	/* another architecture's calls (a 32-bit program): their numbers
	 * are not known here, so every one stops, to be named */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    PT_AUDIT_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_TRACE);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
#endif
	bst_emit(prog, &n, nrs, nn, trace_at);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_TRACE);
#if defined(__x86_64__)
	/* trace_at + 1: the i386 block's other calls run */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
#endif
	fp.len = (unsigned short)n;
	fp.filter = prog;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0);
#else
	(void)io;
	return 0;
#endif
}

/*
 * The child: waits until the parent has seized it, takes no new
 * privileges (a setuid program runs as the user), installs the filter
 * and runs the program. An errno that stops it goes back over the pipe.
 */
static void __attribute__((noreturn))
child(char *const argv[], int go, int rep, int io)
{
	char b;
	int e;

	while (read(go, &b, 1) == -1 && errno == EINTR)
		;
	close(go);
	/* sockctl ignores SIGPIPE; the program gets its own default */
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    install_filter(io) == -1)
		goto fail;
	execvp(argv[0], argv);
fail:
	e = errno;
	while (write(rep, &e, sizeof(e)) == -1 && errno == EINTR)
		;
	_exit(127);
}

pid_t
pt_spawn(struct pt *t, char *const argv[], struct fail *f)
{
	int go[2], rep[2], e = 0;
	pid_t pid;

	fail_clear(f);
	if (pipe2(go, O_CLOEXEC) == -1)
		return fail_set(f, ST_NONE, errno);
	if (pipe2(rep, O_CLOEXEC) == -1) {
		e = errno;
		close(go[0]);
		close(go[1]);
		return fail_set(f, ST_NONE, e);
	}
	pid = fork();
	if (pid == -1) {
		e = errno;
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(rep[0]);
		child(argv, go[0], rep[1], t->io);
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, PT_OPTS |
	    PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) == -1 ||
	    ptp_add(t, pid, pid) == NULL) {
		e = errno ? errno : ENOMEM;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, __WALL) == -1 && errno == EINTR)
			;
		goto out;
	}
	t->root = pid;
	t->seccomp = PT_AUDIT_ARCH != 0;
	/* the child's errno, if it cannot run the program, comes back over
	 * rep (closed by a successful exec): read once the child is gone */
	t->rep_fd = rep[0];
	rep[0] = -1;
	if (write(go[1], "g", 1) != 1)
		e = errno;
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	if (e != 0)
		return fail_set(f, ST_NONE, e);
	return pid;
}

int
pt_exec_error(struct pt *t)
{
	int e = 0;
	ssize_t n;

	if (t->rep_fd < 0)
		return t->exec_err;
	fcntl(t->rep_fd, F_SETFL, O_NONBLOCK);
	n = read(t->rep_fd, &e, sizeof(e));
	if (n == (ssize_t)sizeof(e))
		t->exec_err = e;
	close(t->rep_fd);
	t->rep_fd = -1;
	return t->exec_err;
}

/* Network namespaces */

int
pt_netns_enter(pid_t pid, int *back)
{
	char path[64];
	struct stat a, b;
	int fd, me, e;

	*back = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &a) == -1 || stat("/proc/self/ns/net", &b) == -1 ||
	    (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;	/* gone meanwhile */
	if ((me = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) == -1) {
		e = errno;
		close(fd);
		close(me);
		errno = e;
		return -1;
	}
	close(fd);
	*back = me;
	return 1;
}

void
pt_netns_leave(int back)
{
	if (back < 0)
		return;
	/* sockctl's own namespace, entered before: it cannot refuse */
	(void)setns(back, CLONE_NEWNET);
	close(back);
}

/* Privileges a program would gain */

/* Whether file path is one execvp() would run. */
static int
runnable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

int
pt_setid(const char *argv0, char *path, size_t len, int *why, long *owner)
{
	struct stat st;

	*why = 0;
	*owner = -1;
	if (!which(argv0, path, len, runnable) || stat(path, &st) == -1)
		return 0;
	if ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) {
		*why = 'u';
		*owner = (long)st.st_uid;
	} else if ((st.st_mode & S_ISGID) && st.st_gid != getegid()) {
		*why = 'g';
		*owner = (long)st.st_gid;
	} else if (geteuid() != 0 &&
	    getxattr(path, "security.capability", NULL, 0) > 0) {
		*why = 'c';
	}
	return *why != 0;
}
