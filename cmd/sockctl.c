/*
 * sockctl: walk a socket through its life and, when a stage fails, say why.
 * main: global options, the one command table, dispatch.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "opt.h"
#include "cmds.h"

#ifndef SOCKCTL_VERSION
#define SOCKCTL_VERSION "0.1.0"
#endif

static const struct command {
	const char	*name;
	int		(*run)(struct ctx *, int, char **);
	const char	*summary;
	const char	*alias_of;	/* the command this name stands for */
} commands[] = {
	{ "probe-bind", cmd_probe_bind,
	    "bind (and listen on) a port; say who holds it when that fails", NULL },
	{ "probe-connect", cmd_probe_connect,
	    "connect to HOST PORT; name the cause when that fails", NULL },
	{ "connect", cmd_probe_connect, "alias of probe-connect",
	    "probe-connect" },
	{ "echo-server", cmd_echo_server,
	    "TCP echo server (127.0.0.1 unless told otherwise)", NULL },
	{ "udp-echo", cmd_udp_echo,
	    "UDP echo server (127.0.0.1 unless told otherwise)", NULL },
	{ "probe-udp", cmd_probe_udp,
	    "send UDP datagrams to HOST PORT and count the replies", NULL },
	{ "inspect", cmd_inspect,
	    "diagnose live sockets: CLOSE_WAIT leaks, full queues, ...", NULL },
	{ "exporter", cmd_exporter,
	    "Prometheus exporter: /probe and this machine's sockets", NULL },
	{ "trace", cmd_trace,
	    "follow a program's sockets through their life; explain failures",
	    NULL },
	{ "explain", cmd_explain,
	    "explain an errno or getaddrinfo error: cause and fix", NULL },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: sockctl [GLOBAL-OPTIONS] COMMAND [OPTIONS] ARGS...\n"
	    "       sockctl help [COMMAND] | COMMAND --help | --version\n\n"
	    "Walks a socket through its life and, when a stage fails, says why:\n"
	    "the cause, the evidence on this machine, and the fix.\n\n"
	    "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-15s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\nglobal options (before or after the command):\n");
	opt_global_help(f);
	fprintf(f, "\nexit codes: 0 ok, 1 error, 2 usage, 3 dns-failure, "
	    "4 refused, 5 timeout,\n6 unreachable, 7 port-in-use, "
	    "8 permission-denied, 9 address-not-available,\n10 expect-failed, "
	    "11 reset, 12 resource-limit, 13 unhealthy (inspect's findings;\n"
	    "sockctl explain --list)\n");
}

static const struct command *
lookup(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	struct ctx c;
	const char *root;
	char *hargv[3];
	int i, rc, first = 0, werr = 0;

	out_guard_fds(&werr);
	memset(&c, 0, sizeof(c));
	c.werr = &werr;
	c.t0_ns = clock_ns();
	c.env.family = AF_UNSPEC;
	c.env.timeout_ms = 5000;
	c.color = COLOR_AUTO;
	c.out = stdout;
	c.err = stderr;
	root = getenv("SOCKCTL_PROC_ROOT");
	c.env.proc_root = root != NULL && root[0] != '\0' ? root : "/proc";
	/* a peer that closes must never kill us: EPIPE is reported instead */
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Global options are taken here. A command's own options may stand
	 * before its name too (sockctl --wait 30s connect db 5432): from the
	 * first option that is no global one, everything up to the command
	 * name is handed to the command, whose table judges it.
	 */
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			if (first == 0 || lookup(argv[i]) != NULL ||
			    strcmp(argv[i], "help") == 0)
				break;
			continue;	/* the value of a command's option */
		}
		if (strcmp(argv[i], "--version") == 0 && first == 0) {
			printf("sockctl %s\n", SOCKCTL_VERSION);
			return out_finish(&c, 0);
		}
		if (strcmp(argv[i], "-") == 0 || strcmp(argv[i], "--") == 0)
			return out_usage(&c, "unknown option '%.60s'", argv[i]);
		if (first != 0)
			continue;
		rc = opt_global(&c, argc, argv, &i);
		if (rc == 1) {
			usage(stdout);
			return out_finish(&c, 0);
		}
		if (rc == -1)
			first = i;
		else if (rc != 0)
			return rc;
	}
	if (i >= argc && first != 0)
		return out_usage(&c, "unknown option '%.60s' (and no command "
		    "after it)", argv[first]);
	if (i >= argc) {
		if (c.quiet)	/* -q: one line on stderr */
			return out_usage(&c, "no command given (see 'sockctl "
			    "--help')");
		usage(stderr);
		return 2;
	}
	if (first != 0) {
		/* COMMAND, then the options that came before it, then the rest */
		char *name = argv[i];

		memmove(argv + first + 1, argv + first,
		    (size_t)(i - first) * sizeof(*argv));
		argv[first] = name;
		i = first;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		cmd = lookup(argv[i + 1]);
		if (cmd == NULL)
			return out_usage(&c, "unknown command '%.60s'",
			    argv[i + 1]);
		hargv[0] = argv[i + 1];
		hargv[1] = "--help";
		hargv[2] = NULL;
		c.cmd = cmd->alias_of != NULL ? cmd->alias_of : cmd->name;
		return out_finish(&c, cmd->run(&c, 2, hargv));
	}
	cmd = lookup(argv[i]);
	if (cmd == NULL && c.quiet)
		return out_usage(&c, "unknown command '%.60s' (see 'sockctl "
		    "--help')", argv[i]);
	if (cmd == NULL) {
		fprintf(stderr, "sockctl: unknown command '%.60s'\n\n", argv[i]);
		usage(stderr);
		return 2;
	}
	c.cmd = cmd->alias_of != NULL ? cmd->alias_of : cmd->name;
	return out_finish(&c, cmd->run(&c, argc - i, argv + i));
}
