// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A tracefs instance of our own, "instances/cpuiso": its events, clock,
 * buffer and tracer are its own and vanish with its rmdir, so the user's
 * tracing is not touched.  The one global state changed is the osnoise
 * tracer's (osnoise/options, osnoise/cpus): saved first, put back by
 * tracefs_close() on every path.
 *
 * osnoise runs with NO_OSNOISE_WORKLOAD: it dispatches no workload of its
 * own and its irq_noise / softirq_noise / thread_noise / nmi_noise events
 * time whatever runs on the CPU, here our spinner (kernels since 6.2).
 * Those settings are global: while another instance runs osnoise or
 * timerlat (rtla does), changing them would stop its workload threads and
 * move them, so then osnoise is left alone and only the events are traced.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "measure.h"

#define INSTANCE "instances/cpuiso"
#define TRACE_MAX (256u * 1024 * 1024)

/* The events that name a cause, each with a filter keeping its CPU's */
static const struct trace_ev {
	const char *path;		/* under events/ */
	const char *filter;		/* %u: the CPU */
} trace_events[] = {
	{ "irq/irq_handler_entry", "CPU == %u" },
	{ "irq/softirq_entry", "CPU == %u" },
	{ "irq_vectors", "CPU == %u" },
	{ "ipi/ipi_send_cpu", "cpu == %u" },
	{ "ipi/ipi_send_cpumask", "cpumask & CPUS{%u}" },
	{ "workqueue/workqueue_execute_start", "CPU == %u" },
	{ "timer/timer_expire_entry", "CPU == %u" },
	{ "timer/hrtimer_expire_entry", "CPU == %u" },
	{ "sched/sched_switch", "CPU == %u" },
};

static const char *const osnoise_events[] = {
	"osnoise/irq_noise", "osnoise/softirq_noise",
	"osnoise/thread_noise", "osnoise/nmi_noise",
};

struct tracefs {
	struct cpuiso_ctx *ctx;
	const char *dir;		/* /sys/kernel/tracing or debugfs' */
	unsigned int cpu;
	bool made;			/* the instance is ours to remove */
	bool mono;			/* its clock is CLOCK_MONOTONIC */
	bool osnoise;			/* the osnoise tracer runs in it */
	char *saved_workload;		/* "OSNOISE_WORKLOAD" or "NO_..." */
	char *saved_cpus;		/* osnoise/cpus as it was */
};

bool tracefs_has_osnoise(const struct tracefs *t)
{
	return t->osnoise;
}

bool tracefs_mono_clock(const struct tracefs *t)
{
	return t->mono;
}

static int inst_write(struct tracefs *t, const char *value, const char *rel)
{
	return ctx_write(t->ctx, value, "%s/" INSTANCE "/%s", t->dir, rel);
}

/* Put osnoise's global settings back; leave the instance's tracer. */
static void osnoise_restore(struct tracefs *t)
{
	int r;

	if (t->saved_workload) {
		r = ctx_write(t->ctx, t->saved_workload, "%s/osnoise/options",
			      t->dir);
		if (r < 0)
			err(t->ctx, "cannot restore osnoise/options to %s: %s",
			    t->saved_workload, strerror(-r));
	}
	if (t->saved_cpus) {
		r = ctx_write(t->ctx, t->saved_cpus, "%s/osnoise/cpus", t->dir);
		if (r < 0)
			err(t->ctx, "cannot restore osnoise/cpus to '%s': %s",
			    t->saved_cpus, strerror(-r));
	}
	free(t->saved_workload);
	free(t->saved_cpus);
	t->saved_workload = t->saved_cpus = NULL;
}

static bool is_osnoise_tracer(const char *name)
{
	size_t n = strcspn(name, "\n");

	return (n == 7 && strncmp(name, "osnoise", 7) == 0) ||
	       (n == 8 && strncmp(name, "timerlat", 8) == 0);
}

/*
 * Who runs the osnoise or timerlat tracer already, in tracefs @dir: 1 and
 * *@who ("the top instance", "instance osnoise_top"), or 0 for nobody.
 * Our own instance is not looked at.
 */
int tracefs_osnoise_user(struct cpuiso_ctx *ctx, const char *dir, char **who)
{
	_cleanup_free_ char *cur = NULL, *path = NULL;
	struct dirent *de;
	DIR *d;
	int r = 0;

	*who = NULL;
	if (ctx_read(ctx, &cur, "%s/current_tracer", dir) >= 0 &&
	    is_osnoise_tracer(cur))
		return (*who = strdup("the top instance")) ? 1 : -ENOMEM;
	if (ctx_path(ctx, &path, "%s/instances", dir) < 0)
		return -ENOMEM;
	d = opendir(path);
	if (!d)
		return 0;
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *tr = NULL;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "cpuiso") == 0)
			continue;
		if (ctx_read(ctx, &tr, "%s/instances/%s/current_tracer", dir,
			     de->d_name) >= 0 && is_osnoise_tracer(tr))
			r = asprintf(who, "instance %s", de->d_name) < 0 ?
			    -ENOMEM : 1;
	}
	closedir(d);
	return r;
}

/*
 * The osnoise tracer without its workload, on our CPU only.  Not there,
 * or too old to run without its workload: false, nothing changed.
 */
static bool osnoise_setup(struct tracefs *t)
{
	_cleanup_free_ char *tracers = NULL, *opts = NULL, *cpus = NULL;
	char cpu[16];
	const char *tok;

	if (ctx_read(t->ctx, &tracers, "%s/available_tracers", t->dir) < 0 ||
	    !strstr(tracers, "osnoise") ||
	    ctx_read(t->ctx, &opts, "%s/osnoise/options", t->dir) < 0 ||
	    ctx_read(t->ctx, &cpus, "%s/osnoise/cpus", t->dir) < 0)
		return false;
	tok = strstr(opts, "OSNOISE_WORKLOAD");
	if (!tok)
		return false;
	t->saved_workload = strdup(tok > opts + 2 && strncmp(tok - 3, "NO_", 3) == 0 ?
				   "NO_OSNOISE_WORKLOAD" : "OSNOISE_WORKLOAD");
	t->saved_cpus = TAKE_PTR(cpus);
	if (!t->saved_workload)
		goto fail;
	snprintf(cpu, sizeof(cpu), "%u", t->cpu);
	if (ctx_write(t->ctx, "NO_OSNOISE_WORKLOAD", "%s/osnoise/options", t->dir) < 0 ||
	    ctx_write(t->ctx, cpu, "%s/osnoise/cpus", t->dir) < 0)
		goto fail;
	for (size_t i = 0; i < ELEMENTSOF(osnoise_events); i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "events/%s/enable", osnoise_events[i]);
		if (inst_write(t, "1", rel) < 0)
			goto fail;
	}
	if (inst_write(t, "osnoise", "current_tracer") < 0)
		goto fail;
	return true;
fail:
	info(t->ctx, "osnoise tracer not usable here; counting without it");
	osnoise_restore(t);
	return false;
}

static int events_setup(struct tracefs *t, char **missing)
{
	_cleanup_free_ char *miss = NULL;
	int enabled = 0;

	for (size_t i = 0; i < ELEMENTSOF(trace_events); i++) {
		char rel[128], filter[64];
		int r;

		snprintf(rel, sizeof(rel), "events/%s/enable", trace_events[i].path);
		r = inst_write(t, "1", rel);
		if (r == -ENOENT) {
			char *m;

			if (asprintf(&m, "%s%s%s", miss ? miss : "",
				     miss ? ", " : "", trace_events[i].path) < 0)
				return -ENOMEM;
			free(miss);
			miss = m;
			continue;
		}
		if (r < 0)
			return r;
		enabled++;
		/* less to buffer; the parser keeps only the CPU's anyway */
		snprintf(rel, sizeof(rel), "events/%s/filter", trace_events[i].path);
		snprintf(filter, sizeof(filter), trace_events[i].filter, t->cpu);
		if (inst_write(t, filter, rel) < 0)
			dbg(t->ctx, "no filter '%s' on %s", filter,
			    trace_events[i].path);
	}
	*missing = TAKE_PTR(miss);
	return enabled;
}

/*
 * Set the instance up, tracing off.  -ENOENT: no tracefs; -EBUSY: the
 * instance exists (another run, or one that crashed: rmdir it).  *@note
 * says why not, or which events this kernel lacks.
 */
int tracefs_open(struct cpuiso_ctx *ctx, unsigned int cpu,
		 struct tracefs **ret, char **note)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	_cleanup_free_ char *missing = NULL, *user = NULL;
	struct tracefs *t;
	char size[32];
	int r, busy;

	*note = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ctx = ctx;
	t->cpu = cpu;
	for (size_t i = 0; i < ELEMENTSOF(dirs) && !t->dir; i++)
		if (ctx_exists(ctx, "%s/trace", dirs[i]) > 0)
			t->dir = dirs[i];
	if (!t->dir) {
		free(t);
		return asprintf(note, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)") < 0 ?
		       -ENOMEM : -ENOENT;
	}
	r = ctx_mkdir(ctx, "%s/" INSTANCE, t->dir);
	if (r < 0) {
		free(t);
		if (r == -EEXIST ?
		    asprintf(note, "tracefs instance %s exists: another cpuiso verify runs, or one crashed (rmdir it)",
			     INSTANCE) < 0 :
		    asprintf(note, "cannot create tracefs instance %s: %s",
			     INSTANCE, strerror(-r)) < 0)
			return -ENOMEM;
		return r == -EEXIST ? -EBUSY : r;
	}
	t->made = true;
	r = inst_write(t, "0", "tracing_on");
	if (r < 0) {
		tracefs_close(t);
		return asprintf(note, "tracefs instance %s has no tracing_on: %s",
				INSTANCE, strerror(-r)) < 0 ? -ENOMEM : r;
	}
	t->mono = inst_write(t, "mono", "trace_clock") == 0;
	snprintf(size, sizeof(size), "per_cpu/cpu%u/buffer_size_kb", cpu);
	if (inst_write(t, "16384", size) < 0)
		dbg(ctx, "buffer size of CPU %u left as it is", cpu);

	r = events_setup(t, &missing);
	busy = tracefs_osnoise_user(ctx, t->dir, &user);
	if (busy == 0)
		t->osnoise = osnoise_setup(t);
	else if (busy > 0)
		info(ctx, "the osnoise tracer runs in %s (rtla?): left alone", user);
	if (r < 0 || (r == 0 && !t->osnoise)) {
		tracefs_close(t);
		if (asprintf(note, r < 0 ? "cannot enable trace events: %s" :
			     "no trace event to enable%s", r < 0 ? strerror(-r) : "") < 0)
			return -ENOMEM;
		return r < 0 ? r : -ENOENT;
	}
	if ((busy > 0 || missing) &&
	    asprintf(note, "%s%s%s%s%s", busy > 0 ? "no osnoise figures: the tracer runs in " : "",
		     busy > 0 ? user : "", busy > 0 && missing ? "; " : "",
		     missing ? "not in this kernel: " : "", missing ? missing : "") < 0) {
		tracefs_close(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

int tracefs_set_on(struct tracefs *t, bool on)
{
	return inst_write(t, on ? "1" : "0", "tracing_on");
}

int tracefs_read(struct tracefs *t, char **ret)
{
	return ctx_read_max(t->ctx, TRACE_MAX, ret, "%s/" INSTANCE "/trace",
			    t->dir);
}

/* Tracing off, osnoise put back, the instance removed; errors logged. */
void tracefs_close(struct tracefs *t)
{
	int r;

	if (!t)
		return;
	if (t->made) {
		(void)inst_write(t, "0", "tracing_on");
		if (t->osnoise)
			(void)inst_write(t, "nop", "current_tracer");
	}
	osnoise_restore(t);
	if (t->made) {
		r = ctx_rmdir(t->ctx, "%s/" INSTANCE, t->dir);
		if (r < 0)
			err(t->ctx, "cannot remove tracefs instance %s/%s: %s",
			    t->dir, INSTANCE, strerror(-r));
	}
	free(t);
}
