// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small probes of what the kernel does to a task, built static for the
 * guest; each prints "key=value" lines.
 *
 *   timing itimer CPU SECS   pin to CPU, arm ITIMER_PROF every 10 ms, spin
 *                            SECS seconds; SIGPROFs in the last half of it
 *   timing syscall CPU N     pin to CPU, N getpid() calls; ns per call
 *   timing churn CPU SECS    two tasks on CPU enter the kernel every way
 *                            they can from user mode, for SECS seconds
 *   timing write FILE VALUE  the write() of VALUE to FILE alone, in ms
 *   timing text SYMBOL N     the first N bytes of kernel function SYMBOL as
 *                            the CPUs run them (/proc/kcore), in hex
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
 * Every way into the kernel from user mode, back to back: a syscall, a
 * page fault, a yield, with a second churner on the CPU for the tick to
 * preempt to from an interrupt.
 */
static int churn(int cpu, double secs)
{
	long page = sysconf(_SC_PAGESIZE), n = 0;
	double end;
	char *p;

	pin(cpu);
	/* the child churns alongside, on the same CPU, and dies with us */
	switch (fork()) {
	case -1:
		return 1;
	case 0:
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		break;
	}
	end = now_s() + secs;
	do {
		for (int i = 0; i < 256; i++) {
			syscall(SYS_getpid);
			if (i % 16)
				continue;
			p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return 1;
			p[0] = 1;
			munmap(p, page);
			sched_yield();
		}
		n += 256;
	} while (now_s() < end);
	printf("rounds=%ld\n", n);
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

static unsigned long ksym(const char *name)
{
	char line[256], sym[128], type;
	unsigned long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name)) {
			fclose(f);
			return addr;
		}
	}
	fclose(f);
	return 0;
}

/*
 * Live kernel text, static key sites as patched: /proc/kcore is an ELF
 * core whose PT_LOAD segments map kernel addresses.
 */
static int kernel_text(const char *name, int n)
{
	unsigned long addr = ksym(name);
	unsigned char buf[64];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i;

	if (!addr || n <= 0 || n > (int)sizeof(buf)) {
		printf("error=no symbol %s or bad length\n", name);
		return 1;
	}
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0) {
		printf("error=/proc/kcore: %s\n", strerror(errno));
		return 1;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		eh.e_phnum = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr ||
		    addr + n > ph.p_vaddr + ph.p_memsz)
			continue;
		if (pread(fd, buf, n, ph.p_offset + addr - ph.p_vaddr) != n)
			break;
		close(fd);
		printf("text=");
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
	close(fd);
	printf("error=%s not in /proc/kcore\n", name);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "itimer"))
		return itimer(atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "syscall"))
		return syscalls(atoi(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "churn"))
		return churn(atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "text"))
		return kernel_text(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "write"))
		return timed_write(argv[2], argv[3]);
	fprintf(stderr, "usage: timing itimer CPU SECS | timing syscall CPU N | timing churn CPU SECS | timing write FILE VALUE |\n\ttiming text SYMBOL N\n");
	return 2;
}
