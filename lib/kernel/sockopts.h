/*
 * The limits of a wait, read from another process's own socket: a
 * duplicate of its descriptor through pidfd_open() + pidfd_getfd() (the
 * right to ptrace it is needed), closed at once. Never SO_ERROR: reading
 * it clears the error the process has yet to learn. Never prints.
 */
#ifndef SOCKCTL_SOCKOPTS_H
#define SOCKCTL_SOCKOPTS_H

#include <stdint.h>
#include <sys/socket.h>

struct sockopts {
	int			 domain, type, protocol;
	struct sockaddr_storage	 local, remote;	/* remote: family 0 none */
	long			 rcvtimeo_ms;	/* SO_RCVTIMEO, 0: none */
	long			 sndtimeo_ms;	/* SO_SNDTIMEO (connect too) */
	int			 keepalive;	/* SO_KEEPALIVE */
	int			 keepidle, keepintvl, keepcnt;	/* s, s, n;
						 * -1 unknown */
	long			 user_timeout_ms;	/* TCP_USER_TIMEOUT,
						 * 0: none, -1 unknown */
	int			 syncnt;	/* TCP_SYNCNT: SYN retries, -1 */
	int			 rcvbuf;	/* SO_RCVBUF (as doubled) */
	int			 has_info;	/* TCP: the fields below */
	int			 state;		/* tcpi_state */
	unsigned		 retransmits;	/* tcpi_retransmits */
	uint32_t		 total_retrans;
	uint32_t		 last_data_recv;	/* ms */
	uint32_t		 rto_ms;
};

/*
 * Reads the options of pid's descriptor fd into *o. Returns 0, or -1 with
 * errno set: EPERM/EACCES (not ours to duplicate: root would), ESRCH (the
 * process is gone), EBADF (no such descriptor), ENOTSOCK, ENOSYS (a kernel
 * older than 5.6).
 */
int	sockopts_read(int pid, int fd, struct sockopts *o);

/*
 * pidfd_open(2) and pidfd_getfd(2), which glibc and musl may not wrap:
 * a pidfd of process pid, and a duplicate of its descriptor fd (the
 * right to ptrace it is needed). Each returns -1 with errno on failure.
 */
int	pidfd_of(int pid);
int	pidfd_dup(int pidfd, int fd);

#endif
