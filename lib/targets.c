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

int
targets_next(struct targets *t, struct endpoint *ep, char *err,
    size_t errlen)
{
	char line[TARGETS_LINE_MAX], eperr[256], *tok[3], *s, *save;
	int nt;

	while (fgets(line, sizeof(line), t->f) != NULL) {
		t->lineno++;
		snprintf(t->where, sizeof(t->where), "%s:%d", t->name,
		    t->lineno);
		if (strchr(line, '\n') == NULL && !feof(t->f)) {
			snprintf(err, errlen, "%s: line too long", t->where);
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
