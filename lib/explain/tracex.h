/*
 * Diagnosis for `sockctl trace`: a traced program's failed socket call,
 * its lifecycle problems, and an attach the kernel refused, each as a
 * struct result with the diagnosis table's reason, cause and fix and the
 * same evidence the probes gather (ev_bind_how for a held port,
 * evconn_explain for a refused connect, lib/evunix for a path). Called
 * while the failing thread is still held, so the evidence is of that
 * moment. Never prints.
 */
#ifndef SOCKCTL_TRACEX_H
#define SOCKCTL_TRACEX_H

#include "result.h"
#include "ptrace.h"
#include "tsock.h"

/* The lib/reason.h stage of a trace stage (ST_CLOSE for shutdown). */
enum stage	tx_stage(enum ts_stage st);

/*
 * Fills r (initialised by the caller) for the failed call e: target,
 * address, stage, errno, reason, cause and fix with this machine's
 * evidence, and "pid", "tid", "fd", "learned" in r->extra.
 */
void	tx_fail(const struct ev_env *c, const struct ts_event *e,
	    struct result *r);

/* Fills r for the lifecycle problem e (close-wait-leak, ...). */
void	tx_problem(const struct ev_env *c, const struct ts_event *e,
	    struct result *r);

/*
 * Fills r for an attach to pid that the kernel refused (permission-denied
 * with what stood in the way) or that found no process (error).
 */
void	tx_attach(const struct ev_env *c, pid_t pid, const struct pt_why *w,
	    struct result *r);

/* "127.0.0.1:80", "/run/x.sock", "@name", or "" for no address. */
void	tx_addr(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
