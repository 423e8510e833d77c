// SPDX-License-Identifier: GPL-2.0
/*
 * Task affinity on runtime-isolated CPUs.
 *
 * The isolation empties the CPU, and the scheduler builds no domain over
 * it when it comes back isolated, but the affinity masks of existing tasks
 * (unbound kthreads, and user tasks nobody pinned) still name it: a fork
 * or a wake-up there would stay there, since nothing balances an isolated
 * CPU. Boot-time isolcpus avoids this by narrowing init's mask before
 * anything is forked. When an isolated CPU comes up, those masks are
 * narrowed to the housekeeping CPUs and what they were is recorded; tasks
 * forked later inherit the narrowed mask. When a housekeeping CPU comes up
 * (a release, or a plain online), each record gets that CPU back, but only
 * if its mask is still the one we set: a mask somebody changed meanwhile
 * (sched_setaffinity) is his and stays as it is. Interrupt affinity is the
 * kernel's own "irq" isolation step.
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
 * A task whose affinity is ours to narrow: not bound by the kernel
 * (per-CPU kthreads, workqueue workers) and never given a mask by
 * sched_setaffinity(), whose user_cpus_ptr also passes to its children.
 */
static bool task_is_wide(struct task_struct *p)
{
	return !(p->flags & (PF_NO_SETAFFINITY | PF_EXITING)) &&
	       !READ_ONCE(p->user_cpus_ptr);
}

static const struct cpumask *task_hk_mask(struct task_struct *p)
{
	return housekeeping_cpumask(p->flags & PF_KTHREAD ? HK_TYPE_KTHREAD :
							    HK_TYPE_DOMAIN);
}

/* Wide tasks whose mask has @cpu (or lacks it), referenced. */
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

static void narrow_tasks(unsigned int cpu, struct cpumask *tmp)
{
	struct task_struct **tasks = NULL;
	int i, n;

	n = collect_tasks(cpu, true, &tasks);
	for (i = 0; i < n; i++) {
		struct task_struct *p = tasks[i];
		struct saved_affinity *s;

		if (cpumask_and(tmp, &p->cpus_mask, task_hk_mask(p))) {
			s = saved_get(p, &p->cpus_mask);
			if (s && !set_cpus_allowed_ptr(p, tmp))
				cpumask_copy(s->applied, tmp);
			else if (s && cpumask_equal(s->orig, &p->cpus_mask))
				saved_free(s);
		}
		put_task_struct(p);
	}
	kfree(tasks);
}

/*
 * Tasks born while @cpu was isolated inherited the narrowed mask and have
 * no record: those left with exactly all other housekeeping CPUs get @cpu.
 */
static void widen_newborn(unsigned int cpu, struct cpumask *tmp)
{
	struct task_struct **tasks = NULL;
	int i, n;

	n = collect_tasks(cpu, false, &tasks);
	for (i = 0; i < n; i++) {
		struct task_struct *p = tasks[i];

		cpumask_andnot(tmp, task_hk_mask(p), cpumask_of(cpu));
		if (!saved_find(p) && cpumask_equal(&p->cpus_mask, tmp)) {
			cpumask_set_cpu(cpu, tmp);
			set_cpus_allowed_ptr(p, tmp);
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
		const struct cpumask *cur = &s->task->cpus_mask;
		int ret;

		if ((s->task->flags & PF_EXITING) ||
		    !cpumask_equal(cur, s->applied)) {
			saved_free(s);	/* gone, or set by somebody else */
			continue;
		}
		if (cpu < 0)
			cpumask_copy(tmp, s->orig);
		else if (cpumask_test_cpu(cpu, s->orig))
			cpumask_or(tmp, s->applied, cpumask_of(cpu));
		else
			continue;

		ret = set_cpus_allowed_ptr(s->task, tmp);
		if (!ret)
			cpumask_copy(s->applied, tmp);
		if (ret || cpumask_equal(s->applied, s->orig))
			saved_free(s);
	}
}

int cpuiso_affinity_online(unsigned int cpu)
{
	cpumask_var_t tmp;

	if (!zalloc_cpumask_var(&tmp, GFP_KERNEL))
		return -ENOMEM;
	mutex_lock(&saved_lock);
	if (housekeeping_cpu(cpu, HK_TYPE_KTHREAD)) {
		restore(cpu, tmp);
		widen_newborn(cpu, tmp);
	} else {
		narrow_tasks(cpu, tmp);
	}
	mutex_unlock(&saved_lock);
	free_cpumask_var(tmp);
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
