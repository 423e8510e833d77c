// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso run [--strict] [--signal SIG] CPU -- COMMAND [ARG...]: COMMAND
 * alone on CPU, isolated first if it is not, in task isolation mode.  When
 * COMMAND ends on a signal, or took interruptions, say what the kernel
 * recorded for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* SIGUSR1, USR1 or a number */
static int parse_signal(const char *arg, int *ret)
{
	const char *name = strncmp(arg, "SIG", 3) == 0 ? arg + 3 : arg;
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!errno && end != arg && !*end && v > 0 && v < NSIG) {
		*ret = (int)v;
		return 0;
	}
	for (int s = 1; s < NSIG; s++) {
		const char *abbrev = sigabbrev_np(s);

		if (abbrev && strcmp(abbrev, name) == 0) {
			*ret = s;
			return 0;
		}
	}
	warnx_("--signal: '%s' is not a signal", arg);
	return -EINVAL;
}

/* The record's counts, "syscall 1, ipi 2"; "none" without any */
static void format_counts(const struct cpuiso_task_isolation *ti, char *buf,
			  size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < _CPUISO_TASK_ISOL_KIND_MAX && used < len; k++)
		if (ti->count[k])
			used += snprintf(buf + used, len - used, "%s%s %llu",
					 used ? ", " : "",
					 cpuiso_task_isol_kind_to_string(k), ti->count[k]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/*
 * The child: alone on @cpu, in the mode, then COMMAND.  Anything that
 * fails before exec is written to @fd as an errno and a step.
 */
static void __attribute__((noreturn))
child(int fd, unsigned int cpu, const char *env, char **argv)
{
	struct { int err; int step; } why = { 0, 0 };
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		why.err = errno;
		why.step = 1;
	} else if ((r = cpuiso_task_isolation_enter(0, 0)) < 0) {
		why.err = -r;
		why.step = 2;
	} else if (setenv("CPUISO_TASK_ISOLATION", env, 1) < 0) {
		why.err = errno;
		why.step = 3;
	} else {
		execvp(argv[0], argv);
		why.err = errno;
		why.step = 4;
	}
	(void)!write(fd, &why, sizeof(why));
	_exit(127);
}

static const char *const steps[] = {
	"", "cannot pin to CPU", "cannot enter task isolation mode on CPU",
	"cannot set the environment on CPU", "cannot run the command on CPU",
};

int cmd_run(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "signal", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL;
	struct { int err; int step; } why;
	struct cpuiso_task_isolation ti;
	const struct cpuiso_cpu *c;
	bool strict = false;
	char env[32], counts[160];
	int sig = 0, cpu, fds[2], status, r, ch, cmd;
	siginfo_t si;
	ssize_t n;
	pid_t pid;

	optind = 0;
	/* "+": COMMAND's options are its own */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			strict = true;
			break;
		case 'S':
			if (parse_signal(optarg, &sig) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			printf("Usage: cpuiso run [options] CPU -- COMMAND [ARG...]\n\n"
			       "Run COMMAND alone on CPU (isolated first if it is not) in task\n"
			       "isolation mode: the kernel leaves it alone in user mode and\n"
			       "records every interruption with its cause.\n\nOptions:\n"
			       "     --strict         ask COMMAND for strict mode: the first\n"
			       "                      interruption after it enters the mode\n"
			       "                      with libcpuiso signals it\n"
			       "     --signal SIG     strict mode's signal (default SIGKILL)\n"
			       " -h, --help           display this help\n");
			return EXIT_OK;
		default:
			return usage_error(argv[0], NULL);
		}
	}
	if (sig && !strict)
		return usage_error(argv[0], "--signal goes with --strict");
	/* options end at CPU; "--" may follow it */
	cmd = optind + 1;
	if (cmd < argc && strcmp(argv[cmd], "--") == 0)
		cmd++;
	if (optind >= argc || cmd >= argc)
		return usage_error(argv[0], "takes a CPU and a command");
	if (parse_cpu_arg("CPU", argv[optind], &cpu) < 0)
		return EXIT_USAGE;
	/* a program runs on this machine's CPU, never on a recorded tree's */
	if (strcmp(cpuiso_ctx_get_root(cli->ctx), "/") != 0) {
		warnx_("run starts COMMAND on this machine: not with --sysroot");
		return EXIT_FAIL;
	}
	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	c = cpuiso_system_get_cpu(sys, (unsigned int)cpu);
	if (!c) {
		warnx_("CPU %d does not exist", cpu);
		return EXIT_FAIL;
	}
	if (!cpuiso_cpu_is_nohz_full(c)) {
		/* the same change as `cpuiso isolate CPU` */
		cpus = cpuiso_cpuset_new(CPUISO_MAX_CPUS);
		if (!cpus || cpuiso_cpuset_set(cpus, (unsigned int)cpu) < 0) {
			warnx_("%s", strerror(ENOMEM));
			return EXIT_FAIL;
		}
		r = isolate_cpus(cli, cpus, argv[optind]);
		if (r != EXIT_OK)
			return r;
	}
	if (strict)
		snprintf(env, sizeof(env), sig ? "strict:%d" : "strict", sig);
	else
		snprintf(env, sizeof(env), "on");

	if (pipe2(fds, O_CLOEXEC) < 0) {
		warnx_("pipe: %s", strerror(errno));
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		warnx_("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return EXIT_FAIL;
	}
	if (pid == 0)
		child(fds[1], (unsigned int)cpu, env, argv + cmd);
	close(fds[1]);
	n = read(fds[0], &why, sizeof(why));
	close(fds[0]);
	if (n == (ssize_t)sizeof(why)) {
		(void)waitpid(pid, NULL, 0);
		warnx_("%s %d: %s%s", steps[why.step], cpu, strerror(why.err),
		       why.step == 2 && why.err == EINVAL ?
		       " (not nohz_full, or no task isolation mode in this kernel)" : "");
		return why.step == 4 ? 127 : EXIT_FAIL;
	}

	/* the record, read before the task is reaped and freed */
	if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0) {
		warnx_("waitid: %s", strerror(errno));
		return EXIT_FAIL;
	}
	r = cpuiso_task_isolation_read(cli->ctx, pid, &ti);
	(void)waitpid(pid, &status, 0);
	if (r < 0)
		warnx_("cannot read the task isolation record of %d: %s", pid,
		       strerror(-r));
	else {
		format_counts(&ti, counts, sizeof(counts));
		if (WIFSIGNALED(status))
			warnx_("%s killed by SIG%s; interruptions in task isolation mode: %s%s%s",
			       argv[cmd], sigabbrev_np(WTERMSIG(status)) ?: "?",
			       counts, ti.signalled[0] ? "; strict mode violation: " :
			       ti.last[0] ? "; last: " : "",
			       ti.signalled[0] ? ti.signalled : ti.last);
		else if (ti.total)
			warnx_("%s: interruptions in task isolation mode: %s; last: %s",
			       argv[cmd], counts, ti.last);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
