// SPDX-License-Identifier: GPL-2.0-or-later
/* Per-CPU columns of /proc/interrupts and /proc/softirqs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cleanup.h"
#include "irqstat.h"

/* CPU 1 is offline: it has no column, so CPU 2 is the second one. */
static const char interrupts[] =
	"           CPU0       CPU2       CPU3       \n"
	"  0:         43          0          0   IO-APIC   2-edge      timer\n"
	" 24:          5        700          1   PCI-MSIX-0000:00:03.0 0-edge  virtio0-req.0\n"
	"NMI:          0          0          0   Non-maskable interrupts\n"
	"LOC:      25132        310      25000   Local timer interrupts\n"
	"RES:         10          3          9   Rescheduling interrupts\n"
	"ERR:          0\n"
	"MIS:          0\n";

static const char softirqs[] =
	"                    CPU0       CPU2       CPU3\n"
	"          HI:          0          0          0\n"
	"       TIMER:       1000         12        900\n"
	"         RCU:        500          0        400\n";

static void test_interrupts(void **state)
{
	struct irqstat st;

	(void)state;
	assert_int_equal(irqstat_parse(interrupts, 2, &st), 0);
	assert_int_equal(st.n, 5);
	assert_int_equal(irqstat_find(&st, "LOC")->count, 310);
	assert_int_equal(irqstat_find(&st, "24")->count, 700);
	assert_int_equal(irqstat_find(&st, "RES")->count, 3);
	assert_null(irqstat_find(&st, "ERR"));
	assert_int_equal(irqstat_total(&st), 0 + 700 + 0 + 310 + 3);
	irqstat_free(&st);

	assert_int_equal(irqstat_parse(interrupts, 3, &st), 0);
	assert_int_equal(irqstat_find(&st, "LOC")->count, 25000);
	irqstat_free(&st);

	assert_int_equal(irqstat_parse(interrupts, 1, &st), -ENODEV);
	assert_int_equal(irqstat_parse("garbage", 0, &st), -EBADMSG);
	assert_int_equal(irqstat_parse("   CPUx\n", 0, &st), -EBADMSG);
}

static void test_softirqs(void **state)
{
	struct irqstat st;

	(void)state;
	assert_int_equal(irqstat_parse(softirqs, 2, &st), 0);
	assert_int_equal(st.n, 3);
	assert_int_equal(irqstat_find(&st, "TIMER")->count, 12);
	assert_int_equal(irqstat_find(&st, "RCU")->count, 0);
	irqstat_free(&st);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The files as a real kernel wrote them. */
static void test_recorded(void **state)
{
	_cleanup_free_ char *irq = slurp(TREES "/build-host/proc/interrupts");
	_cleanup_free_ char *soft = slurp(TREES "/build-host/proc/softirqs");
	struct irqstat st;

	(void)state;
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(irqstat_parse(irq, cpu, &st), 0);
		assert_non_null(irqstat_find(&st, "LOC"));
		assert_true(irqstat_find(&st, "LOC")->count > 0);
		irqstat_free(&st);
		assert_int_equal(irqstat_parse(soft, cpu, &st), 0);
		assert_non_null(irqstat_find(&st, "TIMER"));
		assert_non_null(irqstat_find(&st, "RCU"));
		irqstat_free(&st);
	}
	assert_int_equal(irqstat_parse(irq, 2, &st), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_softirqs),
		cmocka_unit_test(test_recorded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
