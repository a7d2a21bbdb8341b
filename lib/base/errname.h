/* Names of errno values and getaddrinfo() codes, both ways. */
#ifndef SOCKCTL_ERRNAME_H
#define SOCKCTL_ERRNAME_H

/*
 * errname() returns the symbolic name of errno value e ("ECONNREFUSED"),
 * or NULL when it has none here. errname_lookup() returns the value named
 * s, or -1. The eai_ pair does the same for getaddrinfo() codes
 * ("EAI_NONAME"); eai_lookup() returns 1 and sets *code when s names one.
 */
const char	*errname(int e);
int		 errname_lookup(const char *s);
const char	*eai_name(int code);
int		 eai_lookup(const char *s, int *code);

/* Calls fn for every errno value with a name, in ascending order. */
void		 errname_each(void (*fn)(int e, const char *name, void *arg),
		    void *arg);

#endif
