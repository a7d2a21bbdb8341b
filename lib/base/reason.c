#include <string.h>
#include <strings.h>

#include "reason.h"

static const struct {
	const char	*slug;
	int		 code;
} reasons[] = {
#define X(id, slug, code) [id] = { slug, code },
	REASON_LIST(X)
#undef X
};

static const char *stages[] = {
#define X(id, name) [id] = name,
	STAGE_LIST(X)
#undef X
};

const char *
reason_slug(enum reason r)
{
	if ((unsigned)r >= RS__COUNT)
		return "error";
	return reasons[r].slug;
}

int
reason_exit(enum reason r)
{
	if ((unsigned)r >= RS__COUNT)
		return 1;
	return reasons[r].code;
}

int
reason_by_slug(const char *s)
{
	for (int i = 0; i < RS__COUNT; i++)
		if (strcmp(reasons[i].slug, s) == 0)
			return i;
	return -1;
}

const char *
stage_name(enum stage s)
{
	if ((unsigned)s >= ST__COUNT)
		return "none";
	return stages[s];
}

static const char *conds[] = {
#define X(id, name) [id] = name,
	COND_LIST(X)
#undef X
};

const char *
reason_dx_name(int code)
{
	if (code <= DX_NONE || code >= DX__COUNT)
		return NULL;
	return conds[code];
}

int
reason_dx_lookup(const char *name)
{
	for (int i = DX_NONE + 1; i < DX__COUNT; i++)
		if (strcasecmp(conds[i], name) == 0)
			return i;
	return 0;
}
