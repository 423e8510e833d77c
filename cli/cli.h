/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the verbs of the cpuiso command share. */
#ifndef CPUISO_CLI_H
#define CPUISO_CLI_H

#include <stdbool.h>

#include "cleanup.h"
#include "cpuiso.h"

/* util-linux conventions: every usage error exits 2 */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_PARTIAL = 64,
};

struct cli {
	struct cpuiso_ctx *ctx;
	bool json;
};

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_set_json(struct cli *cli);
int usage_error(const char *verb, const char *what);

int read_system(struct cli *cli, struct cpuiso_system **ret);
int parse_cpulist_arg(const struct cpuiso_system *sys, const char *arg,
		      struct cpuiso_cpuset **ret);
int load_policy(struct cli *cli, const struct cpuiso_system *sys,
		const char *config, struct cpuiso_policy **ret, char **shown);

int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_isolate(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_monitor(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);

int parse_cpu_arg(const char *what, const char *arg, int *ret);
int isolate_cpus(struct cli *cli, const struct cpuiso_cpuset *cpus, const char *what);

/* plot.c: verify --plot, with cairo (or a message saying it is not built) */
int plot_check(const char *path);
int plot_write(const char *path, struct cpuiso_noise *const *res, size_t n,
	       double threshold);

/* the policy file, under the root */
#define CPUISO_POLICY_PATH "/etc/cpuiso.conf"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_system *, cpuiso_system_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_probe *, cpuiso_probe_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_cpuset *, cpuiso_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_plan *, cpuiso_plan_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_policy *, cpuiso_policy_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_change_result *, cpuiso_change_result_free)

#endif
