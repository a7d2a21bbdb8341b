#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

unsigned char	*bench_pat;
const char	*bench_name = "bench";

void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

double
num_arg(int o, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		die("-%c: '%s' is not a non-negative number", o, s);
	return v;
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
pat_init(uint64_t seed)
{
	uint64_t x = seed, v;

	bench_pat = malloc(PAT_LEN + PAT_TAIL);
	if (bench_pat == NULL)
		die("out of memory");
	for (size_t i = 0; i < PAT_LEN; i += 8) {
		v = splitmix(&x);
		for (size_t j = 0; j < 8 && i + j < PAT_LEN; j++)
			bench_pat[i + j] = (unsigned char)(v >> (8 * j));
	}
	memcpy(bench_pat + PAT_LEN, bench_pat, PAT_TAIL);
}

long
pat_check(uint64_t off, const unsigned char *p, size_t n)
{
	return pat_check_in(bench_pat, off, p, n);
}

long
pat_check_in(const unsigned char *pat, uint64_t off, const unsigned char *p,
    size_t n)
{
	size_t done = 0, k;
	const unsigned char *e;

	while (done < n) {
		k = n - done < PAT_TAIL ? n - done : PAT_TAIL;
		e = pat + (off + done) % PAT_LEN;
		if (memcmp(e, p + done, k) != 0) {
			for (size_t i = 0; i < k; i++)
				if (e[i] != p[done + i])
					return (long)(done + i);
		}
		done += k;
	}
	return -1;
}

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
hist_idx(int64_t v)
{
	int msb;

	if (v < HIST_SUB)
		return v < 0 ? 0 : (int)v;
	msb = 63 - __builtin_clzll((unsigned long long)v);
	/* msb >= 4: the top 4 bits below the leading one pick the step */
	return (msb - 3) * HIST_SUB +
	    (int)((v >> (msb - 4)) & (HIST_SUB - 1));
}

static int64_t
hist_val(int i)
{
	int e = i / HIST_SUB, m = i % HIST_SUB;

	if (e == 0)
		return m;
	/* the upper edge of the step */
	return ((int64_t)(HIST_SUB + m + 1) << (e + 3 - 4)) - 1;
}

void
hist_add(struct hist *h, int64_t ns)
{
	int i = hist_idx(ns);

	h->b[i < HIST_N ? i : HIST_N - 1]++;
	h->n++;
	h->sum += (double)ns;
	if (ns > h->max)
		h->max = ns;
}

int64_t
hist_q(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return 0;
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (int i = 0; i < HIST_N; i++) {
		seen += h->b[i];
		if (seen > want) {
			int64_t v = hist_val(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

/* The on-CPU time of a task in seconds, from its schedstat (ns). */
static double
task_runtime(const char *path)
{
	unsigned long long ns;
	FILE *f;
	int ok;

	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	ok = fscanf(f, "%llu", &ns) == 1;
	fclose(f);
	return ok ? (double)ns / 1e9 : -1;
}

/*
 * Reads one process: returns 1 when it belongs to pgid, with its CPU time
 * in *cpu (seconds) and its resident set in *rss (pages). The CPU time of
 * the live tasks comes from schedstat, in nanoseconds: the tick counts of
 * /proc/PID/stat round each of a thousand forked children to zero. Reaped
 * children only exist as cutime+cstime (summed before rounding).
 */
static int
stat_one(const char *pid, pid_t pgid, long hz, double *cpu, long *rss)
{
	char path[96], buf[1024], *p;
	unsigned long long ut, st;
	long long cut, cst, rs, nthr;
	int pg;
	ssize_t n;
	FILE *f;
	double run;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command may hold spaces and parentheses: skip to the last ) */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* fields 3.. : state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime prio nice
	 * threads itreal start vsize rss */
	if (sscanf(p + 2, "%*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %lld %lld %*d %*d %lld %*d %*u %*u %lld", &pg, &ut,
	    &st, &cut, &cst, &nthr, &rs) != 7)
		return 0;
	if (pg != pgid)
		return 0;
	run = -1;
	if (nthr <= 1) {
		snprintf(path, sizeof(path), "/proc/%s/schedstat", pid);
		run = task_runtime(path);
	} else {
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%s/task", pid);
		if ((dir = opendir(path)) != NULL) {
			run = 0;
			while ((d = readdir(dir)) != NULL) {
				double t;

				if (d->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path),
				    "/proc/%s/task/%.20s/schedstat", pid,
				    d->d_name);
				if ((t = task_runtime(path)) > 0)
					run += t;
			}
			closedir(dir);
		}
	}
	if (run < 0)
		run = (double)(ut + st) / (double)hz;
	*cpu = run + (double)(cut + cst) / (double)hz;
	*rss = (long)rs;
	return 1;
}

int
pg_read(pid_t pgid, struct pgstat *st)
{
	static long hz, pagekb;
	struct dirent *d;
	double cpu;
	long rss;
	DIR *dir;
	char pid[24];

	memset(st, 0, sizeof(*st));
	if (pgid <= 0)
		return 0;
	if (hz == 0) {
		hz = sysconf(_SC_CLK_TCK);
		pagekb = sysconf(_SC_PAGESIZE) / 1024;
	}
	/* the leader first: most servers are one process */
	snprintf(pid, sizeof(pid), "%d", (int)pgid);
	if (stat_one(pid, pgid, hz, &cpu, &rss)) {
		st->cpu_s += cpu;
		st->rss_kb += rss * pagekb;
		st->nproc++;
	}
	dir = opendir("/proc");
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		if (atol(d->d_name) == (long)pgid)
			continue;
		if (stat_one(d->d_name, pgid, hz, &cpu, &rss)) {
			st->cpu_s += cpu;
			st->rss_kb += rss * pagekb;
			st->nproc++;
		}
	}
	closedir(dir);
	return 0;
}

long
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}

void
parse_target(const char *host, const char *port, struct sockaddr_in *sin)
{
	char *end;
	long p;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die("'%s' is not a numeric IPv4 address", host);
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
		die("'%s' is not a port", port);
	sin->sin_port = htons((uint16_t)p);
}

void
parse_dest(const char *host, const char *port, struct bench_dest *d)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&d->ss;

	memset(d, 0, sizeof(*d));
	if (strcmp(host, "unix") != 0) {
		parse_target(host, port, (struct sockaddr_in *)&d->ss);
		d->len = sizeof(struct sockaddr_in);
		return;
	}
	if (strlen(port) >= sizeof(un->sun_path))
		die("'%s' is too long for a Unix socket path", port);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, port, strlen(port) + 1);
	d->len = (socklen_t)sizeof(*un);
}

int
unix_listen(const char *path)
{
	struct sockaddr_un un;
	int fd;

	memset(&un, 0, sizeof(un));
	if (strlen(path) >= sizeof(un.sun_path))
		die("'%s' is too long for a Unix socket path", path);
	un.sun_family = AF_UNIX;
	memcpy(un.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) == -1)
		die("bind %s: %s", path, strerror(errno));
	if (listen(fd, INT_MAX) == -1)
		die("listen: %s", strerror(errno));
	return fd;
}
