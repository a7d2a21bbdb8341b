/*
 * OpenMetrics output (--openmetrics): the text exposition format that
 * Prometheus's node_exporter textfile collector reads. Part of the
 * printing tier with lib/cli/out: out_result() hands each result to
 * om_result(), and out_finish() writes everything with om_write() at the
 * end, since OpenMetrics wants every sample of a family together and the
 * results of a command arrive one target at a time.
 */
#ifndef SOCKCTL_OM_H
#define SOCKCTL_OM_H

#include <stddef.h>
#include <stdio.h>

struct result;

/*
 * The metric families, in the order they are written. All are gauges: a
 * textfile is a snapshot that the next run replaces.
 */
enum om_family {
	/* one sample per probe result (probe-bind, probe-connect, probe-udp) */
	OM_PROBE_SUCCESS,	/* sockctl_probe_success 1/0 */
	OM_PROBE_DURATION,	/* sockctl_probe_duration_seconds */
	OM_PROBE_EXIT,		/* sockctl_probe_exit_code */
	OM_PROBE_FAILURE,	/* sockctl_probe_failure{reason} 1, or 0 for ok */
	/*
	 * inspect (SPEC "inspect"; not built yet): its summary and findings
	 * go here through om_sample(), with labels command, target and the
	 * ones named below; nothing is written for a family without samples.
	 */
	OM_SOCKETS,		/* sockctl_sockets{state} per port/process */
	OM_LISTEN_QLEN,		/* sockctl_listen_queue_length per listener */
	OM_LISTEN_BACKLOG,	/* sockctl_listen_backlog per listener */
	OM_FINDING,		/* sockctl_finding{reason} 1 per finding */
	OM_THREADS_WAITING,	/* sockctl_threads_waiting{pid,syscall} */
	OM__COUNT
};

/* One label: name and value (the value is escaped when written). */
struct om_label {
	const char	*name;
	const char	*value;
};

struct om;

/* Returns an empty collection; out of memory exits via nomem_exit(). */
struct om	*om_new(void);
void		 om_free(struct om *om);

/*
 * Adds one sample of family f with the n labels l and value v. Returns 0,
 * or -1 when a sample with the same family and label values is already
 * there (OpenMetrics allows a series once; the first one stays).
 */
int	om_sample(struct om *om, enum om_family f, const struct om_label *l,
	    size_t n, double v);

/*
 * Adds the four probe samples of r, labelled command (cmd unless
 * r->command is set), target and address (empty when r has none).
 * Returns 0, or -1 when a result with the same labels came first (a target
 * given twice): its samples are kept and r's dropped.
 */
int	om_result(struct om *om, const struct result *r, const char *cmd);

/* Returns the number of samples added. */
size_t	om_count(const struct om *om);

/*
 * Writes the exposition to f: per family with samples its # TYPE, # UNIT
 * and # HELP lines and then its samples, and "# EOF" last. Returns 0, or
 * -1 when a write failed (errno set).
 */
int	om_write(const struct om *om, FILE *f);

/*
 * Appends v to buf (of size len, NUL-terminated) escaped as an OpenMetrics
 * label value wants: backslash, double quote and newline as \\ \" \n, and
 * a byte that is no valid UTF-8 as U+FFFD. Returns the length needed
 * (like snprintf); the result is truncated when that is len or more.
 */
size_t	om_escape(char *buf, size_t len, const char *v);

#endif
