/* lib/core/which: a name with a '/', each $PATH directory, an empty one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "which.h"

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int
main(void)
{
	char dir[] = "/tmp/which-XXXXXX", file[64], path[128], env[160];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof(file), "%s/prog", dir);
	if ((f = fopen(file, "w")) == NULL)
		return 1;
	fclose(f);
	snprintf(env, sizeof(env), "/no/such/dir:%s:/bin", dir);
	setenv("PATH", env, 1);
	CHECK(which("prog", path, sizeof(path), exists) == 1);
	CHECK_STR(path, file);
	CHECK(which("no-such-prog", path, sizeof(path), exists) == 0);
	/* a '/' in the name: that path, no search */
	CHECK(which(file, path, sizeof(path), exists) == 1);
	/* an empty directory is the current one */
	setenv("PATH", ":/no/such/dir", 1);
	if (chdir(dir) == 0) {
		CHECK(which("prog", path, sizeof(path), exists) == 1);
		CHECK_STR(path, "./prog");
	}
	/* a path that does not fit is no candidate */
	CHECK(which("prog", path, 4, exists) == 0);
	unlink(file);
	rmdir(dir);
	return UNIT_DONE("which");
}
