// SPDX-License-Identifier: GPL-2.0-or-later
/* Per-CPU columns of /proc/interrupts and /proc/softirqs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A file cut short is refused; the rest of a row is its description */
static void test_cut_and_desc(void **state)
{
	struct irqstat a, b;
	unsigned long long d;

	(void)state;
	assert_int_equal(irqstat_parse(interrupts, 2, &a), 0);
	assert_string_equal(irqstat_find(&a, "24")->desc,
			    "PCI-MSIX-0000:00:03.0 0-edge virtio0-req.0");
	assert_string_equal(irqstat_find(&a, "LOC")->desc, "Local timer interrupts");
	for (size_t cut = 1; cut < sizeof(interrupts) - 1; cut++) {
		char *t = strndup(interrupts, cut);

		if (interrupts[cut - 1] != '\n')
			assert_int_equal(irqstat_parse(t, 2, &b), -EBADMSG);
		else if (irqstat_parse(t, 2, &b) == 0)
			irqstat_free(&b);
		free(t);
	}
	/* deltas: a new row counts from zero; 32-bit counters wrap */
	assert_int_equal(irqstat_parse(" CPU0\nLOC: 4294967295\nNEW: 3\n", 0, &b), 0);
	assert_int_equal(irqstat_delta(&a, irqstat_find(&b, "NEW"), &d), 0);
	assert_int_equal(d, 3);
	irqstat_free(&a);
	assert_int_equal(irqstat_parse(" CPU0\nLOC: 2\n", 0, &a), 0);
	assert_int_equal(irqstat_delta(&b, irqstat_find(&a, "LOC"), &d), 0);
	assert_int_equal(d, 3);
	irqstat_free(&b);
	assert_int_equal(irqstat_parse(" CPU0\nLOC: 4294967296\n", 0, &b), 0);
	assert_int_equal(irqstat_delta(&b, irqstat_find(&a, "LOC"), &d), -EBADMSG);
	irqstat_free(&a);
	irqstat_free(&b);
}

/*
 * A CPU went offline or online between the header and a row: the row's
 * counts no longer line up with the header's columns.  System-wide rows
 * (one number) are left out, also when the CPU asked for is the first.
 */
static void test_columns_moved(void **state)
{
	struct irqstat st;

	(void)state;
	assert_int_equal(irqstat_parse("  CPU0 CPU1 CPU3\n"
				       "LOC: 1 2 3 Local timer interrupts\n"
				       "ERR: 7\n", 0, &st), 0);
	assert_int_equal(st.n, 1);
	assert_int_equal(irqstat_find(&st, "LOC")->count, 1);
	assert_null(irqstat_find(&st, "ERR"));
	irqstat_free(&st);
	/* CPU 2 went online after the header: one count too many */
	assert_int_equal(irqstat_parse("  CPU0 CPU1 CPU3\n"
				       "LOC: 1 2 3 Local timer interrupts\n"
				       "CAL: 1 2 9 3 Function call interrupts\n",
				       3, &st), -EAGAIN);
	/* CPU 1 went offline after the header: one too few */
	assert_int_equal(irqstat_parse("  CPU0 CPU1 CPU3\n"
				       " 24: 1 3 IR-PCI-MSIX 0-edge virtio0\n",
				       3, &st), -EAGAIN);
	/* a description that begins with digits and more is no count */
	assert_int_equal(irqstat_parse("  CPU0 CPU1\n"
				       "  9: 1 2 2-edge acpi\n", 1, &st), 0);
	assert_int_equal(irqstat_find(&st, "9")->count, 2);
	irqstat_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_softirqs),
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_cut_and_desc),
		cmocka_unit_test(test_columns_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
