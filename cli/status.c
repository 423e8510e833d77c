// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso status: a table of CPUs like `lscpu -e`, then the capabilities. */
#include <errno.h>
#include <getopt.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libscols_table *, scols_unref_table)

enum col_kind { COL_STRING, COL_NUMBER, COL_BOOL };

/* The CPU table, one row per possible CPU; JSON names are lower case. */
enum {
	COL_CPU, COL_NODE, COL_SOCKET, COL_CORE, COL_ONLINE, COL_STATE,
	COL_ISOLATED, COL_NOHZ_FULL, COL_RCU_NOCB, COL_DEFER, COL_HPSTATE, COL_HOTPLUG,
	_COL_DEFAULT,
	/* not shown unless asked for (-o): what an isolate would do here */
	COL_BACKEND = _COL_DEFAULT, COL_ISOLATE, COL_NEEDS,
	_COL_MAX,
};

static const struct column {
	const char *name;
	enum col_kind kind;
} cpu_columns[_COL_MAX] = {
	[COL_CPU] = { "CPU", COL_NUMBER },
	[COL_NODE] = { "NODE", COL_NUMBER },
	[COL_SOCKET] = { "SOCKET", COL_NUMBER },
	[COL_CORE] = { "CORE", COL_NUMBER },
	[COL_ONLINE] = { "ONLINE", COL_BOOL },
	[COL_STATE] = { "STATE", COL_STRING },
	[COL_ISOLATED] = { "ISOLATED", COL_BOOL },
	[COL_NOHZ_FULL] = { "NOHZ_FULL", COL_BOOL },
	[COL_RCU_NOCB] = { "RCU_NOCB", COL_BOOL },
	[COL_DEFER] = { "DEFER", COL_BOOL },
	[COL_HPSTATE] = { "HPSTATE", COL_NUMBER },
	[COL_HOTPLUG] = { "HOTPLUG", COL_STRING },
	[COL_BACKEND] = { "BACKEND", COL_STRING },
	[COL_ISOLATE] = { "ISOLATE", COL_STRING },
	[COL_NEEDS] = { "NEEDS", COL_STRING },
};

enum { CAP_NAME, CAP_AVAIL, CAP_REASON, _CAP_COL_MAX };

static const struct column cap_columns[_CAP_COL_MAX] = {
	[CAP_NAME] = { "CAPABILITY", COL_STRING },
	[CAP_AVAIL] = { "AVAILABLE", COL_STRING },
	[CAP_REASON] = { "REASON", COL_STRING },
};

/* CPUs isolated for containers (cpuiso-oci-hook's records) */
enum { CTR_NAME, CTR_CPUS, CTR_ISOLATED, CTR_PID, _CTR_COL_MAX };

static const struct column container_columns[_CTR_COL_MAX] = {
	[CTR_NAME] = { "CONTAINER", COL_STRING },
	[CTR_CPUS] = { "CPUS", COL_STRING },
	[CTR_ISOLATED] = { "ISOLATED", COL_STRING },
	[CTR_PID] = { "PID", COL_NUMBER },
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_claims *, cpuiso_claims_free)

struct table_opts {
	bool json, noheadings, raw;
};

/* A table of the columns @sel[0..nsel) of @cols (all when @sel is NULL). */
static struct libscols_table *new_table(const char *name, const struct table_opts *o,
					const struct column *cols, size_t n,
					const int *sel, size_t nsel)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, o->json);
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_enable_raw(tb, o->raw);
	for (size_t k = 0; k < (sel ? nsel : n); k++) {
		size_t i = sel ? (size_t)sel[k] : k;
		struct libscols_column *cl;
		_cleanup_free_ char *lower = strdup(cols[i].name);

		if (!lower)
			goto fail;
		for (char *p = lower; *p; p++)
			*p = *p == '_' ? '-' : (char)(*p | 0x20);
		cl = scols_table_new_column(tb, cols[i].name, 0, 0);
		if (!cl)
			goto fail;
		if (cols[i].kind == COL_NUMBER)
			scols_column_set_flags(cl, SCOLS_FL_RIGHT);
		if (o->json) {
			/* an unknown boolean is null, never false */
			scols_column_set_json_type(cl,
				cols[i].kind == COL_NUMBER ? SCOLS_JSON_NUMBER :
				cols[i].kind == COL_BOOL ? SCOLS_JSON_BOOLEAN_OPTIONAL :
				SCOLS_JSON_STRING);
			if (scols_cell_set_data(scols_column_get_header(cl),
						lower) < 0)
				goto fail;
		}
	}
	return tb;
fail:
	scols_unref_table(tb);
	return NULL;
}

/* A cell: unknown is "-" in a table and null in JSON. */
static int set_cell(struct libscols_line *ln, size_t col, bool json,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int set_cell(struct libscols_line *ln, size_t col, bool json,
		    const char *fmt, ...)
{
	char *data = NULL;
	va_list ap;

	if (!fmt)
		return json ? 0 : scols_line_set_data(ln, col, "-");
	va_start(ap, fmt);
	if (vasprintf(&data, fmt, ap) < 0) {
		va_end(ap);
		return -ENOMEM;
	}
	va_end(ap);
	return scols_line_refer_data(ln, col, data);
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

/* Every column's text for one CPU; NULL where unknown. */
static int cpu_cells(const struct cpuiso_system *sys, const struct cpuiso_cpu *cpu,
		     const struct cpuiso_change_cpu *outlook, enum cpuiso_backend backend,
		     char *cells[_COL_MAX])
{
	int hp = cpuiso_cpu_get_hotplug_state(cpu);
	const char *hpname = hp >= 0 ? cpuiso_system_hotplug_state_name(sys, hp) : NULL;
	int node = cpuiso_cpu_get_node(cpu);
	int pkg = cpuiso_cpu_get_package(cpu);
	int core = cpuiso_cpu_get_core(cpu);
	bool present = cpuiso_cpuset_test(cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT),
					  cpuiso_cpu_get_id(cpu));
	bool have_nohz = cpuiso_system_get_mask(sys, CPUISO_MASK_NOHZ_FULL);
	bool have_nocbs = cpuiso_system_get_mask(sys, CPUISO_MASK_RCU_NOCBS);
	int r = 0;

	r |= asprintf(&cells[COL_CPU], "%u", cpuiso_cpu_get_id(cpu)) < 0;
	r |= node >= 0 && asprintf(&cells[COL_NODE], "%d", node) < 0;
	r |= pkg >= 0 && asprintf(&cells[COL_SOCKET], "%d", pkg) < 0;
	r |= core >= 0 && asprintf(&cells[COL_CORE], "%d", core) < 0;
	cells[COL_ONLINE] = strdup(yesno(cpuiso_cpu_is_online(cpu)));
	/* a possible CPU that is not plugged in is not merely offline */
	cells[COL_STATE] = strdup(present ? cpuiso_state_to_string(cpuiso_cpu_get_state(cpu)) :
				  "absent");
	cells[COL_ISOLATED] = strdup(yesno(cpuiso_cpu_is_isolated(cpu)));
	if (have_nohz)
		cells[COL_NOHZ_FULL] = strdup(yesno(cpuiso_cpu_is_nohz_full(cpu)));
	if (have_nocbs)
		cells[COL_RCU_NOCB] = strdup(yesno(cpuiso_cpu_is_rcu_nocb(cpu)));
	if (cpuiso_cpu_get_deferral(cpu) >= 0)
		cells[COL_DEFER] = strdup(yesno(cpuiso_cpu_get_deferral(cpu) > 0));
	r |= hp >= 0 && asprintf(&cells[COL_HPSTATE], "%d", hp) < 0;
	if (hpname)
		cells[COL_HOTPLUG] = strdup(hpname);
	cells[COL_BACKEND] = strdup(cpuiso_backend_to_string(backend));
	if (outlook) {
		enum cpuiso_outcome o = cpuiso_change_cpu_get_outcome(outlook);
		const char *msg = cpuiso_change_cpu_get_message(outlook);
		char *needs = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&needs, &len);

		r |= asprintf(&cells[COL_ISOLATE], "%s%s%s",
			      o == CPUISO_OUTCOME_PLANNED ? "yes" :
			      o == CPUISO_OUTCOME_UNCHANGED ? "already" : "no",
			      msg ? ": " : "", msg ? msg : "") < 0;
		for (int p = 0; f && p < _CPUISO_PROP_MAX; p++) {
			const char *detail;

			if (cpuiso_change_cpu_get_property(outlook, p, &detail) ==
			    CPUISO_ACHIEVED_BOOT_PARAM && detail && !strchr(detail, ' '))
				fprintf(f, "%s%s", ftell(f) ? "," : "", detail);
		}
		if (f)
			fclose(f);
		if (needs && !*needs) {	/* nothing: "-" in a table, null in JSON */
			free(needs);
			needs = NULL;
		}
		cells[COL_NEEDS] = needs;
	}
	return r ? -ENOMEM : 0;
}

static int add_cpu_row(struct libscols_table *tb, bool json,
		       const struct cpuiso_system *sys, const struct cpuiso_cpu *cpu,
		       const struct cpuiso_change_cpu *outlook,
		       enum cpuiso_backend backend, const int *sel, size_t nsel)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char *cells[_COL_MAX] = { NULL };
	int r;

	if (!ln)
		return -ENOMEM;
	r = cpu_cells(sys, cpu, outlook, backend, cells);
	for (size_t k = 0; r == 0 && k < nsel; k++) {
		char *v = cells[sel[k]];

		cells[sel[k]] = NULL;
		r = v ? scols_line_refer_data(ln, k, v) :
		    json ? 0 : scols_line_set_data(ln, k, "-");
	}
	for (size_t i = 0; i < _COL_MAX; i++)
		free(cells[i]);
	return r < 0 ? -ENOMEM : 0;
}

/* -o LIST (or +LIST, added to the default): column numbers in @sel. */
static int parse_columns(const char *arg, int *sel, size_t *nsel)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	*nsel = 0;
	if (*arg == '+') {
		for (int i = 0; i < _COL_DEFAULT; i++)
			sel[(*nsel)++] = i;
		arg++;
	}
	copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < _COL_MAX; i++)
			if (!strcasecmp(t, cpu_columns[i].name))
				break;
		if (i == _COL_MAX) {
			warnx_("status: unknown column '%s'", t);
			return -EINVAL;
		}
		if (*nsel == _COL_MAX * 2)
			return -E2BIG;
		sel[(*nsel)++] = i;
	}
	return *nsel ? 0 : -EINVAL;
}

static int add_cap_rows(struct libscols_table *tb, bool json,
			const struct cpuiso_probe *probe)
{
	for (int cap = 0; cap < _CPUISO_CAP_MAX; cap++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		const char *reason;
		enum cpuiso_avail a = cpuiso_probe_get(probe, cap, &reason);
		int r = 0;

		if (!ln)
			return -ENOMEM;
		r |= set_cell(ln, CAP_NAME, json, "%s", cpuiso_cap_to_string(cap));
		r |= set_cell(ln, CAP_AVAIL, json, "%s", cpuiso_avail_to_string(a));
		r |= set_cell(ln, CAP_REASON, json, "%s", reason ? reason : "");
		if (r)
			return -ENOMEM;
	}
	return 0;
}

/* One row per container record: its CPUs, those its start isolated. */
static int add_container_rows(struct libscols_table *tb, bool json,
			      const struct cpuiso_claims *claims)
{
	for (size_t i = 0; i < cpuiso_claims_count(claims); i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		_cleanup_free_ char *cpus = NULL, *iso = NULL;
		int r = 0;

		if (!ln ||
		    cpuiso_cpuset_format(cpuiso_claims_get_cpus(claims, i), &cpus) < 0 ||
		    cpuiso_cpuset_format(cpuiso_claims_get_isolated(claims, i), &iso) < 0)
			return -ENOMEM;
		r |= set_cell(ln, CTR_NAME, json, "%s", cpuiso_claims_get_owner(claims, i));
		r |= set_cell(ln, CTR_CPUS, json, "%s", cpus);
		r |= set_cell(ln, CTR_ISOLATED, json, "%s", iso);
		r |= set_cell(ln, CTR_PID, json, "%d", cpuiso_claims_get_pid(claims, i, NULL));
		if (r)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The overall answer, as one more capability row: which backend an
 * isolate would use here, and what the CPUs it could isolate would
 * still need from the kernel command line.
 */
static int add_isolate_row(struct libscols_table *tb, bool json,
			   const struct cpuiso_change_result *outlook)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char *needs = NULL;
	size_t len = 0, can = 0;
	FILE *f = open_memstream(&needs, &len);
	int r = 0;

	if (!ln || !f) {
		if (f)
			fclose(f);
		free(needs);
		return -ENOMEM;
	}
	for (int p = 0; p < _CPUISO_PROP_MAX; p++) {
		const char *param = NULL;

		for (size_t i = 0; i < cpuiso_change_result_nr_cpus(outlook); i++) {
			const struct cpuiso_change_cpu *c = cpuiso_change_result_get_cpu(outlook, i);
			const char *detail;

			if (cpuiso_change_cpu_get_outcome(c) != CPUISO_OUTCOME_PLANNED)
				continue;
			if (p == 0)
				can++;
			if (cpuiso_change_cpu_get_property(c, p, &detail) ==
			    CPUISO_ACHIEVED_BOOT_PARAM && detail && !strchr(detail, ' '))
				param = detail;
		}
		if (param)
			fprintf(f, "%s%s needs %s", ftell(f) ? ", " : "",
				cpuiso_property_to_string(p), param);
	}
	fclose(f);
	r |= set_cell(ln, CAP_NAME, json, "isolate");
	r |= set_cell(ln, CAP_AVAIL, json, "%s", can ? "yes" : "no");
	r |= set_cell(ln, CAP_REASON, json, "%s backend, %zu CPU(s) can be isolated%s%s",
		      cpuiso_backend_to_string(cpuiso_change_result_get_backend(outlook)),
		      can, *needs ? "; " : "", needs);
	free(needs);
	return r ? -ENOMEM : 0;
}

/*
 * libsmartcols prints each table as its own JSON object; one document
 * holds both, so splice their members into one object.
 */
static int print_json(struct libscols_table **tables, size_t n)
{
	fputs("{\n", stdout);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *s = NULL;
		char *body, *end;

		if (scols_print_table_to_string(tables[i], &s) < 0)
			return -ENOMEM;
		body = strchr(s, '\n');		/* after the opening "{" */
		end = strrchr(s, '}');		/* the closing one */
		if (!body || !end || end < body)
			return -EBADMSG;
		while (end > body && end[-1] == '\n')
			end--;
		*end = '\0';
		printf("%s%s\n", body + 1, i + 1 < n ? "," : "");
	}
	fputs("}\n", stdout);
	return 0;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	enum { OPT_NOHEADINGS = 0x100, OPT_RAW };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "noheadings", no_argument, NULL, OPT_NOHEADINGS },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_probe_freep) struct cpuiso_probe *probe = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *want = NULL;
	_cleanup_(scols_unref_tablep) struct libscols_table *cpus = NULL;
	_cleanup_(scols_unref_tablep) struct libscols_table *caps = NULL;
	_cleanup_(scols_unref_tablep) struct libscols_table *ctrs = NULL;
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	_cleanup_(cpuiso_change_result_freep) struct cpuiso_change_result *outlook = NULL;
	struct table_opts topts = { 0 };
	const struct cpuiso_cpuset *show;
	int sel[_COL_MAX * 2];
	size_t nsel = _COL_DEFAULT;
	bool custom = false;
	int c, cpu, r;
	size_t row = 0;

	for (int i = 0; i < _COL_DEFAULT; i++)
		sel[i] = i;
	optind = 0;	/* options may follow the CPU list */
	while ((c = getopt_long(argc, argv, "Jo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			cli_set_json(cli);
			break;
		case 'o':
			if (parse_columns(optarg, sel, &nsel) < 0)
				return usage_error("status", NULL);
			custom = true;
			break;
		case OPT_NOHEADINGS:
			topts.noheadings = true;
			break;
		case OPT_RAW:
			topts.raw = true;
			break;
		case 'h':
			puts("Usage: cpuiso status [options] [CPULIST]\n\n"
			     "Show the CPUs, their isolation and what this kernel offers.\n\nOptions:\n"
			     " -J, --json           use JSON output format\n"
			     " -o, --output LIST    the CPU table's columns (+LIST adds to the default)\n"
			     "     --noheadings     do not print headings\n"
			     "     --raw            use the raw output format\n"
			     " -h, --help           display this help\n\n"
			     "Columns: CPU NODE SOCKET CORE ONLINE STATE ISOLATED NOHZ_FULL RCU_NOCB\n"
			     "         DEFER HPSTATE HOTPLUG, and on request BACKEND (what isolate would use),\n"
			     "         ISOLATE (whether it would) and NEEDS (boot parameters it needs)");
			return EXIT_OK;
		default:
			return usage_error("status", NULL);
		}
	}
	if (argc - optind > 1)
		return usage_error("status", "takes at most one CPU list");
	topts.json = cli->json;

	if (read_system(cli, &sys) < 0)
		return EXIT_FAIL;
	if (optind < argc) {
		if (parse_cpulist_arg(sys, argv[optind], &want) < 0)
			return EXIT_USAGE;
		show = want;
	} else {
		show = cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	}
	r = cpuiso_probe_run(cli->ctx, &probe);
	if (r < 0) {
		warnx_("capability probe failed: %s", strerror(-r));
		return EXIT_FAIL;
	}
	/* what an isolate would do, for every CPU: the per-CPU columns and the overall row */
	{
		r = cpuiso_change_outlook(cli->ctx, sys,
					  cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE),
					  &outlook);
		if (r < 0) {
			warnx_("cannot tell what isolation would do here: %s", strerror(-r));
			return EXIT_FAIL;
		}
	}

	cpus = new_table("cpus", &topts, cpu_columns, _COL_MAX, sel, nsel);
	caps = new_table("capabilities", &topts, cap_columns, _CAP_COL_MAX, NULL, 0);
	if (!cpus || !caps)
		return EXIT_FAIL;
	cpuiso_cpuset_foreach(cpu, cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE)) {
		const struct cpuiso_change_cpu *o = cpuiso_change_result_get_cpu(outlook, row++);

		if (cpuiso_cpuset_test(show, cpu) &&
		    add_cpu_row(cpus, cli->json, sys, cpuiso_system_get_cpu(sys, cpu), o,
				cpuiso_change_result_get_backend(outlook), sel, nsel) < 0)
			return EXIT_FAIL;
	}
	if (add_cap_rows(caps, cli->json, probe) < 0 ||
	    add_isolate_row(caps, cli->json, outlook) < 0)
		return EXIT_FAIL;
	/* containers' CPUs: a table only when some container has them */
	r = cpuiso_claims_read(cli->ctx, cpuiso_system_nr_cpus(sys), &claims);
	if (r < 0) {
		warnx_("cannot read the container records: %s", strerror(-r));
		return EXIT_FAIL;
	}
	if (cpuiso_claims_count(claims)) {
		ctrs = new_table("containers", &topts, container_columns,
				 _CTR_COL_MAX, NULL, 0);
		if (!ctrs || add_container_rows(ctrs, cli->json, claims) < 0)
			return EXIT_FAIL;
	}

	if (cli->json) {
		struct libscols_table *all[] = { cpus, caps, ctrs };

		return print_json(all, ctrs ? 3 : 2) < 0 ? EXIT_FAIL : EXIT_OK;
	}
	scols_print_table(cpus);
	/* -o asks for the CPU table: the capabilities stay out of it */
	if (!custom && !topts.noheadings && !topts.raw) {
		fputc('\n', stdout);
		scols_print_table(caps);
		if (ctrs) {
			fputc('\n', stdout);
			scols_print_table(ctrs);
		}
	}
	return EXIT_OK;
}
