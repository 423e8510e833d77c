// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso verify: measure what still reaches CPUs, name each source, and
 * say per CPU whether it stays under a threshold.  The library measures
 * (spinner, counters, trace, attribution); this file waits, shows the
 * progress on a terminal and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libscols_table *, scols_unref_table)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

/* Interruptions per second an isolated CPU may take: its residual 1 Hz
 * tick kick is 2-3 (docs/results.md); an unisolated one takes hundreds. */
#define DEFAULT_THRESHOLD 5.0
#define DEFAULT_SECONDS 10.0

struct verify_opts {
	double seconds;
	double threshold;
	enum cpuiso_load load;
	unsigned int flags;
	const char *plot;
	bool progress;
	sigset_t stop;		/* blocked, waited for */
};

/*
 * The signals that end cpuiso early are blocked while it measures and
 * waited for here instead, so that a ^C closes the window (tracefs put
 * back, spinner stopped) before cpuiso exits.  Returns the signal, or 0.
 */
static int sleep_for(const sigset_t *stop, double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - floor(secs)) * 1e9),
	};
	int sig;

	do
		sig = sigtimedwait(stop, NULL, &ts);
	while (sig < 0 && errno == EINTR);
	return sig < 0 ? 0 : sig;
}

/* Wait out the window; on a terminal, one line per CPU with time left. */
static int wait_window(unsigned int cpu, const struct verify_opts *o)
{
	for (double left = o->seconds; left > 0;) {
		double step = left < 1 ? left : 1;
		int sig;

		if (o->progress) {
			fprintf(stderr, "\rcpuiso: measuring CPU %u, %.0f s left ",
				cpu, ceil(left));
			fflush(stderr);
		}
		sig = sleep_for(&o->stop, step);
		if (sig) {
			if (o->progress)
				fputc('\n', stderr);
			warnx_("%s: stopped measuring CPU %u", strsignal(sig), cpu);
			return -EINTR;
		}
		left -= step;
	}
	if (o->progress)
		fprintf(stderr, "\rcpuiso: measured CPU %u             \n", cpu);
	return 0;
}

static int measure_one(struct cli *cli, unsigned int cpu,
		       const struct verify_opts *o, struct cpuiso_noise **ret)
{
	struct cpuiso_measure *m;
	int r;

	r = cpuiso_measure_start(cli->ctx, cpu, o->load, o->flags, &m);
	if (r < 0) {
		warnx_("cannot measure CPU %u: %s", cpu, strerror(-r));
		return r;
	}
	if (wait_window(cpu, o) < 0) {
		cpuiso_measure_stop(m, NULL);
		return -EINTR;
	}
	r = cpuiso_measure_stop(m, ret);
	if (r < 0)
		warnx_("cannot measure CPU %u: %s", cpu, strerror(-r));
	return r;
}

static const char *verdict(const struct cpuiso_noise *n, double threshold)
{
	return cpuiso_noise_is_quiet(n, threshold) ? "quiet" : "disturbed";
}

/* ---- table ---------------------------------------------------------------- */

static struct libscols_table *table(const char *const *cols, size_t n,
				    unsigned long right)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!scols_table_new_column(tb, cols[i], 0,
					    right & (1ul << i) ? SCOLS_FL_RIGHT : 0)) {
			scols_unref_table(tb);
			return NULL;
		}
	return tb;
}

static int cell(struct libscols_line *ln, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cell(struct libscols_line *ln, size_t col, const char *fmt, ...)
{
	char *data;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&data, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return scols_line_refer_data(ln, col, data);
}

static int print_table(struct cpuiso_noise **res, size_t n, double threshold)
{
	static const char *const vcols[] = {
		"CPU", "VERDICT", "PER-S", "IRQ", "SOFTIRQ", "THREAD",
		"MAX-NOISE", "AVAILABLE",
	};
	static const char *const scols[] = {
		"CPU", "COUNT", "CLASS", "SOURCE", "CAUSE",
	};
	_cleanup_(scols_unref_tablep) struct libscols_table *v = NULL;
	_cleanup_(scols_unref_tablep) struct libscols_table *s = NULL;
	int r = 0;

	v = table(vcols, ELEMENTSOF(vcols), 0xfd);
	s = table(scols, ELEMENTSOF(scols), 0x3);
	if (!v || !s)
		return -ENOMEM;
	scols_column_set_flags(scols_table_get_column(s, 4), SCOLS_FL_WRAP);
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(v, NULL);
		unsigned int cpu = cpuiso_noise_get_cpu(res[i]);
		struct cpuiso_osnoise os;
		bool have_os = cpuiso_noise_get_osnoise(res[i], &os) == 0;

		if (!ln)
			return -ENOMEM;
		r |= cell(ln, 0, "%u", cpu);
		r |= cell(ln, 1, "%s", verdict(res[i], threshold));
		r |= cell(ln, 2, "%.1f", cpuiso_noise_get_rate(res[i]));
		for (int c = CPUISO_NOISE_IRQ; c <= CPUISO_NOISE_THREAD; c++)
			r |= cell(ln, 3 + c, "%llu", cpuiso_noise_get_count(res[i], c));
		r |= have_os ? cell(ln, 6, "%.1f us", os.max_single_ns / 1e3) :
			       cell(ln, 6, "-");
		r |= have_os ? cell(ln, 7, "%.4f%%", os.available_pct) :
			       cell(ln, 7, "-");
		for (size_t j = 0; j < cpuiso_noise_nr_sources(res[i]); j++) {
			const struct cpuiso_noise_source *src =
				cpuiso_noise_get_source(res[i], j);
			struct libscols_line *l = scols_table_new_line(s, NULL);

			if (!l)
				return -ENOMEM;
			r |= cell(l, 0, "%u", cpu);
			r |= cell(l, 1, "%llu", src->count);
			r |= cell(l, 2, "%s", cpuiso_noise_class_to_string(src->cls));
			r |= cell(l, 3, "%s", src->name);
			r |= cell(l, 4, "%s", src->cause ? src->cause :
				  src->desc[0] ? src->desc : "-");
		}
	}
	if (r)
		return -ENOMEM;
	scols_print_table(v);
	if (scols_table_get_nlines(s) > 0) {
		fputc('\n', stdout);
		scols_print_table(s);
	}
	for (size_t i = 0; i < n; i++) {
		struct cpuiso_task_isolation ti;
		const char *note = NULL;

		/* --load isolated: what the kernel recorded for the spinner */
		if (cpuiso_noise_get_task_isolation(res[i], &ti) == 0)
			printf("\nCPU %u: %llu interruptions in task isolation mode%s%s",
			       cpuiso_noise_get_cpu(res[i]), ti.total,
			       ti.last[0] ? ", last: " : "", ti.last);
		if (!cpuiso_noise_is_traced(res[i], &note) || note)
			printf("\nCPU %u: %s%s", cpuiso_noise_get_cpu(res[i]),
			       cpuiso_noise_is_traced(res[i], NULL) ? "" :
			       "causes not traced: ", note ? note : "");
	}
	fputc('\n', stdout);
	return 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val && key)
		return json_object_object_add(obj, key, NULL);
	return val ? json_object_object_add(obj, key, val) : -ENOMEM;
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *cpu_json(const struct cpuiso_noise *n,
				    double threshold)
{
	_cleanup_(json_object_putp) struct json_object *o = json_object_new_object();
	struct json_object *counts, *sources, *os = NULL, *load = NULL;
	struct cpuiso_task_isolation ti;
	struct cpuiso_osnoise st;
	struct cpuiso_load_stats ls;
	const char *note = NULL;
	bool traced = cpuiso_noise_is_traced(n, &note);
	int r = 0;

	if (!o)
		return NULL;
	r |= add(o, "cpu", json_object_new_int(cpuiso_noise_get_cpu(n)));
	r |= add(o, "verdict", json_object_new_string(verdict(n, threshold)));
	r |= add(o, "seconds", json_object_new_double(cpuiso_noise_get_seconds(n)));
	r |= add(o, "per-s", json_object_new_double(cpuiso_noise_get_rate(n)));
	counts = json_object_new_object();
	r |= add(o, "counts", counts);
	for (int c = 0; counts && c < _CPUISO_NOISE_CLASS_MAX; c++)
		r |= add(counts, cpuiso_noise_class_to_string(c),
			 json_object_new_uint64(cpuiso_noise_get_count(n, c)));
	r |= add(o, "traced", json_object_new_boolean(traced));
	r |= json_object_object_add(o, "note", str_or_null(note));
	if (cpuiso_noise_get_osnoise(n, &st) == 0) {
		os = json_object_new_object();
		if (!os)
			return NULL;
		r |= add(os, "max-single-ns", json_object_new_uint64(st.max_single_ns));
		r |= add(os, "total-ns", json_object_new_uint64(st.total_ns));
		r |= add(os, "available-pct", json_object_new_double(st.available_pct));
		for (int c = 0; c < _CPUISO_NOISE_CLASS_MAX; c++)
			r |= add(os, cpuiso_noise_class_to_string(c),
				 json_object_new_uint64(st.count[c]));
	}
	r |= json_object_object_add(o, "osnoise", os);
	if (cpuiso_noise_get_load(n, &ls) == 0) {
		load = json_object_new_object();
		if (!load)
			return NULL;
		r |= add(load, "ran-on", json_object_new_int(ls.ran_on));
		r |= add(load, "wall", json_object_new_double(ls.wall));
		r |= add(load, "utime", json_object_new_double(ls.utime));
		r |= add(load, "stime", json_object_new_double(ls.stime));
	}
	r |= json_object_object_add(o, "load", load);
	if (cpuiso_noise_get_task_isolation(n, &ti) == 0) {
		struct json_object *tj = json_object_new_object();

		if (!tj)
			return NULL;
		r |= add(tj, "total", json_object_new_uint64(ti.total));
		for (int k = 0; k < _CPUISO_TASK_ISOL_KIND_MAX; k++)
			r |= add(tj, cpuiso_task_isol_kind_to_string(k),
				 json_object_new_uint64(ti.count[k]));
		r |= add(tj, "last", json_object_new_string(ti.last));
		r |= json_object_object_add(o, "task-isolation", tj);
	}
	sources = json_object_new_array();
	r |= add(o, "sources", sources);
	for (size_t i = 0; sources && i < cpuiso_noise_nr_sources(n); i++) {
		const struct cpuiso_noise_source *s = cpuiso_noise_get_source(n, i);
		struct json_object *so = json_object_new_object();

		if (!so || json_object_array_add(sources, so) < 0)
			return NULL;
		r |= add(so, "class", json_object_new_string(cpuiso_noise_class_to_string(s->cls)));
		r |= add(so, "name", json_object_new_string(s->name));
		r |= add(so, "desc", json_object_new_string(s->desc));
		r |= add(so, "count", json_object_new_uint64(s->count));
		r |= json_object_object_add(so, "cause", str_or_null(s->cause));
	}
	return r ? NULL : TAKE_PTR(o);
}

static int print_json(struct cpuiso_noise **res, size_t n,
		      const struct verify_opts *o)
{
	_cleanup_(json_object_putp) struct json_object *top = json_object_new_object();
	struct json_object *cpus = json_object_new_array();
	int r = 0;

	if (!top || !cpus) {
		json_object_put(cpus);
		return -ENOMEM;
	}
	r |= add(top, "threshold", json_object_new_double(o->threshold));
	r |= add(top, "load", json_object_new_string(cpuiso_load_to_string(o->load)));
	r |= add(top, "cpus", cpus);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = cpu_json(res[i], o->threshold);

		if (!c || json_object_array_add(cpus, c) < 0) {
			json_object_put(c);
			return -ENOMEM;
		}
	}
	if (r)
		return -ENOMEM;
	json_c_set_serialization_double_format("%.6g", JSON_C_OPTION_THREAD);
	puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* ---- the verb -------------------------------------------------------------- */

static int parse_number(const char *arg, const char *what, double min,
			double max, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v <= max)) {
		warnx_("invalid %s '%s': want a number from %g to %g", what,
		       arg, min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static void usage(FILE *out)
{
	fputs("Usage: cpuiso verify [options] [CPULIST]\n\n"
	      "Measure what reaches CPUs (default: the isolated ones) and name it.\n\n"
	      "Options:\n"
	      " -d, --duration SECS     window per CPU (default 10)\n"
	      "     --threshold N       interruptions per second a quiet CPU\n"
	      "                         takes at most (default: the policy's\n"
	      "                         noise-threshold, else 5)\n"
	      "     --load spin|none|isolated\n"
	      "                         spin in user space on the CPU (default),\n"
	      "                         observe it as it is, or spin in task\n"
	      "                         isolation mode\n"
	      "     --no-trace          counts only, leave tracefs alone\n"
	      "     --plot FILE         draw the timeline (.svg or .png)\n"
	      " -J, --json              JSON output\n", out);
}

/*
 * The threshold when none is given: the policy's noise-threshold if the
 * policy file sets one, else the default.  A policy that does not parse
 * is an error, as for apply; no policy file is none.
 */
static int policy_threshold(struct cli *cli, const struct cpuiso_system *sys,
			    double *threshold)
{
	_cleanup_(cpuiso_policy_freep) struct cpuiso_policy *pol = NULL;
	_cleanup_free_ char *why = NULL;
	int r;

	r = cpuiso_policy_load(cli->ctx, CPUISO_POLICY_PATH,
			       cpuiso_system_nr_cpus(sys), &pol, &why);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		warnx_("%s", why ? why : strerror(-r));
		return r;
	}
	if (cpuiso_policy_get_noise_threshold(pol) >= 0)
		*threshold = cpuiso_policy_get_noise_threshold(pol);
	return 0;
}

/* The CPUs to measure: the list given, or the isolated ones. */
static int pick_cpus(const struct cpuiso_system *sys, const char *arg,
		     struct cpuiso_cpuset **ret)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;

	if (arg)
		return parse_cpulist_arg(sys, arg, ret) < 0 ? -EINVAL : 0;
	set = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	if (!set)
		return -ENOMEM;
	for (unsigned int i = 0; i < cpuiso_system_nr_cpus(sys); i++) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, i);

		if (c && cpuiso_cpu_is_isolated(c) && cpuiso_cpu_is_online(c))
			cpuiso_cpuset_set(set, i);
	}
	if (cpuiso_cpuset_count(set) == 0) {
		warnx_("no CPU is isolated here; name the CPUs to verify");
		return -ENOENT;
	}
	*ret = TAKE_PTR(set);
	return 0;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	enum { OPT_THRESHOLD = 0x100, OPT_LOAD, OPT_PLOT, OPT_NO_TRACE };
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL;
	_cleanup_free_ struct cpuiso_noise **res = NULL;
	struct verify_opts o = {
		.seconds = DEFAULT_SECONDS,
		.threshold = DEFAULT_THRESHOLD,
		.load = CPUISO_LOAD_SPIN,
	};
	bool threshold_given = false;
	size_t n = 0;
	int c, cpu, r, rc = EXIT_OK;

	optind = 0;	/* 0: reinitialise, so options may follow the CPU list */
	while ((c = getopt_long(argc, argv, "d:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_number(optarg, "duration", 0, 86400, &o.seconds) < 0)
				return EXIT_USAGE;
			break;
		case OPT_THRESHOLD:
			if (parse_number(optarg, "threshold", 0, 1e9, &o.threshold) < 0)
				return EXIT_USAGE;
			threshold_given = true;
			break;
		case OPT_LOAD:
			r = cpuiso_load_from_string(optarg);
			if (r < 0) {
				warnx_("invalid load '%s': want spin, none or isolated", optarg);
				return EXIT_USAGE;
			}
			o.load = r;
			break;
		case OPT_NO_TRACE:
			o.flags |= CPUISO_MEASURE_NO_TRACE;
			break;
		case OPT_PLOT:
			o.plot = optarg;
			break;
		case 'J':
			cli->json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		warnx_("verify takes at most one CPU list");
		return EXIT_USAGE;
	}
	if (o.plot && plot_check(o.plot) < 0)
		return EXIT_USAGE;
	o.progress = !cli->json && isatty(STDERR_FILENO);
	sigemptyset(&o.stop);
	sigaddset(&o.stop, SIGINT);
	sigaddset(&o.stop, SIGTERM);
	sigaddset(&o.stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &o.stop, NULL) < 0)
		return EXIT_FAIL;

	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	r = threshold_given ? 0 : policy_threshold(cli, sys, &o.threshold);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	r = pick_cpus(sys, optind < argc ? argv[optind] : NULL, &cpus);
	if (r < 0)
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	res = calloc(cpuiso_cpuset_count(cpus), sizeof(*res));
	if (!res)
		return EXIT_FAIL;
	cpuiso_cpuset_foreach(cpu, cpus) {
		r = measure_one(cli, cpu, &o, &res[n]);
		if (r < 0) {
			rc = EXIT_FAIL;
			break;
		}
		if (!cpuiso_noise_is_quiet(res[n], o.threshold))
			rc = EXIT_FAIL;
		n++;
	}
	if (n > 0) {
		r = cli->json ? print_json(res, n, &o) :
				print_table(res, n, o.threshold);
		if (r < 0)
			rc = EXIT_FAIL;
		if (o.plot && plot_write(o.plot, res, n, o.threshold) < 0)
			rc = EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		cpuiso_noise_free(res[i]);
	return rc;
}
