/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One CPU's column of /proc/interrupts or /proc/softirqs.  Pure functions
 * over text: the library, the CLI and the guest's static noise helper
 * share them.
 */
#ifndef CPUISO_IRQSTAT_H
#define CPUISO_IRQSTAT_H

#include <stddef.h>

struct irqstat_row {
	char name[32];			/* "LOC", "TIMER", "24", ... */
	char desc[64];			/* the rest: "Local timer interrupts" */
	unsigned long long count;
};

struct irqstat {
	size_t n;
	struct irqstat_row *rows;
};

int irqstat_parse(const char *text, unsigned int cpu, struct irqstat *out);
void irqstat_free(struct irqstat *st);
const struct irqstat_row *irqstat_find(const struct irqstat *st,
				       const char *name);
unsigned long long irqstat_total(const struct irqstat *st);
int irqstat_delta(const struct irqstat *before,
		  const struct irqstat_row *row, unsigned long long *ret);

#endif
