#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"

/* /proc/net/netstat's TcpExt line is about 2 KiB; room to grow. */
#define CT_LINE	16384

struct field {
	const char	*name;
	long long	*v;
};

/*
 * The files pair a line of names with a line of values, both starting
 * with the same "Prefix:". Sets the fields named in f[0..n-1].
 */
static void
take_pair(const char *names, const char *vals, struct field *f, size_t n)
{
	char *a = strdup(names), *b = strdup(vals), *sa, *sb, *x, *y;

	if (a == NULL || b == NULL)
		goto out;
	x = strtok_r(a, " \n", &sa);
	y = strtok_r(b, " \n", &sb);
	/* the prefixes first, then name and value side by side */
	while ((x = strtok_r(NULL, " \n", &sa)) != NULL &&
	    (y = strtok_r(NULL, " \n", &sb)) != NULL)
		for (size_t i = 0; i < n; i++)
			if (strcmp(x, f[i].name) == 0)
				*f[i].v = strtoll(y, NULL, 10);
out:
	free(a);
	free(b);
}

/* Reads a file of "Prefix: names" / "Prefix: values" line pairs. */
static int
read_pairs(const char *root, const char *rel, const char *prefix,
    struct field *f, size_t n)
{
	char path[4096], *l1, *l2;
	size_t plen = strlen(prefix);
	FILE *fp;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	l1 = malloc(CT_LINE);
	l2 = malloc(CT_LINE);
	while (l1 != NULL && l2 != NULL && fgets(l1, CT_LINE, fp) != NULL) {
		if (strncmp(l1, prefix, plen) != 0)
			continue;
		if (fgets(l2, CT_LINE, fp) == NULL ||
		    strncmp(l2, prefix, plen) != 0)
			break;
		take_pair(l1, l2, f, n);
		rc = 0;
		break;
	}
	free(l1);
	free(l2);
	fclose(fp);
	return rc;
}

/* "TCP: inuse 4 orphan 0 tw 381 alloc 4 mem 223" */
static int
read_sockstat(const char *root, struct counters *k)
{
	char path[4096], line[512], *p, *save, *key, *val;
	FILE *fp;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/net/sockstat", root);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "TCP: ", 5) != 0)
			continue;
		p = line + 5;
		while ((key = strtok_r(p, " \n", &save)) != NULL &&
		    (val = strtok_r(NULL, " \n", &save)) != NULL) {
			p = NULL;
			if (strcmp(key, "inuse") == 0)
				k->inuse = strtoll(val, NULL, 10);
			else if (strcmp(key, "orphan") == 0)
				k->orphans = strtoll(val, NULL, 10);
			else if (strcmp(key, "tw") == 0)
				k->tw = strtoll(val, NULL, 10);
		}
		rc = 0;
		break;
	}
	fclose(fp);
	return rc;
}

int
counters_read(const char *root, struct counters *k)
{
	struct field ext[] = {
		{ "ListenOverflows", &k->listen_overflows },
		{ "ListenDrops", &k->listen_drops },
		{ "SyncookiesSent", &k->syncookies_sent },
		{ "TCPReqQFullDrop", &k->reqq_full_drop },
		{ "TCPReqQFullDoCookies", &k->reqq_full_cookies },
	};
	struct field tcp[] = {
		{ "RetransSegs", &k->retrans_segs },
	};
	int ok = 0, saved = 0;

	k->listen_overflows = k->listen_drops = k->syncookies_sent = -1;
	k->reqq_full_drop = k->reqq_full_cookies = k->retrans_segs = -1;
	k->orphans = k->tw = k->inuse = -1;
	if (read_pairs(root, "net/netstat", "TcpExt:", ext,
	    sizeof(ext) / sizeof(ext[0])) == 0)
		ok = 1;
	else
		saved = errno;
	if (read_pairs(root, "net/snmp", "Tcp:", tcp, 1) == 0)
		ok = 1;
	else
		saved = errno;
	if (read_sockstat(root, k) == 0)
		ok = 1;
	else
		saved = errno;
	if (!ok) {
		errno = saved != 0 ? saved : ENOENT;
		return -1;
	}
	return 0;
}

long long
counters_delta(long long a, long long b)
{
	if (a < 0 || b < 0 || b < a)
		return -1;
	return b - a;
}
