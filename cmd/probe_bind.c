#include "../lib/opt.h"
#include "cmds.h"
int
cmd_probe_bind(struct ctx *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	out_err(c, "not built yet");
	return 1;
}
