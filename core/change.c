// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A change, from lock to rollback: the one sequence every caller (the
 * cpuiso command, the udev rules, a container hook) goes through.
 *
 *   root check -> lock -> journal recovery -> backend (probe) ->
 *   one validation (plan_build) -> module -> journal -> apply CPU by CPU
 *   (progress) -> rollback on failure -> a structured result
 *
 * Nothing is written before the validation has accepted the whole request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define LOCK "/run/cpuiso.lock"
#define JOURNAL "/run/cpuiso.journal"

struct cpuiso_change_result {
	enum cpuiso_change_status status;
	enum cpuiso_backend backend;
	int error;
	char *message;
	char **notes;
	size_t nr_notes;
	size_t recovered;
	struct cpuiso_change_cpu *cpus;
	size_t nr_cpus;
};

static const char *const backend_names[] = {
	[CPUISO_BACKEND_NONE] = "none",
	[CPUISO_BACKEND_STATE] = "state",
	[CPUISO_BACKEND_COMPAT] = "compat",
};

static const char *const property_names[_CPUISO_PROP_MAX] = {
	[CPUISO_PROP_LOAD_BALANCING] = "load-balancing",
	[CPUISO_PROP_WORKQUEUES] = "workqueues",
	[CPUISO_PROP_IRQS] = "irqs",
	[CPUISO_PROP_KTHREADS] = "kthreads",
	[CPUISO_PROP_TIMERS] = "timers",
	[CPUISO_PROP_TICK] = "tick",
	[CPUISO_PROP_RCU_CALLBACKS] = "rcu-callbacks",
};

static const char *const achieved_names[] = {
	[CPUISO_ACHIEVED_UNKNOWN] = "unknown",
	[CPUISO_ACHIEVED_YES] = "yes",
	[CPUISO_ACHIEVED_BOOT_PARAM] = "boot-parameter",
	[CPUISO_ACHIEVED_NO] = "no",
};

static const char *const outcome_names[] = {
	[CPUISO_OUTCOME_UNCHANGED] = "unchanged",
	[CPUISO_OUTCOME_PLANNED] = "planned",
	[CPUISO_OUTCOME_CHANGED] = "changed",
	[CPUISO_OUTCOME_REFUSED] = "refused",
	[CPUISO_OUTCOME_FAILED] = "failed",
	[CPUISO_OUTCOME_ROLLED_BACK] = "rolled-back",
	[CPUISO_OUTCOME_NOT_UNDONE] = "not-undone",
	[CPUISO_OUTCOME_NOT_REACHED] = "not-reached",
};

static const char *const status_names[] = {
	[CPUISO_CHANGE_OK] = "ok",
	[CPUISO_CHANGE_REFUSED] = "refused",
	[CPUISO_CHANGE_FAILED] = "failed",
	[CPUISO_CHANGE_PARTIAL] = "partial",
};

#define NAME_OF(table, v) \
	((unsigned int)(v) < ELEMENTSOF(table) ? (table)[v] : NULL)

CPUISO_EXPORT const char *cpuiso_backend_to_string(enum cpuiso_backend b)
{
	return NAME_OF(backend_names, b);
}

CPUISO_EXPORT const char *cpuiso_property_to_string(enum cpuiso_property p)
{
	return NAME_OF(property_names, p);
}

CPUISO_EXPORT const char *cpuiso_achieved_to_string(enum cpuiso_achieved a)
{
	return NAME_OF(achieved_names, a);
}

CPUISO_EXPORT const char *cpuiso_outcome_to_string(enum cpuiso_outcome o)
{
	return NAME_OF(outcome_names, o);
}

CPUISO_EXPORT const char *cpuiso_change_status_to_string(enum cpuiso_change_status s)
{
	return NAME_OF(status_names, s);
}

/* ---- the result --------------------------------------------------------- */

CPUISO_EXPORT void cpuiso_change_result_free(struct cpuiso_change_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nr_cpus; i++) {
		free(res->cpus[i].message);
		for (size_t p = 0; p < _CPUISO_PROP_MAX; p++)
			free(res->cpus[i].props[p].detail);
	}
	free(res->cpus);
	for (size_t i = 0; i < res->nr_notes; i++)
		free(res->notes[i]);
	free(res->notes);
	free(res->message);
	free(res);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_change_result *, cpuiso_change_result_free)

static int vformat(char **ret, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return -ENOMEM;
	free(*ret);
	*ret = s;
	return 0;
}

int change_cpu_set_prop(struct cpuiso_change_cpu *c, enum cpuiso_property prop,
			enum cpuiso_achieved achieved, const char *fmt, ...)
{
	va_list ap;
	int r = 0;

	c->props[prop].achieved = achieved;
	free(c->props[prop].detail);
	c->props[prop].detail = NULL;
	if (fmt) {
		va_start(ap, fmt);
		r = vformat(&c->props[prop].detail, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Say why the change stops here; returns -@error. */
static int result_fail(struct cpuiso_change_result *res,
		       enum cpuiso_change_status status, int error,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int result_fail(struct cpuiso_change_result *res,
		       enum cpuiso_change_status status, int error,
		       const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->error = -error;
	va_start(ap, fmt);
	if (vformat(&res->message, fmt, ap) < 0)
		res->message = NULL;
	va_end(ap);
	return -error;
}

static int result_note(struct cpuiso_change_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int result_note(struct cpuiso_change_result *res, const char *fmt, ...)
{
	char **grown = realloc(res->notes, (res->nr_notes + 1) * sizeof(char *));
	va_list ap;
	int r;

	if (!grown)
		return -ENOMEM;
	res->notes = grown;
	res->notes[res->nr_notes] = NULL;
	va_start(ap, fmt);
	r = vformat(&res->notes[res->nr_notes], fmt, ap);
	va_end(ap);
	if (r == 0)
		res->nr_notes++;
	return r;
}

static struct cpuiso_change_cpu *result_add_cpu(struct cpuiso_change_result *res,
						unsigned int id,
						enum cpuiso_state from,
						enum cpuiso_state to,
						enum cpuiso_outcome outcome)
{
	struct cpuiso_change_cpu *grown =
		realloc(res->cpus, (res->nr_cpus + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	res->cpus = grown;
	grown = &res->cpus[res->nr_cpus++];
	*grown = (struct cpuiso_change_cpu){ .id = id, .from = from, .to = to,
					     .outcome = outcome };
	return grown;
}

static struct cpuiso_change_cpu *result_find_cpu(struct cpuiso_change_result *res,
						 unsigned int id)
{
	for (size_t i = 0; i < res->nr_cpus; i++)
		if (res->cpus[i].id == id)
			return &res->cpus[i];
	return NULL;
}

static struct cpuiso_change_result *result_new(void)
{
	return calloc(1, sizeof(struct cpuiso_change_result));
}

CPUISO_EXPORT enum cpuiso_change_status
cpuiso_change_result_get_status(const struct cpuiso_change_result *res)
{
	return res->status;
}

CPUISO_EXPORT enum cpuiso_backend
cpuiso_change_result_get_backend(const struct cpuiso_change_result *res)
{
	return res->backend;
}

CPUISO_EXPORT int cpuiso_change_result_get_error(const struct cpuiso_change_result *res)
{
	return res->error;
}

CPUISO_EXPORT const char *
cpuiso_change_result_get_message(const struct cpuiso_change_result *res)
{
	return res->message;
}

CPUISO_EXPORT size_t
cpuiso_change_result_nr_notes(const struct cpuiso_change_result *res)
{
	return res->nr_notes;
}

CPUISO_EXPORT const char *
cpuiso_change_result_get_note(const struct cpuiso_change_result *res, size_t i)
{
	return i < res->nr_notes ? res->notes[i] : NULL;
}

CPUISO_EXPORT size_t
cpuiso_change_result_nr_recovered(const struct cpuiso_change_result *res)
{
	return res->recovered;
}

CPUISO_EXPORT size_t
cpuiso_change_result_nr_cpus(const struct cpuiso_change_result *res)
{
	return res->nr_cpus;
}

CPUISO_EXPORT const struct cpuiso_change_cpu *
cpuiso_change_result_get_cpu(const struct cpuiso_change_result *res, size_t i)
{
	return i < res->nr_cpus ? &res->cpus[i] : NULL;
}

CPUISO_EXPORT unsigned int cpuiso_change_cpu_get_id(const struct cpuiso_change_cpu *c)
{
	return c->id;
}

CPUISO_EXPORT enum cpuiso_state
cpuiso_change_cpu_get_from(const struct cpuiso_change_cpu *c)
{
	return c->from;
}

CPUISO_EXPORT enum cpuiso_state
cpuiso_change_cpu_get_to(const struct cpuiso_change_cpu *c)
{
	return c->to;
}

CPUISO_EXPORT enum cpuiso_outcome
cpuiso_change_cpu_get_outcome(const struct cpuiso_change_cpu *c)
{
	return c->outcome;
}

CPUISO_EXPORT int cpuiso_change_cpu_get_error(const struct cpuiso_change_cpu *c)
{
	return c->error;
}

CPUISO_EXPORT const char *
cpuiso_change_cpu_get_message(const struct cpuiso_change_cpu *c)
{
	return c->message;
}

CPUISO_EXPORT enum cpuiso_achieved
cpuiso_change_cpu_get_property(const struct cpuiso_change_cpu *c,
			       enum cpuiso_property prop, const char **detail)
{
	if ((unsigned int)prop >= _CPUISO_PROP_MAX) {
		if (detail)
			*detail = NULL;
		return CPUISO_ACHIEVED_UNKNOWN;
	}
	if (detail)
		*detail = c->props[prop].detail;
	return c->props[prop].achieved;
}

/* ---- what isolation reaches on each backend ---------------------------- */

/* The cpuN/state backend: the kernel series does it all, as built. */
static int state_properties(const struct cpuiso_probe *probe, bool module,
			    struct cpuiso_change_cpu *c)
{
	static const struct {
		enum cpuiso_property prop;
		enum cpuiso_cap cap;
		const char *config;
	} needs[] = {
		{ CPUISO_PROP_TICK, CPUISO_CAP_NOHZ_FULL, "CONFIG_NO_HZ_FULL" },
		{ CPUISO_PROP_RCU_CALLBACKS, CPUISO_CAP_RCU_NOCB, "CONFIG_RCU_NOCB_CPU" },
	};
	int r = 0;

	r |= change_cpu_set_prop(c, CPUISO_PROP_LOAD_BALANCING, CPUISO_ACHIEVED_YES, NULL);
	r |= change_cpu_set_prop(c, CPUISO_PROP_WORKQUEUES, CPUISO_ACHIEVED_YES, NULL);
	r |= change_cpu_set_prop(c, CPUISO_PROP_TIMERS, CPUISO_ACHIEVED_YES, NULL);
	/* the series' "irq" row; the module moves task masks only */
	r |= change_cpu_set_prop(c, CPUISO_PROP_IRQS, CPUISO_ACHIEVED_YES, NULL);
	r |= module ? change_cpu_set_prop(c, CPUISO_PROP_KTHREADS, CPUISO_ACHIEVED_YES, NULL) :
		      change_cpu_set_prop(c, CPUISO_PROP_KTHREADS, CPUISO_ACHIEVED_NO,
					  "cpuiso.ko is not loaded");
	for (size_t i = 0; i < ELEMENTSOF(needs); i++) {
		const char *why;
		enum cpuiso_avail a = cpuiso_probe_get(probe, needs[i].cap, &why);

		r |= a == CPUISO_AVAIL_YES ?
			change_cpu_set_prop(c, needs[i].prop, CPUISO_ACHIEVED_YES, NULL) :
		     a == CPUISO_AVAIL_NO ?
			change_cpu_set_prop(c, needs[i].prop, CPUISO_ACHIEVED_NO,
					    "kernel built without %s", needs[i].config) :
			change_cpu_set_prop(c, needs[i].prop, CPUISO_ACHIEVED_UNKNOWN,
					    "%s", why ? why : "not probed");
	}
	return r ? -ENOMEM : 0;
}

static bool module_loaded(struct cpuiso_ctx *ctx)
{
	return ctx_exists(ctx, "/sys/module/cpuiso") > 0;
}

static int cpu_properties(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  const struct cpuiso_probe *probe,
			  enum cpuiso_backend backend, struct cpuiso_change_cpu *c)
{
	if (c->to != CPUISO_STATE_ISOLATED)
		return 0;	/* a released CPU has no isolation to describe */
	if (backend == CPUISO_BACKEND_STATE)
		return state_properties(probe, module_loaded(ctx), c);
	/* a CPU changed now is read back; else what an isolate would reach */
	return compat_cpu_properties(ctx, sys, c, c->outcome == CPUISO_OUTCOME_CHANGED);
}

/* ---- the lock and the journal ------------------------------------------ */

/*
 * <root>/run/cpuiso.lock, flock()ed: 0 seconds fails at once, -1 waits for
 * good, N waits up to N seconds.  Returns the fd or -errno, said in @res.
 */
static int take_lock(struct cpuiso_ctx *ctx, int timeout,
		     struct cpuiso_change_result *res)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = ctx_path(ctx, &dir, "/run");
	if (r < 0 || (r = ctx_path(ctx, &path, LOCK)) < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return result_fail(res, CPUISO_CHANGE_REFUSED, errno,
				   "cannot create %s: %s", dir, strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, errno,
				   "cannot open the lock %s: %s", path, strerror(errno));
	r = flock_wait(fd, timeout);
	if (r == -ETIMEDOUT || r == -EWOULDBLOCK)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "another cpuiso run holds the lock %s%s",
				   path, timeout ? " (waited in vain)" :
				   " (--wait waits for it)");
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "cannot take the lock %s: %s", path, strerror(-r));
	return TAKE_FD(fd);
}

/* A CPU of an interrupted run put back: RECOVERED, as a CPU rolled back. */
static void recovered_cpu(void *data, const struct cpuiso_step *s)
{
	const struct cpuiso_change_request *req = data;
	struct cpuiso_change_cpu c = { .id = s->cpu, .from = s->to, .to = s->from,
				       .outcome = CPUISO_OUTCOME_ROLLED_BACK };

	if (req->progress)
		req->progress(req->progress_data, CPUISO_PROGRESS_RECOVERED, &c);
}

/*
 * Under the lock: roll back an interrupted run.  A journal that cannot be
 * read or rolled back blocks the change, unless @discard moves it aside.
 * A dry run only says the real run would.
 */
static int recover_journal(struct cpuiso_ctx *ctx, bool dry, bool discard,
			   const struct cpuiso_change_request *req,
			   struct cpuiso_change_result *res)
{
	_cleanup_free_ char *path = NULL, *aside = NULL;
	size_t restored = 0;
	int r;

	if (dry) {
		if (ctx_exists(ctx, JOURNAL) > 0)
			return result_note(res,
					   "an interrupted run left %s%s: the real run rolls it back first",
					   ctx->root, JOURNAL);
		return 0;
	}
	r = journal_recover(ctx, &restored, recovered_cpu, (void *)req);
	res->recovered = restored;
	if (r > 0)
		return result_note(res, "an interrupted cpuiso run was rolled back: %zu CPU(s) restored",
				   restored);
	if (r == 0)
		return 0;
	if (ctx_path(ctx, &path, JOURNAL) < 0 || asprintf(&aside, "%s.discarded", path) < 0)
		return -ENOMEM;
	if (!discard)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "an interrupted run left %s and it could not be rolled back (%s); "
				   "check the CPUs, then --discard-journal moves it aside",
				   path, strerror(-r));
	if (rename(path, aside) < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, errno,
				   "cannot move %s aside: %s", path, strerror(errno));
	return result_note(res, "%s could not be rolled back (%s): moved to %s",
			   path, strerror(-r), aside);
}

/* ---- applying ---------------------------------------------------------- */

static void progress(const struct cpuiso_change_request *req,
		     enum cpuiso_progress event, const struct cpuiso_change_cpu *c)
{
	if (req->progress)
		req->progress(req->progress_data, event, c);
}

/*
 * Bring @cpu to @to.  On failure, @undone says whether the step's own
 * part was undone (a compat step changes several masks and its walker
 * rolls them back; a cpuN/state write changes nothing when it fails).
 */
static int one_cpu(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		   enum cpuiso_backend backend, unsigned int cpu,
		   enum cpuiso_state to, bool *undone)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;

	*undone = true;
	if (backend == CPUISO_BACKEND_STATE)
		return plan_set_state(ctx, cpu, to);
	set = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	if (!set || cpuiso_cpuset_set(set, cpu) < 0)
		return -ENOMEM;
	return compat_apply(ctx, sys, set, to == CPUISO_STATE_ISOLATED, undone, NULL);
}

static int undo_cpu(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		    enum cpuiso_backend backend, const struct cpuiso_step *s)
{
	bool undone;

	if (backend == CPUISO_BACKEND_STATE)
		return plan_undo_step(ctx, s);
	return one_cpu(ctx, sys, backend, s->cpu, s->from, &undone);
}

/* Apply the plan's steps in order; on failure, undo them last first. */
static int apply(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		 enum cpuiso_backend backend, const struct cpuiso_plan *plan,
		 const struct cpuiso_change_request *req,
		 struct cpuiso_change_result *res)
{
	size_t n = cpuiso_plan_nr_steps(plan), i;
	bool all_undone = true, undone;
	int r = 0;

	for (i = 0; i < n; i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);
		struct cpuiso_change_cpu *c = result_find_cpu(res, s->cpu);

		progress(req, CPUISO_PROGRESS_BEGIN, c);
		r = one_cpu(ctx, sys, backend, s->cpu, s->to, &undone);
		if (r < 0) {
			c->outcome = CPUISO_OUTCOME_FAILED;
			c->error = r;
			if (asprintf(&c->message, "cpu%u: %s -> %s: %s", s->cpu,
				     cpuiso_state_to_string(s->from),
				     cpuiso_state_to_string(s->to), strerror(-r)) < 0)
				c->message = NULL;
			if (!undone) {
				c->outcome = CPUISO_OUTCOME_NOT_UNDONE;
				all_undone = false;
			}
			progress(req, CPUISO_PROGRESS_FAILED, c);
			break;
		}
		c->outcome = CPUISO_OUTCOME_CHANGED;
		info(ctx, "cpu%u: %s", s->cpu, cpuiso_state_to_string(s->to));
		progress(req, CPUISO_PROGRESS_DONE, c);
	}
	if (r == 0)
		return 0;
	for (size_t j = i + 1; j < n; j++)
		result_find_cpu(res, cpuiso_plan_get_step(plan, j)->cpu)->outcome =
			CPUISO_OUTCOME_NOT_REACHED;
	while (i-- > 0) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);
		struct cpuiso_change_cpu *c = result_find_cpu(res, s->cpu);
		int u = undo_cpu(ctx, sys, backend, s);

		c->outcome = u < 0 ? CPUISO_OUTCOME_NOT_UNDONE : CPUISO_OUTCOME_ROLLED_BACK;
		c->error = u;
		all_undone &= u == 0;
		progress(req, CPUISO_PROGRESS_UNDONE, c);
	}
	if (all_undone)
		return result_fail(res, CPUISO_CHANGE_FAILED, -r, "%s; %s", strerror(-r),
				   cpuiso_plan_nr_steps(plan) > 1 ?
				   "every CPU was put back as it was" : "nothing changed");
	return result_fail(res, CPUISO_CHANGE_PARTIAL, -r,
			   "%s, and the rollback failed too", strerror(-r));
}

/* ---- the sequence ------------------------------------------------------ */

static int choose_backend(const struct cpuiso_probe *probe)
{
	return cpuiso_probe_get(probe, CPUISO_CAP_STATE_FILE, NULL) == CPUISO_AVAIL_YES ?
		CPUISO_BACKEND_STATE : CPUISO_BACKEND_COMPAT;
}

/*
 * The policy does not release CPUs that the OCI hook isolated for a
 * container (its records): the container's stop does, or, if it died
 * without one, the hook's next run.  Each one kept is noted.
 */
static int keep_claimed(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			struct cpuiso_cpuset *rel, struct cpuiso_change_result *res)
{
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	int cpu, r;

	r = cpuiso_claims_read(ctx, cpuiso_system_nr_cpus(sys), &claims);
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "cannot read the container records under %s/run/cpuiso: %s",
				   ctx->root, strerror(-r));
	for (size_t i = 0; i < cpuiso_claims_count(claims); i++)
		cpuiso_cpuset_foreach(cpu, cpuiso_claims_get_isolated(claims, i)) {
			if (!cpuiso_cpuset_test(rel, cpu))
				continue;
			cpuiso_cpuset_clear(rel, cpu);
			if (result_note(res, "CPU %d stays isolated: container %s holds it",
					cpu, cpuiso_claims_get_owner(claims, i)) < 0)
				return -ENOMEM;
		}
	return 0;
}

/* The CPUs to isolate and release, from the request. */
static int request_sets(const struct cpuiso_system *sys,
			const struct cpuiso_change_request *req,
			unsigned int *flags, struct cpuiso_cpuset **iso,
			struct cpuiso_cpuset **rel, char **why)
{
	unsigned int nbits = cpuiso_system_nr_cpus(sys);

	if (req->op == CPUISO_CHANGE_POLICY) {
		if (!req->policy)
			return -EINVAL;
		if (!cpuiso_policy_node_housekeeping(req->policy))
			*flags |= CPUISO_CHANGE_FORCE;
		return cpuiso_policy_changes(sys, req->policy, req->only_cpu,
					     iso, rel, why);
	}
	if (!req->cpus || (req->op != CPUISO_CHANGE_ISOLATE &&
			   req->op != CPUISO_CHANGE_RELEASE))
		return -EINVAL;
	*iso = req->op == CPUISO_CHANGE_ISOLATE ? cpuiso_cpuset_dup(req->cpus) :
						   cpuiso_cpuset_new(nbits);
	*rel = req->op == CPUISO_CHANGE_RELEASE ? cpuiso_cpuset_dup(req->cpus) :
						   cpuiso_cpuset_new(nbits);
	return *iso && *rel ? 0 : -ENOMEM;
}

/* Every requested CPU gets a row: planned, unchanged or refused. */
static int result_rows(struct cpuiso_change_result *res,
		       const struct cpuiso_system *sys,
		       const struct cpuiso_cpuset *iso,
		       const struct cpuiso_cpuset *rel,
		       const struct cpuiso_plan *plan, enum cpuiso_outcome unplanned)
{
	int cpu;

	for (size_t i = 0; plan && i < cpuiso_plan_nr_steps(plan); i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);

		if (!result_add_cpu(res, s->cpu, s->from, s->to, CPUISO_OUTCOME_PLANNED))
			return -ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++)
		cpuiso_cpuset_foreach(cpu, pass ? iso : rel) {
			const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);
			enum cpuiso_state st = c ? cpuiso_cpu_get_state(c) : CPUISO_STATE_OFFLINE;

			if (result_find_cpu(res, cpu))
				continue;
			if (!result_add_cpu(res, cpu, st, pass ? CPUISO_STATE_ISOLATED :
								 CPUISO_STATE_ONLINE,
					    unplanned))
				return -ENOMEM;
		}
	return 0;
}

/*
 * An isolated CPU whose SMT sibling stays a housekeeping CPU shares its
 * core with the noise: said, not refused (the policy's smt = refuses).
 */
static int note_smt(struct cpuiso_change_result *res, const struct cpuiso_system *sys,
		    const struct cpuiso_plan *plan)
{
	for (size_t i = 0; i < cpuiso_plan_nr_steps(plan); i++) {
		const struct cpuiso_step *s = cpuiso_plan_get_step(plan, i);
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, s->cpu);
		const struct cpuiso_cpuset *sibs = c ? cpuiso_cpu_get_siblings(c) : NULL;
		int sib;

		if (s->to != CPUISO_STATE_ISOLATED || !sibs)
			continue;
		cpuiso_cpuset_foreach(sib, sibs) {
			const struct cpuiso_change_cpu *rc = result_find_cpu(res, sib);
			const struct cpuiso_cpu *sc = cpuiso_system_get_cpu(sys, sib);

			if ((unsigned int)sib == s->cpu ||
			    (rc && rc->to == CPUISO_STATE_ISOLATED) ||
			    (sc && cpuiso_cpu_get_state(sc) == CPUISO_STATE_ISOLATED))
				continue;
			if (result_note(res, "CPU %u shares its core with CPU %d, which stays a housekeeping CPU",
					s->cpu, sib) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* "CPU 3 ..." in a refusal names the CPU it is about. */
static void blame_cpu(struct cpuiso_change_result *res, const char *why, int error)
{
	unsigned int id;
	struct cpuiso_change_cpu *c;

	if (!why || sscanf(why, "CPU %u", &id) != 1)
		return;
	c = result_find_cpu(res, id);
	if (c) {
		c->error = error;
		c->message = strdup(why);
	}
}

static int change_locked(struct cpuiso_ctx *ctx,
			 const struct cpuiso_change_request *req,
			 unsigned int flags, struct cpuiso_change_result *res)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_probe_freep) struct cpuiso_probe *probe = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *iso = NULL, *rel = NULL,
		*compat = NULL;
	_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
	_cleanup_free_ char *why = NULL;
	bool dry = flags & CPUISO_CHANGE_DRY_RUN;
	enum cpuiso_backend backend;
	bool isolates = false;
	int r;

	r = recover_journal(ctx, dry, flags & CPUISO_CHANGE_DISCARD_JOURNAL, req, res);
	if (r < 0)
		return r;
	r = cpuiso_system_read(ctx, &sys);
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "cannot read the CPUs under %s: %s",
				   cpuiso_ctx_get_root(ctx), strerror(-r));
	r = cpuiso_probe_run(ctx, &probe);
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
				   "capability probe failed: %s", strerror(-r));
	backend = choose_backend(probe);
	res->backend = backend;

	r = request_sets(sys, req, &flags, &iso, &rel, &why);
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_REFUSED, -r, "%s",
				   why ? why : strerror(-r));
	if (req->op == CPUISO_CHANGE_POLICY) {
		r = keep_claimed(ctx, sys, rel, res);
		if (r < 0)
			return r;
	}
	if (backend == CPUISO_BACKEND_COMPAT) {
		const char *reason;

		r = compat_recorded_cpus(ctx, cpuiso_system_nr_cpus(sys), &compat);
		if (r < 0)
			return result_fail(res, CPUISO_CHANGE_REFUSED, -r,
					   "%s/run/cpuiso.compat: %s; remove it once the masks it records are checked",
					   ctx->root, strerror(-r));
		/* a policy cannot release what boot isolated: it stays */
		if (req->op == CPUISO_CHANGE_POLICY) {
			const struct cpuiso_cpuset *boot =
				cpuiso_system_get_mask(sys, CPUISO_MASK_ISOLATED);
			int cpu;

			cpuiso_cpuset_foreach(cpu, rel)
				if (boot && cpuiso_cpuset_test(boot, cpu) &&
				    !cpuiso_cpuset_test(compat, cpu)) {
					cpuiso_cpuset_clear(rel, cpu);
					if (result_note(res, "CPU %d stays isolated: isolated at boot (isolcpus=)",
							cpu) < 0)
						return -ENOMEM;
				}
		}
		if (cpuiso_cpuset_count(iso) &&
		    cpuiso_probe_get(probe, CPUISO_CAP_CPUSET_PARTITION, &reason) !=
		    CPUISO_AVAIL_YES) {
			r = result_rows(res, sys, iso, rel, NULL, CPUISO_OUTCOME_REFUSED);
			return r < 0 ? r :
			       result_fail(res, CPUISO_CHANGE_REFUSED, EOPNOTSUPP,
					   "this kernel has no cpuN/state and the compat backend needs cgroup v2 cpuset partitions: %s",
					   reason ? reason : "unknown");
		}
	}
	/* the one validation, both backends */
	r = plan_build(sys, compat, iso, rel,
		       flags & CPUISO_CHANGE_FORCE ? CPUISO_PLAN_FORCE : 0, &plan, &why);
	if (r < 0) {
		int e = r;

		r = result_rows(res, sys, iso, rel, NULL, CPUISO_OUTCOME_REFUSED);
		if (r < 0)
			return r;
		blame_cpu(res, why, e);
		return result_fail(res, CPUISO_CHANGE_REFUSED, -e, "%s",
				   why ? why : strerror(-e));
	}
	r = result_rows(res, sys, iso, rel, plan, CPUISO_OUTCOME_UNCHANGED);
	if (r < 0)
		return r;
	r = note_smt(res, sys, plan);
	if (r < 0)
		return r;
	for (size_t i = 0; i < res->nr_cpus; i++) {
		struct cpuiso_change_cpu *c = &res->cpus[i];
		const struct cpuiso_cpuset *boot =
			cpuiso_system_get_mask(sys, CPUISO_MASK_ISOLATED);

		isolates |= c->to == CPUISO_STATE_ISOLATED &&
			    c->outcome == CPUISO_OUTCOME_PLANNED;
		if (compat && c->outcome == CPUISO_OUTCOME_UNCHANGED && boot &&
		    cpuiso_cpuset_test(boot, c->id) && !cpuiso_cpuset_test(compat, c->id) &&
		    !(c->message = strdup("isolated at boot (isolcpus=)")))
			return -ENOMEM;
	}
	if (dry || !cpuiso_plan_nr_steps(plan)) {
		for (size_t i = 0; i < res->nr_cpus; i++) {
			r = cpu_properties(ctx, sys, probe, backend, &res->cpus[i]);
			if (r < 0)
				return r;
		}
		return 0;
	}

	/* the task mask hand-over of the patched kernel lives in cpuiso.ko */
	if (isolates && backend == CPUISO_BACKEND_STATE) {
		r = cpuiso_module_load(ctx);
		if (r < 0 && r != -EOPNOTSUPP && result_note(res,
			"cpuiso.ko not loaded (%s): task masks keep the isolated CPUs",
			strerror(-r)) < 0)
			return -ENOMEM;
	}
	/* one journal format for both backends */
	r = journal_begin(ctx, plan, backend == CPUISO_BACKEND_COMPAT);
	if (r < 0)
		return result_fail(res, CPUISO_CHANGE_FAILED, -r,
				   "cannot write the journal %s%s: %s; nothing changed",
				   ctx->root, JOURNAL, strerror(-r));
	r = apply(ctx, sys, backend, plan, req, res);
	/* a rollback that failed keeps the journal: the next run retries it */
	if (res->status != CPUISO_CHANGE_PARTIAL)
		cpuiso_journal_end(ctx);
	if (r < 0)
		return r;

	/* what each CPU reached, read back from the kernel */
	cpuiso_system_free(TAKE_PTR(sys));
	r = cpuiso_system_read(ctx, &sys);
	for (size_t i = 0; r == 0 && i < res->nr_cpus; i++)
		r = cpu_properties(ctx, sys, probe, backend, &res->cpus[i]);
	return r < 0 ? result_note(res, "cannot read back what was reached: %s",
				   strerror(-r)) : 0;
}

/**
 * cpuiso_change: the one call that changes CPUs, from lock to rollback.
 * See cpuiso.h for the sequence and the result.
 */
CPUISO_EXPORT int cpuiso_change(struct cpuiso_ctx *ctx,
				const struct cpuiso_change_request *req,
				unsigned int flags,
				struct cpuiso_change_result **ret)
{
	_cleanup_(cpuiso_change_result_freep) struct cpuiso_change_result *res = NULL;
	_cleanup_close_ int lock = -1;
	bool dry = flags & CPUISO_CHANGE_DRY_RUN;
	struct stat st;
	int r;

	if (!ctx || !req || !ret)
		return -EINVAL;
	*ret = NULL;
	res = result_new();
	if (!res)
		return -ENOMEM;

	if (stat(cpuiso_ctx_get_root(ctx), &st) < 0 || !S_ISDIR(st.st_mode))
		r = result_fail(res, CPUISO_CHANGE_REFUSED, ENOENT,
				"the root %s is not a directory", cpuiso_ctx_get_root(ctx));
	else if (!*ctx->root && geteuid() != 0 && !dry)
		r = result_fail(res, CPUISO_CHANGE_REFUSED, EPERM, "must be root");
	else if (!*ctx->root && geteuid() != 0 &&
		 result_note(res, "the real run needs root") < 0)
		r = -ENOMEM;
	else if (!dry && (lock = take_lock(ctx, req->lock_timeout, res)) < 0)
		r = lock;
	else
		r = change_locked(ctx, req, flags, res);
	if (r < 0 && res->status == CPUISO_CHANGE_OK)
		r = result_fail(res, CPUISO_CHANGE_FAILED, -r, "%s", strerror(-r));
	*ret = TAKE_PTR(res);
	return r;
}

/**
 * cpuiso_change_outlook: what isolating each of @cpus would use and reach
 * here, per CPU, without a lock, a write, or the request-wide checks.
 */
CPUISO_EXPORT int cpuiso_change_outlook(struct cpuiso_ctx *ctx,
					const struct cpuiso_system *sys,
					const struct cpuiso_cpuset *cpus,
					struct cpuiso_change_result **ret)
{
	_cleanup_(cpuiso_change_result_freep) struct cpuiso_change_result *res = NULL;
	_cleanup_(cpuiso_probe_freep) struct cpuiso_probe *probe = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *compat = NULL,
		*none = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	int cpu, r;

	res = result_new();
	if (!res || !none)
		return -ENOMEM;
	r = cpuiso_probe_run(ctx, &probe);
	if (r < 0)
		return r;
	res->backend = choose_backend(probe);
	/* an unreadable record: answer as if it held nothing (a change says why) */
	if (res->backend == CPUISO_BACKEND_COMPAT &&
	    compat_recorded_cpus(ctx, cpuiso_system_nr_cpus(sys), &compat) < 0) {
		compat = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
		if (!compat)
			return -ENOMEM;
	}
	cpuiso_cpuset_foreach(cpu, cpus) {
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *one =
			cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
		_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
		const struct cpuiso_cpu *sc = cpuiso_system_get_cpu(sys, cpu);
		struct cpuiso_change_cpu *c;
		char *why = NULL;

		if (!one || cpuiso_cpuset_set(one, cpu) < 0)
			return -ENOMEM;
		c = result_add_cpu(res, cpu, sc ? cpuiso_cpu_get_state(sc) :
					     CPUISO_STATE_OFFLINE,
				   CPUISO_STATE_ISOLATED, CPUISO_OUTCOME_PLANNED);
		if (!c)
			return -ENOMEM;
		/* per CPU: the request-wide housekeeping checks do not apply */
		r = plan_build(sys, compat, one, none, CPUISO_PLAN_FORCE | PLAN_NO_HOUSEKEEPING,
			       &plan, &why);
		if (r < 0) {
			c->outcome = CPUISO_OUTCOME_REFUSED;
			c->error = r;
			c->message = why;
			continue;
		}
		if (!cpuiso_plan_nr_steps(plan))
			c->outcome = CPUISO_OUTCOME_UNCHANGED;
		r = cpu_properties(ctx, sys, probe, res->backend, c);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(res);
	return 0;
}
