/*
 * getaddrinfo() off the caller's thread, so an event loop can resolve
 * several names at once, time them, and give up on a resolver that does
 * not answer. Numeric addresses never come here (see sa_from_numeric()).
 */
#ifndef SOCKCTL_RESOLVE_H
#define SOCKCTL_RESOLVE_H

#include <netdb.h>
#include <stdint.h>

struct rs_req;

/*
 * Starts resolving host for TCP (family AF_UNSPEC, AF_INET or AF_INET6) on
 * a thread of its own; when it is done one byte is written to wfd. Returns
 * the request, or NULL with errno set (then resolve in place instead).
 */
struct rs_req	*rs_start(const char *host, int family, int wfd);

/*
 * Returns 0 while req is still running. When it is done returns 1 and
 * gives *res (the caller's to freeaddrinfo(), NULL on failure), *eai (0 or
 * an EAI_ code), *err (errno for EAI_SYSTEM) and *end_ns (clock_ns() when
 * getaddrinfo returned), and frees req.
 */
int		 rs_collect(struct rs_req *req, struct addrinfo **res,
		    int *eai, int *err, int64_t *end_ns);

/*
 * Gives up on req: the caller never touches it again, and its thread
 * frees it when getaddrinfo() returns (wfd must stay open until then).
 */
void		 rs_abandon(struct rs_req *req);

/*
 * Resolves host in place, with the hints rs_start() uses. Returns
 * getaddrinfo()'s code; a failure with no descriptor left (where glibc
 * would say the name does not exist) is EAI_SYSTEM with errno EMFILE or
 * ENFILE.
 */
int		 rs_sync(const char *host, int family, struct addrinfo **res);

#endif
