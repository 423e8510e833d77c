// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso isolate|release CPULIST and cpuiso apply: parse the arguments,
 * hand the request to cpuiso_change() (which owns the change from lock to
 * rollback) and print its result as lines or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

/* ---- printing a result ------------------------------------------------- */

static json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *cpu_to_json(const struct cpuiso_change_cpu *c)
{
	json_object *o = json_object_new_object(), *props = NULL;
	int e = cpuiso_change_cpu_get_error(c);

	json_object_object_add(o, "cpu", json_object_new_int((int)cpuiso_change_cpu_get_id(c)));
	json_object_object_add(o, "from",
		json_object_new_string(cpuiso_state_to_string(cpuiso_change_cpu_get_from(c))));
	json_object_object_add(o, "to",
		json_object_new_string(cpuiso_state_to_string(cpuiso_change_cpu_get_to(c))));
	json_object_object_add(o, "outcome",
		json_object_new_string(cpuiso_outcome_to_string(cpuiso_change_cpu_get_outcome(c))));
	json_object_object_add(o, "error", e ? json_object_new_string(strerror(-e)) : NULL);
	json_object_object_add(o, "message", json_str_or_null(cpuiso_change_cpu_get_message(c)));
	if (cpuiso_change_cpu_get_to(c) == CPUISO_STATE_ISOLATED) {
		props = json_object_new_object();
		for (int p = 0; p < _CPUISO_PROP_MAX; p++) {
			const char *detail;
			enum cpuiso_achieved a = cpuiso_change_cpu_get_property(c, p, &detail);
			json_object *po = json_object_new_object();

			/* unknown is null, never false */
			json_object_object_add(po, "achieved", a == CPUISO_ACHIEVED_UNKNOWN ? NULL :
					       json_object_new_string(cpuiso_achieved_to_string(a)));
			json_object_object_add(po, "detail", json_str_or_null(detail));
			json_object_object_add(props, cpuiso_property_to_string(p), po);
		}
	}
	json_object_object_add(o, "properties", props);
	return o;
}

static void print_json_result(const struct cpuiso_change_result *res, bool dry)
{
	json_object *o = json_object_new_object(), *cpus = json_object_new_array(),
		*notes = json_object_new_array();
	enum cpuiso_backend b = cpuiso_change_result_get_backend(res);

	json_object_object_add(o, "dry-run", json_object_new_boolean(dry));
	json_object_object_add(o, "status", json_object_new_string(
		cpuiso_change_status_to_string(cpuiso_change_result_get_status(res))));
	json_object_object_add(o, "backend", b == CPUISO_BACKEND_NONE ? NULL :
			       json_object_new_string(cpuiso_backend_to_string(b)));
	json_object_object_add(o, "error", json_str_or_null(cpuiso_change_result_get_message(res)));
	for (size_t i = 0; i < cpuiso_change_result_nr_notes(res); i++)
		json_object_array_add(notes, json_object_new_string(
			cpuiso_change_result_get_note(res, i)));
	json_object_object_add(o, "notes", notes);
	json_object_object_add(o, "recovered",
		json_object_new_int((int)cpuiso_change_result_nr_recovered(res)));
	for (size_t i = 0; i < cpuiso_change_result_nr_cpus(res); i++)
		json_object_array_add(cpus, cpu_to_json(cpuiso_change_result_get_cpu(res, i)));
	json_object_object_add(o, "cpus", cpus);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* "; tick: needs nohz_full= at boot" for each property not reached */
static void print_shortfalls(const struct cpuiso_change_cpu *c)
{
	if (cpuiso_change_cpu_get_to(c) != CPUISO_STATE_ISOLATED)
		return;
	for (int p = 0; p < _CPUISO_PROP_MAX; p++) {
		const char *detail;
		enum cpuiso_achieved a = cpuiso_change_cpu_get_property(c, p, &detail);

		if (a == CPUISO_ACHIEVED_BOOT_PARAM)
			printf("; %s: needs %s at boot", cpuiso_property_to_string(p),
			       detail ? detail : "a boot parameter");
		else if (a == CPUISO_ACHIEVED_NO)
			printf("; %s: no (%s)", cpuiso_property_to_string(p),
			       detail ? detail : "unknown why");
	}
}

static void print_lines(const struct cpuiso_change_result *res)
{
	bool any = false;

	for (size_t i = 0; i < cpuiso_change_result_nr_cpus(res); i++) {
		const struct cpuiso_change_cpu *c = cpuiso_change_result_get_cpu(res, i);
		enum cpuiso_outcome o = cpuiso_change_cpu_get_outcome(c);
		const char *from = cpuiso_state_to_string(cpuiso_change_cpu_get_from(c));
		const char *to = cpuiso_state_to_string(cpuiso_change_cpu_get_to(c));
		const char *msg = cpuiso_change_cpu_get_message(c);

		if (o == CPUISO_OUTCOME_PLANNED) {
			printf("would change cpu%u: %s -> %s (%s backend)",
			       cpuiso_change_cpu_get_id(c), from, to,
			       cpuiso_backend_to_string(cpuiso_change_result_get_backend(res)));
		} else if (o == CPUISO_OUTCOME_CHANGED) {
			printf("cpu%u: %s -> %s", cpuiso_change_cpu_get_id(c), from, to);
		} else if (o == CPUISO_OUTCOME_UNCHANGED) {
			printf("cpu%u: already %s\n", cpuiso_change_cpu_get_id(c),
			       msg ? msg : from);
			continue;
		} else {
			continue;
		}
		any = true;
		print_shortfalls(c);
		putchar('\n');
	}
	if (!any)
		puts("nothing to do");
}

/* The CPUs a failed change left changed: "cpu1,cpu3", or NULL. */
static char *left_changed(const struct cpuiso_change_result *res)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set =
		cpuiso_cpuset_new(CPUISO_MAX_CPUS);
	char *list = NULL;

	if (!set)
		return NULL;
	for (size_t i = 0; i < cpuiso_change_result_nr_cpus(res); i++) {
		const struct cpuiso_change_cpu *c = cpuiso_change_result_get_cpu(res, i);

		if (cpuiso_change_cpu_get_outcome(c) == CPUISO_OUTCOME_NOT_UNDONE)
			cpuiso_cpuset_set(set, cpuiso_change_cpu_get_id(c));
	}
	return cpuiso_cpuset_format(set, &list) < 0 ? NULL : list;
}

/* Print @res; the exit code: 0, 1 (refused, or failed and undone), 64. */
static int report(struct cli *cli, const struct cpuiso_change_result *res,
		  const char *verb, const char *what, bool dry)
{
	enum cpuiso_change_status st = cpuiso_change_result_get_status(res);
	const char *msg = cpuiso_change_result_get_message(res);

	for (size_t i = 0; i < cpuiso_change_result_nr_notes(res); i++)
		warnx_("%s", cpuiso_change_result_get_note(res, i));
	if (cli->json)
		print_json_result(res, dry);
	switch (st) {
	case CPUISO_CHANGE_OK:
		if (!cli->json)
			print_lines(res);
		return EXIT_OK;
	case CPUISO_CHANGE_REFUSED:
		warnx_("%s %s refused: %s", verb, what, msg);
		return EXIT_FAIL;
	case CPUISO_CHANGE_FAILED:
		warnx_("%s %s failed: %s", verb, what, msg);
		return EXIT_FAIL;
	case CPUISO_CHANGE_PARTIAL: {
		_cleanup_free_ char *cpus = left_changed(res);

		warnx_("%s %s failed: %s; CPU(s) %s stay changed", verb, what, msg,
		       cpus ? cpus : "?");
		return EXIT_PARTIAL;
	}
	}
	return EXIT_FAIL;
}

/* ---- the verbs --------------------------------------------------------- */

enum { OPT_WAIT = 0x100, OPT_DISCARD };

/* --wait[=SECS]: no value waits for good */
static int parse_wait(const char *arg, int *ret)
{
	char *end;
	long v;

	if (!arg) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX) {
		warnx_("--wait: '%s' is not a number of seconds", arg);
		return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

/* The options isolate, release and apply share; 1 if @c was one of them. */
static int common_option(struct cli *cli, int c, struct cpuiso_change_request *req,
			 unsigned int *flags)
{
	switch (c) {
	case 'n':
		*flags |= CPUISO_CHANGE_DRY_RUN;
		return 1;
	case 'f':
		*flags |= CPUISO_CHANGE_FORCE;
		return 1;
	case 'J':
		cli_set_json(cli);
		return 1;
	case OPT_WAIT:
		return parse_wait(optarg, &req->lock_timeout) < 0 ? -EINVAL : 1;
	case OPT_DISCARD:
		*flags |= CPUISO_CHANGE_DISCARD_JOURNAL;
		return 1;
	}
	return 0;
}

#define COMMON_LONGOPTS							\
	{ "dry-run", no_argument, NULL, 'n' },				\
	{ "force", no_argument, NULL, 'f' },				\
	{ "json", no_argument, NULL, 'J' },				\
	{ "wait", optional_argument, NULL, OPT_WAIT },			\
	{ "discard-journal", no_argument, NULL, OPT_DISCARD },		\
	{ "help", no_argument, NULL, 'h' }

#define COMMON_HELP							\
	" -n, --dry-run          validate and show the plan, change nothing\n" \
	" -f, --force            allow a NUMA node to keep no housekeeping CPU\n" \
	" -J, --json             print the result as JSON\n"		\
	"     --wait[=SECS]      wait for another cpuiso run (for good, or SECS)\n" \
	"     --discard-journal  move aside a journal that cannot be rolled back\n" \
	" -h, --help             display this help\n"

static int run_change(struct cli *cli, const struct cpuiso_change_request *req,
		      unsigned int flags, const char *verb, const char *what)
{
	_cleanup_(cpuiso_change_result_freep) struct cpuiso_change_result *res = NULL;
	int r = cpuiso_change(cli->ctx, req, flags, &res);

	if (!res) {
		warnx_("%s %s: %s", verb, what, strerror(-r));
		return EXIT_FAIL;
	}
	return report(cli, res, verb, what, flags & CPUISO_CHANGE_DRY_RUN);
}

static int change(struct cli *cli, int argc, char **argv, enum cpuiso_change_op op)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL;
	struct cpuiso_change_request req = { .op = op, .only_cpu = -1 };
	unsigned int flags = 0;
	int c, r;

	optind = 0;	/* options may follow the CPU list */
	while ((c = getopt_long(argc, argv, "nfJh", longopts, NULL)) != -1) {
		r = common_option(cli, c, &req, &flags);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (c == 'h') {
			printf("Usage: cpuiso %s [options] CPULIST\n\n%s CPUs at runtime.\n\nOptions:\n%s",
			       argv[0], op == CPUISO_CHANGE_ISOLATE ? "Isolate" :
			       "Give back isolated", COMMON_HELP);
			return EXIT_OK;
		}
		return usage_error(argv[0], NULL);
	}
	if (argc - optind != 1)
		return usage_error(argv[0], "takes one CPU list");
	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	if (parse_cpulist_arg(sys, argv[optind], &cpus) < 0)
		return EXIT_USAGE;
	req.cpus = cpus;
	return run_change(cli, &req, flags, argv[0], argv[optind]);
}

/* `cpuiso isolate` of @cpus, for other verbs: the exit code */
int isolate_cpus(struct cli *cli, const struct cpuiso_cpuset *cpus, const char *what)
{
	struct cpuiso_change_request req = {
		.op = CPUISO_CHANGE_ISOLATE, .cpus = cpus, .only_cpu = -1,
	};

	return run_change(cli, &req, 0, "isolate", what);
}

int cmd_isolate(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_CHANGE_ISOLATE);
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_CHANGE_RELEASE);
}

/* @what (--cpu, CPU) N: a whole number below CPUISO_MAX_CPUS, never truncated */
int parse_cpu_arg(const char *what, const char *arg, int *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || *arg == '+' ||
	    v >= CPUISO_MAX_CPUS) {
		warnx_("%s: '%s' is not a CPU number", what, arg);
		return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

/*
 * cpuiso apply [--cpu N] [--config FILE]: make the machine (or CPU N)
 * match the policy.  Idempotent: a machine that matches gets no step.
 */
int cmd_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_policy_freep) struct cpuiso_policy *pol = NULL;
	_cleanup_free_ char *why = NULL, *shown = NULL;
	struct cpuiso_change_request req = { .op = CPUISO_CHANGE_POLICY, .only_cpu = -1 };
	const char *config = CPUISO_POLICY_PATH;
	unsigned int flags = 0;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:C:nfJh", longopts, NULL)) != -1) {
		r = common_option(cli, c, &req, &flags);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'c':
			if (parse_cpu_arg("--cpu", optarg, &req.only_cpu) < 0)
				return EXIT_USAGE;
			break;
		case 'C':
			config = optarg;
			break;
		case 'h':
			printf("Usage: cpuiso apply [options]\n\n"
			       "Make the machine match the policy " CPUISO_POLICY_PATH ".\n\nOptions:\n"
			       "     --cpu N            bring CPU N alone in line (the udev rules)\n"
			       "     --config FILE      the policy file, under the root\n%s",
			       COMMON_HELP);
			return EXIT_OK;
		default:
			return usage_error("apply", NULL);
		}
	}
	if (argc != optind)
		return usage_error("apply", "takes no arguments (the policy is a file)");
	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	r = load_policy(cli, sys, config, &pol, &shown);
	if (r != EXIT_OK)
		return r;
	req.policy = pol;
	return run_change(cli, &req, flags, "apply", shown);
}
