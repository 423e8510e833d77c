/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The compat backend's parts: the mechanisms (compat.c, one table), the
 * record of what they changed (compat-record.c) and the per-CPU report
 * (compat-report.c).  Not exported.
 */
#ifndef CPUISO_COMPAT_H
#define CPUISO_COMPAT_H

#include "internal.h"

#define STATE "/run/cpuiso.compat"
#define CGROUP "/sys/fs/cgroup"
#define PARTITION CGROUP "/cpuiso.isolated"
#define WQ_MASK "/sys/devices/virtual/workqueue/cpumask"
#define IRQ_DEFAULT "/proc/irq/default_smp_affinity"

/* one changed mask: where it lives, what it was, what we wrote */
struct record {
	char *what;		/* "irq 25", "kthread 17", "wq", "irq-default" */
	struct cpuiso_cpuset *orig, *set;
};

struct compat {
	struct cpuiso_ctx *ctx;
	unsigned int nbits;
	unsigned int width;		/* last possible CPU + 1 */
	struct cpuiso_cpuset *isolated;	/* the partition's CPUs */
	bool added_cpuset;		/* we put +cpuset in the root */
	unsigned int moved;		/* IRQ and kthread masks narrowed */
	struct record *recs;
	size_t n;
};

/*
 * One mechanism: what isolate does (apply), what release and a rollback
 * do (restore), and what it reached for a CPU (report, into the property
 * it serves).  A row without apply is a property only boot gives.
 */
struct compat_mechanism {
	const char *name;
	int (*apply)(struct compat *c, const struct cpuiso_cpuset *cpus);
	int (*restore)(struct compat *c, const struct cpuiso_cpuset *cpus);
	int (*report)(struct compat *c, const struct cpuiso_system *sys,
		      struct cpuiso_change_cpu *cc, bool read_back);
};

extern const struct compat_mechanism compat_mechanisms[];
extern const size_t compat_nr_mechanisms;

/* compat.c */
int compat_each_number(struct compat *c, const char *dir,
		       int (*fn)(struct compat *c, const char *name, void *arg),
		       void *arg);

/* compat-record.c */
void compat_done(struct compat *c);
int compat_add_record(struct compat *c, const char *what,
		      struct cpuiso_cpuset *orig, struct cpuiso_cpuset *set);
struct record *compat_find_record(struct compat *c, const char *what);
void compat_drop_record(struct compat *c, struct record *rec);
int compat_state_load(struct compat *c);
int compat_state_save(struct compat *c);

/* compat-report.c: one report a row of the table */
int compat_report_partition(struct compat *c, const struct cpuiso_system *sys,
			    struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_cycle(struct compat *c, const struct cpuiso_system *sys,
			struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_irqs(struct compat *c, const struct cpuiso_system *sys,
		       struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_kthreads(struct compat *c, const struct cpuiso_system *sys,
			   struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_wq(struct compat *c, const struct cpuiso_system *sys,
		     struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_tick(struct compat *c, const struct cpuiso_system *sys,
		       struct cpuiso_change_cpu *cc, bool read_back);
int compat_report_rcu(struct compat *c, const struct cpuiso_system *sys,
		      struct cpuiso_change_cpu *cc, bool read_back);

#endif
