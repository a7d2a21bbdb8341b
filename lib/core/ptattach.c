#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ptrace.h"
#include "ptrpriv.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP	128
#endif

#define PT_ATTACH_OPTS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | \
			 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
			 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)
#define DETACH_WAIT_MS	2000	/* threads that do not stop by then are
				 * left to the kernel's detach at our exit */

/* Reads "Key:\tvalue" of /proc/PID/status into buf; 0 or -1. */
static int
status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, kl) != 0 || line[kl] != ':')
			continue;
		char *v = line + kl + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* What stands between us and pid, read after PTRACE_SEIZE failed. */
static void
gather_why(pid_t pid, struct pt_why *w)
{
	char b[256];
	FILE *f;

	w->my_uid = getuid();
	w->yama = -1;
	if (status_field(pid, "Name", b, sizeof(b)) == 0)
		snprintf(w->comm, sizeof(w->comm), "%.31s", b);
	if (status_field(pid, "TracerPid", b, sizeof(b)) == 0)
		w->tracer = (pid_t)atoi(b);
	if (w->tracer > 0 && status_field(w->tracer, "Name", b,
	    sizeof(b)) == 0)
		snprintf(w->tracer_comm, sizeof(w->tracer_comm), "%.31s",
		    b);
	if (status_field(pid, "Uid", b, sizeof(b)) == 0) {
		w->uid = (uid_t)strtoul(b, NULL, 10);
		w->has_uid = 1;
	}
	if ((f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re")) != NULL) {
		if (fscanf(f, "%d", &w->yama) != 1)
			w->yama = -1;
		fclose(f);
	}
	/* CAP_SYS_PTRACE is bit 19 of the effective set */
	if (status_field(getpid(), "CapEff", b, sizeof(b)) == 0)
		w->cap_ptrace = (strtoull(b, NULL, 16) >> 19) & 1;
}

/* Seizes tid and stops it; 0, or -1 with errno set. */
static int
seize(struct pt *t, pid_t tid, pid_t tgid)
{
	struct pt_thread *th;

	if (ptrace(PTRACE_SEIZE, tid, 0, PT_ATTACH_OPTS) == -1)
		return -1;
	if ((th = ptp_add(t, tid, tgid)) == NULL) {
		(void)ptrace(PTRACE_DETACH, tid, 0, 0);
		errno = ENOMEM;
		return -1;
	}
	(void)ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	return 0;
}

int
pt_attach(struct pt *t, pid_t pid, struct pt_why *why)
{
	char path[64], b[32];
	struct dirent *de;
	DIR *d;
	int added, pass;
	pid_t tgid = pid;

	memset(why, 0, sizeof(*why));
	t->seccomp = 0;
	if (status_field(pid, "Tgid", b, sizeof(b)) == 0 && atoi(b) > 0)
		tgid = (pid_t)atoi(b);
	if (seize(t, tgid, tgid) == -1) {
		why->err = errno;
		if (why->err == EPERM || why->err == EACCES)
			gather_why(tgid, why);
		return -1;
	}
	t->root = tgid;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	/* threads started by a thread not yet seized are not followed by
	 * the kernel: list again until a pass finds none (bounded) */
	for (pass = 0; pass < 16; pass++) {
		if ((d = opendir(path)) == NULL)
			break;
		added = 0;
		while ((de = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || ptp_thread(t, tid) != NULL)
				continue;
			if (seize(t, tid, tgid) == 0)
				added++;
		}
		closedir(d);
		if (added == 0)
			break;
	}
	return 0;
}

/* A stop while detaching: the thread is held, its signal kept. */
static void
detach_report(struct pt *t, pid_t tid, int status)
{
	struct pt_thread *th = ptp_thread(t, tid);
	int sig, ev;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (th != NULL)
			ptp_remove(t, th);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (th == NULL && (th = ptp_add(t, tid, tid)) == NULL) {
		(void)ptrace(PTRACE_DETACH, tid, 0, 0);
		return;
	}
	th->stopped = 1;
	th->listening = 0;
	sig = WSTOPSIG(status);
	ev = (int)((unsigned)status >> 16);
	if (ev == 0 && sig != (SIGTRAP | 0x80))
		th->sig = sig;	/* delivered at the detach */
}

int
pt_detach_all(struct pt *t)
{
	struct timespec ms = { 0, 1000000 };
	int64_t end = clock_ns() + (int64_t)DETACH_WAIT_MS * 1000000;
	int status, left, failed = 0;
	pid_t pid;

	for (int i = 0; i < PT_BUCKETS; i++)
		for (struct pt_thread *th = t->th[i]; th; th = th->next)
			if (!th->stopped)
				(void)ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
	for (;;) {
		left = 0;
		for (int i = 0; i < PT_BUCKETS; i++)
			for (struct pt_thread *th = t->th[i]; th; th = th->next)
				if (!th->stopped)
					left++;
		if (left == 0 || clock_ns() >= end)
			break;
		pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0)
			detach_report(t, pid, status);
		else if (pid == -1 && errno == ECHILD)
			break;
		else
			nanosleep(&ms, NULL);
	}
	for (int i = 0; i < PT_BUCKETS; i++) {
		while (t->th[i] != NULL) {
			struct pt_thread *th = t->th[i];
			if (th->stopped && ptrace(PTRACE_DETACH, th->tid, 0,
			    (long)th->sig) == -1 && errno != ESRCH)
				failed++;
			else if (!th->stopped)
				failed++;
			ptp_remove(t, th);
		}
	}
	return failed;
}

int
pt_nofile(pid_t pid, long *soft, long *hard, long *open)
{
	struct rlimit rl;
	struct dirent *de;
	char path[64];
	DIR *d;

	*soft = *hard = *open = -1;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == -1)
		return -1;
	*soft = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ?
	    LONG_MAX : (long)rl.rlim_cur;
	*hard = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > LONG_MAX ?
	    LONG_MAX : (long)rl.rlim_max;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) != NULL) {
		*open = 0;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				(*open)++;
		closedir(d);
	}
	return 0;
}
