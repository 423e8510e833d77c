// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The persistent policy, /etc/cpuiso.conf: which CPUs stay isolated and
 * under which constraints.  One "key = value" a line, '#' starts a
 * comment.  A file is accepted whole or refused with "FILE:LINE: why".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct cpuiso_policy {
	struct cpuiso_cpuset *isolated;
	enum cpuiso_smt smt;
	bool node_housekeeping;
	double noise_threshold;		/* < 0: not given */
};

static const char *const smt_names[] = {
	[CPUISO_SMT_KEEP] = "keep",
	[CPUISO_SMT_SIBLINGS] = "siblings",
	[CPUISO_SMT_REFUSE] = "refuse",
};

CPUISO_EXPORT void cpuiso_policy_free(struct cpuiso_policy *pol)
{
	if (!pol)
		return;
	cpuiso_cpuset_free(pol->isolated);
	free(pol);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_policy *, cpuiso_policy_free)

CPUISO_EXPORT const struct cpuiso_cpuset *
cpuiso_policy_get_isolated(const struct cpuiso_policy *pol)
{
	return pol->isolated;
}

CPUISO_EXPORT enum cpuiso_smt cpuiso_policy_get_smt(const struct cpuiso_policy *pol)
{
	return pol->smt;
}

CPUISO_EXPORT bool cpuiso_policy_node_housekeeping(const struct cpuiso_policy *pol)
{
	return pol->node_housekeeping;
}

/* What `cpuiso verify` allows an isolated CPU per second; < 0 if not set */
CPUISO_EXPORT double cpuiso_policy_get_noise_threshold(const struct cpuiso_policy *pol)
{
	return pol->noise_threshold;
}

CPUISO_EXPORT const char *cpuiso_smt_to_string(enum cpuiso_smt smt)
{
	return (unsigned int)smt < ELEMENTSOF(smt_names) ? smt_names[smt] : NULL;
}

static int bad(char **why, const char *source, unsigned int line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad(char **why, const char *source, unsigned int line,
	       const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (why && asprintf(why, "%s:%u: %s", source, line, msg ? msg : "") < 0)
		*why = NULL;
	return -EINVAL;
}

static char *strip(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r", end[-1]))
		*--end = '\0';
	return s;
}

static int parse_bool(const char *v, bool *ret)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*ret = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

/* One "key = value" line into @pol; @seen tracks duplicate keys. */
static int parse_line(struct cpuiso_policy *pol, char *key, char *value,
		      unsigned int nbits, unsigned int *seen,
		      const char *source, unsigned int line, char **why)
{
	static const char *const keys[] = { "isolated", "smt",
					    "housekeeping-per-node",
					    "noise-threshold" };
	struct cpuiso_parse_error perr;
	size_t k;

	for (k = 0; k < ELEMENTSOF(keys); k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == ELEMENTSOF(keys))
		return bad(why, source, line,
			   "unknown key '%s' (isolated, smt, housekeeping-per-node, noise-threshold)",
			   key);
	if (*seen & (1u << k))
		return bad(why, source, line, "'%s' given twice", key);
	*seen |= 1u << k;

	switch (k) {
	case 0:
		if (!*value)
			return bad(why, source, line,
				   "isolated: no CPU list (leave the key out to isolate nothing)");
		cpuiso_cpuset_free(pol->isolated);
		pol->isolated = NULL;
		if (cpuiso_cpuset_parse(value, nbits, &pol->isolated, &perr) < 0)
			return bad(why, source, line,
				   "isolated: invalid CPU list '%s': %s at position %zu",
				   value, perr.reason, perr.pos + 1);
		return 0;
	case 1:
		for (size_t i = 0; i < ELEMENTSOF(smt_names); i++)
			if (!strcmp(value, smt_names[i])) {
				pol->smt = (enum cpuiso_smt)i;
				return 0;
			}
		return bad(why, source, line,
			   "smt: '%s' is not keep, siblings or refuse", value);
	case 2:
		if (parse_bool(value, &pol->node_housekeeping) < 0)
			return bad(why, source, line,
				   "housekeeping-per-node: '%s' is not yes or no",
				   value);
		return 0;
	default: {
		char *end;

		errno = 0;
		pol->noise_threshold = strtod(value, &end);
		if (errno || end == value || *end || !(pol->noise_threshold >= 0 &&
						       pol->noise_threshold <= 1e9))
			return bad(why, source, line,
				   "noise-threshold: '%s' is not a number of interruptions per second",
				   value);
		return 0;
	}
	}
}

/**
 * cpuiso_policy_parse: a policy from the text of a file.
 * @source: the file's name, for messages
 * @nbits: how many CPUs the machine can have (cpuiso_system_nr_cpus())
 * @why: on failure, "SOURCE:LINE: reason" (free() it); may be NULL
 *
 * Returns 0 or -EINVAL (-ENOMEM).  An empty file isolates nothing.
 */
CPUISO_EXPORT int cpuiso_policy_parse(const char *text, const char *source,
				      unsigned int nbits,
				      struct cpuiso_policy **ret, char **why)
{
	_cleanup_(cpuiso_policy_freep) struct cpuiso_policy *pol = NULL;
	_cleanup_free_ char *copy = strdup(text);
	unsigned int line = 0, seen = 0;
	char *next = copy, *l;
	int r;

	if (why)
		*why = NULL;
	pol = calloc(1, sizeof(*pol));
	if (!pol || !copy)
		return -ENOMEM;
	pol->node_housekeeping = true;
	pol->noise_threshold = -1;
	/* a UTF-8 byte order mark, as some editors write one */
	if (!strncmp(next, "\xef\xbb\xbf", 3))
		next += 3;

	while ((l = strsep(&next, "\n"))) {
		char *eq, *hash;

		line++;
		hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		l = strip(l);
		if (!*l)
			continue;
		eq = strchr(l, '=');
		if (!eq)
			return bad(why, source, line, "expected 'key = value', got '%s'", l);
		*eq = '\0';
		if (!*strip(l))
			return bad(why, source, line, "a value without a key");
		r = parse_line(pol, strip(l), strip(eq + 1), nbits, &seen,
			       source, line, why);
		if (r < 0)
			return r;
	}
	if (!pol->isolated) {
		pol->isolated = cpuiso_cpuset_new(nbits);
		if (!pol->isolated)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(pol);
	return 0;
}

/**
 * cpuiso_policy_load: read and parse @path (e.g. "/etc/cpuiso.conf")
 * under the context's root.  A missing file is -ENOENT, with @why saying so.
 */
CPUISO_EXPORT int cpuiso_policy_load(struct cpuiso_ctx *ctx, const char *path,
				     unsigned int nbits,
				     struct cpuiso_policy **ret, char **why)
{
	_cleanup_free_ char *text = NULL, *shown = NULL;
	size_t len;
	int r;

	if (why)
		*why = NULL;
	r = ctx_read_raw(ctx, &text, &len, "%s", path);
	if (r < 0) {
		if (why && asprintf(why, "%s%s: %s", ctx->root, path,
				    r == -EINVAL ? "not a regular file" : strerror(-r)) < 0)
			*why = NULL;
		return r;
	}
	if (strlen(text) != len) {
		if (why && asprintf(why, "%s%s: a NUL byte at offset %zu: not a text file",
				    ctx->root, path, strlen(text)) < 0)
			*why = NULL;
		return -EINVAL;
	}
	if (asprintf(&shown, "%s%s", ctx->root, path) < 0)
		return -ENOMEM;
	return cpuiso_policy_parse(text, shown, nbits, ret, why);
}
