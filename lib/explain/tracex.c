#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"
#include "diag.h"
#include "dial.h"
#include "evconn.h"
#include "evidence.h"
#include "evunix.h"
#include "procnet.h"
#include "tracex.h"
#include "unixsock.h"

enum stage
tx_stage(enum ts_stage st)
{
	switch (st) {
	case TSK_SOCKET:	return ST_SOCKET;
	case TSK_BIND:		return ST_BIND;
	case TSK_LISTEN:	return ST_LISTEN;
	case TSK_ACCEPT:	return ST_ACCEPT;
	case TSK_CONNECT:	return ST_CONNECT;
	case TSK_SEND:		return ST_SEND;
	case TSK_RECV:		return ST_RECV;
	default:		return ST_CLOSE;
	}
}

void
tx_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	buf[0] = '\0';
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6 ||
	    ss->ss_family == AF_UNIX)
		sa_fmt((const struct sockaddr *)ss, buf, len);
}

static const char *
via_name(enum ts_via v)
{
	switch (v) {
	case TSV_SO_ERROR:	return "so_error";
	case TSV_IO:		return "io";
	case TSV_AGAIN:		return "connect-again";
	default:		return "call";
	}
}

/* target, address, port, family and the pid/tid/fd keys of r. */
static void
frame(const struct ts_event *e, const struct sockaddr_storage *ss,
    struct result *r)
{
	char a[ADDRSTR_MAX];

	tx_addr(ss, a, sizeof(a));
	if (a[0] != '\0')
		snprintf(r->target, sizeof(r->target), "%s (pid %d fd %d)", a,
		    (int)e->pid, e->fd);
	else if (e->fd >= 0)
		snprintf(r->target, sizeof(r->target), "pid %d fd %d",
		    (int)e->pid, e->fd);
	else
		snprintf(r->target, sizeof(r->target), "pid %d", (int)e->pid);
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) {
		sa_fmt_host((const struct sockaddr *)ss, r->address,
		    sizeof(r->address));
		r->port = sa_port((const struct sockaddr *)ss);
		r->family = ss->ss_family;
	} else if (ss->ss_family == AF_UNIX) {
		snprintf(r->address, sizeof(r->address), "%s", a);
	}
	r->elapsed_ms = e->wait_ns > 0 ? (double)e->wait_ns / 1e6 : 0;
	jb_kint(&r->extra, "pid", e->pid);
	jb_kint(&r->extra, "tid", e->tid);
	if (e->fd >= 0)
		jb_kint(&r->extra, "fd", e->fd);
	else
		jb_knull(&r->extra, "fd");
}

/* The descriptor limit of the program, not sockctl's. */
static void
nofile(pid_t pid, struct result *r)
{
	long soft, hard, open;

	if (pt_nofile(pid, &soft, &hard, &open) == -1)
		return;
	if (open >= 0)
		result_cause(r, "pid %d has %ld descriptors open; its open "
		    "files limit: soft %ld, hard %ld (ulimit -n)", (int)pid,
		    open, soft, hard);
	else
		result_cause(r, "open files limit of pid %d: soft %ld, hard "
		    "%ld (ulimit -n)", (int)pid, soft, hard);
}

static void
why_connect(const struct ev_env *c, const struct ts_event *e, struct result *r)
{
	struct dial_att a;
	struct evconn ev;
	int type = e->s ? e->s->type : SOCK_STREAM;

	if (e->addr.ss_family == AF_UNIX) {
		r->dx = usock_dx(ST_CONNECT, e->err);
		evunix_connect(c, (const struct sockaddr *)&e->addr, type,
		    r->dx, e->err, r);
		return;
	}
	if (e->err == EMFILE || e->err == ENFILE) {
		result_cause(r, "%s", diag_of(ST_CONNECT, 0, 0, e->err)->cause);
		nofile(e->pid, r);
		return;
	}
	memset(&a, 0, sizeof(a));
	memset(&ev, 0, sizeof(ev));
	a.sa = e->addr;
	a.stage = ST_CONNECT;
	a.err = e->err;
	a.end_ns = e->t_ns;
	a.start_ns = e->t_ns - (e->wait_ns > 0 ? e->wait_ns : 0);
	a.immediate = e->via == TSV_CALL && !e->nonblock;
	a.rtt_ms = NAN;
	ev.c = c;
	evconn_explain(&ev, &a, r);
	evconn_free(&ev);
}

static void
why_io(const struct ts_event *e, struct result *r)
{
	char a[ADDRSTR_MAX];
	const struct ts_sock *s = e->s;

	if (s == NULL)
		return;
	tx_addr(&s->remote, a, sizeof(a));
	result_cause(r, "%s", diag_of(tx_stage(e->stage), 0, 0,
	    e->err)->cause);
	if (s->peer_closed)
		result_cause(r, "the peer%s%s closed its end %.1f ms before "
		    "(a receive returned 0), and the program went on using "
		    "the socket", a[0] ? " " : "", a,
		    clock_between_ms(s->t_peer_closed, e->t_ns));
	else if (a[0] != '\0')
		result_cause(r, "%s sent %llu and received %llu bytes on "
		    "this connection to %s before", e->stage == TSK_SEND ?
		    "the program" : "the program", (unsigned long long)s->sent,
		    (unsigned long long)s->rcvd, a);
}

void
tx_fail(const struct ev_env *c, const struct ts_event *e, struct result *r)
{
	const struct sockaddr_storage *ss = &e->addr;
	struct ev_how how;

	r->stage = tx_stage(e->stage);
	r->err = e->err;
	frame(e, ss, r);
	if (e->stage == TSK_CONNECT)
		jb_kstr(&r->extra, "learned", via_name(e->via));
	else
		jb_knull(&r->extra, "learned");
	switch (e->stage) {
	case TSK_BIND:
		if (ss->ss_family == AF_UNIX) {
			evunix_bind(c, (const struct sockaddr *)ss,
			    e->s ? e->s->type : SOCK_STREAM, ST_BIND, e->err, r);
			return;
		}
		memset(&how, 0, sizeof(how));
		how.udp = e->s != NULL && e->s->type == SOCK_DGRAM;
		how.reuseport = e->reuseport;
		how.v6only = e->v6only == 1;
		ev_bind_how(c, r, (const struct sockaddr *)ss, &how, ST_BIND,
		    e->err);
		return;
	case TSK_CONNECT:
		if (e->via == TSV_SO_ERROR)
			result_cause(r, "the program learned it from "
			    "getsockopt(SO_ERROR) after a non-blocking "
			    "connect()");
		else if (e->via == TSV_IO)
			result_cause(r, "the program learned it from its first "
			    "send or receive after a non-blocking connect()");
		why_connect(c, e, r);
		break;
	case TSK_SEND:
	case TSK_RECV:
		why_io(e, r);
		break;
	default:
		if (e->err == EMFILE || e->err == ENFILE) {
			result_cause(r, "%s", diag_of(r->stage, 0, 0,
			    e->err)->cause);
			nofile(e->pid, r);
		}
		break;
	}
	result_diagnose(r);
}

void
tx_problem(const struct ev_env *c, const struct ts_event *e, struct result *r)
{
	const struct ts_sock *s = e->s;
	const struct sockaddr_storage *ss = s ? &s->remote : &e->addr;
	char a[ADDRSTR_MAX], l[ADDRSTR_MAX];

	(void)c;
	frame(e, ss, r);
	jb_knull(&r->extra, "learned");
	tx_addr(ss, a, sizeof(a));
	l[0] = '\0';
	if (s != NULL)
		tx_addr(&s->local, l, sizeof(l));
	switch (e->problem) {
	case TSP_CLOSE_WAIT:
		r->stage = ST_CLOSE;
		r->dx = DX_CLOSE_WAIT_LEAK;
		result_cause(r, "%s -> %s was in CLOSE_WAIT: the peer closed "
		    "its end%s, and pid %d kept fd %d open %s", l, a,
		    s && s->peer_closed ? " (a receive returned 0)" : "",
		    (int)e->pid, e->fd, e->end == TSE_OPEN ?
		    "when the trace ended" : "until it exited");
		break;
	case TSP_UNREAD:
		r->stage = ST_CLOSE;
		r->dx = DX_UNREAD_CLOSE;
		result_cause(r, "%s -> %s: pid %d closed fd %d with %lu bytes "
		    "unread in its receive queue", l, a, (int)e->pid, e->fd,
		    s ? s->unread : 0UL);
		break;
	case TSP_BLOCKED_CONNECT:
		r->stage = ST_CONNECT;
		r->dx = DX_BLOCKED_CONNECT;
		result_cause(r, "connect() of fd %d to %s blocked %.1f s "
		    "(no SO_SNDTIMEO on the socket)", e->fd, a,
		    (double)e->wait_ns / 1e9);
		break;
	case TSP_BLOCKED_RECV:
		r->stage = ST_RECV;
		r->dx = DX_BLOCKED_RECV;
		result_cause(r, "a receive on fd %d (from %s) blocked %.1f s "
		    "(no SO_RCVTIMEO on the socket)", e->fd, a[0] ? a : "?",
		    (double)e->wait_ns / 1e9);
		break;
	default:
		break;
	}
	result_diagnose(r);
}

void
tx_attach(const struct ev_env *c, pid_t pid, const struct pt_why *w,
    struct result *r)
{
	char u[64], me[64];

	(void)c;
	snprintf(r->target, sizeof(r->target), "pid %d", (int)pid);
	jb_kint(&r->extra, "pid", pid);
	jb_knull(&r->extra, "tid");
	jb_knull(&r->extra, "fd");
	jb_knull(&r->extra, "learned");
	r->err = w->err;
	if (w->err == ESRCH) {
		r->reason = RS_ERROR;
		result_cause(r, "no process %d runs here (it exited, or it is "
		    "in another PID namespace)", (int)pid);
		result_fix(r, "check the pid (pgrep -a NAME)");
		return;
	}
	if (w->err != EPERM && w->err != EACCES) {
		result_diagnose(r);
		return;
	}
	r->reason = RS_PERM;
	if (w->tracer > 0) {
		result_cause(r, "pid %d%s%s%s is already traced by pid %d "
		    "(%s): a process has one tracer at a time", (int)pid,
		    w->comm[0] ? " (" : "", w->comm, w->comm[0] ? ")" : "",
		    (int)w->tracer, w->tracer_comm[0] ? w->tracer_comm : "?");
		result_fix(r, "stop that tracer first (a debugger, strace): "
		    "kill %d, or detach it", (int)w->tracer);
		return;
	}
	if (w->has_uid && w->uid != w->my_uid && !w->cap_ptrace) {
		pn_user((unsigned)w->uid, u, sizeof(u));
		pn_user((unsigned)w->my_uid, me, sizeof(me));
		result_cause(r, "pid %d runs as %s and sockctl as %s: tracing "
		    "another user's process needs CAP_SYS_PTRACE", (int)pid,
		    u, me);
		result_fix(r, "run sockctl as that user (sudo -u %s sockctl "
		    "trace -p %d) or as root", u, (int)pid);
		return;
	}
	if (w->my_uid == 0 && !w->cap_ptrace) {
		result_cause(r, "sockctl runs as root without CAP_SYS_PTRACE "
		    "(a container drops it by default)");
		result_fix(r, "give the container the capability (docker run "
		    "--cap-add SYS_PTRACE; securityContext.capabilities.add: "
		    "SYS_PTRACE in Kubernetes)");
		return;
	}
	if (w->yama >= 1) {
		result_cause(r, "kernel.yama.ptrace_scope is %d: %s", w->yama,
		    w->yama == 1 ? "a process may trace only its own "
		    "descendants" : w->yama == 2 ? "only a process with "
		    "CAP_SYS_PTRACE may trace" : "no process may trace");
		result_fix(r, "%s", w->yama == 3 ? "start the program under "
		    "sockctl trace -- COMMAND instead (ptrace_scope 3 cannot "
		    "be lowered until reboot)" : "start the program under "
		    "sockctl trace -- COMMAND, run sockctl as root, or sysctl "
		    "-w kernel.yama.ptrace_scope=0");
		return;
	}
	result_cause(r, "the kernel refused to trace pid %d (a security "
	    "module, or a process that is not dumpable: setuid, or "
	    "prctl(PR_SET_DUMPABLE, 0))", (int)pid);
	result_fix(r, "start the program under sockctl trace -- COMMAND, "
	    "or run sockctl as root");
}
