/*
 * Evidence for running out of descriptors or memory, at any stage of any
 * command: the limits of this process and of the machine.
 */
#ifndef SOCKCTL_EVLIMITS_H
#define SOCKCTL_EVLIMITS_H

#include "result.h"

/*
 * Appends to r's cause what is known of the limit behind a resource error
 * err: the open-files limits and the system file table for EMFILE and
 * ENFILE; the address-space limit (ulimit -v) and how much of it is used
 * for ENOMEM, ENOBUFS and EAGAIN (a thread that could not start). Nothing
 * it could not read.
 */
void	evlimits_explain(const struct ev_env *c, struct result *r, int err);

#endif
