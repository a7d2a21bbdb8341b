#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "resolve.h"

struct rs_req {
	pthread_mutex_t	 mu;
	int		 done;
	int		 abandoned;
	int		 wfd;
	int		 family;
	char		 host[HOST_MAX];
	struct addrinfo	*res;
	int		 eai;
	int		 err;
	int64_t		 end_ns;
};

int
rs_sync(const char *host, int family, struct addrinfo **res)
{
	struct addrinfo hints;
	int eai, fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/*
	 * No AI_ADDRCONFIG: it hides ::1 on a host whose only IPv6 address
	 * is loopback, and a dual-stack diagnosis needs every address.
	 */
	*res = NULL;
	eai = getaddrinfo(host, NULL, &hints, res);
	if (eai == 0 || eai == EAI_SYSTEM || eai == EAI_MEMORY)
		return eai;
	/*
	 * With no descriptor left NSS cannot open /etc/hosts nor a socket to
	 * the nameserver, and glibc then answers EAI_NONAME or EAI_AGAIN as
	 * if the name did not exist: check, and say what really happened.
	 */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd == -1 && (errno == EMFILE || errno == ENFILE))
		return EAI_SYSTEM;
	if (fd != -1)
		close(fd);
	return eai;
}

static void *
rs_thread(void *arg)
{
	struct rs_req *r = arg;
	struct addrinfo *res = NULL;
	int eai, err, ab, wfd;

	eai = rs_sync(r->host, r->family, &res);
	err = eai == EAI_SYSTEM ? errno : 0;
	pthread_mutex_lock(&r->mu);
	r->res = res;
	r->eai = eai;
	r->err = err;
	r->end_ns = clock_ns();
	r->done = 1;
	ab = r->abandoned;
	wfd = r->wfd;
	pthread_mutex_unlock(&r->mu);
	if (ab) {
		if (res != NULL)
			freeaddrinfo(res);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	/* the reader drains the pipe; a full pipe already means "look" */
	(void)!write(wfd, "r", 1);
	return NULL;
}

struct rs_req *
rs_start(const char *host, int family, int wfd)
{
	struct rs_req *r;
	pthread_attr_t at;
	pthread_t tid;
	int rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	r->wfd = wfd;
	r->family = family;
	strncpy(r->host, host, sizeof(r->host) - 1);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &at, rs_thread, r);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		pthread_mutex_destroy(&r->mu);
		free(r);
		errno = rc;
		return NULL;
	}
	return r;
}

int
rs_collect(struct rs_req *r, struct addrinfo **res, int *eai, int *err,
    int64_t *end_ns)
{
	int done;

	pthread_mutex_lock(&r->mu);
	done = r->done;
	pthread_mutex_unlock(&r->mu);
	if (!done)
		return 0;
	/* done is never cleared: the thread no longer touches r */
	*res = r->res;
	*eai = r->eai;
	*err = r->err;
	*end_ns = r->end_ns;
	pthread_mutex_destroy(&r->mu);
	free(r);
	return 1;
}

void
rs_abandon(struct rs_req *r)
{
	int done;

	pthread_mutex_lock(&r->mu);
	done = r->done;
	r->abandoned = 1;
	pthread_mutex_unlock(&r->mu);
	if (done) {
		if (r->res != NULL)
			freeaddrinfo(r->res);
		pthread_mutex_destroy(&r->mu);
		free(r);
	}
}

int
rs_lookup(const char *host, int family, int64_t ms, struct addrinfo **res,
    int *err, double *waited_ms)
{
	struct rs_req *rq;
	struct pollfd p;
	int64_t t0 = clock_ns(), end;
	int pfd[2], eai = 0, rc;

	*res = NULL;
	*err = 0;
	*waited_ms = 0;
	if (pipe2(pfd, O_CLOEXEC) == -1 || (rq = rs_start(host, family,
	    pfd[1])) == NULL) {
		/* no thread or no pipe: resolve in place, unbounded */
		rc = rs_sync(host, family, res);
		*err = errno;
		return rc;
	}
	p.fd = pfd[0];
	p.events = POLLIN;
	do {
		int64_t left = ms - (clock_ns() - t0) / 1000000;

		rc = poll(&p, 1, left < 0 ? 0 : left > INT_MAX ? INT_MAX :
		    (int)left);
	} while (rc == -1 && errno == EINTR);
	*waited_ms = (double)(clock_ns() - t0) / 1e6;
	if (rc <= 0) {
		/* its thread writes to pfd[1] when getaddrinfo returns, so
		 * both ends stay open until exit */
		rs_abandon(rq);
		*err = ETIMEDOUT;
		return RS_CUT;
	}
	(void)rs_collect(rq, res, &eai, err, &end);
	close(pfd[0]);
	close(pfd[1]);
	return eai;
}

/* rs_addrs() for one family (0: both). */
static int
take(const struct addrinfo *res, int family, int port,
    struct sockaddr_storage *out, int max)
{
	int n = 0;

	for (const struct addrinfo *ai = res; ai != NULL && n < max;
	    ai = ai->ai_next) {
		int dup = 0;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    (family != 0 && ai->ai_family != family) ||
		    ai->ai_addrlen > sizeof(out[n]))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(&out[n], ai->ai_addr, ai->ai_addrlen);
		sa_set_port((struct sockaddr *)&out[n], port);
		for (int i = 0; i < n && !dup; i++)
			dup = sa_same_addr((struct sockaddr *)&out[i],
			    (struct sockaddr *)&out[n]);
		if (!dup)
			n++;
	}
	return n;
}

int
rs_addrs(const struct addrinfo *res, int port, struct sockaddr_storage *out,
    int max)
{
	return take(res, 0, port, out, max);
}

int
rs_interleave(const struct addrinfo *res, int port,
    struct sockaddr_storage *out, int max)
{
	struct sockaddr_storage fam[2][RS_MAX_ADDRS];
	int nf[2], first, n = 0;

	if (max > RS_MAX_ADDRS)
		max = RS_MAX_ADDRS;
	if (take(res, 0, port, fam[0], 1) == 0)
		return 0;
	first = fam[0][0].ss_family == AF_INET6;
	nf[0] = take(res, AF_INET, port, fam[0], max);
	nf[1] = take(res, AF_INET6, port, fam[1], max);
	for (int i = 0; n < max && (i < nf[0] || i < nf[1]); i++) {
		if (i < nf[first] && n < max)
			out[n++] = fam[first][i];
		if (i < nf[!first] && n < max)
			out[n++] = fam[!first][i];
	}
	return n;
}
