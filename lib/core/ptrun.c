#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>

#include "clock.h"
#include "ptrace.h"
#include "ptrpriv.h"

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO	0x420e
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP	128
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD	0x00010000
#endif
#ifndef CLONE_FILES
#define CLONE_FILES	0x00000400
#endif

/* PTRACE_GET_SYSCALL_INFO's answer, as the kernel lays it out. */
struct sysinfo_abi {
	uint8_t		op;		/* 1 entry, 2 exit, 3 seccomp */
	uint8_t		reserved;
	uint16_t	flags;
	uint32_t	arch;
	uint64_t	ip;
	uint64_t	sp;
	union {
		struct {
			uint64_t	nr;
			uint64_t	args[6];
		} entry;
		struct {
			int64_t		rval;
			uint8_t		is_error;
		} exit;
		struct {
			uint64_t	nr;
			uint64_t	args[6];
			uint32_t	ret_data;
		} seccomp;
	} u;
};

enum { OP_ENTRY = 1, OP_EXIT = 2, OP_SECCOMP = 3 };

#if defined(__aarch64__)
#define PT_ARCH		AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define PT_ARCH		AUDIT_ARCH_RISCV64
#else
#define PT_ARCH		0
#endif

/*
 * Resumes th: up to its next traced call, or with PTRACE_SYSCALL when
 * its exit must be seen (an attached process has no filter, and a call
 * whose entry was seen waits for its exit). sig is delivered.
 */
static void
resume(struct pt *t, struct pt_thread *th, int sig)
{
	int req = !t->seccomp || th->in_call ? PTRACE_SYSCALL : PTRACE_CONT;

	th->stopped = 0;
	th->listening = 0;
	/* ESRCH: killed meanwhile; its death is reported by waitpid */
	(void)ptrace(req, th->tid, 0, (long)sig);
}

/* Tgid of tid from /proc (tid itself when it cannot be read). */
static pid_t
tgid_of(pid_t tid)
{
	char path[64], line[128];
	FILE *f;
	pid_t tg = tid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if ((f = fopen(path, "re")) == NULL)
		return tid;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Tgid:", 5) == 0) {
			tg = (pid_t)atoi(line + 5);
			break;
		}
	fclose(f);
	return tg > 0 ? tg : tid;
}

/* Threads started before their parent's event: resumed now. */
static void
release_held(struct pt *t)
{
	if (t->nheld == 0)
		return;
	for (int i = 0; i < PT_BUCKETS; i++)
		for (struct pt_thread *th = t->th[i]; th; th = th->next)
			if (th->held) {
				th->held = 0;
				t->nheld--;
				if (th->stopped)
					resume(t, th, 0);
			}
	t->nheld = 0;
}

/*
 * Whether a call is of another ABI than sockctl's (its numbers mean other
 * calls): not followed, and said once a process.
 */
static int
foreign(struct pt *t, struct pt_thread *th, uint32_t arch, uint64_t nr)
{
	const char *abi = NULL;

#if defined(__x86_64__)
	if (arch == AUDIT_ARCH_I386)
		abi = "i386";
	else if (arch == AUDIT_ARCH_X86_64 && (nr & 0x40000000u) != 0)
		abi = "x32";
	else if (arch != AUDIT_ARCH_X86_64)
		abi = "unknown";
#else
	(void)nr;
	if (PT_ARCH != 0 && arch != PT_ARCH)
		abi = "another architecture's";
#endif
	if (abi == NULL)
		return 0;
	if (ptp_foreign(t, th->tgid) && t->h.foreign != NULL)
		t->h.foreign(t->h.foreign_arg, th->tgid, abi);
	return 1;
}

static void
on_call_stop(struct pt *t, struct pt_thread *th)
{
	struct sysinfo_abi si;
	long n;

	memset(&si, 0, sizeof(si));
	n = ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, (void *)sizeof(si), &si);
	if (n <= 0)
		goto out;
	if (si.op == OP_ENTRY || si.op == OP_SECCOMP) {
		uint64_t nr = si.op == OP_ENTRY ? si.u.entry.nr : si.u.seccomp.nr;
		const uint64_t *a = si.op == OP_ENTRY ? si.u.entry.args :
		    si.u.seccomp.args;

		th->in_call = 0;
		if (foreign(t, th, si.arch, nr) || !ptp_traced(t, (long)nr))
			goto out;
		th->in_call = 1;
		memset(&th->sys, 0, sizeof(th->sys));
		th->sys.tgid = th->tgid;
		th->sys.tid = th->tid;
		th->sys.nr = (long)nr;
		memcpy(th->sys.args, a, sizeof(th->sys.args));
		th->sys.entry_ns = clock_ns();
		if (t->h.entry != NULL && t->h.entry(t->h.arg, &th->sys) == 0)
			th->in_call = 0;
	} else if (si.op == OP_EXIT && th->in_call) {
		th->in_call = 0;
		th->sys.tgid = th->tgid;
		th->sys.tid = th->tid;
		th->sys.rval = si.u.exit.rval;
		th->sys.is_error = si.u.exit.is_error != 0;
		th->sys.exit_ns = clock_ns();
		if (t->h.exit != NULL)
			t->h.exit(t->h.arg, &th->sys);
	}
out:
	resume(t, th, 0);
}

/* The clone flags of parent's call (fork, vfork: 0), -1 unknown. */
static long
clone_flags(const struct pt_thread *parent)
{
	uint64_t fl;

	if (!parent->in_call)
		return -1;
	if (parent->sys.nr == SYS_clone)
		return (long)parent->sys.args[0];
#ifdef SYS_clone3
	if (parent->sys.nr == SYS_clone3) {
		/* struct clone_args starts with its flags */
		if (pt_read(parent->tid, parent->sys.args[0], &fl,
		    sizeof(fl)) != (ssize_t)sizeof(fl))
			return -1;
		return (long)fl;
	}
#endif
	return 0;
}

static void
on_new(struct pt *t, struct pt_thread *parent, int ev)
{
	unsigned long msg = 0;
	struct pt_thread *c;
	pid_t tid, tgid;
	long fl;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) == -1 || msg == 0)
		return;
	tid = (pid_t)msg;
	fl = ev == PTRACE_EVENT_CLONE ? clone_flags(parent) : 0;
	if (fl == -1)
		tgid = tgid_of(tid);
	else
		tgid = (fl & CLONE_THREAD) ? parent->tgid : tid;
	if (tgid != parent->tgid && t->h.fork != NULL)
		t->h.fork(t->h.arg, parent->tgid, tid,
		    fl != -1 && (fl & CLONE_FILES) != 0);
	c = ptp_thread(t, tid);
	if (c == NULL) {
		/* its first stop comes later, and resumes it */
		(void)ptp_add(t, tid, tgid);
		return;
	}
	c->tgid = tgid;
	c->sys.tgid = tgid;
	if (c->held) {
		c->held = 0;
		t->nheld--;
		if (c->stopped)
			resume(t, c, 0);
	}
}

static void
on_exec(struct pt *t, struct pt_thread **thp)
{
	struct pt_thread *th = *thp, *leader, *n;
	unsigned long former = 0;
	pid_t tid = th->tid;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) == 0 &&
	    (pid_t)former != tid && (n = ptp_thread(t, (pid_t)former)) != NULL) {
		/*
		 * A thread other than the leader ran execve(): the kernel
		 * gave it the leader's id, and the old leader is gone
		 * without a death report.
		 */
		struct pt_sys sys = n->sys;
		int in_call = n->in_call;

		if ((leader = ptp_thread(t, tid)) != NULL)
			ptp_remove(t, leader);
		ptp_remove(t, n);
		if ((th = ptp_add(t, tid, tid)) == NULL)
			return;
		th->sys = sys;
		th->sys.tid = tid;
		th->in_call = in_call;
		th->stopped = 1;
		*thp = th;
	}
	if (t->h.exec != NULL)
		t->h.exec(t->h.arg, th->tgid);
}

static void
on_death(struct pt *t, pid_t tid, int status)
{
	struct pt_thread *th = ptp_thread(t, tid);

	if (th != NULL) {
		if (!th->exiting && ptp_live(t, th->tgid) == 1 &&
		    t->h.proc_exit != NULL)
			t->h.proc_exit(t->h.arg, th->tgid);
		if (th->held)
			t->nheld--;
		ptp_remove(t, th);
	}
	if (tid == t->root) {
		t->root_done = 1;
		if (WIFEXITED(status))
			t->root_code = WEXITSTATUS(status);
		else
			t->root_sig = WTERMSIG(status);
	}
	/* a parent killed before its fork event: its child runs anyway */
	release_held(t);
}

/* Handles one report of waitpid() for tid. */
static void
on_report(struct pt *t, pid_t tid, int status)
{
	struct pt_thread *th;
	int sig, ev;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_death(t, tid, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	sig = WSTOPSIG(status);
	ev = (int)((unsigned)status >> 16);
	th = ptp_thread(t, tid);
	if (th == NULL) {
		/* a new thread or child whose parent's event is still to
		 * come: held until it comes (its process is not known yet) */
		if ((th = ptp_add(t, tid, tgid_of(tid))) == NULL) {
			(void)ptrace(PTRACE_CONT, tid, 0, 0);
			return;
		}
		th->held = 1;
		t->nheld++;
		th->stopped = 1;
		return;
	}
	th->stopped = 1;
	if (th->held)
		return;
	if (sig == (SIGTRAP | 0x80) || ev == PTRACE_EVENT_SECCOMP) {
		on_call_stop(t, th);
		return;
	}
	switch (ev) {
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU) {
			/* group-stop: stays stopped, as without a tracer,
			 * until a SIGCONT, which the tracer sees */
			th->listening = 1;
			if (ptrace(PTRACE_LISTEN, tid, 0, 0) == 0)
				th->stopped = 0;
			return;
		}
		resume(t, th, 0);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new(t, th, ev);
		resume(t, th, 0);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec(t, &th);
		if (th != NULL)
			resume(t, th, 0);
		return;
	case PTRACE_EVENT_EXIT:
		if (!th->exiting && ptp_live(t, th->tgid) == 1 &&
		    t->h.proc_exit != NULL)
			t->h.proc_exit(t->h.arg, th->tgid);
		ptp_exiting(t, th);
		resume(t, th, 0);
		return;
	case 0:
		/* signal-delivery-stop: the signal goes on to the program */
		resume(t, th, sig);
		return;
	default:
		resume(t, th, 0);
		return;
	}
}

/*
 * The signals pt_run() watches, caught while it waits: a handler can only
 * leave a mark, so this one mark is the tracer's only global state.
 */
static volatile sig_atomic_t caught_sig, caught_code;

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig != SIGALRM && caught_sig == 0) {
		caught_code = si != NULL ? si->si_code : SI_USER;
		caught_sig = sig;
	}
}

#define TICK_MS		100	/* waitpid() is interrupted this often */

#define SPIN_NS		30000	/* poll this long before sleeping */
#define BACKOFF_MAX	4096	/* waits slept through after a busy yield */

struct spin {
	int		on;		/* the last wait was short */
	unsigned	skip;		/* waits left to sleep through */
	unsigned	backoff;	/* the next skip after a crowded yield */
};

/*
 * Polls for the next report for up to SPIN_NS, yielding the CPU between
 * polls, when the last wait was short: a sleeping tracer's CPU goes idle,
 * and waking an idle CPU costs more than a stop's work. A yield that
 * comes back late let another task run: the CPUs are busy, and polling
 * would cost a time slice where sleeping costs a wake-up, so the next
 * waits sleep, more of them each time it happens again.
 * 0: nothing came (sleep now); a waitpid() result otherwise.
 */
static pid_t
spin_wait(struct spin *sp, int *status)
{
	int64_t now, end, t;
	pid_t pid;

	if (!sp->on)
		return 0;
	if (sp->skip > 0) {
		sp->skip--;
		return 0;
	}
	now = clock_ns();
	end = now + SPIN_NS;
	for (;;) {
		pid = waitpid(-1, status, __WALL | WNOHANG);
		if (pid != 0) {
			sp->backoff /= 2;
			return pid;
		}
		if (now >= end)
			break;
		sched_yield();
		t = clock_ns();
		if (t - now > SPIN_NS) {
			sp->backoff = sp->backoff == 0 ? 8 :
			    sp->backoff >= BACKOFF_MAX ? BACKOFF_MAX :
			    sp->backoff * 2;
			sp->skip = sp->backoff;
			return 0;
		}
		now = t;
	}
	sp->on = 0;
	return 0;
}

/* The next report of waitpid(): polled for a while, then waited for. */
static pid_t
next_report(struct spin *sp, int *status)
{
	int64_t t0;
	pid_t pid;

	if ((pid = spin_wait(sp, status)) != 0)
		return pid;
	if (caught_sig != 0) {
		errno = EINTR;	/* it came while polling: seen at once */
		return -1;
	}
	t0 = clock_ns();
	pid = waitpid(-1, status, __WALL);
	sp->on = clock_ns() - t0 < 4 * SPIN_NS;
	return pid;
}

int
pt_run(struct pt *t, const sigset_t *watch, int64_t deadline_ns,
    siginfo_t *si)
{
	struct itimerval tick = { { 0, TICK_MS * 1000 }, { 0, TICK_MS * 1000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa, old[NSIG];
	int64_t last_idle = clock_ns(), now;
	struct spin spin = { 0 };
	sigset_t set, mask;
	int status, rc = 0, sig;
	pid_t pid;

	memset(si, 0, sizeof(*si));
	set = *watch;
	sigaddset(&set, SIGALRM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;	/* no SA_RESTART: waitpid() returns */
	sigfillset(&sa.sa_mask);
	caught_sig = 0;
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) == 1)
			sigaction(sig, &sa, &old[sig]);
	sigprocmask(SIG_UNBLOCK, &set, &mask);
	setitimer(ITIMER_REAL, &tick, NULL);
	while (t->nthreads > 0) {
		if (caught_sig != 0) {
			si->si_signo = caught_sig;
			si->si_code = caught_code;
			rc = 1;
			break;
		}
		now = clock_ns();
		if (deadline_ns != 0 && now >= deadline_ns) {
			rc = 2;
			break;
		}
		if (t->h.idle != NULL && now - last_idle >= TICK_MS * 1000000LL) {
			t->h.idle(t->h.idle_arg);
			last_idle = now;
		}
		pid = next_report(&spin, &status);
		if (pid > 0) {
			on_report(t, pid, status);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != ECHILD)
			rc = -1;
		/* ECHILD: nothing left to wait for, the records are stale */
		break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	/* a watched signal that comes later waits for the next call */
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) == 1)
			sigaction(sig, &old[sig], NULL);
	if (t->h.idle != NULL)
		t->h.idle(t->h.idle_arg);
	return rc;
}
