/*
 * The subcommands. Adding one: see docs/HACKING.md for every place it must
 * appear (this list, the table in sockctl.c, the man page, completions,
 * tests).
 */
#ifndef SOCKCTL_CMDS_H
#define SOCKCTL_CMDS_H

#include "out.h"

/* Each runs one command; argv[0] is its name. Returns the exit code. */
int	cmd_probe_bind(struct ctx *c, int argc, char **argv);
int	cmd_probe_connect(struct ctx *c, int argc, char **argv);
int	cmd_echo_server(struct ctx *c, int argc, char **argv);
int	cmd_udp_echo(struct ctx *c, int argc, char **argv);
int	cmd_probe_udp(struct ctx *c, int argc, char **argv);
int	cmd_explain(struct ctx *c, int argc, char **argv);
int	cmd_inspect(struct ctx *c, int argc, char **argv);
int	cmd_exporter(struct ctx *c, int argc, char **argv);
int	cmd_trace(struct ctx *c, int argc, char **argv);

#endif
