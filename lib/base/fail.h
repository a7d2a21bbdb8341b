/*
 * The failure record of the mechanism tier: what failed (the lifecycle
 * stage) and how (an errno value, a getaddrinfo() code, or a DX_
 * condition of lib/base/reason.h), with a short detail for the diagnosis (the
 * path component that refused, the file that stood in the way). Mechanism
 * functions fill it and return -1; the diagnosis tier words it.
 */
#ifndef SOCKCTL_FAIL_H
#define SOCKCTL_FAIL_H

#include <stdio.h>
#include <string.h>

#include "reason.h"

#define FAIL_DETAIL_MAX	128

struct fail {
	enum stage	 stage;		/* ST_NONE: nothing failed */
	int		 err;		/* errno value, 0: none */
	int		 eai;		/* getaddrinfo() code, 0: none */
	int		 dx;		/* a DX_ condition, 0: none */
	char		 detail[FAIL_DETAIL_MAX];	/* "" when none */
};

/* Clears f: nothing failed. */
static inline void
fail_clear(struct fail *f)
{
	memset(f, 0, sizeof(*f));
	f->stage = ST_NONE;
}

/* Records that stage st failed with errno err; returns -1 for a return. */
static inline int
fail_set(struct fail *f, enum stage st, int err)
{
	if (f != NULL) {
		f->stage = st;
		f->err = err;
		f->eai = 0;
		f->dx = 0;
		f->detail[0] = '\0';
	}
	return -1;
}

/* Records a getaddrinfo() failure at stage ST_RESOLVE; returns -1. */
static inline int
fail_eai(struct fail *f, int eai, int err)
{
	if (f != NULL) {
		f->stage = ST_RESOLVE;
		f->eai = eai;
		f->err = err;
		f->dx = 0;
		f->detail[0] = '\0';
	}
	return -1;
}

#endif
