// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /init of the arm64 and ppc64le guests (run-guest.sh --variant arm64 or
 * ppc64le): runtime isolation on an architecture without generic entry.
 * Both check on kernel entry from user mode that context tracking
 * recorded user mode; a CPU that was in user mode when tracking was
 * switched on at runtime recorded nothing, so its next entry would warn.  The series
 * refuses there: writing "isolated" must fail with EOPNOTSUPP and change
 * nothing, while another CPU spins in user mode (the CPU that would warn).
 *
 * Results on the console as the x86 guest's tests print them
 * (CPUISO-RESULT name ok|fail why); run-guest.sh fails the run on any
 * kernel WARNING in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STATE "/sys/devices/system/cpu/cpu1/state"

static void result(const char *name, int ok, const char *why)
{
	printf("CPUISO-RESULT ct/%s %s%s%s\n", name, ok ? "ok" : "fail",
	       why ? " " : "", why ? why : "");
	fflush(stdout);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 0 or the errno of writing @val to @path */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

static void read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char before[64], after[64], why[160];
	pid_t spinner;
	int err, fd, ok;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	read_file("/sys/devices/system/cpu/online", before, sizeof(before));
	printf("CPUISO-BOOTED cpus=%s\n", before);
	fflush(stdout);

	/* CPU 2 in user mode, no system call, for 4 s */
	spinner = fork();
	if (spinner == 0) {
		double end;

		pin(2);
		end = now() + 4;
		while (now() < end)
			;
		_exit(0);
	}
	pin(0);
	usleep(500 * 1000);

	read_file(STATE, before, sizeof(before));
	err = write_file(STATE, "isolated");
	read_file(STATE, after, sizeof(after));
	printf("# write isolated: %s, state %s -> %s\n",
	       err ? strerror(err) : "accepted", before, after);
	snprintf(why, sizeof(why), "write gave \"%s\", expected \"%s\"",
		 err ? strerror(err) : "success", strerror(EOPNOTSUPP));
	ok = err == EOPNOTSUPP;
	result("isolate-refused", ok, ok ? NULL : why);
	snprintf(why, sizeof(why), "state %s before, %s after", before, after);
	ok = !strcmp(before, "online") && !strcmp(after, before);
	result("state-unchanged", ok, ok ? NULL : why);

	waitpid(spinner, NULL, 0);
	/* the spinner's CPU enters the kernel from user mode again */
	pin(2);
	usleep(100 * 1000);
	pin(0);
	if (!err)
		write_file(STATE, "online");
	printf("CPUISO-DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
