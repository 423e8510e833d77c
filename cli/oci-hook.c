// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuiso-oci-hook [--sysroot DIR] [--debug] [STAGE | --reconcile]: an OCI
 * runtime hook.
 * The runtime writes the container's state on stdin; at createRuntime or
 * prestart (status "creating") the hook isolates the CPUs of a container
 * annotated cpuiso.io/isolate=true, at poststop (status "stopped") it
 * releases what that start isolated.  Exit 0, or 1 with one line on
 * stderr saying why (the runtime then aborts the start), 2 for usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "cleanup.h"
#include "config.h"
#include "oci.h"

static void log_stderr(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	fprintf(stderr, "cpuiso-oci-hook: %s", priority <= LOG_ERR ? "" : "debug: ");
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/* All of stdin, up to the state's limit (one byte more says "too big"). */
static int read_stdin(char **ret, size_t *len)
{
	_cleanup_free_ char *buf = malloc(OCI_STATE_MAX + 2);
	size_t n = 0, got;

	if (!buf)
		return -ENOMEM;
	while (n <= OCI_STATE_MAX &&
	       (got = fread(buf + n, 1, OCI_STATE_MAX + 1 - n, stdin)) > 0)
		n += got;
	if (ferror(stdin))
		return -EIO;
	buf[n] = '\0';
	*len = n;
	*ret = TAKE_PTR(buf);
	return 0;
}

static void usage(FILE *out)
{
	fputs("Usage:\n cpuiso-oci-hook [options] [createRuntime|prestart|poststop]\n"
	      " cpuiso-oci-hook [options] --reconcile\n\n"
	      "OCI runtime hook: isolate the CPUs of a container annotated\n"
	      OCI_ANNOTATION_ISOLATE "=true when it starts, release them when it stops.\n"
	      "Reads the container's state on stdin; without a stage, the state's\n"
	      "status says it (\"creating\": isolate, \"stopped\": release).\n\n"
	      "Options:\n"
	      "     --sysroot <dir>  CPUs and records under <dir>, not /\n"
	      "     --reconcile      only release the CPUs of containers that are gone\n"
	      " -d, --debug          log what the library does\n"
	      " -h, --help           display this help\n"
	      " -V, --version        display version\n"
	      "\nFor more details see cpuiso-oci-hook(8).\n", out);
}

int main(int argc, char **argv)
{
	enum { OPT_SYSROOT = 0x100, OPT_RECONCILE };
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "reconcile", no_argument, NULL, OPT_RECONCILE },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_hook h = { .proc = "/proc", .log = stderr };
	_cleanup_free_ char *state = NULL, *why = NULL;
	const char *sysroot = "/";
	bool debug = false, reconcile = false;
	struct stat st;
	size_t len = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "dhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SYSROOT:
			sysroot = optarg;
			break;
		case OPT_RECONCILE:
			reconcile = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cpuiso-oci-hook %s\n", CPUISO_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > (reconcile ? 0 : 1)) {
		usage(stderr);
		return 2;
	}
	h.stage = optind < argc ? argv[optind] : NULL;

	if (stat(sysroot, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "cpuiso-oci-hook: refused: --sysroot %s is not a directory\n",
			sysroot);
		return 1;
	}
	r = reconcile ? 0 : read_stdin(&state, &len);
	if (r < 0) {
		fprintf(stderr, "cpuiso-oci-hook: cannot read the state on stdin: %s\n",
			strerror(-r));
		return 1;
	}
	r = cpuiso_ctx_new(sysroot, &h.ctx);
	if (r < 0) {
		fprintf(stderr, "cpuiso-oci-hook: cannot set up under %s: %s\n",
			sysroot, strerror(-r));
		return 1;
	}
	cpuiso_ctx_set_log_fn(h.ctx, log_stderr, NULL);
	if (debug)
		cpuiso_ctx_set_log_priority(h.ctx, LOG_DEBUG);
	r = reconcile ? oci_hook_reconcile(&h, &why) :
			oci_hook_run(&h, state, len, &why);
	cpuiso_ctx_unref(h.ctx);
	if (r < 0) {
		fprintf(stderr, "cpuiso-oci-hook: refused: %s\n",
			why ? why : strerror(-r));
		return 1;
	}
	return 0;
}
