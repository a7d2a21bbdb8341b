#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"
#include "evupath.h"
#include "unixsock.h"

#define MAX_SIBLINGS	6
#define MAX_LIKE	3

void
evupath_parent(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int
evupath_siblings(const char *dir, const char *base, char *list, size_t len,
    char *similar, size_t slen)
{
	size_t pre = strcspn(base, "0123456789"), m = 0;
	struct dirent *de;
	int n = 0;
	DIR *d;

	list[0] = similar[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX], e[256];
		struct stat sb;

		if (strcmp(de->d_name, base) == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p) || lstat(p, &sb) == -1 || !S_ISSOCK(sb.st_mode))
			continue;
		esc_str(de->d_name, e, sizeof(e));
		/* the same name up to its first digit: .s.PGSQL.5433 for
		 * .s.PGSQL.5432, php7.4-fpm.sock for php8.2-fpm.sock */
		if (similar[0] == '\0' && pre > 0 && base[0] != '\0' &&
		    strncmp(de->d_name, base, pre) == 0)
			snprintf(similar, slen, "%s", e);
		if (n++ < MAX_SIBLINGS && m < len)
			m += (size_t)snprintf(list + m, len - m, "%s%s",
			    m ? ", " : "", e);
	}
	closedir(d);
	if (n > MAX_SIBLINGS && m < len)
		snprintf(list + m, len - m, " and %d more", n - MAX_SIBLINGS);
	return n;
}

int
evupath_link(const char *path, struct result *r)
{
	char to[PATH_MAX], eto[PATH_MAX];
	struct stat sb;
	ssize_t n;

	if (path[0] == '@' || lstat(path, &sb) == -1 || !S_ISLNK(sb.st_mode))
		return 0;
	n = readlink(path, to, sizeof(to) - 1);
	if (n < 0)
		n = 0;
	to[n] = '\0';
	esc_str(to, eto, sizeof(eto));
	if (stat(path, &sb) == 0) {
		result_cause(r, "%s is a symbolic link to %s, which is a %s",
		    path, eto, usock_kind(sb.st_mode));
		return 1;
	}
	if (errno == ELOOP)
		result_cause(r, "%s is a symbolic link to %s, and its links go "
		    "round in a loop: the kernel gives up after 40 links "
		    "(ELOOP), so no file is ever reached", path, eto);
	else
		result_cause(r, "%s is a symbolic link to %s, which does not "
		    "exist (a dangling link)", path, eto);
	return 1;
}

void
evupath_dir(const char *path, const char *verb, struct result *r)
{
	char list[512], sim[8];
	const char *sl;
	int n = evupath_siblings(path, "", list, sizeof(list), sim,
	    sizeof(sim));

	if (n == 0) {
		result_cause(r, "%s is a directory, not a socket, and no "
		    "socket is in it: a socket path names the socket file "
		    "itself, and waiting will not turn a directory into one",
		    path);
		result_fix(r, "give the path of the socket file (the server's "
		    "socket setting, or ss -xl for the bound paths)");
		return;
	}
	sl = path[strlen(path) - 1] == '/' ? "" : "/";
	result_cause(r, "%s is a directory, not a socket (waiting will not "
	    "make it one); the socket%s in it: %s", path, n == 1 ? "" : "s",
	    list);
	if (strcmp(verb, "bind") == 0)
		result_fix(r, "bind a path for the socket file in it, not the "
		    "directory itself: %s%sNAME.sock", path, sl);
	else if (n == 1)
		result_fix(r, "connect to the socket file itself: sockctl "
		    "connect %s%s%s", path, sl, list);
	else
		result_fix(r, "connect to one of those socket files: sockctl "
		    "connect %s%sNAME", path, sl);
}

int
evupath_not_dir(const char *path, int err, struct result *r)
{
	char comp[PATH_MAX];
	struct stat sb;

	if (err == ELOOP) {
		if (evupath_link(path, r))
			result_fix(r, "point the link at the socket file (ln "
			    "-sfn TARGET %s), or give the socket's own path",
			    path);
		else {
			result_cause(r, "the symbolic links among the "
			    "directories of %s go round in a loop (ELOOP): no "
			    "file is ever reached", path);
			result_fix(r, "find the loop (namei -l %s shows each "
			    "link) and point one of its links elsewhere", path);
		}
		return 1;
	}
	if (err != ENOTDIR || usock_notdir(path, comp, sizeof(comp)) == -1 ||
	    stat(comp, &sb) == -1)
		return 0;
	result_cause(r, "%s is a %s, not a directory (ENOTDIR): the path "
	    "%s goes through it as if it were one", comp,
	    usock_kind(sb.st_mode), path);
	result_fix(r, "check the path (a typo, or a file where the socket's "
	    "directory should be); do not remove or replace %s unless you "
	    "know what it is", comp);
	return 1;
}

int
evupath_similar(const struct ev_env *c, const char *path, int type,
    struct result *r)
{
	struct usock_like l[MAX_LIKE];
	char list[1024], e[USOCK_NAME_MAX * 4];
	size_t m = 0;
	int n;

	n = usock_similar(c->proc_root != NULL ? c->proc_root : "/proc", path,
	    type, l, MAX_LIKE);
	if (n <= 0)
		return 0;
	list[0] = '\0';
	for (int i = 0; i < n && m < sizeof(list); i++) {
		struct pn_owner o[1];
		int un = 0, k;

		esc_str(l[i].name, e, sizeof(e));
		k = usock_owners(c->proc_root != NULL ? c->proc_root : "/proc",
		    l[i].ino, o, 1, &un);
		if (k > 0)
			m += (size_t)snprintf(list + m, sizeof(list) - m,
			    "%s%s (pid %d, %s, user %s)", i ? ", " : "", e,
			    o[0].pid, o[0].tcomm, o[0].user);
		else
			m += (size_t)snprintf(list + m, sizeof(list) - m,
			    "%s%s", i ? ", " : "", e);
	}
	result_cause(r, "a live socket with %s: %s", l[0].how ==
	    USL_SAME_BASE ? "the same name elsewhere" : "a similar name",
	    list);
	esc_str(l[0].name, e, sizeof(e));
	result_fix(r, "if that is the server, use its path: sockctl %s %s "
	    "(and point the client's socket setting at it)", type ==
	    SOCK_DGRAM ? "probe-udp" : "connect", e);
	return n;
}
