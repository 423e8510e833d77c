// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso: isolate CPUs at runtime.  Global options, then one verb. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "config.h"

static const struct verb {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *args;
	const char *help;
} verbs[] = {
	{ "status", cmd_status, "[CPULIST]",
	  "show CPUs, their isolation and what this kernel offers" },
	{ "isolate", cmd_isolate, "CPULIST",
	  "isolate CPUs at runtime (-n: show the plan only)" },
	{ "release", cmd_release, "CPULIST",
	  "give isolated CPUs back as housekeeping CPUs" },
	{ "apply", cmd_apply, "[--cpu N]",
	  "make the machine (or CPU N) match " CPUISO_POLICY_PATH },
	{ "verify", cmd_verify, "[CPULIST]",
	  "measure what reaches CPUs, name each source (-d SECS, -J, --plot)" },
	{ "monitor", cmd_monitor, "",
	  "follow CPU events and state changes (one line or JSON object each)" },
};

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("cpuiso: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void log_stderr(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	fprintf(stderr, "cpuiso: %s", priority <= LOG_ERR ? "" : "debug: ");
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/* The CPUs under the context's root, or a message saying why not. */
int read_system(struct cli *cli, struct cpuiso_system **ret)
{
	int r = cpuiso_system_read(cli->ctx, ret);

	if (r < 0)
		warnx_("cannot read the CPUs under %s: %s",
		       cpuiso_ctx_get_root(cli->ctx), strerror(-r));
	return r;
}

/*
 * A user's CPU list, checked whole against the machine: syntax errors
 * show where they are, and every CPU must exist.  Nothing is acted on
 * unless the whole list is good.
 */
int parse_cpulist_arg(const struct cpuiso_system *sys, const char *arg,
		      struct cpuiso_cpuset **ret)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
	const struct cpuiso_cpuset *possible;
	struct cpuiso_parse_error perr;
	int cpu, r;

	r = cpuiso_cpuset_parse(arg, cpuiso_system_nr_cpus(sys), &set, &perr);
	if (r < 0) {
		warnx_("invalid CPU list '%s': %s at position %zu", arg,
		       perr.reason, perr.pos + 1);
		fprintf(stderr, "  %s\n  %*s^\n", arg, (int)perr.pos, "");
		return r;
	}
	possible = cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	cpuiso_cpuset_foreach(cpu, set)
		if (!cpuiso_cpuset_test(possible, cpu)) {
			warnx_("invalid CPU list '%s': CPU %d does not exist",
			       arg, cpu);
			return -ENODEV;
		}
	if (cpuiso_cpuset_count(set) == 0) {
		warnx_("invalid CPU list '%s': no CPU in it", arg);
		return -EINVAL;
	}
	*ret = TAKE_PTR(set);
	return 0;
}

static void usage(FILE *out)
{
	fputs("Usage:\n cpuiso [options] <verb> [arguments]\n\n"
	      "Isolate CPUs at runtime, without a reboot.\n\nVerbs:\n", out);
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", verbs[i].name, verbs[i].args);
		fprintf(out, " %-20s %s\n", head, verbs[i].help);
	}
	fputs("\nOptions:\n"
	      " -J, --json           use JSON output format\n"
	      "     --sysroot <dir>  read the system under <dir>, not /\n"
	      " -d, --debug          log what the library does\n"
	      " -h, --help           display this help\n"
	      " -V, --version        display version\n"
	      "\nFor more details see cpuiso(8).\n", out);
}

int main(int argc, char **argv)
{
	enum { OPT_SYSROOT = 0x100 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const char *sysroot = "/";
	bool debug = false;
	int c, r;

	/* '+': options after the verb belong to the verb */
	while ((c = getopt_long(argc, argv, "+JdhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			cli.json = true;
			break;
		case OPT_SYSROOT:
			sysroot = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("cpuiso %s\n", CPUISO_VERSION);
			return EXIT_OK;
		default:
			fputs("Try 'cpuiso --help' for more information.\n",
			      stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		if (strcmp(argv[optind], verbs[i].name) != 0)
			continue;
		r = cpuiso_ctx_new(sysroot, &cli.ctx);
		if (r < 0) {
			warnx_("cannot set up: %s", strerror(-r));
			return EXIT_FAIL;
		}
		cpuiso_ctx_set_log_fn(cli.ctx, log_stderr, NULL);
		if (debug)
			cpuiso_ctx_set_log_priority(cli.ctx, LOG_DEBUG);
		/* the verb sees its own name as argv[0] */
		r = verbs[i].run(&cli, argc - optind, argv + optind);
		cpuiso_ctx_unref(cli.ctx);
		return r;
	}
	warnx_("unknown verb '%s'", argv[optind]);
	fputs("Try 'cpuiso --help' for more information.\n", stderr);
	return EXIT_USAGE;
}
