// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso_change(): the whole sequence against a patched machine's tree:
 * progress callbacks, the per-CPU result, rollback, the journal, the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "cpuiso.h"

static char *patched_machine(void)
{
	char *root = tree_new_machine(4);
	char path[128];

	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/state", i);
		tree_write(root, path, "online\n");
		if (i == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", i);
		tree_write(root, path, "1\n");
	}
	return root;
}

static const char *state_of(const char *root, int cpu)
{
	static char buf[32];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/state", root, cpu);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		strcpy(buf, "(missing)");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

struct events {
	char log[256];
};

static void on_progress(void *data, enum cpuiso_progress event,
			const struct cpuiso_change_cpu *c)
{
	struct events *ev = data;
	static const char *const names[] = { "R", "B", "D", "F", "U" };
	size_t len = strlen(ev->log);

	snprintf(ev->log + len, sizeof(ev->log) - len, "%s%u ", names[event],
		 cpuiso_change_cpu_get_id(c));
}

struct run {
	struct cpuiso_ctx *ctx;
	struct cpuiso_system *sys;
	struct cpuiso_cpuset *cpus;
	struct cpuiso_change_result *res;
	struct events ev;
};

static int change(struct run *r, const char *root, enum cpuiso_change_op op,
		  const char *list, unsigned int flags)
{
	struct cpuiso_change_request req = {
		.op = op, .only_cpu = -1, .progress = on_progress,
		.progress_data = &r->ev,
	};

	memset(r, 0, sizeof(*r));
	assert_int_equal(cpuiso_ctx_new(root, &r->ctx), 0);
	assert_int_equal(cpuiso_system_read(r->ctx, &r->sys), 0);
	assert_int_equal(cpuiso_cpuset_parse(list, cpuiso_system_nr_cpus(r->sys),
					     &r->cpus, NULL), 0);
	req.cpus = r->cpus;
	return cpuiso_change(r->ctx, &req, flags, &r->res);
}

static void run_done(struct run *r)
{
	cpuiso_change_result_free(r->res);
	cpuiso_cpuset_free(r->cpus);
	cpuiso_system_free(r->sys);
	cpuiso_ctx_unref(r->ctx);
}

static const struct cpuiso_change_cpu *cpu_of(const struct run *r, unsigned int id)
{
	for (size_t i = 0; i < cpuiso_change_result_nr_cpus(r->res); i++) {
		const struct cpuiso_change_cpu *c = cpuiso_change_result_get_cpu(r->res, i);

		if (cpuiso_change_cpu_get_id(c) == id)
			return c;
	}
	fail_msg("cpu%u not in the result", id);
	return NULL;
}

static void test_isolate(void **state)
{
	char *root = patched_machine();
	struct run r;
	const char *detail;

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1-2", 0), 0);
	assert_int_equal(cpuiso_change_result_get_status(r.res), CPUISO_CHANGE_OK);
	assert_int_equal(cpuiso_change_result_get_backend(r.res), CPUISO_BACKEND_STATE);
	assert_null(cpuiso_change_result_get_message(r.res));
	assert_string_equal(r.ev.log, "B1 D1 B2 D2 ");
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 1)), CPUISO_OUTCOME_CHANGED);
	assert_int_equal(cpuiso_change_cpu_get_from(cpu_of(&r, 2)), CPUISO_STATE_ONLINE);
	assert_int_equal(cpuiso_change_cpu_get_to(cpu_of(&r, 2)), CPUISO_STATE_ISOLATED);
	/* no cpuiso.ko under this root: the IRQ hand-over is not reached */
	assert_int_equal(cpuiso_change_cpu_get_property(cpu_of(&r, 1), CPUISO_PROP_IRQS,
							&detail), CPUISO_ACHIEVED_NO);
	assert_non_null(strstr(detail, "cpuiso.ko"));
	assert_int_equal(cpuiso_change_cpu_get_property(cpu_of(&r, 1),
			 CPUISO_PROP_LOAD_BALANCING, NULL), CPUISO_ACHIEVED_YES);
	assert_string_equal(state_of(root, 1), "isolated");
	assert_string_equal(state_of(root, 2), "isolated");
	run_done(&r);

	/* again: nothing to do, no progress */
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1", 0), 0);
	assert_string_equal(r.ev.log, "");
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 1)), CPUISO_OUTCOME_UNCHANGED);
	run_done(&r);
	tree_free(root);
}

static void test_refused_and_dry(void **state)
{
	char *root = patched_machine();
	struct run r;

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "0-1", 0), -EBUSY);
	assert_int_equal(cpuiso_change_result_get_status(r.res), CPUISO_CHANGE_REFUSED);
	assert_non_null(strstr(cpuiso_change_result_get_message(r.res), "CPU 0 cannot go offline"));
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 0)), CPUISO_OUTCOME_REFUSED);
	assert_int_equal(cpuiso_change_cpu_get_error(cpu_of(&r, 0)), -EBUSY);
	assert_string_equal(r.ev.log, "");
	assert_string_equal(state_of(root, 1), "online");
	run_done(&r);

	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "3", CPUISO_CHANGE_DRY_RUN), 0);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 3)), CPUISO_OUTCOME_PLANNED);
	assert_string_equal(state_of(root, 3), "online");
	run_done(&r);
	tree_free(root);
}

static void test_lock_and_journal(void **state)
{
	char *root = patched_machine();
	char path[512];
	struct run r;
	int fd;

	(void)state;
	tree_mkdir(root, "/run");
	snprintf(path, sizeof(path), "%s/run/cpuiso.lock", root);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1", 0), -EWOULDBLOCK);
	assert_non_null(strstr(cpuiso_change_result_get_message(r.res), "another cpuiso run"));
	assert_string_equal(state_of(root, 1), "online");
	run_done(&r);
	close(fd);

	/* an interrupted run isolated CPU 3: put back first */
	tree_write(root, "/run/cpuiso.journal", "cpuiso-journal 1\n3 online isolated\n");
	tree_write(root, "/sys/devices/system/cpu/cpu3/state", "isolated\n");
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1", 0), 0);
	assert_int_equal(cpuiso_change_result_nr_recovered(r.res), 1);
	assert_int_equal(cpuiso_change_result_nr_notes(r.res), 1);
	assert_string_equal(state_of(root, 3), "online");
	assert_string_equal(state_of(root, 1), "isolated");
	run_done(&r);
	tree_free(root);
}

static void test_outlook(void **state)
{
	char *root = patched_machine();
	struct cpuiso_change_result *res = NULL;
	struct run r;

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "0-3", CPUISO_CHANGE_DRY_RUN), -EBUSY);
	cpuiso_change_result_free(r.res);
	r.res = NULL;
	assert_int_equal(cpuiso_change_outlook(r.ctx, r.sys, r.cpus, &res), 0);
	assert_int_equal(cpuiso_change_result_nr_cpus(res), 4);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpuiso_change_result_get_cpu(res, 0)),
			 CPUISO_OUTCOME_REFUSED);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpuiso_change_result_get_cpu(res, 3)),
			 CPUISO_OUTCOME_PLANNED);
	cpuiso_change_result_free(res);
	run_done(&r);
	tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate),
		cmocka_unit_test(test_refused_and_dry),
		cmocka_unit_test(test_lock_and_journal),
		cmocka_unit_test(test_outlook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
