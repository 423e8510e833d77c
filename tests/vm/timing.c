// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small probes of what the kernel does to a task, built static for the
 * guest; each prints "key=value" lines.
 *
 *   timing itimer CPU SECS   pin to CPU, arm ITIMER_PROF every 10 ms, spin
 *                            SECS seconds; SIGPROFs in the last half of it
 *   timing syscall CPU N     pin to CPU, N getpid() calls; ns per call
 *   timing write FILE VALUE  the write() of VALUE to FILE alone, in ms
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_ulong profs;

static void on_prof(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&profs, 1, memory_order_relaxed);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("timing: sched_setaffinity");
		exit(1);
	}
}

static int itimer(int cpu, double secs)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	struct sigaction sa = { .sa_handler = on_prof };
	double start, half;
	unsigned long at_half = 0;
	int halfway = 0;

	pin(cpu);
	sigaction(SIGPROF, &sa, NULL);
	if (setitimer(ITIMER_PROF, &it, NULL)) {
		perror("timing: setitimer");
		return 1;
	}
	start = now_s();
	half = start + secs / 2;
	for (;;) {
		double t = now_s();

		if (!halfway && t >= half) {
			at_half = atomic_load(&profs);
			halfway = 1;
		}
		if (t >= start + secs)
			break;
	}
	printf("ran_on=%d\n", sched_getcpu());
	printf("sigprof_total=%lu\n", atomic_load(&profs));
	printf("sigprof_per_s_last_half=%.1f\n",
	       (atomic_load(&profs) - at_half) / (secs / 2));
	return 0;
}

static int syscalls(int cpu, long n)
{
	double t;
	long i;

	pin(cpu);
	t = now_s();
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	t = now_s() - t;
	printf("ran_on=%d\n", sched_getcpu());
	printf("getpid_ns=%.1f\n", t * 1e9 / n);
	return 0;
}

/*
 * The write() of VALUE to FILE alone, timed: what a sysfs transition costs
 * the kernel, without the fork and exec of a writer around it.
 */
static int timed_write(const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);
	double t;

	if (fd < 0) {
		printf("error=%s\n", strerror(errno));
		return 1;
	}
	t = now_s();
	if (write(fd, value, strlen(value)) < 0) {
		printf("error=%s\n", strerror(errno));
		close(fd);
		return 1;
	}
	t = now_s() - t;
	close(fd);
	printf("write_ms=%.3f\n", t * 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "itimer"))
		return itimer(atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "syscall"))
		return syscalls(atoi(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "write"))
		return timed_write(argv[2], argv[3]);
	fprintf(stderr, "usage: timing itimer CPU SECS | timing syscall CPU N | timing write FILE VALUE\n");
	return 2;
}
