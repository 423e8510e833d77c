// SPDX-License-Identifier: GPL-2.0-or-later
/* The capability probe: each answer and the evidence it names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "cpuiso.h"

static struct cpuiso_probe *probe_tree(const char *root)
{
	struct cpuiso_ctx *ctx = NULL;
	struct cpuiso_probe *probe = NULL;

	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	assert_int_equal(cpuiso_probe_run(ctx, &probe), 0);
	cpuiso_ctx_unref(ctx);
	return probe;
}

static void assert_cap(const struct cpuiso_probe *probe, enum cpuiso_cap cap,
		       enum cpuiso_avail want, const char *reason_part)
{
	const char *reason = NULL;

	assert_int_equal(cpuiso_probe_get(probe, cap, &reason), want);
	assert_non_null(reason);
	if (!strstr(reason, reason_part))
		fail_msg("%s: '%s' lacks '%s'", cpuiso_cap_to_string(cap),
			 reason, reason_part);
}

static void test_stock_kernel(void **state)
{
	char *root = tree_new_machine(4);
	struct cpuiso_probe *p;

	(void)state;
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_STATE_FILE, CPUISO_AVAIL_NO, "without the cpuiso patches");
	assert_cap(p, CPUISO_CAP_MODULE, CPUISO_AVAIL_UNKNOWN, "release unknown");
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_UNKNOWN, "no cgroup v2");
	assert_cap(p, CPUISO_CAP_NOHZ_FULL, CPUISO_AVAIL_NO, "without CONFIG_NO_HZ_FULL");
	assert_cap(p, CPUISO_CAP_RCU_NOCB, CPUISO_AVAIL_UNKNOWN, "no rcutree");
	assert_cap(p, CPUISO_CAP_BOOT_ISOLATION, CPUISO_AVAIL_NO, "no isolation parameters");
	cpuiso_probe_free(p);
	tree_free(root);
}

static void test_isolation_kernel(void **state)
{
	char *root = tree_new_machine(4);
	struct cpuiso_probe *p;

	(void)state;
	tree_write(root, "/sys/devices/system/cpu/cpu2/state", "isolated\n");
	tree_write(root, "/sys/devices/system/cpu/nohz_full", "2-3\n");
	tree_write(root, "/sys/module/rcutree/parameters/rcu_nocb_gp_stride", "-1\n");
	tree_write(root, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory\n");
	tree_write(root, "/sys/fs/cgroup/cpuset.cpus.isolated", "\n");
	tree_mkdir(root, "/sys/module/cpuiso");
	tree_write(root, "/proc/cmdline",
		   "console=ttyS0 nohz_full=2-3 rcu_nocbs=2-3 isolcpus=nohz,domain,2-3 quiet\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_STATE_FILE, CPUISO_AVAIL_YES, "cpu2/state");
	assert_cap(p, CPUISO_CAP_MODULE, CPUISO_AVAIL_YES, "loaded");
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_YES, "isolated partitions");
	assert_cap(p, CPUISO_CAP_NOHZ_FULL, CPUISO_AVAIL_YES, "CONFIG_NO_HZ_FULL=y");
	assert_cap(p, CPUISO_CAP_RCU_NOCB, CPUISO_AVAIL_YES, "CONFIG_RCU_NOCB_CPU=y");
	assert_cap(p, CPUISO_CAP_BOOT_ISOLATION, CPUISO_AVAIL_YES,
		   "nohz_full=2-3 rcu_nocbs=2-3 isolcpus=nohz,domain,2-3");
	cpuiso_probe_free(p);
	tree_free(root);
}

static void test_cpuset_variants(void **state)
{
	char *root = tree_new_machine(2);
	struct cpuiso_probe *p;

	(void)state;
	/* "cpusetx" must not pass for "cpuset" */
	tree_write(root, "/sys/fs/cgroup/cgroup.controllers", "cpusetx memory\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_NO, "not in cgroup v2");
	cpuiso_probe_free(p);

	/* root files hidden until cpuset is in subtree_control */
	tree_write(root, "/sys/fs/cgroup/cgroup.controllers", "memory cpuset\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_UNKNOWN,
		   "version unknown");
	cpuiso_probe_free(p);

	tree_write(root, "/proc/sys/kernel/osrelease", "5.10.0-28-amd64\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_NO,
		   "5.10.0-28-amd64 predates");
	cpuiso_probe_free(p);

	tree_write(root, "/proc/sys/kernel/osrelease", "6.12.117\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_CPUSET_PARTITION, CPUISO_AVAIL_YES,
		   "not yet enabled");
	cpuiso_probe_free(p);
	tree_free(root);
}

static void test_module_lookup(void **state)
{
	char *root = tree_new_machine(2);
	struct cpuiso_probe *p;

	(void)state;
	tree_write(root, "/proc/sys/kernel/osrelease", "6.12.0-test\n");
	p = probe_tree(root);
	assert_cap(p, CPUISO_CAP_MODULE, CPUISO_AVAIL_NO,
		   "not installed for 6.12.0-test");
	cpuiso_probe_free(p);

	tree_free(root);

	/* installed and indexed by depmod: found through libkmod */
	p = probe_tree(TREES "/module-installed");
	assert_cap(p, CPUISO_CAP_MODULE, CPUISO_AVAIL_YES,
		   "installed at " TREES "/module-installed/lib/modules/6.12.0-test/extra/cpuiso.ko");
	cpuiso_probe_free(p);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cpuiso_cap_to_string(CPUISO_CAP_RCU_NOCB), "rcu_nocb");
	assert_null(cpuiso_cap_to_string(_CPUISO_CAP_MAX));
	assert_string_equal(cpuiso_avail_to_string(CPUISO_AVAIL_UNKNOWN), "unknown");
	assert_int_equal(cpuiso_state_from_string("isolated"), CPUISO_STATE_ISOLATED);
	assert_int_equal(cpuiso_state_from_string("Isolated"), -EINVAL);
	assert_int_equal(cpuiso_state_from_string(NULL), -EINVAL);
	assert_string_equal(cpuiso_state_to_string(CPUISO_STATE_OFFLINE), "offline");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_kernel),
		cmocka_unit_test(test_isolation_kernel),
		cmocka_unit_test(test_cpuset_variants),
		cmocka_unit_test(test_module_lookup),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
