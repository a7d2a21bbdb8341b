#ifndef SOCKCTL_WHICH_H
#define SOCKCTL_WHICH_H

#include <stddef.h>

/*
 * Where execvp() looks for program name: name itself when it holds a
 * '/', else each directory of $PATH in turn (an empty one is the current
 * directory; no $PATH: /usr/local/bin:/bin:/usr/bin). Fills path (len
 * bytes) with the first candidate ok() takes and returns 1; 0 when none.
 */
int	which(const char *name, char *path, size_t len,
	    int (*ok)(const char *path));

#endif
