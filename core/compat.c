// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The compat backend, for kernels without cpuN/state: the most that stock
 * interfaces give.  A cgroup v2 cpuset partition "cpuiso.isolated" of
 * type isolated (no load balancing, no unbound workqueue work), movable
 * IRQs and the default IRQ affinity, the unbound workqueue cpumask and
 * the masks of kernel threads narrowed off the CPUs, and an offline/online
 * cycle of each CPU so that its timers and per-CPU leftovers move away.
 * The tick and RCU callbacks need nohz_full= and rcu_nocbs= at boot: the
 * report says so per CPU.
 *
 * The mechanisms are one table (compat_mechanisms[]), walked by one
 * function with one rollback; the record is compat-record.c, the report
 * compat-report.c, the hex mask codec cpuset.c.
 *
 * Every mask changed is recorded in <root>/run/cpuiso.compat with the
 * value it had and the one written; a release gives the released CPUs
 * back to each mask that still holds what was written, and leaves alone a
 * mask somebody changed since.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"

/* ---- one mask, in the kernel's two formats ----------------------------- */

/* Where a record's mask lives, and in which format. */
static int rec_path(const char *what, char *path, size_t len, bool *hex)
{
	unsigned int id;

	*hex = false;
	if (sscanf(what, "irq %u", &id) == 1)
		snprintf(path, len, "/proc/irq/%u/smp_affinity_list", id);
	else if (sscanf(what, "kthread %u", &id) == 1)
		snprintf(path, len, "/proc/%u/status", id);
	else if (!strcmp(what, "wq"))
		snprintf(path, len, WQ_MASK), *hex = true;
	else if (!strcmp(what, "irq-default"))
		snprintf(path, len, IRQ_DEFAULT), *hex = true;
	else
		return -EINVAL;
	return 0;
}

/* The mask a record names, as it is now. */
static int mask_read(struct compat *c, const char *what, struct cpuiso_cpuset **ret)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	bool hex;
	int r = rec_path(what, path, sizeof(path), &hex);

	if (r < 0)
		return r;
	r = ctx_read(c->ctx, &text, "%s", path);
	if (r < 0)
		return r;
	if (!strncmp(what, "kthread", 7)) {
		const char *l = strstr(text, "Cpus_allowed_list:");

		if (!l)
			return -EINVAL;
		l += strlen("Cpus_allowed_list:");
		l += strspn(l, " \t");
		_cleanup_free_ char *list = strndup(l, strcspn(l, "\n"));

		return list ? cpuiso_cpuset_parse(list, c->nbits, ret, NULL) : -ENOMEM;
	}
	return hex ? cpuset_parse_hex(text, c->nbits, ret) :
		     cpuiso_cpuset_parse(text, c->nbits, ret, NULL);
}

/*
 * Write a record's mask.  Kernel threads take sched_setaffinity(), on the
 * live system only: under another root the PIDs are not ours (-ESRCH, a
 * thread left as it is), unless a test harness installed a stand-in.
 */
static int mask_write(struct compat *c, const char *what,
		      const struct cpuiso_cpuset *set)
{
	_cleanup_free_ char *text = NULL;
	unsigned int pid;
	char path[64];
	bool hex;
	int r = rec_path(what, path, sizeof(path), &hex);

	if (r < 0)
		return r;
	r = hex ? cpuset_format_hex(set, c->width, &text) : cpuiso_cpuset_format(set, &text);
	if (r < 0)
		return r;
	if (sscanf(what, "kthread %u", &pid) != 1)
		return ctx_write(c->ctx, text, "%s", path);
	if (c->ctx->set_affinity)	/* a test harness's stand-in */
		return c->ctx->set_affinity(c->ctx, pid, text);
	/* the PIDs of a tree under another root are not this machine's tasks */
	if (*c->ctx->root)
		return -ESRCH;

	size_t size = CPU_ALLOC_SIZE(c->nbits);
	cpu_set_t *cs = CPU_ALLOC(c->nbits);
	int cpu;

	if (!cs)
		return -ENOMEM;
	CPU_ZERO_S(size, cs);
	cpuiso_cpuset_foreach(cpu, set)
		CPU_SET_S(cpu, size, cs);
	r = sched_setaffinity((pid_t)pid, size, cs) < 0 ? -errno : 0;
	CPU_FREE(cs);
	return r;
}

/* ---- narrowing and widening masks -------------------------------------- */

/* set \ minus, or NULL (-ENOMEM) */
static struct cpuiso_cpuset *without(const struct cpuiso_cpuset *set,
				     const struct cpuiso_cpuset *minus)
{
	struct cpuiso_cpuset *d = cpuiso_cpuset_dup(set);
	int cpu;

	if (d)
		cpuiso_cpuset_foreach(cpu, minus)
			cpuiso_cpuset_clear(d, cpu);
	return d;
}

/*
 * Take @cpus out of the mask @what names.  1 if it changed, 0 if there
 * was nothing to do (or the kernel refuses: a managed IRQ), or -errno.
 * A mask made only of @cpus (a per-CPU thread) is left as it is.
 */
static int narrow(struct compat *c, const char *what,
		  const struct cpuiso_cpuset *cpus)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cur = NULL, *next = NULL;
	struct record *rec;
	int r = mask_read(c, what, &cur);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	next = without(cur, cpus);
	if (!next)
		return -ENOMEM;
	if (cpuiso_cpuset_equal(next, cur) || cpuiso_cpuset_count(next) == 0)
		return 0;
	r = mask_write(c, what, next);
	/* managed or per-CPU IRQs, bound threads: the kernel keeps them */
	if (r == -EIO || r == -EINVAL || r == -EPERM || r == -ESRCH) {
		dbg(c->ctx, "%s: the kernel keeps it (%s)", what, strerror(-r));
		return 0;
	}
	if (r < 0) {
		err(c->ctx, "%s: %s", what, strerror(-r));
		return r;
	}
	rec = compat_find_record(c, what);
	if (rec && cpuiso_cpuset_equal(rec->set, cur)) {
		cpuiso_cpuset_free(rec->set);
		rec->set = TAKE_PTR(next);
	} else {
		if (rec)	/* changed by someone since: start from what it is */
			compat_drop_record(c, rec);
		if (compat_add_record(c, what, TAKE_PTR(cur), TAKE_PTR(next)) < 0)
			return -ENOMEM;
	}
	/* recorded at once: a crash later still leaves it restorable */
	r = compat_state_save(c);
	return r < 0 ? r : 1;
}

/*
 * Give @cpus back to every recorded mask named @prefix... that still
 * holds what was written; forget those somebody changed, and those back to their
 * original value.
 */
static int widen(struct compat *c, const struct cpuiso_cpuset *cpus,
		 const char *prefix)
{
	size_t i = 0;
	int cpu, r;

	while (i < c->n) {
		struct record *rec = &c->recs[i];
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cur = NULL, *next = NULL;

		if (strncmp(rec->what, prefix, strlen(prefix))) {
			i++;
			continue;
		}
		r = mask_read(c, rec->what, &cur);
		if (r < 0 || !cpuiso_cpuset_equal(cur, rec->set)) {
			dbg(c->ctx, "%s: changed or gone since, left alone", rec->what);
			compat_drop_record(c, rec);
			continue;
		}
		next = cpuiso_cpuset_dup(cur);
		if (!next)
			return -ENOMEM;
		cpuiso_cpuset_foreach(cpu, cpus)
			if (cpuiso_cpuset_test(rec->orig, cpu))
				cpuiso_cpuset_set(next, cpu);
		if (!cpuiso_cpuset_equal(next, cur)) {
			r = mask_write(c, rec->what, next);
			if (r < 0 && r != -ESRCH)
				return r;
		}
		if (cpuiso_cpuset_equal(next, rec->orig)) {
			compat_drop_record(c, rec);
			continue;
		}
		cpuiso_cpuset_free(rec->set);
		rec->set = TAKE_PTR(next);
		i++;
	}
	return 0;
}

/* @fn for each numeric entry of @dir under the root, until one fails */
int compat_each_number(struct compat *c, const char *dir,
		       int (*fn)(struct compat *c, const char *name, void *arg),
		       void *arg)
{
	_cleanup_free_ char *path = NULL;
	struct dirent *de;
	int r = ctx_path(c->ctx, &path, "%s", dir);
	DIR *d;

	if (r < 0)
		return r;
	d = opendir(path);
	if (!d)
		return -errno;
	while (r >= 0 && (de = readdir(d)))
		if (*de->d_name && !de->d_name[strspn(de->d_name, "0123456789")])
			r = fn(c, de->d_name, arg);
	closedir(d);
	return r < 0 ? r : 0;
}

struct narrowing {
	const struct cpuiso_cpuset *cpus;
};

static int narrow_irq(struct compat *c, const char *irq, void *arg)
{
	struct narrowing *n = arg;
	char what[300];
	int r;

	snprintf(what, sizeof(what), "irq %s", irq);
	r = narrow(c, what, n->cpus);
	c->moved += r > 0;
	return r < 0 ? r : 0;
}

static int narrow_kthread(struct compat *c, const char *pid, void *arg)
{
	_cleanup_free_ char *stat = NULL;
	struct narrowing *n = arg;
	unsigned long flags = 0;
	char what[300];
	const char *p;
	int r;

	if (ctx_read(c->ctx, &stat, "/proc/%s/stat", pid) < 0)
		return 0;
	/* field 9, flags: after the ")" that ends the command name */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return 0;
	/* PF_KTHREAD, and not PF_NO_SETAFFINITY (per-CPU threads) */
	if (!(flags & 0x00200000) || (flags & 0x04000000))
		return 0;
	snprintf(what, sizeof(what), "kthread %s", pid);
	r = narrow(c, what, n->cpus);
	c->moved += r > 0;
	return r < 0 ? r : 0;
}

/* ---- the cpuset partition ---------------------------------------------- */

/* Write a cgroup file, naming it in the error. */
static int cg_write(struct compat *c, const char *value, const char *file)
{
	int r = ctx_write(c->ctx, value, "%s", file);

	if (r < 0)
		err(c->ctx, "%s%s: writing '%s': %s", c->ctx->root, file, value,
		    strerror(-r));
	return r;
}

/*
 * The partition back to nothing: member, removed, and +cpuset taken back
 * if it was ours.  Every step is tried; a partition that never got its
 * files (a failed mkdir) has nothing to turn back.
 */
static int partition_remove(struct compat *c)
{
	_cleanup_free_ char *path = NULL;
	int r = 0, q;

	if (ctx_exists(c->ctx, PARTITION) > 0) {
		q = ctx_write(c->ctx, "member", PARTITION "/cpuset.cpus.partition");
		if (q < 0 && q != -ENOENT)
			r = cg_write(c, "member", PARTITION "/cpuset.cpus.partition");
		/* tasks a user put there keep it: as a member, harmless */
		if (ctx_path(c->ctx, &path, PARTITION) == 0 && rmdir(path) < 0)
			dbg(c->ctx, "%s: %s, left as a member cgroup", path,
			    strerror(errno));
	}
	if (c->added_cpuset) {
		q = cg_write(c, "-cpuset", CGROUP "/cgroup.subtree_control");
		if (q == 0)
			c->added_cpuset = false;
		else if (r == 0)
			r = q;
	}
	return r;
}

static int partition_set(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	_cleanup_free_ char *ctl = NULL, *list = NULL, *path = NULL, *type = NULL;
	int r;

	if (cpuiso_cpuset_count(cpus) == 0)
		return partition_remove(c);
	r = ctx_read(c->ctx, &ctl, CGROUP "/cgroup.subtree_control");
	if (r < 0) {
		err(c->ctx, "%s" CGROUP "/cgroup.subtree_control: %s (no cgroup v2?)",
		    c->ctx->root, strerror(-r));
		return r;
	}
	if (!strstr(ctl, "cpuset")) {
		r = cg_write(c, "+cpuset", CGROUP "/cgroup.subtree_control");
		if (r < 0)
			return r;
		c->added_cpuset = true;
	}
	r = ctx_path(c->ctx, &path, PARTITION);
	if (r < 0)
		return r;
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		err(c->ctx, "%s: %s", path, strerror(-r));
		return r;
	}
	r = cpuiso_cpuset_format(cpus, &list);
	if (r < 0)
		return r;
	r = cg_write(c, list, PARTITION "/cpuset.cpus");
	if (r == 0)
		r = cg_write(c, "isolated", PARTITION "/cpuset.cpus.partition");
	if (r == 0)
		r = ctx_read(c->ctx, &type, PARTITION "/cpuset.cpus.partition");
	if (r == 0 && strcmp(type, "isolated")) {
		err(c->ctx, "%s" PARTITION "/cpuset.cpus.partition: reads '%s' after writing 'isolated'",
		    c->ctx->root, type);
		r = -EINVAL;
	}
	return r;
}

/* Offline and online: timers and what else was queued on the CPU move off */
static int cycle(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	int cpu, r;

	cpuiso_cpuset_foreach(cpu, cpus) {
		if (ctx_exists(c->ctx, "/sys/devices/system/cpu/cpu%d/online", cpu) <= 0)
			continue;
		r = ctx_write(c->ctx, "0", "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (r == 0)
			r = ctx_write(c->ctx, "1", "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (r < 0) {
			err(c->ctx, "cpu%d: offline/online cycle: %s", cpu, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* ---- the mechanisms, one row each ------------------------------------- */

/* The partition holds the CPUs isolated before and @cpus. */
static int partition_apply(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *all =
		cpuiso_cpuset_dup(c->isolated);
	int cpu, r;

	if (!all)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, cpus)
		cpuiso_cpuset_set(all, cpu);
	r = partition_set(c, all);
	if (r < 0)
		return r;
	cpuiso_cpuset_free(c->isolated);
	c->isolated = TAKE_PTR(all);
	return compat_state_save(c);
}

static int partition_restore(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *rest = without(c->isolated, cpus);
	int r;

	if (!rest)
		return -ENOMEM;
	r = partition_set(c, rest);
	if (r < 0)
		return r;
	cpuiso_cpuset_free(c->isolated);
	c->isolated = TAKE_PTR(rest);
	return 0;
}

static int irqs_apply(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	struct narrowing n = { cpus };

	return compat_each_number(c, "/proc/irq", narrow_irq, &n);
}

static int irqs_restore(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	return widen(c, cpus, "irq ");
}

static int kthreads_apply(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	struct narrowing n = { cpus };

	return compat_each_number(c, "/proc", narrow_kthread, &n);
}

static int kthreads_restore(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	return widen(c, cpus, "kthread ");
}

static int irq_default_apply(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	int r = narrow(c, "irq-default", cpus);

	return r < 0 ? r : 0;
}

static int irq_default_restore(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	return widen(c, cpus, "irq-default");
}

static int wq_apply(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	int r = narrow(c, "wq", cpus);

	return r < 0 ? r : 0;
}

static int wq_restore(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	return widen(c, cpus, "wq");
}

/*
 * In the order isolate applies them; release and rollback go backwards.
 * The cycle comes before the masks: bringing a CPU up sets the affinity
 * of some kernel threads again (RCU's per-node workers).
 */
const struct compat_mechanism compat_mechanisms[] = {
	{ "partition", partition_apply, partition_restore, compat_report_partition },
	{ "online cycle", cycle, NULL, compat_report_cycle },
	{ "irqs", irqs_apply, irqs_restore, compat_report_irqs },
	{ "kthreads", kthreads_apply, kthreads_restore, compat_report_kthreads },
	{ "default irq affinity", irq_default_apply, irq_default_restore, NULL },
	{ "workqueue mask", wq_apply, wq_restore, compat_report_wq },
	/* what only boot parameters give */
	{ "tick", NULL, NULL, compat_report_tick },
	{ "rcu callbacks", NULL, NULL, compat_report_rcu },
};
const size_t compat_nr_mechanisms = ELEMENTSOF(compat_mechanisms);

/* ---- the walker --------------------------------------------------------- */

/* Restore rows @last..0, every one tried; the first error. */
static int walk_back(struct compat *c, const struct cpuiso_cpuset *cpus, size_t last)
{
	int r = 0;

	for (size_t i = last + 1; i-- > 0;) {
		const struct compat_mechanism *m = &compat_mechanisms[i];
		int q;

		if (!m->restore)
			continue;
		q = m->restore(c, cpus);
		if (q < 0) {
			err(c->ctx, "compat: restoring %s: %s", m->name, strerror(-q));
			if (r == 0)
				r = q;
		}
	}
	return r;
}

/*
 * Isolate: apply each row in order; a row that fails is restored with
 * the rows before it, last first (@rolled_back says whether all were).
 * Release: restore every row, last first.  The record is saved either way.
 */
int compat_apply(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		 const struct cpuiso_cpuset *cpus, bool isolate, bool *rolled_back,
		 unsigned int *moved)
{
	struct compat c = { .ctx = ctx, .nbits = cpuiso_system_nr_cpus(sys) };
	int cpu, r, s;

	cpuiso_cpuset_foreach(cpu, cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE))
		c.width = (unsigned int)cpu + 1;
	if (rolled_back)
		*rolled_back = true;
	r = compat_state_load(&c);
	if (r < 0) {
		err(ctx, "%s%s: %s", ctx->root, STATE, strerror(-r));
		compat_done(&c);
		return r;
	}
	if (!isolate) {
		r = walk_back(&c, cpus, compat_nr_mechanisms - 1);
	} else {
		for (size_t i = 0; i < compat_nr_mechanisms; i++) {
			if (!compat_mechanisms[i].apply)
				continue;
			r = compat_mechanisms[i].apply(&c, cpus);
			if (r < 0) {
				err(ctx, "compat: %s: %s", compat_mechanisms[i].name,
				    strerror(-r));
				if (walk_back(&c, cpus, i) < 0 && rolled_back)
					*rolled_back = false;
				break;
			}
		}
	}
	/* what was changed is recorded even if a later step failed */
	s = compat_state_save(&c);
	if (moved)
		*moved = c.moved;
	compat_done(&c);
	return r < 0 ? r : s;
}

/**
 * cpuiso_compat_isolate: isolate @cpus as far as a stock kernel allows.
 * @moved: how many IRQ and kernel thread masks were narrowed
 *
 * On failure the mechanisms applied are restored, last first.
 */
CPUISO_EXPORT int cpuiso_compat_isolate(struct cpuiso_ctx *ctx,
					const struct cpuiso_system *sys,
					const struct cpuiso_cpuset *cpus,
					unsigned int *moved)
{
	return compat_apply(ctx, sys, cpus, true, NULL, moved);
}

/** cpuiso_compat_release: give back what cpuiso_compat_isolate() took. */
CPUISO_EXPORT int cpuiso_compat_release(struct cpuiso_ctx *ctx,
					const struct cpuiso_system *sys,
					const struct cpuiso_cpuset *cpus)
{
	return compat_apply(ctx, sys, cpus, false, NULL, NULL);
}
