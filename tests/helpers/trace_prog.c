/*
 * trace_prog MODE [ARG...]: the programs tests/trace-cmd.bats and the
 * bench run under `sockctl trace`, each doing one thing to its sockets
 * on 127.0.0.1 (ports given by the test; nothing fixed):
 *   bind PORT        bind() a port another process holds; exit 1
 *   connect PORT     blocking connect(); exit 2 when refused
 *   nbconnect PORT   non-blocking connect(), poll(), SO_ERROR; exit 2
 *   echo PORT        connect, send "hello\n", read the reply, close
 *   fork PORT        a child connects (echo); the parent waits for it
 *   thread PORT      a thread connects (echo); joined
 *   exec PORT        execs itself as "echo PORT"
 *   thread-exec PORT a second thread execs itself as "echo PORT"
 *   vfork PORT       vfork() + exec of itself as "echo PORT"
 *   closewait PORT   connect, read until the peer closes, exit without
 *                    close() (the socket is in CLOSE_WAIT at exit)
 *   unread PORT      connect, send, wait for the reply, close unread
 *   signal           make a socket, then die by SIGTERM
 *   exit3            make a socket, then exit 3
 *   emfile           lower its descriptor limit to what it has open, then
 *                    socket(): EMFILE; exit 1
 *   loop N PORT      N connect/close pairs (the bench)
 *   hold N           N TCP sockets bound to 127.0.0.1:0, all open at once
 *                    (its descriptor limit raised to the hard one), then
 *                    exit without closing them (the bench's memory row)
 *   writes N         N writes of one byte to /dev/null (the bench)
 *   pingpong N PORT  one connection, N round trips of one line (bench)
 *   serve [close|late] listen on 127.0.0.1:0, print "listening on A:P",
 *                    answer each line with "ok\n" until killed (close:
 *                    close each connection at once instead; late: send
 *                    "late\n" 400 ms after the accept, then close)
 *   recv PORT        connect and wait for what the server sends
 *   fail-stdout      write "out" to stdout (the program's own)
 *   rw PORT          connect, write(), writev() and read() instead of
 *                    send()/recv(); a Unix socketpair the same
 *   int80            socket() through the i386 entry (int $0x80) of a
 *                    64-bit program: another ABI's call; exit 0
 *                    (77 where there is no such entry)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char *self;

static struct sockaddr_in
lo(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int
dial(int port)
{
	struct sockaddr_in a = lo(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
echo(int port)
{
	char buf[256];
	int fd = dial(port);

	if (fd == -1)
		return 2;
	if (send(fd, "hello\n", 6, 0) != 6)
		return 3;
	if (recv(fd, buf, sizeof(buf), 0) <= 0)
		return 4;
	close(fd);
	return 0;
}

static void *
thr(void *arg)
{
	return (void *)(long)echo(*(int *)arg);
}

static void *
thr_exec(void *arg)
{
	char p[16];

	snprintf(p, sizeof(p), "%d", *(int *)arg);
	execl(self, self, "echo", p, (char *)NULL);
	return (void *)1L;
}

static int
serve(int shut, int late)
{
	struct sockaddr_in a = lo(0);
	socklen_t len = sizeof(a);
	char buf[512];
	int l, c;

	signal(SIGPIPE, SIG_IGN);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l == -1 || bind(l, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(l, 4096) == -1 || getsockname(l, (struct sockaddr *)&a,
	    &len) == -1)
		return 1;
	printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		if ((c = accept(l, NULL, NULL)) == -1)
			continue;
		if (late) {
			usleep(400000);
			(void)send(c, "late\n", 5, 0);
		}
		while (!shut && !late && recv(c, buf, sizeof(buf), 0) > 0)
			if (send(c, "ok\n", 3, 0) != 3)
				break;
		close(c);
	}
}

int
main(int argc, char **argv)
{
	int port = argc > 2 ? atoi(argv[2]) : 0, fd, v;
	const char *m = argc > 1 ? argv[1] : "";
	struct sockaddr_in a = lo(port);
	char buf[256];

	self = argv[0];
	if (strcmp(m, "bind") == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
			return 1;
		return 0;
	}
	if (strcmp(m, "connect") == 0)
		return (fd = dial(port)) == -1 ? 2 : (close(fd), 0);
	if (strcmp(m, "nbconnect") == 0) {
		struct pollfd p;
		socklen_t len = sizeof(v);

		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1 &&
		    errno != EINPROGRESS)
			return 3;
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, 5000) != 1)
			return 4;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == -1)
			return 5;
		close(fd);
		return v != 0 ? 2 : 0;
	}
	if (strcmp(m, "echo") == 0)
		return echo(port);
	if (strcmp(m, "fork") == 0) {
		pid_t pid;
		int st;

		printf("parent %d\n", (int)getpid());
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(echo(port));
		if (pid == -1 || waitpid(pid, &st, 0) == -1)
			return 5;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 6;
	}
	if (strcmp(m, "thread") == 0 || strcmp(m, "thread-exec") == 0) {
		pthread_t t;
		void *r;

		if (pthread_create(&t, NULL, m[6] ? thr_exec : thr, &port))
			return 5;
		if (m[6]) {
			pause();	/* the exec replaces the process */
			return 6;
		}
		pthread_join(t, &r);
		return (int)(long)r;
	}
	if (strcmp(m, "exec") == 0) {
		execl(self, self, "echo", argv[2], (char *)NULL);
		return 5;
	}
	if (strcmp(m, "vfork") == 0) {
		int st;
		pid_t pid = vfork();

		if (pid == 0) {
			execl(self, self, "echo", argv[2], (char *)NULL);
			_exit(5);
		}
		if (pid == -1 || waitpid(pid, &st, 0) == -1)
			return 5;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 6;
	}
	if (strcmp(m, "closewait") == 0) {
		if ((fd = dial(port)) == -1)
			return 2;
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		return 0;	/* no close(): CLOSE_WAIT until exit */
	}
	if (strcmp(m, "unread") == 0) {
		struct pollfd p;

		if ((fd = dial(port)) == -1)
			return 2;
		if (send(fd, "hello\n", 6, 0) != 6)
			return 3;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 5000) != 1)
			return 4;
		close(fd);	/* the reply unread: a reset goes */
		return 0;
	}
	if (strcmp(m, "recv") == 0) {
		if ((fd = dial(port)) == -1)
			return 2;
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			return 3;
		close(fd);
		return 0;
	}
	if (strcmp(m, "signal") == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		raise(SIGTERM);
		return 5;
	}
	if (strcmp(m, "emfile") == 0) {
		struct rlimit rl;

		fd = dup(0);	/* the lowest free descriptor, and then some */
		if (fd == -1 || getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 5;
		rl.rlim_cur = (rlim_t)fd + 1;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 5;
		return socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EMFILE ?
		    1 : 6;
	}
	if (strcmp(m, "exit3") == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		return 3;
	}
	if (strcmp(m, "loop") == 0) {
		int n = atoi(argv[2]);

		a = lo(argc > 3 ? atoi(argv[3]) : 0);
		for (int i = 0; i < n; i++) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd == -1 || connect(fd, (struct sockaddr *)&a,
			    sizeof(a)) == -1)
				return 2;
			close(fd);
		}
		return 0;
	}
	if (strcmp(m, "hold") == 0) {
		int n = atoi(argv[2]);
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		a = lo(0);
		for (int i = 0; i < n; i++) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd == -1 || bind(fd, (struct sockaddr *)&a,
			    sizeof(a)) == -1)
				return 2;
		}
		return 0;
	}
	if (strcmp(m, "pingpong") == 0) {
		int n = atoi(argv[2]);

		if ((fd = dial(argc > 3 ? atoi(argv[3]) : 0)) == -1)
			return 2;
		for (int i = 0; i < n; i++)
			if (send(fd, "ping\n", 5, 0) != 5 ||
			    recv(fd, buf, sizeof(buf), 0) <= 0)
				return 3;
		close(fd);
		return 0;
	}
	if (strcmp(m, "writes") == 0) {
		int n = atoi(argv[2]);

		fd = open("/dev/null", O_WRONLY);
		for (int i = 0; i < n; i++)
			if (write(fd, "x", 1) != 1)
				return 2;
		return 0;
	}
	if (strcmp(m, "serve") == 0)
		return serve(argc > 2 && strcmp(argv[2], "close") == 0,
		    argc > 2 && strcmp(argv[2], "late") == 0);
	if (strcmp(m, "rw") == 0) {
		struct iovec iov[2] = { { "hel", 3 }, { "lo\n", 3 } };
		int sp[2];

		if ((fd = dial(port)) == -1)
			return 2;
		if (write(fd, "hello\n", 6) != 6 || read(fd, buf, 3) != 3 ||
		    writev(fd, iov, 2) != 6 || read(fd, buf, 3) != 3)
			return 3;
		close(fd);
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 ||
		    write(sp[0], "abcd", 4) != 4 || read(sp[1], buf, 4) != 4)
			return 4;
		close(sp[0]);
		close(sp[1]);
		return 0;
	}
	if (strcmp(m, "int80") == 0) {
#if defined(__x86_64__)
		long r;

		/* socket(AF_INET, SOCK_STREAM, 0): i386 call 359 */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(359L), "b"(2L),
		    "c"(1L), "d"(0L) : "memory", "r8", "r9", "r10", "r11");
		printf("int80 socket: %ld\n", r);
		return r >= 0 ? 0 : 1;
#else
		return 77;
#endif
	}
	if (strcmp(m, "fail-stdout") == 0) {
		fputs("out\n", stdout);
		return 0;
	}
	fprintf(stderr, "trace_prog: unknown mode '%s'\n", m);
	return 64;
}
