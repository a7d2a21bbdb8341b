#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "targets.h"

void
targets_init(struct targets *t, FILE *f, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->path = path;
	t->name = strcmp(path, "-") == 0 ? "stdin" : path;
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

	while ((len = read_line(t->f, line, sizeof(line), &nul)) != 0) {
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
	if (ferror(t->f)) {
		snprintf(err, errlen, "cannot read --targets file '%s': %s",
		    t->path, strerror(errno));
		return -1;
	}
	return 0;
}
