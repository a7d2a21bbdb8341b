#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "which.h"

int
which(const char *name, char *path, size_t len, int (*ok)(const char *))
{
	const char *p, *e;
	int n;

	if (strchr(name, '/') != NULL) {
		n = snprintf(path, len, "%s", name);
		return n >= 0 && (size_t)n < len && ok(path);
	}
	if ((p = getenv("PATH")) == NULL)
		p = "/usr/local/bin:/bin:/usr/bin";
	for (;; p = e + 1) {
		if ((e = strchr(p, ':')) == NULL)
			e = p + strlen(p);
		n = snprintf(path, len, "%.*s/%s", e > p ? (int)(e - p) : 1,
		    e > p ? p : ".", name);
		if (n >= 0 && (size_t)n < len && ok(path))
			return 1;
		if (*e == '\0')
			return 0;
	}
}
