// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso isolate|release CPULIST: plan the whole request, then apply it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"

static void print_plan(const struct cpuiso_plan *plan, bool json, bool dry)
{
	size_t n = cpuiso_plan_nr_steps(plan);

	if (json) {
		printf("{\n   \"dry-run\": %s,\n   \"steps\": [", dry ? "true" : "false");
		for (size_t i = 0; i < n; i++) {
			const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);

			printf("%s\n      {\"cpu\": %u, \"from\": \"%s\", \"to\": \"%s\"}",
			       i ? "," : "", s->cpu, cpuiso_state_to_string(s->from),
			       cpuiso_state_to_string(s->to));
		}
		printf("%s]\n}\n", n ? "\n   " : "");
		return;
	}
	if (!n)
		puts("nothing to do");
	for (size_t i = 0; i < n; i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);

		printf("%scpu%u: %s -> %s\n", dry ? "would change " : "",
		       s->cpu, cpuiso_state_to_string(s->from),
		       cpuiso_state_to_string(s->to));
	}
}

/* Concurrent cpuiso runs take turns; the lock lives under the root. */
static int take_lock(struct cli *cli)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/run/cpuiso.lock",
		 strcmp(cpuiso_ctx_get_root(cli->ctx), "/") ?
		 cpuiso_ctx_get_root(cli->ctx) : "");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		warnx_("cannot take the cpuiso lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Under the lock, before anything else: a run that died part way left a
 * journal; put the machine back as that run found it.
 */
static int recover(struct cli *cli)
{
	size_t restored;
	int r = cpuiso_journal_recover(cli->ctx, &restored);

	if (r < 0)
		warnx_("an interrupted cpuiso run left %s/run/cpuiso.journal and it could not be rolled back: %s",
		       strcmp(cpuiso_ctx_get_root(cli->ctx), "/") ?
		       cpuiso_ctx_get_root(cli->ctx) : "", strerror(-r));
	else if (r > 0)
		warnx_("an interrupted cpuiso run was rolled back: %zu CPU(s) restored",
		       restored);
	return r;
}

/* Root is needed to change anything on the real machine. */
static bool need_root(struct cli *cli, const char *verb)
{
	if (strcmp(cpuiso_ctx_get_root(cli->ctx), "/") == 0 && geteuid() != 0) {
		warnx_("%s: must be root", verb);
		return true;
	}
	return false;
}

/*
 * What every change starts with, in this order: root, the lock, and the
 * rollback of an interrupted run.  Returns the lock's fd, or -1 (said).
 */
static int begin_change(struct cli *cli, const char *verb)
{
	int lock;

	if (need_root(cli, verb))
		return -1;
	lock = take_lock(cli);
	if (lock >= 0 && recover(cli) < 0) {
		close(lock);
		return -1;
	}
	return lock;
}

/*
 * Carry out a validated plan and say what happened; @verb and @what name
 * the request in messages.  Exit code: 0, 1 (failed, rolled back) or 64
 * (failed, and the rollback failed too).
 */
static int run_plan(struct cli *cli, const struct cpuiso_plan *plan,
		    const char *verb, const char *what)
{
	bool rolled_back, isolates = false;
	size_t done;
	int r;

	for (size_t i = 0; i < cpuiso_plan_nr_steps(plan); i++)
		isolates |= cpuiso_plan_get_step(plan, i)->to == CPUISO_STATE_ISOLATED;
	/* the kthread and IRQ hand-over lives in cpuiso.ko */
	if (isolates) {
		r = cpuiso_module_load(cli->ctx);
		if (r < 0 && r != -EOPNOTSUPP)
			warnx_("warning: cpuiso.ko not loaded (%s): task and IRQ masks keep the isolated CPUs",
			       strerror(-r));
	}

	if (!cpuiso_plan_nr_steps(plan)) {
		print_plan(plan, cli->json, false);
		return EXIT_OK;
	}
	r = cpuiso_journal_begin(cli->ctx, plan);
	if (r < 0) {
		warnx_("cannot write the journal under %s/run: %s; nothing changed",
		       cpuiso_ctx_get_root(cli->ctx), strerror(-r));
		return EXIT_FAIL;
	}
	r = cpuiso_plan_apply(cli->ctx, plan, &done, &rolled_back);
	/* a rollback that failed keeps the journal: the next run retries it */
	if (r == 0 || rolled_back)
		cpuiso_journal_end(cli->ctx);
	if (r < 0) {
		if (rolled_back) {
			warnx_("%s %s failed (%s); nothing changed", verb, what,
			       strerror(-r));
			return EXIT_FAIL;
		}
		warnx_("%s %s failed (%s) and could not be undone: %zu CPU(s) changed",
		       verb, what, strerror(-r), done);
		return EXIT_PARTIAL;
	}
	print_plan(plan, cli->json, false);
	return EXIT_OK;
}

static bool has_state_files(const struct cpuiso_system *sys,
			     const struct cpuiso_cpuset *cpus)
{
	int cpu;

	cpuiso_cpuset_foreach(cpu, cpus) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

		if (c && !cpuiso_cpu_has_state_file(c))
			return false;
	}
	return true;
}

/*
 * A kernel without cpuN/state: the compat backend does what stock
 * interfaces allow, and each CPU's line says what that was, read back
 * from the kernel, and what needs boot parameters.
 */
static int compat(struct cli *cli, const struct cpuiso_system *sys,
		  const struct cpuiso_cpuset *cpus, enum cpuiso_state target,
		  bool dry, const char *verb, const char *what)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *after = NULL;
	const struct cpuiso_cpuset *online =
		cpuiso_system_get_mask(sys, CPUISO_MASK_ONLINE);
	bool housekeeping = false;
	unsigned int moved = 0;
	int cpu, r;

	cpuiso_cpuset_foreach(cpu, cpus)
		if (!cpuiso_cpuset_test(online, cpu)) {
			warnx_("%s %s refused: CPU %d is offline", verb, what, cpu);
			return EXIT_FAIL;
		}
	cpuiso_cpuset_foreach(cpu, online) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

		housekeeping |= !cpuiso_cpuset_test(cpus, cpu) &&
				!cpuiso_cpu_is_isolated(c);
	}
	if (target == CPUISO_STATE_ISOLATED && !housekeeping) {
		warnx_("%s %s refused: no online housekeeping CPU would be left",
		       verb, what);
		return EXIT_FAIL;
	}
	if (dry) {
		cpuiso_cpuset_foreach(cpu, cpus)
			printf("would %s cpu%d (compat backend: no cpuN/state in this kernel)\n",
			       target == CPUISO_STATE_ISOLATED ? "isolate" : "release", cpu);
		return EXIT_OK;
	}
	r = target == CPUISO_STATE_ISOLATED ?
		cpuiso_compat_isolate(cli->ctx, sys, cpus, &moved) :
		cpuiso_compat_release(cli->ctx, sys, cpus);
	if (r < 0) {
		warnx_("%s %s (compat backend) failed: %s; what it changed was given back",
		       verb, what, strerror(-r));
		return EXIT_FAIL;
	}
	if (target != CPUISO_STATE_ISOLATED) {
		printf("released %s (compat backend): masks it narrowed are given back\n", what);
		return EXIT_OK;
	}
	printf("isolated %s (compat backend: %u IRQ and kernel thread masks narrowed)\n",
	       what, moved);
	if (read_system(cli, &after) < 0)
		return EXIT_FAIL;
	cpuiso_cpuset_foreach(cpu, cpus) {
		_cleanup_free_ char *line = NULL;

		if (cpuiso_compat_report(cli->ctx, after, cpu, &line) == 0)
			printf("%s\n", line);
	}
	return EXIT_OK;
}

static int change(struct cli *cli, int argc, char **argv,
		  enum cpuiso_state target)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL;
	_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *why = NULL;
	bool dry = false;
	unsigned int flags = 0;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "nfJh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'f':
			flags |= CPUISO_PLAN_FORCE;
			break;
		case 'J':
			cli->json = true;
			break;
		case 'h':
			printf("Usage: cpuiso %s [--dry-run] [--force] [-J] CPULIST\n",
			       argv[0]);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		warnx_("%s takes one CPU list", argv[0]);
		return EXIT_USAGE;
	}
	/* before anything is read or touched */
	if (!dry && (lock = begin_change(cli, argv[0])) < 0)
		return EXIT_FAIL;

	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	if (parse_cpulist_arg(sys, argv[optind], &cpus) < 0)
		return EXIT_USAGE;
	if (!has_state_files(sys, cpus))
		return compat(cli, sys, cpus, target, dry, argv[0], argv[optind]);
	r = cpuiso_plan_new(sys, cpus, target, flags, &plan, &why);
	if (r < 0) {
		warnx_("%s %s refused: %s", argv[0], argv[optind],
		       why ? why : strerror(-r));
		return EXIT_FAIL;
	}
	if (dry) {
		print_plan(plan, cli->json, true);
		return EXIT_OK;
	}
	return run_plan(cli, plan, argv[0], argv[optind]);
}

int cmd_isolate(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_STATE_ISOLATED);
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_STATE_ONLINE);
}

/*
 * apply on a kernel without cpuN/state: release through the compat
 * backend the isolated CPUs the policy does not name, then isolate the
 * online ones it names.  Offline CPUs wait for their online event.
 */
static int compat_apply(struct cli *cli, const struct cpuiso_system *sys,
			const struct cpuiso_policy *pol, int only_cpu,
			bool dry, const char *config)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *iso = NULL, *rel = NULL;
	_cleanup_free_ char *why = NULL;
	int r;

	r = cpuiso_policy_changes(sys, pol, only_cpu, &iso, &rel, &why);
	if (r < 0) {
		warnx_("apply %s refused: %s", config, why ? why : strerror(-r));
		return EXIT_FAIL;
	}
	if (!cpuiso_cpuset_count(iso) && !cpuiso_cpuset_count(rel)) {
		puts("nothing to do");
		return EXIT_OK;
	}
	r = EXIT_OK;
	if (cpuiso_cpuset_count(rel))
		r = compat(cli, sys, rel, CPUISO_STATE_ONLINE, dry, "apply", config);
	if (r == EXIT_OK && cpuiso_cpuset_count(iso))
		r = compat(cli, sys, iso, CPUISO_STATE_ISOLATED, dry, "apply", config);
	return r;
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
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_policy_freep) struct cpuiso_policy *pol = NULL;
	_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
	_cleanup_close_ int lock = -1;
	_cleanup_free_ char *why = NULL;
	const char *config = CPUISO_POLICY_PATH;
	bool dry = false;
	unsigned int flags = 0;
	int c, r, cpu = -1;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:C:nfJh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			errno = 0;
			cpu = (int)strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || cpu < 0) {
				warnx_("--cpu: '%s' is not a CPU number", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'C':
			config = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'f':
			flags |= CPUISO_PLAN_FORCE;
			break;
		case 'J':
			cli->json = true;
			break;
		case 'h':
			printf("Usage: cpuiso apply [--cpu N] [--config FILE] [--dry-run] [--force] [-J]\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc != optind) {
		warnx_("apply takes no arguments (the policy is %s)", config);
		return EXIT_USAGE;
	}
	if (!dry && (lock = begin_change(cli, "apply")) < 0)
		return EXIT_FAIL;

	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	r = cpuiso_policy_load(cli->ctx, config, cpuiso_system_nr_cpus(sys),
			       &pol, &why);
	if (r < 0) {
		warnx_("%s", why ? why : strerror(-r));
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	free(why);
	why = NULL;
	if (!has_state_files(sys, cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT)))
		return compat_apply(cli, sys, pol, cpu, dry, config);
	r = cpuiso_plan_new_policy(sys, pol, cpu, flags, &plan, &why);
	if (r < 0) {
		warnx_("apply %s refused: %s", config, why ? why : strerror(-r));
		return EXIT_FAIL;
	}
	if (dry) {
		print_plan(plan, cli->json, true);
		return EXIT_OK;
	}
	return run_plan(cli, plan, "apply", config);
}
