// SPDX-License-Identifier: GPL-2.0-or-later
/* The task isolation record (/proc/PID/task_isolation) and the env request */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cpuiso.h"
#include "tree.h"

/* as kernel series 0018 prints it, a task killed in strict mode */
static const char killed[] =
	"mode: off\n"
	"cpu: 2\n"
	"signal: 9\n"
	"syscall: 3\n"
	"exception: 0\n"
	"irq: 0\n"
	"ipi: 1\n"
	"nmi: 0\n"
	"left: 0\n"
	"last: call function single interrupt (vector 251), ipi from CPU 0 at "
	"smp_call_function_many_cond+0x1a/0x2b0 for ipi_mb\n"
	"signalled: syscall 110\n";

static int read_record(const char *content, struct cpuiso_task_isolation *ti)
{
	char *root = tree_new();
	struct cpuiso_ctx *ctx;
	int r;

	tree_mkdir(root, "/proc/42");
	if (content)
		tree_write(root, "/proc/42/task_isolation", content);
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	cpuiso_ctx_set_log_priority(ctx, 0);
	r = cpuiso_task_isolation_read(ctx, 42, ti);
	cpuiso_ctx_unref(ctx);
	tree_free(root);
	return r;
}

static void test_read(void **state)
{
	struct cpuiso_task_isolation ti;

	(void)state;
	assert_int_equal(read_record(killed, &ti), 0);
	assert_int_equal(ti.mode, CPUISO_TASK_ISOL_OFF);
	assert_int_equal(ti.cpu, 2);
	assert_int_equal(ti.signal, SIGKILL);
	assert_int_equal(ti.count[CPUISO_TASK_ISOL_SYSCALL], 3);
	assert_int_equal(ti.count[CPUISO_TASK_ISOL_IPI], 1);
	assert_int_equal(ti.total, 4);
	assert_non_null(strstr(ti.last, "for ipi_mb"));
	assert_string_equal(ti.signalled, "syscall 110");
}

static void test_read_strict_newer_key(void **state)
{
	struct cpuiso_task_isolation ti;

	(void)state;
	/* a key a newer kernel adds is skipped, not an error */
	assert_int_equal(read_record("mode: strict\ncpu: 3\nsignal: 10\nsteal: 4\n"
				     "last: -\n", &ti), 0);
	assert_int_equal(ti.mode, CPUISO_TASK_ISOL_STRICT);
	assert_int_equal(ti.signal, 10);
	assert_int_equal(ti.total, 0);
	assert_string_equal(ti.last, "");
}

static void test_read_garbled(void **state)
{
	static const char *const bad[] = {
		"",					/* no mode line */
		"mode: maybe\n",			/* unknown mode */
		"mode: on\ncpu: two\n",			/* not a number */
		"mode: on\nsyscall: -1\n",		/* negative */
		"mode: on\nsyscall 3\n",		/* no separator */
		"mode: on\ncpu: 99999\n",		/* out of range */
		"mode: on\nirq: 18446744073709551616\n",/* overflow */
	};
	struct cpuiso_task_isolation ti;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(read_record(bad[i], &ti), -EBADMSG);
}

static void test_read_missing(void **state)
{
	struct cpuiso_task_isolation ti;
	struct cpuiso_ctx *ctx;
	char *root = tree_new();

	(void)state;
	/* the task exists, the file does not: a kernel without the mode */
	assert_int_equal(read_record(NULL, &ti), -EOPNOTSUPP);
	/* no such task */
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	cpuiso_ctx_set_log_priority(ctx, 0);
	assert_int_equal(cpuiso_task_isolation_read(ctx, 43, &ti), -ENOENT);
	assert_int_equal(cpuiso_task_isolation_read(ctx, 0, &ti), -EINVAL);
	cpuiso_ctx_unref(ctx);
	tree_free(root);
}

static void test_from_env(void **state)
{
	static const struct {
		const char *value;
		int r;
		unsigned int flags;
		int sig;
	} cases[] = {
		{ "on", 0, 0, 0 },
		{ "strict", 0, CPUISO_TASK_ISOLATION_STRICT, 0 },
		{ "strict:10", 0, CPUISO_TASK_ISOLATION_STRICT, 10 },
		{ "strict:", -EINVAL, 0, 0 },
		{ "strict:0", -EINVAL, 0, 0 },
		{ "strict:999", -EINVAL, 0, 0 },
		{ "strictly", -EINVAL, 0, 0 },
		{ "off", -EINVAL, 0, 0 },
	};
	unsigned int flags;
	int sig;

	(void)state;
	unsetenv("CPUISO_TASK_ISOLATION");
	assert_int_equal(cpuiso_task_isolation_from_env(&flags, &sig), -ENOENT);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("CPUISO_TASK_ISOLATION", cases[i].value, 1);
		assert_int_equal(cpuiso_task_isolation_from_env(&flags, &sig), cases[i].r);
		if (cases[i].r == 0) {
			assert_int_equal(flags, cases[i].flags);
			assert_int_equal(sig, cases[i].sig);
		}
	}
	unsetenv("CPUISO_TASK_ISOLATION");
}

static void test_enter_bad_args(void **state)
{
	(void)state;
	/* refused before the kernel is asked: nothing changes */
	assert_int_equal(cpuiso_task_isolation_enter(1 << 7, 0), -EINVAL);
	assert_int_equal(cpuiso_task_isolation_enter(0, SIGUSR1), -EINVAL);
	assert_int_equal(cpuiso_task_isolation_enter(CPUISO_TASK_ISOLATION_STRICT, -1),
			 -EINVAL);
	assert_int_equal(cpuiso_task_isolation_enter(CPUISO_TASK_ISOLATION_STRICT, NSIG),
			 -EINVAL);
	assert_string_equal(cpuiso_task_isol_kind_to_string(CPUISO_TASK_ISOL_LEFT), "left");
	assert_null(cpuiso_task_isol_kind_to_string(_CPUISO_TASK_ISOL_KIND_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_strict_newer_key),
		cmocka_unit_test(test_read_garbled),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_from_env),
		cmocka_unit_test(test_enter_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
