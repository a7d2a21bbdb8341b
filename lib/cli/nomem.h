/*
 * Memory ran out where no result can be built any more: the one place
 * sockctl exits from below a command.
 */
#ifndef SOCKCTL_NOMEM_H
#define SOCKCTL_NOMEM_H

struct jbuf;

/*
 * Says so on stderr, naming what was being allocated and the
 * address-space limit (ulimit -v), and exits with resource-limit's code
 * (12). Never returns.
 */
void	nomem_exit(const char *what) __attribute__((noreturn));

/* nomem_exit() when building jb ran out of memory (jb->nomem). */
void	nomem_check(const struct jbuf *jb);

#endif
