// SPDX-License-Identifier: GPL-2.0-or-later
/* CPU lists: the kernel's syntax, exact round trips, hostile input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cleanup.h"
#include "cpuiso.h"

static char *roundtrip(const char *in, unsigned int nbits)
{
	struct cpuiso_cpuset *set = NULL;
	struct cpuiso_parse_error err = { 0 };
	char *out = NULL;

	assert_int_equal(cpuiso_cpuset_parse(in, nbits, &set, &err), 0);
	assert_int_equal(cpuiso_cpuset_format(set, &out), 0);
	cpuiso_cpuset_free(set);
	return out;
}

static void assert_canonical(const char *in, unsigned int nbits,
			     const char *want)
{
	_cleanup_free_ char *out = roundtrip(in, nbits);

	assert_string_equal(out, want);
}

static void test_parse_plain(void **state)
{
	(void)state;
	assert_canonical("0", 8, "0");
	assert_canonical("0-3", 8, "0-3");
	assert_canonical("3,1,2", 8, "1-3");
	assert_canonical("0-1,1-2", 8, "0-2");
	assert_canonical("5,7", 8, "5,7");
	assert_canonical("0-3\n", 8, "0-3");
	assert_canonical("  2-3  ", 8, "2-3");
	assert_canonical("", 8, "");
	assert_canonical("\n", 8, "");
	assert_canonical("N", 8, "7");
	assert_canonical("0-N", 4, "0-3");
}

static void test_parse_stride(void **state)
{
	(void)state;
	assert_canonical("0-3,8,10-31:2/4", 64,
			 "0-3,8,10-11,14-15,18-19,22-23,26-27,30-31");
	assert_canonical("0-15:1/2", 16, "0,2,4,6,8,10,12,14");
	assert_canonical("0-9:4/4", 16, "0-9");
	/* a group that runs past the end stops at the end */
	assert_canonical("0-4:3/4", 16, "0-2,4");
}

static void test_set_ops(void **state)
{
	struct cpuiso_cpuset *set = cpuiso_cpuset_new(200);
	struct cpuiso_cpuset *copy;
	int cpu, n = 0;

	(void)state;
	assert_non_null(set);
	assert_int_equal(cpuiso_cpuset_next(set, -1), -1);
	assert_int_equal(cpuiso_cpuset_set(set, 0), 0);
	assert_int_equal(cpuiso_cpuset_set(set, 63), 0);
	assert_int_equal(cpuiso_cpuset_set(set, 64), 0);
	assert_int_equal(cpuiso_cpuset_set(set, 199), 0);
	assert_int_equal(cpuiso_cpuset_set(set, 200), -ERANGE);
	assert_int_equal(cpuiso_cpuset_count(set), 4);
	assert_int_equal(cpuiso_cpuset_next(set, 0), 63);
	assert_int_equal(cpuiso_cpuset_next(set, 63), 64);
	assert_int_equal(cpuiso_cpuset_next(set, 64), 199);
	assert_int_equal(cpuiso_cpuset_next(set, 199), -1);
	cpuiso_cpuset_foreach(cpu, set)
		n++;
	assert_int_equal(n, 4);
	copy = cpuiso_cpuset_dup(set);
	assert_true(cpuiso_cpuset_equal(set, copy));
	assert_int_equal(cpuiso_cpuset_clear(copy, 63), 0);
	assert_false(cpuiso_cpuset_equal(set, copy));
	assert_true(cpuiso_cpuset_is_subset(copy, set));
	assert_false(cpuiso_cpuset_is_subset(set, copy));
	assert_false(cpuiso_cpuset_test(copy, 63));
	assert_false(cpuiso_cpuset_test(copy, 100000));
	cpuiso_cpuset_free(copy);
	cpuiso_cpuset_free(set);
	assert_null(cpuiso_cpuset_new(CPUISO_MAX_CPUS + 1));
}

struct bad {
	const char *in;
	unsigned int nbits;
	int error;
	size_t pos;
};

static void test_parse_hostile(void **state)
{
	static const struct bad cases[] = {
		{ "0-3x", 8, EINVAL, 3 },
		{ "x", 8, EINVAL, 0 },
		{ "-1", 8, EINVAL, 0 },
		{ "1-", 8, EINVAL, 2 },
		{ "4-2", 8, EINVAL, 2 },		/* reversed range */
		{ "1,,2", 8, EINVAL, 2 },		/* empty region */
		{ "1,", 8, EINVAL, 2 },
		{ ",1", 8, EINVAL, 0 },
		{ "1 ,2", 8, EINVAL, 1 },		/* no inner space */
		{ "0x10", 8, EINVAL, 1 },
		{ "1.5", 8, EINVAL, 1 },
		{ "0-3:0/4", 8, EINVAL, 4 },
		{ "0-3:5/4", 8, EINVAL, 4 },
		{ "0-3:2/0", 8, EINVAL, 4 },
		{ "0-3:2", 8, EINVAL, 5 },
		{ "0-3:2/", 8, EINVAL, 6 },
		{ "8", 8, ERANGE, 0 },			/* beyond nbits */
		{ "0,2-8", 8, ERANGE, 2 },
		{ "8192", CPUISO_MAX_CPUS, ERANGE, 0 },	/* > NR_CPUS */
		{ "99999999999999999999", 8, ERANGE, 0 },
		{ "4294967296", 8, ERANGE, 0 },
		{ "0-99999999999", 8, ERANGE, 2 },
		{ "N", 0, ERANGE, 0 },
		{ "0", CPUISO_MAX_CPUS + 1, ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct cpuiso_cpuset *sentinel = (void *)&cases[i];
		struct cpuiso_cpuset *set = sentinel;
		struct cpuiso_parse_error err = { 0 };
		int r;

		r = cpuiso_cpuset_parse(cases[i].in, cases[i].nbits, &set, &err);
		print_message("'%s' -> %d at %zu (%s)\n", cases[i].in, r,
			      err.pos, err.reason);
		assert_int_equal(r, -cases[i].error);
		assert_int_equal(err.pos, cases[i].pos);
		assert_non_null(err.reason);
		/* never a partial result */
		assert_ptr_equal(set, sentinel);
	}
	/* a NULL err is allowed */
	{
		struct cpuiso_cpuset *set = NULL;

		assert_int_equal(cpuiso_cpuset_parse("z", 8, &set, NULL), -EINVAL);
		assert_null(set);
	}
}

/* format(parse(format(S))) == format(S) and parse(format(S)) == S */
static void test_roundtrip_random(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		unsigned int nbits = 1 + (unsigned int)(x % 300);
		struct cpuiso_cpuset *set = cpuiso_cpuset_new(nbits), *back = NULL;
		_cleanup_free_ char *s = NULL, *s2 = NULL;

		assert_non_null(set);
		for (unsigned int i = 0; i < nbits; i++) {
			/* xorshift: runs and holes of varying length */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (x % (2 + round % 5) == 0)
				cpuiso_cpuset_set(set, i);
		}
		assert_int_equal(cpuiso_cpuset_format(set, &s), 0);
		assert_int_equal(cpuiso_cpuset_parse(s, nbits, &back, NULL), 0);
		assert_true(cpuiso_cpuset_equal(set, back));
		assert_int_equal(cpuiso_cpuset_format(back, &s2), 0);
		assert_string_equal(s, s2);
		cpuiso_cpuset_free(set);
		cpuiso_cpuset_free(back);
	}
}

static void test_full_width(void **state)
{
	_cleanup_free_ char *out = NULL;

	(void)state;
	out = roundtrip("0-8191", CPUISO_MAX_CPUS);
	assert_string_equal(out, "0-8191");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_stride),
		cmocka_unit_test(test_set_ops),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_full_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
