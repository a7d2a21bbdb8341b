#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "evlimits.h"
#include "sysinfo.h"

/* ulimit -v style: KiB, with MiB or GiB for a person. */
static void
fmt_kib(unsigned long long kib, char *buf, size_t len)
{
	if (kib >= 10ull << 20)
		snprintf(buf, len, "%.1f GiB", kib / 1048576.0);
	else
		snprintf(buf, len, "%.1f MiB", kib / 1024.0);
}

/* VmSize of this process in KiB, or 0 when unknown. */
static unsigned long long
vm_size_kib(const struct ev_env *c)
{
	char path[256], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/status", c->proc_root);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void
evlimits_explain(const struct ev_env *c, struct result *r, int err)
{
	struct si_fds f;
	struct rlimit rl;
	char lim[32], used[32];
	unsigned long long vm;

	if (err == EMFILE || err == ENFILE) {
		si_fd_limits(c->proc_root, &f);
		if (err == EMFILE && f.soft >= 0)
			result_cause(r, "open files limit of this process: "
			    "soft %ld, hard %ld (ulimit -n)", f.soft, f.hard);
		/* the table itself may be unreadable for want of an fd */
		if (f.sys_used >= 0 && f.sys_max >= 0)
			result_cause(r, "system file table: %ld of %ld in use "
			    "(fs.file-nr, fs.file-max)", f.sys_used,
			    f.sys_max);
		return;
	}
	if (err != ENOMEM && err != ENOBUFS && err != EAGAIN)
		return;
	if (getrlimit(RLIMIT_AS, &rl) == -1)
		return;
	if (rl.rlim_cur == RLIM_INFINITY) {
		if (err != EAGAIN)
			result_cause(r, "this process has no address-space "
			    "limit (ulimit -v unlimited): the machine or its "
			    "cgroup is short of memory");
		return;
	}
	fmt_kib((unsigned long long)rl.rlim_cur / 1024, lim, sizeof(lim));
	vm = vm_size_kib(c);
	if (vm > 0) {
		fmt_kib(vm, used, sizeof(used));
		result_cause(r, "address-space limit of this process: %s "
		    "(ulimit -v %llu), %s of it in use", lim,
		    (unsigned long long)rl.rlim_cur / 1024, used);
	} else
		result_cause(r, "address-space limit of this process: %s "
		    "(ulimit -v %llu)", lim,
		    (unsigned long long)rl.rlim_cur / 1024);
}
