// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CPU sets and the kernel's cpulist syntax (lib/bitmap-str.c):
 *
 *   list   := "" | region { "," region }
 *   region := cpu [ "-" cpu [ ":" used "/" group ] ]
 *   cpu    := decimal | "N"   ("N" is the last CPU of the set's size)
 *
 * "a-b:u/g" selects the first u CPUs of every group of g from a to b.
 * Parsing either succeeds whole or reports where and why it failed; it
 * never hands back part of a set.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BITS_PER_WORD (sizeof(unsigned long) * CHAR_BIT)

struct cpuiso_cpuset {
	unsigned int nbits;
	unsigned long bits[];
};

static size_t nwords(unsigned int nbits)
{
	return (nbits + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

CPUISO_EXPORT struct cpuiso_cpuset *cpuiso_cpuset_new(unsigned int nbits)
{
	struct cpuiso_cpuset *set;

	if (nbits > CPUISO_MAX_CPUS)
		return NULL;
	set = calloc(1, sizeof(*set) + nwords(nbits) * sizeof(unsigned long));
	if (set)
		set->nbits = nbits;
	return set;
}

CPUISO_EXPORT struct cpuiso_cpuset *cpuiso_cpuset_dup(const struct cpuiso_cpuset *set)
{
	size_t size = sizeof(*set) + nwords(set->nbits) * sizeof(unsigned long);
	struct cpuiso_cpuset *copy = malloc(size);

	if (copy)
		memcpy(copy, set, size);
	return copy;
}

CPUISO_EXPORT void cpuiso_cpuset_free(struct cpuiso_cpuset *set)
{
	free(set);
}

CPUISO_EXPORT unsigned int cpuiso_cpuset_size(const struct cpuiso_cpuset *set)
{
	return set->nbits;
}

CPUISO_EXPORT int cpuiso_cpuset_set(struct cpuiso_cpuset *set, unsigned int cpu)
{
	if (cpu >= set->nbits)
		return -ERANGE;
	set->bits[cpu / BITS_PER_WORD] |= 1UL << (cpu % BITS_PER_WORD);
	return 0;
}

CPUISO_EXPORT int cpuiso_cpuset_clear(struct cpuiso_cpuset *set, unsigned int cpu)
{
	if (cpu >= set->nbits)
		return -ERANGE;
	set->bits[cpu / BITS_PER_WORD] &= ~(1UL << (cpu % BITS_PER_WORD));
	return 0;
}

CPUISO_EXPORT bool cpuiso_cpuset_test(const struct cpuiso_cpuset *set,
				      unsigned int cpu)
{
	if (cpu >= set->nbits)
		return false;
	return set->bits[cpu / BITS_PER_WORD] & (1UL << (cpu % BITS_PER_WORD));
}

CPUISO_EXPORT unsigned int cpuiso_cpuset_count(const struct cpuiso_cpuset *set)
{
	unsigned int n = 0;

	for (size_t i = 0; i < nwords(set->nbits); i++)
		n += __builtin_popcountl(set->bits[i]);
	return n;
}

/* The first CPU after @prev (-1 to start) in @set, or -1. */
CPUISO_EXPORT int cpuiso_cpuset_next(const struct cpuiso_cpuset *set, int prev)
{
	for (unsigned int cpu = prev + 1; cpu < set->nbits; cpu++) {
		unsigned long word = set->bits[cpu / BITS_PER_WORD];

		word >>= cpu % BITS_PER_WORD;
		if (!word) {
			/* skip to the next word */
			cpu |= BITS_PER_WORD - 1;
			continue;
		}
		return cpu + __builtin_ctzl(word);
	}
	return -1;
}

/* Equal as sets of CPUs, whatever their sizes. */
CPUISO_EXPORT bool cpuiso_cpuset_equal(const struct cpuiso_cpuset *a,
				       const struct cpuiso_cpuset *b)
{
	return cpuiso_cpuset_is_subset(a, b) && cpuiso_cpuset_is_subset(b, a);
}

CPUISO_EXPORT bool cpuiso_cpuset_is_subset(const struct cpuiso_cpuset *sub,
					   const struct cpuiso_cpuset *super)
{
	int cpu;

	cpuiso_cpuset_foreach(cpu, sub)
		if (!cpuiso_cpuset_test(super, cpu))
			return false;
	return true;
}

struct parser {
	const char *str;
	const char *p;
	unsigned int nbits;
	struct cpuiso_parse_error *err;
};

static int fail(struct parser *ps, const char *at, int error, const char *why)
{
	ps->err->pos = at - ps->str;
	ps->err->reason = why;
	return -error;
}

static int parse_cpu(struct parser *ps, unsigned int *ret)
{
	const char *start = ps->p;
	uint64_t v = 0;

	if (*ps->p == 'N') {
		if (ps->nbits == 0)
			return fail(ps, start, ERANGE, "'N' in an empty set");
		ps->p++;
		*ret = ps->nbits - 1;
		return 0;
	}
	if (*ps->p < '0' || *ps->p > '9')
		return fail(ps, start, EINVAL, "expected a CPU number");
	while (*ps->p >= '0' && *ps->p <= '9') {
		v = v * 10 + (unsigned int)(*ps->p - '0');
		if (v > UINT_MAX)
			return fail(ps, start, ERANGE, "number too large");
		ps->p++;
	}
	*ret = (unsigned int)v;
	return 0;
}

static int parse_region(struct parser *ps, struct cpuiso_cpuset *set)
{
	const char *start = ps->p, *at;
	unsigned int a, b, used = 1, group = 1;
	int r;

	r = parse_cpu(ps, &a);
	if (r < 0)
		return r;
	b = a;
	if (*ps->p == '-') {
		ps->p++;
		at = ps->p;
		r = parse_cpu(ps, &b);
		if (r < 0)
			return r;
		if (b < a)
			return fail(ps, at, EINVAL, "range end below its start");
		if (*ps->p == ':') {
			ps->p++;
			at = ps->p;
			r = parse_cpu(ps, &used);
			if (r < 0)
				return r;
			if (*ps->p != '/')
				return fail(ps, ps->p, EINVAL,
					    "expected '/' after the used count");
			ps->p++;
			r = parse_cpu(ps, &group);
			if (r < 0)
				return r;
			if (used == 0 || group == 0 || used > group)
				return fail(ps, at, EINVAL,
					    "stride needs 0 < used <= group");
		}
	}
	if (b >= ps->nbits)
		return fail(ps, start, ERANGE, "CPU beyond the highest possible");

	for (uint64_t s = a; s <= b; s += group)
		for (uint64_t c = s; c < s + used && c <= b; c++)
			cpuiso_cpuset_set(set, (unsigned int)c);
	return 0;
}

/**
 * cpuiso_cpuset_parse: parse a cpulist into a new set of @nbits CPUs.
 * @err: where and why parsing failed; may be NULL.
 *
 * Leading and trailing white space (a sysfs newline) is allowed, none
 * inside.  Returns -EINVAL for bad syntax, -ERANGE for a CPU >= @nbits.
 */
CPUISO_EXPORT int cpuiso_cpuset_parse(const char *str, unsigned int nbits,
				      struct cpuiso_cpuset **ret,
				      struct cpuiso_parse_error *err)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
	struct cpuiso_parse_error dummy;
	struct parser ps = { .str = str, .p = str, .nbits = nbits,
			     .err = err ? err : &dummy };
	const char *end;
	int r;

	if (!str || !ret)
		return -EINVAL;
	if (nbits > CPUISO_MAX_CPUS)
		return fail(&ps, str, ERANGE, "set larger than the kernel allows");
	set = cpuiso_cpuset_new(nbits);
	if (!set)
		return -ENOMEM;

	while (*ps.p == ' ' || *ps.p == '\t' || *ps.p == '\n')
		ps.p++;
	end = str + strlen(str);
	while (end > ps.p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;

	if (ps.p < end) {
		for (;;) {
			r = parse_region(&ps, set);
			if (r < 0)
				return r;
			if (ps.p == end)
				break;
			if (*ps.p != ',')
				return fail(&ps, ps.p, EINVAL,
					    "unexpected character");
			ps.p++;
			if (ps.p == end)
				return fail(&ps, ps.p, EINVAL,
					    "list ends with ','");
		}
	}
	*ret = TAKE_PTR(set);
	return 0;
}

/* The canonical cpulist: ascending, runs of two or more as "a-b". */
CPUISO_EXPORT int cpuiso_cpuset_format(const struct cpuiso_cpuset *set,
				       char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f;
	int cpu = -1;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	while ((cpu = cpuiso_cpuset_next(set, cpu)) >= 0) {
		int last = cpu;

		while (cpuiso_cpuset_test(set, last + 1))
			last++;
		fprintf(f, "%s%d", first ? "" : ",", cpu);
		first = false;
		if (last > cpu)
			fprintf(f, "-%d", last);
		cpu = last;
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* ---- the kernel's other format: hex masks (smp_affinity, workqueue) ---- */

/* "00000000,0000000f" -> set; the format of default_smp_affinity */
int cpuset_parse_hex(const char *s, unsigned int nbits, struct cpuiso_cpuset **ret)
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
int cpuset_format_hex(const struct cpuiso_cpuset *set, unsigned int width,
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
