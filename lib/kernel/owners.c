#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owners.h"

struct slot {
	unsigned long	ino;		/* 0: empty */
	int		proc;		/* index into procs */
	int		nshare;
};

/* A second (third, ...) process holding a socket. */
struct share {
	unsigned long	ino;
	int		proc;
};

struct owners {
	char			 root[4096];
	struct share		*sh;		/* sorted by inode after the walk */
	size_t			 nsh, capsh;
	struct owners_proc	*procs;
	size_t			 nprocs, cap;
	struct slot		*h;
	size_t			 hcap, hn;	/* hcap a power of two */
	int			 unreadable;
};

static size_t
hash_ino(unsigned long ino, size_t cap)
{
	uint64_t x = ino;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static int
grow_hash(struct owners *w)
{
	size_t ncap = w->hcap ? w->hcap * 2 : 1024;
	struct slot *n = calloc(ncap, sizeof(*n));

	if (n == NULL)
		return -1;
	for (size_t i = 0; i < w->hcap; i++) {
		size_t j;

		if (w->h[i].ino == 0)
			continue;
		for (j = hash_ino(w->h[i].ino, ncap); n[j].ino != 0;
		    j = (j + 1) & (ncap - 1))
			;
		n[j] = w->h[i];
	}
	free(w->h);
	w->h = n;
	w->hcap = ncap;
	return 0;
}

static int
add_sock(struct owners *w, unsigned long ino, int proc)
{
	size_t j;

	if ((w->hn + 1) * 2 > w->hcap && grow_hash(w) == -1)
		return -1;
	for (j = hash_ino(ino, w->hcap); w->h[j].ino != 0;
	    j = (j + 1) & (w->hcap - 1))
		if (w->h[j].ino == ino) {
			/* dup()ed in one process counts once */
			if (w->h[j].proc == proc)
				return 0;
			for (size_t k = w->nsh; k-- > 0 && w->sh[k].proc ==
			    proc;)
				if (w->sh[k].ino == ino)
					return 0;
			if (w->nsh == w->capsh) {
				size_t nc = w->capsh ? w->capsh * 2 : 64;
				struct share *x = realloc(w->sh,
				    nc * sizeof(*x));

				if (x == NULL)
					return -1;
				w->sh = x;
				w->capsh = nc;
			}
			w->sh[w->nsh].ino = ino;
			w->sh[w->nsh++].proc = proc;
			w->h[j].nshare++;
			return 0;
		}
	w->h[j].ino = ino;
	w->h[j].proc = proc;
	w->h[j].nshare = 1;
	w->hn++;
	return 0;
}

/* Returns the inode of a "socket:[N]" link target, or 0. */
static unsigned long
sock_ino(const char *t)
{
	unsigned long v = 0;

	if (strncmp(t, "socket:[", 8) != 0)
		return 0;
	for (t += 8; *t >= '0' && *t <= '9'; t++)
		v = v * 10 + (unsigned long)(*t - '0');
	return *t == ']' ? v : 0;
}

/* Walks ROOT/PID/fd of one process; -1 only when memory ran out. */
static int
walk_pid(struct owners *w, int rootfd, const char *name, int pid)
{
	struct owners_proc *p;
	struct dirent *e;
	char rel[64], target[64];
	int fd, idx;
	DIR *d;

	snprintf(rel, sizeof(rel), "%s/fd", name);
	fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == EACCES || errno == EPERM)
			w->unreadable++;
		return 0;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	if (w->nprocs == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		struct owners_proc *n = realloc(w->procs, ncap * sizeof(*n));

		if (n == NULL) {
			closedir(d);
			return -1;
		}
		w->procs = n;
		w->cap = ncap;
	}
	idx = (int)w->nprocs++;
	p = &w->procs[idx];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->soft = p->hard = -2;
	while ((e = readdir(d)) != NULL) {
		unsigned long ino;
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		p->nfds++;
		len = readlinkat(fd, e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if ((ino = sock_ino(target)) == 0)
			continue;
		p->nsock++;
		if (add_sock(w, ino, idx) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int
cmp_share(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->ino != y->ino)
		return (x->ino > y->ino) - (x->ino < y->ino);
	return (x->proc > y->proc) - (x->proc < y->proc);
}

struct owners *
owners_walk(const char *root, int only_pid)
{
	struct owners *w;
	struct dirent *e;
	int rootfd, rc = 0;
	DIR *d;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	snprintf(w->root, sizeof(w->root), "%s", root);
	if (grow_hash(w) == -1)
		goto nomem;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1) {
		w->unreadable = 1;
		return w;
	}
	if (only_pid > 0) {
		char name[16];

		snprintf(name, sizeof(name), "%d", only_pid);
		rc = walk_pid(w, rootfd, name, only_pid);
		close(rootfd);
		if (rc == -1)
			goto nomem;
		return w;
	}
	if ((d = fdopendir(rootfd)) == NULL) {
		close(rootfd);
		w->unreadable = 1;
		return w;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len == 0 || len > 9 ||
		    strspn(e->d_name, "0123456789") != len)
			continue;
		rc = walk_pid(w, dirfd(d), e->d_name, atoi(e->d_name));
	}
	closedir(d);
	if (rc == -1)
		goto nomem;
	if (w->nsh > 1)
		qsort(w->sh, w->nsh, sizeof(*w->sh), cmp_share);
	return w;
nomem:
	owners_free(w);
	errno = ENOMEM;
	return NULL;
}

void
owners_free(struct owners *w)
{
	if (w == NULL)
		return;
	free(w->procs);
	free(w->sh);
	free(w->h);
	free(w);
}

struct owners_proc *
owners_of(struct owners *w, unsigned long ino, int *nshare)
{
	size_t j;

	if (nshare != NULL)
		*nshare = 0;
	if (ino == 0 || w->hcap == 0)
		return NULL;
	for (j = hash_ino(ino, w->hcap); w->h[j].ino != 0;
	    j = (j + 1) & (w->hcap - 1))
		if (w->h[j].ino == ino) {
			if (nshare != NULL)
				*nshare = w->h[j].nshare;
			return &w->procs[w->h[j].proc];
		}
	return NULL;
}

size_t
owners_holders(struct owners *w, unsigned long ino, struct owners_proc **out,
    size_t max)
{
	struct owners_proc *p = owners_of(w, ino, NULL);
	size_t n = 0, lo = 0, hi = w->nsh;

	if (p == NULL)
		return 0;
	if (max > 0)
		out[0] = p;
	n = 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->sh[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->nsh && w->sh[lo].ino == ino; lo++, n++)
		if (n < max)
			out[n] = &w->procs[w->sh[lo].proc];
	return n;
}

struct owners_proc *
owners_pid(struct owners *w, int pid)
{
	/* /proc lists pids in order; a linear look is the fallback */
	size_t lo = 0, hi = w->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->procs[mid].pid == pid)
			return &w->procs[mid];
		if (w->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == pid)
			return &w->procs[i];
	return NULL;
}

size_t
owners_count(const struct owners *w)
{
	return w->nprocs;
}

struct owners_proc *
owners_at(struct owners *w, size_t i)
{
	return i < w->nprocs ? &w->procs[i] : NULL;
}

int
owners_unreadable(const struct owners *w)
{
	return w->unreadable;
}

const struct pn_owner *
owners_who(struct owners *w, struct owners_proc *p)
{
	if (!p->loaded) {
		pn_owner_load(w->root, p->pid, 0, &p->o);
		p->loaded = 1;
	}
	return &p->o;
}

/* "Max open files            1024                 524288               files" */
long
owners_limit(struct owners *w, struct owners_proc *p)
{
	char path[4200], line[256];
	FILE *f;

	if (p->soft != -2)
		return p->soft;
	p->soft = p->hard = -1;
	snprintf(path, sizeof(path), "%s/%d/limits", w->root, p->pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *q, *end;

		if (strncmp(line, "Max open files", 14) != 0)
			continue;
		q = line + 14;
		p->soft = strtol(q, &end, 10);
		if (end == q)
			p->soft = -1;	/* "unlimited" */
		else
			p->hard = strtol(end, NULL, 10);
		break;
	}
	fclose(f);
	return p->soft;
}
