// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The journal of a plan being applied, <root>/run/cpuiso.journal: written
 * whole (temporary file, fsync, rename) before the first step, removed
 * once the plan is done or rolled back.  Finding one means a run died
 * part way; recovery undoes its steps, last first, so the machine is as
 * that run found it, as a failed step's rollback would have left it.
 *
 * One format for both backends: a "compat" line after the magic says the
 * steps went through the compat backend, whose rollback of a step is the
 * opposite compat change (its record says which masks to give back).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define JOURNAL "/run/cpuiso.journal"
#define JOURNAL_MAGIC "cpuiso-journal 1"

int journal_begin(struct cpuiso_ctx *ctx, const struct cpuiso_plan *plan,
		  bool compat)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL, *text = NULL;
	size_t len;
	FILE *f;
	int r;

	r = ctx_path(ctx, &path, JOURNAL);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", JOURNAL_MAGIC);
	if (compat)
		fputs("compat\n", f);
	for (size_t i = 0; i < cpuiso_plan_nr_steps(plan); i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);

		fprintf(f, "%u %s %s\n", s->cpu, cpuiso_state_to_string(s->from),
			cpuiso_state_to_string(s->to));
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	return write_file_atomic(path, tmp, text);
}

CPUISO_EXPORT int cpuiso_journal_begin(struct cpuiso_ctx *ctx,
				       const struct cpuiso_plan *plan)
{
	return journal_begin(ctx, plan, false);
}

CPUISO_EXPORT int cpuiso_journal_end(struct cpuiso_ctx *ctx)
{
	_cleanup_free_ char *path = NULL;
	int r = ctx_path(ctx, &path, JOURNAL);

	if (r < 0)
		return r;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The steps of a journal's text; -EBADMSG if it is not one of ours. */
static int parse_journal(char *text, struct cpuiso_step **ret, size_t *n,
			 bool *compat)
{
	_cleanup_free_ struct cpuiso_step *steps = NULL;
	char *next = text, *line;
	size_t count = 0;

	line = strsep(&next, "\n");
	if (!line || strcmp(line, JOURNAL_MAGIC))
		return -EBADMSG;
	*compat = false;
	while ((line = strsep(&next, "\n"))) {
		char from[16], to[16];
		struct cpuiso_step s;
		void *grown;
		int a, b;

		if (!*line)
			continue;
		if (!strcmp(line, "compat") && !count) {
			*compat = true;
			continue;
		}
		if (sscanf(line, "%u %15s %15s", &s.cpu, from, to) != 3 ||
		    s.cpu >= CPUISO_MAX_CPUS ||
		    (a = cpuiso_state_from_string(from)) < 0 ||
		    (b = cpuiso_state_from_string(to)) < 0)
			return -EBADMSG;
		s.from = (enum cpuiso_state)a;
		s.to = (enum cpuiso_state)b;
		grown = realloc(steps, (count + 1) * sizeof(*steps));
		if (!grown)
			return -ENOMEM;
		steps = grown;
		steps[count++] = s;
	}
	*ret = TAKE_PTR(steps);
	*n = count;
	return 0;
}

/*
 * The steps of an interrupted compat change, last first: an isolation is
 * released and a release isolated again; each is idempotent, so a step
 * that never happened costs at most an offline/online cycle.
 */
static int compat_recover(struct cpuiso_ctx *ctx, const struct cpuiso_step *steps,
			  size_t n, journal_step_fn fn, void *data)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	int r = cpuiso_system_read(ctx, &sys);

	while (r == 0 && n-- > 0) {
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *one =
			cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
		bool undone;

		if (!one || cpuiso_cpuset_set(one, steps[n].cpu) < 0)
			return -ENOMEM;
		r = compat_apply(ctx, sys, one, steps[n].to != CPUISO_STATE_ISOLATED,
				 &undone, NULL);
		if (r < 0)
			break;
		info(ctx, "cpu%u: back to %s (interrupted compat run)", steps[n].cpu,
		     cpuiso_state_to_string(steps[n].from));
		if (fn)
			fn(data, &steps[n]);
	}
	return r;
}

/**
 * cpuiso_journal_recover: undo what an interrupted run did.
 * @restored: how many CPUs were put back
 *
 * Returns 0 if there was no journal, 1 if one was rolled back (and
 * removed), or a negative errno with the journal left in place:
 * -EBADMSG for a file that is not a journal, or the error of a CPU that
 * could not be put back.  The caller holds the cpuiso lock.
 */
CPUISO_EXPORT int cpuiso_journal_recover(struct cpuiso_ctx *ctx, size_t *restored)
{
	return journal_recover(ctx, restored, NULL, NULL);
}

/* cpuiso_journal_recover(), calling @fn for each CPU put back */
int journal_recover(struct cpuiso_ctx *ctx, size_t *restored,
		    journal_step_fn fn, void *data)
{
	_cleanup_free_ struct cpuiso_step *steps = NULL;
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	bool compat;
	int r;

	*restored = 0;
	r = ctx_read(ctx, &text, JOURNAL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = parse_journal(text, &steps, &n, &compat);
	if (r < 0) {
		err(ctx, "%s: not a cpuiso journal, left in place", JOURNAL);
		return r;
	}
	if (compat) {
		r = compat_recover(ctx, steps, n, fn, data);
		if (r < 0)
			return r;
		*restored = n;
		n = 0;
	}
	while (n-- > 0) {
		_cleanup_free_ char *now = NULL;

		r = ctx_read(ctx, &now, "/sys/devices/system/cpu/cpu%u/state",
			     steps[n].cpu);
		if (r < 0)
			return r;
		/* the step never happened, or was undone already */
		if (cpuiso_state_from_string(now) == (int)steps[n].from)
			continue;
		r = plan_undo_step(ctx, &steps[n]);
		if (r < 0)
			return r;
		info(ctx, "cpu%u: back to %s (interrupted run)", steps[n].cpu,
		     cpuiso_state_to_string(steps[n].from));
		if (fn)
			fn(data, &steps[n]);
		(*restored)++;
	}
	r = cpuiso_journal_end(ctx);
	return r < 0 ? r : 1;
}
