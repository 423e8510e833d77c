/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The measurement's parts, not exported: the trace parser and symbol
 * table (attribute.c), the tracefs instance (tracefs.c) and the pure
 * computation of a result from captured text (measure.c), which the unit
 * tests drive with recorded snapshots.
 */
#ifndef CPUISO_MEASURE_H
#define CPUISO_MEASURE_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuiso.h"

/* ---- attribute.c: what the trace says reached the CPU ------------------ */

enum attr_kind {
	ATTR_IRQ,		/* irq:irq_handler_entry: "24 virtio0-req.0" */
	ATTR_VECTOR,		/* irq_vectors:*_entry: "local_timer" */
	ATTR_SOFTIRQ,		/* irq:softirq_entry: "TIMER" */
	ATTR_IPI_RESCHED,	/* ipi:ipi_send_*, no callback: the callsite */
	ATTR_IPI_CALL,		/* ipi:ipi_send_*: "callback via callsite" */
	ATTR_WORK,		/* workqueue:workqueue_execute_start */
	ATTR_TIMER,		/* timer:timer_expire_entry */
	ATTR_HRTIMER,		/* timer:hrtimer_expire_entry */
	ATTR_SWITCH,		/* sched:sched_switch: the task switched to */
	ATTR_OSNOISE_IRQ,	/* osnoise:irq_noise ... */
	ATTR_OSNOISE_SOFTIRQ,
	ATTR_OSNOISE_THREAD,
	ATTR_OSNOISE_NMI,
	_ATTR_MAX,
};

/* One distinct cause and how often it came */
struct attr {
	enum attr_kind kind;
	char *what;
	int from;			/* IPIs: the sending CPU; else -1 */
	char *task;			/* work items: the worker that ran it */
	unsigned long long count;
	unsigned long long ns;		/* osnoise: the durations' sum */
	unsigned long long max_ns;	/* osnoise: the longest */
};

struct trace_event {
	double t;			/* trace clock, seconds */
	size_t attr;			/* index into attrs */
};

struct trace_summary {
	size_t n_attrs;
	struct attr *attrs;
	size_t n_events, cap_events;
	struct trace_event *events;
	unsigned long long lost;	/* events the buffer dropped */
	bool truncated;			/* the last line was cut */
};

/* Which events count, and which task is the load (not noise) */
struct trace_filter {
	unsigned int cpu;
	double t0, t1;			/* t1 <= t0: no time filter */
	const char *load_comm;		/* NULL: no spinner */
};

int trace_parse(const char *text, const struct trace_filter *f,
		struct trace_summary *out, size_t *bad_line);
void trace_summary_free(struct trace_summary *s);

/* /proc/kallsyms, for addresses the trace printed as numbers */
struct symtab;
int symtab_parse(const char *text, struct symtab **ret);
void symtab_free(struct symtab *st);
const char *symtab_lookup(const struct symtab *st, unsigned long long addr);
int trace_resolve(struct trace_summary *s, const struct symtab *st);

/* ---- tracefs.c: an instance of our own ---------------------------------- */

struct tracefs;
int tracefs_open(struct cpuiso_ctx *ctx, unsigned int cpu,
		 struct tracefs **ret, char **note);
int tracefs_set_on(struct tracefs *t, bool on);
int tracefs_read(struct tracefs *t, char **ret);
bool tracefs_has_osnoise(const struct tracefs *t);
bool tracefs_mono_clock(const struct tracefs *t);
void tracefs_close(struct tracefs *t);
int tracefs_osnoise_user(struct cpuiso_ctx *ctx, const char *dir, char **who);

/* ---- measure.c: a result from what was captured ----------------------- */

struct noise_capture {
	unsigned int cpu;
	enum cpuiso_load load;
	const char *irq0, *irq1;	/* /proc/interrupts, before and after */
	const char *soft0, *soft1;	/* /proc/softirqs */
	double seconds;
	const char *trace;		/* NULL if not traced */
	const char *note;		/* why not traced, or NULL */
	bool osnoise;			/* the trace has the osnoise events */
	struct trace_filter filter;
	const struct cpuiso_load_stats *load_stats;	/* NULL without */
	const struct cpuiso_task_isolation *task_isol;	/* NULL without */
};

int noise_compute(struct cpuiso_ctx *ctx, const struct noise_capture *cap,
		  struct cpuiso_noise **ret);

#endif
