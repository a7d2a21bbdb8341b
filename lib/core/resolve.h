/*
 * getaddrinfo() off the caller's thread, so an event loop can resolve
 * several names at once, time them, and give up on a resolver that does
 * not answer. Numeric addresses never come here (see sa_from_numeric()).
 */
#ifndef SOCKCTL_RESOLVE_H
#define SOCKCTL_RESOLVE_H

#include <netdb.h>
#include <stdint.h>
#include <sys/socket.h>

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

/* rs_lookup()'s answer when no answer came in time. */
#define RS_CUT	1

/*
 * Resolves host waiting at most ms milliseconds: the one bounded lookup
 * for commands without an event loop of their own. Returns
 * getaddrinfo()'s code with *res (the caller's to free), or RS_CUT when
 * no answer came in time (*err ETIMEDOUT; the lookup's thread is left to
 * finish on its own). *err is errno for EAI_SYSTEM; *waited_ms says how
 * long it waited.
 */
int		 rs_lookup(const char *host, int family, int64_t ms,
		    struct addrinfo **res, int *err, double *waited_ms);

/*
 * Copies the IPv4 and IPv6 addresses of res, each once and in the
 * resolver's order, into out (at most max) with port set. Returns how
 * many.
 */
int		 rs_addrs(const struct addrinfo *res, int port,
		    struct sockaddr_storage *out, int max);

/* The most addresses rs_interleave() orders. */
#define RS_MAX_ADDRS	16

/*
 * rs_addrs() in RFC 8305 section 4's order: the families alternate,
 * starting with the family of the resolver's first answer.
 */
int		 rs_interleave(const struct addrinfo *res, int port,
		    struct sockaddr_storage *out, int max);

#endif
