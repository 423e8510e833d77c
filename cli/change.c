// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso isolate|release CPULIST: plan the whole request, then apply it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
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
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
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
	bool dry = false, rolled_back;
	unsigned int flags = 0;
	size_t done;
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
	if (!dry && strcmp(cpuiso_ctx_get_root(cli->ctx), "/") == 0 &&
	    geteuid() != 0) {
		warnx_("%s: must be root", argv[0]);
		return EXIT_FAIL;
	}
	if (!dry) {
		lock = take_lock(cli);
		if (lock < 0) {
			warnx_("cannot take the cpuiso lock: %s", strerror(-lock));
			return EXIT_FAIL;
		}
	}

	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	if (parse_cpulist_arg(sys, argv[optind], &cpus) < 0)
		return EXIT_USAGE;
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

	/* the kthread and IRQ hand-over lives in cpuiso.ko */
	if (target == CPUISO_STATE_ISOLATED && cpuiso_plan_nr_steps(plan)) {
		r = cpuiso_module_load(cli->ctx);
		if (r < 0 && r != -EOPNOTSUPP)
			warnx_("warning: cpuiso.ko not loaded (%s): task and IRQ masks keep the isolated CPUs",
			       strerror(-r));
	}

	r = cpuiso_plan_apply(cli->ctx, plan, &done, &rolled_back);
	if (r < 0) {
		if (rolled_back) {
			warnx_("%s %s failed (%s); nothing changed", argv[0],
			       argv[optind], strerror(-r));
			return EXIT_FAIL;
		}
		warnx_("%s %s failed (%s) and could not be undone: %zu CPU(s) changed",
		       argv[0], argv[optind], strerror(-r), done);
		return EXIT_PARTIAL;
	}
	print_plan(plan, cli->json, false);
	return EXIT_OK;
}

int cmd_isolate(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_STATE_ISOLATED);
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	return change(cli, argc, argv, CPUISO_STATE_ONLINE);
}
