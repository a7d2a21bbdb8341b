/*
 * stopcost MODE N: what one stop of a traced program costs, for each way
 * a tracer can be told of a system call. The child calls close(1000) N
 * times under a seccomp filter that hands close() to the parent:
 *   0  SECCOMP_RET_TRACE: a ptrace stop; the parent waits, reads the
 *      call (PTRACE_GET_SYSCALL_INFO) and resumes it (what sockctl does)
 *   1  SECCOMP_RET_USER_NOTIF: a second process answers each notification
 *      with SECCOMP_USER_NOTIF_FLAG_CONTINUE
 *   2  the same with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6)
 *   3  as 0, the parent polling waitpid(WNOHANG) between sched_yield()
 *      calls for up to 30 us before it sleeps (what sockctl does now)
 * The child prints the cost of one close() in microseconds. Not part of
 * any test; bench/TRACE.md says what it showed.
 *   cc -O2 -o /tmp/stopcost bench/stopcost.c && /tmp/stopcost 0 20000
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Passes descriptor fd over the Unix socket s (-1 on failure). */
static int
send_fd(int s, int fd)
{
	char c = 'x', buf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &c, 1 };
	struct msghdr m;
	struct cmsghdr *cm;

	memset(&m, 0, sizeof(m));
	memset(buf, 0, sizeof(buf));
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = buf;
	m.msg_controllen = sizeof(buf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int
recv_fd(int s)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &c, 1 };
	struct msghdr m;
	struct cmsghdr *cm;
	int fd;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = buf;
	m.msg_controllen = sizeof(buf);
	if (recvmsg(s, &m, 0) <= 0 || (cm = CMSG_FIRSTHDR(&m)) == NULL)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static void
child(int mode, int n, int sock)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, mode == 0 || mode == 3 ?
		    SECCOMP_RET_TRACE : SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { 4, f };
	double t0;
	int fd;

	raise(SIGSTOP);		/* until the parent has seized it */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    mode == 0 || mode == 3 ? 0 :
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
	if (fd == -1) {
		perror("stopcost: seccomp");
		_exit(1);
	}
	if (mode == 1 || mode == 2) {
		if (send_fd(sock, fd) == -1)
			_exit(1);
		syscall(SYS_close_range, fd, fd, 0);	/* close() would stop */
	}
	t0 = now();
	for (int i = 0; i < n; i++)
		close(1000);
	printf("mode %d: %.2f us per close()\n", mode, (now() - t0) / n * 1e6);
	fflush(stdout);
	_exit(0);
}

/* Answers every notification on the listener the child sends (1, 2). */
static void
answer(int mode, int sock)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd = recv_fd(sock);

	if (fd == -1)
		_exit(1);
	if (mode == 2 && ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == -1)
		perror("stopcost: SECCOMP_IOCTL_NOTIF_SET_FLAGS");
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == -1) {
			if (errno == EINTR)
				continue;
			_exit(0);	/* the child is gone */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

/* Mode 3: polls for c's next stop for up to 30 us, then sleeps. */
static pid_t
poll_wait(pid_t c, int *st)
{
	double end = now() + 30e-6;
	pid_t w;

	do {
		if ((w = waitpid(c, st, __WALL | WNOHANG)) != 0)
			return w;
		sched_yield();
	} while (now() < end);
	return waitpid(c, st, __WALL);
}

int
main(int argc, char **argv)
{
	unsigned char info[256];
	int mode, n, sp[2], st, sig;
	pid_t c, a = -1, w;

	if (argc != 3 || (mode = atoi(argv[1])) < 0 || mode > 3 ||
	    (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: stopcost 0|1|2|3 N\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		return 1;
	if ((c = fork()) == 0)
		child(mode, n, sp[1]);
	if (waitpid(c, &st, WSTOPPED) != c ||
	    ptrace(PTRACE_SEIZE, c, 0, PTRACE_O_TRACESECCOMP |
	    PTRACE_O_EXITKILL) == -1) {
		perror("stopcost: ptrace");
		return 1;
	}
	if ((mode == 1 || mode == 2) && (a = fork()) == 0)
		answer(mode, sp[0]);
	kill(c, SIGCONT);
	for (;;) {
		w = mode == 3 ? poll_wait(c, &st) : waitpid(c, &st, __WALL);
		if (w == -1 || WIFEXITED(st) || WIFSIGNALED(st))
			break;
		sig = 0;
		if (st >> 8 == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8))
			(void)ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof(info),
			    info);
		else if (st >> 16 == 0 && WSTOPSIG(st) != SIGCONT)
			sig = WSTOPSIG(st);
		(void)ptrace(PTRACE_CONT, c, 0, sig);
	}
	if (a > 0) {
		kill(a, SIGTERM);
		waitpid(a, NULL, 0);
	}
	return 0;
}
