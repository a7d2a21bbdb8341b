/*
 * Evidence for Unix domain sockets, the diagnosis tier: what a failed
 * connect or bind to a path (or an abstract name) meets on this machine
 * -- the deepest directory that exists and the sockets in it, a stale
 * socket file and its age, the process bound to the name, a full accept
 * queue, the path component that refuses and the groups this process
 * lacks -- as the cause and fix of a struct result. Reached through the
 * table's hooks DH_UNIX_CONNECT and DH_UNIX_BIND. A path with no live
 * socket (a link, a directory, a similar name) is worded by evupath, a
 * refused permission by evuperm. It never prints.
 */
#ifndef SOCKCTL_EVUNIX_H
#define SOCKCTL_EVUNIX_H

#include <sys/socket.h>

#include "result.h"

/*
 * Appends to r the cause and fix of a connect of type (SOCK_STREAM,
 * SOCK_DGRAM) to the AF_UNIX address sa that failed with err (dx its
 * DX_UNIX_ condition). Sets nothing else of r.
 */
void	evunix_connect(const struct ev_env *c, const struct sockaddr *sa,
	    int type, int dx, int err, struct result *r);

/*
 * Appends to r the cause and fix of a datagram probe of the AF_UNIX
 * address sa: a failed connect (err, its DX_UNIX_ condition dx), a
 * receiver whose queue stayed full (DX_UNIX_DGRAM_FULL), or sent datagrams
 * that got no reply (DX_UNIX_SILENCE): who holds the socket, whether it
 * reads.
 */
void	evunix_dgram(const struct ev_env *c, const struct sockaddr *sa, int dx,
	    int err, long long sent, struct result *r);

/*
 * Records in r a bind of type to sa that failed with err at stage st:
 * stage, errno, the DX_UNIX_ condition, the cause and fix with what holds
 * the path (appending "owners", a list or null, to r->extra), then the
 * table's words for what is left (result_diagnose()).
 */
void	evunix_bind(const struct ev_env *c, const struct sockaddr *sa, int type,
	    int st, int err, struct result *r);

/*
 * Whether --wait can end a failed connect of the AF_UNIX address sa (its
 * DX_UNIX_ condition dx): 0 when waiting cannot help -- the path is a
 * directory, or its links loop -- else 1 (any other address: 1).
 */
int	evunix_waitable(const struct sockaddr *sa, int dx);

/* Appends "peer": {pid, command, user} (pid 0 or has 0: null) to jb. */
void	evunix_peer_json(struct jbuf *jb, int has, int pid, const char *comm,
	    const char *user);

#endif
