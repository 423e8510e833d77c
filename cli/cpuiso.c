// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso: isolate CPUs at runtime.  Global options, then one verb. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>

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
	{ "run", cmd_run, "CPU -- CMD",
	  "run CMD alone on CPU in task isolation mode (--strict)" },
	{ "monitor", cmd_monitor, "",
	  "follow CPU events and state changes (one line or JSON object each)" },
};

/* Bytes a terminal would act on, and any that are not ASCII, as \xNN. */
static char *sanitize(const char *s)
{
	char *out = malloc(strlen(s) * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			p += sprintf(p, "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return out;
}

/* JSON mode: errors are one JSON object a line on stderr too. */
static bool json_errors;

static void vwarn(const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL, *clean = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (json_errors) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	clean = sanitize(msg);
	fprintf(stderr, "cpuiso: %s\n", clean ? clean : msg);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void cli_set_json(struct cli *cli)
{
	cli->json = true;
	json_errors = true;
}

/* A usage error: one rule for every verb, exit 2 (cpuiso(8)). */
int usage_error(const char *verb, const char *what)
{
	if (what)
		warnx_("%s: %s", verb, what);
	if (!json_errors)
		fprintf(stderr, "Try 'cpuiso %s --help' for more information.\n", verb);
	return EXIT_USAGE;
}

static void log_stderr(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	_cleanup_free_ char *msg = NULL;

	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	if (vasprintf(&msg, format, args) < 0)
		return;
	warnx_("%s%s", priority <= LOG_ERR ? "" : "debug: ", msg);
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
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL, *wide = NULL;
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	struct cpuiso_parse_error perr;
	unsigned int width = 0;
	int cpu, r;

	/* as in the kernel, "N" is the last possible CPU, not kernel_max */
	cpuiso_cpuset_foreach(cpu, possible)
		width = (unsigned int)cpu + 1;
	r = cpuiso_cpuset_parse(arg, width, &set, &perr);
	if (r < 0) {
		_cleanup_free_ char *clean = sanitize(arg);

		warnx_("invalid CPU list '%s': %s at position %zu", arg,
		       perr.reason, perr.pos + 1);
		if (!json_errors && clean && !strcmp(clean, arg))
			fprintf(stderr, "  %s\n  %*s^\n", arg, (int)perr.pos, "");
		return r;
	}
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
	wide = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	if (!wide)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, set)
		cpuiso_cpuset_set(wide, cpu);
	*ret = TAKE_PTR(wide);
	return 0;
}

/*
 * The policy file @config, an absolute path under the root: its full
 * path (for messages) in @shown.  Returns an exit code.
 */
int load_policy(struct cli *cli, const struct cpuiso_system *sys,
		const char *config, struct cpuiso_policy **ret, char **shown)
{
	_cleanup_free_ char *why = NULL;
	const char *root = cpuiso_ctx_get_root(cli->ctx);
	int r;

	if (config[0] != '/')
		return usage_error("apply", "--config takes an absolute path (read under the root)");
	if (asprintf(shown, "%s%s", strcmp(root, "/") ? root : "", config) < 0)
		return EXIT_FAIL;
	r = cpuiso_policy_load(cli->ctx, config, cpuiso_system_nr_cpus(sys), ret, &why);
	if (r < 0) {
		warnx_("%s", why ? why : strerror(-r));
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
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
			cli_set_json(&cli);
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
			if (!json_errors)
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
	if (!json_errors)
		fputs("Try 'cpuiso --help' for more information.\n", stderr);
	return EXIT_USAGE;
}
