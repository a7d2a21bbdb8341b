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
#include "unixsock.h"

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

/* Whether the group database lists user in group gid (not as primary). */
static int
member_of(const char *user, gid_t gid)
{
	struct group *gr = getgrgid(gid);

	if (gr == NULL || gr->gr_mem == NULL)
		return 0;
	for (char **m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, user) == 0)
			return 1;
	return 0;
}

/*
 * The group gid (gname) may use the file, and this process does not
 * carry it: the user's primary group it was started without, a group
 * added after login, or one the user is not in.
 */
static void
group_fix(const struct passwd *pw, const char *me, gid_t gid,
    const char *gname, struct result *r)
{
	char cur[64];

	group_name(getegid(), cur, sizeof(cur));
	if (pw != NULL && pw->pw_gid == gid) {
		result_cause(r, "%s is the primary group of %s (/etc/passwd), "
		    "but this process runs with group %s: it was started with "
		    "another group (sudo -g, setpriv --regid, a service's "
		    "Group=)", gname, me, cur);
		result_fix(r, "start it with the user's own group: sudo -u %s "
		    "COMMAND (no -g), or a service without that Group=", me);
		return;
	}
	if (pw != NULL && member_of(pw->pw_name, gid)) {
		result_cause(r, "/etc/group lists %s in group %s, but this "
		    "process does not carry it: you were added to group %s "
		    "after this login started", me, gname, gname);
		result_fix(r, "log in again (a new session gets the group), or "
		    "start a shell with it now: newgrp %s", gname);
		return;
	}
	result_fix(r, "add the user to the group that may use it: sudo "
	    "usermod -aG %s %s, then log in again", gname, me);
}

/*
 * The server's own setting for its socket's mode, by a word of its
 * command, its user or its file name ("redis-server", "postgres",
 * ".s.PGSQL.5432", "docker.sock"); NULL when none is known.
 */
static const char *
setting_of(const char *s, int pid)
{
	if (pid == 1 || strcmp(s, "systemd") == 0)
		return "its socket unit's SocketMode= (and SocketGroup=)";
	if (strstr(s, "redis") != NULL)
		return "redis.conf's unixsocketperm (e.g. unixsocketperm 770)";
	if (strstr(s, "postgres") != NULL || strstr(s, "postmaster") != NULL ||
	    strncmp(s, ".s.PGSQL.", 9) == 0)
		return "postgresql.conf's unix_socket_permissions (and "
		    "unix_socket_group)";
	if (strstr(s, "php") != NULL && strstr(s, "fpm") != NULL)
		return "the php-fpm pool's listen.mode (and listen.group)";
	if (strstr(s, "docker") != NULL)
		return "docker's group (dockerd --group, \"group\" in "
		    "daemon.json): add the user to it";
	return NULL;
}

/*
 * "; a chmod is lost ...": where the mode is set for good -- the
 * server's own setting, known by the socket's holder when it can be
 * seen, else guessed from the file's owner or name; else the usual ones.
 */
static void
lasting(const struct ev_env *c, const char *path, int bit, char *buf,
    size_t len)
{
	const char *root = c->proc_root != NULL ? c->proc_root : "/proc";
	const char *set = NULL, *base = strrchr(path, '/');
	char owner[64];
	struct pn_owner o[1];
	struct usock u;
	struct stat sb;
	int un = 0;

	if (bit == 1) {
		snprintf(buf, len, "; for a service's own directory, set it "
		    "where it is made (systemd: RuntimeDirectoryMode=), or a "
		    "chmod is lost at the next boot");
		return;
	}
	if (stat(path, &sb) == -1) {
		buf[0] = '\0';
		return;
	}
	if (usock_find(root, 1, sb.st_dev, sb.st_ino, path, &u) == 1 &&
	    usock_owners(root, u.ino, o, 1, &un) == 1 &&
	    (set = setting_of(o[0].comm, o[0].pid)) != NULL) {
		snprintf(buf, len, "; a chmod is lost when %s re-creates the "
		    "socket at its next start: set it in %s", o[0].tcomm, set);
		return;
	}
	pn_user(sb.st_uid, owner, sizeof(owner));
	if ((set = setting_of(owner, 0)) == NULL)
		set = setting_of(base != NULL ? base + 1 : path, 0);
	if (set != NULL)
		snprintf(buf, len, "; a chmod is lost when the server "
		    "re-creates the socket at its next start: set it in the "
		    "server (by the socket's owner or name, %s)", set);
	else
		snprintf(buf, len, "; a chmod is lost when the server "
		    "re-creates the socket at its next start: set it in the "
		    "server (redis: unixsocketperm; PostgreSQL: "
		    "unix_socket_permissions; systemd: SocketMode=; docker: "
		    "its group)");
}

void
evuperm_denied(const struct ev_env *c, const char *path, struct result *r)
{
	char comp[PATH_MAX], ids[160], grp[1024], me[64], gname[64],
	    keep[320];
	gid_t g[MAX_GROUPS];
	uid_t uid = geteuid();
	struct passwd *pw = getpwuid(uid);
	const char *need = NULL;
	struct stat sb;
	int ng, bit = 0;
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
	lasting(c, path, bit, keep, sizeof(keep));
	if (sb.st_uid == uid) {
		/* the owner's bits alone count for the owner (0077, 0070) */
		result_cause(r, "uid %u (%s) owns %s, and its mode %04o gives "
		    "the owner no %s permission: for the owner only the "
		    "owner's bits count, whatever the group and others get",
		    (unsigned)uid, me, comp, (unsigned)(sb.st_mode & 07777),
		    need);
		result_fix(r, "give the owner the permission: chmod u+%c %s%s",
		    bit == 1 ? 'x' : 'w', comp, keep);
		return;
	}
	if (!has_gid(g, ng, sb.st_gid) && (sb.st_mode & (bit == 1 ? S_IXGRP :
	    S_IWGRP)) != 0) {
		group_fix(pw, me, sb.st_gid, gname, r);
		return;
	}
	pn_user(sb.st_uid, ids, sizeof(ids));
	result_fix(r, "run as a user that may use %s (its owner: sudo -u "
	    "%s ...), or have its owner grant %s permission (chmod, "
	    "chgrp)%s", comp, ids, need, keep);
}
