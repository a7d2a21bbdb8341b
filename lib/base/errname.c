#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "errname.h"

/* The errno values a socket program can meet, and the common rest. */
#define ERRNO_LIST(X)							\
	X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG)	\
	X(ENOEXEC) X(EBADF) X(ECHILD) X(EAGAIN) X(ENOMEM) X(EACCES)	\
	X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR)	\
	X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(EFBIG)	\
	X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDOM)		\
	X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOSYS) X(ENOTEMPTY)	\
	X(ELOOP) X(ENOMSG) X(ENODATA) X(ENOSR) X(ENOLINK) X(EPROTO)	\
	X(EBADMSG) X(EOVERFLOW) X(EILSEQ) X(ENOTSOCK) X(EDESTADDRREQ)	\
	X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT)	\
	X(ESOCKTNOSUPPORT) X(EOPNOTSUPP) X(EPFNOSUPPORT)		\
	X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN)	\
	X(ENETUNREACH) X(ENETRESET) X(ECONNABORTED) X(ECONNRESET)	\
	X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ESHUTDOWN)			\
	X(ETOOMANYREFS) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN)	\
	X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ECANCELED)

static const struct {
	int		 e;
	const char	*name;
} errnos[] = {
#define X(n) { n, #n },
	ERRNO_LIST(X)
#undef X
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int		 code;
	const char	*name;
} eais[] = {
	{ EAI_BADFLAGS, "EAI_BADFLAGS" },
	{ EAI_NONAME, "EAI_NONAME" },
	{ EAI_AGAIN, "EAI_AGAIN" },
	{ EAI_FAIL, "EAI_FAIL" },
	{ EAI_FAMILY, "EAI_FAMILY" },
	{ EAI_SOCKTYPE, "EAI_SOCKTYPE" },
	{ EAI_SERVICE, "EAI_SERVICE" },
	{ EAI_MEMORY, "EAI_MEMORY" },
	{ EAI_SYSTEM, "EAI_SYSTEM" },
	{ EAI_OVERFLOW, "EAI_OVERFLOW" },
#ifdef EAI_NODATA
	{ EAI_NODATA, "EAI_NODATA" },
#endif
#ifdef EAI_ADDRFAMILY
	{ EAI_ADDRFAMILY, "EAI_ADDRFAMILY" },
#endif
};

const char *
errname(int e)
{
	/* EAGAIN == EWOULDBLOCK, EDEADLK == EDEADLOCK, ENOTSUP == EOPNOTSUPP */
	for (size_t i = 0; i < NELEM(errnos); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

int
errname_lookup(const char *s)
{
	for (size_t i = 0; i < NELEM(errnos); i++)
		if (strcasecmp(errnos[i].name, s) == 0)
			return errnos[i].e;
	/* the second names of one value */
	if (strcasecmp(s, "EWOULDBLOCK") == 0)
		return EWOULDBLOCK;
	if (strcasecmp(s, "ENOTSUP") == 0)
		return ENOTSUP;
	if (strcasecmp(s, "EDEADLOCK") == 0)
		return EDEADLOCK;
	return -1;
}

void
errname_each(void (*fn)(int, const char *, void *), void *arg)
{
	int last = 0;

	/* The list is short: a selection sort by value keeps it in source order. */
	for (;;) {
		size_t best = NELEM(errnos);

		for (size_t i = 0; i < NELEM(errnos); i++)
			if (errnos[i].e > last && (best == NELEM(errnos) ||
			    errnos[i].e < errnos[best].e))
				best = i;
		if (best == NELEM(errnos))
			return;
		fn(errnos[best].e, errnos[best].name, arg);
		last = errnos[best].e;
	}
}

const char *
eai_name(int code)
{
	for (size_t i = 0; i < NELEM(eais); i++)
		if (eais[i].code == code)
			return eais[i].name;
	return NULL;
}

int
eai_lookup(const char *s, int *code)
{
	for (size_t i = 0; i < NELEM(eais); i++)
		if (strcasecmp(eais[i].name, s) == 0) {
			*code = eais[i].code;
			return 1;
		}
	return 0;
}
