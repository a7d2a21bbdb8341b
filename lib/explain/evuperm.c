#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evuperm.h"
#include "procnet.h"

#define MAX_GROUPS	64

static void
group_name(unsigned gid, char *buf, size_t len)
{
	struct group *g = getgrgid(gid);

	if (g != NULL)
		snprintf(buf, len, "%s", g->gr_name);
	else
		snprintf(buf, len, "%u", gid);
}

/* "owner alice, group docker, mode 0660" */
char *
evuperm_ids(const struct stat *sb, char *buf, size_t len)
{
	char u[64], g[64];

	pn_user(sb->st_uid, u, sizeof(u));
	group_name(sb->st_gid, g, sizeof(g));
	snprintf(buf, len, "owner %s, group %s, mode %04o", u, g,
	    (unsigned)(sb->st_mode & 07777));
	return buf;
}

/* This process's groups as text ("1000(alice), 27(sudo)"). */
static void
groups_text(const gid_t *g, int n, char *buf, size_t len)
{
	size_t m = 0;
	char name[64];

	buf[0] = '\0';
	for (int i = 0; i < n && m < len; i++) {
		group_name(g[i], name, sizeof(name));
		m += (size_t)snprintf(buf + m, len - m, "%s%u(%s)", i ? ", " :
		    "", (unsigned)g[i], name);
	}
	if (n == 0)
		snprintf(buf, len, "none");
}

static int
has_gid(const gid_t *g, int n, gid_t want)
{
	for (int i = 0; i < n; i++)
		if (g[i] == want)
			return 1;
	return 0;
}

/* Which security module may have refused: SELinux, AppArmor, or "". */
static const char *
lsm_name(void)
{
	char buf[64] = "";
	int fd = open("/sys/fs/selinux/enforce", O_RDONLY | O_CLOEXEC);

	if (fd != -1) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		close(fd);
		if (n > 0 && buf[0] == '1')
			return "SELinux (enforcing)";
	}
	if (access("/sys/kernel/security/apparmor", F_OK) == 0)
		return "AppArmor";
	return "";
}

void
evuperm_denied(const char *path, struct result *r)
{
	char comp[PATH_MAX], ids[160], grp[1024], me[64], gname[64];
	gid_t g[MAX_GROUPS], listed[MAX_GROUPS];
	uid_t uid = geteuid();
	struct passwd *pw = getpwuid(uid);
	const char *need = NULL;
	struct stat sb;
	int ng, nl = MAX_GROUPS, bit = 0;
	size_t i = 0, plen = strlen(path);

	ng = getgroups(MAX_GROUPS, g);
	if (ng < 0)
		ng = 0;
	if (!has_gid(g, ng, getegid()) && ng < MAX_GROUPS)
		g[ng++] = getegid();
	groups_text(g, ng, grp, sizeof(grp));
	pn_user(uid, me, sizeof(me));
	if (path[0] == '@') {
		result_cause(r, "the abstract name %s has no file permissions: "
		    "a security module refused the connection", path);
		return;
	}
	/* the directories: search (x) permission each */
	while (i < plen) {
		size_t j = i;

		if (path[j] == '/')
			j++;
		while (j < plen && path[j] != '/')
			j++;
		if (j >= plen)
			break;
		snprintf(comp, sizeof(comp), "%.*s", j == 0 ? 1 : (int)j, path);
		if (comp[0] == '\0')
			snprintf(comp, sizeof(comp), "/");
		if (faccessat(AT_FDCWD, comp, X_OK, AT_EACCESS) == -1 &&
		    errno == EACCES && stat(comp, &sb) == 0) {
			need = "search (x)";
			bit = 1;
			break;
		}
		i = j;
	}
	if (need == NULL) {
		snprintf(comp, sizeof(comp), "%s", path);
		if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == -1 &&
		    errno == EACCES && stat(path, &sb) == 0) {
			need = "write (w)";
			bit = 2;
		}
	}
	if (need == NULL) {
		const char *lsm = lsm_name();

		result_cause(r, "the file permissions of %s and its directories "
		    "allow uid %u (%s; groups %s), and connect() was still "
		    "refused: a security module (%s) refused it", path,
		    (unsigned)uid, me, grp, lsm[0] ? lsm : "SELinux, AppArmor");
		result_fix(r, "check the security module's log (journalctl -k "
		    "| grep -i -e avc -e apparmor) and its policy for this "
		    "program");
		return;
	}
	result_cause(r, "%s %s (%s) does not give uid %u (%s) %s permission; "
	    "this process's groups: %s", bit == 1 ? "the directory" :
	    "the socket", comp, evuperm_ids(&sb, ids, sizeof(ids)),
	    (unsigned)uid, me, need, grp);
	group_name(sb.st_gid, gname, sizeof(gname));
	if (sb.st_uid != uid && !has_gid(g, ng, sb.st_gid) &&
	    (sb.st_mode & (bit == 1 ? S_IXGRP : S_IWGRP)) != 0) {
		int listed_in = 0;

		if (pw != NULL && getgrouplist(pw->pw_name, pw->pw_gid, listed,
		    &nl) != -1)
			listed_in = has_gid(listed, nl, sb.st_gid);
		if (listed_in) {
			result_cause(r, "/etc/group lists %s in group %s, but "
			    "this process does not carry it: you were added "
			    "to group %s after this login started", me, gname,
			    gname);
			result_fix(r, "log in again (a new session gets the "
			    "group), or start a shell with it now: newgrp %s",
			    gname);
		} else
			result_fix(r, "add the user to the group that may use "
			    "it: sudo usermod -aG %s %s, then log in again",
			    gname, me);
		return;
	}
	pn_user(sb.st_uid, ids, sizeof(ids));
	result_fix(r, "run as a user that may use %s (its owner: sudo -u "
	    "%s ...), or have its owner grant %s permission (chmod, chgrp)",
	    comp, ids, need);
}
