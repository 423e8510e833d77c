// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noise CPU SECONDS [trace] [isolated]: how many interrupts and softirqs a
 * user-space spin pinned to CPU takes in SECONDS, one "key=value" per line;
 * with "isolated" the spin is in task isolation mode, and its record of
 * interruptions is printed too (tisol.*).  Built
 * static for the guest, from libcpuiso's measurement code (the same as
 * `cpuiso verify`): the library's spinner makes no system call in the
 * window, and this thread reads the counters from another CPU when the
 * window opens and closes, so the figures count what the kernel did to
 * the CPU, nothing the measurement did.  With "trace", the causes the
 * tracefs events name are printed too (cause.SOURCE=...).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpuiso.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *prefix, const struct cpuiso_noise *n,
		   enum cpuiso_noise_class cls, double secs)
{
	unsigned long long total = cpuiso_noise_get_count(n, cls);

	for (size_t i = 0; i < cpuiso_noise_nr_sources(n); i++) {
		const struct cpuiso_noise_source *s = cpuiso_noise_get_source(n, i);

		if (s->cls == cls)
			printf("%s.%s=%llu\n", prefix, s->name, s->count);
	}
	printf("%s_total=%llu\n%s_per_s=%.2f\n", prefix, total, prefix,
	       total / secs);
}

/* KEY_per_s and KEY_count of one row, which the source list leaves out at 0 */
static void rate(const char *key, const struct cpuiso_noise *n,
		 enum cpuiso_noise_class cls, const char *name, double secs)
{
	unsigned long long count;

	/* a row that is not there is no measurement, never a rate of 0 */
	if (cpuiso_noise_get_row(n, cls, name, &count) < 0) {
		printf("%s_per_s=missing\n%s_count=missing\n", key, key);
		return;
	}
	printf("%s_per_s=%.2f\n%s_count=%llu\n", key, count / secs, key, count);
}

int main(int argc, char **argv)
{
	struct cpuiso_load_stats load;
	struct cpuiso_measure *m;
	struct cpuiso_noise *n;
	struct cpuiso_ctx *ctx;
	struct timespec ts;
	double secs;
	unsigned int cpu;
	bool trace = false, isolated = false;
	int r;

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
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "trace") == 0)
			trace = true;
		else if (strcmp(argv[i], "isolated") == 0)
			isolated = true;
		else
			argc = 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: noise CPU SECONDS [trace] [isolated] | now | write FILE VALUE\n");
		return 2;
	}
	cpu = strtoul(argv[1], NULL, 10);
	secs = strtod(argv[2], NULL);

	r = cpuiso_ctx_new("/", &ctx);
	if (r >= 0)
		r = cpuiso_measure_start(ctx, cpu,
					 isolated ? CPUISO_LOAD_ISOLATED : CPUISO_LOAD_SPIN,
					 trace ? 0 : CPUISO_MEASURE_NO_TRACE, &m);
	if (r < 0) {
		fprintf(stderr, "noise: cannot measure CPU %u: %s\n", cpu, strerror(-r));
		return 1;
	}
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	r = cpuiso_measure_stop(m, &n);
	if (r < 0) {
		fprintf(stderr, "noise: cannot measure CPU %u: %s\n", cpu, strerror(-r));
		return 1;
	}
	secs = cpuiso_noise_get_seconds(n);
	if (cpuiso_noise_get_load(n, &load) < 0)
		load = (struct cpuiso_load_stats) { .ran_on = -1 };

	printf("cpu=%u\nran_on=%d\nseconds=%.3f\n", cpu, load.ran_on, secs);
	/* the whole spin, settling included: what utime is to match */
	printf("wall=%.3f\n", load.wall);
	printf("utime=%.3f\nstime=%.3f\n", load.utime, load.stime);
	report("irq", n, CPUISO_NOISE_IRQ, secs);
	report("softirq", n, CPUISO_NOISE_SOFTIRQ, secs);
	/* the headline figures */
	rate("loc", n, CPUISO_NOISE_IRQ, "LOC", secs);
	rate("timer_softirq", n, CPUISO_NOISE_SOFTIRQ, "TIMER", secs);
	rate("rcu_softirq", n, CPUISO_NOISE_SOFTIRQ, "RCU", secs);
	if (trace) {
		const char *note = NULL;

		if (!cpuiso_noise_is_traced(n, &note))
			printf("trace=none\n");
		for (size_t i = 0; i < cpuiso_noise_nr_sources(n); i++) {
			const struct cpuiso_noise_source *s = cpuiso_noise_get_source(n, i);

			if (s->cls == CPUISO_NOISE_THREAD)
				printf("thread.%s=%llu\n", s->name, s->count);
			if (s->cause)
				printf("cause.%s=%s\n", s->name, s->cause);
		}
		if (note)
			printf("trace_note=%s\n", note);
	}
	if (isolated) {
		struct cpuiso_task_isolation ti;

		if (cpuiso_noise_get_task_isolation(n, &ti) < 0) {
			printf("tisol=none\n");
		} else {
			printf("tisol.total=%llu\n", ti.total);
			for (int k = 0; k < _CPUISO_TASK_ISOL_KIND_MAX; k++)
				printf("tisol.%s=%llu\n", cpuiso_task_isol_kind_to_string(k),
				       ti.count[k]);
			printf("tisol.last=%s\n", ti.last);
		}
	}
	cpuiso_noise_free(n);
	cpuiso_ctx_unref(ctx);
	return 0;
}
