// SPDX-License-Identifier: GPL-2.0-or-later
/* Planning isolate/release whole, applying one CPU at a time, rollback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "cpuiso.h"

/* A patched 4-CPU machine: every CPU but 0 hotpluggable, all online. */
struct run {
	struct cpuiso_ctx *ctx;
	struct cpuiso_system *sys;
	struct cpuiso_plan *plan;
	char *why;
};

static int plan(struct run *r, const char *root, const char *list,
		enum cpuiso_state target, unsigned int flags)
{
	struct cpuiso_cpuset *cpus = NULL;
	int ret;

	assert_int_equal(cpuiso_ctx_new(root, &r->ctx), 0);
	assert_int_equal(cpuiso_system_read(r->ctx, &r->sys), 0);
	assert_int_equal(cpuiso_cpuset_parse(list, cpuiso_system_nr_cpus(r->sys),
					     &cpus, NULL), 0);
	r->plan = NULL;
	ret = cpuiso_plan_new(r->sys, cpus, target, flags, &r->plan, &r->why);
	cpuiso_cpuset_free(cpus);
	return ret;
}

static void run_done(struct run *r)
{
	cpuiso_plan_free(r->plan);
	cpuiso_system_free(r->sys);
	cpuiso_ctx_unref(r->ctx);
	free(r->why);
}

static void test_isolate_and_release(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r;
	size_t done;
	bool rb;

	(void)state;
	assert_int_equal(plan(&r, root, "1-2", CPUISO_STATE_ISOLATED, 0), 0);
	assert_int_equal(cpuiso_plan_nr_steps(r.plan), 2);
	assert_int_equal(cpuiso_plan_get_step(r.plan, 1)->cpu, 2);
	assert_int_equal(cpuiso_plan_get_step(r.plan, 1)->from, CPUISO_STATE_ONLINE);
	assert_null(cpuiso_plan_get_step(r.plan, 2));
	assert_int_equal(cpuiso_plan_apply(r.ctx, r.plan, &done, &rb), 0);
	assert_int_equal(done, 2);
	assert_string_equal(tree_cpu_state(root, 1), "isolated");
	assert_string_equal(tree_cpu_state(root, 2), "isolated");
	assert_string_equal(tree_cpu_state(root, 3), "online");
	run_done(&r);

	/* already there: nothing to do; release 1-3 touches 1 and 2 only */
	assert_int_equal(plan(&r, root, "2", CPUISO_STATE_ISOLATED, 0), 0);
	assert_int_equal(cpuiso_plan_nr_steps(r.plan), 0);
	run_done(&r);
	assert_int_equal(plan(&r, root, "1-3", CPUISO_STATE_ONLINE, 0), 0);
	assert_int_equal(cpuiso_plan_nr_steps(r.plan), 2);
	assert_int_equal(cpuiso_plan_apply(r.ctx, r.plan, &done, &rb), 0);
	assert_string_equal(tree_cpu_state(root, 1), "online");
	assert_string_equal(tree_cpu_state(root, 2), "online");
	run_done(&r);
	tree_free(root);
}

struct refusal {
	const char *list;
	int error;
	const char *why;
};

static void test_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ "1-3", EBUSY, "no online housekeeping CPU would be left" },
		{ "2,5", ENODEV, "CPU 5 is not present" },
	};
	char *root = tree_new_patched_machine(4);
	struct run r;

	(void)state;
	assert_int_equal(plan(&r, root, "0", CPUISO_STATE_ISOLATED, 0), -EBUSY);
	assert_non_null(strstr(r.why, "CPU 0 cannot go offline"));
	run_done(&r);

	/* CPU 0 isolated (as if booted isolcpus): 1-3 would leave none */
	tree_write(root, "/sys/devices/system/cpu/cpu0/state", "isolated\n");
	tree_write(root, "/sys/devices/system/cpu/possible", "0-5\n");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		assert_int_equal(plan(&r, root, cases[i].list,
				      CPUISO_STATE_ISOLATED, 0), -cases[i].error);
		assert_null(r.plan);
		assert_non_null(r.why);
		if (!strstr(r.why, cases[i].why))
			fail_msg("'%s': '%s' lacks '%s'", cases[i].list, r.why,
				 cases[i].why);
		run_done(&r);
	}
	/* nothing was written */
	for (int i = 1; i < 4; i++)
		assert_string_equal(tree_cpu_state(root, i), "online");
	tree_free(root);

	/* a stock kernel: no state file */
	root = tree_new_machine(4);
	assert_int_equal(plan(&r, root, "2", CPUISO_STATE_ISOLATED, 0), -EOPNOTSUPP);
	assert_non_null(strstr(r.why, "lacks runtime isolation"));
	run_done(&r);
	tree_free(root);
}

static void test_numa(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r;

	(void)state;
	tree_write(root, "/sys/devices/system/node/possible", "0-1\n");
	tree_write(root, "/sys/devices/system/node/node0/cpulist", "0-1\n");
	tree_write(root, "/sys/devices/system/node/node1/cpulist", "2-3\n");
	assert_int_equal(plan(&r, root, "2-3", CPUISO_STATE_ISOLATED, 0), -EBUSY);
	assert_non_null(strstr(r.why, "node 1 would keep no housekeeping CPU"));
	run_done(&r);
	assert_int_equal(plan(&r, root, "2-3", CPUISO_STATE_ISOLATED,
			      CPUISO_PLAN_FORCE), 0);
	assert_int_equal(cpuiso_plan_nr_steps(r.plan), 2);
	run_done(&r);
	assert_int_equal(plan(&r, root, "3", CPUISO_STATE_ISOLATED, 0), 0);
	run_done(&r);
	tree_free(root);
}

/* The third CPU fails: the first two are put back, in reverse. */
static void test_rollback(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r;
	size_t done;
	bool rb;

	(void)state;
	assert_int_equal(plan(&r, root, "1-3", CPUISO_STATE_ISOLATED,
			      CPUISO_PLAN_FORCE), 0);
	assert_int_equal(tree_break_state(root, 3), 0);
	assert_int_equal(cpuiso_plan_apply(r.ctx, r.plan, &done, &rb), -EISDIR);
	assert_true(rb);
	assert_int_equal(done, 0);
	assert_string_equal(tree_cpu_state(root, 1), "online");
	assert_string_equal(tree_cpu_state(root, 2), "online");
	run_done(&r);
	tree_free(root);
}

/* An offline CPU isolated then rolled back ends offline and not isolated. */
static void test_rollback_offline(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r;
	size_t done;
	bool rb;

	(void)state;
	tree_write(root, "/sys/devices/system/cpu/online", "0-1,3\n");
	tree_write(root, "/sys/devices/system/cpu/cpu2/state", "offline\n");
	assert_int_equal(plan(&r, root, "2-3", CPUISO_STATE_ISOLATED, 0), 0);
	assert_int_equal(cpuiso_plan_get_step(r.plan, 0)->from, CPUISO_STATE_OFFLINE);
	assert_int_equal(tree_break_state(root, 3), 0);
	assert_int_equal(cpuiso_plan_apply(r.ctx, r.plan, &done, &rb), -EISDIR);
	assert_true(rb);
	assert_string_equal(tree_cpu_state(root, 2), "offline");
	run_done(&r);
	tree_free(root);
}

static bool journal_exists(const char *root)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/run/cpuiso.journal", root);
	return access(path, F_OK) == 0;
}

/* A run dies after its first step: the next run puts that CPU back. */
static void test_journal(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r;
	size_t restored;

	(void)state;
	tree_mkdir(root, "/run");
	assert_int_equal(plan(&r, root, "1-2", CPUISO_STATE_ISOLATED, 0), 0);
	assert_int_equal(cpuiso_journal_begin(r.ctx, r.plan), 0);
	assert_true(journal_exists(root));
	tree_write(root, "/sys/devices/system/cpu/cpu1/state", "isolated\n");

	assert_int_equal(cpuiso_journal_recover(r.ctx, &restored), 1);
	assert_int_equal(restored, 1);
	assert_string_equal(tree_cpu_state(root, 1), "online");
	assert_string_equal(tree_cpu_state(root, 2), "online");
	assert_false(journal_exists(root));
	assert_int_equal(cpuiso_journal_recover(r.ctx, &restored), 0);

	/* a file that is not a journal is left alone, and said so */
	tree_write(root, "/run/cpuiso.journal", "garbage\n1 online isolated\n");
	assert_int_equal(cpuiso_journal_recover(r.ctx, &restored), -EBADMSG);
	assert_true(journal_exists(root));
	tree_write(root, "/run/cpuiso.journal", "cpuiso-journal 1\n1 online sideways\n");
	assert_int_equal(cpuiso_journal_recover(r.ctx, &restored), -EBADMSG);
	/* a CPU that cannot be put back keeps the journal for the next run */
	tree_write(root, "/run/cpuiso.journal", "cpuiso-journal 1\n2 online isolated\n");
	tree_write(root, "/sys/devices/system/cpu/cpu2/state", "isolated\n");
	assert_int_equal(tree_break_state(root, 2), 0);
	assert_true(cpuiso_journal_recover(r.ctx, &restored) < 0);
	assert_true(journal_exists(root));
	run_done(&r);
	tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate_and_release),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_numa),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_rollback_offline),
		cmocka_unit_test(test_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
