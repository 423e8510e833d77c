// SPDX-License-Identifier: GPL-2.0-or-later
/* cpuiso status: a table of CPUs like `lscpu -e`, then the capabilities. */
#include <errno.h>
#include <getopt.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libscols_table *, scols_unref_table)

enum col_kind { COL_STRING, COL_NUMBER, COL_BOOL };

/* The CPU table, one row per possible CPU; JSON names are lower case. */
enum {
	COL_CPU, COL_NODE, COL_SOCKET, COL_CORE, COL_ONLINE, COL_STATE,
	COL_ISOLATED, COL_NOHZ_FULL, COL_RCU_NOCB, COL_HPSTATE, COL_HOTPLUG,
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
	[COL_HPSTATE] = { "HPSTATE", COL_NUMBER },
	[COL_HOTPLUG] = { "HOTPLUG", COL_STRING },
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

static struct libscols_table *new_table(const char *name, bool json,
					const struct column *cols, size_t n)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, json);
	for (size_t i = 0; i < n; i++) {
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
		if (json) {
			scols_column_set_json_type(cl,
				cols[i].kind == COL_NUMBER ? SCOLS_JSON_NUMBER :
				cols[i].kind == COL_BOOL ? SCOLS_JSON_BOOLEAN :
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

static int add_cpu_row(struct libscols_table *tb, bool json,
		       const struct cpuiso_system *sys,
		       const struct cpuiso_cpu *cpu)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	int hp = cpuiso_cpu_get_hotplug_state(cpu);
	const char *hpname = hp >= 0 ? cpuiso_system_hotplug_state_name(sys, hp) : NULL;
	int node = cpuiso_cpu_get_node(cpu);
	int pkg = cpuiso_cpu_get_package(cpu);
	int core = cpuiso_cpu_get_core(cpu);
	bool online = cpuiso_cpu_is_online(cpu);
	bool have_nohz = cpuiso_system_get_mask(sys, CPUISO_MASK_NOHZ_FULL);
	bool have_nocbs = cpuiso_system_get_mask(sys, CPUISO_MASK_RCU_NOCBS);
	int r = 0;

	if (!ln)
		return -ENOMEM;
	r |= set_cell(ln, COL_CPU, json, "%u", cpuiso_cpu_get_id(cpu));
	r |= node >= 0 ? set_cell(ln, COL_NODE, json, "%d", node) :
			 set_cell(ln, COL_NODE, json, NULL);
	r |= pkg >= 0 ? set_cell(ln, COL_SOCKET, json, "%d", pkg) :
			set_cell(ln, COL_SOCKET, json, NULL);
	r |= core >= 0 ? set_cell(ln, COL_CORE, json, "%d", core) :
			 set_cell(ln, COL_CORE, json, NULL);
	r |= set_cell(ln, COL_ONLINE, json, "%s", yesno(online));
	r |= set_cell(ln, COL_STATE, json, "%s",
		      cpuiso_state_to_string(cpuiso_cpu_get_state(cpu)));
	r |= set_cell(ln, COL_ISOLATED, json, "%s",
		      yesno(cpuiso_cpu_is_isolated(cpu)));
	r |= have_nohz ? set_cell(ln, COL_NOHZ_FULL, json, "%s",
				  yesno(cpuiso_cpu_is_nohz_full(cpu))) :
			 set_cell(ln, COL_NOHZ_FULL, json, NULL);
	r |= have_nocbs ? set_cell(ln, COL_RCU_NOCB, json, "%s",
				   yesno(cpuiso_cpu_is_rcu_nocb(cpu))) :
			  set_cell(ln, COL_RCU_NOCB, json, NULL);
	r |= hp >= 0 ? set_cell(ln, COL_HPSTATE, json, "%d", hp) :
		       set_cell(ln, COL_HPSTATE, json, NULL);
	r |= hpname ? set_cell(ln, COL_HOTPLUG, json, "%s", hpname) :
		      set_cell(ln, COL_HOTPLUG, json, NULL);
	return r ? -ENOMEM : 0;
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
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
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
	const struct cpuiso_cpuset *show;
	int c, cpu, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			cli_set_json(cli);
			break;
		case 'h':
			puts("Usage: cpuiso status [-J] [CPULIST]");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		warnx_("status takes at most one CPU list");
		return EXIT_USAGE;
	}

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

	cpus = new_table("cpus", cli->json, cpu_columns, _COL_MAX);
	caps = new_table("capabilities", cli->json, cap_columns, _CAP_COL_MAX);
	if (!cpus || !caps)
		return EXIT_FAIL;
	cpuiso_cpuset_foreach(cpu, show)
		if (add_cpu_row(cpus, cli->json, sys,
				cpuiso_system_get_cpu(sys, cpu)) < 0)
			return EXIT_FAIL;
	if (add_cap_rows(caps, cli->json, probe) < 0)
		return EXIT_FAIL;
	/* containers' CPUs: a table only when some container has them */
	r = cpuiso_claims_read(cli->ctx, cpuiso_system_nr_cpus(sys), &claims);
	if (r < 0) {
		warnx_("cannot read the container records: %s", strerror(-r));
		return EXIT_FAIL;
	}
	if (cpuiso_claims_count(claims)) {
		ctrs = new_table("containers", cli->json, container_columns,
				 _CTR_COL_MAX);
		if (!ctrs || add_container_rows(ctrs, cli->json, claims) < 0)
			return EXIT_FAIL;
	}

	if (cli->json) {
		struct libscols_table *all[] = { cpus, caps, ctrs };

		return print_json(all, ctrs ? 3 : 2) < 0 ? EXIT_FAIL : EXIT_OK;
	}
	scols_print_table(cpus);
	fputc('\n', stdout);
	scols_print_table(caps);
	if (ctrs) {
		fputc('\n', stdout);
		scols_print_table(ctrs);
	}
	return EXIT_OK;
}
