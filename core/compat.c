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
	struct record *recs;
	size_t n;
};

static void compat_done(struct compat *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->recs[i].what);
		cpuiso_cpuset_free(c->recs[i].orig);
		cpuiso_cpuset_free(c->recs[i].set);
	}
	free(c->recs);
	cpuiso_cpuset_free(c->isolated);
}

/* ---- masks in the kernel's two formats -------------------------------- */

/* "00000000,0000000f" -> set; the format of default_smp_affinity */
static int hex_parse(const char *s, unsigned int nbits, struct cpuiso_cpuset **ret)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set =
		cpuiso_cpuset_new(nbits);
	unsigned int bit = 0;

	if (!set)
		return -ENOMEM;
	for (const char *p = s + strlen(s); p-- > s;) {
		int v;

		if (*p == ',' || *p == '\n')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			return -EINVAL;
		for (int b = 0; b < 4; b++, bit++)
			if ((v >> b) & 1 && cpuiso_cpuset_set(set, bit) < 0)
				return -ERANGE;
	}
	*ret = TAKE_PTR(set);
	return 0;
}

/*
 * As the kernel prints such masks: one hex digit per 4 of @width bits (the
 * possible CPUs), commas between groups of 8; it refuses wider ones.
 */
static int hex_format(const struct cpuiso_cpuset *set, unsigned int width,
		      char **ret)
{
	unsigned int digits = width ? (width + 3) / 4 : 1;
	char *buf = malloc(digits + digits / 8 + 1), *p = buf;

	if (!buf)
		return -ENOMEM;
	for (unsigned int d = digits; d-- > 0;) {
		unsigned int v = 0;

		for (unsigned int b = 0; b < 4; b++)
			if (d * 4 + b < cpuiso_cpuset_size(set) &&
			    cpuiso_cpuset_test(set, d * 4 + b))
				v |= 1u << b;
		*p++ = "0123456789abcdef"[v];
		if (d && d % 8 == 0)
			*p++ = ',';
	}
	*p = '\0';
	*ret = buf;
	return 0;
}

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
	return hex ? hex_parse(text, c->nbits, ret) :
		     cpuiso_cpuset_parse(text, c->nbits, ret, NULL);
}

/*
 * Write a record's mask.  Kernel threads take sched_setaffinity(); under
 * a test root, where there is no such task, the recorded status file gets
 * the new Cpus_allowed_list, as the kernel would show it.
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
	r = hex ? hex_format(set, c->width, &text) : cpuiso_cpuset_format(set, &text);
	if (r < 0)
		return r;
	if (sscanf(what, "kthread %u", &pid) != 1)
		return ctx_write(c->ctx, text, "%s", path);
	if (*c->ctx->root) {
		_cleanup_free_ char *status = NULL;

		if (asprintf(&status, "Cpus_allowed_list:\t%s\n", text) < 0)
			return -ENOMEM;
		return ctx_write(c->ctx, status, "/proc/%u/status", pid);
	}

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

/* ---- the state file ---------------------------------------------------- */

/* a list from the state file, "-" for none */
static int list_parse(const char *s, unsigned int nbits, struct cpuiso_cpuset **ret)
{
	if (!strcmp(s, "-")) {
		*ret = cpuiso_cpuset_new(nbits);
		return *ret ? 0 : -ENOMEM;
	}
	return cpuiso_cpuset_parse(s, nbits, ret, NULL) < 0 ? -EBADMSG : 0;
}

static int add_record(struct compat *c, const char *what,
		      struct cpuiso_cpuset *orig, struct cpuiso_cpuset *set)
{
	struct record *grown = realloc(c->recs, (c->n + 1) * sizeof(*c->recs));
	char *w = strdup(what);

	if (!grown || !w) {
		free(w);
		if (grown)
			c->recs = grown;
		cpuiso_cpuset_free(orig);
		cpuiso_cpuset_free(set);
		return -ENOMEM;
	}
	c->recs = grown;
	c->recs[c->n++] = (struct record){ w, orig, set };
	return 0;
}

static int state_load(struct compat *c)
{
	_cleanup_free_ char *text = NULL;
	char *next, *line;
	int r;

	c->isolated = cpuiso_cpuset_new(c->nbits);
	if (!c->isolated)
		return -ENOMEM;
	r = ctx_read(c->ctx, &text, STATE);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	next = text;
	while ((line = strsep(&next, "\n"))) {
		char *tok[4] = { NULL };
		size_t n = 0, first;
		struct cpuiso_cpuset *orig = NULL, *set = NULL;
		char what[48];

		for (char *t = strtok(line, " "); t && n < 4; t = strtok(NULL, " "))
			tok[n++] = t;
		if (!n)
			continue;
		if (!strcmp(tok[0], "added-cpuset")) {
			c->added_cpuset = true;
			continue;
		}
		if (!strcmp(tok[0], "cpus") && n == 2) {
			cpuiso_cpuset_free(c->isolated);
			c->isolated = NULL;
			r = list_parse(tok[1], c->nbits, &c->isolated);
			if (r < 0)
				return r;
			continue;
		}
		/* "irq 25 ORIG SET", "kthread 17 ORIG SET", "wq ORIG SET" */
		first = !strcmp(tok[0], "irq") || !strcmp(tok[0], "kthread") ? 2 : 1;
		if (n != first + 2)
			return -EBADMSG;
		snprintf(what, sizeof(what), first == 2 ? "%s %s" : "%s", tok[0], tok[1]);
		if (list_parse(tok[first], c->nbits, &orig) < 0 ||
		    list_parse(tok[first + 1], c->nbits, &set) < 0) {
			cpuiso_cpuset_free(orig);
			return -EBADMSG;
		}
		r = add_record(c, what, orig, set);
		if (r < 0)
			return r;
	}
	return 0;
}

static int state_save(struct compat *c)
{
	_cleanup_free_ char *path = NULL, *cpus = NULL;
	FILE *f;
	int r;

	r = ctx_path(c->ctx, &path, STATE);
	if (r < 0)
		return r;
	if (cpuiso_cpuset_count(c->isolated) == 0 && c->n == 0 && !c->added_cpuset)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	r = cpuiso_cpuset_format(c->isolated, &cpus);
	if (r < 0)
		return r;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	/* an empty list would not scan back: "-" stands for none */
	fprintf(f, "cpus %s\n", *cpus ? cpus : "-");
	if (c->added_cpuset)
		fputs("added-cpuset\n", f);
	for (size_t i = 0; i < c->n; i++) {
		_cleanup_free_ char *o = NULL, *s = NULL;

		if (cpuiso_cpuset_format(c->recs[i].orig, &o) < 0 ||
		    cpuiso_cpuset_format(c->recs[i].set, &s) < 0)
			break;
		fprintf(f, "%s %s %s\n", c->recs[i].what, *o ? o : "-", *s ? s : "-");
	}
	r = fflush(f) == 0 ? 0 : -errno;
	fclose(f);
	return r;
}

/* ---- narrowing and widening masks -------------------------------------- */

static struct record *find_record(struct compat *c, const char *what)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->recs[i].what, what))
			return &c->recs[i];
	return NULL;
}

static void drop_record(struct compat *c, struct record *rec)
{
	free(rec->what);
	cpuiso_cpuset_free(rec->orig);
	cpuiso_cpuset_free(rec->set);
	*rec = c->recs[--c->n];
}

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
	rec = find_record(c, what);
	if (rec && cpuiso_cpuset_equal(rec->set, cur)) {
		cpuiso_cpuset_free(rec->set);
		rec->set = TAKE_PTR(next);
	} else {
		if (rec)	/* changed by someone since: start from what it is */
			drop_record(c, rec);
		if (add_record(c, what, TAKE_PTR(cur), TAKE_PTR(next)) < 0)
			return -ENOMEM;
	}
	/* recorded at once: a crash later still leaves it restorable */
	r = state_save(c);
	return r < 0 ? r : 1;
}

/*
 * Give @cpus back to every recorded mask that still holds what was
 * written; forget those somebody changed, and those back to their
 * original value.
 */
static int widen(struct compat *c, const struct cpuiso_cpuset *cpus)
{
	size_t i = 0;
	int cpu, r;

	while (i < c->n) {
		struct record *rec = &c->recs[i];
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cur = NULL, *next = NULL;

		r = mask_read(c, rec->what, &cur);
		if (r < 0 || !cpuiso_cpuset_equal(cur, rec->set)) {
			dbg(c->ctx, "%s: changed or gone since, left alone", rec->what);
			drop_record(c, rec);
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
			drop_record(c, rec);
			continue;
		}
		cpuiso_cpuset_free(rec->set);
		rec->set = TAKE_PTR(next);
		i++;
	}
	return 0;
}

/* @fn for each numeric entry of @dir under the root, until one fails */
static int each_number(struct compat *c, const char *dir,
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
	unsigned int moved;
};

static int narrow_irq(struct compat *c, const char *irq, void *arg)
{
	struct narrowing *n = arg;
	char what[300];
	int r;

	snprintf(what, sizeof(what), "irq %s", irq);
	r = narrow(c, what, n->cpus);
	n->moved += r > 0;
	return r;
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
	n->moved += r > 0;
	return r;
}

/* Every movable IRQ, the default affinity, workqueues, kernel threads */
static int narrow_all(struct compat *c, const struct cpuiso_cpuset *cpus,
		      unsigned int *moved)
{
	struct narrowing n = { cpus, 0 };
	int r;

	r = each_number(c, "/proc/irq", narrow_irq, &n);
	if (r == 0)
		r = each_number(c, "/proc", narrow_kthread, &n);
	if (r == 0)
		r = narrow(c, "irq-default", cpus);
	if (r >= 0)
		r = narrow(c, "wq", cpus);
	*moved = n.moved;
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

/* ---- entry points ------------------------------------------------------ */

static int compat_change(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			 const struct cpuiso_cpuset *cpus, bool isolate,
			 unsigned int *moved)
{
	struct compat c = { .ctx = ctx, .nbits = cpuiso_system_nr_cpus(sys) };
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *all = NULL;
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	int cpu, r, s;

	cpuiso_cpuset_foreach(cpu, possible)
		c.width = (unsigned int)cpu + 1;

	*moved = 0;
	r = state_load(&c);
	if (r < 0) {
		err(ctx, "%s: %s", STATE, strerror(-r));
		compat_done(&c);
		return r;
	}
	all = cpuiso_cpuset_dup(c.isolated);
	if (!all) {
		compat_done(&c);
		return -ENOMEM;
	}
	cpuiso_cpuset_foreach(cpu, cpus)
		(isolate ? cpuiso_cpuset_set : cpuiso_cpuset_clear)(all, cpu);

	if (isolate) {
		r = partition_set(&c, all);
		if (r == 0) {
			cpuiso_cpuset_free(c.isolated);
			c.isolated = TAKE_PTR(all);
			r = state_save(&c);
		}
		/*
		 * The cycle first: bringing a CPU up sets the affinity of some
		 * kernel threads again (RCU's per-node workers).
		 */
		if (r == 0)
			r = cycle(&c, cpus);
		if (r == 0)
			r = narrow_all(&c, cpus, moved);
	} else {
		r = widen(&c, cpus);
		if (r == 0)
			r = partition_set(&c, all);
		if (r == 0) {
			cpuiso_cpuset_free(c.isolated);
			c.isolated = TAKE_PTR(all);
		}
	}
	/* what was changed is recorded even if a later step failed */
	s = state_save(&c);
	compat_done(&c);
	return r < 0 ? r : s;
}

/* One compat change, without the undo of a failed isolate (change.c does it). */
int compat_apply(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		 const struct cpuiso_cpuset *cpus, bool isolate)
{
	unsigned int moved;

	return compat_change(ctx, sys, cpus, isolate, &moved);
}

/**
 * cpuiso_compat_isolate: isolate @cpus as far as a stock kernel allows.
 * @moved: how many IRQ and kernel thread masks were narrowed
 *
 * On failure the steps done are undone (cpuiso_compat_release()).
 */
CPUISO_EXPORT int cpuiso_compat_isolate(struct cpuiso_ctx *ctx,
					const struct cpuiso_system *sys,
					const struct cpuiso_cpuset *cpus,
					unsigned int *moved)
{
	unsigned int dummy;
	int r = compat_change(ctx, sys, cpus, true, moved);

	if (r < 0 && compat_change(ctx, sys, cpus, false, &dummy) < 0)
		err(ctx, "compat: undoing a failed isolation failed too");
	return r;
}

/** cpuiso_compat_release: give back what cpuiso_compat_isolate() took. */
CPUISO_EXPORT int cpuiso_compat_release(struct cpuiso_ctx *ctx,
					const struct cpuiso_system *sys,
					const struct cpuiso_cpuset *cpus)
{
	unsigned int dummy;

	return compat_change(ctx, sys, cpus, false, &dummy);
}

/* Is @cpu in the cpulist (or, @hex, the mask) of @path? -1 if unknown */
static int file_has_cpu(struct compat *c, const char *path, bool hex, int cpu)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
	_cleanup_free_ char *text = NULL;

	if (ctx_read(c->ctx, &text, "%s", path) < 0)
		return -1;
	if ((hex ? hex_parse(text, c->nbits, &set) :
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

/* The CPUs the compat backend isolated, from its record (empty if none). */
int compat_recorded_cpus(struct cpuiso_ctx *ctx, unsigned int nbits,
			 struct cpuiso_cpuset **ret)
{
	struct compat c = { .ctx = ctx, .nbits = nbits };
	int r = state_load(&c);

	if (r == 0)
		*ret = TAKE_PTR(c.isolated);
	compat_done(&c);
	return r;
}

/*
 * Per property, what the compat backend reaches for @c: read back from
 * the kernel's files (@read_back), or what an isolate would reach.  The
 * tick and RCU callbacks need boot parameters unless given at boot.
 */
int compat_cpu_properties(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  struct cpuiso_change_cpu *cc, bool read_back)
{
	struct compat c = { .ctx = ctx, .nbits = cpuiso_system_nr_cpus(sys) };
	const struct cpuiso_cpu *cpu = cpuiso_system_get_cpu(sys, cc->id);
	struct irq_count n = { cc->id, 0 };
	int domain, wq, nohz, r = 0;
	bool nocb;

	nohz = file_has_cpu(&c, "/sys/devices/system/cpu/nohz_full", false, cc->id);
	nocb = nohz == 1 || cmdline_names(&c, "rcu_nocbs", cc->id);
	if (each_number(&c, "/proc/irq", count_irq, &n) < 0)
		n.left = 0;
	if (read_back) {
		domain = file_has_cpu(&c, CGROUP "/cpuset.cpus.isolated", false, cc->id);
		if (domain < 0 && cpuiso_system_get_mask(sys, CPUISO_MASK_ISOLATED))
			domain = cpuiso_cpuset_test(cpuiso_system_get_mask(sys,
					CPUISO_MASK_ISOLATED), cc->id);
		wq = file_has_cpu(&c, WQ_MASK, true, cc->id);
		r |= change_cpu_set_prop(cc, CPUISO_PROP_LOAD_BALANCING,
			domain == 1 ? CPUISO_ACHIEVED_YES : domain == 0 ?
			CPUISO_ACHIEVED_NO : CPUISO_ACHIEVED_UNKNOWN,
			domain == 0 ? "not in an isolated cpuset partition" : NULL);
		r |= change_cpu_set_prop(cc, CPUISO_PROP_WORKQUEUES,
			wq == 0 ? CPUISO_ACHIEVED_YES : wq == 1 ? CPUISO_ACHIEVED_NO :
			CPUISO_ACHIEVED_UNKNOWN,
			wq == 1 ? "still in the unbound workqueue cpumask" : NULL);
		r |= n.left ? change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_BOOT_PARAM,
				"isolcpus=managed_irq: %u IRQ(s) still allowed, managed ones cannot move",
				n.left) :
			change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_YES, NULL);
	} else {
		r |= change_cpu_set_prop(cc, CPUISO_PROP_LOAD_BALANCING, CPUISO_ACHIEVED_YES, NULL);
		r |= change_cpu_set_prop(cc, CPUISO_PROP_WORKQUEUES, CPUISO_ACHIEVED_YES, NULL);
		r |= change_cpu_set_prop(cc, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_YES,
					 "managed IRQs need isolcpus=managed_irq at boot");
	}
	r |= change_cpu_set_prop(cc, CPUISO_PROP_KTHREADS, CPUISO_ACHIEVED_YES,
				 "per-CPU kernel threads stay");
	r |= cpu && cpuiso_cpu_is_hotpluggable(cpu) ?
		change_cpu_set_prop(cc, CPUISO_PROP_TIMERS, CPUISO_ACHIEVED_YES,
				    "moved by an offline/online cycle") :
		change_cpu_set_prop(cc, CPUISO_PROP_TIMERS, CPUISO_ACHIEVED_NO,
				    "the CPU cannot go offline");
	r |= nohz == 1 ? change_cpu_set_prop(cc, CPUISO_PROP_TICK, CPUISO_ACHIEVED_YES, NULL) :
		change_cpu_set_prop(cc, CPUISO_PROP_TICK, CPUISO_ACHIEVED_BOOT_PARAM, "nohz_full=");
	r |= nocb ? change_cpu_set_prop(cc, CPUISO_PROP_RCU_CALLBACKS, CPUISO_ACHIEVED_YES, NULL) :
		change_cpu_set_prop(cc, CPUISO_PROP_RCU_CALLBACKS, CPUISO_ACHIEVED_BOOT_PARAM,
				    "rcu_nocbs=");
	return r ? -ENOMEM : 0;
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
