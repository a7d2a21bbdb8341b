#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"
#include "esc.h"
#include "json.h"
#include "sock.h"
#include "traceout.h"
#include "tracex.h"

/* one or many: "1 call", "2 calls" */
static const char *
s_(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "6 bytes in 1 call"; bytes the kernel counted that no call the trace
 * saw moved (read()/write() without -v) are bytes alone */
static void
put_count(FILE *f, uint64_t bytes, uint64_t calls)
{
	fprintf(f, "%llu %s", (unsigned long long)bytes,
	    s_(bytes, "byte", "bytes"));
	if (calls > 0 || bytes == 0)
		fprintf(f, " in %llu %s", (unsigned long long)calls,
		    s_(calls, "call", "calls"));
}

static const char *
type_word(int type)
{
	switch (type) {
	case SOCK_STREAM:	return "stream";
	case SOCK_DGRAM:	return "dgram";
	case SOCK_SEQPACKET:	return "seqpacket";
	case SOCK_RAW:		return "raw";
	default:		return "other";
	}
}

/* An address for a terminal: a Unix path may hold anything. */
static void
put_addr(FILE *f, const struct sockaddr_storage *ss)
{
	char a[ADDRSTR_MAX], e[ADDRSTR_MAX * ESC_TERM_GROWTH + 1];
	size_t used;

	tx_addr(ss, a, sizeof(a));
	if (a[0] == '\0') {
		fputs(ss->ss_family == AF_UNIX ? "(unnamed)" : "-", f);
		return;
	}
	esc_term(a, strlen(a), e, sizeof(e), &used);
	fputs(e, f);
}

static double
since(const struct ctx *c, int64_t ns)
{
	return clock_between_ms(c->t0_ns, ns);
}

static void
json_frame(struct jbuf *jb, const struct ctx *c, const char *event,
    const struct ts_event *e)
{
	const struct ts_sock *s = e->s;
	char a[ADDRSTR_MAX];

	jb_init(jb);
	jb_obj_open(jb);
	jb_kstr(jb, "event", event);
	jb_kstr(jb, "command", c->cmd);
	jb_kint(jb, "pid", e->pid);
	jb_kint(jb, "fd", e->fd);
	jb_kstr(jb, "family", s ? family_name(s->family) : NULL);
	jb_kstr(jb, "type", s ? type_word(s->type) : NULL);
	tx_addr(s ? &s->local : &e->addr, a, sizeof(a));
	jb_kstr(jb, "local", s && a[0] ? a : NULL);
	tx_addr(s ? &s->remote : &e->addr, a, sizeof(a));
	jb_kstr(jb, "remote", s && a[0] ? a : NULL);
}

void
to_stage(const struct ctx *c, const struct ts_event *e)
{
	const struct ts_sock *s = e->s;
	FILE *f = c->out;
	struct jbuf jb;

	if (s == NULL || c->quiet)
		return;
	if (c->json) {
		json_frame(&jb, c, "stage", e);
		jb_kstr(&jb, "stage", tsk_name(e->stage));
		jb_kint(&jb, "tid", e->tid);
		jb_kstr(&jb, "state", s->state >= 0 ?
		    sock_state_name(s->state) : NULL);
		if (e->stage == TSK_CONNECT)
			jb_kstr(&jb, "learned", s->connecting ? "pending" :
			    e->via == TSV_SO_ERROR ? "so_error" : e->via ==
			    TSV_IO ? "io" : e->via == TSV_AGAIN ?
			    "connect-again" : "call");
		if (e->kind == TSE_IO)
			jb_kint(&jb, "bytes", (long long)e->bytes);
		jb_knum(&jb, "t_ms", since(c, e->t_ns));
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	fprintf(f, "[%10.3f ms] pid %d fd %d %-8s ", since(c, e->t_ns),
	    (int)e->pid, e->fd, tsk_name(e->stage));
	switch (e->stage) {
	case TSK_SOCKET:
		fprintf(f, "%s %s", family_name(s->family) ?
		    family_name(s->family) : "?", type_word(s->type));
		break;
	case TSK_BIND:
	case TSK_LISTEN:
		put_addr(f, &s->local);
		break;
	case TSK_SEND:
	case TSK_RECV:
		fprintf(f, "%llu bytes%s", (unsigned long long)e->bytes,
		    e->eof ? " (end of stream: the peer closed)" : "");
		break;
	default:
		if (s->local.ss_family == 0 && s->remote.ss_family == 0)
			fputs("(no address)", f);
		if (s->local.ss_family != 0)
			put_addr(f, &s->local);
		if (s->remote.ss_family != 0) {
			fputs(s->local.ss_family == 0 ? "-> " :
			    e->stage == TSK_ACCEPT || s->accepted ? " <- " :
			    " -> ", f);
			put_addr(f, &s->remote);
		}
		break;
	}
	if (e->stage == TSK_CONNECT && s->connecting)
		fputs(" (in progress)", f);
	else if (e->stage == TSK_CONNECT && e->via == TSV_SO_ERROR)
		fputs(" (learned by SO_ERROR)", f);
	else if (e->stage == TSK_CONNECT && e->via == TSV_IO)
		fputs(" (learned by its first I/O)", f);
	if (s->state >= 0 && e->kind == TSE_STAGE)
		fprintf(f, " %s", sock_state_name(s->state));
	fputc('\n', f);
}

static const char *
end_words(enum ts_end how)
{
	switch (how) {
	case TSE_OPEN:		return "still open when the trace ended";
	case TSE_CLOSED:	return "closed by the program";
	case TSE_PEER_FIRST:	return "closed by the peer first, then by "
				    "the program";
	case TSE_RESET:		return "reset";
	case TSE_EXIT:		return "open until its process exited";
	case TSE_FAILED:	return "its connect failed";
	}
	return "?";
}

void
to_summary(const struct ctx *c, const struct ts_event *e)
{
	const struct ts_sock *s = e->s;
	double life = clock_between_ms(s->t_open, e->t_ns);
	FILE *f = c->out;
	struct jbuf jb;

	if (c->quiet)
		return;
	if (c->json) {
		json_frame(&jb, c, "socket-summary", e);
		jb_knum(&jb, "lifetime_ms", life);
		jb_kint(&jb, "bytes_sent", (long long)s->sent);
		jb_kint(&jb, "bytes_received", (long long)s->rcvd);
		jb_kint(&jb, "sends", (long long)s->nsend);
		jb_kint(&jb, "receives", (long long)s->nrecv);
		jb_kstr(&jb, "ended", tse_name(e->end));
		jb_kbool(&jb, "accepted", s->accepted);
		jb_kbool(&jb, "adopted", s->adopted);
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	fprintf(f, "socket pid %d fd %d %s %s", (int)e->pid, s->fd,
	    family_name(s->family) ? family_name(s->family) : "?",
	    type_word(s->type));
	if (s->local.ss_family != 0) {
		fputc(' ', f);
		put_addr(f, &s->local);
	}
	if (s->remote.ss_family != 0) {
		fputs(s->local.ss_family == 0 ? " -> " : s->accepted ?
		    " <- " : " -> ", f);
		put_addr(f, &s->remote);
	}
	fprintf(f, ": %.1f ms, sent ", life);
	put_count(f, s->sent, s->nsend);
	fputs(", received ", f);
	put_count(f, s->rcvd, s->nrecv);
	fprintf(f, ", %s", end_words(e->end));
	/* a Unix or UDP socket has no kernel byte counts to fall back on */
	if (!c->trace && !s->failed && !s->listening &&
	    (s->family == AF_UNIX || s->type != SOCK_STREAM))
		fputs(" (read() and write() are counted with -v only)", f);
	fputc('\n', f);
}

/* "SIGTERM": the names a script compares (musl has no sigabbrev_np) */
static const char *
sig_name(int sig, char *buf, size_t len)
{
	static const struct { int n; const char *s; } t[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" },
		{ SIGQUIT, "SIGQUIT" }, { SIGILL, "SIGILL" },
		{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
		{ SIGKILL, "SIGKILL" }, { SIGUSR1, "SIGUSR1" },
		{ SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },
		{ SIGTERM, "SIGTERM" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].n == sig)
			return t[i].s;
	snprintf(buf, len, "SIG%d", sig);
	return buf;
}

void
to_note(const struct ctx *c, int pid, const char *kind, const char *message)
{
	struct jbuf jb;
	char e[ESC_SIZE(1024)];
	size_t used;

	if (c->quiet)
		return;
	if (c->json) {
		jb_init(&jb);
		jb_obj_open(&jb);
		jb_kstr(&jb, "event", "trace-note");
		jb_kstr(&jb, "command", c->cmd);
		if (pid > 0)
			jb_kint(&jb, "pid", pid);
		else
			jb_knull(&jb, "pid");
		jb_kstr(&jb, "note", kind);
		jb_kstr(&jb, "message", message);
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	esc_term(message, strlen(message), e, sizeof(e), &used);
	fprintf(c->out, "sockctl: trace: note: %s\n", e);
}

void
to_end(const struct ctx *c, int detached, int code, int sig,
    unsigned long long sockets, unsigned long long dropped)
{
	struct jbuf jb;
	char sb[16];

	if (c->quiet)
		return;
	if (c->json) {
		jb_init(&jb);
		jb_obj_open(&jb);
		jb_kstr(&jb, "event", "trace-end");
		jb_kstr(&jb, "command", c->cmd);
		if (detached > 0)
			jb_kint(&jb, "detached", detached);
		else
			jb_knull(&jb, "detached");
		if (detached > 0) {
			jb_knull(&jb, "exit_status");
			jb_knull(&jb, "signal");
		} else if (sig != 0) {
			jb_knull(&jb, "exit_status");
			jb_kstr(&jb, "signal", sig_name(sig, sb, sizeof(sb)));
		} else {
			jb_kint(&jb, "exit_status", code);
			jb_knull(&jb, "signal");
		}
		jb_kint(&jb, "sockets", (long long)sockets);
		jb_kint(&jb, "not_followed", (long long)dropped);
		jb_obj_close(&jb);
		out_json(c, &jb);
		jb_free(&jb);
		return;
	}
	if (detached > 0)
		fprintf(c->out, "sockctl: trace: detached from pid %d, which "
		    "goes on running; %llu %s followed\n", detached,
		    sockets, s_(sockets, "socket", "sockets"));
	else if (sig != 0)
		fprintf(c->out, "sockctl: trace: the program was killed by "
		    "%s; %llu %s followed\n", sig_name(sig, sb,
		    sizeof(sb)), sockets, s_(sockets, "socket", "sockets"));
	else
		fprintf(c->out, "sockctl: trace: the program exited with "
		    "status %d; %llu %s followed\n", code, sockets,
		    s_(sockets, "socket", "sockets"));
	if (dropped > 0)
		fprintf(c->out, "sockctl: trace: %llu %s not followed "
		    "(more than %d open at once)\n", dropped, dropped == 1 ?
		    "socket was" : "sockets were", TS_MAX_SOCKS);
	fflush(c->out);
}
