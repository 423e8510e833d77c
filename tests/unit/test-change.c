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

struct events {
	char log[256];
	const char *root;	/* break_after: after CPU 1 is done, break these */
	int break_after[2];
};

static void on_progress(void *data, enum cpuiso_progress event,
			const struct cpuiso_change_cpu *c)
{
	struct events *ev = data;
	static const char *const names[] = { "R", "B", "D", "F", "U" };
	size_t len = strlen(ev->log);

	snprintf(ev->log + len, sizeof(ev->log) - len, "%s%u ", names[event],
		 cpuiso_change_cpu_get_id(c));
	/* a fault after the first CPU changed: its next write fails */
	if (event == CPUISO_PROGRESS_DONE && ev->root)
		for (int i = 0; i < 2; i++)
			if (ev->break_after[i] >= 0)
				assert_int_equal(tree_break_state(ev->root, ev->break_after[i]), 0);
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

	struct events ev = r->ev;

	memset(r, 0, sizeof(*r));
	r->ev = ev;
	r->ev.log[0] = '\0';
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
	char *root = tree_new_patched_machine(4);
	struct run r = { .ev.break_after = { -1, -1 } };
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
	/* IRQs are the kernel's; with no cpuiso.ko under this root, task masks are not */
	assert_int_equal(cpuiso_change_cpu_get_property(cpu_of(&r, 1), CPUISO_PROP_IRQS, NULL),
			 CPUISO_ACHIEVED_YES);
	assert_int_equal(cpuiso_change_cpu_get_property(cpu_of(&r, 1), CPUISO_PROP_KTHREADS,
							&detail), CPUISO_ACHIEVED_NO);
	assert_non_null(strstr(detail, "cpuiso.ko"));
	assert_int_equal(cpuiso_change_cpu_get_property(cpu_of(&r, 1),
			 CPUISO_PROP_LOAD_BALANCING, NULL), CPUISO_ACHIEVED_YES);
	assert_string_equal(tree_cpu_state(root, 1), "isolated");
	assert_string_equal(tree_cpu_state(root, 2), "isolated");
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
	char *root = tree_new_patched_machine(4);
	struct run r = { .ev.break_after = { -1, -1 } };

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "0-1", 0), -EBUSY);
	assert_int_equal(cpuiso_change_result_get_status(r.res), CPUISO_CHANGE_REFUSED);
	assert_non_null(strstr(cpuiso_change_result_get_message(r.res), "CPU 0 cannot go offline"));
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 0)), CPUISO_OUTCOME_REFUSED);
	assert_int_equal(cpuiso_change_cpu_get_error(cpu_of(&r, 0)), -EBUSY);
	assert_string_equal(r.ev.log, "");
	assert_string_equal(tree_cpu_state(root, 1), "online");
	run_done(&r);

	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "3", CPUISO_CHANGE_DRY_RUN), 0);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 3)), CPUISO_OUTCOME_PLANNED);
	assert_string_equal(tree_cpu_state(root, 3), "online");
	run_done(&r);
	tree_free(root);
}

/* CPU 2 fails after CPU 1 was isolated: CPU 1 is put back. */
static void test_rollback(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r = { .ev = { .root = root, .break_after = { 2, -1 } } };

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1-2", 0), -EISDIR);
	assert_int_equal(cpuiso_change_result_get_status(r.res), CPUISO_CHANGE_FAILED);
	assert_string_equal(r.ev.log, "B1 D1 B2 F2 U1 ");
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 1)), CPUISO_OUTCOME_ROLLED_BACK);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 2)), CPUISO_OUTCOME_FAILED);
	assert_string_equal(tree_cpu_state(root, 1), "online");
	/* rolled back whole: no journal is left for the next run */
	assert_int_equal(cpuiso_journal_recover(r.ctx, &(size_t){ 0 }), 0);
	run_done(&r);
	tree_free(root);
}

/* CPU 1's undo fails too: partial, CPU 1 stays changed, the journal stays. */
static void test_partial(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct run r = { .ev = { .root = root, .break_after = { 2, 1 } } };
	char path[512];

	(void)state;
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1-2", 0), -EISDIR);
	assert_int_equal(cpuiso_change_result_get_status(r.res), CPUISO_CHANGE_PARTIAL);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 1)), CPUISO_OUTCOME_NOT_UNDONE);
	assert_int_equal(cpuiso_change_cpu_get_outcome(cpu_of(&r, 2)), CPUISO_OUTCOME_FAILED);
	snprintf(path, sizeof(path), "%s/run/cpuiso.journal", root);
	assert_int_equal(access(path, F_OK), 0);
	run_done(&r);
	tree_free(root);
}

static void test_lock_and_journal(void **state)
{
	char *root = tree_new_patched_machine(4);
	char path[512];
	struct run r = { .ev.break_after = { -1, -1 } };
	int fd;

	(void)state;
	tree_mkdir(root, "/run");
	snprintf(path, sizeof(path), "%s/run/cpuiso.lock", root);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1", 0), -EWOULDBLOCK);
	assert_non_null(strstr(cpuiso_change_result_get_message(r.res), "another cpuiso run"));
	assert_string_equal(tree_cpu_state(root, 1), "online");
	run_done(&r);
	close(fd);

	/* an interrupted run isolated CPU 3: put back first */
	tree_write(root, "/run/cpuiso.journal", "cpuiso-journal 1\n3 online isolated\n");
	tree_write(root, "/sys/devices/system/cpu/cpu3/state", "isolated\n");
	assert_int_equal(change(&r, root, CPUISO_CHANGE_ISOLATE, "1", 0), 0);
	assert_int_equal(cpuiso_change_result_nr_recovered(r.res), 1);
	/* the CPU put back first, then the change itself */
	assert_string_equal(r.ev.log, "R3 B1 D1 ");
	assert_int_equal(cpuiso_change_result_nr_notes(r.res), 1);
	assert_string_equal(tree_cpu_state(root, 3), "online");
	assert_string_equal(tree_cpu_state(root, 1), "isolated");
	run_done(&r);
	tree_free(root);
}

static void test_outlook(void **state)
{
	char *root = tree_new_patched_machine(4);
	struct cpuiso_change_result *res = NULL;
	struct run r = { .ev.break_after = { -1, -1 } };

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
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_lock_and_journal),
		cmocka_unit_test(test_outlook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
