/*
 * Unit tests: lib/cli/om, the OpenMetrics exposition. With a FILE argument it
 * also writes an exposition with hostile label values there, which
 * tests/openmetrics.bats hands to prometheus_client's parser (the CLI
 * refuses such hosts before they could reach a label).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "om.h"
#include "out.h"
#include "unit.h"

/* the values that need escaping, and bytes that are no UTF-8 */
static const char *const hostile[] = {
	"a\"b", "back\\slash", "new\nline", "\\\"\n", "caf\xc3\xa9",
	"stray \xff byte", "cut \xe2\x82", "",
};

static void
test_escape(void)
{
	char buf[64];

	CHECK(om_escape(buf, sizeof(buf), "plain") == 5);
	CHECK_STR(buf, "plain");
	om_escape(buf, sizeof(buf), "a\"b\\c\nd");
	CHECK_STR(buf, "a\\\"b\\\\c\\nd");
	om_escape(buf, sizeof(buf), "caf\xc3\xa9");
	CHECK_STR(buf, "caf\xc3\xa9");
	om_escape(buf, sizeof(buf), "x\xffy");
	CHECK_STR(buf, "x\xef\xbf\xbdy");
	om_escape(buf, sizeof(buf), "\xed\xa0\x80");	/* a surrogate */
	CHECK_STR(buf, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(om_escape(buf, 4, "abcdef") == 6);
	CHECK_STR(buf, "abc");
}

/* Writes the exposition of om to a string (caller frees). */
static char *
render(const struct om *om)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	om_write(om, f);
	fclose(f);
	return s;
}

static void
add(struct om *om, const char *target, enum reason rs, double ms)
{
	struct result r;
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.cmd = "probe-connect";
	result_init(&r, c.cmd);
	snprintf(r.target, sizeof(r.target), "%s", target);
	snprintf(r.address, sizeof(r.address), "127.0.0.1");
	r.reason = rs;
	r.elapsed_ms = ms;
	om_result(om, &r, c.cmd);
	result_free(&r);
}

static void
test_families(void)
{
	struct om *om = om_new();
	char *s, *a, *b;

	add(om, "one:1", RS_OK, 1.5);
	add(om, "two:2", RS_REFUSED, 0.25);
	add(om, "one:1", RS_TIMEOUT, 9);	/* the same labels: dropped */
	add(om, "three:3", RS_DNS, -1);		/* no duration */
	CHECK(om_count(om) == 11);
	s = render(om);
	CHECK(s != NULL);
	if (s == NULL) {
		om_free(om);
		return;
	}
	/* each family's samples together, in the order they came */
	a = strstr(s, "sockctl_probe_success{command=\"probe-connect\","
	    "target=\"one:1\",address=\"127.0.0.1\"} 1\n");
	b = strstr(s, "sockctl_probe_success{command=\"probe-connect\","
	    "target=\"two:2\",address=\"127.0.0.1\"} 0\n");
	CHECK(a != NULL && b != NULL && a < b);
	CHECK(strstr(s, "target=\"one:1\",address=\"127.0.0.1\","
	    "reason=\"ok\"} 0\n") != NULL);
	CHECK(strstr(s, "reason=\"refused\"} 1\n") != NULL);
	CHECK(strstr(s, "reason=\"timeout\"") == NULL);
	CHECK(strstr(s, "sockctl_probe_duration_seconds{command=\"probe-"
	    "connect\",target=\"two:2\",address=\"127.0.0.1\"} 0.00025\n") !=
	    NULL);
	CHECK(strstr(s, "duration_seconds{command=\"probe-connect\","
	    "target=\"three:3\"") == NULL);
	CHECK(strstr(s, "sockctl_probe_exit_code{command=\"probe-connect\","
	    "target=\"three:3\",address=\"127.0.0.1\"} 3\n") != NULL);
	CHECK(strstr(s, "# UNIT sockctl_probe_duration_seconds seconds\n") !=
	    NULL);
	/* one TYPE per family, and the families of inspect not at all */
	CHECK(strstr(s, "# TYPE sockctl_probe_success gauge\n") ==
	    strstr(s, "# TYPE sockctl_probe_success"));
	CHECK(strstr(strstr(s, "# TYPE sockctl_probe_success") + 1,
	    "# TYPE sockctl_probe_success") == NULL);
	CHECK(strstr(s, "sockctl_sockets") == NULL);
	CHECK(strlen(s) > 6 && strcmp(s + strlen(s) - 6, "# EOF\n") == 0);
	free(s);
	om_free(om);

	/* nothing added: the exposition is "# EOF" alone */
	om = om_new();
	s = render(om);
	CHECK_STR(s, "# EOF\n");
	free(s);
	om_free(om);
}

/* Many distinct targets: the set grows, no series is lost or doubled. */
static void
test_many(void)
{
	struct om *om = om_new();
	char t[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(t, sizeof(t), "127.0.0.1:%d", i);
		add(om, t, i % 2 ? RS_REFUSED : RS_OK, 1);
	}
	for (int i = 0; i < 5000; i += 7) {
		snprintf(t, sizeof(t), "127.0.0.1:%d", i);
		add(om, t, RS_OK, 1);
	}
	CHECK(om_count(om) == 5000 * 4);
	om_free(om);
}

int
main(int argc, char **argv)
{
	test_escape();
	test_families();
	test_many();
	if (argc > 1) {
		struct om *om = om_new();
		FILE *f = fopen(argv[1], "w");

		for (size_t i = 0; i < sizeof(hostile) / sizeof(*hostile); i++)
			add(om, hostile[i], i % 2 ? RS_DNS : RS_OK, 2);
		CHECK(f != NULL && om_write(om, f) == 0 && fclose(f) == 0);
		om_free(om);
	}
	return UNIT_DONE("om");
}
