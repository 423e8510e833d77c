// SPDX-License-Identifier: GPL-2.0
/*
 * Task affinity on runtime-isolated CPUs.
 *
 * The isolation empties the CPU, and the scheduler builds no domain over
 * it when it comes back isolated, but the affinity masks of existing tasks
 * (unbound kthreads, and user tasks nobody pinned) still name it: a fork
 * or a wake-up there would stay there, since nothing balances an isolated
 * CPU. Boot-time isolcpus avoids this by narrowing init's mask before
 * anything is forked. When an isolated CPU comes up, those masks lose it,
 * if a housekeeping CPU is left in them, and what they were is recorded; tasks
 * forked later inherit the narrowed mask. When a housekeeping CPU comes up
 * (a release, or a plain online), each record gets that CPU back.
 *
 * Every change goes through sched_replace_affinity(), which compares and
 * sets under the task's locks: a mask set meanwhile by sched_setaffinity(),
 * a cpuset or the kernel is never overwritten, and the record of that task
 * is dropped. Tasks of child cpusets are left to their cpuset, whose
 * hotplug handling sets their masks, as they are with isolcpus=. The walk
 * over all tasks only picks candidates; the decision is taken under the
 * locks. Interrupt affinity is the kernel's own "irq" isolation step.
 *
 * Two gaps are left as isolcpus=domain leaves them. A task forked during
 * the walk may copy its parent's mask before the parent loses the CPU and
 * join the task list after the walk: it keeps the CPU. And a change of a
 * cpuset partition sets the masks of the root cpuset's tasks to every CPU
 * outside partitions. No sched domain spans an isolated CPU, so neither
 * fork placement nor load balancing moves such a task there; only a
 * wake-up by a task running on the CPU can, as at boot.
 */
#include <linux/cpumask.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/isolation.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "cpuiso.h"

struct saved_affinity {
	struct list_head node;
	struct task_struct *task;
	cpumask_var_t orig;		/* before any isolation */
	cpumask_var_t applied;		/* what we set last */
};

static LIST_HEAD(saved);
static DEFINE_MUTEX(saved_lock);

static void saved_free(struct saved_affinity *s)
{
	list_del(&s->node);
	put_task_struct(s->task);
	free_cpumask_var(s->orig);
	free_cpumask_var(s->applied);
	kfree(s);
}

static struct saved_affinity *saved_find(struct task_struct *task)
{
	struct saved_affinity *s;

	list_for_each_entry(s, &saved, node)
		if (s->task == task)
			return s;
	return NULL;
}

static struct saved_affinity *saved_get(struct task_struct *task,
					const struct cpumask *cur)
{
	struct saved_affinity *s = saved_find(task);

	if (s)
		return s;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	if (!zalloc_cpumask_var(&s->orig, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&s->applied, GFP_KERNEL)) {
		free_cpumask_var(s->orig);
		kfree(s);
		return NULL;
	}
	get_task_struct(task);
	s->task = task;
	cpumask_copy(s->orig, cur);
	list_add_tail(&s->node, &saved);
	return s;
}

/*
 * A candidate: not bound by the kernel (per-CPU kthreads, workqueue
 * workers) and never given a mask by sched_setaffinity(), whose
 * user_cpus_ptr also passes to its children. Read without locks, as a
 * hint; sched_replace_affinity() checks again under them.
 */
static bool task_is_wide(struct task_struct *p)
{
	return !(READ_ONCE(p->flags) & (PF_NO_SETAFFINITY | PF_EXITING)) &&
	       !READ_ONCE(p->user_cpus_ptr);
}

static const struct cpumask *task_hk_mask(struct task_struct *p)
{
	return housekeeping_cpumask(p->flags & PF_KTHREAD ? HK_TYPE_KTHREAD :
							    HK_TYPE_DOMAIN);
}

/* @p's mask, read under the lock that every change of it takes */
static void task_mask_read(struct task_struct *p, struct cpumask *dst)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&p->pi_lock, flags);
	cpumask_copy(dst, &p->cpus_mask);
	raw_spin_unlock_irqrestore(&p->pi_lock, flags);
}

/* Candidates whose mask seems to have @cpu (or to lack it), referenced. */
static int collect_tasks(unsigned int cpu, bool has, struct task_struct ***ret)
{
	struct task_struct *g, *p, **tasks = NULL;
	int n = 0, size = 0;

	for (;;) {
		int want = 0;

		rcu_read_lock();
		for_each_process_thread(g, p) {
			if (!task_is_wide(p) ||
			    cpumask_test_cpu(cpu, &p->cpus_mask) != has)
				continue;
			if (n < size) {
				get_task_struct(p);
				tasks[n++] = p;
			}
			want++;
		}
		rcu_read_unlock();
		if (want <= size)
			break;
		/* more than room for: start over with enough */
		while (n)
			put_task_struct(tasks[--n]);
		kfree(tasks);
		size = want + 16;
		tasks = kcalloc(size, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
	}
	*ret = tasks;
	return n;
}

/* Whether @p lost @cpu here. */
static bool narrow_task(struct task_struct *p, unsigned int cpu,
			struct cpumask *cur, struct cpumask *tmp)
{
	struct saved_affinity *s;
	bool fresh;

	task_mask_read(p, cur);
	/* only @cpu goes: CPUs isolated at boot stay as they were */
	if (!cpumask_test_cpu(cpu, cur) ||
	    !cpumask_intersects(cur, task_hk_mask(p)))
		return false;
	cpumask_andnot(tmp, cur, cpumask_of(cpu));
	fresh = !saved_find(p);
	s = saved_get(p, cur);
	if (!s)
		return false;
	if (!sched_replace_affinity(p, cur, tmp)) {
		cpumask_copy(s->applied, tmp);
		return true;
	}
	if (fresh)
		saved_free(s);
	return false;
}

/*
 * A child whose fork read its parent's mask before the parent lost @cpu
 * (cpuset_fork(), patch 0028) and that was listed after the pass that
 * collected the parent still has @cpu: list the tasks again until a pass
 * narrows none.  Children forked after a narrowing copy the narrowed
 * mask, so the passes end.
 */
static void narrow_tasks(unsigned int cpu, struct cpumask *cur,
			 struct cpumask *tmp)
{
	struct task_struct **tasks;
	int i, n, narrowed;

	do {
		tasks = NULL;
		narrowed = 0;
		n = collect_tasks(cpu, true, &tasks);
		for (i = 0; i < n; i++) {
			narrowed += narrow_task(tasks[i], cpu, cur, tmp);
			put_task_struct(tasks[i]);
		}
		kfree(tasks);
	} while (narrowed);
}

/*
 * Tasks born while @cpu was isolated inherited the narrowed mask and have
 * no record: those left with exactly all other housekeeping CPUs get @cpu.
 */
static void widen_newborn(unsigned int cpu, struct cpumask *cur,
			  struct cpumask *tmp)
{
	struct task_struct **tasks = NULL;
	int i, n;

	n = collect_tasks(cpu, false, &tasks);
	for (i = 0; i < n; i++) {
		struct task_struct *p = tasks[i];

		if (!saved_find(p)) {
			cpumask_andnot(cur, task_hk_mask(p), cpumask_of(cpu));
			cpumask_or(tmp, cur, cpumask_of(cpu));
			sched_replace_affinity(p, cur, tmp);
		}
		put_task_struct(p);
	}
	kfree(tasks);
}

/* Give @cpu back to every record that had it; all CPUs if @cpu < 0. */
static void restore(int cpu, struct cpumask *tmp)
{
	struct saved_affinity *s, *next;

	list_for_each_entry_safe(s, next, &saved, node) {
		if (cpu < 0)
			cpumask_copy(tmp, s->orig);
		else if (cpumask_test_cpu(cpu, s->orig))
			cpumask_or(tmp, s->applied, cpumask_of(cpu));
		else
			continue;

		/* fails if the mask is no longer ours: then it is not */
		if (sched_replace_affinity(s->task, s->applied, tmp) ||
		    cpumask_equal(tmp, s->orig))
			saved_free(s);
		else
			cpumask_copy(s->applied, tmp);
	}
}

int cpuiso_affinity_online(unsigned int cpu)
{
	cpumask_var_t cur, tmp;

	if (!zalloc_cpumask_var(&cur, GFP_KERNEL))
		return -ENOMEM;
	if (!zalloc_cpumask_var(&tmp, GFP_KERNEL)) {
		free_cpumask_var(cur);
		return -ENOMEM;
	}
	mutex_lock(&saved_lock);
	if (housekeeping_cpu(cpu, HK_TYPE_KTHREAD)) {
		restore(cpu, tmp);
		widen_newborn(cpu, cur, tmp);
	} else {
		narrow_tasks(cpu, cur, tmp);
	}
	mutex_unlock(&saved_lock);
	free_cpumask_var(tmp);
	free_cpumask_var(cur);
	return 0;
}

void cpuiso_affinity_restore_all(void)
{
	cpumask_var_t tmp;

	if (!zalloc_cpumask_var(&tmp, GFP_KERNEL))
		return;
	mutex_lock(&saved_lock);
	restore(-1, tmp);
	mutex_unlock(&saved_lock);
	free_cpumask_var(tmp);
}
