// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * forkwin MIB: a fork held open between the child's copy of the parent's
 * affinity (dup_task_struct()) and its listing on the task list.  A thread
 * maps MIB MiB with MAP_POPULATE, which fills the mapping under the mmap
 * lock taken for reading; meanwhile the main thread forks, and the fork
 * waits for that lock, for writing, in dup_mmap().  Prints, one
 * "key=value" a line (CLOCK_MONOTONIC milliseconds, as "noise now"):
 *   fork_start  just before fork(), once the populating thread is well in;
 *   fork_end    in the child, as soon as fork() returns there;
 *   child_mask  the child's affinity then (a cpulist);
 *   parent_mask the parent's affinity after the fork.
 * The test changes the parent's affinity (isolates or releases a CPU)
 * after fork_start; if it is done before fork_end, the child was not yet
 * listed while the change walked the tasks.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static size_t len;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_mask(const char *key)
{
	cpu_set_t set;
	int first = 1;

	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		printf("%s=error\n", key);
		return;
	}
	printf("%s=", key);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		printf("%s%d", first ? "" : ",", c);
		first = 0;
	}
	printf("\n");
}

static void *populate(void *arg)
{
	(void)arg;
	if (mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) == MAP_FAILED)
		perror("forkwin: mmap");
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec in = { 0, 50 * 1000 * 1000 };
	pthread_t t;
	pid_t pid;
	int status;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: forkwin MIB\n");
		return 2;
	}
	len = (size_t)atoi(argv[1]) << 20;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (pthread_create(&t, NULL, populate, NULL)) {
		fprintf(stderr, "forkwin: cannot start the populating thread\n");
		return 1;
	}
	/* let the populating thread take the mmap lock first */
	nanosleep(&in, NULL);
	printf("fork_start=%.3f\n", now());
	pid = fork();
	if (pid < 0) {
		perror("forkwin: fork");
		return 1;
	}
	if (pid == 0) {
		printf("fork_end=%.3f\n", now());
		print_mask("child_mask");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	pthread_join(t, NULL);
	print_mask("parent_mask");
	printf("done=%.3f\n", now());
	return 0;
}
