/*
 * What the load generators in bench/ share: a monotonic clock, the byte
 * pattern every stream is checked against, a latency histogram, the CPU
 * time and resident set of a process group read from /proc, and small
 * socket helpers. libc only; loopback only.
 */
#ifndef SOCKCTL_BENCH_H
#define SOCKCTL_BENCH_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * The pattern: PAT_LEN pseudo-random bytes, followed by a copy of its
 * first PAT_TAIL bytes, so that any PAT_TAIL bytes of the endless stream
 * pat[i % PAT_LEN] are contiguous at pat_at(i). PAT_LEN is odd and not
 * a power of two, so a lost or repeated block of any usual buffer size
 * shifts the stream and is caught.
 */
#define PAT_LEN		((1u << 20) + 13)
#define PAT_TAIL	(1u << 20)

extern unsigned char	*bench_pat;

void	 pat_init(uint64_t seed);

static inline const unsigned char *
pat_at(uint64_t off)
{
	return bench_pat + off % PAT_LEN;
}

/*
 * Compares n received bytes with the stream at off. Returns -1 when they
 * match, else the index of the first byte that differs.
 */
long	 pat_check(uint64_t off, const unsigned char *p, size_t n);

/*
 * As pat_check(), against pat: a copy of the pattern (PAT_LEN + PAT_TAIL
 * bytes) changed the way a server changes it (bulk -u: upper-cased).
 */
long	 pat_check_in(const unsigned char *pat, uint64_t off,
	    const unsigned char *p, size_t n);

int64_t	 now_ns(void);

/* Log-linear histogram of nanosecond values: 16 steps per power of 2. */
#define HIST_SUB	16
#define HIST_N		(64 * HIST_SUB)
struct hist {
	uint64_t	 b[HIST_N];
	uint64_t	 n;
	int64_t		 max;
	double		 sum;
};

void	 hist_add(struct hist *, int64_t ns);
/* Returns the value (ns) below which a fraction q of the samples lie. */
int64_t	 hist_q(const struct hist *, double q);

/* CPU time and resident set of every process of a process group. */
struct pgstat {
	double		 cpu_s;		/* user+system, reaped children too */
	long		 rss_kb;	/* summed: shared pages count twice */
	int		 nproc;
};

/* Fills *st for process group pgid (0: zeros). Returns 0 or -1. */
int	 pg_read(pid_t pgid, struct pgstat *st);

/* Raises the soft fd limit as far as it goes; returns it. */
long	 raise_nofile(void);

/* Parses HOST (numeric IPv4) and PORT; exits with a message when bad. */
void	 parse_target(const char *host, const char *port,
	    struct sockaddr_in *sin);

/*
 * A stream load generator's target: HOST PORT as for parse_target(), or
 * HOST "unix" and PORT the path of a Unix stream socket.
 */
struct bench_dest {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

void	 parse_dest(const char *host, const char *port, struct bench_dest *d);

/*
 * A non-blocking Unix stream socket listening on path (the largest backlog
 * the kernel takes); exits with a message when it cannot.
 */
int	 unix_listen(const char *path);

/* Prints "name: message" to stderr and exits 2. */
void	 die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Parses a non-negative number argument of option o; exits when bad. */
double	 num_arg(int o, const char *s);

extern const char	*bench_name;

#endif
