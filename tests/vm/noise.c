// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noise CPU SECONDS: pin to CPU, spin in user space for SECONDS, and print
 * how many interrupts and softirqs that CPU took meanwhile, one
 * "key=value" per line.  Built static for the guest.  The counters are
 * read by a second thread on another CPU at the start and the end of the
 * window, while the spinner stays in user space all along: the figures
 * count what the kernel did to the CPU, nothing the measurement did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

	/* a row that is not there is no measurement, never a rate of 0 */
	if (!x || !y)
		printf("%s=missing\n", key);
	else
		printf("%s=%.2f\n", key, (y->count - x->count) / secs);
}

/* The window, as the sampler thread sees it */
struct window {
	unsigned int cpu;		/* the spinner's */
	int sampler_cpu;
	double secs, t0, t1;
	struct irqstat irq0, irq1, soft0, soft1;
	atomic_int phase;		/* 0 spinner settling, 1 open, 2 closed */
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "noise: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
		exit(1);
	}
}

static void *sampler(void *arg)
{
	struct window *w = arg;
	struct timespec pause = { 0, 200 * 1000 * 1000 };

	pin(w->sampler_cpu);
	nanosleep(&pause, NULL);	/* the spinner is in user space by now */
	sample("/proc/interrupts", w->cpu, &w->irq0);
	sample("/proc/softirqs", w->cpu, &w->soft0);
	w->t0 = now();
	atomic_store(&w->phase, 1);
	do {
		pause.tv_sec = 0;
		pause.tv_nsec = 10 * 1000 * 1000;
		nanosleep(&pause, NULL);
		w->t1 = now();
	} while (w->t1 - w->t0 < w->secs);
	sample("/proc/interrupts", w->cpu, &w->irq1);
	sample("/proc/softirqs", w->cpu, &w->soft1);
	atomic_store(&w->phase, 2);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct window w;
	struct rusage ru0, ru1;
	cpu_set_t allowed;
	pthread_t thread;
	double secs, wall;
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
	w.cpu = strtoul(argv[1], NULL, 10);
	w.secs = secs = strtod(argv[2], NULL);
	/* the sampler runs on another CPU we may use */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
	w.sampler_cpu = -1;
	for (int c = 0; c < CPU_SETSIZE && w.sampler_cpu < 0; c++)
		if (CPU_ISSET(c, &allowed) && c != (int)w.cpu)
			w.sampler_cpu = c;
	if (w.sampler_cpu < 0) {
		fprintf(stderr, "noise: no CPU but %u to sample from\n", w.cpu);
		return 1;
	}
	pin(w.cpu);
	sched_yield();		/* be on the CPU before the window opens */
	getrusage(RUSAGE_THREAD, &ru0);
	wall = now();
	if (pthread_create(&thread, NULL, sampler, &w)) {
		fprintf(stderr, "noise: cannot start the sampler\n");
		return 1;
	}
	/* no system call from here to the window's end */
	while (atomic_load(&w.phase) != 2)
		for (int i = 0; i < 100000; i++)
			spins++;
	pthread_join(thread, NULL);
	getrusage(RUSAGE_THREAD, &ru1);
	wall = now() - wall;
	secs = w.t1 - w.t0;

	printf("cpu=%u\nran_on=%d\nseconds=%.3f\n", w.cpu, sched_getcpu(), secs);
	/* the whole spin, settling included: what utime is to match */
	printf("wall=%.3f\n", wall);
	printf("utime=%.3f\nstime=%.3f\n",
	       (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	       (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6,
	       (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	       (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6);
	report("irq", &w.irq0, &w.irq1, secs);
	report("softirq", &w.soft0, &w.soft1, secs);
	/* the headline figures */
	rate("loc_per_s", &w.irq0, &w.irq1, "LOC", secs);
	rate("timer_softirq_per_s", &w.soft0, &w.soft1, "TIMER", secs);
	rate("rcu_softirq_per_s", &w.soft0, &w.soft1, "RCU", secs);
	return 0;
}
