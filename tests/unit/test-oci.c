// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso-oci-hook: the OCI state and config.json parsers on good and
 * hostile input, and whole hook runs against a synthetic patched machine:
 * isolate at start, release at stop, refusals that change nothing,
 * records of dead containers reconciled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree.h"
#include "cleanup.h"
#include "oci.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_claims *, cpuiso_claims_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_cpuset *, cpuiso_cpuset_free)

/* ---- parsers ------------------------------------------------------------ */

static void test_state_good(void **unused)
{
	static const char text[] =
		"{\"ociVersion\": \"1.0.2\", \"id\": \"abc-1.x_y\", \"status\": \"creating\","
		" \"pid\": 42, \"bundle\": \"/run/b\","
		" \"annotations\": {\"cpuiso.io/isolate\": \"true\", \"other\": \"1\"}}\n";
	struct oci_state st;
	char *why = NULL;

	(void)unused;
	assert_int_equal(oci_state_parse(text, strlen(text), &st, &why), 0);
	assert_null(why);
	assert_string_equal(st.id, "abc-1.x_y");
	assert_string_equal(st.status, "creating");
	assert_string_equal(st.bundle, "/run/b");
	assert_string_equal(st.isolate, "true");
	assert_int_equal(st.pid, 42);
	oci_state_done(&st);
}

struct bad {
	const char *text;
	const char *msg;	/* in the refusal */
};

static void test_state_hostile(void **unused)
{
	static const struct bad cases[] = {
		{ "", "not JSON" },
		{ "not json", "not JSON" },
		{ "[]", "not a JSON object" },
		{ "\"str\"", "not a JSON object" },
		{ "{}", "no \"ociVersion\"" },
		{ "{\"ociVersion\": \"1\", \"bundle\": \"/b\"}", "no \"id\"" },
		{ "{\"ociVersion\": \"1\", \"id\": 7, \"bundle\": \"/b\"}", "\"id\" is a int" },
		{ "{\"ociVersion\": \"1\", \"id\": \"../../etc/passwd\", \"bundle\": \"/b\"}",
		  "is not 1 to 128" },
		{ "{\"ociVersion\": \"1\", \"id\": \".hidden\", \"bundle\": \"/b\"}",
		  "is not 1 to 128" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a/b\", \"bundle\": \"/b\"}", "is not 1 to 128" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\\nb\", \"bundle\": \"/b\"}", "a\\x0ab" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\\u0000b\", \"bundle\": \"/b\"}",
		  "NUL character" },
		{ "{\"ociVersion\": \"1\", \"id\": \"\", \"bundle\": \"/b\"}", "is not 1 to 128" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\"}", "no \"bundle\"" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"rel/dir\"}",
		  "not an absolute path" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": [\"/b\"]}", "is a array" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"pid\": \"42\"}",
		  "not a process id" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"pid\": -1}",
		  "not a process id" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"pid\": 1e30}",
		  "not a process id" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"pid\": 99999999999}",
		  "not a process id" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"status\": 1}",
		  "\"status\" is a int" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\", \"annotations\": []}",
		  "\"annotations\" is a array" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\","
		  " \"annotations\": {\"cpuiso.io/isolate\": true}}",
		  "\"cpuiso.io/isolate\" is a boolean" },
		{ "{\"ociVersion\": \"1\", \"id\": \"c\", \"bundle\": \"/b\"} {}",
		  "more than one JSON value" },
	};
	char id[200];

	(void)unused;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct oci_state st;
		char *why = NULL;

		print_message("state: %s\n", cases[i].text);
		assert_true(oci_state_parse(cases[i].text, strlen(cases[i].text),
					    &st, &why) < 0);
		assert_non_null(why);
		if (!strstr(why, cases[i].msg))
			fail_msg("'%s' does not say '%s'", why, cases[i].msg);
		assert_null(st.id);
		free(why);
	}

	/* an id of 129 characters, one with a NUL in the middle of the input */
	memset(id, 'a', 129);
	id[129] = '\0';
	{
		_cleanup_free_ char *text = NULL, *why = NULL;
		struct oci_state st;

		assert_true(asprintf(&text, "{\"ociVersion\":\"1\",\"id\":\"%s\",\"bundle\":\"/b\"}",
				     id) > 0);
		assert_true(oci_state_parse(text, strlen(text), &st, &why) < 0);
		assert_non_null(strstr(why, "..."));	/* quoted, cut */
	}
	{
		static const char text[] = "{\"ociVersion\":\"1\"}\0{\"id\":1}";
		_cleanup_free_ char *why = NULL;
		struct oci_state st;

		assert_true(oci_state_parse(text, sizeof(text) - 1, &st, &why) < 0);
		assert_non_null(strstr(why, "NUL byte"));
	}
}

static void test_state_huge_and_deep(void **unused)
{
	size_t n = OCI_STATE_MAX + 10, depth = 100000;
	_cleanup_free_ char *big = malloc(n + 1), *deep = malloc(2 * depth + 1);
	_cleanup_free_ char *why = NULL, *why2 = NULL;
	struct oci_state st;

	(void)unused;
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	assert_int_equal(oci_state_parse(big, n, &st, &why), -EFBIG);
	assert_non_null(strstr(why, "larger than"));

	/* nesting far beyond any real state: refused, no stack overflow */
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	assert_int_equal(oci_state_parse(deep, 2 * depth, &st, &why2), -EINVAL);
	assert_non_null(strstr(why2, "not JSON"));
}

static void test_config(void **unused)
{
	static const struct bad cases[] = {
		{ "{\"linux\": []}", "\"linux\" is a array" },
		{ "{\"linux\": {\"resources\": 1}}", "\"resources\" is a int" },
		{ "{\"linux\": {\"resources\": {\"cpu\": \"0-3\"}}}", "\"cpu\" is a string" },
		{ "{\"linux\": {\"resources\": {\"cpu\": {\"cpus\": 3}}}}", "\"cpus\" is a int" },
		{ "{\"linux\": {\"resources\": {\"cpu\": {\"cpus\": [\"1\"]}}}}", "\"cpus\" is a array" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": 1}}", "is a int" },
		{ "{\"annotations\": \"x\"}", "\"annotations\" is a string" },
		{ "{", "not JSON" },
	};
	static const char good[] =
		"{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		" \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"2-3\", \"shares\": 1024}}}}";
	struct oci_config cfg;
	char *why = NULL;

	(void)unused;
	assert_int_equal(oci_config_parse(good, strlen(good), &cfg, &why), 0);
	assert_string_equal(cfg.cpus, "2-3");
	assert_string_equal(cfg.isolate, "true");
	assert_true(cfg.has_isolate);
	oci_config_done(&cfg);

	/* nothing asked, nothing given: not an error */
	assert_int_equal(oci_config_parse("{}", 2, &cfg, &why), 0);
	assert_null(cfg.cpus);
	assert_false(cfg.has_isolate);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		print_message("config: %s\n", cases[i].text);
		assert_true(oci_config_parse(cases[i].text, strlen(cases[i].text),
					     &cfg, &why) < 0);
		if (!why || !strstr(why, cases[i].msg))
			fail_msg("'%s' does not say '%s'", why ? why : "(null)",
				 cases[i].msg);
		assert_null(cfg.cpus);
		free(why);
		why = NULL;
	}
}

static void test_stage(void **unused)
{
	enum oci_stage s;
	char *why = NULL;

	(void)unused;
	assert_int_equal(oci_stage_get(NULL, "creating", &s, &why), 0);
	assert_int_equal(s, OCI_STAGE_ISOLATE);
	assert_int_equal(oci_stage_get(NULL, "stopped", &s, &why), 0);
	assert_int_equal(s, OCI_STAGE_RELEASE);
	assert_int_equal(oci_stage_get("createRuntime", "running", &s, &why), 0);
	assert_int_equal(s, OCI_STAGE_ISOLATE);
	assert_int_equal(oci_stage_get("prestart", NULL, &s, &why), 0);
	assert_int_equal(s, OCI_STAGE_ISOLATE);
	assert_int_equal(oci_stage_get("poststop", "creating", &s, &why), 0);
	assert_int_equal(s, OCI_STAGE_RELEASE);

	assert_int_equal(oci_stage_get(NULL, "running", &s, &why), -EINVAL);
	assert_non_null(strstr(why, "pass the stage"));
	free(why);
	why = NULL;
	assert_int_equal(oci_stage_get(NULL, NULL, &s, &why), -EINVAL);
	free(why);
	why = NULL;
	assert_int_equal(oci_stage_get("poststart", NULL, &s, &why), -EINVAL);
	assert_non_null(strstr(why, "unknown stage"));
	free(why);
}

/* ---- whole runs on a synthetic machine ---------------------------------- */

struct fix {
	char *root;
	char *bundle;		/* root/bundle */
	struct cpuiso_ctx *ctx;
	struct oci_hook h;
	char *proc;		/* root/proc-fake: the "running" processes */
};

/* A patched 4-CPU machine, CPUs 1-3 hotpluggable, and a fake /proc. */
static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char path[128];

	f->root = tree_new_machine(4);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/state", i);
		tree_write(f->root, path, "online\n");
		if (i == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", i);
		tree_write(f->root, path, "1\n");
	}
	tree_mkdir(f->root, "/run");
	tree_mkdir(f->root, "/bundle");
	tree_mkdir(f->root, "/proc-fake");
	assert_true(asprintf(&f->bundle, "%s/bundle", f->root) > 0);
	assert_true(asprintf(&f->proc, "%s/proc-fake", f->root) > 0);
	assert_int_equal(cpuiso_ctx_new(f->root, &f->ctx), 0);
	f->h = (struct oci_hook){ .ctx = f->ctx, .proc = f->proc };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	cpuiso_ctx_unref(f->ctx);
	free(f->bundle);
	free(f->proc);
	tree_free(f->root);
	free(f);
	return 0;
}

/* A running process @pid started at @start (field 22 of its stat). */
static void proc_add(struct fix *f, int pid, unsigned long long start)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "/proc-fake/%d/stat", pid);
	snprintf(text, sizeof(text),
		 "%d (odd ) name) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1 1\n",
		 pid, start);
	tree_write(f->root, rel, text);
}

static void proc_kill(struct fix *f, int pid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/proc-fake/%d/stat", f->root, pid);
	assert_int_equal(unlink(path), 0);
}

/* config.json of a container in its own bundle directory @name */
static char *bundle(struct fix *f, const char *name, const char *text)
{
	char rel[256], *dir;

	snprintf(rel, sizeof(rel), "/bundle/%s/config.json", name);
	tree_write(f->root, rel, text);
	assert_true(asprintf(&dir, "%s/%s", f->bundle, name) > 0);
	return dir;
}

static char *isolated_config(const char *cpus)
{
	char *text;

	assert_true(asprintf(&text,
			     "{\"ociVersion\": \"1.0.2\", \"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
			     " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"%s\"}}}}",
			     cpus) > 0);
	return text;
}

/* One hook run: container @id, process @pid, in @bundle_dir, @status. */
static int run(struct fix *f, const char *id, int pid, const char *bundle_dir,
	       const char *status, char **why)
{
	_cleanup_free_ char *state = NULL;

	assert_true(asprintf(&state,
			     "{\"ociVersion\": \"1.0.2\", \"id\": \"%s\", \"status\": \"%s\","
			     " \"pid\": %d, \"bundle\": \"%s\"}",
			     id, status, pid, bundle_dir) > 0);
	free(*why);
	*why = NULL;
	return oci_hook_run(&f->h, state, strlen(state), why);
}

static const char *state_of(struct fix *f, int cpu)
{
	static char buf[4][32];
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/state",
		 f->root, cpu);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf[cpu], sizeof(buf[cpu]), fp))
		strcpy(buf[cpu], "?");
	if (fp)
		fclose(fp);
	buf[cpu][strcspn(buf[cpu], "\n")] = '\0';
	return buf[cpu];
}

/* The four CPUs' states and the records, as one string to compare. */
static char *snapshot(struct fix *f)
{
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	char *s = NULL, *t;

	assert_true(asprintf(&s, "%s %s %s %s |", state_of(f, 0), state_of(f, 1),
			     state_of(f, 2), state_of(f, 3)) > 0);
	assert_int_equal(cpuiso_claims_read(f->ctx, 64, &claims), 0);
	for (size_t i = 0; i < cpuiso_claims_count(claims); i++) {
		_cleanup_free_ char *c = NULL, *iso = NULL;

		assert_int_equal(cpuiso_cpuset_format(cpuiso_claims_get_cpus(claims, i), &c), 0);
		assert_int_equal(cpuiso_cpuset_format(cpuiso_claims_get_isolated(claims, i), &iso), 0);
		assert_true(asprintf(&t, "%s %s:%s/%s", s, cpuiso_claims_get_owner(claims, i),
				     c, iso) > 0);
		free(s);
		s = t;
	}
	return s;
}

static void test_isolate_release(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *cfg = isolated_config("1-2"), *b = bundle(f, "a", cfg);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "ctr-a", 100, b, "creating", &why), 0);
	snap = snapshot(f);
	assert_string_equal(snap, "online isolated isolated online | ctr-a:1-2/1-2");

	/* createRuntime and prestart both configured: the second is a no-op */
	assert_int_equal(run(f, "ctr-a", 100, b, "creating", &why), 0);

	assert_int_equal(run(f, "ctr-a", 0, b, "stopped", &why), 0);
	free(snap);
	snap = snapshot(f);
	assert_string_equal(snap, "online online online online |");

	/* a poststop of a container that isolated nothing: nothing to do */
	assert_int_equal(run(f, "never-started", 0, b, "stopped", &why), 0);
}

/* A CPU isolated by hand (or policy) before the start stays isolated. */
static void test_keeps_hand_isolated(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *cfg = isolated_config("2-3"), *b = bundle(f, "a", cfg);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	tree_write(f->root, "/sys/devices/system/cpu/cpu3/state", "isolated\n");
	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "ctr-a", 100, b, "creating", &why), 0);
	snap = snapshot(f);
	assert_string_equal(snap, "online online isolated isolated | ctr-a:2-3/2");
	assert_int_equal(run(f, "ctr-a", 100, b, "stopped", &why), 0);
	free(snap);
	snap = snapshot(f);
	assert_string_equal(snap, "online online online isolated |");
}

/* Not annotated, annotated "false", a sandbox: the hook does nothing. */
static void test_not_asked(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *b1 = bundle(f, "a",
		"{\"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"1\"}}}}");
	_cleanup_free_ char *b2 = bundle(f, "b",
		"{\"annotations\": {\"cpuiso.io/isolate\": \"false\"},"
		" \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"1\"}}}}");
	_cleanup_free_ char *why = NULL, *snap = NULL;

	/* a pod's sandbox gets the pod's annotations, but no exclusive CPU */
	_cleanup_free_ char *b3 = bundle(f, "pause",
		"{\"annotations\": {\"cpuiso.io/isolate\": \"true\","
		" \"io.kubernetes.cri-o.ContainerType\": \"sandbox\"}}");
	_cleanup_free_ char *b4 = bundle(f, "pause2",
		"{\"annotations\": {\"cpuiso.io/isolate\": \"true\","
		" \"io.kubernetes.cri.container-type\": \"sandbox\"},"
		" \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-3\"}}}}");

	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "a", 100, b1, "creating", &why), 0);
	assert_int_equal(run(f, "b", 100, b2, "creating", &why), 0);
	assert_int_equal(run(f, "pause", 100, b3, "creating", &why), 0);
	assert_int_equal(run(f, "pause2", 100, b4, "creating", &why), 0);
	snap = snapshot(f);
	assert_string_equal(snap, "online online online online |");
}

/* Refused starts: a clear message, and the machine and records untouched. */
static void test_refusals(void **state)
{
	struct fix *f = *state;
	static const struct {
		const char *config;	/* NULL: no config.json at all */
		const char *msg;
	} cases[] = {
		{ NULL, "cannot open the bundle's config.json" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"}}",
		  "has no linux.resources.cpu.cpus" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"yes\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"1\"}}}}",
		  "is \"yes\", not \"true\" or \"false\"" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"one\"}}}}",
		  "is not a CPU list" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"1-2,\\u001b[31m\"}}}}",
		  "\\x1b[31m" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-8191\"}}}}",
		  "beyond this machine's 64" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"99999999999999999999\"}}}}",
		  "linux.resources.cpu.cpus" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"\"}}}}",
		  "names no CPU" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"5\"}}}}",
		  "CPU 5 of the container is not present" },
		/* CPU 0 cannot go offline: the library's validation says so */
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-1\"}}}}",
		  "CPU 0 cannot go offline" },
		{ "{\"annotations\": {\"cpuiso.io/isolate\": \"true\"},"
		  " \"linux\": {\"resources\": [1]}}",
		  "\"resources\" is a array" },
	};
	_cleanup_free_ char *before = NULL;

	proc_add(f, 100, 5000);
	before = snapshot(f);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *why = NULL, *after = NULL, *b = NULL;
		char name[16];

		snprintf(name, sizeof(name), "c%zu", i);
		if (cases[i].config)
			b = bundle(f, name, cases[i].config);
		else
			assert_true(asprintf(&b, "%s/does-not-exist", f->bundle) > 0);
		print_message("config: %s\n", cases[i].config ? cases[i].config : "(none)");
		assert_true(run(f, name, 100, b, "creating", &why) < 0);
		if (!why || !strstr(why, cases[i].msg))
			fail_msg("'%s' does not say '%s'", why ? why : "(null)",
				 cases[i].msg);
		after = snapshot(f);
		assert_string_equal(after, before);
	}
}

/* A cpuset of 600000 characters: refused, and the message stays short. */
static void test_huge_cpuset_string(void **state)
{
	struct fix *f = *state;
	size_t n = 300000;
	_cleanup_free_ char *list = malloc(2 * n + 2), *cfg = NULL, *b = NULL;
	_cleanup_free_ char *why = NULL, *snap = NULL;

	for (size_t i = 0; i < n; i++)
		memcpy(list + 2 * i, "1,", 2);
	strcpy(list + 2 * n, "x");
	cfg = isolated_config(list);
	b = bundle(f, "huge", cfg);
	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "huge", 100, b, "creating", &why), -EINVAL);
	assert_non_null(strstr(why, "is not a CPU list"));
	assert_non_null(strstr(why, "1,1,1,..."));
	assert_true(strlen(why) < 300);
	snap = snapshot(f);
	assert_string_equal(snap, "online online online online |");
}

/* A FIFO as config.json is refused at once, not waited on. */
static void test_config_fifo(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *b = NULL, *path = NULL, *why = NULL, *snap = NULL;

	tree_mkdir(f->root, "/bundle/fifo");
	assert_true(asprintf(&b, "%s/fifo", f->bundle) > 0);
	assert_true(asprintf(&path, "%s/config.json", b) > 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "ctr", 100, b, "creating", &why), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	snap = snapshot(f);
	assert_string_equal(snap, "online online online online |");
}

/* Two containers never share a CPU; the last housekeeping CPU stays. */
static void test_shared_and_last(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *ca = isolated_config("1"), *ba = bundle(f, "a", ca);
	_cleanup_free_ char *cb = isolated_config("1-2"), *bb = bundle(f, "b", cb);
	_cleanup_free_ char *cc = isolated_config("2-3"), *bc = bundle(f, "c", cc);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	proc_add(f, 100, 5000);
	proc_add(f, 200, 6000);
	assert_int_equal(run(f, "a", 100, ba, "creating", &why), 0);
	assert_int_equal(run(f, "b", 200, bb, "creating", &why), -EBUSY);
	assert_non_null(strstr(why, "CPU 1 belongs to container a"));
	snap = snapshot(f);
	assert_string_equal(snap, "online isolated online online | a:1/1");

	/* CPU 0 isolated by hand: 2-3 would leave no housekeeping CPU */
	tree_write(f->root, "/sys/devices/system/cpu/cpu0/state", "isolated\n");
	assert_int_equal(run(f, "c", 200, bc, "creating", &why), -EBUSY);
	assert_non_null(strstr(why, "no online housekeeping CPU"));
	free(snap);
	snap = snapshot(f);
	assert_string_equal(snap, "isolated isolated online online | a:1/1");
}

/* Records of containers that died without poststop are reconciled. */
static void test_reconcile(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *ca = isolated_config("1"), *ba = bundle(f, "a", ca);
	_cleanup_free_ char *cb = isolated_config("2"), *bb = bundle(f, "b", cb);
	_cleanup_free_ char *cc = isolated_config("1"), *bc = bundle(f, "c", cc);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	proc_add(f, 100, 5000);
	proc_add(f, 200, 6000);
	assert_int_equal(run(f, "a", 100, ba, "creating", &why), 0);
	assert_int_equal(run(f, "b", 200, bb, "creating", &why), 0);

	/* a's process is gone; b's pid now names another process */
	proc_kill(f, 100);
	proc_add(f, 200, 9999);
	proc_add(f, 300, 7000);
	/* garbage among the records is left out, not fatal */
	tree_write(f->root, "/run/cpuiso/containers/junk", "cpus 3\n");
	assert_int_equal(run(f, "c", 300, bc, "creating", &why), 0);
	snap = snapshot(f);
	assert_string_equal(snap, "online isolated online online | c:1/1");
}

/* --reconcile: the records of gone containers only, nothing started. */
static void test_reconcile_only(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *ca = isolated_config("1"), *ba = bundle(f, "a", ca);
	_cleanup_free_ char *cb = isolated_config("2-3"), *bb = bundle(f, "b", cb);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	proc_add(f, 100, 5000);
	proc_add(f, 200, 6000);
	assert_int_equal(run(f, "a", 100, ba, "creating", &why), 0);
	assert_int_equal(run(f, "b", 200, bb, "creating", &why), 0);
	assert_int_equal(oci_hook_reconcile(&f->h, &why), 0);
	snap = snapshot(f);
	assert_string_equal(snap, "online isolated isolated isolated | a:1/1 b:2-3/2-3");

	proc_kill(f, 200);
	assert_int_equal(oci_hook_reconcile(&f->h, &why), 0);
	free(snap);
	snap = snapshot(f);
	assert_string_equal(snap, "online isolated online online | a:1/1");
}

/* The records: written whole, read back, hostile ones left out. */
static void test_records(void **state)
{
	static const struct {
		const char *name, *text;
	} bad[] = {
		{ "nomagic", "cpus 1\nisolated 1\npid 1\nstart 1\n" },
		{ "badmagic", "cpuiso-claim 2\ncpus 1\nisolated 1\npid 1\nstart 1\n" },
		{ "notsubset", "cpuiso-claim 1\ncpus 1\nisolated 1-2\npid 1\nstart 1\n" },
		{ "nocpus", "cpuiso-claim 1\nisolated 1\npid 1\nstart 1\n" },
		{ "badlist", "cpuiso-claim 1\ncpus one\nisolated 1\npid 1\nstart 1\n" },
		{ "range", "cpuiso-claim 1\ncpus 64\nisolated 64\npid 1\nstart 1\n" },
		{ "negpid", "cpuiso-claim 1\ncpus 1\nisolated 1\npid -1\nstart 1\n" },
		{ "bigpid", "cpuiso-claim 1\ncpus 1\nisolated 1\npid 99999999999\nstart 1\n" },
		{ "negstart", "cpuiso-claim 1\ncpus 1\nisolated 1\npid 1\nstart -1\n" },
		{ "unknown", "cpuiso-claim 1\ncpus 1\nisolated 1\nowner x\n" },
		{ "twice", "cpuiso-claim 1\ncpus 1\ncpus 2\nisolated 1\n" },
		{ "empty", "" },
	};
	struct fix *f = *state;
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL, *iso = NULL;
	unsigned long long start;
	char rel[128];

	(void)state;
	assert_int_equal(cpuiso_cpuset_parse("1-2", 64, &cpus, NULL), 0);
	assert_int_equal(cpuiso_cpuset_parse("2", 64, &iso, NULL), 0);
	assert_int_equal(cpuiso_claim_write(f->ctx, "good", cpus, iso, 7, 1234), 0);
	/* names that are not a plain file name, isolated CPUs not its own */
	assert_int_equal(cpuiso_claim_write(f->ctx, "../x", cpus, iso, 7, 1), -EINVAL);
	assert_int_equal(cpuiso_claim_write(f->ctx, ".x", cpus, iso, 7, 1), -EINVAL);
	assert_int_equal(cpuiso_claim_write(f->ctx, "x", iso, cpus, 7, 1), -EINVAL);
	assert_int_equal(cpuiso_claim_remove(f->ctx, "../../etc/passwd"), -EINVAL);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		snprintf(rel, sizeof(rel), "/run/cpuiso/containers/%s", bad[i].name);
		tree_write(f->root, rel, bad[i].text);
	}
	tree_mkdir(f->root, "/run/cpuiso/containers/adir");
	snprintf(rel, sizeof(rel), "%s/run/cpuiso/containers/fifo", f->root);
	assert_int_equal(mkfifo(rel, 0600), 0);
	{
		static const char nul[] = "cpuiso-claim 1\ncpus 1\0\nisolated 1\n";

		snprintf(rel, sizeof(rel), "%s/run/cpuiso/containers/nul", f->root);
		FILE *fp = fopen(rel, "w");

		assert_non_null(fp);
		assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, fp), sizeof(nul) - 1);
		fclose(fp);
	}

	assert_int_equal(cpuiso_claims_read(f->ctx, 64, &claims), 0);
	assert_int_equal(cpuiso_claims_count(claims), 1);
	assert_string_equal(cpuiso_claims_get_owner(claims, 0), "good");
	assert_true(cpuiso_cpuset_equal(cpuiso_claims_get_cpus(claims, 0), cpus));
	assert_true(cpuiso_cpuset_equal(cpuiso_claims_get_isolated(claims, 0), iso));
	assert_int_equal(cpuiso_claims_get_pid(claims, 0, &start), 7);
	assert_int_equal(start, 1234);
	assert_int_equal(cpuiso_claims_get_pid(claims, 1, NULL), -ENOENT);
	assert_null(cpuiso_claims_get_owner(claims, 1));

	assert_int_equal(cpuiso_claim_remove(f->ctx, "good"), 0);
	assert_int_equal(cpuiso_claim_remove(f->ctx, "good"), 0);
}

/* The containers' lock: one holder; others wait as long as they are told. */
static void test_lock(void **state)
{
	struct fix *f = *state;
	int fd = cpuiso_claims_lock(f->ctx, 0);

	assert_true(fd >= 0);
	assert_int_equal(cpuiso_claims_lock(f->ctx, 0), -EWOULDBLOCK);
	assert_int_equal(cpuiso_claims_lock(f->ctx, 1), -ETIMEDOUT);
	close(fd);
	fd = cpuiso_claims_lock(f->ctx, 0);
	assert_true(fd >= 0);
	close(fd);
}

/* A stock kernel: refused, the compat partition would move the container. */
static void test_stock_kernel(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *cfg = isolated_config("1"), *b = bundle(f, "a", cfg);
	_cleanup_free_ char *why = NULL, *path = NULL;
	struct stat st;

	for (int i = 0; i < 4; i++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/cpu%d/state", f->root, i);
		assert_int_equal(unlink(p), 0);
	}
	proc_add(f, 100, 5000);
	assert_int_equal(run(f, "a", 100, b, "creating", &why), -EOPNOTSUPP);
	assert_non_null(strstr(why, "no runtime isolation"));
	assert_non_null(strstr(why, "container's own cgroup"));
	assert_true(asprintf(&path, "%s/run/cpuiso/containers/a", f->root) > 0);
	assert_int_equal(stat(path, &st), -1);
}

/* Starting needs the process that stands for the container. */
static void test_no_pid(void **state)
{
	struct fix *f = *state;
	_cleanup_free_ char *cfg = isolated_config("1"), *b = bundle(f, "a", cfg);
	_cleanup_free_ char *why = NULL, *snap = NULL;

	assert_int_equal(run(f, "a", 0, b, "creating", &why), -ESRCH);
	assert_non_null(strstr(why, "names no running process"));
	snap = snapshot(f);
	assert_string_equal(snap, "online online online online |");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_good),
		cmocka_unit_test(test_state_hostile),
		cmocka_unit_test(test_state_huge_and_deep),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_stage),
		cmocka_unit_test_setup_teardown(test_isolate_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keeps_hand_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_cpuset_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_and_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
