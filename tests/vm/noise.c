// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noise CPU SECONDS: pin to CPU, spin in user space for SECONDS, and print
 * how many interrupts and softirqs that CPU took meanwhile, one
 * "key=value" per line.  Built static for the guest; it reads the files
 * before and after the spin only, so it adds no noise of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "irqstat.h"

static char *slurp(const char *path)
{
	size_t size = 1 << 20, len = 0;
	char *buf = malloc(size);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (!buf || fd < 0) {
		fprintf(stderr, "noise: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while ((n = read(fd, buf + len, size - len - 1)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static void sample(const char *path, unsigned int cpu, struct irqstat *st)
{
	char *text = slurp(path);
	int r = irqstat_parse(text, cpu, st);

	free(text);
	if (r < 0) {
		fprintf(stderr, "noise: %s: no column for CPU %u (%s)\n", path,
			cpu, strerror(-r));
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	/* vDSO: no kernel entry while spinning */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *prefix, const struct irqstat *a,
		   const struct irqstat *b, double secs)
{
	unsigned long long total = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct irqstat_row *old = irqstat_find(a, b->rows[i].name);
		unsigned long long d = b->rows[i].count - (old ? old->count : 0);

		total += d;
		if (d)
			printf("%s.%s=%llu\n", prefix, b->rows[i].name, d);
	}
	printf("%s_total=%llu\n%s_per_s=%.2f\n", prefix, total, prefix,
	       total / secs);
}

static void rate(const char *key, const struct irqstat *a,
		 const struct irqstat *b, const char *name, double secs)
{
	const struct irqstat_row *x = irqstat_find(a, name);
	const struct irqstat_row *y = irqstat_find(b, name);

	printf("%s=%.2f\n", key, x && y ? (y->count - x->count) / secs : 0.0);
}

int main(int argc, char **argv)
{
	struct irqstat irq0, irq1, soft0, soft1;
	struct rusage ru0, ru1;
	unsigned int cpu;
	double secs, t0, t1;
	cpu_set_t set;
	volatile unsigned long spins = 0;

	/* "noise write FILE VALUE": one write(2); the errno's text if it fails */
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		int fd = open(argv[2], O_WRONLY);

		if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0) {
			printf("%s\n", strerror(errno));
			return 1;
		}
		close(fd);
		return 0;
	}
	/* "noise now": milliseconds of CLOCK_MONOTONIC, for shell timings */
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.3f\n", now() * 1000);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: noise CPU SECONDS | now | write FILE VALUE\n");
		return 2;
	}
	cpu = strtoul(argv[1], NULL, 10);
	secs = strtod(argv[2], NULL);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "noise: cannot pin to CPU %u: %s\n", cpu,
			strerror(errno));
		return 1;
	}
	sched_yield();		/* be on the CPU before the first sample */

	sample("/proc/interrupts", cpu, &irq0);
	sample("/proc/softirqs", cpu, &soft0);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	do {
		for (int i = 0; i < 100000; i++)
			spins++;
		t1 = now();
	} while (t1 - t0 < secs);
	getrusage(RUSAGE_SELF, &ru1);
	sample("/proc/interrupts", cpu, &irq1);
	sample("/proc/softirqs", cpu, &soft1);

	printf("cpu=%u\nran_on=%d\nseconds=%.3f\n", cpu, sched_getcpu(), t1 - t0);
	printf("utime=%.3f\nstime=%.3f\n",
	       (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	       (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6,
	       (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	       (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6);
	report("irq", &irq0, &irq1, t1 - t0);
	report("softirq", &soft0, &soft1, t1 - t0);
	/* the headline figures */
	rate("loc_per_s", &irq0, &irq1, "LOC", t1 - t0);
	rate("timer_softirq_per_s", &soft0, &soft1, "TIMER", t1 - t0);
	rate("rcu_softirq_per_s", &soft0, &soft1, "RCU", t1 - t0);
	return 0;
}
