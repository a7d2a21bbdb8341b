/*
 * lib/core/tsock + tscall: the traced program's socket table, fed the
 * system calls this test makes itself (its own pid as the "program", so
 * pidfd_getfd() and process_vm_readv() read real sockets and memory):
 * stages, a refused connect as a failure, dup/dup2/fcntl sharing one
 * socket until its last descriptor, close-on-exec at exec, a fork's
 * copy, the close of unread data, a receive of 0 (the peer closed first),
 * and the table's bound. Also lib/core/ptrace's call set and
 * lib/explain/tracex's words for a refused attach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "ptrace.h"
#include "tracex.h"
#include "tsock.h"
#include "unit.h"

#define MAXEV	64

static struct ts_event evs[MAXEV];
static struct ts_sock socks[MAXEV];
static int nev;

static void
on_ev(void *arg, const struct ts_event *e)
{
	(void)arg;
	if (nev >= MAXEV)
		return;
	evs[nev] = *e;
	if (e->s != NULL) {
		socks[nev] = *e->s;
		evs[nev].s = &socks[nev];
	}
	nev++;
}

/* The number of events of kind k (and stage st, or any when st < 0). */
static int
count(enum ts_kind k, int st)
{
	int n = 0;

	for (int i = 0; i < nev; i++)
		if (evs[i].kind == k && (st < 0 || (int)evs[i].stage == st))
			n++;
	return n;
}

static const struct ts_event *
last(enum ts_kind k)
{
	for (int i = nev - 1; i >= 0; i--)
		if (evs[i].kind == k)
			return &evs[i];
	return NULL;
}

/* Hands the table one call of this process: entry, then exit with rv. */
static void
call(struct pt_hooks *h, long nr, int64_t rv, uint64_t a0, uint64_t a1,
    uint64_t a2, uint64_t a3)
{
	struct pt_sys s;

	memset(&s, 0, sizeof(s));
	s.tgid = s.tid = getpid();
	s.nr = nr;
	s.args[0] = a0;
	s.args[1] = a1;
	s.args[2] = a2;
	s.args[3] = a3;
	s.entry_ns = clock_ns();
	h->entry(h->arg, &s);
	s.rval = rv;
	s.is_error = rv < 0;
	s.exit_ns = clock_ns();
	h->exit(h->arg, &s);
}

/* close(fd) as the program makes it: entry, the call, exit. */
static void
closecall(struct pt_hooks *h, int fd)
{
	struct pt_sys s;

	memset(&s, 0, sizeof(s));
	s.tgid = s.tid = getpid();
	s.nr = SYS_close;
	s.args[0] = (uint64_t)fd;
	s.entry_ns = clock_ns();
	h->entry(h->arg, &s);
	s.rval = close(fd) == -1 ? -errno : 0;
	s.is_error = s.rval < 0;
	s.exit_ns = clock_ns();
	h->exit(h->arg, &s);
}

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

static void
test_lifecycle(void)
{
	struct sockaddr_in la = lo(0), ca;
	socklen_t len = sizeof(la);
	struct pt_hooks h;
	struct ts *t;
	int l, c, a, d, free_port;
	char buf[8];

	nev = 0;
	t = ts_new(on_ev, NULL, 0, 1);
	CHECK(t != NULL);
	ts_hooks(t, &h);

	/* a listener: socket, bind (port 0: the kernel's port), listen */
	l = socket(AF_INET, SOCK_STREAM, 0);
	call(&h, SYS_socket, l, AF_INET, SOCK_STREAM, 0, 0);
	CHECK(count(TSE_STAGE, TSK_SOCKET) == 1);
	CHECK(bind(l, (struct sockaddr *)&la, sizeof(la)) == 0);
	call(&h, SYS_bind, 0, (uint64_t)l, (uintptr_t)&la, sizeof(la), 0);
	CHECK(getsockname(l, (struct sockaddr *)&la, &len) == 0);
	CHECK(count(TSE_STAGE, TSK_BIND) == 1);
	CHECK(last(TSE_STAGE)->s->local.ss_family == AF_INET);
	CHECK(((struct sockaddr_in *)&last(TSE_STAGE)->s->local)->sin_port ==
	    la.sin_port);
	CHECK(listen(l, 4) == 0);
	call(&h, SYS_listen, 0, (uint64_t)l, 4, 0, 0);
	CHECK_STR(tsk_name(last(TSE_STAGE)->stage), "listen");
	CHECK(last(TSE_STAGE)->s->state == 10);	/* LISTEN */

	/* a client: connect, accept on the listener, send and receive */
	c = socket(AF_INET, SOCK_STREAM, 0);
	call(&h, SYS_socket, c, AF_INET, SOCK_STREAM, 0, 0);
	CHECK(connect(c, (struct sockaddr *)&la, sizeof(la)) == 0);
	call(&h, SYS_connect, 0, (uint64_t)c, (uintptr_t)&la, sizeof(la), 0);
	CHECK(last(TSE_STAGE)->stage == TSK_CONNECT);
	CHECK(last(TSE_STAGE)->s->state == 1);	/* ESTABLISHED */
	a = accept(l, NULL, NULL);
	call(&h, SYS_accept4, a, (uint64_t)l, 0, 0, 0);
	CHECK(last(TSE_STAGE)->stage == TSK_ACCEPT);
	CHECK(last(TSE_STAGE)->s->accepted);
	CHECK(send(c, "hello", 5, 0) == 5);
	call(&h, SYS_sendto, 5, (uint64_t)c, 0, 5, 0);
	CHECK(count(TSE_IO, TSK_SEND) == 1);
	CHECK(recv(a, buf, 5, 0) == 5);
	call(&h, SYS_recvfrom, 5, (uint64_t)a, 0, 5, 0);
	CHECK(last(TSE_IO)->bytes == 5);

	/* dup and fcntl share c: the socket ends at its last close only */
	d = dup(c);
	call(&h, SYS_dup, d, (uint64_t)c, 0, 0, 0);
	closecall(&h, c);
	CHECK(count(TSE_SUMMARY, -1) == 0);
	c = fcntl(d, F_DUPFD_CLOEXEC, 0);
	call(&h, SYS_fcntl, c, (uint64_t)d, F_DUPFD_CLOEXEC, 0, 0);
	closecall(&h, d);
	CHECK(count(TSE_SUMMARY, -1) == 0);

	/* the accepted end closes after its peer sent more: unread data */
	CHECK(send(c, "more", 4, 0) == 4);
	call(&h, SYS_sendto, 4, (uint64_t)c, 0, 4, 0);
	usleep(20000);
	closecall(&h, a);
	CHECK(last(TSE_PROBLEM) != NULL &&
	    last(TSE_PROBLEM)->problem == TSP_UNREAD);
	CHECK(last(TSE_SUMMARY) != NULL &&
	    last(TSE_SUMMARY)->end == TSE_RESET);

	/* the client reads the reset; c goes close-on-exec at exec */
	(void)recv(c, buf, sizeof(buf), 0);
	h.exec(h.arg, getpid());
	CHECK(last(TSE_SUMMARY)->s->fd != l);
	CHECK(last(TSE_SUMMARY)->s->sent == 9);
	close(c);

	/* a refused connect is a failure with the address it was for */
	free_port = ntohs(la.sin_port);
	closecall(&h, l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	call(&h, SYS_socket, c, AF_INET, SOCK_STREAM, 0, 0);
	ca = lo(free_port);
	CHECK(connect(c, (struct sockaddr *)&ca, sizeof(ca)) == -1);
	call(&h, SYS_connect, -errno, (uint64_t)c, (uintptr_t)&ca, sizeof(ca),
	    0);
	CHECK(last(TSE_FAIL) != NULL && last(TSE_FAIL)->err == ECONNREFUSED);
	CHECK(last(TSE_FAIL)->stage == TSK_CONNECT);
	CHECK(last(TSE_FAIL)->addr.ss_family == AF_INET);

	/* EAGAIN and EINTR are no failures */
	nev = 0;
	call(&h, SYS_recvfrom, -EAGAIN, (uint64_t)c, 0, 5, 0);
	call(&h, SYS_accept4, -EINTR, (uint64_t)c, 0, 0, 0);
	CHECK(count(TSE_FAIL, -1) == 0);

	/* a fork copies the descriptors: the socket outlives the parent's */
	h.fork(h.arg, getpid(), 999999, 0);
	closecall(&h, c);
	CHECK(count(TSE_SUMMARY, -1) == 0);
	h.proc_exit(h.arg, 999999);
	CHECK(count(TSE_SUMMARY, -1) == 1);
	CHECK(last(TSE_SUMMARY)->end == TSE_FAILED);
	ts_free(t);
}

static void
test_bounded(void)
{
	struct pt_hooks h;
	struct ts *t;
	int i;

	/* socket() of a family not followed (netlink) makes no record */
	nev = 0;
	t = ts_new(on_ev, NULL, 0, 0);
	ts_hooks(t, &h);
	call(&h, SYS_socket, 50, AF_NETLINK, SOCK_RAW, 0, 0);
	CHECK(nev == 0);
	/* thousands of sockets opened and closed: every one summarised */
	for (i = 0; i < 5000; i++) {
		call(&h, SYS_socket, 100, AF_INET, SOCK_DGRAM, 0, 0);
		call(&h, SYS_close, 0, 100, 0, 0, 0);
	}
	CHECK(ts_dropped(t) == 0);
	ts_free(t);
}

static void
test_words(void)
{
	struct ev_env env = { "/proc", AF_UNSPEC, 5000 };
	struct pt_why w;
	struct result r;

	CHECK(pt_traced_nr(SYS_connect));
	CHECK(pt_traced_nr(SYS_close));
	CHECK(pt_traced_nr(SYS_execve));
	CHECK(!pt_traced_nr(SYS_write));
	CHECK(!pt_traced_nr(SYS_read));
	CHECK_STR(tse_name(TSE_PEER_FIRST), "peer-closed-first");

	memset(&w, 0, sizeof(w));
	w.err = EPERM;
	w.tracer = 42;
	snprintf(w.tracer_comm, sizeof(w.tracer_comm), "gdb");
	result_init(&r, "trace");
	tx_attach(&env, 7, &w, &r);
	CHECK(r.reason == RS_PERM);
	CHECK(strstr(r.message, "already traced by pid 42 (gdb)") != NULL);
	result_free(&r);

	memset(&w, 0, sizeof(w));
	w.err = EPERM;
	w.has_uid = 1;
	w.uid = 1000;
	w.my_uid = 1001;
	w.yama = -1;
	result_init(&r, "trace");
	tx_attach(&env, 7, &w, &r);
	CHECK(strstr(r.message, "CAP_SYS_PTRACE") != NULL);
	result_free(&r);

	memset(&w, 0, sizeof(w));
	w.err = EPERM;
	w.my_uid = 1000;
	w.has_uid = 1;
	w.uid = 1000;
	w.yama = 1;
	result_init(&r, "trace");
	tx_attach(&env, 7, &w, &r);
	CHECK(strstr(r.message, "kernel.yama.ptrace_scope is 1") != NULL);
	result_free(&r);

	memset(&w, 0, sizeof(w));
	w.err = ESRCH;
	result_init(&r, "trace");
	tx_attach(&env, 7, &w, &r);
	CHECK(r.reason == RS_ERROR);
	result_free(&r);
}

int
main(void)
{
	test_lifecycle();
	test_bounded();
	test_words();
	return UNIT_DONE("tsock");
}
