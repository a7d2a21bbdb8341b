/* udp-echo: not built yet (a later issue); answers --help and says so. */
#include "../lib/opt.h"
#include "cmds.h"

static const struct cmd_help help = {
	"udp-echo", "[OPTIONS] ARGS...", "not built yet", NULL,
};

static const struct opt opts[] = {
	{ NULL, 0, OT_END, NULL, NULL, NULL, 0, 0, NULL },
};

int
cmd_udp_echo(struct ctx *c, int argc, char **argv)
{
	int npos, rc;

	rc = opt_parse(c, &help, opts, argc, argv, &npos);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	out_err(c, "not built yet");
	return 1;
}
