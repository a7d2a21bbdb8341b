/*
 * Command-line options: one table per command drives both parsing and
 * --help. The global options (SPEC "Invocation") are accepted by every
 * command, before or after its name.
 */
#ifndef SOCKCTL_OPT_H
#define SOCKCTL_OPT_H

#include <stdint.h>

#include "out.h"

enum opt_type {
	OT_FLAG,	/* int *, set to 1 */
	OT_DUR,		/* int64_t * milliseconds, via dur_parse() */
	OT_INT,		/* long long *, checked against min..max */
	OT_STR,		/* const char ** */
	OT_END,
};

struct opt {
	const char	*lng;	/* "hold", without dashes; NULL ends the table */
	char		 shrt;	/* 'c', or 0 */
	enum opt_type	 type;
	void		*dst;
	const char	*arg;	/* placeholder in --help: "DUR", "N" */
	const char	*help;
	long long	 min, max;	/* OT_INT; OT_DUR: min 1 refuses 0 */
	int		*seen;	/* when not NULL, set to 1 if given */
};

struct cmd_help {
	const char	*name;		/* "probe-bind" */
	const char	*synopsis;	/* "[OPTIONS] [ADDRESS:]PORT" */
	const char	*summary;	/* one line */
	const char	*detail;	/* paragraphs after the options, or NULL */
};

/*
 * Parses argv[1..argc-1] against opts and the global options, filling c
 * and the opts' destinations. Positional arguments are moved to the front
 * of argv[1..]: their count goes to *npos, so they are argv[1..*npos].
 * Returns 0, 1 when --help was printed (exit 0), or 2 after printing a
 * usage error that names the option and value.
 */
int	opt_parse(struct ctx *c, const struct cmd_help *h,
	    const struct opt *opts, int argc, char **argv, int *npos);

/* Prints the help of a command generated from h and opts to f. */
void	opt_help(FILE *f, const struct cmd_help *h, const struct opt *opts);

/*
 * Parses one global option, argv[*i], before the command name. Returns 0,
 * 1 for --help, 2 after a usage error, or -1 when it is no global option.
 */
int	opt_global(struct ctx *c, int argc, char **argv, int *i);

/* Prints the global options' help lines. */
void	opt_global_help(FILE *f);

/*
 * Parses a duration for option name, printing a usage error naming both
 * on failure. Returns 0 or 2.
 */
int	opt_dur(const struct ctx *c, const char *name, const char *val,
	    int64_t *ms);

#endif
