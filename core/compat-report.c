// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the compat backend reached for a CPU, property by property, read
 * back from the kernel's own files; the tick and RCU callbacks need boot
 * parameters unless given at boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

/* Is @cpu in the cpulist (or, @hex, the mask) of @path? -1 if unknown */
static int file_has_cpu(struct compat *c, const char *path, bool hex, int cpu)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
	_cleanup_free_ char *text = NULL;

	if (ctx_read(c->ctx, &text, "%s", path) < 0)
		return -1;
	if ((hex ? cpuset_parse_hex(text, c->nbits, &set) :
		   cpuiso_cpuset_parse(text, c->nbits, &set, NULL)) < 0)
		return -1;
	return cpuiso_cpuset_test(set, cpu);
}

/* A boot parameter "name=LIST" on the command line that names @cpu */
static bool cmdline_names(struct compat *c, const char *name, int cpu)
{
	_cleanup_free_ char *cmdline = NULL;
	size_t len = strlen(name);

	if (ctx_read(c->ctx, &cmdline, "/proc/cmdline") < 0)
		return false;
	for (char *w = strtok(cmdline, " \t"); w; w = strtok(NULL, " \t")) {
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
		char *list = w + len + 1;

		if (strncmp(w, name, len) || w[len] != '=')
			continue;
		/* isolcpus=nohz,domain,2-3: the list is the last field */
		if (strrchr(list, ',') && !strchr("0123456789", *list))
			list = strrchr(list, ',') + 1;
		if (cpuiso_cpuset_parse(list, c->nbits, &set, NULL) == 0 &&
		    cpuiso_cpuset_test(set, cpu))
			return true;
	}
	return false;
}

struct irq_count {
	unsigned int cpu, left;
};

static int count_irq(struct compat *c, const char *irq, void *arg)
{
	struct irq_count *n = arg;
	char path[300];

	snprintf(path, sizeof(path), "/proc/irq/%s/smp_affinity_list", irq);
	n->left += file_has_cpu(c, path, false, (int)n->cpu) == 1;
	return 0;
}

/* ---- one report a row of compat_mechanisms[] ----------------------------- */

/* A cpulist file's verdict on @cc's CPU: YES if @want_in matches, else NO. */
static int report_file(struct compat *c, struct cpuiso_change_cpu *cc,
		       enum cpuiso_property prop, const char *path, bool hex,
		       bool want_in, const char *why_not)
{
	int in = file_has_cpu(c, path, hex, (int)cc->id);

	if (in < 0)
		return change_cpu_set_prop(cc, prop, CPUISO_ACHIEVED_UNKNOWN, NULL);
	if (in == want_in)
		return change_cpu_set_prop(cc, prop, CPUISO_ACHIEVED_YES, NULL);
	return change_cpu_set_prop(cc, prop, CPUISO_ACHIEVED_NO, "%s", why_not);
}

int compat_report_partition(struct compat *c, const struct cpuiso_system *sys,
			    struct cpuiso_change_cpu *cc, bool read_back)
{
	const struct cpuiso_cpuset *boot = cpuiso_system_get_mask(sys, CPUISO_MASK_ISOLATED);

	if (!read_back || (boot && cpuiso_cpuset_test(boot, cc->id)))
		return change_cpu_set_prop(cc, CPUISO_PROP_LOAD_BALANCING,
					   CPUISO_ACHIEVED_YES, NULL);
	return report_file(c, cc, CPUISO_PROP_LOAD_BALANCING, CGROUP "/cpuset.cpus.isolated",
			   false, true, "not in an isolated cpuset partition");
}

int compat_report_wq(struct compat *c, const struct cpuiso_system *sys,
		     struct cpuiso_change_cpu *cc, bool read_back)
{
	(void)sys;
	if (!read_back)
		return change_cpu_set_prop(cc, CPUISO_PROP_WORKQUEUES, CPUISO_ACHIEVED_YES, NULL);
	return report_file(c, cc, CPUISO_PROP_WORKQUEUES, WQ_MASK, true, false,
			   "still in the unbound workqueue cpumask");
}

int compat_report_irqs(struct compat *c, const struct cpuiso_system *sys,
		       struct cpuiso_change_cpu *cc, bool read_back)
{
	struct irq_count n = { cc->id, 0 };

	(void)sys;
	if (!read_back)
		return change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_YES,
					   "managed IRQs need isolcpus=managed_irq at boot");
	if (compat_each_number(c, "/proc/irq", count_irq, &n) < 0)
		return change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_UNKNOWN, NULL);
	if (!n.left)
		return change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_YES, NULL);
	return change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_BOOT_PARAM,
				   "isolcpus=managed_irq: %u IRQ(s) still allowed, managed ones cannot move",
				   n.left);
}

int compat_report_kthreads(struct compat *c, const struct cpuiso_system *sys,
			   struct cpuiso_change_cpu *cc, bool read_back)
{
	(void)c;
	(void)sys;
	(void)read_back;
	return change_cpu_set_prop(cc, CPUISO_PROP_KTHREADS, CPUISO_ACHIEVED_YES,
				   "per-CPU kernel threads stay");
}

int compat_report_cycle(struct compat *c, const struct cpuiso_system *sys,
			struct cpuiso_change_cpu *cc, bool read_back)
{
	const struct cpuiso_cpu *cpu = cpuiso_system_get_cpu(sys, cc->id);

	(void)c;
	(void)read_back;
	if (cpu && cpuiso_cpu_is_hotpluggable(cpu))
		return change_cpu_set_prop(cc, CPUISO_PROP_TIMERS, CPUISO_ACHIEVED_YES,
					   "moved by an offline/online cycle");
	return change_cpu_set_prop(cc, CPUISO_PROP_TIMERS, CPUISO_ACHIEVED_NO,
				   "the CPU cannot go offline");
}

/* @prop is reached (at boot) if @yes, else it needs @param at boot */
static int boot_only(struct cpuiso_change_cpu *cc, enum cpuiso_property prop,
		     bool yes, const char *param)
{
	return yes ? change_cpu_set_prop(cc, prop, CPUISO_ACHIEVED_YES, NULL) :
		     change_cpu_set_prop(cc, prop, CPUISO_ACHIEVED_BOOT_PARAM, "%s", param);
}

static bool nohz_full(struct compat *c, unsigned int cpu)
{
	return file_has_cpu(c, "/sys/devices/system/cpu/nohz_full", false, (int)cpu) == 1;
}

int compat_report_tick(struct compat *c, const struct cpuiso_system *sys,
		       struct cpuiso_change_cpu *cc, bool read_back)
{
	(void)sys;
	(void)read_back;
	return boot_only(cc, CPUISO_PROP_TICK, nohz_full(c, cc->id), "nohz_full=");
}

/* nohz_full= offloads too */
int compat_report_rcu(struct compat *c, const struct cpuiso_system *sys,
		      struct cpuiso_change_cpu *cc, bool read_back)
{
	(void)sys;
	(void)read_back;
	return boot_only(cc, CPUISO_PROP_RCU_CALLBACKS,
			 nohz_full(c, cc->id) || cmdline_names(c, "rcu_nocbs", (int)cc->id),
			 "rcu_nocbs=");
}

/*
 * Per property, what the compat backend reaches for @cc: read back from
 * the kernel's files (@read_back), or what an isolate would reach.  One
 * report a row of the mechanisms' table.
 */
int compat_cpu_properties(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  struct cpuiso_change_cpu *cc, bool read_back)
{
	struct compat c = { .ctx = ctx, .nbits = cpuiso_system_nr_cpus(sys) };

	for (size_t i = 0; i < compat_nr_mechanisms; i++) {
		int r;

		if (!compat_mechanisms[i].report)
			continue;
		r = compat_mechanisms[i].report(&c, sys, cc, read_back);
		if (r < 0)
			return r;
	}
	return 0;
}

/**
 * cpuiso_compat_report: what the compat backend achieved for @cpu, read
 * back from the kernel's own files, and what needs boot parameters.
 * @ret: one line (free() it)
 */
CPUISO_EXPORT int cpuiso_compat_report(struct cpuiso_ctx *ctx,
				       const struct cpuiso_system *sys,
				       unsigned int cpu, char **ret)
{
	struct cpuiso_change_cpu c = { .id = cpu, .to = CPUISO_STATE_ISOLATED };
	_cleanup_free_ char *line = NULL;
	int r = compat_cpu_properties(ctx, sys, &c, true);

	if (r == 0 && asprintf(&line, "cpu%u:", cpu) < 0)
		r = -ENOMEM;
	for (size_t p = 0; r == 0 && p < _CPUISO_PROP_MAX; p++) {
		char *grown;

		if (asprintf(&grown, "%s%s %s %s%s%s%s", line, p ? "," : "",
			     cpuiso_property_to_string(p),
			     cpuiso_achieved_to_string(c.props[p].achieved),
			     c.props[p].detail ? " (" : "",
			     c.props[p].detail ? c.props[p].detail : "",
			     c.props[p].detail ? ")" : "") < 0)
			r = -ENOMEM;
		else
			free(line), line = grown;
	}
	for (size_t p = 0; p < _CPUISO_PROP_MAX; p++)
		free(c.props[p].detail);
	if (r == 0)
		*ret = TAKE_PTR(line);
	return r;
}
