/*
 * trace [OPTIONS] -- COMMAND [ARG...] | trace [OPTIONS] -p PID: follows
 * the life of every socket a real program uses (lib/core/ptrace stops
 * it at its socket calls, lib/core/tsock keeps its sockets) and says so
 * stage by stage; each failed call is explained by lib/explain/tracex
 * while the failing thread is held, so the evidence is of that moment;
 * lib/cli/traceout writes the lines. The exit code is the program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "errname.h"
#include "nomem.h"
#include "opt.h"
#include "ptrace.h"
#include "traceout.h"
#include "tracex.h"
#include "tsock.h"
#include "cmds.h"

static const struct cmd_help help = {
	"trace", "[OPTIONS] -- COMMAND [ARG...] | [OPTIONS] -p PID",
	"Follow a program's sockets through their life; explain each failure.",
	"Runs COMMAND (or attaches to the running process PID and all its\n"
	"threads) and follows it and every process and thread it starts: one\n"
	"line per lifecycle stage (socket, bind, listen, accept, connect,\n"
	"shutdown, close) with pid, fd, addresses and the TCP state after it;\n"
	"sends and receives are counted per socket (-v: one line each).\n"
	"read(), write(), readv() and writev() are stopped for only with -v\n"
	"(stopping them would slow every file write of the program): without\n"
	"it a TCP socket's bytes come from the kernel at close, and a Unix or\n"
	"UDP socket's count only send()/recv() and their kin. Every failed\n"
	"socket call is a\n"
	"result with the reason, cause, evidence and fix a probe gives,\n"
	"gathered while the program waits at that call (a held port names its\n"
	"holder). EAGAIN, EINPROGRESS and EINTR are not failures; a\n"
	"non-blocking connect's outcome counts where the program learns it\n"
	"(SO_ERROR, or its first send or receive). When a socket's life ends,\n"
	"its summary: addresses, lifetime, bytes each way, how it ended; and\n"
	"the problems seen: close-wait-leak, unread-at-close, blocked-connect,\n"
	"blocked-recv (longer than --slow with no timeout on the socket).\n\n"
	"Output goes to stderr (JSON Lines with --json) or to -o FILE; the\n"
	"program keeps its stdin, stdout and stderr. The exit code is the\n"
	"program's; a program killed by a signal ends sockctl by the same\n"
	"signal. A started program stops only at its socket calls (a seccomp\n"
	"filter): other work runs at full speed. A setuid or setgid COMMAND\n"
	"(or one with file capabilities) runs without its privileges (the\n"
	"filter needs no-new-privileges); a note says so. A program in a\n"
	"network namespace of its own (a container) is judged there (root).\n"
	"Calls of 32-bit code (i386, x32) are not followed: a note names the\n"
	"process.\n\n"
	"With -p, no filter can be installed: the process stops at EVERY\n"
	"system call while it is traced, which slows it down. SIGINT, SIGTERM\n"
	"or --duration detaches from every thread and leaves it running; exit\n"
	"0 then. An attach the kernel refuses is permission-denied with the\n"
	"reason (another tracer, another user, kernel.yama.ptrace_scope, no\n"
	"CAP_SYS_PTRACE).\n\n"
	"examples:\n"
	"  sockctl trace -- python3 -m http.server 8080\n"
	"  sockctl trace -o trace.log -- curl -s http://127.0.0.1:8080/\n"
	"  sockctl trace --json -- ./client | jq .\n"
	"  sockctl trace -p 4242 --duration 30s\n",
};

struct tr_args {
	long long	 pid;
	const char	*output;
	int64_t		 duration_ms;
	int64_t		 slow_ms;
};

#define NOPTS		5

static void
opts_fill(struct opt o[NOPTS], struct tr_args *v)
{
	const struct opt t[NOPTS] = {
		{ "pid", 'p', OT_INT, &v->pid, "PID",
		    "attach to the running process PID (stops it at every "
		    "system call)", 1, 4194304, NULL },
		{ "output", 'o', OT_STR, &v->output, "FILE",
		    "write the trace to FILE instead of stderr", 0, 0, NULL },
		{ "duration", 0, OT_DUR, &v->duration_ms, "DUR",
		    "with -p: detach after DUR", 1, 0, NULL },
		{ "slow", 0, OT_DUR, &v->slow_ms, "DUR",
		    "a connect or receive blocked longer is a problem "
		    "(default 5s)", 1, 0, NULL },
		{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
	};

	memcpy(o, t, sizeof(t));
}

struct run {
	struct ctx	*c;
	unsigned long long sockets;
};

static void
on_event(void *arg, const struct ts_event *e)
{
	struct run *rn = arg;
	struct result r;
	int ns, nserr, back;

	switch (e->kind) {
	case TSE_STAGE:
	case TSE_IO:
		to_stage(rn->c, e);
		break;
	case TSE_FAIL:
	case TSE_PROBLEM:
		result_init(&r, rn->c->cmd);
		/* the program's socket tables, not sockctl's, when it runs
		 * in a network namespace of its own (a container) */
		ns = pt_netns_enter(e->pid, &back);
		nserr = errno;
		if (e->kind == TSE_FAIL)
			tx_fail(&rn->c->env, e, &r);
		else
			tx_problem(&rn->c->env, e, &r);
		pt_netns_leave(back);
		if (ns == -1)
			result_cause(&r, "(the evidence was read in sockctl's "
			    "network namespace: entering that of pid %d, "
			    "where the program's sockets are, was refused: "
			    "%s)", (int)e->pid, errname(nserr) ?
			    errname(nserr) : strerror(nserr));
		(void)out_result(rn->c, &r);
		result_free(&r);
		break;
	case TSE_SUMMARY:
		rn->sockets++;
		to_summary(rn->c, e);
		break;
	}
}

/* A process ran code of another ABI: its calls of it are not seen. */
static void
on_foreign(void *arg, pid_t tgid, const char *abi)
{
	struct ctx *c = arg;
	char m[256];

	snprintf(m, sizeof(m), "pid %d runs %s code: its socket calls are "
	    "not followed (sockctl reads only its own ABI's calls), so what "
	    "this trace says of pid %d is incomplete; trace a 64-bit build "
	    "of the program", (int)tgid, abi, (int)tgid);
	to_note(c, (int)tgid, "foreign-abi", m);
}

/* COMMAND would gain privileges untraced: say it runs without them. */
static void
setid_note(struct ctx *c, const char *argv0)
{
	char path[4096], m[1024], who[64];
	long owner;
	int why;

	if (!pt_setid(argv0, path, sizeof(path), &why, &owner))
		return;
	if (why == 'c')
		snprintf(who, sizeof(who), "has file capabilities");
	else
		snprintf(who, sizeof(who), "is set-%s-ID %ld", why == 'u' ?
		    "user" : "group", owner);
	snprintf(m, sizeof(m), "%.600s %s: under trace it runs without those "
	    "privileges, as %s %ld (the seccomp filter needs no-new-privileges"
	    "), so a call that needs them fails here and not untraced; to "
	    "see it with them, start it as they would run it and attach: "
	    "sockctl trace -p PID (as root)", path, who, why == 'g' ?
	    "group" : "user", why == 'g' ? (long)getegid() : (long)geteuid());
	to_note(c, 0, "setuid", m);
}

static void
flush_cb(void *arg)
{
	struct ctx *c = arg;

	fflush(c->out);
}

static void
pending_cb(void *arg, const struct pt_sys *s)
{
	ts_pending(arg, s);
}

/* Ends sockctl by sig, as the program ended, without a core file. */
static void
die_by(int sig)
{
	struct rlimit rl = { 0, 0 };
	sigset_t set;

	(void)setrlimit(RLIMIT_CORE, &rl);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

/* The program could not be run: says why, as a shell would exit. */
static int
exec_failed(struct ctx *c, const char *prog, int err)
{
	out_err(c, "cannot run '%s': %s (%s)", prog, strerror(err),
	    errname(err) ? errname(err) : "?");
	if (err == ENOENT)
		fprintf(c->err, "  fix:   check the name, or give its path "
		    "(./%s)\n", prog);
	else if (err == EACCES)
		fprintf(c->err, "  fix:   make it executable (chmod +x %s)\n",
		    prog);
	return err == ENOENT ? 127 : 126;
}

static int
run_spawn(struct ctx *c, struct pt *pt, char **argv, const sigset_t *watch)
{
	struct fail f;
	siginfo_t si;
	pid_t pid;
	int rc, code, sig, e;

	setid_note(c, argv[0]);
	if ((pid = pt_spawn(pt, argv, &f)) == -1) {
		out_err(c, "cannot start '%s' under ptrace: %s (%s)", argv[0],
		    strerror(f.err), errname(f.err) ? errname(f.err) : "?");
		return f.err == EPERM ? 8 : 1;
	}
	for (;;) {
		rc = pt_run(pt, watch, 0, &si);
		if (rc != 1)
			break;
		/* a signal the terminal sent went to the program too; one
		 * sent to sockctl alone is passed on */
		if (si.si_code == SI_USER || si.si_code == SI_QUEUE)
			kill(pid, si.si_signo);
	}
	if (rc == -1) {
		out_err(c, "waiting for the program failed: %s",
		    strerror(errno));
		return 1;
	}
	if ((e = pt_exec_error(pt)) != 0)
		return -exec_failed(c, argv[0], e);
	if (!pt_ended(pt, &code, &sig))
		return 1;
	return sig != 0 ? -1000 - sig : code;
}

static int
run_attach(struct ctx *c, struct pt *pt, pid_t pid, int64_t dur_ms,
    const sigset_t *watch, struct ts *ts)
{
	struct pt_why why;
	struct result r;
	siginfo_t si;
	int rc, left;

	if (pt_attach(pt, pid, &why) == -1) {
		result_init(&r, c->cmd);
		tx_attach(&c->env, pid, &why, &r);
		rc = out_result(c, &r);
		result_free(&r);
		return -rc;
	}
	rc = pt_run(pt, watch, dur_ms > 0 ? clock_ns() + dur_ms * 1000000 : 0,
	    &si);
	if (rc == -1)
		out_err(c, "waiting for pid %d failed: %s", (int)pid,
		    strerror(errno));
	if (pt_threads(pt) > 0) {
		pt_pending(pt, pending_cb, ts);
		left = pt_detach_all(pt);
		if (left > 0)
			out_err(c, "%d threads of pid %d could not be detached "
			    "at once; the kernel detaches them as sockctl "
			    "exits", left, (int)pid);
	}
	return rc == -1 ? 1 : 0;
}

int
cmd_trace(struct ctx *c, int argc, char **argv)
{
	struct tr_args a = { 0, NULL, 0, 5000 };
	struct opt opts[NOPTS];
	struct pt_hooks h;
	struct run rn = { c, 0 };
	FILE *out = NULL, *so = c->out, *se = c->err;
	struct ts *ts = NULL;
	struct pt *pt = NULL;
	sigset_t watch;
	int npos = 0, rc, code = 0, sig = 0;
	unsigned long long dropped;

	opts_fill(opts, &a);
	if ((rc = opt_parse(c, &help, opts, argc, argv, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (a.pid == 0 && npos == 0)
		return out_usage(c, "give a command (sockctl trace -- COMMAND "
		    "[ARG...]) or a process (-p PID)");
	if (a.pid != 0 && npos > 0)
		return out_usage(c, "give a command or -p PID, not both");
	if (a.duration_ms > 0 && a.pid == 0)
		return out_usage(c, "--duration is for -p PID (a command is "
		    "traced until it exits)");
	/*
	 * Results, stages and summaries all go to one buffered stream of
	 * sockctl's own (stderr is unbuffered: a write per piece of a line),
	 * flushed about every 100 ms and when the trace ends; the program
	 * does not inherit it.
	 */
	{
		int fd = a.output != NULL ? open(a.output, O_WRONLY | O_CREAT |
		    O_TRUNC | O_CLOEXEC, 0666) : fcntl(STDERR_FILENO,
		    F_DUPFD_CLOEXEC, 3);
		if (fd == -1 || (out = fdopen(fd, "w")) == NULL) {
			out_err(c, "cannot write '%s': %s", a.output ?
			    a.output : "stderr", strerror(errno));
			if (fd != -1)
				close(fd);
			return 1;
		}
		setvbuf(out, NULL, _IOFBF, 65536);
	}
	c->out = c->err = out;
	c->t0_ns = clock_ns();
	if ((ts = ts_new(on_event, &rn, a.slow_ms * 1000000, c->trace)) ==
	    NULL)
		nomem_exit("the socket table");
	ts_hooks(ts, &h);
	h.idle = flush_cb;
	h.idle_arg = c;
	h.foreign = on_foreign;
	h.foreign_arg = c;
	if ((pt = pt_new(&h)) == NULL)
		nomem_exit("the tracer");
	/* -v: read() and write() on sockets are sends and receives too */
	pt_trace_io(pt, c->trace);
	sigemptyset(&watch);
	sigaddset(&watch, SIGINT);
	sigaddset(&watch, SIGTERM);
	sigaddset(&watch, SIGHUP);
	sigaddset(&watch, SIGQUIT);
	/* opt_parse() moved the command to argv[1..npos]: it ends there */
	argv[1 + npos] = NULL;
	if (a.pid != 0)
		rc = run_attach(c, pt, (pid_t)a.pid, a.duration_ms, &watch, ts);
	else
		rc = run_spawn(c, pt, argv + 1, &watch);
	dropped = ts_dropped(ts);
	ts_free(ts);		/* the summaries of sockets still open */
	if (rc <= -1000)
		sig = -rc - 1000;
	else if (rc >= 0)
		code = rc;
	if (a.pid != 0 && rc == 0) {
		/* -p: 0 once detached, or once the process exited */
		int ended = pt_ended(pt, &code, &sig);
		to_end(c, ended ? 0 : (int)a.pid, code, sig, rn.sockets,
		    dropped);
		code = sig = 0;
	} else if (rc >= 0 || rc <= -1000)
		to_end(c, 0, code, sig, rn.sockets, dropped);
	pt_free(pt);
	fflush(c->out);
	c->out = so;
	c->err = se;
	fclose(out);
	if (sig != 0) {
		fflush(NULL);
		die_by(sig);
		return 128 + sig;
	}
	return rc < 0 ? -rc : rc;
}
