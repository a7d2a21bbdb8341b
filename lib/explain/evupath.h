/*
 * The path of a Unix domain socket when no live socket is there, the
 * diagnosis tier: where a symbolic link points (nowhere, a file, round a
 * loop), the sockets of a directory given instead of a socket, the
 * component that is a file where a directory should be (ENOTDIR), and the
 * live sockets elsewhere with the same or a similar name (from the
 * kernel's table). evunix calls it for a connect or bind that failed on
 * the path. It never prints.
 */
#ifndef SOCKCTL_EVUPATH_H
#define SOCKCTL_EVUPATH_H

#include <stddef.h>

#include "result.h"

/* The directory part of path: "/run" of "/run/x.sock", "." of "x". */
void	evupath_parent(const char *path, char *buf, size_t len);

/*
 * The sockets in dir other than base ("" for all) as text into list, a
 * similar one (the same name up to its first digit) into similar; either
 * is "" when there is none. Returns the number of sockets.
 */
int	evupath_siblings(const char *dir, const char *base, char *list,
	    size_t len, char *similar, size_t slen);

/*
 * When path is a symbolic link: appends to r where it points and what is
 * there (nothing, a file of another kind, a directory, a loop) and
 * returns 1; else returns 0 and appends nothing.
 */
int	evupath_link(const char *path, struct result *r);

/*
 * Appends the cause and fix of a directory given as a socket path: the
 * sockets in it, the one to use when it holds one. verb is "connect" or
 * "bind".
 */
void	evupath_dir(const char *path, const char *verb, struct result *r);

/*
 * ENOTDIR or ELOOP (err) of a path's directories: appends which
 * component is a file, or that its links loop, and a fix that does not
 * make a directory over a file. Returns 1 when it found what, else 0.
 */
int	evupath_not_dir(const char *path, int err, struct result *r);

/*
 * Appends the live sockets of type (0: any) bound to a path like path
 * (the same file name elsewhere, a similar name), and a fix naming the
 * best. Returns how many were named.
 */
int	evupath_similar(const struct ev_env *c, const char *path, int type,
	    struct result *r);

#endif
