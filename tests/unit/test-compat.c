// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compat backend against a stock kernel's tree: what it writes, and
 * that a release restores exactly, leaving alone what a user changed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "internal.h"

/*
 * The harness's stand-in for sched_setaffinity() under a tree: the
 * recorded status file gets the new Cpus_allowed_list, as the kernel
 * would show it.
 */
static int fake_affinity(const struct cpuiso_ctx *ctx, unsigned int pid,
			 const char *cpulist)
{
	char path[512], status[256];

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	snprintf(status, sizeof(status), "Cpus_allowed_list:\t%s\n", cpulist);
	tree_write(cpuiso_ctx_get_root(ctx), path, status);
	return 0;
}

static const char *readf(const char *root, const char *rel)
{
	static char buf[256];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* a 4-CPU stock kernel: no cpuN/state; IRQs, kthreads, cgroup v2 root */
static char *stock_machine(void)
{
	char *root = tree_new_machine(4);

	for (int i = 1; i < 4; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", i);
		tree_write(root, path, "1\n");
	}
	tree_write(root, "/proc/irq/25/smp_affinity_list", "0-3\n");
	tree_write(root, "/proc/irq/26/smp_affinity_list", "2-3\n");
	tree_write(root, "/proc/irq/27/smp_affinity_list", "2\n");	/* only isolated CPUs */
	tree_write(root, "/proc/irq/default_smp_affinity", "f\n");
	tree_write(root, "/sys/devices/virtual/workqueue/cpumask", "f\n");
	/* an unbound kthread, a per-CPU one (PF_NO_SETAFFINITY), a user task */
	tree_write(root, "/proc/10/stat", "10 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n");
	tree_write(root, "/proc/10/status", "Name:\tkthreadd\nCpus_allowed_list:\t0-3\n");
	tree_write(root, "/proc/11/stat", "11 (ksoftirqd/2) S 2 0 0 0 -1 69238848 0 0\n");
	tree_write(root, "/proc/11/status", "Cpus_allowed_list:\t2\n");
	tree_write(root, "/proc/12/stat", "12 (a (weird) name) S 1 0 0 0 -1 4194560 0 0\n");
	tree_write(root, "/proc/12/status", "Cpus_allowed_list:\t0-3\n");
	tree_write(root, "/sys/fs/cgroup/cgroup.subtree_control", "memory\n");
	/* what the kernel creates on mkdir, here beforehand */
	tree_write(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus", "\n");
	tree_write(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition", "member\n");
	tree_mkdir(root, "/run");
	return root;
}

struct env {
	struct cpuiso_ctx *ctx;
	struct cpuiso_system *sys;
	struct cpuiso_cpuset *cpus;
};

static void env_new(struct env *e, const char *root, const char *list)
{
	assert_int_equal(cpuiso_ctx_new(root, &e->ctx), 0);
	ctx_set_affinity_fn(e->ctx, fake_affinity);
	assert_int_equal(cpuiso_system_read(e->ctx, &e->sys), 0);
	assert_int_equal(cpuiso_cpuset_parse(list, cpuiso_system_nr_cpus(e->sys),
					     &e->cpus, NULL), 0);
}

static void env_free(struct env *e)
{
	cpuiso_cpuset_free(e->cpus);
	cpuiso_system_free(e->sys);
	cpuiso_ctx_unref(e->ctx);
}

static void test_isolate_release(void **state)
{
	char *root = stock_machine();
	unsigned int moved;
	struct env e;

	(void)state;
	env_new(&e, root, "2-3");
	assert_false(cpuiso_cpu_has_state_file(cpuiso_system_get_cpu(e.sys, 2)));
	assert_int_equal(cpuiso_compat_isolate(e.ctx, e.sys, e.cpus, &moved), 0);
	/* IRQ 25 and kthread 10; IRQ 26 and 27 have no other CPU to go to */
	assert_int_equal(moved, 2);
	assert_string_equal(readf(root, "/sys/fs/cgroup/cgroup.subtree_control"), "+cpuset");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus"), "2-3");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition"),
			    "isolated");
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0-1");
	assert_string_equal(readf(root, "/proc/irq/26/smp_affinity_list"), "2-3");
	assert_string_equal(readf(root, "/proc/irq/27/smp_affinity_list"), "2");
	assert_string_equal(readf(root, "/proc/irq/default_smp_affinity"), "3");
	assert_string_equal(readf(root, "/sys/devices/virtual/workqueue/cpumask"),
			    "3");
	assert_string_equal(readf(root, "/proc/10/status"), "Cpus_allowed_list:\t0-1");
	assert_string_equal(readf(root, "/proc/11/status"), "Cpus_allowed_list:\t2");
	assert_string_equal(readf(root, "/proc/12/status"), "Cpus_allowed_list:\t0-3");
	assert_string_equal(readf(root, "/sys/devices/system/cpu/cpu2/online"), "1");
	env_free(&e);

	/* a user moves IRQ 25 meanwhile: the release leaves it as he set it */
	tree_write(root, "/proc/irq/25/smp_affinity_list", "0\n");
	env_new(&e, root, "2-3");
	assert_int_equal(cpuiso_compat_release(e.ctx, e.sys, e.cpus), 0);
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0");
	assert_string_equal(readf(root, "/proc/irq/default_smp_affinity"), "f");
	assert_string_equal(readf(root, "/sys/devices/virtual/workqueue/cpumask"),
			    "f");
	assert_string_equal(readf(root, "/proc/10/status"), "Cpus_allowed_list:\t0-3");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition"),
			    "member");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cgroup.subtree_control"), "-cpuset");
	assert_string_equal(readf(root, "/run/cpuiso.compat"), "(missing)");
	env_free(&e);
	tree_free(root);
}

/* Isolate 2-3, release 3 only: the masks get 3 back and keep 2 out. */
static void test_partial_release(void **state)
{
	char *root = stock_machine();
	unsigned int moved;
	struct env e;

	(void)state;
	env_new(&e, root, "2-3");
	assert_int_equal(cpuiso_compat_isolate(e.ctx, e.sys, e.cpus, &moved), 0);
	env_free(&e);
	env_new(&e, root, "3");
	assert_int_equal(cpuiso_compat_release(e.ctx, e.sys, e.cpus), 0);
	assert_string_equal(readf(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus"), "2");
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0-1,3");
	assert_string_equal(readf(root, "/proc/10/status"), "Cpus_allowed_list:\t0-1,3");
	assert_string_equal(readf(root, "/proc/irq/default_smp_affinity"), "b");
	env_free(&e);
	/* then 2: everything as it was */
	env_new(&e, root, "2");
	assert_int_equal(cpuiso_compat_release(e.ctx, e.sys, e.cpus), 0);
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0-3");
	assert_string_equal(readf(root, "/proc/10/status"), "Cpus_allowed_list:\t0-3");
	assert_string_equal(readf(root, "/run/cpuiso.compat"), "(missing)");
	env_free(&e);
	tree_free(root);
}

/* A kernel that refuses the partition: the masks are not touched. */
static void test_partition_refused(void **state)
{
	char *root = stock_machine();
	unsigned int moved;
	struct env e;

	(void)state;
	/* a directory where the partition file should be: the write fails */
	tree_mkdir(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition.d");
	remove(strcat(strcpy((char[512]){ 0 }, root),
		      "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition"));
	tree_mkdir(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition");
	env_new(&e, root, "2");
	assert_true(cpuiso_compat_isolate(e.ctx, e.sys, e.cpus, &moved) < 0);
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0-3");
	/* never rewritten: the recorded file as it was */
	assert_string_equal(readf(root, "/proc/10/status"), "Name:\tkthreadd");
	env_free(&e);
	tree_free(root);
}

/*
 * A later row fails (the workqueue mask cannot be written): the walker
 * restores it and every row before it, last first, and the record goes.
 */
static void test_walker_rollback(void **state)
{
	char *root = stock_machine();
	char path[512];
	unsigned int moved;
	struct env e;

	(void)state;
	snprintf(path, sizeof(path), "%s/sys/devices/virtual/workqueue/cpumask", root);
	assert_int_equal(remove(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);	/* reads and writes fail */
	env_new(&e, root, "2");
	assert_true(cpuiso_compat_isolate(e.ctx, e.sys, e.cpus, &moved) < 0);
	/* the rows before it, given back: IRQs, kthreads, default affinity, partition */
	assert_string_equal(readf(root, "/proc/irq/25/smp_affinity_list"), "0-3");
	assert_string_equal(readf(root, "/proc/10/status"), "Cpus_allowed_list:\t0-3");
	assert_string_equal(readf(root, "/proc/irq/default_smp_affinity"), "f");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cpuiso.isolated/cpuset.cpus.partition"),
			    "member");
	assert_string_equal(readf(root, "/sys/fs/cgroup/cgroup.subtree_control"), "-cpuset");
	assert_string_equal(readf(root, "/run/cpuiso.compat"), "(missing)");
	env_free(&e);
	rmdir(path);
	tree_free(root);
}

static void test_report(void **state)
{
	char *root = stock_machine();
	char *line = NULL;
	struct env e;

	(void)state;
	tree_write(root, "/sys/fs/cgroup/cpuset.cpus.isolated", "2\n");
	tree_write(root, "/sys/devices/virtual/workqueue/cpumask", "b\n");
	tree_write(root, "/proc/cmdline", "console=ttyS0 rcu_nocbs=2\n");
	env_new(&e, root, "2");
	assert_int_equal(cpuiso_compat_report(e.ctx, e.sys, 2, &line), 0);
	assert_string_equal(line, "cpu2: load-balancing yes, workqueues yes, "
			    "irqs boot-parameter (isolcpus=managed_irq: 3 IRQ(s) still allowed, "
			    "managed ones cannot move), kthreads yes (per-CPU kernel threads stay), "
			    "timers yes (moved by an offline/online cycle), "
			    "tick boot-parameter (nohz_full=), rcu-callbacks yes");
	free(line);
	env_free(&e);
	tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate_release),
		cmocka_unit_test(test_partial_release),
		cmocka_unit_test(test_partition_refused),
		cmocka_unit_test(test_walker_rollback),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
