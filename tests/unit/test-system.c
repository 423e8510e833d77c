// SPDX-License-Identifier: GPL-2.0-or-later
/* The CPU snapshot, read from synthetic and recorded trees. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "cpuiso.h"

static struct cpuiso_system *read_tree(const char *root, int want)
{
	struct cpuiso_ctx *ctx = NULL;
	struct cpuiso_system *sys = NULL;

	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	assert_int_equal(cpuiso_system_read(ctx, &sys), want);
	cpuiso_ctx_unref(ctx);
	return sys;
}

static void assert_mask(const struct cpuiso_system *sys, enum cpuiso_mask m,
			const char *want)
{
	const struct cpuiso_cpuset *set = cpuiso_system_get_mask(sys, m);
	_cleanup_free_ char *s = NULL;

	if (!want) {
		assert_null(set);
		return;
	}
	assert_non_null(set);
	assert_int_equal(cpuiso_cpuset_format(set, &s), 0);
	assert_string_equal(s, want);
}

static void test_ctx_root(void **state)
{
	struct cpuiso_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(cpuiso_ctx_new(NULL, &ctx), 0);
	assert_string_equal(cpuiso_ctx_get_root(ctx), "/");
	assert_ptr_equal(cpuiso_ctx_ref(ctx), ctx);
	assert_null(cpuiso_ctx_unref(ctx));
	/*
	 * Still alive after the first unref: used here, an ASan build stops
	 * on a use after free.  Freed after the last: its leak check fails
	 * the run (detect_leaks=1) if the last unref keeps it.
	 */
	assert_string_equal(cpuiso_ctx_get_root(ctx), "/");
	cpuiso_ctx_set_log_priority(ctx, 7);
	assert_int_equal(cpuiso_ctx_get_log_priority(ctx), 7);
	assert_null(cpuiso_ctx_unref(ctx));
	assert_null(cpuiso_ctx_unref(NULL));
	assert_int_equal(cpuiso_ctx_new("/tmp/x///", &ctx), 0);
	assert_string_equal(cpuiso_ctx_get_root(ctx), "/tmp/x");
	cpuiso_ctx_unref(ctx);
	assert_int_equal(cpuiso_ctx_new("", &ctx), -EINVAL);
}

static void test_plain_machine(void **state)
{
	char *root = tree_new_machine(4);
	struct cpuiso_system *sys;
	const struct cpuiso_cpu *cpu;

	(void)state;
	sys = read_tree(root, 0);
	assert_int_equal(cpuiso_system_nr_cpus(sys), 64);
	assert_mask(sys, CPUISO_MASK_POSSIBLE, "0-3");
	assert_mask(sys, CPUISO_MASK_ONLINE, "0-3");
	assert_mask(sys, CPUISO_MASK_ISOLATED, "");
	assert_mask(sys, CPUISO_MASK_NOHZ_FULL, NULL);
	assert_mask(sys, CPUISO_MASK_CPUSET_ISOLATED, NULL);
	cpu = cpuiso_system_get_cpu(sys, 3);
	assert_non_null(cpu);
	assert_int_equal(cpuiso_cpu_get_id(cpu), 3);
	assert_int_equal(cpuiso_cpu_get_core(cpu), 3);
	assert_int_equal(cpuiso_cpu_get_package(cpu), 0);
	assert_int_equal(cpuiso_cpu_get_node(cpu), -1);
	assert_true(cpuiso_cpu_is_online(cpu));
	assert_false(cpuiso_cpu_has_state_file(cpu));
	assert_int_equal(cpuiso_cpu_get_state(cpu), CPUISO_STATE_ONLINE);
	assert_int_equal(cpuiso_cpu_get_hotplug_state(cpu), 247);
	assert_string_equal(cpuiso_system_hotplug_state_name(sys, 247), "online");
	assert_int_equal(cpuiso_system_hotplug_state_lookup(sys, "sched:active"), 246);
	assert_int_equal(cpuiso_system_hotplug_state_lookup(sys, "nope"), -ENOENT);
	assert_null(cpuiso_system_hotplug_state_name(sys, 5));
	assert_null(cpuiso_system_get_cpu(sys, 4));
	cpuiso_system_free(sys);
	tree_free(root);
}

/* Offline, boot-isolated, cpuset-isolated and state-file CPUs. */
static void test_states(void **state)
{
	char *root = tree_new_machine(6);
	struct cpuiso_system *sys;

	(void)state;
	tree_write(root, "/sys/devices/system/cpu/online", "0-2,4-5\n");
	tree_write(root, "/sys/devices/system/cpu/isolated", "2\n");
	tree_write(root, "/sys/devices/system/cpu/nohz_full", "2\n");
	tree_write(root, "/sys/devices/system/cpu/rcu_nocbs", "2,5\n");
	tree_write(root, "/sys/fs/cgroup/cpuset.cpus.isolated", "4\n");
	tree_write(root, "/sys/devices/system/cpu/cpu5/state", "isolated\n");
	tree_write(root, "/sys/devices/system/node/possible", "0-1\n");
	tree_write(root, "/sys/devices/system/node/node0/cpulist", "0-2\n");
	tree_write(root, "/sys/devices/system/node/node1/cpulist", "3-5\n");
	/* an offline CPU without a topology directory */
	tree_write(root, "/sys/devices/system/cpu/cpu3/topology/core_id", "");
	remove(strcat(strcpy((char[512]){ 0 }, root),
		      "/sys/devices/system/cpu/cpu3/topology/core_id"));

	sys = read_tree(root, 0);
	assert_int_equal(cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, 0)),
			 CPUISO_STATE_ONLINE);
	assert_int_equal(cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, 2)),
			 CPUISO_STATE_ISOLATED);
	assert_true(cpuiso_cpu_is_nohz_full(cpuiso_system_get_cpu(sys, 2)));
	assert_false(cpuiso_cpu_is_nohz_full(cpuiso_system_get_cpu(sys, 1)));
	assert_true(cpuiso_cpu_is_rcu_nocb(cpuiso_system_get_cpu(sys, 2)));
	assert_true(cpuiso_cpu_is_rcu_nocb(cpuiso_system_get_cpu(sys, 5)));
	assert_false(cpuiso_cpu_is_rcu_nocb(cpuiso_system_get_cpu(sys, 4)));
	assert_int_equal(cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, 3)),
			 CPUISO_STATE_OFFLINE);
	assert_int_equal(cpuiso_cpu_get_core(cpuiso_system_get_cpu(sys, 3)), -1);
	assert_int_equal(cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, 4)),
			 CPUISO_STATE_ISOLATED);
	assert_true(cpuiso_cpu_is_isolated(cpuiso_system_get_cpu(sys, 4)));
	assert_true(cpuiso_cpu_has_state_file(cpuiso_system_get_cpu(sys, 5)));
	assert_int_equal(cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, 5)),
			 CPUISO_STATE_ISOLATED);
	assert_int_equal(cpuiso_cpu_get_node(cpuiso_system_get_cpu(sys, 2)), 0);
	assert_int_equal(cpuiso_cpu_get_node(cpuiso_system_get_cpu(sys, 3)), 1);
	cpuiso_system_free(sys);
	tree_free(root);
}

static void test_nohz_null(void **state)
{
	char *root = tree_new_machine(2);
	struct cpuiso_system *sys;

	(void)state;
	/* CPUMASK_OFFSTACK kernels print an unallocated mask so */
	tree_write(root, "/sys/devices/system/cpu/nohz_full", "(null)\n");
	sys = read_tree(root, 0);
	assert_mask(sys, CPUISO_MASK_NOHZ_FULL, "");
	/* a kernel without the series: no mask, no CPU offloaded */
	assert_null(cpuiso_system_get_mask(sys, CPUISO_MASK_RCU_NOCBS));
	assert_false(cpuiso_cpu_is_rcu_nocb(cpuiso_system_get_cpu(sys, 1)));
	cpuiso_system_free(sys);
	tree_free(root);
}

static void test_broken_trees(void **state)
{
	char *root;

	(void)state;
	root = tree_new();		/* nothing at all */
	assert_null(read_tree(root, -ENOENT));
	tree_free(root);

	root = tree_new_machine(2);
	tree_write(root, "/sys/devices/system/cpu/online", "0-1x\n");
	assert_null(read_tree(root, -EINVAL));
	tree_free(root);

	root = tree_new_machine(2);
	tree_write(root, "/sys/devices/system/cpu/cpu1/state", "sleeping\n");
	assert_null(read_tree(root, -EBADMSG));
	tree_free(root);

	root = tree_new_machine(2);
	tree_write(root, "/sys/devices/system/cpu/kernel_max", "3\n");
	tree_write(root, "/sys/devices/system/cpu/online", "0-4\n");
	assert_null(read_tree(root, -ERANGE));
	tree_free(root);
}

/* Recorded from the build machine: 2 CPUs, one package, no isolation. */
static void test_recorded_build_host(void **state)
{
	struct cpuiso_system *sys = read_tree(TREES "/build-host", 0);

	(void)state;
	assert_mask(sys, CPUISO_MASK_POSSIBLE, "0-1");
	assert_mask(sys, CPUISO_MASK_ONLINE, "0-1");
	assert_mask(sys, CPUISO_MASK_ISOLATED, "");
	assert_mask(sys, CPUISO_MASK_NOHZ_FULL, NULL);
	assert_int_equal(cpuiso_system_nr_cpus(sys), 256);
	for (unsigned int i = 0; i < 2; i++) {
		const struct cpuiso_cpu *cpu = cpuiso_system_get_cpu(sys, i);

		assert_int_equal(cpuiso_cpu_get_state(cpu), CPUISO_STATE_ONLINE);
		assert_int_equal(cpuiso_cpu_get_core(cpu), (int)i);
		assert_string_equal(cpuiso_system_hotplug_state_name(sys,
				    cpuiso_cpu_get_hotplug_state(cpu)), "online");
	}
	cpuiso_system_free(sys);
}

/* Recorded in the test guest, booted plain and booted isolated. */
static void test_recorded_guests(void **state)
{
	struct cpuiso_system *plain = read_tree(TREES "/guest-plain", 0);
	struct cpuiso_system *iso = read_tree(TREES "/guest-bootiso", 0);

	(void)state;
	assert_mask(plain, CPUISO_MASK_POSSIBLE, "0-3");
	assert_mask(plain, CPUISO_MASK_ISOLATED, "");
	assert_mask(plain, CPUISO_MASK_NOHZ_FULL, "");
	assert_mask(iso, CPUISO_MASK_ISOLATED, "2-3");
	assert_mask(iso, CPUISO_MASK_NOHZ_FULL, "2-3");
	for (unsigned int i = 0; i < 4; i++) {
		const struct cpuiso_cpu *p = cpuiso_system_get_cpu(plain, i);
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(iso, i);

		assert_int_equal(cpuiso_cpu_get_state(p), CPUISO_STATE_ONLINE);
		assert_int_equal(cpuiso_cpu_get_state(c),
				 i >= 2 ? CPUISO_STATE_ISOLATED : CPUISO_STATE_ONLINE);
		assert_int_equal(cpuiso_cpu_is_nohz_full(c), i >= 2);
		assert_int_equal(cpuiso_cpu_get_node(c), -1);
		assert_int_equal(cpuiso_cpu_get_hotplug_state(c),
				 cpuiso_system_hotplug_state_lookup(iso, "online"));
	}
	assert_true(cpuiso_system_hotplug_state_lookup(iso, "sched:waitempty") > 0);
	cpuiso_system_free(plain);
	cpuiso_system_free(iso);
}

/* Recorded on the patched kernel with CPU 2 isolated at runtime. */
static void test_recorded_runtime(void **state)
{
	struct cpuiso_system *sys = read_tree(TREES "/guest-runtime-iso", 0);

	(void)state;
	/* isolated at runtime with no boot parameter: tick and RCU too */
	assert_mask(sys, CPUISO_MASK_ISOLATED, "2");
	assert_mask(sys, CPUISO_MASK_NOHZ_FULL, "2");
	assert_mask(sys, CPUISO_MASK_RCU_NOCBS, "2");
	for (unsigned int i = 0; i < 4; i++) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, i);

		assert_true(cpuiso_cpu_has_state_file(c));
		assert_int_equal(cpuiso_cpu_get_state(c),
				 i == 2 ? CPUISO_STATE_ISOLATED : CPUISO_STATE_ONLINE);
		assert_int_equal(cpuiso_cpu_is_nohz_full(c), i == 2);
		assert_int_equal(cpuiso_cpu_is_rcu_nocb(c), i == 2);
	}
	cpuiso_system_free(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_root),
		cmocka_unit_test(test_plain_machine),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_nohz_null),
		cmocka_unit_test(test_broken_trees),
		cmocka_unit_test(test_recorded_build_host),
		cmocka_unit_test(test_recorded_guests),
		cmocka_unit_test(test_recorded_runtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
