// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tisol: task isolation mode in the guest, through libcpuiso.
 *
 *   tisol refuse CPU         prctl() refusals, one "refuse.CASE=ERRNO" each
 *   tisol cost CPU N         N times entering and leaving the mode on CPU:
 *                            enter_leave_ns, the cost of one pair
 *   tisol spin CPU SECS [MODE] [VIOLATION]
 *	the main thread, pinned to CPU, enters the mode (MODE: on, strict,
 *	strict:SIG, or env: what `cpuiso run` passed in CPUISO_TASK_ISOLATION)
 *	and spins in user space for SECS; after one second it commits
 *	VIOLATION (syscall, fault, ipi: a membarrier IPI from this helper's
 *	control thread on another CPU, or none).  With a signal other than SIGKILL, a
 *	handler notes the cause and enters the mode again.  Prints the
 *	record and the causes the handler saw, "key=value" a line.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpuiso.h"

static atomic_int stop, go_violate, entered, reenter;
static volatile sig_atomic_t signals;
static char causes[4][256];
static unsigned int flags;
static int sig;
static char *fresh;		/* not touched before the violation */
static double window;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void on_violation(int s)
{
	struct cpuiso_task_isolation ti;
	struct cpuiso_ctx *ctx;
	int n = signals;

	(void)s;
	/* not async-signal-safe in general; the spinner is the only thread it interrupts */
	if (cpuiso_ctx_new("/", &ctx) >= 0) {
		if (cpuiso_task_isolation_read(ctx, gettid(), &ti) >= 0 && n < 4)
			snprintf(causes[n], sizeof(causes[n]), "%s", ti.signalled);
		cpuiso_ctx_unref(ctx);
	}
	signals = n + 1;
	/* strict mode again once the handler returned (rt_sigreturn is an entry) */
	atomic_store(&reenter, 1);
}

/* The control thread, on another CPU: the violation, then the end */
static void *control(void *arg)
{
	const char *violation = arg;
	struct timespec one = { 1, 0 };
	double secs = window;

	while (!atomic_load(&entered))
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	if (atomic_load(&entered) > 0) {
		nanosleep(&one, NULL);
		secs -= 1;
		if (strcmp(violation, "syscall") == 0)
			atomic_store(&go_violate, 1);
		else if (strcmp(violation, "fault") == 0)
			atomic_store(&go_violate, 2);
		else if (strcmp(violation, "ipi") == 0 &&
			 syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) < 0)
			perror("membarrier");
		if (secs > 0) {
			struct timespec rest = { (time_t)secs,
						 (long)((secs - (time_t)secs) * 1e9) };

			nanosleep(&rest, NULL);
		}
	}
	atomic_store(&stop, 1);
	return NULL;
}

/* The spin, on the CPU, in the mode */
static void spin(void)
{
	volatile unsigned long spins = 0;
	struct cpuiso_task_isolation ti;
	struct cpuiso_ctx *ctx;
	int r;

	r = cpuiso_task_isolation_enter(flags, sig);
	if (r < 0) {
		printf("enter=%s\n", strerror(-r));
		atomic_store(&entered, -1);
		return;
	}
	atomic_store(&entered, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 100000; i++)
			spins++;
		if (atomic_exchange_explicit(&reenter, 0, memory_order_relaxed)) {
			r = cpuiso_task_isolation_enter(flags, sig);
			if (r < 0)
				printf("reenter=%s\n", strerror(-r));
		}
		switch (atomic_exchange_explicit(&go_violate, 0, memory_order_relaxed)) {
		case 1:
			(void)syscall(SYS_getppid);
			break;
		case 2:
			fresh[0] = 1;
			break;
		}
	}
	cpuiso_task_isolation_leave();
	if (cpuiso_ctx_new("/", &ctx) < 0 ||
	    cpuiso_task_isolation_read(ctx, gettid(), &ti) < 0) {
		printf("record=unreadable\n");
		return;
	}
	printf("total=%llu\n", ti.total);
	for (int k = 0; k < _CPUISO_TASK_ISOL_KIND_MAX; k++)
		printf("count.%s=%llu\n", cpuiso_task_isol_kind_to_string(k),
		       ti.count[k]);
	printf("last=%s\n", ti.last);
	cpuiso_ctx_unref(ctx);
}

static int refuse(int cpu)
{
	static const struct { const char *name; unsigned long bits; } bad[] = {
		{ "flags", 1UL << 5 | 1 },
		{ "signal_without_strict", 1 | 10UL << 8 },
		{ "no_enable", 2 },
	};
	cpu_set_t set;

	/* affine to two CPUs */
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	CPU_SET(cpu == 0 ? 1 : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	printf("refuse.two_cpus=%s\n", cpuiso_task_isolation_enter(0, 0) < 0 ?
	       strerror(errno) : "accepted");
	printf("refuse.unchanged_two=%d\n", prctl(0x54495302, 0, 0, 0, 0));
	/* one CPU that is not isolated: CPU 0 */
	pin(0);
	printf("refuse.housekeeping_cpu=%s\n",
	       prctl(0x54495301, 1UL, 0, 0, 0) < 0 ? strerror(errno) : "accepted");
	pin(cpu);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		printf("refuse.%s=%s\n", bad[i].name,
		       prctl(0x54495301, bad[i].bits, 0, 0, 0) < 0 ?
		       strerror(errno) : "accepted");
	printf("refuse.unchanged=%d\n", prctl(0x54495302, 0, 0, 0, 0));
	/* the control: alone on the isolated CPU, the same call is accepted */
	printf("refuse.control=%s\n", prctl(0x54495301, 1UL, 0, 0, 0) < 0 ?
	       strerror(errno) : "accepted");
	printf("refuse.control_get=%d\n", prctl(0x54495302, 0, 0, 0, 0));
	cpuiso_task_isolation_leave();
	return 0;
}

static int cost(int cpu, long n)
{
	struct timespec t0, t1;

	pin(cpu);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int r = cpuiso_task_isolation_enter(0, 0);

		if (r < 0) {
			printf("enter=%s\n", strerror(-r));
			return 1;
		}
		cpuiso_task_isolation_leave();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("enter_leave_ns=%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 +
					  (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *violation;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;
	int cpu;

	if (argc == 3 && strcmp(argv[1], "refuse") == 0)
		return refuse(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "cost") == 0)
		return cost(atoi(argv[2]), atol(argv[3]));
	if (argc < 4 || strcmp(argv[1], "spin") != 0) {
		fprintf(stderr, "usage: tisol refuse CPU | cost CPU N | spin CPU SECS [MODE] [VIOLATION]\n");
		return 2;
	}
	cpu = atoi(argv[2]);
	window = atof(argv[3]);
	mode = argc > 4 ? argv[4] : "on";
	violation = argc > 5 ? argv[5] : "none";
	if (strcmp(mode, "env") == 0) {
		int r = cpuiso_task_isolation_from_env(&flags, &sig);

		printf("env=%s\n", r < 0 ? strerror(-r) : "ok");
	} else if (strncmp(mode, "strict", 6) == 0) {
		flags = CPUISO_TASK_ISOLATION_STRICT;
		sig = mode[6] == ':' ? atoi(mode + 7) : 0;
	}
	if (sig && sig != SIGKILL)
		signal(sig, on_violation);
	fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (strcmp(violation, "ipi") == 0 &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) < 0)
		perror("membarrier register");
	fflush(stdout);

	/* the control thread on a housekeeping CPU, this one on CPU */
	CPU_ZERO(&set);
	CPU_SET(cpu == 0 ? 1 : 0, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (pthread_create(&t, &attr, control, (void *)violation) != 0) {
		perror("pthread_create");
		return 1;
	}
	pin(cpu);
	spin();
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("signals=%d\n", (int)signals);
	for (int i = 0; i < signals && i < 4; i++)
		printf("cause.%d=%s\n", i, causes[i]);
	return 0;
}
