/*
 * Log queues: the servers' output (log lines on stdout, the -v trace and
 * notices on stderr) written without ever blocking the event loop.
 *
 * Each queue holds at most LOGQ_CAP bytes of whole lines for one output
 * fd. A line is written at once when the fd takes it; what the fd cannot
 * take waits in the queue and the loop watches the fd until it drains.
 * When a line does not fit the line is dropped and counted, and the next
 * line that fits is preceded by a note saying how many were dropped.
 *
 * The fd is never switched to O_NONBLOCK, since that flag belongs to the
 * open file description, shared with every process holding the pipe or
 * the tty. A pipe or a tty is opened again through /proc/self/fd/N for a
 * description of our own with O_NONBLOCK; a socket is written with
 * MSG_DONTWAIT; a regular file or a device such as /dev/null is written
 * as it is (it never waits for a reader). When the reopen fails, a write
 * is only tried after poll() says the fd has room, at most PIPE_BUF bytes.
 *
 * This is a printing module, like out.c: it writes to the fds it is given.
 */
#ifndef SOCKCTL_LOGQ_H
#define SOCKCTL_LOGQ_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define LOGQ_CAP	(64 * 1024)	/* bytes held per queue */

/*
 * io is the fd written (fd itself, or a private open of it), watched
 * while lines wait; l the loop (NULL: none); name ("stdout") and what
 * ("log lines") word the note, a JSON event of json_cmd when set; the
 * bytes waiting are buf[off, off + len); dropped counts the lines lost,
 * unsaid those not yet noted in the stream; err is the errno of a failed
 * write, after which every line is dropped.
 */
struct logq {
	struct loop_io	 io;
	struct loop	*l;
	int		 fd;
	int		 how;
	const char	*name;
	const char	*what;
	const char	*json_cmd;
	char		*buf;
	size_t		 off, len;
	uint64_t	 dropped;
	uint64_t	 unsaid;
	int		 err;
};

/*
 * Makes q a queue for fd, named name ("stdout") holding what ("log
 * lines"); with json_cmd the dropped-lines note is a JSON event of that
 * command, otherwise a text line. Returns 0, or -1 with errno set (no
 * memory).
 */
int	logq_open(struct logq *q, int fd, const char *name, const char *what,
	    const char *json_cmd);

/* The loop that watches q's fd while lines wait; NULL detaches. */
void	logq_attach(struct logq *q, struct loop *l);

/*
 * Queues one line (n bytes; a newline is added when nl is set) and writes
 * what the fd takes now. Returns 0, or -1 when the line was dropped.
 */
int	logq_put(struct logq *q, const char *s, size_t n, int nl);

/* logq_put() of a formatted line; fmt ends with its newline. */
int	logq_printf(struct logq *q, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* As a line sink for out.c (struct ctx's errsink): arg is the queue. */
void	logq_sink(void *arg, const char *s, size_t n);

/* Writes what the fd takes now; never waits. */
void	logq_flush(struct logq *q);

/* Lines dropped so far: not queued, or lost to a failed write. */
uint64_t logq_dropped(const struct logq *q);

/*
 * A last logq_flush(), then frees q (a private fd is closed, the fd given
 * is not). Returns the lines dropped in all, counting those that were
 * still waiting and are lost now.
 */
uint64_t logq_close(struct logq *q);

/*
 * For a server's text summary: ", N log lines dropped, M stderr lines
 * dropped", each part only when not 0 (so "" when nothing was).
 */
void	logq_drops(char *buf, size_t size, uint64_t out, uint64_t err);

/*
 * A server's two queues, once its listening line is out: stdout's (log
 * lines; dropped-lines notes as JSON with --json) and stderr's, which
 * c's out_trace(), out_err() and out_note() write into from now on; both
 * attached to l. Returns 0, or -1 with errno set (no memory).
 */
struct ctx;
int	logq_begin(struct ctx *c, struct logq *out, struct logq *err,
	    struct loop *l);

/*
 * After the server's last line (its summary): writes what the fds take
 * without waiting, says on stderr how many log lines were dropped, or
 * that stdout failed (then an rc of 0 becomes 1: the results are lost),
 * and closes both queues; c writes to stderr directly again. Returns rc.
 */
int	logq_end(struct ctx *c, struct logq *out, struct logq *err, int rc);

#endif
