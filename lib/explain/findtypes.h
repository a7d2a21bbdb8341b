/*
 * The types lib/findings shares with the modules that judge and word its
 * findings (findpriv.h) and with its callers (findings.h): the run's
 * configuration and a line of the summary. Includes nothing of findings.
 */
#ifndef SOCKCTL_FINDTYPES_H
#define SOCKCTL_FINDTYPES_H

#include <stdint.h>
#include <sys/socket.h>

#include "esc.h"
#include "owners.h"
#include "unixdiag.h"
#include "procnet.h"

#define FINDINGS_NSTATES	(PN_NEW_SYN_RECV + 1)

struct findings_cfg {
	const char	*root;
	int64_t		 sample_ms;	/* 0: one read */
	int		 whole;		/* no target, no --pid: the machine */
};

/*
 * A line of the summary: a listener and its port, a process, the sockets
 * no process holds (closed, the kernel finishes them), those of a process
 * not seen here (another user's, hidden from this one; another
 * namespace's), or a Unix path.
 */
enum fg_kind { FG_LISTEN, FG_PROC, FG_NOPROC, FG_UNSEEN, FG_UNIX };

struct findings_group {
	enum fg_kind		 kind;
	struct sockaddr_storage	 local;		/* FG_LISTEN */
	char			 path[ESC_SIZE(UNIXDIAG_NAME_MAX)];
						/* FG_UNIX: the name, escaped
						 * for text (esc_text()) */
	unsigned long		 qlen, backlog;	/* FG_LISTEN, FG_UNIX */
	int			 has_backlog;
	struct owners_proc	*proc;		/* NULL: not seen */
	unsigned		 uid;
	long			 states[FINDINGS_NSTATES];
	long			 synrecv;	/* FG_LISTEN: SYN_RECV */
	struct sockaddr_storage	 syn_from;	/* the first one's peer */
	int			 syn_many;	/* from several addresses */
	uint64_t		 cookie;	/* FG_LISTEN: 1 when full at the
						 * first read */
	unsigned long		 ino;		/* the listener's inode */
	int			 nshare;	/* processes that hold it */
	/* the accept queue: connections no process holds yet */
	long			 queued;	/* at the last read */
	long			 stuck;		/* of them, queued at both */
	long			 gaveup;	/* stuck, and the client closed */
	long			 accepted;	/* queued at the first read,
						 * accepted by the last */
	uint32_t		 oldest_ms;	/* the longest a stuck one waited
						 * (last ACK from it); 0 unknown */
	int			 hide;		/* not a line of the summary */
	/* FG_UNIX listener: its path no longer leads to it */
	int			 file_gone;	/* 1 removed, 2 another file */
	unsigned		 file_mode;	/* 2: that file's st_mode */
};

#endif
