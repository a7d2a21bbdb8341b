/*
 * The exporter's answers in either exposition format, into memory: the
 * OpenMetrics 1.0.0 text (what --openmetrics prints, lib/om) or the
 * Prometheus text format 0.0.4, chosen per request by its Accept header.
 * They differ in a counter's TYPE line (OpenMetrics names the family
 * without "_total"), the UNIT line and the "# EOF" end, which only
 * OpenMetrics has. The caller writes a family's samples together, each
 * label set once (a family's samples are checked for that here: a
 * repeated one is dropped and counted). Part of the printing tier: it
 * only composes text.
 */
#ifndef SOCKCTL_EXPO_H
#define SOCKCTL_EXPO_H

#include <stddef.h>

#include "om.h"

#define EXPO_CT_OM	"application/openmetrics-text; version=1.0.0; " \
			"charset=utf-8"
#define EXPO_CT_TEXT	"text/plain; version=0.0.4; charset=utf-8"

enum expo_type { EXPO_GAUGE, EXPO_COUNTER };

struct expo {
	int		 om;		/* OpenMetrics, else text 0.0.4 */
	char		*buf;
	size_t		 len, cap;
	size_t		 max;		/* the most bytes; past it: full */
	int		 full;		/* a write did not fit: dropped */
	int		 in_family;
	char		 family[96];	/* the family being written */
	enum expo_type	 type;
	/* label sets of the family so far (hashes), to refuse a repeat */
	unsigned long	*seen;
	size_t		 nseen, capseen;
	size_t		 dups;		/* samples dropped as repeats */
};

/* Starts x empty, in OpenMetrics when om, holding at most max bytes. */
void	expo_init(struct expo *x, int om, size_t max);
void	expo_free(struct expo *x);

/*
 * Starts family name (for a counter without "_total") of type t with
 * help text and unit ("seconds", or NULL).
 */
void	expo_family(struct expo *x, const char *name, enum expo_type t,
	    const char *unit, const char *help);

/*
 * One sample of the current family with the n labels l (values escaped)
 * and value v; a counter's sample gets "_total". Returns 0, or -1 when a
 * sample with the same labels came first (dropped).
 */
int	expo_sample(struct expo *x, const struct om_label *l, size_t n,
	    double v);

/* Ends the exposition ("# EOF" for OpenMetrics). */
void	expo_end(struct expo *x);

/* The content type of x's format. */
const char *expo_ctype(const struct expo *x);

#endif
