// SPDX-License-Identifier: GPL-2.0-or-later
/* The policy file: parsing, errors with file:line, and the plans it makes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "cpuiso.h"

static struct cpuiso_policy *parse_ok(const char *text)
{
	struct cpuiso_policy *pol = NULL;
	char *why = NULL;

	assert_int_equal(cpuiso_policy_parse(text, "t.conf", 64, &pol, &why), 0);
	assert_null(why);
	return pol;
}

static void assert_set(const struct cpuiso_cpuset *set, const char *want)
{
	char *s = NULL;

	assert_int_equal(cpuiso_cpuset_format(set, &s), 0);
	assert_string_equal(s, want);
	free(s);
}

static void test_parse(void **state)
{
	struct cpuiso_policy *pol;

	(void)state;
	pol = parse_ok("");
	assert_set(cpuiso_policy_get_isolated(pol), "");
	assert_int_equal(cpuiso_policy_get_smt(pol), CPUISO_SMT_KEEP);
	assert_true(cpuiso_policy_node_housekeeping(pol));
	assert_true(cpuiso_policy_get_noise_threshold(pol) < 0);
	cpuiso_policy_free(pol);

	pol = parse_ok("noise-threshold = 2.5\n");
	assert_true(cpuiso_policy_get_noise_threshold(pol) == 2.5);
	cpuiso_policy_free(pol);

	pol = parse_ok("# comment\n\n  isolated =2-3,6 # trailing\r\n"
		       "smt= siblings\nhousekeeping-per-node = no\n");
	assert_set(cpuiso_policy_get_isolated(pol), "2-3,6");
	assert_int_equal(cpuiso_policy_get_smt(pol), CPUISO_SMT_SIBLINGS);
	assert_false(cpuiso_policy_node_housekeeping(pol));
	assert_string_equal(cpuiso_smt_to_string(CPUISO_SMT_REFUSE), "refuse");
	cpuiso_policy_free(pol);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} cases[] = {
		{ "isolated = 1\nbogus = 2\n", "t.conf:2: unknown key 'bogus'" },
		{ "\n\nisolated 1\n", "t.conf:3: expected 'key = value', got 'isolated 1'" },
		{ "= 3\n", "t.conf:1: a value without a key" },
		{ "isolated = 3-1\n", "t.conf:1: isolated: invalid CPU list '3-1'" },
		{ "isolated = 64\n", "t.conf:1: isolated: invalid CPU list '64'" },
		{ "smt = keep\nsmt = keep\n", "t.conf:2: 'smt' given twice" },
		{ "housekeeping-per-node = maybe\n",
		  "t.conf:1: housekeeping-per-node: 'maybe' is not yes or no" },
		{ "noise-threshold = -1\n",
		  "t.conf:1: noise-threshold: '-1' is not a number" },
		{ "noise-threshold = 3/s\n",
		  "t.conf:1: noise-threshold: '3/s' is not a number" },
		{ "noise-threshold =\n",
		  "t.conf:1: noise-threshold: '' is not a number" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpuiso_policy *pol = NULL;
		char *why = NULL;

		assert_int_equal(cpuiso_policy_parse(cases[i].text, "t.conf", 64,
						     &pol, &why), -EINVAL);
		assert_null(pol);
		assert_non_null(why);
		if (strncmp(why, cases[i].why, strlen(cases[i].why)))
			fail_msg("case %zu: '%s', want '%s...'", i, why, cases[i].why);
		free(why);
	}
}

/* 4 CPUs as 2 cores of 2 threads (0,2 and 1,3), all but 0 hotpluggable */
static char *smt_machine(void)
{
	char *root = tree_new_machine(4);
	char path[128];

	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/state", i);
		tree_write(root, path, "online\n");
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", i);
		tree_write(root, path, i % 2 ? "1,3\n" : "0,2\n");
		if (i == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", i);
		tree_write(root, path, "1\n");
	}
	return root;
}

/* The steps of the policy @text on @root for @only_cpu, as "cpu:to,..." */
static int policy_plan(const char *root, const char *text, int only_cpu,
		       char *steps, size_t len, char **why)
{
	struct cpuiso_ctx *ctx = NULL;
	struct cpuiso_system *sys = NULL;
	struct cpuiso_policy *pol = NULL;
	struct cpuiso_plan *plan = NULL;
	int r;

	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	assert_int_equal(cpuiso_system_read(ctx, &sys), 0);
	assert_int_equal(cpuiso_policy_parse(text, "t.conf",
					     cpuiso_system_nr_cpus(sys), &pol, NULL), 0);
	r = cpuiso_plan_new_policy(sys, pol, only_cpu, 0, &plan, why);
	steps[0] = '\0';
	for (size_t i = 0; r == 0 && i < cpuiso_plan_nr_steps(plan); i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);
		size_t n = strlen(steps);

		snprintf(steps + n, len - n, "%s%u:%s", n ? "," : "", s->cpu,
			 cpuiso_state_to_string(s->to));
	}
	cpuiso_plan_free(plan);
	cpuiso_policy_free(pol);
	cpuiso_system_free(sys);
	cpuiso_ctx_unref(ctx);
	return r;
}

static void test_plans(void **state)
{
	char *root = smt_machine();
	char steps[128], *why = NULL;

	(void)state;
	assert_int_equal(policy_plan(root, "isolated = 1\n", -1, steps,
				     sizeof(steps), NULL), 0);
	assert_string_equal(steps, "1:isolated");
	/* smt = siblings takes 3 along; only_cpu limits the plan to one CPU */
	assert_int_equal(policy_plan(root, "isolated = 1\nsmt = siblings\n", -1,
				     steps, sizeof(steps), NULL), 0);
	assert_string_equal(steps, "1:isolated,3:isolated");
	assert_int_equal(policy_plan(root, "isolated = 1\nsmt = siblings\n", 3,
				     steps, sizeof(steps), NULL), 0);
	assert_string_equal(steps, "3:isolated");
	assert_int_equal(policy_plan(root, "isolated = 1\nsmt = refuse\n", -1,
				     steps, sizeof(steps), &why), -EINVAL);
	assert_string_equal(why, "CPU 3 is an SMT sibling of isolated CPU 1 and the policy says smt = refuse");
	free(why);

	/* releases come first, CPUs not named are released, offline ones left */
	tree_write(root, "/sys/devices/system/cpu/cpu3/state", "isolated\n");
	tree_write(root, "/sys/devices/system/cpu/online", "0-1,3\n");
	tree_write(root, "/sys/devices/system/cpu/cpu2/state", "offline\n");
	tree_write(root, "/sys/devices/system/cpu/cpu2/online", "0\n");
	assert_int_equal(policy_plan(root, "isolated = 1-2\n", -1, steps,
				     sizeof(steps), NULL), 0);
	assert_string_equal(steps, "3:online,1:isolated");
	/* the boot CPU cannot be isolated: refused whole */
	assert_int_equal(policy_plan(root, "isolated = 0-1\n", -1, steps,
				     sizeof(steps), &why), -EBUSY);
	assert_string_equal(why, "CPU 0 cannot go offline, so it cannot be isolated");
	free(why);
	tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
