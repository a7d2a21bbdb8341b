/*
 * Permissions of Unix domain sockets, the diagnosis tier: which directory
 * or socket file refuses this process (search or write permission), the
 * groups it carries and those it would get at its next login, a security
 * module when the file modes allow it, and the fix that lasts. evunix
 * calls it for DX_UNIX_DENIED. It never prints.
 */
#ifndef SOCKCTL_EVUPERM_H
#define SOCKCTL_EVUPERM_H

#include <stddef.h>
#include <sys/stat.h>

#include "result.h"

/*
 * Appends to r the cause and fix of a connect to path (a file, or
 * "@name") refused with EACCES or EPERM.
 */
void	evuperm_denied(const struct ev_env *c, const char *path,
	    struct result *r);

/* Writes "owner alice, group docker, mode 0660" of sb into buf. */
char	*evuperm_ids(const struct stat *sb, char *buf, size_t len);

#endif
