#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "targets.h"

void
targets_init(struct targets *t, FILE *f, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->path = path;
	t->name = strcmp(path, "-") == 0 ? "stdin" : path;
	t->fd = -1;
}

void
targets_init_fd(struct targets *t, int fd, const char *path)
{
	targets_init(t, NULL, path);
	t->fd = fd;
}

/*
 * read_line() over t->fd: the line from t->buf, reading more when it
 * holds no newline; -2 when t->nowait and nothing is there to read.
 */
static long
read_line_fd(struct targets *t, char *buf, size_t size, long *nul)
{
	struct pollfd pf;
	char *nl, *z;
	size_t n;
	ssize_t r;

	*nul = -1;
	for (;;) {
		nl = memchr(t->buf, '\n', t->blen);
		if (nl != NULL || t->eof || t->rerr ||
		    t->blen == sizeof(t->buf)) {
			n = nl != NULL ? (size_t)(nl - t->buf) + 1 : t->blen;
			if (n > size - 1)
				return -1;
			memcpy(buf, t->buf, n);
			buf[n] = '\0';
			z = memchr(buf, '\0', n);
			if (z != NULL)
				*nul = (long)(z - buf);
			memmove(t->buf, t->buf + n, t->blen - n);
			t->blen -= n;
			return (long)n;
		}
		if (t->nowait) {
			pf.fd = t->fd;
			pf.events = POLLIN;
			if (poll(&pf, 1, 0) == 0)
				return -2;
		}
		r = read(t->fd, t->buf + t->blen, sizeof(t->buf) - t->blen);
		if (r > 0)
			t->blen += (size_t)r;
		else if (r == 0)
			t->eof = 1;
		else if (errno == EAGAIN)
			return -2;
		else if (errno != EINTR)
			t->rerr = errno;
	}
}

/*
 * Reads one line, its newline included, into buf: returns its length, 0
 * at the end of the file or on a read error, -1 when it does not fit in
 * size - 1 bytes. *nul is the offset of its first NUL byte, or -1.
 */
static long
read_line(FILE *f, char *buf, size_t size, long *nul)
{
	size_t n = 0;
	int ch;

	*nul = -1;
	while ((ch = getc(f)) != EOF) {
		if (n + 1 >= size)
			return -1;
		if (ch == '\0' && *nul < 0)
			*nul = (long)n;
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	buf[n] = '\0';
	return ferror(f) ? 0 : (long)n;
}

int
targets_next(struct targets *t, struct endpoint *ep, char *err,
    size_t errlen)
{
	char line[TARGETS_LINE_MAX], eperr[256], *tok[3], *s, *save;
	long len, nul;
	int nt;

	while ((len = t->f != NULL ? read_line(t->f, line, sizeof(line), &nul) :
	    read_line_fd(t, line, sizeof(line), &nul)) != 0) {
		if (len == -2)
			return TARGETS_AGAIN;
		t->lineno++;
		snprintf(t->where, sizeof(t->where), "%s:%d", t->name,
		    t->lineno);
		if (len == -1) {
			snprintf(err, errlen, "%s: line too long (more than %d "
			    "characters)", t->where, TARGETS_LINE_MAX - 2);
			return -1;
		}
		if (nul >= 0) {
			snprintf(err, errlen, "%s: NUL byte at column %ld (is "
			    "this a text file?)", t->where, nul + 1);
			return -1;
		}
		/* a comment starts a line or follows a blank */
		for (s = line; *s != '\0'; s++)
			if (*s == '#' && (s == line || s[-1] == ' ' ||
			    s[-1] == '\t')) {
				*s = '\0';
				break;
			}
		nt = 0;
		for (s = strtok_r(line, " \t\r\n", &save); s != NULL;
		    s = strtok_r(NULL, " \t\r\n", &save)) {
			if (nt == 2) {
				nt++;
				break;
			}
			tok[nt++] = s;
		}
		if (nt == 0)
			continue;
		if (nt > 2) {
			snprintf(err, errlen, "%s: expected HOST:PORT or "
			    "HOST PORT, got more", t->where);
			return -1;
		}
		if ((nt == 1 ? ep_parse(tok[0], 0, ep, eperr, sizeof(eperr)) :
		    ep_parse2(tok[0], tok[1], 0, ep, eperr, sizeof(eperr))) ==
		    -1) {
			snprintf(err, errlen, "%s: %s", t->where, eperr);
			return -1;
		}
		return 1;
	}
	if (t->f != NULL ? ferror(t->f) : t->rerr != 0) {
		snprintf(err, errlen, "cannot read --targets file '%s': %s",
		    t->path, strerror(t->f != NULL ? errno : t->rerr));
		return -1;
	}
	return 0;
}

/* Fills *t from *ep; a port 0 is no destination (where: "FILE:LINE"). */
static int
target_make(const struct endpoint *ep, const char *where, struct target *t,
    char *err, size_t errlen)
{
	if (ep->port == 0 && !ep->is_unix) {
		snprintf(err, errlen, "%s%sport '%s' of '%s' is no destination "
		    "(connect needs the port a service listens on)",
		    where ? where : "", where ? ": " : "", ep->port_str,
		    ep->host);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->ep = *ep;
	if (ep->is_unix) {
		snprintf(t->disp, sizeof(t->disp), "%s", ep->host);
		(void)sa_from_unix(ep->host, &t->un);
		return 0;
	}
	snprintf(t->disp, sizeof(t->disp), strchr(ep->host, ':') ?
	    "[%s]:%s" : "%s:%s", ep->host, ep->port_str);
	return 0;
}

static int
looks_like_port(const char *s)
{
	return s[0] != '\0' && s[0] != '[' && strchr(s, ':') == NULL;
}

/*
 * The argument at s->ai into *t. "a:1 b:2" are two targets; "db 5432"
 * and "[::1] 80" are one pair: an argument that is no HOST:PORT followed
 * by one that can only be a port.
 */
static int
next_arg(struct tsrc *s, struct target *t, char *err, size_t errlen)
{
	struct endpoint ep;
	char **a = s->args + s->ai;

	if (ep_parse(a[0], 0, &ep, err, errlen) == 0) {
		s->ai++;
		return target_make(&ep, NULL, t, err, errlen);
	}
	if (s->ai + 1 < s->nargs && looks_like_port(a[1])) {
		if (ep_parse2(a[0], a[1], 0, &ep, err, errlen) == -1)
			return -1;
		s->ai += 2;
		return target_make(&ep, NULL, t, err, errlen);
	}
	return -1;
}

static int
next_line(struct tsrc *s, struct target *t, char *err, size_t errlen)
{
	struct endpoint ep;
	int rc = targets_next(&s->t, &ep, err, errlen);

	if (rc != 1)
		return rc;
	return target_make(&ep, s->t.where, t, err, errlen) == -1 ? -1 : 1;
}

int
tsrc_open(struct tsrc *s, char **args, int nargs, const char *path,
    char *err, size_t errlen)
{
	struct target t;
	struct stat st;
	off_t off0;
	int rc, e;

	memset(s, 0, sizeof(*s));
	s->args = args;
	s->nargs = nargs;
	s->fd = -1;
	while (s->ai < nargs)
		if (next_arg(s, &t, err, errlen) == -1)
			return -1;
	s->ai = 0;
	if (path == NULL)
		return 0;
	s->path = path;
	s->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	e = s->fd == -1 || fstat(s->fd, &st) == -1 ? errno :
	    S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e != 0) {
		snprintf(err, errlen, "cannot read --targets file '%s': %s",
		    path, strerror(e));
		tsrc_close(s);
		return -1;
	}
	targets_init_fd(&s->t, s->fd, path);
	s->stream = !S_ISREG(st.st_mode);
	if (s->stream)
		return 0;
	/* a regular file: a bad line fails the run before any probe */
	off0 = lseek(s->fd, 0, SEEK_CUR);
	while ((rc = next_line(s, &t, err, errlen)) == 1)
		;
	if (rc == -1 || off0 == -1 || lseek(s->fd, off0, SEEK_SET) == -1) {
		if (rc != -1)
			snprintf(err, errlen, "cannot read --targets file '%s' "
			    "again: %s", path, strerror(errno));
		tsrc_close(s);
		return -1;
	}
	targets_init_fd(&s->t, s->fd, path);
	return 0;
}

int
tsrc_next(struct tsrc *s, int nowait, struct target *t, char *err,
    size_t errlen)
{
	int rc;

	if (s->ai < s->nargs)
		rc = next_arg(s, t, err, errlen) == -1 ? -1 : 1;
	else if (s->fd == -1)
		return 0;
	else {
		s->t.nowait = nowait;
		rc = next_line(s, t, err, errlen);
	}
	if (rc == 1)
		s->count++;
	return rc;
}

void
tsrc_close(struct tsrc *s)
{
	if (s->fd > 0)
		close(s->fd);
	s->fd = -1;
}
