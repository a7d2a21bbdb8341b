/* Unit tests: esc_decode(), and the timers and signals of lib/core/loop. */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "esc.h"
#include "loop.h"
#include "unit.h"

static int	fired[4];
static int	order[4], norder;

static void
on_timer(struct loop *l, struct loop_timer *t)
{
	int i = (int)(intptr_t)t->arg;

	fired[i]++;
	order[norder++] = i;
	if (norder == 3)
		loop_stop(l);
}

static void
test_esc(void)
{
	char out[64], err[128];
	long n;

	n = esc_decode("plain", out, err, sizeof(err));
	CHECK(n == 5 && strcmp(out, "plain") == 0);
	n = esc_decode("a\\r\\n\\t\\\\b", out, err, sizeof(err));
	CHECK(n == 6 && memcmp(out, "a\r\n\t\\b", 6) == 0);
	n = esc_decode("\\x41\\x7a\\x0\\x4", out, err, sizeof(err));
	CHECK(n == 4 && memcmp(out, "Az\0\4", 4) == 0);
	n = esc_decode("\\x4g", out, err, sizeof(err));
	CHECK(n == 2 && memcmp(out, "\4g", 2) == 0);
	n = esc_decode("a\\0b", out, err, sizeof(err));
	CHECK(n == 3 && out[1] == '\0' && out[2] == 'b');
	n = esc_decode("", out, err, sizeof(err));
	CHECK(n == 0 && out[0] == '\0');
	CHECK(esc_decode("bad\\q", out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "'\\q'") != NULL);
	CHECK(esc_decode("end\\", out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "trailing") != NULL);
	CHECK(esc_decode("\\xzz", out, err, sizeof(err)) == -1);
	CHECK(strstr(err, "hex") != NULL);
}

/* esc_text(): the one rule for bytes from outside in text output */
static void
test_esc_text(void)
{
	char out[64];
	size_t used;

	CHECK(strcmp(esc_str("nginx: worker", out, sizeof(out)),
	    "nginx: worker") == 0);
	/* ESC, BEL, a newline: bytes; a backslash: doubled */
	CHECK(strcmp(esc_str("\033]0;x\007a\nb\\xff", out, sizeof(out)),
	    "\\x1b]0;x\\x07a\\x0ab\\\\xff") == 0);
	/* printable UTF-8 stays; U+202E, U+200B, C1 and invalid bytes do not */
	CHECK(strcmp(esc_str("caf\xc3\xa9", out, sizeof(out)),
	    "caf\xc3\xa9") == 0);
	CHECK(strcmp(esc_str("\xe2\x80\xae" "ab", out, sizeof(out)),
	    "\\xe2\\x80\\xaeab") == 0);
	CHECK(strcmp(esc_str("\xe2\x80\x8b", out, sizeof(out)),
	    "\\xe2\\x80\\x8b") == 0);
	CHECK(strcmp(esc_str("\xc2\x9b\xff", out, sizeof(out)),
	    "\\xc2\\x9b\\xff") == 0);
	/* cut at a whole escape, never half of one */
	CHECK(strcmp(esc_str("ab\033", out, 6), "ab") == 0);
	CHECK(strcmp(esc_str("\\\\", out, 4), "\\\\") == 0);
	/* the last net keeps newlines and backslashes, not U+202E */
	CHECK(esc_term("a\n\\\xe2\x80\xae", 6, out, sizeof(out), &used) ==
	    15 && strcmp(out, "a\n\\\\xe2\\x80\\xae") == 0 && used == 6);
}

static void
test_timers(void)
{
	struct loop_timer t[4];
	struct loop *l = loop_new(NULL);

	CHECK(l != NULL);
	if (l == NULL)
		return;
	for (int i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].fn = on_timer;
		t[i].arg = (void *)(intptr_t)i;
	}
	CHECK(loop_timer_set(l, &t[0], 30) == 0);
	CHECK(loop_timer_set(l, &t[1], 10) == 0);
	CHECK(loop_timer_set(l, &t[2], 20) == 0);
	CHECK(loop_timer_set(l, &t[3], 5) == 0);
	loop_timer_cancel(l, &t[3]);
	loop_timer_cancel(l, &t[3]);	/* twice is harmless */
	CHECK(loop_run(l) == 0);
	CHECK(norder == 3 && order[0] == 1 && order[1] == 2 && order[2] == 0);
	CHECK(fired[3] == 0);
	loop_free(l);
}

/* A timer that raises SIGUSR1: the loop stops with that signal. */
static void
raise_usr1(struct loop *l, struct loop_timer *t)
{
	(void)l;
	(void)t;
	raise(SIGUSR1);
}

static void
test_signals(void)
{
	int term[LOOP_TERM_SIGS_MAX], n = 0, has_hup = 0, has_rt = 0;
	int usr1[] = { SIGUSR1, 0 };
	struct loop_timer t;
	struct loop *l;
	sigset_t set;

	loop_term_sigs(term);
	for (; term[n] != 0; n++) {
		has_hup |= term[n] == SIGHUP;
		has_rt |= term[n] == SIGRTMIN;
		CHECK(term[n] != SIGSEGV && term[n] != SIGPIPE &&
		    term[n] != SIGKILL);
	}
	CHECK(n > 10 && n < LOOP_TERM_SIGS_MAX && has_hup && has_rt);
	l = loop_new(usr1);
	CHECK(l != NULL);
	if (l == NULL)
		return;
	memset(&t, 0, sizeof(t));
	t.fn = raise_usr1;
	CHECK(loop_timer_set(l, &t, 1) == 0);
	CHECK(loop_run(l) == SIGUSR1);
	loop_free(l);
	/* loop_sigwait: the signal, or 0 once the time is up */
	CHECK(loop_sigwait(usr1, 0) == 0);
	raise(SIGUSR1);
	CHECK(loop_sigwait(usr1, 1000) == SIGUSR1);
	CHECK(loop_sigwait(usr1, 5) == 0);
	loop_sigunblock(usr1);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &set) == 0 &&
	    !sigismember(&set, SIGUSR1));
}

int
main(void)
{
	test_esc();
	test_esc_text();
	test_timers();
	test_signals();
	return UNIT_DONE("esc_loop");
}
