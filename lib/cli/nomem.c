#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "json.h"
#include "nomem.h"
#include "reason.h"

void
nomem_exit(const char *what)
{
	struct rlimit rl;
	char lim[64] = "ulimit -v is unlimited";

	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(lim, sizeof(lim), "the address-space limit is "
		    "ulimit -v %llu (KiB)", (unsigned long long)rl.rlim_cur / 1024);
	/* no stdio: its buffers may need the memory that ran out */
	dprintf(STDERR_FILENO, "sockctl: resource-limit (ENOMEM): out of "
	    "memory for the %s; %s\n"
	    "  fix:   raise ulimit -v, or free memory on this machine\n",
	    what, lim);
	exit(reason_exit(RS_RESOURCE));
}

void
nomem_check(const struct jbuf *jb)
{
	if (jb->nomem)
		nomem_exit("output buffer");
}
