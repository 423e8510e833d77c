// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso-oci-hook's work: parse the OCI state and config.json (json-c),
 * then, under the containers' lock, reconcile records of containers that
 * are gone, and isolate a starting container's CPUs or release what a
 * stopped one's start isolated.  Every input is checked whole before
 * anything is written; a refusal changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "oci.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_system *, cpuiso_system_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_cpuset *, cpuiso_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_claims *, cpuiso_claims_free)

/*
 * Seconds a run waits for another hook run, then for another cpuiso
 * change: together within the 60 s the hooks.d file gives the hook.
 */
#define LOCK_TIMEOUT 25

/* nesting deeper than this is not a config.json anybody writes */
#define JSON_DEPTH 64

static int refuse(char **why, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char **why, int error, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		free(*why);
		va_start(ap, fmt);
		if (vasprintf(why, fmt, ap) < 0)
			*why = NULL;
		va_end(ap);
	}
	return -error;
}

char *oci_quote(const char *s)
{
	char *out, *p;
	size_t i;

	if (!s)
		return strdup("");
	out = p = malloc(64 * 4 + 4);
	if (!out)
		return NULL;
	for (i = 0; s[i] && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	strcpy(p, s[i] ? "..." : "");
	return out;
}

#define QUOTED(var, str) _cleanup_free_ char *var = oci_quote(str)

void oci_state_done(struct oci_state *st)
{
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->isolate);
	*st = (struct oci_state){ 0 };
}

void oci_config_done(struct oci_config *cfg)
{
	free(cfg->cpus);
	free(cfg->isolate);
	*cfg = (struct oci_config){ 0 };
}

/* One JSON object from @text, all of it, or why not. */
static int json_parse(const char *text, size_t len, const char *what,
		      struct json_object **ret, char **why)
{
	_cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
	struct json_object *obj;
	size_t end;

	if (memchr(text, '\0', len))
		return refuse(why, EINVAL, "%s holds a NUL byte", what);
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		return refuse(why, EINVAL, "%s is not JSON: %s at offset %zu", what,
			      json_tokener_error_desc(json_tokener_get_error(tok)),
			      json_tokener_get_parse_end(tok));
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!strchr(" \t\r\n", text[end])) {
			json_object_put(obj);
			return refuse(why, EINVAL,
				      "%s: more than one JSON value (offset %zu)",
				      what, end);
		}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return refuse(why, EINVAL, "%s is not a JSON object", what);
	}
	*ret = obj;
	return 0;
}

/*
 * Member @key of @obj as a new string: absent is 0 with *ret NULL unless
 * @required; a member of another type is refused.
 */
static int get_string(struct json_object *obj, const char *key,
		      const char *what, bool required, char **ret, char **why)
{
	struct json_object *v;

	*ret = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null)) {
		if (required)
			return refuse(why, EINVAL, "%s has no \"%s\"", what, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return refuse(why, EINVAL, "%s: \"%s\" is a %s, not a string",
			      what, key, json_type_to_name(json_object_get_type(v)));
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return refuse(why, EINVAL, "%s: \"%s\" holds a NUL character",
			      what, key);
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -ENOMEM;
}

/* Member @key of @obj, which must be an object if present; NULL if absent. */
static int get_object(struct json_object *obj, const char *key,
		      const char *what, struct json_object **ret, char **why)
{
	struct json_object *v;

	*ret = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return refuse(why, EINVAL, "%s: \"%s\" is a %s, not an object",
			      what, key, json_type_to_name(json_object_get_type(v)));
	*ret = v;
	return 0;
}

/*
 * The isolate annotation from an "annotations" member, if any, and
 * whether the container is a pod's sandbox (pause) container, as CRI-O
 * and containerd's CRI plugin mark it: a pod's annotations reach its
 * sandbox too, which holds no exclusive CPU.
 */
static int get_isolate(struct json_object *obj, const char *what,
		       char **ret, bool *present, bool *sandbox, char **why)
{
	static const char *const type_keys[] = {
		"io.kubernetes.cri-o.ContainerType",
		"io.kubernetes.cri.container-type",
	};
	struct json_object *ann;
	int r = get_object(obj, "annotations", what, &ann, why);

	if (r < 0)
		return r;
	r = get_string(ann, OCI_ANNOTATION_ISOLATE, what, false, ret, why);
	if (present)
		*present = r == 0 && *ret;
	for (size_t i = 0; r == 0 && sandbox && i < ELEMENTSOF(type_keys); i++) {
		_cleanup_free_ char *type = NULL;

		r = get_string(ann, type_keys[i], what, false, &type, why);
		*sandbox |= type && strcmp(type, "sandbox") == 0;
	}
	return r;
}

/**
 * oci_state_parse: the runtime's state JSON.  Required: "ociVersion",
 * "id" (a valid record name), "bundle" (an absolute path); optional:
 * "status", "pid" (an integer > 0), "annotations".
 */
int oci_state_parse(const char *text, size_t len, struct oci_state *st,
		    char **why)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	_cleanup_free_ char *version = NULL;
	struct oci_state s = { 0 };
	struct json_object *v;
	int r;

	*st = s;
	if (len > OCI_STATE_MAX)
		return refuse(why, EFBIG, "the state on stdin is larger than %d bytes",
			      OCI_STATE_MAX);
	r = json_parse(text, len, "the state on stdin", &obj, why);
	if (r < 0)
		return r;
	r = get_string(obj, "ociVersion", "the state", true, &version, why);
	if (r == 0)
		r = get_string(obj, "id", "the state", true, &s.id, why);
	if (r == 0)
		r = get_string(obj, "status", "the state", false, &s.status, why);
	if (r == 0)
		r = get_string(obj, "bundle", "the state", true, &s.bundle, why);
	if (r == 0)
		r = get_isolate(obj, "the state", &s.isolate, NULL, NULL, why);
	if (r == 0 && json_object_object_get_ex(obj, "pid", &v)) {
		int64_t pid = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || pid < 0 || pid > INT32_MAX)
			r = refuse(why, EINVAL, "the state: \"pid\" is not a process id");
		else
			s.pid = (int)pid;
	}
	if (r == 0 && !cpuiso_claim_owner_valid(s.id)) {
		QUOTED(id_q, s.id);
		r = refuse(why, EINVAL,
			   "the state: container id \"%s\" is not 1 to 128 characters of [A-Za-z0-9_.-]",
			   id_q ? id_q : "");
	}
	if (r == 0 && s.bundle[0] != '/') {
		QUOTED(bundle_q, s.bundle);
		r = refuse(why, EINVAL, "the state: bundle \"%s\" is not an absolute path",
			   bundle_q ? bundle_q : "");
	}
	if (r < 0) {
		oci_state_done(&s);
		return r;
	}
	*st = s;
	return 0;
}

/**
 * oci_config_parse: the bundle's config.json; "linux.resources.cpu.cpus"
 * and the isolate annotation, each optional, each of its type if present.
 */
int oci_config_parse(const char *text, size_t len, struct oci_config *cfg,
		     char **why)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	struct json_object *linux_ = NULL, *res = NULL, *cpu = NULL;
	struct oci_config c = { 0 };
	int r;

	*cfg = c;
	if (len > OCI_CONFIG_MAX)
		return refuse(why, EFBIG, "config.json is larger than %d bytes",
			      OCI_CONFIG_MAX);
	r = json_parse(text, len, "config.json", &obj, why);
	if (r < 0)
		return r;
	r = get_object(obj, "linux", "config.json", &linux_, why);
	if (r == 0)
		r = get_object(linux_, "resources", "config.json: linux", &res, why);
	if (r == 0)
		r = get_object(res, "cpu", "config.json: linux.resources", &cpu, why);
	if (r == 0)
		r = get_string(cpu, "cpus", "config.json: linux.resources.cpu",
			       false, &c.cpus, why);
	if (r == 0)
		r = get_isolate(obj, "config.json", &c.isolate, &c.has_isolate,
				&c.sandbox, why);
	if (r < 0) {
		oci_config_done(&c);
		return r;
	}
	*cfg = c;
	return 0;
}

/* Read @bundle/config.json: a regular file, never a FIFO or a device. */
int oci_config_read(const char *bundle, struct oci_config *cfg, char **why)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct stat sb;
	size_t len = 0;
	ssize_t n;

	QUOTED(bundle_q, bundle);
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return refuse(why, errno, "cannot open the bundle's config.json (bundle \"%s\"): %s",
			      bundle_q ? bundle_q : "", strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return refuse(why, EINVAL, "the bundle's config.json (bundle \"%s\") is not a regular file",
			      bundle_q ? bundle_q : "");
	if (sb.st_size > OCI_CONFIG_MAX)
		return refuse(why, EFBIG, "config.json is larger than %d bytes",
			      OCI_CONFIG_MAX);
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)sb.st_size &&
	       (n = read(fd, buf + len, (size_t)sb.st_size - len)) != 0) {
		if (n < 0)
			return refuse(why, errno, "cannot read config.json (bundle \"%s\"): %s",
				      bundle_q ? bundle_q : "", strerror(errno));
		len += (size_t)n;
	}
	buf[len] = '\0';
	return oci_config_parse(buf, len, cfg, why);
}

/*
 * The stage: an explicit argument (OCI hook names), else the state's
 * status.  Any other stage or status is refused, never guessed.
 */
int oci_stage_get(const char *arg, const char *status, enum oci_stage *ret,
		  char **why)
{
	static const struct {
		const char *name;
		enum oci_stage stage;
	} names[] = {
		{ "createRuntime", OCI_STAGE_ISOLATE },
		{ "prestart", OCI_STAGE_ISOLATE },
		{ "poststop", OCI_STAGE_RELEASE },
	}, statuses[] = {
		{ "creating", OCI_STAGE_ISOLATE },
		{ "stopped", OCI_STAGE_RELEASE },
	};

	if (arg) {
		for (size_t i = 0; i < ELEMENTSOF(names); i++)
			if (strcmp(arg, names[i].name) == 0) {
				*ret = names[i].stage;
				return 0;
			}
		QUOTED(arg_q, arg);
		return refuse(why, EINVAL,
			      "unknown stage \"%s\" (createRuntime, prestart or poststop)",
			      arg_q ? arg_q : "");
	}
	if (!status)
		return refuse(why, EINVAL,
			      "the state has no \"status\": pass the stage (createRuntime, prestart or poststop)");
	for (size_t i = 0; i < ELEMENTSOF(statuses); i++)
		if (strcmp(status, statuses[i].name) == 0) {
			*ret = statuses[i].stage;
			return 0;
		}
	QUOTED(status_q, status);
	return refuse(why, EINVAL,
		      "the state's status is \"%s\", neither \"creating\" nor \"stopped\": pass the stage (createRuntime, prestart or poststop)",
		      status_q ? status_q : "");
}

static void note(const struct oci_hook *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(const struct oci_hook *h, const char *fmt, ...)
{
	va_list ap;

	if (!h->log)
		return;
	fputs("cpuiso-oci-hook: ", h->log);
	va_start(ap, fmt);
	vfprintf(h->log, fmt, ap);
	va_end(ap);
	fputc('\n', h->log);
}

/* The start time (clock ticks after boot) of process @pid, or 0 if none. */
static unsigned long long proc_start(const char *proc, int pid)
{
	char path[64 + 4096], buf[4096], *p;
	unsigned long long start = 0;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/stat", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name may hold anything; the fields follow its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 22 is the start time; p lands on the space before it */
	for (int field = 3; field <= 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

/* Whether the container of a record still runs (its process does). */
static bool alive(const struct oci_hook *h, int pid, unsigned long long start)
{
	unsigned long long now = proc_start(h->proc, pid);

	return now != 0 && now == start;
}

static int system_read(const struct oci_hook *h, struct cpuiso_system **ret,
		       char **why)
{
	int r = cpuiso_system_read(h->ctx, ret);

	if (r < 0)
		return refuse(why, -r, "cannot read the CPUs under %s: %s",
			      cpuiso_ctx_get_root(h->ctx), strerror(-r));
	return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_change_result *, cpuiso_change_result_free)


/*
 * THE one call into the change sequence: cpuiso_change(), with the same
 * lock, journal recovery, backend choice, validation, module load and
 * rollback as the cpuiso command.  Its notes go to the log.
 */
static int change(const struct oci_hook *h, const struct cpuiso_cpuset *cpus,
		  enum cpuiso_state target, char **why)
{
	_cleanup_(cpuiso_change_result_freep) struct cpuiso_change_result *res = NULL;
	const struct cpuiso_change_request req = {
		.op = target == CPUISO_STATE_ISOLATED ? CPUISO_CHANGE_ISOLATE :
							 CPUISO_CHANGE_RELEASE,
		.cpus = cpus,
		.only_cpu = -1,
		.lock_timeout = LOCK_TIMEOUT,
	};
	const char *msg;
	int r;

	r = cpuiso_change(h->ctx, &req, 0, &res);
	for (size_t i = 0; res && i < cpuiso_change_result_nr_notes(res); i++)
		note(h, "%s", cpuiso_change_result_get_note(res, i));
	if (r == 0)
		return 0;
	msg = res ? cpuiso_change_result_get_message(res) : NULL;
	if (res && cpuiso_change_result_get_status(res) == CPUISO_CHANGE_PARTIAL)
		return refuse(why, -r, "%s; and the rollback failed: some CPUs stay changed",
			      msg ? msg : strerror(-r));
	return refuse(why, -r, "%s", msg ? msg : strerror(-r));
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_probe *, cpuiso_probe_free)

/*
 * Containers need the patched kernel's cpuN/state.  The compat backend
 * isolates through a cgroup v2 cpuset partition, which takes its CPUs
 * from every other cgroup's effective set, the container's own included:
 * the container would end up off the very CPUs it was given.
 */
static int check_backend(const struct oci_hook *h, char **why)
{
	_cleanup_(cpuiso_probe_freep) struct cpuiso_probe *probe = NULL;
	const char *reason = NULL;
	int r = cpuiso_probe_run(h->ctx, &probe);

	if (r < 0)
		return refuse(why, -r, "capability probe failed: %s", strerror(-r));
	if (cpuiso_probe_get(probe, CPUISO_CAP_STATE_FILE, &reason) == CPUISO_AVAIL_YES)
		return 0;
	return refuse(why, EOPNOTSUPP,
		      "this kernel has no runtime isolation (%s); the compat backend's cpuset partition would take the CPUs from the container's own cgroup, so containers are not isolated with it: isolate their CPUs at boot (isolcpus=, nohz_full=) or run a kernel with the cpuiso series",
		      reason ? reason : "no cpuN/state");
}

/* Which of @cpus are isolated now. */
static int isolated_now(const struct cpuiso_system *sys,
			const struct cpuiso_cpuset *cpus,
			struct cpuiso_cpuset **ret)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set =
		cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	int cpu;

	if (!set)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, cpus) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

		if (c && cpuiso_cpu_get_state(c) == CPUISO_STATE_ISOLATED &&
		    cpuiso_cpuset_set(set, cpu) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(set);
	return 0;
}

/* Release what record @i's start isolated and is still isolated; forget it. */
static int release_claim(const struct oci_hook *h,
			 const struct cpuiso_claims *claims, size_t i,
			 char **why)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *rel = NULL;
	_cleanup_free_ char *list = NULL;
	const char *owner = cpuiso_claims_get_owner(claims, i);
	int r;

	r = system_read(h, &sys, why);
	if (r < 0)
		return r;
	r = isolated_now(sys, cpuiso_claims_get_isolated(claims, i), &rel);
	if (r < 0)
		return r;
	if (cpuiso_cpuset_count(rel)) {
		r = change(h, rel, CPUISO_STATE_ONLINE, why);
		if (r < 0)
			return r;
		if (cpuiso_cpuset_format(rel, &list) == 0)
			note(h, "container %s: released CPUs %s", owner, list);
	}
	r = cpuiso_claim_remove(h->ctx, owner);
	if (r < 0)
		return refuse(why, -r, "cannot remove the record of container %s: %s",
			      owner, strerror(-r));
	return 0;
}

/*
 * Records of containers that are gone (died without poststop, a runtime
 * killed): release what they isolated.  A failure is said and the record
 * kept for the next run; it does not stop this one.
 */
static int reconcile(const struct oci_hook *h, const char *self,
		     unsigned int nbits)
{
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	int r = cpuiso_claims_read(h->ctx, nbits, &claims);

	if (r < 0)
		return r;
	for (size_t i = 0; i < cpuiso_claims_count(claims); i++) {
		_cleanup_free_ char *why = NULL;
		const char *owner = cpuiso_claims_get_owner(claims, i);
		unsigned long long start;
		int pid = cpuiso_claims_get_pid(claims, i, &start);

		if ((self && strcmp(owner, self) == 0) || alive(h, pid, start))
			continue;
		note(h, "container %s is gone (process %d): reconciling its record",
		     owner, pid);
		if (release_claim(h, claims, i, &why) < 0)
			note(h, "container %s: could not release its CPUs: %s",
			     owner, why ? why : "unknown error");
	}
	return 0;
}

/* The container's CPUs, checked whole: a cpulist of present, online CPUs. */
static int container_cpus(const struct cpuiso_system *sys, const char *list,
			  struct cpuiso_cpuset **ret, char **why)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *set = NULL;
	struct cpuiso_parse_error perr = { 0 };
	int cpu, r;

	QUOTED(list_q, list);
	if (!list)
		return refuse(why, EINVAL,
			      "isolation asked (" OCI_ANNOTATION_ISOLATE "), but config.json has no linux.resources.cpu.cpus: give the container exclusive CPUs (Kubernetes: a Guaranteed pod with whole CPUs under the static CPU manager policy)");
	r = cpuiso_cpuset_parse(list, cpuiso_system_nr_cpus(sys), &set, &perr);
	if (r == -ERANGE)
		return refuse(why, ERANGE,
			      "linux.resources.cpu.cpus \"%s\" names a CPU beyond this machine's %u",
			      list_q ? list_q : "", cpuiso_system_nr_cpus(sys));
	if (r < 0)
		return refuse(why, -r,
			      "linux.resources.cpu.cpus \"%s\" is not a CPU list: %s at position %zu",
			      list_q ? list_q : "", perr.reason ? perr.reason : strerror(-r),
			      perr.pos + 1);
	if (cpuiso_cpuset_count(set) == 0)
		return refuse(why, EINVAL, "linux.resources.cpu.cpus \"%s\" names no CPU",
			      list_q ? list_q : "");
	cpuiso_cpuset_foreach(cpu, set) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

		if (!c || !cpuiso_cpuset_test(cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT), cpu))
			return refuse(why, ENODEV, "CPU %d of the container is not present", cpu);
		if (!cpuiso_cpu_is_online(c))
			return refuse(why, ENODEV, "CPU %d of the container is offline", cpu);
	}
	*ret = TAKE_PTR(set);
	return 0;
}

/* Whether @cpus meet another live container's CPUs; says whose. */
static int check_shared(const struct cpuiso_claims *claims, const char *self,
			const struct cpuiso_cpuset *cpus, char **why)
{
	int cpu;

	for (size_t i = 0; i < cpuiso_claims_count(claims); i++) {
		const char *owner = cpuiso_claims_get_owner(claims, i);

		if (strcmp(owner, self) == 0)
			continue;
		cpuiso_cpuset_foreach(cpu, cpus)
			if (cpuiso_cpuset_test(cpuiso_claims_get_cpus(claims, i), cpu))
				return refuse(why, EBUSY,
					      "CPU %d belongs to container %s, which runs isolated",
					      cpu, owner);
	}
	return 0;
}

static ssize_t find_claim(const struct cpuiso_claims *claims, const char *owner)
{
	for (size_t i = 0; i < cpuiso_claims_count(claims); i++)
		if (strcmp(cpuiso_claims_get_owner(claims, i), owner) == 0)
			return (ssize_t)i;
	return -1;
}

static int isolate(const struct oci_hook *h, const struct oci_state *st,
		   const struct oci_config *cfg, char **why)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL,
		*already = NULL, *iso = NULL;
	_cleanup_free_ char *list = NULL;
	unsigned long long start;
	ssize_t mine;
	int cpu, r;

	if (st->pid <= 0 || !(start = proc_start(h->proc, st->pid)))
		return refuse(why, ESRCH,
			      "the state's pid (%d) names no running process: without it a container that dies could not be told from one that runs",
			      st->pid);
	r = system_read(h, &sys, why);
	if (r < 0)
		return r;
	r = container_cpus(sys, cfg->cpus, &cpus, why);
	if (r < 0)
		return r;
	r = cpuiso_claims_read(h->ctx, cpuiso_system_nr_cpus(sys), &claims);
	if (r < 0)
		return refuse(why, -r, "cannot read the container records: %s", strerror(-r));
	r = check_shared(claims, st->id, cpus, why);
	if (r < 0)
		return r;
	mine = find_claim(claims, st->id);
	if (mine >= 0) {
		/* createRuntime and prestart both configured: once is enough */
		if (cpuiso_cpuset_equal(cpuiso_claims_get_cpus(claims, mine), cpus))
			return 0;
		return refuse(why, EEXIST,
			      "container %s has a record with other CPUs", st->id);
	}

	/* isolated already (by policy, by hand): not ours to release later */
	r = isolated_now(sys, cpus, &already);
	if (r < 0)
		return r;
	iso = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	if (!iso)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, cpus)
		if (!cpuiso_cpuset_test(already, cpu) && cpuiso_cpuset_set(iso, cpu) < 0)
			return -ENOMEM;

	if (cpuiso_cpuset_count(iso)) {
		r = check_backend(h, why);
		if (r < 0)
			return r;
	}
	/* the record first: a crash after it leaves something to reconcile */
	r = cpuiso_claim_write(h->ctx, st->id, cpus, iso, st->pid, start);
	if (r < 0)
		return refuse(why, -r, "cannot write the record of container %s: %s",
			      st->id, strerror(-r));
	if (cpuiso_cpuset_count(iso)) {
		r = change(h, iso, CPUISO_STATE_ISOLATED, why);
		if (r < 0) {
			cpuiso_claim_remove(h->ctx, st->id);
			return r;
		}
	}
	if (cpuiso_cpuset_format(cpus, &list) == 0)
		note(h, "container %s: CPUs %s isolated", st->id, list);
	return 0;
}

static int release(const struct oci_hook *h, const char *id, char **why)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	ssize_t mine;
	int r;

	r = system_read(h, &sys, why);
	if (r < 0)
		return r;
	r = cpuiso_claims_read(h->ctx, cpuiso_system_nr_cpus(sys), &claims);
	if (r < 0)
		return refuse(why, -r, "cannot read the container records: %s", strerror(-r));
	mine = find_claim(claims, id);
	if (mine < 0)
		return 0;	/* its start isolated nothing */
	return release_claim(h, claims, (size_t)mine, why);
}

/* Whether the container asks for isolation: "true", "false"/absent, or refused. */
static int wants_isolation(const struct oci_state *st,
			   const struct oci_config *cfg, bool *ret, char **why)
{
	const char *v = cfg->has_isolate ? cfg->isolate : st->isolate;

	*ret = v && strcmp(v, "true") == 0;
	if (!v || *ret || strcmp(v, "false") == 0) {
		*ret &= !cfg->sandbox;
		return 0;
	}
	QUOTED(v_q, v);
	return refuse(why, EINVAL, "annotation " OCI_ANNOTATION_ISOLATE " is \"%s\", not \"true\" or \"false\"",
		      v_q ? v_q : "");
}

/*
 * What every run starts with: root on the live system, the containers'
 * lock, and the records of containers that are gone reconciled (all but
 * @self's).  Returns the lock's fd.
 */
static int begin(const struct oci_hook *h, const char *self, char **why)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (strcmp(cpuiso_ctx_get_root(h->ctx), "/") == 0 && geteuid() != 0)
		return refuse(why, EPERM, "must be root to change CPUs");
	lock = cpuiso_claims_lock(h->ctx, LOCK_TIMEOUT);
	if (lock == -ETIMEDOUT)
		return refuse(why, ETIMEDOUT,
			      "another cpuiso-oci-hook held %s/run/cpuiso/containers/.lock for %d s",
			      cpuiso_ctx_get_root(h->ctx), LOCK_TIMEOUT);
	if (lock < 0)
		return refuse(why, -lock, "cannot take the containers' lock under %s/run/cpuiso: %s",
			      cpuiso_ctx_get_root(h->ctx), strerror(-lock));
	r = system_read(h, &sys, why);
	if (r < 0)
		return r;
	r = reconcile(h, self, cpuiso_system_nr_cpus(sys));
	if (r < 0)
		return refuse(why, -r, "cannot read the container records: %s",
			      strerror(-r));
	return TAKE_FD(lock);
}

/**
 * oci_hook_run: one hook invocation on @state (the runtime's stdin).
 * Returns 0, or a negative errno with *why saying what was refused; a
 * refusal at createRuntime/prestart makes the runtime abort the start.
 */
int oci_hook_run(const struct oci_hook *h, const char *state, size_t len,
		 char **why)
{
	_cleanup_close_ int lock = -1;
	struct oci_state st;
	struct oci_config cfg = { 0 };
	enum oci_stage stage;
	bool want = false;
	int r;

	r = oci_state_parse(state, len, &st, why);
	if (r < 0)
		return r;
	r = oci_stage_get(h->stage, st.status, &stage, why);
	if (r == 0 && stage == OCI_STAGE_ISOLATE) {
		r = oci_config_read(st.bundle, &cfg, why);
		if (r == 0)
			r = wants_isolation(&st, &cfg, &want, why);
	}
	if (r == 0)
		r = lock = begin(h, st.id, why);
	if (r >= 0)
		r = stage == OCI_STAGE_RELEASE ? release(h, st.id, why) :
		    want ? isolate(h, &st, &cfg, why) : 0;
	oci_state_done(&st);
	oci_config_done(&cfg);
	return r;
}

/**
 * oci_hook_reconcile: only release the CPUs of containers that are gone
 * (cpuiso-oci-hook --reconcile, e.g. from a timer or after a runtime
 * crash), without a container to start or stop.
 */
int oci_hook_reconcile(const struct oci_hook *h, char **why)
{
	_cleanup_close_ int lock = begin(h, NULL, why);

	return lock < 0 ? lock : 0;
}
